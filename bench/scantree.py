"""Generated Terraform for the whole-scan benchmark: the same arguments always give the same
bytes, so runs on different days compare.

Every tree sits in its own folder with a ``.git`` (the scan's reports name files from there,
as in a repository) and holds ordinary resources (buckets, instances, roles with
``jsonencode`` policies, log groups) and some ``aws_iam_user`` blocks, each with a policy
attachment that refers to it: removing a user means removing its attachment too.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

USERS_PER_FILE = 5
USER_FILES_SHARE = 0.04  # 2,000 files: 80 of them hold 400 users
BIG_FILE_USERS = 400
ACCOUNT_DECLARED = 5_000
ACCOUNT_FILES = 50
BESIDE_USERS = 20


@dataclass(frozen=True)
class Tree:
    """Where the scan runs (``base``), the roots it is given, and the users they declare."""

    base: Path
    roots: tuple[Path, ...]
    files: int
    size: int
    users: tuple[str, ...]


def _resource(n: int, k: int) -> str:
    """One ordinary resource; ``k`` picks its kind."""
    name = f"r{n}_{k}"
    kind = k % 4
    if kind == 0:
        return (
            f'resource "aws_s3_bucket" "{name}" {{\n  bucket = "acme-{n}-{k}"\n'
            f'  tags   = {{ Name = "{name}", team = "t{n % 8}" }}\n}}\n'
        )
    if kind == 1:
        return (
            f'resource "aws_instance" "{name}" {{\n  ami           = "ami-{n:08x}"\n'
            f'  instance_type = "t3.micro"\n  tags          = {{ Name = "{name}" }}\n}}\n'
        )
    if kind == 2:
        return (
            f'resource "aws_iam_role" "{name}" {{\n  name = "{name}"\n'
            "  assume_role_policy = jsonencode({\n"
            '    Version   = "2012-10-17"\n'
            "    Statement = [{\n"
            '      Effect    = "Allow"\n'
            '      Action    = "sts:AssumeRole"\n'
            '      Principal = { Service = "lambda.amazonaws.com" }\n'
            "    }]\n  })\n}\n"
        )
    return (
        f'resource "aws_cloudwatch_log_group" "{name}" {{\n  name              = "/acme/{name}"\n'
        f"  retention_in_days = {7 * (1 + n % 4)}\n}}\n"
    )


def _user(name: str) -> str:
    return (
        f'resource "aws_iam_user" "{name}" {{\n  name = "{name}"\n}}\n\n'
        f'resource "aws_iam_user_policy_attachment" "{name}" {{\n'
        f"  user       = aws_iam_user.{name}.name\n"
        '  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"\n}\n'
    )


def _bucket(n: int) -> str:
    """An S3 bucket and its versioning, as a storage team writes them (no IAM in sight)."""
    name = f"data_{n:06}"
    return (
        f'resource "aws_s3_bucket" "{name}" {{\n  bucket = "acme-data-{n:06}"\n'
        f'  tags   = {{ Name = "{name}", team = "t{n % 8}", tier = "{("hot", "cold")[n % 2]}" }}\n'
        f'}}\n\nresource "aws_s3_bucket_versioning" "{name}" {{\n'
        f"  bucket = aws_s3_bucket.{name}.id\n"
        '  versioning_configuration {\n    status = "Enabled"\n  }\n}\n'
    )


def _start(base: Path) -> None:
    base.mkdir(parents=True)
    (base / ".git").mkdir()


def _ordinary_file(n: int, users: list[str]) -> str:
    parts = [_resource(n, k) for k in range(6 + n % 7)]
    parts += [_user(name) for name in users]
    return "\n".join(parts)


def generate(base: Path, files: int, *, users_only: bool = False) -> Tree:
    """One root, ``base/infra``, of ``files`` files; the first 4% also hold 5 users each.
    ``users_only``: just those files, byte for byte as in the whole tree."""
    _start(base)
    root = base / "infra"
    root.mkdir()
    user_files = max(1, round(files * USER_FILES_SHARE))
    users: list[str] = []
    size = 0
    for n in range(user_files if users_only else files):
        made = [f"u{n:04}_{i}" for i in range(USERS_PER_FILE)] if n < user_files else []
        users += made
        text = _ordinary_file(n, made)
        (root / f"main_{n:04}.tf").write_text(text, encoding="utf-8")
        size += len(text)
    return Tree(base, (root,), user_files if users_only else files, size, tuple(users))


def generate_roots(base: Path, roots: int, files_per_root: int) -> Tree:
    """``roots`` roots (``base/stacks/sNNN``) of ``files_per_root`` files each, built like
    :func:`generate`'s files: the same 4% of all files hold users, here the first file of
    the first roots."""
    _start(base)
    user_files = max(1, round(roots * files_per_root * USER_FILES_SHARE))
    folders: list[Path] = []
    users: list[str] = []
    size = 0
    for r in range(roots):
        root = base / "stacks" / f"s{r:03}"
        root.mkdir(parents=True)
        folders.append(root)
        for i in range(files_per_root):
            n = r * files_per_root + i
            holds = i == 0 and r < user_files
            made = [f"u{n:05}_{j}" for j in range(USERS_PER_FILE)] if holds else []
            users += made
            text = _ordinary_file(n, made)
            (root / f"main_{i:02}.tf").write_text(text, encoding="utf-8")
            size += len(text)
    return Tree(base, tuple(folders), roots * files_per_root, size, tuple(users))


def generate_big_file(base: Path) -> Tree:
    """One ``users.tf`` of 400 users with a path and a policy attachment each (4,000 lines)."""
    _start(base)
    root = base / "infra"
    root.mkdir()
    names = [f"user{i:03}" for i in range(BIG_FILE_USERS)]
    text = "\n".join(
        _user(name).replace('  name = "', '  path = "/people/"\n  name = "') for name in names
    )
    (root / "users.tf").write_text(text, encoding="utf-8")
    return Tree(base, (root,), 1, len(text), tuple(names))


def generate_account(base: Path) -> Tree:
    """5,000 users with their attachments in 50 files of one root (the account around them
    holds more users, seeded apart)."""
    _start(base)
    root = base / "iam"
    root.mkdir()
    per_file = ACCOUNT_DECLARED // ACCOUNT_FILES
    users: list[str] = []
    size = 0
    for n in range(ACCOUNT_FILES):
        made = [f"person{n:02}_{i:03}" for i in range(per_file)]
        users += made
        text = "\n".join(_user(name) for name in made)
        (root / f"team_{n:02}.tf").write_text(text, encoding="utf-8")
        size += len(text)
    return Tree(base, (root,), ACCOUNT_FILES, size, tuple(users))


def generate_beside(base: Path, megabytes: float) -> Tree:
    """A root whose ``users.tf`` declares 20 users, beside a ``buckets.tf`` of ``megabytes``
    MB of S3 buckets that mention no user."""
    _start(base)
    root = base / "infra"
    root.mkdir()
    names = [f"member{i:02}" for i in range(BESIDE_USERS)]
    users_text = "\n".join(_user(name) for name in names)
    (root / "users.tf").write_text(users_text, encoding="utf-8")
    target = int(megabytes * 1_000_000)
    size = 0
    with (root / "buckets.tf").open("w", encoding="utf-8") as stream:
        n = 0
        while size < target:
            chunk = _bucket(n) + "\n"
            stream.write(chunk)
            size += len(chunk)
            n += 1
    return Tree(base, (root,), 2, size + len(users_text), tuple(names))


def for_each_text(names: int) -> str:
    """A user per element of a literal set of ``names`` strings, one a line."""
    elements = "".join(f'    "n{i}",\n' for i in range(names))
    return (
        f'resource "aws_iam_user" "many" {{\n  for_each = toset([\n{elements}  ])\n'
        "  name     = each.key\n}\n"
    )


def unused_of(users: tuple[str, ...], count: int) -> list[str]:
    """``count`` users spread over the declared ones."""
    if count <= 0:
        return []
    step = max(1, len(users) // count)
    return list(users[::step][:count])
