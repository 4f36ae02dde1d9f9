"""A generated monorepo of realistic Terraform (``bench.terraform`` measures its load): teams
and services under ``stacks/``, files of a few KB with a long tail, about 5% of them declaring
users. A seeded generator makes every run's bytes identical."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

USER_SHARE = 0.05
SEED = 20_240_601

TEAMS = ("payments", "search", "identity", "data", "platform", "growth", "mobile", "ads")
PEOPLE = ("alice", "bob", "carol", "dave", "eli", "fay", "gus", "hana", "ivan", "jo", "kai")
POLICIES = (
    "ReadOnlyAccess",
    "AmazonS3ReadOnlyAccess",
    "CloudWatchReadOnlyAccess",
    "IAMUserChangePassword",
)


class Writer:
    """Blocks of realistic Terraform, chosen by a seeded generator so every run is identical."""

    def __init__(self, rng: random.Random, team: str, service: str) -> None:
        self.rng = rng
        self.team = team
        self.service = service
        self.counter = 0

    def label(self, kind: str) -> str:
        self.counter += 1
        return f"{kind}_{self.service.replace('-', '_')}_{self.counter}"

    def any_block(self) -> str:
        makers: list[Callable[[], str]] = [
            self.bucket,
            self.security_group,
            self.lambda_function,
            self.policy,
            self.role,
            self.policy_document,
            self.variables,
            self.outputs,
        ]
        return self.rng.choices(makers, weights=(4, 4, 3, 3, 2, 2, 2, 1))[0]()

    def bucket(self) -> str:
        name = self.label("bucket")
        return f'''resource "aws_s3_bucket" "{name}" {{
  bucket = "${{local.prefix}}-{self.service}-{self.counter}"
  tags   = merge(local.tags, {{ Name = "{name}", team = "{self.team}" }})
}}

resource "aws_s3_bucket_versioning" "{name}" {{
  bucket = aws_s3_bucket.{name}.id
  versioning_configuration {{
    status = "Enabled"
  }}
}}

resource "aws_s3_bucket_server_side_encryption_configuration" "{name}" {{
  bucket = aws_s3_bucket.{name}.id
  rule {{
    apply_server_side_encryption_by_default {{
      sse_algorithm     = "aws:kms"
      kms_master_key_id = var.kms_key_arn
    }}
  }}
}}

resource "aws_s3_bucket_policy" "{name}" {{
  bucket = aws_s3_bucket.{name}.id
  policy = <<EOF
{{
  "Version": "2012-10-17",
  "Statement": [
    {{
      "Sid": "DenyInsecureTransport",
      "Effect": "Deny",
      "Principal": "*",
      "Action": "s3:*",
      "Resource": ["arn:aws:s3:::{name}", "arn:aws:s3:::{name}/*"],
      "Condition": {{ "Bool": {{ "aws:SecureTransport": "false" }} }}
    }}
  ]
}}
EOF
}}
'''

    def security_group(self) -> str:
        name = self.label("sg")
        rules = []
        for _ in range(self.rng.randint(4, 14)):
            port = self.rng.choice((22, 80, 443, 5432, 6379, 8080, 9090, 3306))
            cidrs = ", ".join(
                f'"10.{self.rng.randint(0, 255)}.{self.rng.randint(0, 255)}.0/24"'
                for _ in range(self.rng.randint(1, 4))
            )
            rules.append(
                f"""  ingress {{
    description = "port {port} from {self.team} subnet"
    from_port   = {port}
    to_port     = {port}
    protocol    = "tcp"
    cidr_blocks = [{cidrs}]
  }}
"""
            )
        return f'''resource "aws_security_group" "{name}" {{
  name        = "{self.team}-{self.service}-{self.counter}"
  description = "Managed by Terraform for {self.service}"
  vpc_id      = var.vpc_id

{"".join(rules)}
  egress {{
    from_port   = 0
    to_port     = 0
    protocol    = "-1"
    cidr_blocks = ["0.0.0.0/0"]
  }}

  dynamic "ingress" {{
    for_each = var.extra_ports
    content {{
      from_port   = ingress.value
      to_port     = ingress.value
      protocol    = "tcp"
      cidr_blocks = var.office_cidrs
    }}
  }}

  tags = local.tags
}}
'''

    def lambda_function(self) -> str:
        name = self.label("fn")
        env = "\n".join(
            f'      {key} = "{self.rng.choice(("info", "debug", "on", "off", self.team))}"'
            for key in self.rng.sample(
                ("LOG_LEVEL", "FEATURE_X", "REGION_HINT", "TEAM", "MODE", "TRACE"), 4
            )
        )
        return f'''resource "aws_lambda_function" "{name}" {{
  function_name    = "${{local.prefix}}-{self.service}-{self.counter}"
  role             = aws_iam_role.{name}.arn
  handler          = "index.handler"
  runtime          = "python3.12"
  filename         = "${{path.module}}/build/{name}.zip"
  source_code_hash = filebase64sha256("${{path.module}}/build/{name}.zip")
  memory_size      = {self.rng.choice((128, 256, 512, 1024))}
  timeout          = {self.rng.choice((3, 10, 30, 60))}

  environment {{
    variables = {{
{env}
      TABLE = aws_dynamodb_table.main.name
    }}
  }}

  vpc_config {{
    subnet_ids         = var.private_subnet_ids
    security_group_ids = [aws_security_group.sg_{self.service.replace("-", "_")}_1.id]
  }}

  tags = merge(local.tags, {{ function = "{name}" }})
}}

resource "aws_cloudwatch_log_group" "{name}" {{
  name              = "/aws/lambda/${{aws_lambda_function.{name}.function_name}}"
  retention_in_days = {self.rng.choice((7, 14, 30, 90))}
}}
'''

    def policy(self) -> str:
        name = self.label("policy")
        actions = ", ".join(
            f'"{action}"'
            for action in self.rng.sample(
                (
                    "s3:GetObject",
                    "s3:PutObject",
                    "dynamodb:Query",
                    "dynamodb:GetItem",
                    "sqs:SendMessage",
                    "sqs:ReceiveMessage",
                    "kms:Decrypt",
                    "logs:PutLogEvents",
                ),
                4,
            )
        )
        return f'''resource "aws_iam_policy" "{name}" {{
  name        = "{self.team}-{self.service}-{self.counter}"
  description = "Access for {self.service}"
  policy      = <<-POLICY
    {{
      "Version": "2012-10-17",
      "Statement": [
        {{
          "Effect": "Allow",
          "Action": [{actions}],
          "Resource": "*"
        }}
      ]
    }}
  POLICY
}}
'''

    def role(self) -> str:
        name = self.label("role")
        return f'''resource "aws_iam_role" "{name}" {{
  name = "{self.team}-{self.service}-{self.counter}"
  assume_role_policy = jsonencode({{
    Version = "2012-10-17"
    Statement = [{{
      Effect    = "Allow"
      Action    = "sts:AssumeRole"
      Principal = {{ Service = "lambda.amazonaws.com" }}
    }}]
  }})
  tags = local.tags
}}
'''

    def policy_document(self) -> str:
        name = self.label("doc")
        statements = "\n".join(
            f"""  statement {{
    sid       = "S{n}"
    actions   = ["sqs:SendMessage", "sqs:GetQueueUrl"]
    resources = ["arn:aws:sqs:*:${{local.account_id}}:{self.service}-{n}"]
  }}"""
            for n in range(self.rng.randint(1, 4))
        )
        return f'''data "aws_iam_policy_document" "{name}" {{
{statements}
}}
'''

    def variables(self) -> str:
        name = self.label("var")
        return f'''variable "{name}" {{
  description = "Tunable for {self.service}"
  type        = map(string)
  default = {{
    env   = "prod"
    owner = "{self.team}"
  }}
}}

locals {{
  {name}_enabled = length(var.{name}) > 0 ? true : false
}}
'''

    def outputs(self) -> str:
        name = self.label("out")
        return f'''output "{name}" {{
  description = "For other stacks"
  value       = {{ id = "{name}", team = "{self.team}" }}
}}
'''

    def users(self) -> tuple[str, int]:
        blocks = []
        count = self.rng.randint(2, 8)
        for _ in range(count):
            person = self.rng.choice(PEOPLE)
            name = self.label(f"u_{person}")
            blocks.append(
                f'''resource "aws_iam_user" "{name}" {{
  name = "{person}-{self.team}-{self.counter}"
  path = "/people/{self.team}/"
  tags = {{
    team  = "{self.team}"
    owner = "{person}"
  }}
}}
'''
            )
            if self.rng.random() < 0.6:
                blocks.append(
                    f'''resource "aws_iam_user_policy_attachment" "{name}" {{
  user       = aws_iam_user.{name}.name
  policy_arn = "arn:aws:iam::aws:policy/{self.rng.choice(POLICIES)}"
}}
'''
                )
        return "\n".join(blocks), count


@dataclass(frozen=True)
class Tree:
    files: int
    size: int
    user_files: int
    users: int


def generate(root: Path, files: int) -> Tree:
    """Write the monorepo; the same ``files`` always gives the same bytes."""
    rng = random.Random(SEED)
    size = user_files = users = 0
    user_every = round(1 / USER_SHARE)
    for n in range(files):
        team = TEAMS[n % len(TEAMS)]
        service = f"svc-{n // 10:03}"
        writer = Writer(rng, team, service)
        # File sizes skew small with a long tail, as in real trees: mean ~3 KB.
        target = min(int(rng.lognormvariate(7.6, 0.6)), 40_000)
        parts = ['locals {\n  prefix = "acme"\n  tags   = { team = "' + team + '" }\n}\n']
        if n % user_every == 0:
            text, made = writer.users()
            parts.append(text)
            user_files += 1
            users += made
        elif n % 97 == 1:
            # A data source mentions the type without declaring a user: parsed for nothing.
            parts.append('data "aws_iam_user" "existing" {\n  user_name = "ci-bot"\n}\n')
        while sum(map(len, parts)) < target:
            parts.append(writer.any_block())
        text = "\n".join(parts)
        path = (
            root / "stacks" / team / service / f"{['main', 'iam', 'network', 'app'][n % 4]}_{n}.tf"
        )
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        size += len(text.encode("utf-8"))
    return Tree(files, size, user_files, users)
