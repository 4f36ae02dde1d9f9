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

if TYPE_CHECKING:
    from iam_prune.model import TerraformModel

    from .withstate import StateLookup


class TerraformError(Exception):
    """Base of every failure at the Terraform edge; ``cli.py`` turns it into a message and exit 2.

    It is raised only when nothing sensible can be reported (a directory that does not exist);
    a single unreadable file is reported as a ``ReportError`` instead.
    """


__all__ = ["TerraformError", "load"]


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
    # Imported when called: every spawned parse worker imports this package on its way to the
    # parser, and the loader (evaluation, module walk) was two thirds of that import.
    from .loader import load_model

    return load_model(dirs, root, var_files=var_files, state=state, use_cache=use_cache)
