"""Writing rendered reports to disk: the right edge for files."""

from __future__ import annotations

from pathlib import Path


def write_text(path: Path, text: str) -> Path:
    """Write ``text`` (UTF-8, ``\\n`` newlines as rendered), creating parent folders."""
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8", newline="")
    return path
