"""Taking one entry out of an inline list of a data file (``crew: [bea, cal, dov]``).

An entry on lines of its own goes as those lines. One written among others in a YAML flow
collection goes with the comma that separates it from the next entry (or, the last one, from
the one before), so the rest stays a list in the file's own spelling; on lines of their own
(a list written one entry per line between brackets) the line goes with it. The edited file
is decoded and evaluated again before a patch is shown, as every edit is.
"""

from __future__ import annotations

_BLANK = " \t"


def flow_removal(text: str, start: int, end: int) -> tuple[int, int] | None:
    """The range to delete for the entry ``text[start:end]``, or ``None`` when no comma sets
    it apart (then it is not an entry of a flow collection iam-prune can take apart)."""
    after = _skip(text, end, _BLANK)
    if after < len(text) and text[after] == ",":
        right = _skip(text, after + 1, _BLANK)
        line_start = text.rfind("\n", 0, start) + 1
        if text[line_start:start].strip(_BLANK) == "" and text.startswith("\n", right):
            return line_start, right + 1  # `  cal,` on a line of its own
        return start, right
    before = start
    while before > 0 and text[before - 1] in _BLANK + "\n\r":
        before -= 1
    if before > 0 and text[before - 1] == ",":
        return before - 1, end
    if before > 0 and text[before - 1] in "[{" and text.startswith(("]", "}"), after):
        return start, end  # the only entry: `[cal]` becomes `[]`
    return None


def _skip(text: str, position: int, chars: str) -> int:
    while position < len(text) and text[position] in chars:
        position += 1
    return position
