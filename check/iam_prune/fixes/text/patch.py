"""Git-style unified diffs of edited files, for pull-request comments and ``git apply``.

A diff people paste into ``git apply`` has to be exact where difflib's defaults are not:
lines are split on ``\\n`` only (a ``\\r`` stays part of its line, so CRLF files round-trip),
a last line without a newline carries git's marker, and paths get git's ``a/``/``b/``
prefixes and quoting. And since people read these diffs in a pull request before anyone
applies them, a removed block is shown as its own lines, the way git would show it.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterator, Mapping, Sequence
from typing import Literal

from iam_prune.terraform.changes import common_ends

_Tag = Literal["replace", "delete", "insert", "equal"]

_NO_NEWLINE = "\\ No newline at end of file\n"
_CONTEXT_LINES = 3
# The bytes git writes as C escapes in a quoted path; other unprintable bytes become octal.
_ESCAPES = {
    ord('"'): '\\"',
    ord("\\"): "\\\\",
    ord("\a"): "\\a",
    ord("\b"): "\\b",
    ord("\t"): "\\t",
    ord("\n"): "\\n",
    ord("\v"): "\\v",
    ord("\f"): "\\f",
    ord("\r"): "\\r",
}


def unified_diff(before: Mapping[str, str], after: Mapping[str, str]) -> str:
    """One diff for every file whose text differs, sorted by path.

    Paths are repository-relative and "/" separated; the diff applies with ``git apply``
    (``-p1``) from the repository root. Both mappings must name the same files: creating or
    deleting files is not something a fix does (a file that becomes empty stays, empty).
    """
    if before.keys() != after.keys():
        raise ValueError(f"files differ: {sorted(before.keys() ^ after.keys())}")
    return "".join(
        _file_diff(path, before[path], after[path])
        for path in sorted(before)
        if before[path] != after[path]
    )


def _file_diff(path: str, old: str, new: str) -> str:
    old_name, new_name = _quoted(f"a/{path}"), _quoted(f"b/{path}")
    header = f"diff --git {old_name} {new_name}\n--- {old_name}\n+++ {new_name}\n"
    return header + "".join(_windowed_hunks(old, new))


def _windowed_hunks(old: str, new: str) -> Iterator[str]:
    """The hunks of the whole files, worked out on the lines around the change only.

    The window starts ``_CONTEXT_LINES`` before the first changed line and ends ``margin``
    lines into the common end of both texts. Within it the changed lines are those of the
    whole files (the common ends are set aside either way). What can tell them apart is a
    run of changed lines slid down to the window's end, or less than a hunk's context left
    after the last change: then the window grows, up to the whole file."""
    prefix, suffix = common_ends(old, new)
    start = _line_start(old, prefix, back=_CONTEXT_LINES)
    first = old.count("\n", 0, start)
    margin = 8
    while True:
        end = _lines_after(old, len(old) - suffix, margin)
        whole = end == len(old)
        old_lines = _lines(old[start:end])
        new_lines = _lines(new[start : end + len(new) - len(old)])
        removed, added = _changed_lines(old_lines, new_lines)
        removed, added = _slid_down(removed, old_lines), _slid_down(added, new_lines)
        if whole or _settled(removed, added):
            break
        margin *= 4
    yield from _hunk_lines(old_lines, new_lines, _opcodes(removed, added), first)


def _line_start(text: str, position: int, back: int) -> int:
    """Where the line ``back`` lines before the one holding ``position`` starts."""
    start = text.rfind("\n", 0, position) + 1
    for _ in range(back):
        if start == 0:
            break
        start = text.rfind("\n", 0, start - 1) + 1
    return start


def _lines_after(text: str, position: int, count: int) -> int:
    """Where the ``count``-th line that starts after ``position`` ends (the text's end when
    there are fewer)."""
    end = position
    for _ in range(count + 1):
        found = text.find("\n", end)
        if found == -1:
            return len(text)
        end = found + 1
    return end


def _settled(removed: list[bool], added: list[bool]) -> bool:
    """Whether a window's last changed lines are followed by more unchanged lines than a
    hunk shows on both sides (so nothing slid to its end, and the hunk ends as it would)."""
    return all(
        len(changed) > _CONTEXT_LINES and not any(changed[-_CONTEXT_LINES - 1 :])
        for changed in (removed, added)
    )


def _hunk_lines(
    old: list[str], new: list[str], opcodes: list[tuple[_Tag, int, int, int, int]], first: int
) -> Iterator[str]:
    """The hunks of ``opcodes`` between ``old`` and ``new``, lines that start at line
    ``first`` (0-based) of the files."""
    matcher = _Opcodes(opcodes)
    for group in matcher.get_grouped_opcodes(_CONTEXT_LINES):
        yield _hunk_header(group, first)
        for tag, i1, i2, j1, j2 in group:
            if tag == "equal":
                yield from (_patch_line(" ", line) for line in old[i1:i2])
                continue
            yield from (_patch_line("-", line) for line in old[i1:i2])
            yield from (_patch_line("+", line) for line in new[j1:j2])


class _Opcodes(difflib.SequenceMatcher[str]):
    """difflib's grouping of opcodes into hunks, over opcodes worked out here."""

    def __init__(self, opcodes: list[tuple[_Tag, int, int, int, int]]) -> None:
        super().__init__(None, [], [], autojunk=False)
        self._given = opcodes

    def get_opcodes(self) -> list[tuple[_Tag, int, int, int, int]]:
        return list(self._given)


# How the lines are matched: the way git matches them (a longest common subsequence, Myers'
# diff), with every run of removed or added lines slid as far down as equal lines allow, the
# position GNU diff and git settle on too. difflib's own matching takes the longest
# *contiguous* block first, so when a whole block and a few lines after it go, it can match a
# lone closing brace and show everything around it as replaced. Without the sliding, a
# removed block can show up as the previous block's closing brace plus most of this one. Both
# are the same change, but not what a reviewer expects to read.


def _changed_lines(old: Sequence[str], new: Sequence[str]) -> tuple[list[bool], list[bool]]:
    """Which lines of ``old`` are removed and which of ``new`` added, in a shortest edit
    script (Myers, "An O(ND) Difference Algorithm"); common ends are set aside first."""
    removed, added = [False] * len(old), [False] * len(new)
    head = 0
    while head < min(len(old), len(new)) and old[head] == new[head]:
        head += 1
    tail = 0
    while tail < min(len(old), len(new)) - head and old[-1 - tail] == new[-1 - tail]:
        tail += 1
    a, b = old[head : len(old) - tail], new[head : len(new) - tail]
    for kind, index in _edit_script(a, b):
        if kind == "-":
            removed[head + index] = True
        else:
            added[head + index] = True
    return removed, added


def _edit_script(a: Sequence[str], b: Sequence[str]) -> list[tuple[str, int]]:
    """The removals (``-``, index in ``a``) and additions (``+``, index in ``b``)."""
    n, m = len(a), len(b)
    if not n or not m:  # all added or all removed (a whole file's users taken out at once)
        return [("+", index) for index in range(m)] + [("-", index) for index in range(n)]
    offset = n + m + 1
    frontier = [0] * (2 * offset + 1)
    trace: list[list[int]] = []
    for d in range(n + m + 1):
        trace.append(frontier[:])
        for k in range(-d, d + 1, 2):
            down = k == -d or (k != d and frontier[offset + k - 1] < frontier[offset + k + 1])
            x = frontier[offset + k + 1] if down else frontier[offset + k - 1] + 1
            y = x - k
            while x < n and y < m and a[x] == b[y]:
                x, y = x + 1, y + 1
            frontier[offset + k] = x
            if x >= n and y >= m:
                return _backtrack(trace, offset, n, m)
    return []  # unreachable: d = n + m always reaches the end


def _backtrack(trace: list[list[int]], offset: int, n: int, m: int) -> list[tuple[str, int]]:
    script: list[tuple[str, int]] = []
    x, y = n, m
    for d in range(len(trace) - 1, 0, -1):
        frontier = trace[d]
        k = x - y
        down = k == -d or (k != d and frontier[offset + k - 1] < frontier[offset + k + 1])
        previous_k = k + 1 if down else k - 1
        previous_x = frontier[offset + previous_k]
        previous_y = previous_x - previous_k
        while x > previous_x and y > previous_y:
            x, y = x - 1, y - 1
        script.append(("+", previous_y) if down else ("-", previous_x))
        x, y = previous_x, previous_y
    return script


def _slid_down(changed: list[bool], lines: Sequence[str]) -> list[bool]:
    """Move each run of changed lines down while the line below equals its first line.

    The unchanged lines keep the same text in the same order, so they still match the other
    side's.
    """
    changed = list(changed)
    start = 0
    while start < len(changed):
        if not changed[start]:
            start += 1
            continue
        end = start
        while end < len(changed) and changed[end]:
            end += 1
        while end < len(changed) and lines[start] == lines[end]:
            changed[start], changed[end] = False, True
            start, end = start + 1, end + 1
            while end < len(changed) and changed[end]:  # ran into the next run: join it
                end += 1
        start = end
    return changed


def _opcodes(removed: list[bool], added: list[bool]) -> list[tuple[_Tag, int, int, int, int]]:
    """``SequenceMatcher.get_opcodes`` rebuilt from which lines are removed and added."""
    opcodes: list[tuple[_Tag, int, int, int, int]] = []
    i = j = 0
    while i < len(removed) or j < len(added):
        i0, j0 = i, j
        while i < len(removed) and removed[i]:
            i += 1
        while j < len(added) and added[j]:
            j += 1
        if (i0, j0) != (i, j):
            opcodes.append((_change_tag(i - i0, j - j0), i0, i, j0, j))
        i0, j0 = i, j
        while i < len(removed) and j < len(added) and not removed[i] and not added[j]:
            i, j = i + 1, j + 1
        if (i0, j0) != (i, j):
            opcodes.append(("equal", i0, i, j0, j))
    return opcodes


def _change_tag(removed: int, added: int) -> _Tag:
    if removed and added:
        return "replace"
    return "delete" if removed else "insert"


def _hunk_header(group: list[tuple[str, int, int, int, int]], first: int) -> str:
    (_, old_start, _, new_start, _), (_, _, old_end, _, new_end) = group[0], group[-1]
    old_start, old_end, new_start, new_end = (
        first + line for line in (old_start, old_end, new_start, new_end)
    )
    return f"@@ -{_range(old_start, old_end)} +{_range(new_start, new_end)} @@\n"


def _range(start: int, stop: int) -> str:
    """A hunk range as git writes it: 1-based, the length left out when it is 1, and the
    line before the hunk when the range is empty."""
    length = stop - start
    if length == 1:
        return str(start + 1)
    return f"{start + 1 if length else start},{length}"


def _patch_line(prefix: str, line: str) -> str:
    # Only a file's last line can lack its newline.
    return prefix + line if line.endswith("\n") else prefix + line + "\n" + _NO_NEWLINE


def _lines(text: str) -> list[str]:
    """Lines with their ``\\n`` (and any ``\\r``); unlike ``str.splitlines`` only ``\\n`` ends
    a line, as for git."""
    lines = [line + "\n" for line in text.split("\n")]
    lines[-1] = lines[-1][:-1]
    return lines if lines[-1] else lines[:-1]


def _quoted(name: str) -> str:
    """``name`` as git writes it: C-quoted when it holds a quote, a backslash, a control or a
    non-ASCII character."""
    if all(" " <= char <= "~" and char not in '"\\' for char in name):
        return name
    escaped = "".join(_escape(byte) for byte in name.encode("utf-8"))
    return f'"{escaped}"'


def _escape(byte: int) -> str:
    if byte in _ESCAPES:
        return _ESCAPES[byte]
    return chr(byte) if 0x20 <= byte < 0x7F else f"\\{byte:03o}"


#: ``_ESCAPES`` read back: the letter after the backslash → the byte.
_UNESCAPES = {escape[1]: byte for byte, escape in _ESCAPES.items()}


def diff_target(name: str) -> str | None:
    """The repository path of a ``+++`` header's name: ``b/dir/main.tf``, or git's C-quoted
    form that :func:`unified_diff` writes for a name with non-ASCII, ``"`` or ``\\``
    (``"b/\\303\\251quipe.tf"``) → ``dir/main.tf``; ``None`` for ``/dev/null``."""
    if name.startswith('"') and name.endswith('"') and len(name) >= 2:
        name = _unquote(name[1:-1])
    return name[2:] if name.startswith("b/") else None


def _unquote(text: str) -> str:
    out = bytearray()
    i = 0
    while i < len(text):
        char = text[i]
        if char != "\\" or i + 1 == len(text):
            out += char.encode("utf-8")
            i += 1
        elif text[i + 1] in _UNESCAPES:
            out.append(_UNESCAPES[text[i + 1]])
            i += 2
        else:
            out.append(int(text[i + 1 : i + 4], 8))
            i += 4
    return out.decode("utf-8", errors="replace")


def patch_files(patch: str) -> set[str]:
    """The repository paths a patch edits, as its ``+++`` headers name them (unquoted)."""
    found = (
        diff_target(line[4:].rstrip("\r")) for line in patch.splitlines() if line.startswith("+++ ")
    )
    return {path for path in found if path is not None}
