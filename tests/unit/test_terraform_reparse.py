"""An edited file parsed by reading only what changed gives exactly what a whole parse gives.

Checked on every ``.tf``/``.tfvars`` file of both corpora, with the edits a fix makes (a block
taken away, a list element taken away, a block written after another), with random edits
(hypothesis) that keep or break the syntax, and with the traps of matching kept blocks by their
text: the same text inside a heredoc, a comment, or not on a line of its own.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iam_prune.terraform.parse import parse_file
from iam_prune.terraform.reparse import reparse
from iam_prune.terraform.syntax import ParsedFile, ParseError, TupleExpr

DATA = Path(__file__).resolve().parents[1] / "data"
FILES = sorted(
    p
    for p in DATA.rglob("*")
    if p.is_file() and p.suffix in (".tf", ".tfvars") and "expected" not in p.parts
)
MOVED = '\n\nmoved {\n  from = aws_iam_user.u[0]\n  to   = aws_iam_user.u["ann"]\n}'


def whole(path: str, text: str) -> ParsedFile | str:
    try:
        return parse_file(path, text)
    except ParseError as error:
        return str(error)


def again(before: ParsedFile, old: str, new: str) -> ParsedFile | str:
    try:
        return reparse(before, old, new)
    except ParseError as error:
        return str(error)


def edits_a_fix_makes(parsed: ParsedFile, text: str) -> list[str]:
    """Each block taken away, each list element taken away, a block written after each."""
    edited = []
    for block in parsed.blocks:
        span = block.span
        edited.append(text[: span.start] + text[span.end :])
        edited.append(text[: span.end] + MOVED + text[span.end :])
        for attribute in block.attributes:
            if isinstance(attribute.value, TupleExpr):
                for element in attribute.value.elements:
                    edited.append(text[: element.span.start] + text[element.span.end :])
    return edited


def corpus_id(path: Path) -> str:
    return path.relative_to(DATA).as_posix()


@pytest.mark.parametrize("path", FILES, ids=corpus_id)
def test_every_edit_a_fix_makes_reads_like_a_whole_parse(path: Path) -> None:
    text = path.read_bytes().decode("utf-8")
    parsed = parse_file(path.name, text)

    for new in edits_a_fix_makes(parsed, text):
        assert again(parsed, text, new) == whole(path.name, new)


SNIPPETS = ["", "\n", "}", "{", '"', "<<EOT\n", "\nEOT\n", "/*", "*/", "#", "x = 1\n", MOVED]
# The corpus texts that parse (a broken one is there to test errors, and has nothing to keep).
TEXTS = [
    t for f in FILES if isinstance(whole("f.tf", t := f.read_bytes().decode("utf-8")), ParsedFile)
]


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.sampled_from(range(len(TEXTS))),
    st.lists(
        st.tuples(st.floats(0, 1), st.integers(0, 40), st.sampled_from(SNIPPETS)),
        min_size=1,
        max_size=3,
    ),
)
def test_random_edits_read_like_a_whole_parse(
    which: int, edits: list[tuple[float, int, str]]
) -> None:
    text = TEXTS[which]
    parsed = parse_file("f.tf", text)
    new = text
    for where, length, snippet in edits:
        start = int(where * len(new))
        new = new[:start] + snippet + new[start + length :]

    assert again(parsed, text, new) == whole("f.tf", new)


BLOCK = 'resource "aws_iam_user" "a" {\n  name = "a"\n}\n'
OTHER = 'resource "aws_iam_user" "b" {\n  name = "b"\n}\n'


@pytest.mark.parametrize(
    "new",
    [
        # The kept block's text written again inside a heredoc before it.
        "locals {\n  doc = <<EOT\n" + BLOCK + "EOT\n}\n\n" + BLOCK,
        # ... inside a block comment.
        "/*\n" + BLOCK + "*/\n" + BLOCK,
        # A one-line block commented out, and the real one after it.
        '# resource "aws_iam_user" "a" { name = "a" }\n' + BLOCK,
        # Not on a line of its own any more.
        OTHER.rstrip("\n") + " " + BLOCK,
        # Gone, with an edit that breaks the file.
        OTHER + "}\n",
    ],
    ids=["heredoc", "comment", "line-comment", "same-line", "broken"],
)
def test_a_match_that_is_not_a_block_is_read_as_what_it_is(new: str) -> None:
    old = '# resource "aws_iam_user" "a" { name = "a" }\n' + OTHER + "\n" + BLOCK
    old = old if "line-comment" not in new else BLOCK
    parsed = parse_file("m.tf", old)

    assert again(parsed, old, new) == whole("m.tf", new)


def test_kept_blocks_are_moved_to_their_new_lines() -> None:
    old = OTHER + "\n" + BLOCK
    new = "# new\n" + BLOCK

    result = reparse(parse_file("m.tf", old), old, new)

    (block,) = result.blocks
    assert (block.span.start, block.span.line) == (6, 2)
    assert block.attributes[0].span.line == 3
    assert new[block.span.start : block.span.end] == BLOCK.rstrip("\n")


def test_an_error_says_where_in_the_whole_file() -> None:
    old = OTHER + "\n" + BLOCK
    new = OTHER + "\n" + BLOCK.replace('"a"\n}', '"a"\n}}')

    result = again(parse_file("m.tf", old), old, new)

    assert isinstance(result, str) and result.startswith("m.tf:7")
    assert result == whole("m.tf", new)


@pytest.mark.parametrize(
    ("path", "old", "new"),
    [
        # A value that is an operation runs on into the newline python-hcl2 appends.
        ("v.tfvars", "u = 1\n", "e = 1 + 2\nu = 1\n"),
        ("m.tf", "a {}\n", "x = 1 + 2\na {}\n"),
        ("v.tfvars", "u = 1\n", "e = a || b\n  u = 1\n"),
        # ... and into a comment written after it.
        ("v.tfvars", "x = 1 + 2\n", "x = 1 + 2 # c\n"),
        # A heredoc's end marker followed by more text on its line.
        ("v.tfvars", "x = <<EOT\nhi\nEOT\n", "x = <<EOT\nhi\nEOTX = <<EOT\nEOT\n"),
        ("v.tfvars", "x = <<EOT\nhi\nEOT\n", "x = <<EOT\nhi\nEOT \n"),
        # A kept value's last word running into what follows.
        ("v.tfvars", "x = foo\n", "x = foobar = 1\n"),
        # Spaces Python strips and HCL rejects.
        ("m.tf", "a {}\n", "a {}\n\x0b"),
        ("m.tf", "a {}\n", "\xa0\na {}\n"),
        ("m.tf", "a {}\n", "\xa0"),
    ],
)
def test_what_follows_a_kept_item_is_read_as_a_whole_parse_reads_it(
    path: str, old: str, new: str
) -> None:
    assert again(parse_file(path, old), old, new) == whole(path, new)
