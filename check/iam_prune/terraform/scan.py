"""Which files to read, and which of those are worth parsing.

Parsing is the slow part of the Terraform edge (python-hcl2 manages a few hundred KB/s), and
in a real monorepo most ``.tf`` files cannot declare an IAM user. A plain text search tells
which ones can, so only those are parsed.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from pathlib import Path

from iam_prune.terraform import TerraformError

# `aws_iam_user` as a whole token followed by a quote or a space: the resource type label of
# `resource "aws_iam_user" "x"` or `resource aws_iam_user x`, and not `aws_iam_user_policy`
# or a reference such as `aws_iam_user.x.name`.
_USER_TYPE_TOKEN = re.compile(r'(?<![\w-])aws_iam_user(?=["\s])')


def find_files(dirs: Sequence[Path]) -> list[Path]:
    """Every ``*.tf`` file under ``dirs``, recursively, sorted and without duplicates.

    ``.terraform/`` (downloaded modules and providers) and other hidden directories are
    skipped, and so are hidden files, which Terraform ignores too. The directories given are
    searched even when their own name is hidden.
    """
    found: set[Path] = set()
    for directory in dirs:
        found.update(_tf_files(_existing_dir(directory)))
    return sorted(found)


def may_declare_user(text: str) -> bool:
    """Whether ``text`` mentions ``aws_iam_user`` as a resource type, so it must be parsed.

    False positives (a comment, a data source) only cost a parse; a false negative would hide
    a declaration, so the test is deliberately loose.
    """
    return _USER_TYPE_TOKEN.search(text) is not None


def _existing_dir(directory: Path) -> Path:
    resolved = directory.resolve()
    if not resolved.is_dir():
        raise TerraformError(f"Terraform directory not found: {directory}")
    return resolved


def _tf_files(top: Path) -> Iterator[Path]:
    for current, subdirs, files in os.walk(top):
        subdirs[:] = [name for name in subdirs if not _hidden(name)]
        base = Path(current)
        yield from (base / name for name in files if name.endswith(".tf") and not _hidden(name))


def _hidden(name: str) -> bool:
    # `.terraform` is hidden too, so this one test covers it.
    return name.startswith(".")
