"""Exemptions from the code (comments), the user's tags and the config file, and their precedence.

Inline exemptions are found by character ranges in the file text, so these tests build the
declarations' spans from real Terraform text.
"""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from iam_prune.config import ConfigExemption
from iam_prune.exemptions import (
    EXEMPT_TAG,
    EXEMPT_UNTIL_TAG,
    ExemptionMatch,
    config_exemptions,
    inline_exemptions,
    match,
    tag_exemption,
)
from iam_prune.model import (
    Declaration,
    ErrorSource,
    Exemption,
    LiveUser,
    ReportError,
    SourceSpan,
    TerraformModel,
    UserDetails,
)

FILE = "infra/users.tf"
TODAY = date(2024, 6, 15)


def _line_of(text: str, offset: int) -> int:
    return text.count("\n", 0, offset) + 1


def declarations_in(text: str, file: str = FILE) -> tuple[Declaration, ...]:
    """One declaration per ``resource "aws_iam_user" "<label>" {`` block, spans as a parser
    gives them (start at the block keyword, end after the closing brace)."""
    found = []
    position = 0
    marker = 'resource "aws_iam_user" "'
    while (start := text.find(marker, position)) != -1:
        label = text[start + len(marker) : text.index('"', start + len(marker))]
        end = text.index("\n}", start) + 2
        found.append(
            Declaration(
                address=f"aws_iam_user.{label}",
                name=label,
                span=SourceSpan(file, start, end, _line_of(text, start), _line_of(text, end)),
                expression=f'"{label}"',
            )
        )
        position = end
    return tuple(found)


def inline(text: str) -> tuple[dict[str, Exemption], tuple[ReportError, ...]]:
    model = TerraformModel(declarations_in(text), sources=((FILE, text),))
    return inline_exemptions(model)


def user(name: str = "alice", tags: tuple[tuple[str, str], ...] | None = ()) -> LiveUser:
    return LiveUser(
        name=name,
        arn=f"arn:aws:iam::123456789012:user/{name}",
        created=datetime(2020, 1, 1, tzinfo=UTC),
        has_password=False,
        password_last_used=None,
        details=None if tags is None else UserDetails(tags=tags),
    )


# --------------------------------------------------------------------------- inline


def test_comment_directly_above_the_block() -> None:
    text = (
        'resource "aws_iam_user" "bob" {\n  name = "bob"\n}\n\n'
        "# iam-prune:exempt break-glass account until=2027-01-01\n"
        'resource "aws_iam_user" "alice" {\n  name = "alice"\n}\n'
    )
    found, problems = inline(text)
    assert problems == ()
    assert found == {
        "aws_iam_user.alice": Exemption("inline", "break-glass account", "2027-01-01"),
    }


def test_comment_inside_the_block() -> None:
    text = (
        'resource "aws_iam_user" "alice" {\n'
        '  name = "alice"\n'
        "  # iam-prune:exempt used by the nightly export until=2027-01-01\n"
        "}\n"
    )
    found, problems = inline(text)
    assert problems == ()
    assert found["aws_iam_user.alice"] == Exemption(
        "inline", "used by the nightly export", "2027-01-01"
    )


def test_marker_among_several_comment_lines_above() -> None:
    text = (
        "# owned by the platform team\n"
        "# iam-prune:exempt vendor integration\n"
        "# see TICKET-42\n"
        'resource "aws_iam_user" "alice" {\n  name = "alice"\n}\n'
    )
    found, _ = inline(text)
    assert found["aws_iam_user.alice"] == Exemption("inline", "vendor integration", None)


def test_comment_separated_by_a_blank_line_does_not_count() -> None:
    text = (
        "# iam-prune:exempt break-glass account\n"
        "\n"
        'resource "aws_iam_user" "alice" {\n  name = "alice"\n}\n'
    )
    found, problems = inline(text)
    assert found == {}
    assert problems == ()


def test_comment_above_a_previous_block_does_not_leak_to_the_next() -> None:
    text = (
        "# iam-prune:exempt only bob\n"
        'resource "aws_iam_user" "bob" {\n  name = "bob"\n}\n'
        'resource "aws_iam_user" "alice" {\n  name = "alice"\n}\n'
    )
    found, _ = inline(text)
    assert set(found) == {"aws_iam_user.bob"}


@pytest.mark.parametrize(
    "comment",
    [
        "// iam-prune:exempt shared with the data team",
        "/* iam-prune:exempt shared with the data team */",
        "#iam-prune:exempt shared with the data team",
        "  #   iam-prune:exempt   shared with the data team  ",
    ],
)
def test_comment_styles(comment: str) -> None:
    text = f'{comment}\nresource "aws_iam_user" "alice" {{\n  name = "alice"\n}}\n'
    found, problems = inline(text)
    assert problems == ()
    assert found["aws_iam_user.alice"].reason == "shared with the data team"


def test_crlf_file() -> None:
    text = (
        "# iam-prune:exempt windows checkout until=2027-01-01\r\n"
        'resource "aws_iam_user" "alice" {\r\n  name = "alice"\r\n}\r\n'
    )
    found, _ = inline(text)
    assert found["aws_iam_user.alice"] == Exemption("inline", "windows checkout", "2027-01-01")


def test_other_comments_are_not_markers() -> None:
    text = (
        "# iam-prune:exemptions are documented in the README\n"
        'resource "aws_iam_user" "alice" {\n'
        '  name = "alice" # iam-prune:exempt trailing comments are not markers\n'
        "}\n"
    )
    found, problems = inline(text)
    assert found == {}
    assert problems == ()


@pytest.mark.parametrize(
    "comment",
    ["# iam-prune:exempt", "# iam-prune:exempt   ", "# iam-prune:exempt until=2027-01-01"],
)
def test_marker_without_reason_is_an_error_with_file_and_line(comment: str) -> None:
    text = (
        'resource "aws_iam_user" "bob" {\n  name = "bob"\n}\n\n'
        f'{comment}\nresource "aws_iam_user" "alice" {{\n  name = "alice"\n}}\n'
    )
    found, problems = inline(text)
    assert found == {}
    assert len(problems) == 1
    problem = problems[0]
    assert problem.source is ErrorSource.CONFIG
    assert problem.file == FILE
    assert problem.line is not None
    assert 5 <= problem.line <= 6  # the marker's line or the block's first line
    assert "aws_iam_user.alice" in problem.message
    assert "reason" in problem.message


def test_declaration_in_a_file_without_source_text_is_skipped() -> None:
    text = '# iam-prune:exempt x\nresource "aws_iam_user" "alice" {\n  name = "alice"\n}\n'
    model = TerraformModel(declarations_in(text), sources=())
    assert inline_exemptions(model) == ({}, ())


# --------------------------------------------------------------------------- tags


def test_tag_exemption_reads_reason_and_until() -> None:
    u = user(tags=((EXEMPT_TAG, " audit trail "), (EXEMPT_UNTIL_TAG, "2027-01-01")))
    assert tag_exemption(u) == (Exemption("tag", "audit trail", "2027-01-01"), None)


def test_tag_exemption_without_until() -> None:
    assert tag_exemption(user(tags=((EXEMPT_TAG, "audit"),))) == (
        Exemption("tag", "audit", None),
        None,
    )


@pytest.mark.parametrize("value", ["", "   "])
def test_tag_exemption_with_empty_reason_is_a_problem_not_an_exemption(value: str) -> None:
    exemption, problem = tag_exemption(user(tags=((EXEMPT_TAG, value),)))
    assert exemption is None
    assert problem == "exemption tag `iam-prune:exempt` is empty: its value must say why"


@pytest.mark.parametrize(
    "tags",
    [None, (), (("owner", "me"),)],
    ids=["no-details", "no-tags", "other-tag"],
)
def test_no_tag_exemption(tags: tuple[tuple[str, str], ...] | None) -> None:
    assert tag_exemption(user(tags=tags)) == (None, None)


def test_an_end_date_without_a_reason_is_a_problem_not_silence() -> None:
    exemption, problem = tag_exemption(user(tags=((EXEMPT_UNTIL_TAG, "2027-01-01"),)))
    assert exemption is None
    assert problem == (
        "`iam-prune:exempt-until` set without `iam-prune:exempt`: the reason tag is missing"
    )


# --------------------------------------------------------------------------- config


def test_config_exemption_glob() -> None:
    entries = (
        ConfigExemption("svc-*", "service accounts", until=date(2027, 1, 1)),
        ConfigExemption("breakglass", "emergency"),
    )
    assert config_exemptions("svc-ci", entries) == [
        Exemption("config", "service accounts", "2027-01-01")
    ]
    assert config_exemptions("breakglass", entries) == [Exemption("config", "emergency", None)]
    assert config_exemptions("svc", entries) == []
    assert config_exemptions("my-svc-ci", entries) == []
    assert config_exemptions("SVC-ci", entries) == []  # IAM names are matched case-sensitively
    assert config_exemptions("breakglass2", entries) == []


@given(name=st.text(alphabet="abcxyz-_.@", min_size=1, max_size=12))
def test_config_exemption_exact_name_matches_only_itself(name: str) -> None:
    entries = (ConfigExemption(name, "why"),)
    assert config_exemptions(name, entries) != []
    assert config_exemptions(name + "x", entries) == []


# --------------------------------------------------------------------------- match


def _decl(address: str = "aws_iam_user.alice") -> Declaration:
    return Declaration(address, "alice", SourceSpan(FILE, 0, 10, 1, 3), '"alice"')


def _match(
    *,
    config: tuple[ConfigExemption, ...] = (),
    tags: tuple[tuple[str, str], ...] = (),
    inline_reason: Exemption | None = None,
    today: date = TODAY,
) -> ExemptionMatch:
    inline_map = {} if inline_reason is None else {"aws_iam_user.alice": inline_reason}
    return match(user(tags=tags), (_decl(),), config=config, inline=inline_map, today=today)


CONFIG = (ConfigExemption("alice", "from config", until=date(2027, 1, 1)),)
TAGS = ((EXEMPT_TAG, "from tag"), (EXEMPT_UNTIL_TAG, "2027-01-01"))
INLINE = Exemption("inline", "from code", "2027-01-01")


def test_precedence_config_then_tag_then_inline() -> None:
    assert _match(config=CONFIG, tags=TAGS, inline_reason=INLINE).applies == Exemption(
        "config", "from config", "2027-01-01"
    )
    assert _match(tags=TAGS, inline_reason=INLINE).applies == Exemption(
        "tag", "from tag", "2027-01-01"
    )
    assert _match(inline_reason=INLINE).applies == INLINE
    assert _match() == ExemptionMatch(applies=None)


def test_expired_exemptions_do_not_apply_and_are_reported() -> None:
    result = _match(
        config=(ConfigExemption("alice", "old config", until=date(2024, 6, 14)),),
        tags=((EXEMPT_TAG, "old tag"), (EXEMPT_UNTIL_TAG, "2020-01-01")),
        inline_reason=INLINE,
    )
    assert result.applies == INLINE
    assert {e.source for e in result.expired} == {"config", "tag"}
    note = result.expiry_note()
    assert "expired on 2024-06-14" in note
    assert "expired on 2020-01-01" in note


def test_all_expired_leaves_nothing_applying() -> None:
    result = _match(inline_reason=Exemption("inline", "old", "2024-06-14"))
    assert result.applies is None
    assert result.expired == (Exemption("inline", "old", "2024-06-14"),)


def test_until_today_still_applies() -> None:
    config = (ConfigExemption("alice", "last day", until=TODAY),)
    assert _match(config=config).applies == Exemption("config", "last day", "2024-06-15")
    assert _match(config=config).expired == ()
    # and the day after it has expired
    later = _match(config=config, today=date(2024, 6, 16))
    assert later.applies is None
    assert len(later.expired) == 1


def test_an_unreadable_until_tag_does_not_apply_and_is_named() -> None:
    result = _match(tags=((EXEMPT_TAG, "x"), (EXEMPT_UNTIL_TAG, "31/12/2026")))
    assert result.applies is None
    assert result.malformed == (
        "exemption tag `iam-prune:exempt-until` = `31/12/2026` is not YYYY-MM-DD",
    )
    user = LiveUser(
        name="alice",
        arn="arn:aws:iam::123456789012:user/alice",
        created=datetime(2020, 1, 1, tzinfo=UTC),
        has_password=False,
        password_last_used=None,
        details=UserDetails(tags=((EXEMPT_TAG, "x"), (EXEMPT_UNTIL_TAG, "someday"))),
    )
    exemption, problem = tag_exemption(user)
    assert exemption is None
    assert problem == "exemption tag `iam-prune:exempt-until` = `someday` is not YYYY-MM-DD"


def test_inline_exemption_on_another_declaration_does_not_apply() -> None:
    result = match(
        user(),
        (_decl("aws_iam_user.alice"),),
        config=(),
        inline={"aws_iam_user.bob": INLINE},
        today=TODAY,
    )
    assert result.applies is None


def test_expired_config_entry_does_not_hide_a_later_active_one() -> None:
    config = (
        ConfigExemption("al*", "old blanket rule", until=date(2020, 1, 1)),
        ConfigExemption("alice", "still needed"),
    )
    assert _match(config=config).applies == Exemption("config", "still needed", None)


def test_a_marker_on_a_module_call_covers_the_users_it_creates() -> None:
    main_tf = (
        "# iam-prune:exempt owned by the audit team until=2030-01-01\n"
        'module "legacy" {\n  source = "./mod"\n}\n'
    )
    mod_tf = 'resource "aws_iam_user" "this" {\n  name = "legacy"\n}\n'
    call = SourceSpan("main.tf", main_tf.index("module"), len(main_tf) - 1, 2, 4)
    decl = Declaration(
        address="module.legacy.aws_iam_user.this",
        name="legacy",
        span=SourceSpan("mod/main.tf", 0, len(mod_tf) - 1, 1, 3),
        expression='"legacy"',
        module_calls=(call,),
    )
    model = TerraformModel(
        declarations=(decl,), sources=(("main.tf", main_tf), ("mod/main.tf", mod_tf))
    )

    found, problems = inline_exemptions(model)

    assert problems == ()
    assert found == {
        "module.legacy.aws_iam_user.this": Exemption(
            "inline", "owned by the audit team", "2030-01-01"
        )
    }


def test_an_inline_until_that_is_not_a_date_is_an_error_with_its_line() -> None:
    text = '\n# iam-prune:exempt audit until=soon\nresource "aws_iam_user" "a" {\n  name = "a"\n}\n'
    start = text.index("resource")
    decl = Declaration(
        address="aws_iam_user.a",
        name="a",
        span=SourceSpan("u.tf", start, len(text) - 1, 3, 5),
        expression='"a"',
    )

    found, problems = inline_exemptions(
        TerraformModel(declarations=(decl,), sources=(("u.tf", text),))
    )

    assert found == {}
    [problem] = problems
    assert (problem.file, problem.line) == ("u.tf", 2)
    assert "until=soon is not a date" in problem.message
