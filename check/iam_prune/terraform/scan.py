"""Which files to read, and which directories are worth parsing.

Parsing is the slow part of the Terraform edge (python-hcl2 manages a few hundred KB/s), and
in a real monorepo most directories cannot declare an IAM user. A plain text search tells
which can: a directory matters when one of its files names the ``aws_iam_user`` resource type,
calls a local module (which may declare users) or calls the registry iam-user module. In a
directory that matters, every file that may hold what names a user (variables, locals, module
calls, the declarations themselves, variable files) is parsed; other directories never are.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from iam_prune.terraform import TerraformError

# `aws_iam_user` as a whole token followed by a quote or a space: the resource type label of
# `resource "aws_iam_user" "x"`, `resource aws_iam_user x` or JSON's `"aws_iam_user": {`, and
# not `aws_iam_user_policy` or a reference such as `aws_iam_user.x.name`.
_USER_TYPE_TOKEN = re.compile(r'(?<![\w-])aws_iam_user(?=["\s])')
# `source = "./x"` / `"../x"` in HCL, `"source": "./x"` in JSON.
_LOCAL_SOURCE = re.compile(r'(?<![\w-])source"?\s*[=:]\s*"\.\.?/')
_IAM_USER_MODULE = re.compile(
    r"terraform-aws-modules/(?:iam/aws|terraform-aws-iam(?:\.git)?)//modules/iam-user(?![\w-])",
    re.IGNORECASE,
)
# A block that can bear on a user's name or instances from another file of its directory:
# a variable, a local value, a module call (HCL: at the start of a line; JSON: as a key).
_NAMING_BLOCK = re.compile(
    r'(?m)^[ \t]*(?:variable|locals|module)\b|"(?:variable|locals|module)"\s*:'
)

CONFIG_SUFFIXES = (".tf", ".tf.json")
AUTO_VARS = ("terraform.tfvars", "terraform.tfvars.json")
AUTO_VARS_SUFFIXES = (".auto.tfvars", ".auto.tfvars.json")

#: Told about every folder that could not be listed: its files may hold anything.
OnError = Callable[[Path, OSError], None]


#: Told about every symbolic link to a folder: it is not followed (loops, and the same files
#: under two names), so the caller checks that its folder was read some other way.
OnLink = Callable[[Path], None]


def _ignore(_path: Path, _error: OSError) -> None:
    return None


def _ignore_link(_path: Path) -> None:
    return None


def find_files(
    dirs: Sequence[Path], on_error: OnError = _ignore, on_link: OnLink = _ignore_link
) -> list[Path]:
    """Every Terraform file under ``dirs``, recursively, sorted and without duplicates.

    Terraform files are configuration (``*.tf``, ``*.tf.json``) and the variable files
    Terraform reads by itself (``terraform.tfvars[.json]``, ``*.auto.tfvars[.json]``).
    ``.terraform/`` (downloaded modules and providers) and other hidden directories are
    skipped, and so are hidden files, which Terraform ignores too. The directories given are
    searched even when their own name is hidden. A folder that cannot be listed is passed to
    ``on_error``, and a symbolic link to a folder to ``on_link``: skipping either silently would
    hide every user declared in it.
    """
    found: set[Path] = set()
    for directory in dirs:
        found.update(_terraform_files(existing_dir(directory), on_error, on_link))
    return sorted(found)


def files_in(directory: Path, on_error: OnError = _ignore) -> list[Path]:
    """The Terraform files directly in ``directory`` (a module outside the given trees).

    A dangling symbolic link named like a Terraform file is listed: reading it fails, and that
    failure must be reported rather than the file forgotten."""
    try:
        names = sorted(
            entry.name
            for entry in os.scandir(directory)
            if entry.is_file() or (entry.is_symlink() and not entry.is_dir())
        )
    except OSError as error:
        on_error(directory, error)
        return []
    return [directory / name for name in names if is_terraform_file(name)]


@dataclass(frozen=True)
class ShapeProblem:
    """Why a text cannot be Terraform, and where when that is known (1-based)."""

    message: str
    line: int | None = None
    column: int | None = None


def shape_problem(name: str, text: str) -> ShapeProblem | None:
    """Why ``text`` cannot be Terraform at all, by a check far cheaper than a parse, or ``None``.

    A file the prefilter would skip is still checked this far, so that a binary file or a
    ``.tf.json`` that is not a JSON object is an error rather than silently irrelevant."""
    if "\x00" in text:
        return ShapeProblem("a binary file, not Terraform text")
    if name.endswith(".json"):
        try:
            document = json.loads(text)
        except json.JSONDecodeError as error:
            return ShapeProblem(f"not JSON: {error.msg}", error.lineno, error.colno)
        if not isinstance(document, dict):
            return ShapeProblem(
                f"a .tf.json file must hold a JSON object, not {type(document).__name__}"
            )
    return None


#: The pairs a file of valid HCL or JSON holds as many of each: counted at C speed, a
#: difference is a reason to parse a file the prefilter would otherwise skip.
_PAIRS = (("{", "}"), ("[", "]"), ("(", ")"))
#: A heredoc's opening (``<<EOT``, ``<<-EOT``), whose closing line must follow.
_HEREDOC = re.compile(r'<<-?[ \t]*"?([A-Za-z_][\w-]*)"?[ \t]*\r?\n')
#: What git leaves in a file whose merge conflicted.
_CONFLICT_MARKERS = ("\n<<<<<<< ", "\n>>>>>>> ", "\n=======\n")


def may_be_broken(text: str) -> bool:
    """Whether a file that cannot name a user may fail to parse: a block, list or call left
    open or closed once too often, an odd number of quotes, a heredoc without its closing
    line, or git's conflict markers. Such a file is parsed, so that a broken file where the
    users are is an error with its line; a balanced file is not (an error between balanced
    braces goes unseen here: `terraform validate` is the check for every file).

    A ``True`` only costs a parse, which decides; a ``False`` never hides a user (the file
    cannot name one either way)."""
    if any(text.count(left) != text.count(right) for left, right in _PAIRS):
        return True
    if (text.count('"') - text.count('\\"')) % 2:
        return True
    if text.startswith(("<<<<<<< ", ">>>>>>> ", "=======\n")) or any(
        marker in text for marker in _CONFLICT_MARKERS
    ):
        return True
    return "<<" in text and any(_unclosed(text, match) for match in _HEREDOC.finditer(text))


def _unclosed(text: str, opening: re.Match[str]) -> bool:
    closing = re.compile(rf"(?m)^[ \t]*{re.escape(opening.group(1))}[ \t]*\r?$")
    return closing.search(text, opening.end()) is None


#: Escapes that can spell a name without writing it (``"aws_iam_\u0075ser"``, JSON's ``\/``):
#: the text searches below cannot see through them.
_ESCAPES = ("\\u", "\\U", "\\/")


def is_terraform_file(name: str) -> bool:
    return not _hidden(name) and (is_config_file(name) or is_auto_vars_file(name))


def is_data_file(name: str) -> bool:
    """A YAML, JSON or CSV file beside the code, which ``file()`` may read (users listed in
    it), not one Terraform reads itself."""
    if name.endswith(".json"):
        return not is_config_file(name) and not name.endswith(".tfvars.json")
    return name.endswith((".yaml", ".yml", ".csv"))


def is_config_file(name: str) -> bool:
    return name.endswith(CONFIG_SUFFIXES)


def is_auto_vars_file(name: str) -> bool:
    return name in AUTO_VARS or name.endswith(AUTO_VARS_SUFFIXES)


def _found(pattern: re.Pattern[str], needles: tuple[str, ...], text: str) -> bool:
    """Whether ``pattern`` matches in ``text``. Every match holds one of ``needles``: a plain
    substring search for them runs at C speed, while a pattern that opens with a lookbehind or
    an anchor makes ``re`` try every position of the text (50 ms on 3 MB, for each pattern),
    so the pattern only runs on the few texts that hold a needle."""
    return any(needle in text for needle in needles) and pattern.search(text) is not None


def may_declare_user(text: str) -> bool:
    """Whether ``text`` mentions ``aws_iam_user`` as a resource type.

    False positives (a comment, a data source) only cost a parse; a false negative would hide
    a declaration, so the test is deliberately loose.
    """
    return _found(_USER_TYPE_TOKEN, ("aws_iam_user",), text)


def may_matter(text: str) -> bool:
    """Whether a file's directory must be parsed: it may declare a user, call a local module
    or call the registry iam-user module (or spells something with escapes, which only a
    parse decodes)."""
    return (
        may_declare_user(text)
        or any(escape in text for escape in _ESCAPES)
        or _found(_LOCAL_SOURCE, ('"./', '"../'), text)
        # `//` is in every match and has no case, which the pattern ignores.
        or _found(_IAM_USER_MODULE, ("//",), text)
    )


def may_name(text: str) -> bool:
    """Whether a file of a directory that matters must be parsed: it may declare a user or
    call a module, or hold a variable or local value a name or ``for_each`` may read.

    Other files (buckets, roles, outputs) cannot change what a user is called: a resource or
    data source attribute is unknown to static evaluation anyway.
    """
    return may_matter(text) or _found(_NAMING_BLOCK, ("variable", "locals", "module"), text)


def existing_dir(directory: Path) -> Path:
    """``directory`` resolved; ``TerraformError`` when it is not a directory."""
    resolved = directory.resolve()
    if not resolved.is_dir():
        raise TerraformError(f"Terraform directory not found: {directory}")
    return resolved


def _terraform_files(top: Path, on_error: OnError, on_link: OnLink) -> Iterator[Path]:
    def failed(error: OSError) -> None:
        on_error(Path(error.filename), error)

    for current, subdirs, files in os.walk(top, onerror=failed):
        subdirs[:] = [name for name in subdirs if not _hidden(name)]
        base = Path(current)
        for name in subdirs:
            if _is_link(base / name):  # os.walk does not descend into it
                on_link(base / name)
        yield from (base / name for name in files if is_terraform_file(name))


def _is_link(path: Path) -> bool:
    """Whether ``path`` is a symbolic link; a path too long to look at is not one here, and
    fails again when os.walk lists it, reaching ``on_error`` then."""
    try:
        return path.is_symlink()
    except OSError:
        return False


def _hidden(name: str) -> bool:
    # `.terraform` is hidden too, so this one test covers it.
    return name.startswith(".")
