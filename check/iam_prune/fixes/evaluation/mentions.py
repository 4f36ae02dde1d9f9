"""Which files can mention a name: word indexes over the original texts, built once per run.

A fix looks for the uses of a few addresses (what an edit removes) and for the literal strings
naming one user; without an index, each such search reads every file of the module (and
parses every file that matches), so planning N findings in a root of F files costs N x F.
These indexes are built in one pass over the texts, the first time they are asked; a query
then costs what its answer holds. A text a fix has edited is not in the index: it is searched
directly, as before.

Both are exact stand-ins for a regular-expression search of every text, not approximations:
``words`` answers for a dotted name just where ``(?<![\\w-])name(?![\\w-])`` matches, and
``strings`` for a user name wherever a string literal or an ARN in the text can hold it.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping

#: A maximal dotted run of words (``aws_iam_user.bob.name``): a name the mention search looks
#: for matches a text exactly where it is some consecutive segments of such a run (and a
#: name the index can hold is one such run).
RUN = re.compile(r"[\w-]+(?:\.[\w-]+)*")
#: Segments of the runs kept: names searched are ``var``, ``local.x``, ``aws_iam_user.bob``,
#: ``data``, ``module.x``; a longer one falls back to searching the texts.
_MOST_SEGMENTS = 3
#: The characters of an IAM user name; a literal naming the user is one such run between
#: other characters (quotes, ``/`` of an ARN path).
USER_RUN = re.compile(r"[\w+=,.@-]+")
#: Escapes that can spell a name's letters without writing them (``"\u0062ob"``).
_ESCAPE = re.compile(r"\\[uU]")


class Mentions:
    """The word and string indexes of one set of texts (the original ones)."""

    def __init__(self, texts: Mapping[str, str]) -> None:
        self._texts = texts
        self._words: dict[str, set[str]] | None = None
        self._strings: dict[str, set[str]] | None = None
        self._escaped: set[str] = set()

    def build(self) -> None:
        """Build both indexes now (a run does it before its first finding)."""
        self._word_index()
        self._string_index()

    def words(self, names: Iterable[str]) -> set[str] | None:
        """The files in which one of ``names`` occurs as a whole dotted word; ``None`` when a
        name is not one the index holds (the caller searches the texts itself)."""
        wanted = set(names)
        if any(not RUN.fullmatch(n) or n.count(".") >= _MOST_SEGMENTS for n in wanted):
            return None
        index = self._word_index()
        return {path for name in wanted for path in index.get(name, ())}

    def strings(self, name: str) -> set[str] | None:
        """The files in which a string can hold the user name ``name``: it occurs as a whole
        run of user-name characters, or the text has an escape that could spell it; ``None``
        for a name no IAM user can have."""
        if not USER_RUN.fullmatch(name):
            return None
        return self._string_index().get(name, set()) | self._escaped

    def _word_index(self) -> dict[str, set[str]]:
        if self._words is None:
            self._words = {}
            for path, text in self._texts.items():
                for word in sub_runs(text):
                    self._words.setdefault(word, set()).add(path)
        return self._words

    def _string_index(self) -> dict[str, set[str]]:
        if self._strings is None:
            self._strings = {}
            for path, text in self._texts.items():
                for run in set(USER_RUN.findall(text)):
                    self._strings.setdefault(run, set()).add(path)
                if _ESCAPE.search(text):
                    self._escaped.add(path)
        return self._strings


def sub_runs(text: str) -> set[str]:
    """Every run of 1 to ``_MOST_SEGMENTS`` consecutive segments of the dotted runs of
    ``text``."""
    found: set[str] = set()
    for run in set(RUN.findall(text)):
        segments = run.split(".")
        for start in range(len(segments)):
            for end in range(start + 1, min(start + _MOST_SEGMENTS, len(segments)) + 1):
                found.add(".".join(segments[start:end]))
    return found
