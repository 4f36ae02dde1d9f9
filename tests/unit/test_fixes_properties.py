"""Property: whatever users are retired from a generated repository, the result is sound.

The repositories mix everything a removal has to get right: plain users with their dependents
(policies with heredoc documents full of braces, access keys and outputs of their secrets,
login profiles), a group membership shared by several users (one per line or inline), outputs
about several users, attached comments, ``for_each`` users over a set from a variable default
or ``terraform.tfvars`` with resources keyed off the same set and off the users themselves, an
inline map of users, and a module called once per person. After every chosen user's change is
applied together:

* every file parses (and passes ``terraform fmt -check`` when ``terraform`` is installed);
* the loader, reading the edited tree from scratch, finds exactly the users that were kept;
* nothing refers to a removed user or to anything that existed only for it;
* every block that had nothing to do with a removed user is byte-identical, comments included;
* the combined patch applies with ``git apply`` and gives the same files.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from test_fixes_patch import git_apply, make_repo

from iam_prune.fixes import plan
from iam_prune.model import AccountResult, Finding, Report, RunSettings, Status
from iam_prune.terraform import load
from iam_prune.terraform.parse import parse_file

TERRAFORM = shutil.which("terraform")
PERSON_MODULE = """variable "name" {
  type = string
}

resource "aws_iam_user" "this" {
  name = var.name
}

resource "aws_iam_access_key" "this" {
  user = aws_iam_user.this.name
}

output "arn" {
  value = aws_iam_user.this.arn
}
"""


def fmt(text: str, *options: str) -> subprocess.CompletedProcess[bytes] | None:
    """``terraform fmt`` run on ``text``; ``None`` without terraform."""
    if TERRAFORM is None:
        return None
    return subprocess.run(
        [TERRAFORM, "fmt", *options, "-"],
        input=text.encode(),
        capture_output=True,
        check=False,
        env={**os.environ, "TF_CLI_CONFIG_FILE": os.devnull},
    )


def formatted(text: str) -> str:
    """``text`` as ``terraform fmt`` writes it (as it is without terraform)."""
    done = fmt(text)
    return text if done is None else done.stdout.decode()


def fmt_clean(text: str) -> bool | None:
    """Whether ``terraform fmt -check`` accepts ``text``; ``None`` without terraform."""
    done = fmt(text, "-check")
    return None if done is None else done.returncode == 0


@dataclass
class Repo:
    """A generated repository: its files, the users it declares (name → the labels of what
    exists only for each), and the blocks that are about no user at all."""

    files: dict[str, str] = field(default_factory=dict)
    only_for: dict[str, list[str]] = field(default_factory=dict)
    neutral: list[str] = field(default_factory=list)


@st.composite
def comment(draw: st.DrawFn, about: str) -> str:
    style = draw(st.sampled_from(["", "", "# {a}\n", "// {a}\n", "/* {a} */\n", "# {a}\n# more\n"]))
    return style.format(a=f"about {about}")


@st.composite
def repositories(draw: st.DrawFn) -> Repo:
    repo = Repo()
    main: list[str] = []
    plain = [f"u{n}" for n in range(draw(st.integers(0, 4)))]
    for name in plain:
        main.append(draw(comment(name)) + _user(name, draw(st.booleans())))
        repo.only_for[name] = [f"aws_iam_user.{name}"]
        kinds = ["policy", "key", "profile", "arn", "local"]
        for kind in draw(st.sets(st.sampled_from(kinds))):
            label, block = _dependent(kind, name)
            main.append(draw(comment(label)) + block)
            repo.only_for[name].append(label)
    neutral = 'resource "aws_s3_bucket" "logs" {\n  bucket = "logs"\n}'
    main.append(neutral)
    repo.neutral.append(neutral)
    members = [n for n in plain if draw(st.booleans())]
    if members:
        main.append(_membership(members, draw(st.booleans())))
    if len(plain) > 1:
        main.append(_names_output(plain))
        main.append(_arns_output(plain, draw(st.booleans())))
    waiting = [n for n in plain if draw(st.booleans())]
    if waiting:
        refs = ", ".join(f"aws_iam_user.{n}" for n in waiting)
        bucket = 'resource "aws_s3_bucket" "reports" {\n  bucket = "reports"\n'
        main.append(f"{bucket}  depends_on = [{refs}]\n}}")
    team = sorted(draw(st.sets(st.sampled_from(["ann", "eli", "fay", "gus"]), min_size=1)))
    in_tfvars = draw(st.booleans())
    repo.files["team.tf"] = _team(team, in_tfvars)
    if in_tfvars:
        repo.files["terraform.tfvars"] = f"team = [{', '.join(_q(k) for k in team)}]\n"
    for key in team:
        repo.only_for[f"team-{key}"] = []
    ops = sorted(draw(st.sets(st.sampled_from(["kai", "lu", "mo"]), min_size=1)))
    repo.files["ops.tf"] = _ops(ops)
    for key in ops:
        repo.only_for[f"ops-{key}"] = []
    people = [f"p{n}" for n in range(draw(st.integers(0, 2)))]
    if people:
        repo.files["people.tf"] = "\n".join(_person(name) for name in people)
        repo.files["modules/person/main.tf"] = PERSON_MODULE
        for name in people:
            repo.only_for[name] = [f"module.{name}"]
    machines = [f"j{n}" for n in range(draw(st.integers(0, 2)))]
    if machines:
        repo.files["machines.tf.json"] = _json_users(machines)
        for name in machines:
            repo.only_for[name] = [f"aws_iam_user.{name}", f"aws_iam_access_key.{name}"]
    repo.files["main.tf"] = "\n\n".join(main) + "\n" if main else ""
    repo.files = {
        path: text if path.endswith(".json") else formatted(text)
        for path, text in repo.files.items()
    }
    if draw(st.booleans()):
        repo.files["main.tf"] = repo.files["main.tf"].replace("\n", "\r\n")
    return repo


def _q(text: str) -> str:
    return f'"{text}"'


def _user(name: str, tagged: bool) -> str:
    tags = '\n  tags = {\n    owner = "platform"\n  }' if tagged else ""
    return f'resource "aws_iam_user" "{name}" {{\n  name = "{name}"{tags}\n}}'


def _dependent(kind: str, name: str) -> tuple[str, str]:
    if kind == "policy":
        document = (
            '{"Statement": [{"Effect": "Allow", "Resource": "arn:aws:s3:::${var.bucket}/*", '
            '"Condition": {"StringEquals": {"aws:username": "${aws_iam_user.'
            + name
            + '.name}"}}}]}'
        )
        block = (
            f'resource "aws_iam_user_policy" "{name}" {{\n  name = "inline"\n'
            f"  user = aws_iam_user.{name}.name\n  policy = <<-EOT\n    {document}\n  EOT\n}}"
        )
        return f"aws_iam_user_policy.{name}", block
    if kind == "key":
        block = (
            f'resource "aws_iam_access_key" "{name}" {{\n  user = aws_iam_user.{name}.name\n}}\n\n'
            f'output "{name}_secret" {{\n  value = aws_iam_access_key.{name}.secret\n'
            "  sensitive = true\n}"
        )
        return f"aws_iam_access_key.{name}", block
    if kind == "profile":
        block = (
            f'resource "aws_iam_user_login_profile" "{name}" {{\n'
            f"  user = aws_iam_user.{name}.name\n}}"
        )
        return f"aws_iam_user_login_profile.{name}", block
    if kind == "local":
        block = (
            f"locals {{\n  {name}_name = aws_iam_user.{name}.name\n}}\n\n"
            f'output "{name}_local" {{\n  value = local.{name}_name\n}}'
        )
        return f"local.{name}_name", block
    return f"output.{name}_arn", f'output "{name}_arn" {{\n  value = aws_iam_user.{name}.arn\n}}'


def _membership(members: list[str], per_line: bool) -> str:
    refs = [f"aws_iam_user.{n}.name" for n in members]
    users = (
        "[\n" + "".join(f"    {r},\n" for r in refs) + "  ]" if per_line else f"[{', '.join(refs)}]"
    )
    return (
        'resource "aws_iam_group_membership" "devs" {\n  name = "devs"\n  group = "devs"\n'
        f"  users = {users}\n}}"
    )


def _names_output(names: list[str]) -> str:
    entries = "".join(f"    {n} = aws_iam_user.{n}.name\n" for n in names)
    return f'output "names" {{\n  value = {{\n{entries}  }}\n}}'


def _arns_output(names: list[str], per_line: bool) -> str:
    refs = [f"aws_iam_user.{n}.arn" for n in names]
    value = (
        "[\n" + "".join(f"    {r},\n" for r in refs) + "  ]" if per_line else f"[{', '.join(refs)}]"
    )
    return f'output "arns" {{\n  value = {value}\n}}'


def _json_users(names: list[str]) -> str:
    users = ",\n".join(f'      "{n}": {{\n        "name": "{n}"\n      }}' for n in names)
    keys = ",\n".join(
        f'      "{n}": {{\n        "user": "${{aws_iam_user.{n}.name}}"\n      }}' for n in names
    )
    outputs = ",\n".join(
        f'    "{n}_key": {{\n      "value": "${{aws_iam_access_key.{n}.id}}"\n    }}' for n in names
    )
    return (
        '{\n  "resource": {\n    "aws_iam_user": {\n'
        f"{users}\n    }},\n"
        '    "aws_iam_access_key": {\n'
        f"{keys}\n    }}\n  }},\n"
        '  "output": {\n'
        f"{outputs}\n  }}\n}}\n"
    )


def _team(keys: list[str], in_tfvars: bool) -> str:
    default = "" if in_tfvars else "\n  default = [" + ", ".join(_q(k) for k in keys) + "]"
    return (
        f'variable "team" {{\n  type = set(string){default}\n}}\n\n'
        'variable "bucket" {\n  default = "reports"\n}\n\n'
        'resource "aws_iam_user" "team" {\n  for_each = var.team\n'
        '  name = "team-${each.key}"\n}\n\n'
        'resource "aws_iam_user_policy_attachment" "team" {\n  for_each = var.team\n'
        "  user = aws_iam_user.team[each.key].name\n"
        '  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"\n}\n\n'
        'resource "aws_iam_access_key" "team" {\n  for_each = aws_iam_user.team\n'
        "  user = each.value.name\n}\n"
    )


def _ops(keys: list[str]) -> str:
    entries = "".join(f'    {k} = {{ shell = "bash" }}\n' for k in keys)
    return (
        'resource "aws_iam_user" "ops" {\n  for_each = {\n'
        f"{entries}  }}\n"
        '  name = "ops-${each.key}"\n  tags = {\n    shell = each.value.shell\n  }\n}\n'
    )


def _person(name: str) -> str:
    return f'module "{name}" {{\n  source = "./modules/person"\n  name = "{name}"\n}}\n'


def report_for(model_users: dict[str, tuple], model: object) -> Report:  # type: ignore[type-arg]
    findings = tuple(
        Finding(
            user=user,
            status=Status.REMOVE_FROM_CODE,
            reason="never used",
            declarations=declarations,
            remediation=plan.retire(declarations, model),  # type: ignore[arg-type]
        )
        for user, declarations in model_users.items()
    )
    account = AccountResult("123456789012", "credential-report", None, 0, 0, findings)
    return Report("0", datetime(2024, 1, 1, tzinfo=UTC), RunSettings(), (account,))


def write(root: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(text.encode())


def mentions(text: str, label: str) -> bool:
    pattern = re.escape(label.removeprefix("output.")) if label.startswith("output.") else None
    if pattern is not None:
        return re.search(rf'output "{pattern}"', text) is not None
    return re.search(rf"(?<![\w-]){re.escape(label)}(?![\w-])", text) is not None


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(repo=repositories(), choices=st.data())
def test_retiring_any_users_leaves_a_sound_repository(repo: Repo, choices: st.DataObject) -> None:
    removed = choices.draw(st.sets(st.sampled_from(sorted(repo.only_for))))
    with tempfile.TemporaryDirectory() as directory:
        root = Path(directory) / "repo"
        write(root, repo.files)
        model = load([root], root, use_cache=False)
        users = {
            name: tuple(d for d in model.declarations if d.name == name) for name in sorted(removed)
        }
        report = plan.finalize(report_for(users, model), model)
        for finding in report.findings:
            assert finding.remediation is not None and finding.remediation.patch, finding
        edited = plan.edited_files(report, model)
        after = {**repo.files, **edited}

        for path, text in edited.items():
            parse_file(path, text)
            if path.endswith(".json"):
                json.loads(text)
            else:
                assert fmt_clean(text) is not False, f"{path} is not fmt clean:\n{text}"

        edited_root = Path(directory) / "edited"
        write(edited_root, after)
        declarations = load([edited_root], edited_root, use_cache=False).declarations
        # A module nothing calls any more is read as a root of its own, its name unknown.
        kept = {d.name for d in declarations if d.name is not None}
        assert kept == set(repo.only_for) - removed

        everything = "\n".join(after.values())
        for name in removed:
            for label in repo.only_for[name]:
                assert not mentions(everything, label), (name, label)
        for key in (n.removeprefix("team-") for n in removed if n.startswith("team-")):
            assert f'"{key}"' not in after["team.tf"] + after.get("terraform.tfvars", "")
        for path, text in repo.files.items():
            for block in _untouched_blocks(path, text, removed):
                assert block in after[path], block
        for neutral in repo.neutral:
            assert neutral in after["main.tf"].replace("\r\n", "\n")

        patch = plan.combined_patch(report, model)
        if patch:
            applied = Path(directory) / "applied"
            applied.mkdir()
            make_repo(applied, repo.files)
            git_apply(applied, patch)
            for path, text in edited.items():
                assert (applied / path).read_bytes() == text.encode()


def _untouched_blocks(path: str, text: str, removed: set[str]) -> list[str]:
    """The top-level blocks of ``text`` that mention no removed user, shared or not."""
    if not text or path.endswith(".json"):
        return []
    parsed = parse_file(path, text)
    blocks = []
    for block in parsed.blocks:
        body = text[block.span.start : block.span.end]
        if any(re.search(rf"(?<![a-z0-9-]){re.escape(name)}(?![0-9-])", body) for name in removed):
            continue
        if block.block_type in ("variable", "locals") or block.labels[:1] == ("aws_iam_user",):
            continue  # collections whose keys may go, and users keyed off them
        if "for_each" in body or "depends_on" in body or "aws_iam_group_membership" in body:
            continue
        if block.labels[:1] in (("names",), ("arns",)):
            continue
        blocks.append(body)
    return blocks
