"""The Terraform edge: a repository's Terraform read into a ``TerraformModel``.

Everything python-hcl2 and ``json`` produce is converted here and never leaves this package:
the rest of the check sees only declarations, spans and file texts. A file that cannot be read
does not stop the run; it becomes a ``ReportError`` and its raw text is kept, so the
reconciler can refuse to call a user unmanaged whose declaration may sit in that file.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from iam_prune.model import Declaration, TerraformModel


class TerraformError(Exception):
    """Base of every failure at the Terraform edge; ``cli.py`` turns it into a message and exit 2.

    It is raised only when nothing sensible can be reported (a directory that does not exist);
    a single unreadable file is reported as a ``ReportError`` instead.
    """


# The submodules subclass and raise TerraformError, so it has to exist before they are imported.
from . import evaluate, parse, scan  # noqa: E402
from .loader import load_model  # noqa: E402
from .moduleconfig import USER_RESOURCE, ModuleConfig  # noqa: E402
from .walk import Walk  # noqa: E402

if TYPE_CHECKING:
    from .withstate import StateLookup

__all__ = ["USER_RESOURCE", "TerraformError", "declarations_in", "evaluate", "load", "scan"]


def load(
    dirs: Sequence[Path],
    root: Path,
    *,
    var_files: Sequence[Path] = (),
    state: StateLookup | None = None,
    use_cache: bool = True,
) -> TerraformModel:
    """Every ``aws_iam_user`` instance declared by the Terraform under ``dirs``.

    Every directory under ``dirs`` that no local module call reaches is a root module (and
    so is every directory given); local modules are followed from the roots, their instances
    expanded, names evaluated with ``terraform.tfvars``, ``*.auto.tfvars`` and ``var_files``
    (in that precedence, per Terraform). ``state`` (``iam_prune.terraform.state.StateIndex``)
    names what static evaluation cannot. ``use_cache`` lets parses be reused by content.

    Paths in the result are relative to ``root`` (the repository root, where patches apply)
    and "/" separated; files outside ``root`` keep their absolute path. Raises
    ``TerraformError`` for a directory or ``--var-file`` that does not exist.
    """
    return load_model(dirs, root, var_files=var_files, state=state, use_cache=use_cache)


def declarations_in(parsed: parse.ParsedFile, module_dir: str) -> list[Declaration]:
    """The user declarations of one parsed file on its own: what its own variables and locals
    say, without other files, variable files or module directories."""
    directory = Path(module_dir)
    config = ModuleConfig.build(module_dir, directory, [parsed])
    walk = Walk({directory: config})
    walk.root(config, {}, "no value is given for it")
    return [found.declaration for found in walk.found]
