"""Character positions of one file turned into ``SourceSpan``s.

Both readers (python-hcl2 for HCL, the position-tracking scanner for JSON) know where a node
starts and ends as ``str`` indices; this is the one place that turns those into the 1-based
lines a person reads, so the two formats cannot disagree about what line a character is on.
"""

from __future__ import annotations

import bisect
import re

from iam_prune.model import SourceSpan


class LineIndex:
    """Turns ``str`` index ranges of one file's text into ``SourceSpan``s."""

    def __init__(self, path: str, text: str, start: int = 0, end: int | None = None) -> None:
        """The index of ``text``, or of the lines that hold ``text[start:end]`` only (a
        region of an edited file parsed again), which is all it then answers for."""
        self.path = path
        self.text = text
        first = text.rfind("\n", 0, start) + 1  # where the line holding `start` starts
        self._lines_before = text.count("\n", 0, first)
        found = _NEWLINE.finditer(text, first, len(text) if end is None else end)
        self._line_starts = [first] + [match.end() for match in found]

    def span(self, start: int, end: int) -> SourceSpan:
        """The span of ``text[start:end]``; ``end_line`` is the line of its last character."""
        return SourceSpan(self.path, start, end, self.line(start), self.line(max(start, end - 1)))

    def source(self, span: SourceSpan) -> str:
        return self.text[span.start : span.end]

    def line(self, position: int) -> int:
        return self._lines_before + bisect.bisect_right(self._line_starts, position)

    def column(self, position: int) -> int:
        return (
            position - self._line_starts[bisect.bisect_right(self._line_starts, position) - 1] + 1
        )


_NEWLINE = re.compile("\n")
