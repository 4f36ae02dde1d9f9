"""The files ``file()`` reads: the loader's reading edge for data beside the code.

``for_each = toset(yamldecode(file("${path.module}/users.yaml")).users)`` names users from a
file of the repository. Reading it is as deterministic as reading the ``.tf`` files, so the
loader hands the evaluation this reader: it reads a file once, only inside the repository
(a path that leaves it is not read: the run must not depend on the machine), and answers
``None`` for what is not there or not text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from iam_prune.terraform.dataorigins import DataText


@dataclass
class DataFiles:
    """Files under ``root``, read on first use and remembered."""

    root: Path
    _texts: dict[Path, DataText | None] = field(default_factory=dict, repr=False)

    def __call__(self, path: Path) -> str | None:
        resolved = path.resolve()
        if resolved not in self._texts:
            text = self._read(resolved)
            file = resolved.relative_to(self.root.resolve()).as_posix() if text else ""
            self._texts[resolved] = None if text is None else DataText(text, file)
        return self._texts[resolved]

    def read(self) -> list[tuple[str, str]]:
        """Every text read so far, by repository-relative path: a fix may edit one (an entry
        of a users list), so it is a source like the ``.tf`` files."""
        root = self.root.resolve()
        return sorted(
            (path.relative_to(root).as_posix(), text)
            for path, text in self._texts.items()
            if text is not None
        )

    def _read(self, path: Path) -> str | None:
        if not path.is_relative_to(self.root.resolve()) or not path.is_file():
            return None
        try:
            return path.read_bytes().decode("utf-8")
        except (OSError, UnicodeDecodeError):
            return None
