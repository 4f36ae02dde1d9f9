#!/bin/sh
# Re-creates this folder's fixtures with the local Terraform (`terraform_data` is built in, so
# nothing is downloaded): the state file, `terraform show -json` of the state and of a plan,
# and `terraform state list`. Resource ids are random UUIDs, so every run differs there.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cp -R "$here/main.tf" "$here/modules" "$work/"
cd "$work"
export TF_CLI_CONFIG_FILE=/dev/null
terraform init -input=false >/dev/null
terraform apply -auto-approve -input=false >/dev/null
cp terraform.tfstate "$here/terraform.tfstate"
terraform show -json >"$here/show.json"
terraform state list >"$here/state-list.txt"
# A plan that changes something, so its `prior_state` is the state above.
sed -i.bak 's/intern-\${count.index}/&-v2/' main.tf
terraform plan -input=false -out plan.bin >/dev/null
terraform show -json plan.bin >"$here/plan.json"
terraform version | head -n 1
