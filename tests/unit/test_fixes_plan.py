"""Removing declared users: one finding's patch, many findings' patches together, and a
property test over generated files that every other byte survives."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import hcl2
from hypothesis import given, settings
from hypothesis import strategies as st
from test_fixes_patch import git_apply, make_repo

from iam_prune.fixes.plan import combine, combined_patch, edited_files, merge, remove_user
from iam_prune.model import (
    AccountResult,
    Declaration,
    Finding,
    Remediation,
    Report,
    RunSettings,
    SourceSpan,
    Status,
    TerraformModel,
)
from iam_prune.terraform import declarations_in
from iam_prune.terraform.parse import parse_file

USERS = (
    'resource "aws_s3_bucket" "logs" {\n'
    '  bucket = "logs"\n'
    "}\n"
    "\n"
    "# Alice left in 2023.\n"
    'resource "aws_iam_user" "alice" {\n'
    '  name = "alice"\n'
    "}\n"
    "\n"
    "# Shared by the deploy jobs.\n"
    "\n"
    'resource "aws_iam_user" "bob" {\n'
    '  name = "bob"\n'
    "}\n"
    'resource "aws_iam_user" "carol" {\n'
    '  name = "carol"\n'
    "} # end of carol\n"
)
ALICE_WITH_COMMENT = (
    '# Alice left in 2023.\nresource "aws_iam_user" "alice" {\n  name = "alice"\n}\n\n'
)


def model_of(files: dict[str, str]) -> TerraformModel:
    """What ``terraform.load`` would make of ``files``, without touching the disk."""
    declarations = [
        decl
        for path, text in files.items()
        for decl in declarations_in(parse_file(path, text), str(Path(path).parent))
    ]
    return TerraformModel(declarations=tuple(declarations), sources=tuple(files.items()))


def declared(model: TerraformModel, address: str, file: str | None = None) -> Declaration:
    return next(d for d in model.declarations if d.address == address and file in (None, d.file))


def report_of(*remediations: Remediation) -> Report:
    findings = tuple(
        Finding(user=f"u{n}", status=Status.REMOVE_FROM_CODE, reason="never used", remediation=r)
        for n, r in enumerate(remediations)
    )
    account = AccountResult("123456789012", "credential-report", None, len(findings), 3, findings)
    return Report("0.1.0", datetime(2024, 1, 1, tzinfo=UTC), RunSettings(), (account,))


def test_remove_user_takes_the_block_and_its_comment(tmp_path: Path) -> None:
    model = model_of({"iam/users.tf": USERS})

    remediation = remove_user(declared(model, "aws_iam_user.alice"), model)

    assert remediation.destroys == ("aws_iam_user.alice",)
    (edit,) = remediation.edits
    assert edit.file == "iam/users.tf"
    assert USERS[edit.start : edit.end] == ALICE_WITH_COMMENT
    assert remediation.patch is not None
    repo = make_repo(tmp_path, {"iam/users.tf": USERS})
    git_apply(repo, remediation.patch)
    assert (repo / "iam/users.tf").read_text() == USERS.replace(ALICE_WITH_COMMENT, "")


def test_a_comment_separated_by_a_blank_line_stays() -> None:
    model = model_of({"users.tf": USERS})

    remediation = remove_user(declared(model, "aws_iam_user.bob"), model)
    before, after = combine([remediation], model)

    assert '# Shared by the deploy jobs.\n\nresource "aws_iam_user" "carol"' in after["users.tf"]
    assert "bob" not in after["users.tf"]
    assert before == {"users.tf": USERS}


def test_the_combined_patch_for_two_users_in_one_file_applies(tmp_path: Path) -> None:
    model = model_of({"users.tf": USERS})
    parts = [remove_user(declared(model, f"aws_iam_user.{n}"), model) for n in ("bob", "carol")]

    patch = combined_patch(report_of(*parts), model)

    repo = make_repo(tmp_path, {"users.tf": USERS})
    git_apply(repo, patch)
    assert (repo / "users.tf").read_text() == (
        'resource "aws_s3_bucket" "logs" {\n  bucket = "logs"\n}\n'
        "\n"
        '# Alice left in 2023.\nresource "aws_iam_user" "alice" {\n  name = "alice"\n}\n'
        "\n"
        "# Shared by the deploy jobs.\n"
    )


def test_the_combined_patch_spans_files_and_crlf(tmp_path: Path) -> None:
    files = {"a/users.tf": USERS, "b/users.tf": USERS.replace("\n", "\r\n")}
    model = model_of(files)
    parts = [
        remove_user(declared(model, "aws_iam_user.alice", "a/users.tf"), model),
        remove_user(declared(model, "aws_iam_user.alice", "b/users.tf"), model),
        remove_user(declared(model, "aws_iam_user.carol", "b/users.tf"), model),
    ]
    report = report_of(*parts)

    repo = make_repo(tmp_path, files)
    git_apply(repo, combined_patch(report, model))

    edited = edited_files(report, model)
    assert sorted(edited) == ["a/users.tf", "b/users.tf"]
    for path, text in edited.items():
        assert (repo / path).read_bytes() == text.encode()
    assert "\r\n" in edited["b/users.tf"]
    assert edited["b/users.tf"].count("\n") == edited["b/users.tf"].count("\r\n")


def test_merge_makes_one_remediation_for_a_user_declared_twice() -> None:
    model = model_of({"a.tf": USERS, "b.tf": USERS})
    parts = [remove_user(declared(model, "aws_iam_user.bob", f), model) for f in ("a.tf", "b.tf")]

    merged = merge(parts, model)

    assert merged.destroys == ("aws_iam_user.bob",)
    assert [e.file for e in merged.edits] == ["a.tf", "b.tf"]
    assert merged.patch is not None
    assert merged.patch.count("diff --git") == 2
    assert merge(parts[:1], model) is parts[0]


def test_the_same_finding_twice_is_one_edit() -> None:
    model = model_of({"users.tf": USERS})
    part = remove_user(declared(model, "aws_iam_user.alice"), model)

    before, after = combine([part, part], model)

    assert after == {"users.tf": USERS.replace(ALICE_WITH_COMMENT, "")}
    assert before == {"users.tf": USERS}


def test_without_the_file_text_the_remediation_is_a_manual_note() -> None:
    span = SourceSpan("gone.tf", 0, 10, 4, 6)
    decl = Declaration("aws_iam_user.dave", "dave", span, '"dave"')

    remediation = remove_user(decl, TerraformModel(declarations=(decl,)))

    assert remediation.patch is None
    assert remediation.edits == ()
    assert remediation.destroys == ("aws_iam_user.dave",)
    assert remediation.manual == (
        "Remove the `aws_iam_user.dave` block declared at gone.tf:4; "
        "its file's text was not available, so no patch was made.",
    )


def test_combining_nothing_changes_nothing() -> None:
    model = model_of({"users.tf": USERS})

    assert combine([], model) == ({}, {})
    assert combined_patch(report_of(), model) == ""


# --------------------------------------------------------------------------- property


@dataclass(frozen=True)
class Piece:
    """One top-level thing in a generated file: a block, or a comment on lines of its own."""

    text: str
    address: str | None = None  # set for user blocks

    @property
    def is_comment(self) -> bool:
        return self.text.startswith(("#", "//", "/*"))


USER_STYLES = (
    'resource "aws_iam_user" "{n}" {{\n  name = "{n}"\n}}',
    'resource "aws_iam_user" "{n}" {{ name = "{n}" }}',
    'resource "aws_iam_user" "{n}" {{\n  name = "{n}"\n}} # end of {n}',
    'resource aws_iam_user {n} {{\n  name = "{n}"\n\n  tags = {{\n    team = "core"\n  }}\n}}',
)
OTHER_STYLES = (
    'resource "aws_iam_user_policy" "p{n}" {{\n  user = aws_iam_user.u0.name\n}}',
    "locals {{\n  x{n} = 1\n}}",
)
COMMENT_STYLES = ("# note {n}", "// note {n}", "/* note {n} */", "/*\n * note {n}\n */")


@st.composite
def pieces(draw: st.DrawFn, n: int) -> Piece:
    kind = draw(st.sampled_from(["user", "user", "other", "comment"]))
    if kind == "user":
        return Piece(draw(st.sampled_from(USER_STYLES)).format(n=f"u{n}"), f"aws_iam_user.u{n}")
    if kind == "other":
        return Piece(draw(st.sampled_from(OTHER_STYLES)).format(n=n))
    return Piece(draw(st.sampled_from(COMMENT_STYLES)).format(n=n))


@st.composite
def files(draw: st.DrawFn) -> tuple[list[Piece], list[int], str]:
    """Pieces, the number of blank lines after each, and the file text they make (LF or CRLF)."""
    count = draw(st.integers(1, 9))
    parts = [draw(pieces(n)) for n in range(count)]
    gaps = [draw(st.sampled_from([0, 0, 1, 1, 2])) for _ in range(count - 1)]
    final_newline = draw(st.booleans())
    text = parts[0].text
    for gap, piece in zip(gaps, parts[1:], strict=True):
        text += "\n" * (gap + 1) + piece.text
    text += "\n" if final_newline else ""
    return parts, gaps, text.replace("\n", draw(st.sampled_from(["\n", "\r\n"])))


def attached_comments(parts: list[Piece], gaps: list[int], removed: set[str]) -> set[str]:
    """Comments directly above a removed block, through other such comments."""
    attached: set[str] = set()
    goes = False  # whether the piece after the current one is removed
    for index in reversed(range(len(parts))):
        piece = parts[index]
        if piece.is_comment:
            goes = goes and gaps[index] == 0
            if goes:
                attached.add(piece.text)
        else:
            goes = piece.address in removed
    return attached


def block_texts(text: str) -> dict[str, str]:
    parsed = parse_file("main.tf", text)
    return {
        ".".join(b.labels) if b.labels else b.block_type: text[b.span.start : b.span.end]
        for b in parsed.blocks
    }


@settings(max_examples=150, deadline=None)
@given(data=files(), choices=st.data())
def test_removing_any_users_leaves_everything_else_byte_identical(
    data: tuple[list[Piece], list[int], str], choices: st.DataObject
) -> None:
    parts, gaps, text = data
    users = [p.address for p in parts if p.address is not None]
    removed = choices.draw(st.sets(st.sampled_from(users))) if users else set()
    model = model_of({"main.tf": text})
    remediations = [remove_user(d, model) for d in model.declarations if d.address in removed]

    _, after = combine(remediations, model)
    result = after.get("main.tf", text)

    hcl2.parses(result)
    kept_blocks = {k: v for k, v in block_texts(text).items() if k not in removed}
    assert block_texts(result) == kept_blocks
    lf_text, lf_result = text.replace("\r\n", "\n"), result.replace("\r\n", "\n")
    gone = attached_comments(parts, gaps, removed)
    for comment in (p.text for p in parts if p.is_comment):
        assert (comment in lf_result) is (comment not in gone), comment
    if "\n\n\n" not in lf_text:
        assert "\n\n\n" not in lf_result
    assert not lf_result.startswith("\n")
    assert not lf_result.endswith("\n\n")

    patch = combined_patch(report_of(*remediations), model)
    assert (patch == "") is (result == text)
    if patch:
        with tempfile.TemporaryDirectory() as directory:
            repo = make_repo(Path(directory), {"main.tf": text})
            git_apply(repo, patch)
            assert (repo / "main.tf").read_bytes() == result.encode()
