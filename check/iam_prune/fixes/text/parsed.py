"""One parse per distinct text, for the texts no workspace holds (a rendered candidate, a
file given to ``render`` alone)."""

from __future__ import annotations

import functools

from iam_prune.terraform.parse import parse_file
from iam_prune.terraform.syntax import ParsedFile, ParseError


@functools.lru_cache(maxsize=2048)
def parse_text(path: str, text: str) -> ParsedFile | ParseError:
    """The parse of ``text``, or why it does not parse: the same candidate texts are rendered
    and read several times over while a change is checked (python-hcl2 is what a fix costs)."""
    try:
        return parse_file(path, text)
    except ParseError as error:
        return error
