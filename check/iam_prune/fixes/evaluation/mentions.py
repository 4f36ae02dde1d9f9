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
from collections.abc import Callable, Iterable, Mapping

from iam_prune.terraform.cache import remembered

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
    """The word and string indexes of one set of texts (the original ones).

    With ``use_cache`` on, each index is kept in the parse cache under a key of every text
    (:func:`iam_prune.terraform.cache.remembered`): on a root of thousands of unchanged files,
    reading them back is a tenth of the cost of building them."""

    def __init__(self, texts: Mapping[str, str]) -> None:
        self._texts = texts
        self._words: _Index | None = None
        self._strings: _Index | None = None
        self._escaped: set[str] = set()
        self.use_cache = False

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
        return {path for name in wanted for path in _paths(index.get(name))}

    def strings(self, name: str) -> set[str] | None:
        """The files in which a string can hold the user name ``name``: it occurs as a whole
        run of user-name characters, or the text has an escape that could spell it; ``None``
        for a name no IAM user can have."""
        if not USER_RUN.fullmatch(name):
            return None
        return _paths(self._string_index().get(name)) | self._escaped

    def _word_index(self) -> _Index:
        if self._words is None:
            self._words = self._remembered("mentions-words", self._build_words)[0]
        return self._words

    def _string_index(self) -> _Index:
        if self._strings is None:
            self._strings, self._escaped = self._remembered("mentions-strings", self._build_strings)
        return self._strings

    def _remembered(self, kind: str, build: Callable[[], _Built]) -> _Built:
        return remembered(kind, self._texts, build, _is_built, use_cache=self.use_cache)

    def _build_words(self) -> _Built:
        words: _Index = {}
        for path, text in self._texts.items():
            _put(words, sub_runs(text), path)
        return words, set()

    def _build_strings(self) -> _Built:
        strings: _Index = {}
        escaped: set[str] = set()
        for path, text in self._texts.items():
            _put(strings, set(USER_RUN.findall(text)), path)
            if _ESCAPE.search(text):
                escaped.add(path)
        return strings, escaped


#: Paths by word: a word in one file only (most of the words of a big file of generated
#: blocks) keeps that path itself, not a set of one, which is several times the memory.
_Index = dict[str, str | set[str]]
#: An index, and the paths whose texts hold an escape (for the string index).
_Built = tuple[_Index, set[str]]


def _is_built(value: object) -> bool:
    return (
        isinstance(value, tuple)
        and len(value) == 2
        and isinstance(value[0], dict)
        and isinstance(value[1], set)
    )


def _put(index: _Index, words: Iterable[str], path: str) -> None:
    for word in words:
        found = index.get(word)
        if found is None:
            index[word] = path
        elif isinstance(found, str):
            if found != path:
                index[word] = {found, path}
        else:
            found.add(path)


def _paths(found: str | set[str] | None) -> set[str]:
    if found is None:
        return set()
    return {found} if isinstance(found, str) else found


def sub_runs(text: str) -> set[str]:
    """Every run of 1 to ``_MOST_SEGMENTS`` consecutive segments of the dotted runs of
    ``text``."""
    runs = set(RUN.findall(text))
    found = {run for run in runs if "." not in run}  # most words stand alone
    for run in runs - found:
        segments = run.split(".")
        for start in range(len(segments)):
            for end in range(start + 1, min(start + _MOST_SEGMENTS, len(segments)) + 1):
                found.add(".".join(segments[start:end]))
    return found
