"""Moving a ``count`` resource to ``for_each``: when it is done, and why it is not."""

from __future__ import annotations

from pathlib import Path

import pytest
from fix_helpers import declarations_of, load_files

from iam_prune.fixes import plan
from iam_prune.fixes.evaluation.roots import Evaluation
from iam_prune.fixes.evaluation.workspace import Workspace
from iam_prune.fixes.planning.migrate import migration
from iam_prune.fixes.planning.starts import Start

VARIABLE = 'variable "names" {\n  default = ["ann", "bob", "cy"]\n}\n\n'


def counted(body: str) -> str:
    return VARIABLE + f'resource "aws_iam_user" "u" {{\n  count = length(var.names)\n{body}}}\n'


def attempt(
    tmp_path: Path, files: dict[str, str], user: str = "bob", **kwargs: object
) -> Start | str:
    model = load_files(tmp_path, files, **kwargs)  # type: ignore[arg-type]
    (decl,) = declarations_of(model, user)
    return migration((decl,), Evaluation(Workspace.of(model), (".",)))


def test_the_common_shape_migrates(tmp_path: Path) -> None:
    start = attempt(tmp_path, {"main.tf": counted("  name  = var.names[count.index]\n")})

    assert isinstance(start, Start)
    assert start.level == "migrate" and "`aws_iam_user.u`" in start.what


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        ('  name  = var.names[count.index]\n  path  = "/${count.index}/"\n', "other than to read"),
        ("  name  = element(var.names, count.index)\n", None),
        (
            "  name  = var.names[count.index]\n  tags = {\n    note = <<-EOT\n"
            "      for ${var.names[count.index]}\n    EOT\n  }\n",
            "inside a template",
        ),
    ],
)
def test_count_index_must_only_read_the_list(tmp_path: Path, body: str, reason: str | None) -> None:
    start = attempt(tmp_path, {"main.tf": counted(body)})

    if reason is None:
        assert isinstance(start, Start)
    else:
        assert isinstance(start, str) and reason in start


def test_values_from_a_var_file_are_not_written_into_moved_blocks(tmp_path: Path) -> None:
    files = {
        "main.tf": counted("  name  = var.names[count.index]\n"),
        "env/prod.tfvars": 'names = ["ann", "bob", "cy"]\n',
    }

    start = attempt(tmp_path, files, var_files=["env/prod.tfvars"])

    assert isinstance(start, str) and "--var-file" in start


def test_a_list_with_a_value_twice_cannot_key_for_each(tmp_path: Path) -> None:
    text = counted("  name  = var.names[count.index]\n").replace('"cy"', '"bob"')
    model = load_files(tmp_path, {"main.tf": text})

    remediation = plan.retire(declarations_of(model, "bob")[:1], model)

    assert remediation.patch is None
    assert "the same value twice" in remediation.manual[-1]


def test_a_module_instantiated_twice_is_not_migrated(tmp_path: Path) -> None:
    files = {
        "main.tf": 'module "a" {\n  source = "./m"\n}\n\nmodule "b" {\n  source = "./m"\n}\n',
        "m/main.tf": counted("  name  = var.names[count.index]\n"),
    }
    model = load_files(tmp_path, files)
    decl = next(d for d in declarations_of(model, "bob") if d.address.startswith("module.a"))

    assert "more than once" in str(migration((decl,), Evaluation(Workspace.of(model), (".",))))


def test_another_use_of_the_resource_as_a_list_stops_it(tmp_path: Path) -> None:
    text = counted("  name  = var.names[count.index]\n") + (
        'output "n" {\n  value = length(aws_iam_user.u)\n}\n'
    )

    start = attempt(tmp_path, {"main.tf": text})

    assert isinstance(start, str) and "as a list" in start


def test_tf_json_is_not_migrated(tmp_path: Path) -> None:
    text = (
        '{"variable": {"names": {"default": ["ann", "bob"]}},\n'
        ' "resource": {"aws_iam_user": {"u": {"count": "${length(var.names)}",'
        ' "name": "${var.names[count.index]}"}}}}\n'
    )

    start = attempt(tmp_path, {"main.tf.json": text}, user="ann")

    assert isinstance(start, str) and ".tf.json" in start


SPLATS = (
    'output "arns" {\n  value = aws_iam_user.u[*].arn\n}\n\n'
    'output "names" {\n  value = aws_iam_user.u.*.name\n}\n'
)


@pytest.mark.parametrize(
    ("names", "user", "arns", "names_out"),
    [
        (
            '["ann", "bob", "cy"]',
            "bob",
            "values(aws_iam_user.u)[*].arn",
            "values(aws_iam_user.u).*.name",
        ),
        (
            '["cy", "bob", "ann"]',
            "bob",
            "[for key in var.names : aws_iam_user.u[key].arn]",
            "[for key in var.names : aws_iam_user.u[key].name]",
        ),
    ],
)
def test_a_splat_keeps_the_order_of_the_list(
    tmp_path: Path, names: str, user: str, arns: str, names_out: str
) -> None:
    text = counted("  name  = var.names[count.index]\n").replace('["ann", "bob", "cy"]', names)
    model = load_files(tmp_path, {"main.tf": text + "\n" + SPLATS})

    remediation = plan.retire(declarations_of(model, user), model)

    assert remediation.patch is not None, remediation.manual
    after = plan.combine([remediation], model)[1]["main.tf"]
    assert f"value = {arns}\n" in after and f"value = {names_out}\n" in after


def test_a_splat_over_a_literal_list_out_of_order_stops_it(tmp_path: Path) -> None:
    text = (
        'resource "aws_iam_user" "u" {\n  count = length(["cy", "bob", "ann"])\n'
        '  name  = ["cy", "bob", "ann"][count.index]\n}\n\n' + SPLATS
    )

    start = attempt(tmp_path, {"main.tf": text})

    assert isinstance(start, str) and "in list order" in start and "main.tf:7" in start


def test_a_module_output_picked_from_by_position_stops_it(tmp_path: Path) -> None:
    module = counted("  name  = var.names[count.index]\n") + (
        'output "names" {\n  value = aws_iam_user.u[*].name\n}\n'
    )
    root = (
        'module "team" {\n  source = "./team"\n}\n\n'
        'resource "aws_iam_user_policy_attachment" "admin" {\n'
        "  user       = module.team.names[1]\n"
        '  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"\n}\n'
    )
    model = load_files(tmp_path, {"main.tf": root, "team/main.tf": module})
    (decl,) = declarations_of(model, "bob")

    start = migration((decl,), Evaluation(Workspace.of(model), (".",)))

    assert isinstance(start, str)
    assert start.startswith("team/main.tf:10 hands `aws_iam_user.u[*].name` on (as a local value")


def test_the_walk_over_the_list_takes_a_name_the_expression_does_not_use(tmp_path: Path) -> None:
    text = (
        counted("  name  = var.names[count.index]\n").replace(
            '["ann", "bob", "cy"]', '["cy", "bob", "ann"]'
        )
        + 'output "tags" {\n'
        + '  value = { for key in ["a"] : key => aws_iam_user.u[*].tags[key] }\n}\n'
    )
    model = load_files(tmp_path, {"main.tf": text})

    remediation = plan.retire(declarations_of(model, "bob"), model)

    after = plan.combine([remediation], model)[1]["main.tf"]
    assert "key => [for key1 in var.names : aws_iam_user.u[key1].tags[key]]" in after


def test_an_earlier_moved_block_into_an_index_is_left_to_chain(tmp_path: Path) -> None:
    earlier = "moved {\n  from = aws_iam_user.legacy\n  to   = aws_iam_user.u[2]\n}\n"
    text = counted("  name  = var.names[count.index]\n") + "\n" + earlier
    model = load_files(tmp_path, {"main.tf": text})

    remediation = plan.retire(declarations_of(model, "bob"), model)

    after = plan.combine([remediation], model)[1]["main.tf"]
    assert earlier in after  # Terraform chains it: legacy → u[2] → u["cy"]
    assert 'from = aws_iam_user.u[2]\n  to   = aws_iam_user.u["cy"]' in after


ADMIN = '  policy_arn = "arn:aws:iam::aws:policy/AdministratorAccess"\n'
PEOPLE_COUNT = (
    'locals {\n  people = ["amy", "bob", "kim"]\n}\n\n'
    'resource "aws_iam_user" "p" {\n  count = length(local.people)\n'
    "  name  = local.people[count.index]\n}\n\n"
)


@pytest.mark.parametrize(
    ("files", "user"),
    [
        (  # through a local value
            {
                "main.tf": PEOPLE_COUNT
                + "locals {\n  admins = aws_iam_user.p[*].name\n}\n\n"
                + 'resource "aws_iam_user_policy_attachment" "a" {\n'
                + "  user       = local.admins[2]\n"
                + ADMIN
                + "}\n"
            },
            "kim",
        ),
        (  # into a module's input
            {
                "main.tf": PEOPLE_COUNT
                + 'module "grants" {\n  source = "./grants"\n'
                + "  names  = aws_iam_user.p[*].name\n}\n",
                "grants/main.tf": 'variable "names" {}\n\n'
                + 'resource "aws_iam_user_policy_attachment" "a" {\n  user       = var.names[0]\n'
                + ADMIN
                + "}\n",
            },
            "kim",
        ),
        (  # the instances as a list, without a splat
            {
                "main.tf": PEOPLE_COUNT
                + 'resource "aws_iam_user_policy_attachment" "a" {\n'
                + "  user       = element(aws_iam_user.p, 2).name\n"
                + ADMIN
                + "}\n"
            },
            "kim",
        ),
        (  # the index of a `for` over the list
            {
                "main.tf": PEOPLE_COUNT
                + 'resource "aws_iam_user_policy_attachment" "a" {\n'
                + "  for_each   = { for i, n in aws_iam_user.p[*].name : n => i }\n"
                + "  user       = each.key\n"
                + '  policy_arn = each.value == 0 ? "admin" : "read"\n}\n'
            },
            "amy",
        ),
    ],
    ids=["local", "module input", "bare list", "for index"],
)
def test_a_position_picked_further_on_gets_no_patch(
    tmp_path: Path, files: dict[str, str], user: str
) -> None:
    model = load_files(tmp_path, files)

    remediation = plan.retire(declarations_of(model, user), model)

    assert remediation.patch is None
    assert "by position" in remediation.manual[-1] or "as a list" in remediation.manual[-1]


@pytest.mark.parametrize(
    ("written", "rewritten"),
    [
        ("element(aws_iam_user.u.*.name, count.index)", "aws_iam_user.u[each.key].name"),
        ("element(aws_iam_user.u[*].name, count.index)", "aws_iam_user.u[each.key].name"),
    ],
)
def test_a_dependent_picking_its_own_index_with_element_follows_by_key(
    tmp_path: Path, written: str, rewritten: str
) -> None:
    key = (
        'resource "aws_iam_access_key" "k" {\n  count = length(var.names)\n'
        f"  user  = {written}\n}}\n"
    )
    files = {"main.tf": counted("  name  = element(var.names, count.index)\n") + "\n" + key}
    model = load_files(tmp_path, files)

    remediation = plan.retire(declarations_of(model, "bob"), model)

    assert remediation.patch is not None, remediation.manual
    assert remediation.destroys == ("aws_iam_user.u[1]", "aws_iam_access_key.k[1]")
    assert f"  user     = {rewritten}\n" in plan.combine([remediation], model)[1]["main.tf"]


def test_element_at_another_index_still_stops_it(tmp_path: Path) -> None:
    key = (
        'resource "aws_iam_access_key" "k" {\n  count = length(var.names)\n'
        "  user  = element(aws_iam_user.u.*.name, count.index + 1)\n}\n"
    )
    start = attempt(tmp_path, {"main.tf": counted("  name  = var.names[count.index]\n") + key})

    assert isinstance(start, str)
