"""Live users x declarations: which unused users are removed from code, deleted by hand, or held.

The line between remove-from-code and delete-unmanaged must never be drawn on a partial view:
unresolved name expressions and unreadable files turn "unmanaged" into "needs-review".
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from iam_prune.config import ConfigExemption
from iam_prune.exemptions import ExemptionMatch, match
from iam_prune.model import (
    AccessKey,
    Declaration,
    Exemption,
    Finding,
    Inventory,
    LiveUser,
    Rule,
    SourceSpan,
    Status,
    TerraformModel,
    UserDetails,
)
from iam_prune.reconcile import CodeIndex, ExemptionLookup, reconcile
from iam_prune.rules import RuleSettings

NOW = datetime(2024, 6, 15, 12, 0, tzinfo=UTC)
OLD = NOW - timedelta(days=400)
SETTINGS = RuleSettings()


def live(name: str, *, used: bool = False, created: datetime = OLD) -> LiveUser:
    """An old user: never used (no keys, no password) unless ``used``."""
    return LiveUser(
        name=name,
        arn=f"arn:aws:iam::123456789012:user/{name}",
        created=created,
        has_password=used,
        password_last_used=NOW - timedelta(days=1) if used else None,
        details=UserDetails(),
    )


def decl(
    address: str,
    name: str | None,
    *,
    expression: str | None = None,
    file: str = "infra/users.tf",
    line: int = 3,
) -> Declaration:
    return Declaration(
        address=address,
        name=name,
        span=SourceSpan(
            file=file, start=line * 10, end=line * 10 + 50, line=line, end_line=line + 3
        ),
        expression=expression if expression is not None else f'"{name}"',
        unresolved_reason=None if name is not None else "needs variables",
    )


def inventory(*users: LiveUser) -> Inventory:
    return Inventory(
        account_id="123456789012",
        users=users,
        source="credential-report",
        report_generated_at=NOW,
        api_calls=3,
    )


def run(
    users: tuple[LiveUser, ...],
    declarations: tuple[Declaration, ...] = (),
    unreadable: tuple[tuple[str, str], ...] = (),
    exemption_for: ExemptionLookup | None = None,
) -> dict[str, Finding]:
    index = CodeIndex.build(TerraformModel(declarations, unreadable_texts=unreadable))
    if exemption_for is None:
        findings = reconcile(inventory(*users), index, SETTINGS, NOW)
    else:
        findings = reconcile(inventory(*users), index, SETTINGS, NOW, exemption_for)
    by_user = {f.user: f for f in findings}
    assert len(by_user) == len(findings), "one finding per user"
    return by_user


def status_of(name: str, declarations: tuple[Declaration, ...]) -> Status:
    return run((live(name),), declarations)[name].status


# --------------------------------------------------------------------------- declared or not


def test_declared_and_unused_is_remove_from_code_with_its_declarations() -> None:
    d = decl("aws_iam_user.alice", "alice")
    other = decl("aws_iam_user.bob", "bob")
    f = run((live("alice"), live("bob", used=True)), (d, other))
    assert f["alice"].status is Status.REMOVE_FROM_CODE
    assert f["alice"].declarations == (d,)
    assert f["alice"].rule is Rule.NEVER_USED
    assert f["alice"].arn == "arn:aws:iam::123456789012:user/alice"
    assert f["bob"].status is Status.IN_USE
    assert f["bob"].declarations == (other,)


def test_two_declarations_of_one_name_are_both_kept() -> None:
    a = decl("aws_iam_user.alice", "alice")
    b = decl("module.team.aws_iam_user.this", "alice", file="modules/team/main.tf")
    f = run((live("alice"),), (a, b))
    assert f["alice"].status is Status.REMOVE_FROM_CODE
    assert set(f["alice"].declarations) == {a, b}


def test_undeclared_and_unused_is_delete_unmanaged() -> None:
    f = run((live("ghost"),), (decl("aws_iam_user.alice", "alice"),))
    assert f["ghost"].status is Status.DELETE_UNMANAGED
    assert f["ghost"].declarations == ()
    assert "no Terraform declares it" in f["ghost"].reason


def test_grace_and_in_use_are_not_reconciled_into_failures() -> None:
    f = run((live("young", created=NOW - timedelta(days=2)), live("busy", used=True)))
    assert f["young"].status is Status.GRACE
    assert f["busy"].status is Status.IN_USE


def test_declared_names_not_live_are_not_deployed() -> None:
    d_new = decl("aws_iam_user.newbie", "newbie")
    f = run((live("alice"),), (decl("aws_iam_user.alice", "alice"), d_new))
    assert f["newbie"].status is Status.NOT_DEPLOYED
    assert f["newbie"].declarations == (d_new,)
    assert "alice" in f and f["alice"].status is Status.REMOVE_FROM_CODE
    # an unresolved declaration has no name to report as not deployed
    g = run((), (decl("aws_iam_user.x", None, expression="var.name"),))
    assert g == {}


# --------------------------------------------------------------------------- unresolved names


def test_unresolved_template_holds_matching_names_only() -> None:
    d = decl("aws_iam_user.ci", None, expression='"ci-${var.env}"', line=12)
    f = run((live("ci-prod"), live("web")), (d,))
    assert f["ci-prod"].status is Status.NEEDS_REVIEW
    assert "aws_iam_user.ci" in f["ci-prod"].reason
    assert "infra/users.tf:12" in f["ci-prod"].reason
    assert f["web"].status is Status.DELETE_UNMANAGED


def test_template_literal_suffix_is_respected() -> None:
    d = decl("aws_iam_user.bot", None, expression='"${var.team}-bot"')
    assert status_of("payments-bot", (d,)) is Status.NEEDS_REVIEW
    assert status_of("payments-bots", (d,)) is Status.DELETE_UNMANAGED
    assert status_of("bot", (d,)) is Status.DELETE_UNMANAGED


@pytest.mark.parametrize(
    "expression", ["${var.name}", "var.name", "each.key", 'lower("X")', 'format("%s", var.x)']
)
def test_bare_reference_or_call_may_produce_any_name(expression: str) -> None:
    d = decl("aws_iam_user.any", None, expression=expression)
    assert status_of("web", (d,)) is Status.NEEDS_REVIEW
    assert status_of("anything-at-all", (d,)) is Status.NEEDS_REVIEW


def test_escaped_interpolation_is_literal() -> None:
    """``$${`` is a literal ``${``: ``"ci-$${var.env}"`` can never produce ``ci-prod``."""
    d = decl("aws_iam_user.ci", None, expression='"ci-$${var.env}"')
    assert status_of("ci-prod", (d,)) is Status.DELETE_UNMANAGED
    escaped_directive = decl("aws_iam_user.x", None, expression='"x-%%{ if true }"')
    assert status_of("x-y", (escaped_directive,)) is Status.DELETE_UNMANAGED


def test_escaped_interpolation_matches_only_its_literal_text() -> None:
    index = CodeIndex.build(
        TerraformModel((decl("aws_iam_user.ci", None, expression='"ci-$${var.env}"'),))
    )
    assert index.doubt("ci-${var.env}") is not None
    assert index.doubt("ci-$other") is None


def test_template_directive_branches_may_produce_either_name() -> None:
    d = decl(
        "aws_iam_user.svc",
        None,
        expression='"svc-%{ if var.prod }prod%{ else }dev%{ endif }"',
    )
    assert status_of("svc-prod", (d,)) is Status.NEEDS_REVIEW
    assert status_of("svc-dev", (d,)) is Status.NEEDS_REVIEW


def test_conditional_starting_and_ending_with_strings_may_produce_any_branch() -> None:
    d = decl(
        "aws_iam_user.deploy",
        None,
        expression='"${var.env}" == "prod" ? "deploy" : "deploy-staging"',
    )
    assert status_of("deploy", (d,)) is Status.NEEDS_REVIEW
    assert status_of("deploy-staging", (d,)) is Status.NEEDS_REVIEW


def test_brace_inside_a_string_in_an_interpolation() -> None:
    d = decl("aws_iam_user.ci", None, expression='"ci-${replace(var.x, "}", "")}-bot"')
    assert status_of("ci-prod-bot", (d,)) is Status.NEEDS_REVIEW


def test_a_resolved_declaration_wins_over_an_unresolved_pattern() -> None:
    resolved = decl("aws_iam_user.ci_prod", "ci-prod")
    unresolved = decl("aws_iam_user.ci", None, expression='"ci-${var.env}"')
    f = run((live("ci-prod"),), (unresolved, resolved))
    assert f["ci-prod"].status is Status.REMOVE_FROM_CODE
    assert f["ci-prod"].declarations == (resolved,)


# --------------------------------------------------------------------------- unreadable files


@pytest.mark.parametrize(
    "text",
    [
        'resource "aws_iam_user" "b" {\n  name = "bob"\n  oops = \n}\n',
        "bob",
        "users = [alice, bob]\n",
        "# bob\n",
    ],
)
def test_whole_word_in_unreadable_file_needs_review(text: str) -> None:
    f = run((live("bob"),), unreadable=(("infra/broken.tf", text),))
    assert f["bob"].status is Status.NEEDS_REVIEW
    assert "infra/broken.tf" in f["bob"].reason
    assert "could not be parsed" in f["bob"].reason


@pytest.mark.parametrize(
    "text",
    [
        'name = "bobby"\n',
        'name = "bob-2"\n',
        'name = "ops-bob"\n',
        'name = "bob_smith"\n',
        'name = "jimbob"\n',
    ],
)
def test_name_inside_a_longer_name_does_not_count(text: str) -> None:
    f = run((live("bob"),), unreadable=(("infra/broken.tf", text),))
    assert f["bob"].status is Status.DELETE_UNMANAGED


def test_name_with_regex_characters_is_matched_literally() -> None:
    unreadable = (("infra/broken.tf", 'name = "a+b@x.com"\n'),)
    assert run((live("a+b@x.com"),), unreadable=unreadable)["a+b@x.com"].status is (
        Status.NEEDS_REVIEW
    )
    # "a+b" as a regex would match "ab"/"aab"; literally it does not appear here
    assert run((live("a.b"),), unreadable=(("f.tf", "axb"),))["a.b"].status is (
        Status.DELETE_UNMANAGED
    )


def test_unreadable_file_does_not_change_declared_users() -> None:
    f = run(
        (live("bob"),),
        (decl("aws_iam_user.bob", "bob"),),
        unreadable=(("infra/broken.tf", '"bob"'),),
    )
    assert f["bob"].status is Status.REMOVE_FROM_CODE


# --------------------------------------------------------------------------- exemptions


def _config_lookup(entries: tuple[ConfigExemption, ...]) -> ExemptionLookup:
    def lookup(user: LiveUser, decls: tuple[Declaration, ...]) -> ExemptionMatch:
        return match(user, decls, config=entries, inline={}, today=NOW.date())

    return lookup


def test_matching_exemption_makes_the_user_exempt() -> None:
    entries = (ConfigExemption("svc-*", "break-glass account", until=date(2027, 1, 1)),)
    d = decl("aws_iam_user.svc", "svc-breakglass")
    f = run(
        (live("svc-breakglass"), live("other")),
        (d,),
        exemption_for=_config_lookup(entries),
    )
    exempt = f["svc-breakglass"]
    assert exempt.status is Status.EXEMPT
    assert exempt.exemption == Exemption("config", "break-glass account", "2027-01-01")
    assert "break-glass account" in exempt.reason
    assert "2027-01-01" in exempt.reason
    assert exempt.declarations == (d,)
    assert f["other"].status is Status.DELETE_UNMANAGED


def test_expired_exemption_is_reported_and_the_user_stays_unused() -> None:
    entries = (ConfigExemption("alice", "migration", until=date(2024, 1, 31)),)
    f = run(
        (live("alice"), live("ghost")),
        (decl("aws_iam_user.alice", "alice"),),
        exemption_for=lambda u, d: match(
            u,
            d,
            config=(*entries, ConfigExemption("ghost", "old", date(2023, 1, 1))),
            inline={},
            today=NOW.date(),
        ),
    )
    assert f["alice"].status is Status.REMOVE_FROM_CODE
    assert f["alice"].exemption is None
    (note,) = f["alice"].notes  # a caveat beside the verdict, not part of its reason
    assert "expired on 2024-01-31" in note
    assert "migration" in note
    assert "expired" not in f["alice"].reason
    assert f["ghost"].status is Status.DELETE_UNMANAGED
    assert "expired on 2023-01-01" in f["ghost"].notes[0]


def test_a_user_declared_twice_says_each_place_would_recreate_it() -> None:
    f = run(
        (live("alice"), live("bob")),
        (
            decl("aws_iam_user.alice", "alice", file="a/users.tf", line=3),
            decl("module.x.aws_iam_user.this", "alice", file="b/main.tf", line=9),
            decl("aws_iam_user.bob", "bob"),
        ),
    )
    (note,) = f["alice"].notes
    assert note.startswith("declared 2 times: aws_iam_user.alice (a/users.tf:3), ")
    assert "module.x.aws_iam_user.this (b/main.tf:9)" in note
    assert "recreate" in note
    assert f["bob"].notes == ()


def test_one_module_called_by_two_roots_names_each_call() -> None:
    def called_from(root: str) -> Declaration:
        d = decl("module.team.aws_iam_user.this", "ann", file="modules/team/main.tf", line=1)
        return replace(d, module_calls=(SourceSpan(f"{root}/main.tf", 0, 10, 7, 9),))

    f = run((live("ann"),), (called_from("prod"), called_from("stage")))
    (note,) = f["ann"].notes
    assert "called at prod/main.tf:7" in note
    assert "called at stage/main.tf:7" in note


def test_a_name_known_only_from_the_state_is_noted() -> None:
    d = replace(decl("aws_iam_user.p", "pet-1", expression="random_pet.p.id"), via="state")
    f = run((live("pet-1"),), (d,))
    assert f["pet-1"].status is Status.REMOVE_FROM_CODE
    (note,) = f["pet-1"].notes
    assert "aws_iam_user.p" in note
    assert "Terraform state" in note


def test_users_in_use_and_exempt_carry_no_caveats() -> None:
    d1, d2 = (
        decl("aws_iam_user.a", "busy", file="a.tf"),
        decl("aws_iam_user.b", "busy", file="b.tf"),
    )
    f = run((live("busy", used=True),), (d1, d2))
    assert f["busy"].status is Status.IN_USE
    assert f["busy"].notes == ()


def test_exemption_lookup_receives_the_users_declarations() -> None:
    seen: list[tuple[str, tuple[Declaration, ...]]] = []
    d = decl("aws_iam_user.alice", "alice")

    def lookup(user: LiveUser, decls: tuple[Declaration, ...]) -> ExemptionMatch:
        seen.append((user.name, decls))
        return ExemptionMatch(applies=Exemption("inline", "kept on purpose"))

    f = run((live("alice"),), (d,), exemption_for=lookup)
    assert seen == [("alice", (d,))]
    assert f["alice"].status is Status.EXEMPT
    assert f["alice"].exemption == Exemption("inline", "kept on purpose")


# --------------------------------------------------------------------------- properties

iam_names = st.text(
    alphabet="abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789+=,.@_-",
    min_size=1,
    max_size=20,
)
user_specs = st.lists(
    st.tuples(iam_names, st.booleans(), st.integers(0, 800), st.booleans()),
    max_size=8,
    unique_by=lambda t: t[0],
)


@given(specs=user_specs, declared=st.lists(iam_names, max_size=6))
def test_one_finding_per_live_user_and_not_deployed_for_the_rest(
    specs: list[tuple[str, bool, int, bool]], declared: list[str]
) -> None:
    users = tuple(
        LiveUser(
            name=name,
            arn=f"arn:aws:iam::123456789012:user/{name}",
            created=NOW - timedelta(days=age),
            has_password=used,
            password_last_used=NOW - timedelta(days=3) if used else None,
            access_keys=(AccessKey(True, OLD, None),) if has_key else (),
            details=UserDetails(),
        )
        for name, used, age, has_key in specs
    )
    decls = tuple(decl(f"aws_iam_user.r{i}", n) for i, n in enumerate(declared))
    findings = reconcile(inventory(*users), CodeIndex.build(TerraformModel(decls)), SETTINGS, NOW)
    live_names = {u.name for u in users}
    live_findings = [f for f in findings if f.status is not Status.NOT_DEPLOYED]
    assert [f.user for f in live_findings] == [u.name for u in users]
    assert {f.user for f in findings if f.status is Status.NOT_DEPLOYED} == set(
        declared
    ) - live_names
    for f in live_findings:
        if f.status is Status.DELETE_UNMANAGED:
            assert f.user not in declared
        if f.status is Status.REMOVE_FROM_CODE:
            assert f.user in declared
            assert f.declarations


@given(prefix=iam_names, suffix=iam_names)
def test_a_name_a_template_can_produce_is_never_unmanaged(prefix: str, suffix: str) -> None:
    d = decl("aws_iam_user.t", None, expression=f'"{prefix}${{var.x}}"')
    assert status_of(prefix + suffix, (d,)) is Status.NEEDS_REVIEW


@given(name=iam_names)
def test_a_quoted_name_in_an_unreadable_file_is_never_unmanaged(name: str) -> None:
    unreadable = (("broken.tf", f'resource "aws_iam_user" "x" {{\n  name = "{name}"\n'),)
    assert run((live(name),), unreadable=unreadable)[name].status is Status.NEEDS_REVIEW


def test_code_that_could_not_be_read_at_all_leaves_every_name_in_doubt() -> None:
    index = CodeIndex.unknown("--var-file prod.tfvars: not found")
    assert index.doubt("anyone") == (
        "the Terraform could not be read (--var-file prod.tfvars: not found)"
    )
    assert index.may_declare("anyone")


def test_a_broken_file_that_declares_users_leaves_every_name_in_doubt() -> None:
    model = TerraformModel(
        declarations=(),
        unreadable_texts=(("infra/b.tf", 'resource "aws_iam_user" "x" {\n  name = local.n\n'),),
    )
    assert "declares IAM users" in (CodeIndex.build(model).doubt("whoever") or "")


def test_a_broken_tfvars_file_leaves_every_name_in_doubt() -> None:
    model = TerraformModel(declarations=(), unreadable_texts=(("env/prod.tfvars", "x = = 1\n"),))
    assert "variable values" in (CodeIndex.build(model).doubt("whoever") or "")


def test_a_module_whose_code_is_not_read_leaves_undeclared_names_in_doubt() -> None:
    from iam_prune.model import Note

    call = Note('module "extra" comes from git::https://x/y.git', file="infra/main.tf", line=2)
    model = TerraformModel(declarations=(), opaque_modules=(call,))
    index = CodeIndex.build(model)
    assert index.doubt("zed") == (
        'infra/main.tf:2: module "extra" comes from git::https://x/y.git; it may create this user'
    )
    findings = reconcile(inventory(live("zed")), index, SETTINGS, NOW)
    assert [f.status for f in findings] == [Status.NEEDS_REVIEW]
    assert "infra/main.tf:2" in findings[0].reason


@pytest.mark.parametrize("declared", [False, True])
def test_a_malformed_exemption_tag_sends_the_user_to_review(declared: bool) -> None:
    """Never delete or remove from code a user someone tried to exempt; the run stays sound."""
    problem = "exemption tag `iam-prune:exempt-until` = `31/12/2026` is not YYYY-MM-DD"

    def lookup(_user: LiveUser, _decls: tuple[Declaration, ...]) -> ExemptionMatch:
        return ExemptionMatch(applies=None, malformed=(problem,))

    declarations = (decl("aws_iam_user.svc_old", "svc-old"),) if declared else ()
    found = run((live("svc-old"), live("busy", used=True)), declarations, exemption_for=lookup)
    assert found["svc-old"].status is Status.NEEDS_REVIEW
    assert found["svc-old"].reason.endswith(f"not acted on because {problem}")
    assert found["busy"].status is Status.IN_USE  # a used user is in use, tag or not
