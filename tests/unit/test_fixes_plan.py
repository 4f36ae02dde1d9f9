"""Planning a user's retirement: one finding's change and patch, a user declared in several
places, what happens without a file's text, and the changes of many findings together."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from fix_helpers import declarations_of, finding, load_files, repo_of, report_of
from test_fixes_patch import git_apply

from iam_prune.fixes import plan
from iam_prune.fixes.evaluation.roots import Evaluation
from iam_prune.fixes.evaluation.workspace import Workspace
from iam_prune.fixes.planning.settle import settle
from iam_prune.model import Declaration, FileEdit, SourceSpan, TerraformModel

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


def test_remove_user_takes_the_block_and_its_comment(tmp_path: Path) -> None:
    model = load_files(tmp_path / "src", {"iam/users.tf": USERS})
    (decl,) = declarations_of(model, "alice")

    remediation = plan.remove_user(decl, model)

    assert remediation.destroys == ("aws_iam_user.alice",)
    assert remediation.manual == ()
    (edit,) = remediation.edits
    # The edit names the block; how much text goes with it is the rendering's business.
    block = 'resource "aws_iam_user" "alice" {\n  name = "alice"\n}'
    assert (edit.file, USERS[edit.start : edit.end]) == ("iam/users.tf", block)
    assert remediation.patch is not None
    repo = repo_of(tmp_path / "repo", {"iam/users.tf": USERS})
    git_apply(repo, remediation.patch)
    assert (repo / "iam/users.tf").read_text() == USERS.replace(ALICE_WITH_COMMENT, "")


def test_a_comment_separated_by_a_blank_line_stays(tmp_path: Path) -> None:
    model = load_files(tmp_path, {"users.tf": USERS})

    remediation = plan.retire(declarations_of(model, "bob"), model)
    before, after = plan.combine([remediation], model)

    assert '# Shared by the deploy jobs.\n\nresource "aws_iam_user" "carol"' in after["users.tf"]
    assert "bob" not in after["users.tf"]
    assert before == {"users.tf": USERS}


def test_the_combined_patch_for_two_users_in_one_file_applies(tmp_path: Path) -> None:
    model = load_files(tmp_path / "src", {"users.tf": USERS})
    report = report_of(finding(model, "bob"), finding(model, "carol"))

    patch = plan.combined_patch(plan.finalize(report, model), model)

    repo = repo_of(tmp_path / "repo", {"users.tf": USERS})
    git_apply(repo, patch)
    assert (repo / "users.tf").read_text() == (
        'resource "aws_s3_bucket" "logs" {\n  bucket = "logs"\n}\n'
        "\n"
        '# Alice left in 2023.\nresource "aws_iam_user" "alice" {\n  name = "alice"\n}\n'
        "\n"
        "# Shared by the deploy jobs.\n"
    )


def test_the_combined_patch_spans_files_and_keeps_crlf(tmp_path: Path) -> None:
    files = {"a/users.tf": USERS, "b/users.tf": USERS.replace("\n", "\r\n")}
    model = load_files(tmp_path / "src", files, dirs=("a", "b"))
    report = plan.finalize(report_of(finding(model, "alice"), finding(model, "carol")), model)

    repo = repo_of(tmp_path / "repo", files)
    git_apply(repo, plan.combined_patch(report, model))

    edited = plan.edited_files(report, model)
    assert sorted(edited) == ["a/users.tf", "b/users.tf"]
    for path, text in edited.items():
        assert (repo / path).read_bytes() == text.encode()
    assert edited["b/users.tf"].count("\n") == edited["b/users.tf"].count("\r\n")


def test_a_user_declared_in_two_stacks_is_one_change(tmp_path: Path) -> None:
    files = {"dev/users.tf": USERS, "prod/users.tf": USERS}
    model = load_files(tmp_path, files, dirs=("dev", "prod"))

    remediation = plan.retire(declarations_of(model, "bob"), model)

    assert remediation.destroys == ("aws_iam_user.bob",)
    assert sorted({e.file for e in remediation.edits}) == ["dev/users.tf", "prod/users.tf"]
    assert remediation.patch is not None and remediation.patch.count("diff --git") == 2
    assert "dev`, `prod" in remediation.manual[0]


def test_the_same_finding_twice_is_one_edit(tmp_path: Path) -> None:
    model = load_files(tmp_path, {"users.tf": USERS})
    part = plan.retire(declarations_of(model, "alice"), model)

    before, after = plan.combine([part, part], model)

    assert after == {"users.tf": USERS.replace(ALICE_WITH_COMMENT, "")}
    assert before == {"users.tf": USERS}


def test_without_the_file_text_the_remediation_is_a_manual_note() -> None:
    span = SourceSpan("gone.tf", 0, 10, 4, 6)
    decl = Declaration("aws_iam_user.dave", "dave", span, '"dave"')

    remediation = plan.remove_user(decl, TerraformModel(declarations=(decl,)))

    assert remediation.patch is None
    assert remediation.edits == ()
    assert remediation.destroys == ("aws_iam_user.dave",)
    assert remediation.manual == (
        "No patch for `aws_iam_user.dave` (gone.tf:4): its file's text was not available. "
        "Make the change by hand, or fix what is listed here and run iam-prune again.",
    )


def test_combining_nothing_changes_nothing(tmp_path: Path) -> None:
    model = load_files(tmp_path, {"users.tf": USERS})

    assert plan.combine([], model) == ({}, {})
    assert plan.combined_patch(report_of(), model) == ""
    assert plan.edited_files(report_of(), model) == {}


def test_colliding_edits_are_a_value_error(tmp_path: Path) -> None:
    model = load_files(tmp_path, {"users.tf": USERS})
    first = plan.retire(declarations_of(model, "alice"), model)
    start = first.edits[0].start
    clash = type(first)(edits=(FileEdit("users.tf", start + 2, start + 2, "x"),))

    with pytest.raises(ValueError, match="overlapping"):
        plan.combine([first, clash], model)


def test_a_finding_that_does_not_combine_keeps_its_patch_and_says_so(tmp_path: Path) -> None:
    """Alone, each is right; together, quin's migration keeps `ray` under a key that ray's
    change (which also retires ray's second declaration) removes."""
    text = (
        'variable "interns" {\n  type    = list(string)\n  default = ["pia", "quin", "ray"]\n}\n'
        '\nresource "aws_iam_user" "intern" {\n  count = length(var.interns)\n'
        "  name  = var.interns[count.index]\n}\n"
    )
    legacy = 'resource "aws_iam_user" "legacy" {\n  name = "ray"\n}\n'
    model = load_files(tmp_path, {"main.tf": text, "old/main.tf": legacy}, dirs=[".", "old"])
    report = plan.finalize(report_of(finding(model, "quin"), finding(model, "ray")), model)

    quin, ray = report.findings
    assert quin.remediation is not None and quin.remediation.manual == ()
    assert quin.notes == ()
    assert ray.remediation is not None and ray.remediation.patch is not None
    assert "left out of the combined patch" in ray.notes[-1]
    assert "left out" not in " ".join(ray.remediation.manual)  # a caveat, not a step
    combined = plan.edited_files(report, model)["main.tf"]
    assert '"ray"' in combined and "for_each" in combined
    assert plan.combined_patch(report, model) == quin.remediation.patch


def test_elements_of_one_count_list_are_retired_in_one_migration(tmp_path: Path) -> None:
    names = ", ".join(f'"u{i}"' for i in range(6))
    text = (
        f'variable "names" {{\n  default = [{names}]\n}}\n\n'
        'resource "aws_iam_user" "u" {\n  count = length(var.names)\n'
        "  name  = var.names[count.index]\n}\n\n"
        'resource "aws_iam_access_key" "k" {\n  count = length(var.names)\n'
        "  user  = aws_iam_user.u[count.index].name\n}\n"
    )
    model = load_files(tmp_path, {"main.tf": text})
    unused = ("u1", "u3", "u4")
    report = plan.finalize(report_of(*(finding(model, u) for u in unused)), model)

    for found in report.findings:
        assert found.remediation is not None
        assert "left out" not in " ".join(found.notes)
        assert "one migration to `for_each`" in found.notes[-1]
        assert found.remediation.manual == ()
    combined = plan.edited_files(report, model)["main.tf"]
    assert 'default = ["u0", "u2", "u5"]' in combined
    moved = re.findall(r"from = (\S+)\n  to   = (\S+)", combined)
    assert moved == [
        (f"aws_iam_{kind}[{i}]", f'aws_iam_{kind}["u{i}"]')
        for kind in ("user.u", "access_key.k")
        for i in (0, 2, 5)
    ]


def test_the_last_elements_of_a_count_list_go_together_without_a_migration(
    tmp_path: Path,
) -> None:
    text = (
        'variable "names" {\n  default = ["ann", "bob", "cy"]\n}\n\n'
        'resource "aws_iam_user" "u" {\n  count = length(var.names)\n'
        "  name  = var.names[count.index]\n}\n"
    )
    model = load_files(tmp_path, {"main.tf": text})
    report = plan.finalize(report_of(finding(model, "bob"), finding(model, "cy")), model)

    assert plan.edited_files(report, model)["main.tf"] == text.replace(', "bob", "cy"', "")
    bob = report.findings[0].remediation
    assert bob is not None and "no index shifts" in report.findings[0].notes[-1]


def test_an_edit_that_matches_nothing_is_refused_not_applied(tmp_path: Path) -> None:
    model = load_files(tmp_path, {"users.tf": USERS})
    evaluation = Evaluation(Workspace.of(model), (".",))

    settled = settle(evaluation, [FileEdit("users.tf", 0, 5)], set(), set())

    assert not settled.ok
    assert "matches no block" in settled.problems[0]


def test_an_edit_that_breaks_the_syntax_is_refused(tmp_path: Path) -> None:
    model = load_files(tmp_path, {"users.tf": USERS})
    evaluation = Evaluation(Workspace.of(model), (".",))
    brace = USERS.index("}")

    settled = settle(evaluation, [FileEdit("users.tf", brace, brace + 1, "{")], set(), set())

    assert settled.problems and "would not parse" in settled.problems[0]


def test_removing_the_last_call_of_a_local_module_says_the_folder_is_left_over(
    tmp_path: Path,
) -> None:
    person = 'variable "name" {}\n\nresource "aws_iam_user" "this" {\n  name = var.name\n}\n'
    call = 'module "bob" {\n  source = "./modules/person"\n  name   = "bob"\n}\n'
    model = load_files(tmp_path, {"main.tf": call, "modules/person/main.tf": person})

    remediation = plan.retire(declarations_of(model, "bob"), model)

    assert remediation.patch is not None
    assert remediation.manual == (
        "`modules/person` is called by no module once this change is applied: delete it in the "
        "same change if nothing outside this repository uses it (a later scan would read it as "
        "a root module whose variables nobody sets)",
    )


@pytest.mark.parametrize(
    ("other", "problem"),
    [
        (
            'data "aws_iam_user" "a" {\n  user_name = "alice"\n}\n',
            "main.tf:5: `data.aws_iam_user.a` reads the user `alice`",
        ),
        (
            'resource "aws_s3_bucket_policy" "b" {\n  bucket = "b"\n'
            '  policy = "{\\"Principal\\": \\"arn:aws:iam::1:user/ops/alice\\"}"\n}\n',
            "main.tf:5: `aws_s3_bucket_policy.b` names the user `alice` in an ARN",
        ),
        (
            'module "x" {\n  source = "./x"\n}\n',
            "x/main.tf:1: `aws_iam_access_key.k` names the user `alice` as a literal string",
        ),
    ],
    ids=["data source", "arn", "another module"],
)
def test_a_literal_name_that_cannot_go_with_the_user_stops_the_patch(
    tmp_path: Path, other: str, problem: str
) -> None:
    files = {
        "main.tf": 'resource "aws_iam_user" "alice" {\n  name = "alice"\n}\n\n' + other,
        "x/main.tf": 'resource "aws_iam_access_key" "k" {\n  user = "alice"\n}\n\n'
        'resource "aws_iam_user" "carol" {\n  name = "carol"\n}\n',
    }
    model = load_files(tmp_path, files)

    remediation = plan.retire(declarations_of(model, "alice"), model)

    assert remediation.patch is None
    assert problem in remediation.manual[-1]


ALICE = 'resource "aws_iam_user" "alice" {\n  name = "alice"\n}\n\n'


def test_a_shared_list_naming_only_the_user_goes_whole(tmp_path: Path) -> None:
    attachment = (
        'resource "aws_iam_policy_attachment" "pa" {\n  name       = "pa"\n'
        '  users      = ["alice"]\n  roles      = []\n'
        '  policy_arn = "arn:aws:iam::aws:policy/C"\n}\n'
    )
    model = load_files(tmp_path, {"main.tf": ALICE + attachment})

    remediation = plan.retire(declarations_of(model, "alice"), model)

    assert remediation.destroys == ("aws_iam_user.alice", "aws_iam_policy_attachment.pa")
    assert plan.combine([remediation], model)[1]["main.tf"] == ""


def test_the_name_written_where_it_can_reach_a_user_argument_stops_the_patch(
    tmp_path: Path,
) -> None:
    keyed = (
        'resource "aws_iam_user_policy_attachment" "a" {\n'
        '  for_each   = toset(["alice", "bob"])\n  user       = each.key\n'
        '  policy_arn = "arn:aws:iam::aws:policy/ReadOnlyAccess"\n}\n'
    )
    model = load_files(tmp_path, {"main.tf": ALICE + keyed})

    remediation = plan.retire(declarations_of(model, "alice"), model)

    assert remediation.patch is None
    assert (
        "main.tf:5: `aws_iam_user_policy_attachment.a` writes the string `alice`"
        in (remediation.manual[-1])
    )


def test_mentions_in_blocks_that_go_anyway_or_of_another_roots_own_user_do_not_count(
    tmp_path: Path,
) -> None:
    policy = (
        'resource "aws_iam_user_policy" "p" {\n  user   = aws_iam_user.alice.name\n'
        '  name   = "self"\n  policy = "{\\"Resource\\": \\"arn:aws:iam::1:user/alice\\"}"\n}\n'
    )
    prod = ALICE + 'resource "aws_iam_access_key" "k" {\n  user = "alice"\n}\n'
    files = {"dev/main.tf": ALICE + policy, "prod/main.tf": prod}
    model = load_files(tmp_path, files, dirs=["dev", "prod"])
    dev = tuple(d for d in declarations_of(model, "alice") if d.module_dir == "dev")

    remediation = plan.retire(dev, model)

    assert remediation.patch is not None, remediation.manual
    assert remediation.destroys == ("aws_iam_user.alice", "aws_iam_user_policy.p")


CAROL_BY_VARIABLE = (
    'variable "carol_name" {\n  type = string\n}\n\n'
    'resource "aws_iam_user" "carol" {\n  name = var.carol_name\n}\n'
)


def test_a_root_variable_that_only_names_the_user_goes_with_its_tfvars_line(
    tmp_path: Path,
) -> None:
    files = {
        "main.tf": CAROL_BY_VARIABLE,
        "terraform.tfvars": 'region     = "eu-west-1"\ncarol_name = "carol"\n',
        "prod.tfvars": 'carol_name = "carol"\n',
    }
    model = load_files(tmp_path, files, var_files=["prod.tfvars"])

    remediation = plan.retire(declarations_of(model, "carol"), model)

    assert remediation.patch is not None, remediation.manual
    after = plan.combine([remediation], model)[1]
    # The lines left keep `terraform fmt`'s alignment.
    assert after == {"main.tf": "", "terraform.tfvars": 'region = "eu-west-1"\n', "prod.tfvars": ""}


def test_a_variable_naming_the_user_that_something_else_reads_stays_and_stops_the_patch(
    tmp_path: Path,
) -> None:
    bucket = 'resource "aws_s3_bucket" "b" {\n  bucket = "${var.carol_name}-files"\n}\n'
    main = CAROL_BY_VARIABLE.replace("type = string", 'default = "carol"') + "\n" + bucket
    model = load_files(tmp_path, {"main.tf": main})

    remediation = plan.retire(declarations_of(model, "carol"), model)

    assert remediation.patch is None
    assert "`variable.carol_name` writes the string `carol`" in remediation.manual[-1]


def test_a_variable_naming_the_user_in_a_called_module_stays(tmp_path: Path) -> None:
    files = {
        "main.tf": 'module "carol" {\n  source = "./user"\n}\n',
        "user/main.tf": CAROL_BY_VARIABLE.replace("type = string", 'default = "carol"'),
    }
    model = load_files(tmp_path, files)
    (decl,) = declarations_of(model, "carol")

    remediation = plan.retire((decl,), model)

    assert "variable" not in "".join(
        model.sources[e.file][e.start : e.end] for e in remediation.edits
    )


OPS_CALL = (
    'locals {\n  ops_users = ["dmitri", "erin"]\n}\n\n'
    'module "ops" {\n  source     = "./user"\n  user_names = local.ops_users\n}\n'
)
OPS_MODULE = (
    'variable "user_names" {\n  type = list(string)\n}\n\n'
    'resource "aws_iam_user" "this" {\n  for_each = toset(var.user_names)\n'
    "  name     = each.key\n}\n"
)


def test_a_list_passed_whole_to_a_module_keyed_by_it_loses_the_users_element(
    tmp_path: Path,
) -> None:
    model = load_files(tmp_path, {"main.tf": OPS_CALL, "user/main.tf": OPS_MODULE})

    remediation = plan.retire(declarations_of(model, "erin"), model)

    assert remediation.patch is not None, remediation.manual
    assert remediation.destroys == ('module.ops.aws_iam_user.this["erin"]',)
    assert plan.combine([remediation], model)[1]["main.tf"] == OPS_CALL.replace(', "erin"', "")


@pytest.mark.parametrize(
    "reader",
    [
        'output "first" {\n  value = var.user_names[0]\n}\n',
        'resource "aws_s3_bucket" "b" {\n  bucket = join("-", var.user_names)\n}\n',
    ],
)
def test_a_module_that_reads_the_passed_list_otherwise_stops_the_patch(
    tmp_path: Path, reader: str
) -> None:
    files = {"main.tf": OPS_CALL, "user/main.tf": OPS_MODULE + "\n" + reader}
    model = load_files(tmp_path, files)

    remediation = plan.retire(declarations_of(model, "erin"), model)

    assert remediation.patch is None
    assert "`var.user_names`, which this removal changes" in remediation.manual[-1]


def test_a_var_file_line_that_another_root_reads_keeps_the_variable(tmp_path: Path) -> None:
    other = (
        'variable "carol_name" {\n  type = string\n}\n\n'
        'output "who" {\n  value = var.carol_name\n}\n'
    )
    files = {
        "a/main.tf": CAROL_BY_VARIABLE,
        "b/main.tf": other,
        "prod.tfvars": 'carol_name = "carol"\n',
    }
    model = load_files(tmp_path, files, dirs=["a", "b"], var_files=["prod.tfvars"])

    remediation = plan.retire(declarations_of(model, "carol"), model)

    assert [e.file for e in remediation.edits] == ["a/main.tf"]


def test_a_local_naming_the_user_that_something_else_reads_stays_and_stops_the_patch(
    tmp_path: Path,
) -> None:
    main = (
        'locals {\n  region = "eu-west-1"\n  carol  = "carol"\n}\n\n'
        'resource "aws_iam_user" "carol" {\n  name = local.carol\n}\n\n'
        'resource "aws_s3_bucket" "b" {\n  bucket = "${local.carol}-files"\n}\n'
    )
    model = load_files(tmp_path, {"main.tf": main})

    remediation = plan.retire(declarations_of(model, "carol"), model)

    assert remediation.patch is None
    assert "main.tf:3: `local.carol` writes the string `carol`" in remediation.manual[-1]
