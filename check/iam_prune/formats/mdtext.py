"""Outside text made literal in GitHub Markdown: nothing in it formats, links, mentions or
opens HTML.

User names, reasons, tag values, file paths and error messages come from the account and the
repository, so whoever controls them must not be able to shape the comment a reviewer reads.
Four things GitHub does to text are closed off here:

* CommonMark syntax (emphasis, links, list and heading markers, table pipes): backslash
  escapes, and ``<``/``>`` as entities, so no HTML tag or angle-bracket link survives;
* the autolink extension, which links ``https://…``, ``www.…`` and ``a@b.c`` in plain text
  even when they were escaped: a zero-width joiner (U+200D) goes into ``://``, ``www.`` and
  after every ``@``, which no link or address matcher accepts and nobody sees;
* mentions and issue references (``@team``, ``#12``), which GitHub resolves in the rendered
  HTML, after entities are decoded (so ``&#64;`` would still ping): a zero-width joiner after
  every ``@`` and ``#``, in running text and in ``<summary>`` alike;
* control characters (ESC, BEL, bidirectional overrides) are dropped, and line breaks become
  spaces, so a value cannot leave its line, table row or HTML block.

Code spans and fenced blocks need none of the first three (GitHub neither links nor mentions
in code); their delimiters are longer than any backtick run inside.
"""

from __future__ import annotations

import html
import re
import unicodedata
from typing import Final

ZWJ: Final = "\u200d"

_INLINE_SPECIALS: Final = re.compile(r"([\\`*_\[\]|~&!+=-])")
_BACKTICK_RUN: Final = re.compile(r"`+")
_SCHEME: Final = re.compile(r":(?=//)")
_WWW: Final = re.compile(r"(?i)(www)(?=\.)")
_MENTION: Final = re.compile(r"([@#])")
_LEADING_ORDINAL: Final = re.compile(r"^(\d+)([.)])")
_BIDI: Final = frozenset("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")


def clean(text: str, *, keep_newlines: bool = False) -> str:
    """``text`` without control characters or bidirectional overrides (tabs kept as spaces;
    newlines kept only when asked, for fenced blocks)."""
    kept = []
    for ch in text:
        if ch == "\n" and keep_newlines:
            kept.append(ch)
        elif ch in "\t\n":
            kept.append(" ")
        elif ch == "\r" or ch in _BIDI or unicodedata.category(ch) in ("Cc", "Cs"):
            continue
        else:
            kept.append(ch)
    return "".join(kept)


def defuse(text: str) -> str:
    """Break what GitHub links or resolves by itself: schemes, ``www.``, mentions, issues."""
    text = _SCHEME.sub(":" + ZWJ, text)
    text = _WWW.sub(r"\1" + ZWJ, text)
    return _MENTION.sub(r"\1" + ZWJ, text)


def inline(text: str) -> str:
    """``text`` as literal Markdown on one line, safe in running text, a list item and a
    table cell (a backslash before every character that could format it, ``\\`` included, so
    a trailing backslash cannot unescape the cell separator)."""
    one_line = clean(text).strip()
    escaped = _INLINE_SPECIALS.sub(r"\\\1", one_line)
    escaped = _LEADING_ORDINAL.sub(r"\1\\\2", escaped)  # "1." would start a nested list
    escaped = escaped.replace("<", "&lt;").replace(">", "&gt;")
    return defuse(escaped)


def html_text(text: str) -> str:
    """``text`` as HTML text on one line (for ``<summary>``: a blank line would end the
    HTML block, and GitHub mentions and links there as anywhere)."""
    return defuse(html.escape(clean(text).strip()))


def code(text: str, *, in_table: bool = False) -> str:
    """``text`` as a code span, whatever backticks it holds. In a table cell a ``|`` must be
    written ``\\|`` even inside code (GFM splits the row before it reads the spans)."""
    one_line = clean(text) or " "  # an empty span would print its backticks
    if in_table:
        one_line = one_line.replace("|", "\\|")
    ticks = "`" * (longest_backtick_run(one_line) + 1)
    pad = " " if one_line.startswith(("`", " ")) or one_line.endswith(("`", " ")) else ""
    return f"{ticks}{pad}{one_line}{pad}{ticks}"


def fenced(body: str, info: str) -> str:
    """``body`` in a fenced code block that no backtick run inside it can close."""
    kept = clean(body, keep_newlines=True).rstrip("\n")
    fence = "`" * max(3, longest_backtick_run(kept) + 1)
    return f"{fence}{info}\n{kept}\n{fence}"


def longest_backtick_run(text: str) -> int:
    return max((len(run) for run in _BACKTICK_RUN.findall(text)), default=0)
