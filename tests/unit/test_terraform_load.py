"""Loading a tree: which files are read, what is declared where, and what could not be read."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from iam_prune.model import ErrorSource, ReportError
from iam_prune.terraform import TerraformError, load, scan
from iam_prune.terraform.scan import find_files, may_declare_user, may_matter

ALICE = 'resource "aws_iam_user" "alice" {\n  name = "alice"\n}\n'
BOB = 'resource "aws_iam_user" "bob" {\n  name = "bob-${var.env}"\n}\n'
BROKEN = 'resource "aws_iam_user" "carol" {\n  name = "carol"\n\n'
BUCKET = 'resource "aws_s3_bucket" "logs" {\n  bucket = "logs"\n}\n'


def write(root: Path, files: dict[str, str | bytes]) -> None:
    for relative, content in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(content, str):
            content = content.encode("utf-8")
        path.write_bytes(content)


def test_find_files_skips_terraform_caches_and_hidden_paths(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "main.tf": "",
            "modules/users/users.tf": "",
            "modules/users/README.md": "",
            ".terraform/modules/users/users.tf": "",
            "modules/.terraform/providers/x.tf": "",
            ".git/hooks/x.tf": "",
            "modules/.hidden.tf": "",
        },
    )

    found = find_files([tmp_path])

    assert found == [tmp_path / "main.tf", tmp_path / "modules/users/users.tf"]


def test_find_files_sorts_and_deduplicates_overlapping_dirs(tmp_path: Path) -> None:
    write(tmp_path, {"b.tf": "", "a/z.tf": "", "a/b/c.tf": ""})

    found = find_files([tmp_path / "a", tmp_path, tmp_path / "a" / "b"])

    assert found == [tmp_path / "a/b/c.tf", tmp_path / "a/z.tf", tmp_path / "b.tf"]


def test_find_files_searches_a_hidden_directory_it_is_given(tmp_path: Path) -> None:
    write(tmp_path, {".infra/main.tf": ""})

    assert find_files([tmp_path / ".infra"]) == [tmp_path / ".infra/main.tf"]


def test_find_files_rejects_a_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(TerraformError, match="not found"):
        find_files([tmp_path / "nope"])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (ALICE, True),
        ("resource aws_iam_user alice {\n}\n", True),
        ('resource "aws_iam_user"\t"x" {}', True),
        ('data "aws_iam_user" "x" {}', True),
        ('resource "aws_iam_user_policy" "x" {}', False),
        ('resource "aws_iam_user_login_profile" "x" {}', False),
        ("user = aws_iam_user.alice.name\n", False),
        ('resource "my_aws_iam_user" "x" {}', False),
        (BUCKET, False),
    ],
)
def test_the_prefilter_looks_for_the_resource_type_token(text: str, expected: bool) -> None:
    assert may_declare_user(text) is expected


def test_load_finds_declarations_with_repository_relative_paths(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "infra/users.tf": ALICE,
            "infra/modules/app/users.tf": BOB,
            "infra/storage.tf": BUCKET,
            "infra/.terraform/modules/copy/users.tf": ALICE,
        },
    )

    model = load([tmp_path / "infra"], tmp_path)

    alice, bob = sorted(model.declarations, key=lambda d: d.address)
    assert (alice.address, alice.name, alice.file, alice.module_dir) == (
        "aws_iam_user.alice",
        "alice",
        "infra/users.tf",
        "infra",
    )
    assert (alice.span.start, alice.span.end, alice.line, alice.span.end_line) == (
        0,
        len(ALICE) - 1,
        1,
        3,
    )
    assert alice.expression == '"alice"'
    assert alice.unresolved_reason is None
    assert bob.module_dir == "infra/modules/app"
    assert [e.message.split(",")[0] for e in model.errors] == [
        "1 IAM user declaration could not be named statically"
    ]
    assert (model.files_scanned, model.files_parsed) == (3, 2)
    # every file of the declaring folders (a fix looks for what refers to the user), parsed
    # or not; nothing from .terraform/
    assert dict(model.sources) == {
        "infra/users.tf": ALICE,
        "infra/storage.tf": BUCKET,
        "infra/modules/app/users.tf": BOB,
    }


def test_an_interpolated_name_is_kept_unresolved(tmp_path: Path) -> None:
    write(tmp_path, {"users.tf": BOB})

    model = load([tmp_path], tmp_path)
    (bob,) = model.declarations

    assert bob.name is None
    assert bob.expression == '"bob-${var.env}"'
    assert bob.unresolved_reason == 'name is `"bob-${var.env}"`: there is no `variable "env"` in .'
    assert bob.module_dir == "."
    (summary,) = model.errors
    assert summary.message.startswith(
        "1 IAM user declaration could not be named statically, e.g. aws_iam_user.bob at "
        "users.tf:1: name is"
    )
    assert "pass --state" in summary.message


def test_only_user_resources_are_declarations(tmp_path: Path) -> None:
    text = (
        'data "aws_iam_user" "existing" {\n  user_name = "ext"\n}\n'
        'resource "aws_iam_user_policy" "p" {\n  user = "ext"\n}\n' + ALICE
    )
    write(tmp_path, {"main.tf": text})

    model = load([tmp_path], tmp_path)

    assert [d.address for d in model.declarations] == ["aws_iam_user.alice"]
    assert model.declarations[0].span.line == 7


def test_a_broken_file_is_reported_and_the_others_still_count(tmp_path: Path) -> None:
    write(tmp_path, {"a.tf": ALICE, "broken.tf": BROKEN, "z.tf": BOB})

    model = load([tmp_path], tmp_path)

    assert [d.address for d in model.declarations] == ["aws_iam_user.alice", "aws_iam_user.bob"]
    assert model.errors[0] == ReportError(
        source=ErrorSource.TERRAFORM,
        message="unexpected end of file",
        file="broken.tf",
        line=4,
        column=1,
    )
    assert "could not be named statically" in model.errors[1].message  # bob's var.env
    assert len(model.errors) == 2
    assert model.unreadable_texts == (("broken.tf", BROKEN),)
    assert (model.files_scanned, model.files_parsed) == (3, 2)
    assert model.text_of("broken.tf") is None


def test_a_broken_file_in_a_directory_that_cannot_matter_is_not_parsed(tmp_path: Path) -> None:
    write(tmp_path, {"a.tf": ALICE, "network/broken.tf": "resource {{{"})

    model = load([tmp_path], tmp_path)

    assert model.errors == ()
    assert (model.files_scanned, model.files_parsed) == (2, 1)


def test_a_broken_variables_file_next_to_a_user_is_reported(tmp_path: Path) -> None:
    # It may hold the variable that names the user, so it counts like the user's own file.
    broken = 'variable "env" {\n  default = "prod"\n'
    write(tmp_path, {"a.tf": ALICE, "variables.tf": broken, "s3.tf": BUCKET})

    model = load([tmp_path], tmp_path)

    assert [(e.file, e.line) for e in model.errors] == [("variables.tf", 3)]
    assert model.unreadable_texts == (("variables.tf", broken),)
    assert [d.name for d in model.declarations] == ["alice"]
    assert (model.files_scanned, model.files_parsed) == (3, 1)


@pytest.mark.parametrize(
    "broken",
    [
        'resource "aws_s3_bucket" "b" {\n  bucket = "x"\n',  # left open
        'resource "aws_s3_bucket" "b" {\n  bucket = "x"\n}\n}\n',  # closed twice
        'resource "aws_s3_bucket" "b" {\n  bucket = "x\n}\n',  # a string left open
        'resource "aws_s3_bucket" "b" {\n  policy = <<EOT\n{}\n}\n',  # a heredoc left open
        '<<<<<<< HEAD\nresource "aws_s3_bucket" "b" {}\n=======\n'
        'resource "aws_s3_bucket" "c" {}\n>>>>>>> main\n',  # a merge that conflicted
    ],
)
def test_a_broken_file_beside_the_users_is_an_error_though_it_names_none(
    tmp_path: Path, broken: str
) -> None:
    """Terraform cannot plan that directory, the patch there included: the view of it is not
    whole, whatever the broken file holds."""
    write(tmp_path, {"a.tf": ALICE, "s3.tf": broken, "vpc.tf": BUCKET})

    model = load([tmp_path], tmp_path)

    [error] = model.errors
    assert error.file == "s3.tf"
    assert error.line is not None
    assert model.unreadable_texts == (("s3.tf", broken),)
    assert [d.name for d in model.declarations] == ["alice"]
    assert (model.files_scanned, model.files_parsed) == (3, 1)  # the balanced bucket file is not


def test_a_valid_file_that_only_looks_unbalanced_is_parsed_and_is_no_error(
    tmp_path: Path,
) -> None:
    braces = 'resource "aws_s3_bucket_policy" "p" {\n  policy = "{\\"a\\": 1"\n}\n'
    write(tmp_path, {"a.tf": ALICE, "policy.tf": braces})

    model = load([tmp_path], tmp_path)

    assert model.errors == ()
    assert (model.files_scanned, model.files_parsed) == (2, 2)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (BUCKET, False),
        ('resource "a" "b" {\n  x = [1, (2)]\n  y = "q\\"uote"\n}\n', False),
        ('resource "a" "b" {\n  p = <<-EOT\n    {\n  EOT\n}\n', True),  # `{` in a heredoc
        ('resource "a" "b" {\n  p = <<-EOT\n    text\n  EOT\n}\n', False),
        ('resource "a" "b" {\n  p = <<EOT\n    text\n}\n', True),
        ('resource "a" "b" {\n  x = [1\n}\n', True),
        ('resource "a" "b" {\n  x = f(1\n}\n', True),
        ('x = "a\n', True),
        ("=======\n", True),
    ],
)
def test_the_cheap_check_for_a_broken_file(text: str, expected: bool) -> None:
    assert scan.may_be_broken(text) is expected


def test_a_tf_json_that_spells_the_user_type_with_escapes_declares_the_user(
    tmp_path: Path,
) -> None:
    """Terraform decodes JSON before it reads a type: a text search for ``aws_iam_user``
    cannot see ``aws_iam_\\u0075ser``, so escapes make the file worth parsing."""
    escaped = '{"resource": {"aws_iam_\\u0075ser": {"u": {"name": "u1"}}}}'
    write(tmp_path, {"users.tf.json": escaped, "s3.tf": BUCKET})

    model = load([tmp_path], tmp_path)

    assert model.errors == ()
    assert [(d.address, d.name) for d in model.declarations] == [("aws_iam_user.u", "u1")]


def test_a_module_source_spelled_with_a_json_escape_is_followed(tmp_path: Path) -> None:
    call = '{"module": {"m": {"source": ".\\/m"}}}'
    write(tmp_path, {"main.tf.json": call, "m/users.tf": ALICE})

    model = load([tmp_path], tmp_path)

    assert [d.address for d in model.declarations] == ["module.m.aws_iam_user.alice"]


def test_a_tf_json_syntax_error_has_its_line_and_column(tmp_path: Path) -> None:
    write(tmp_path, {"a.tf": ALICE, "sub/bad.tf.json": '{"resource": {\n  "x": '})

    model = load([tmp_path], tmp_path)

    [error] = model.errors
    assert (error.file, error.line, error.column) == ("sub/bad.tf.json", 2, 8)
    assert error.message.startswith("not JSON: ")


def test_in_a_directory_that_matters_only_files_that_can_name_a_user_are_parsed(
    tmp_path: Path,
) -> None:
    write(
        tmp_path,
        {
            "users.tf": BOB,
            "vars.tf": 'variable "env" {\n  default = "qa"\n}\n',
            "locals.tf": "locals {\n  x = 1\n}\n",
            "calls.tf": 'module "m" {\n  source = "git::https://example.com/m.git"\n}\n',
            "s3.tf": BUCKET,
            "outputs.tf": 'output "o" {\n  value = aws_iam_user.bob.arn\n}\n',
            "terraform.tfvars": "",
            "main.tf.json": '{"variable": {"j": {}}}',
        },
    )

    model = load([tmp_path], tmp_path)

    assert [d.name for d in model.declarations] == ["bob-qa"]
    assert (model.files_scanned, model.files_parsed) == (8, 6)


def test_a_file_that_is_not_utf8_is_reported_like_a_parse_error(tmp_path: Path) -> None:
    latin1 = 'resource "aws_iam_user" "jose" {\n  name = "jos\xe9"\n}\n'.encode("latin-1")
    write(tmp_path, {"latin1.tf": latin1, "a.tf": ALICE})

    model = load([tmp_path], tmp_path)

    assert [d.address for d in model.declarations] == ["aws_iam_user.alice"]
    (error,) = model.errors
    assert (error.file, error.line, error.column, error.message) == (
        "latin1.tf",
        2,
        14,
        "not UTF-8 text",
    )
    ((name, text),) = model.unreadable_texts
    assert name == "latin1.tf"
    assert '"aws_iam_user" "jose"' in text


def test_crlf_files_keep_their_carriage_returns_and_exact_spans(tmp_path: Path) -> None:
    text = ("# people\n" + ALICE + "\n" + BOB).replace("\n", "\r\n")
    write(tmp_path, {"users.tf": text})

    model = load([tmp_path], tmp_path)

    source = model.text_of("users.tf")
    assert source == text
    alice, bob = model.declarations
    assert source[alice.span.start : alice.span.end] == ALICE.rstrip("\n").replace("\n", "\r\n")
    assert source[bob.span.start : bob.span.end] == BOB.rstrip("\n").replace("\n", "\r\n")
    assert (alice.line, bob.line) == (2, 6)
    assert (tmp_path / "users.tf").read_bytes()[: alice.span.end] == text[: alice.span.end].encode()


def test_a_directory_outside_the_root_keeps_absolute_paths(tmp_path: Path) -> None:
    write(tmp_path, {"repo/.keep": "", "elsewhere/a.tf": ALICE})

    model = load([tmp_path / "elsewhere"], tmp_path / "repo")

    expected = (tmp_path / "elsewhere/a.tf").resolve().as_posix()
    assert [d.file for d in model.declarations] == [expected]
    assert model.text_of(expected) == ALICE


def test_find_files_takes_json_and_the_variable_files_terraform_reads(tmp_path: Path) -> None:
    names = [
        "main.tf.json",
        "terraform.tfvars",
        "terraform.tfvars.json",
        "a.auto.tfvars",
        "b.auto.tfvars.json",
        "prod.tfvars",
        "notes.json",
    ]
    write(tmp_path, dict.fromkeys(names, ""))

    found = [p.name for p in find_files([tmp_path])]

    assert found == sorted(names[:5])


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        (ALICE, True),
        ('module "m" {\n  source = "./modules/m"\n}\n', True),
        ('module "m" {\n  source = "../shared"\n}\n', True),
        ('{"module": {"m": {"source": "./m"}}}', True),
        ('module "u" {\n  source = "terraform-aws-modules/iam/aws//modules/iam-user"\n}\n', True),
        ('module "v" {\n  source = "terraform-aws-modules/vpc/aws"\n}\n', False),
        (
            'terraform {\n  required_providers {\n    aws = { source = "hashicorp/aws" }\n  }\n}\n',
            False,
        ),
        (BUCKET, False),
    ],
)
def test_a_directory_matters_when_it_can_declare_or_call(text: str, expected: bool) -> None:
    assert may_matter(text) is expected


# Pieces of what the patterns look for, near misses and other text, so that random files
# hold matches, half-matches and case changes.
_PIECES = st.sampled_from(
    [
        *("aws_iam_user", "aws_iam_user_policy", "-", "_", '"', " ", "\n", "\t", "x", "/"),
        *("source", "Source", " = ", ":", '"./', '"../', "./", "//", "terraform-aws-modules/"),
        *("TERRAFORM-AWS-MODULES/", "iam/aws", "terraform-aws-iam.git", "modules/", "iam-user"),
        *("IAM-USER", "variable", "locals", "module", "Module", " {", "\u212a", "\u017f"),
        # Whole matches too, which random pieces seldom line up into.
        *('resource "aws_iam_user" "a" {', 'source = "./m"', 'source="../x"', '"source": "./m"'),
        *("Terraform-AWS-Modules/IAM/aws//modules/IAM-user", 'variable "v" {', "locals {"),
        '"module": {',
    ]
)


@given(st.lists(_PIECES, max_size=24).map("".join))
def test_the_substring_prefilters_never_change_an_answer(text: str) -> None:
    """The plain substring search before each pattern only skips texts it cannot match."""
    patterns = [
        scan._USER_TYPE_TOKEN,
        scan._LOCAL_SOURCE,
        scan._IAM_USER_MODULE,
        scan._NAMING_BLOCK,
    ]
    anywhere = any(pattern.search(text) for pattern in patterns[:3])
    assert may_matter(text) is anywhere
    assert scan.may_name(text) is (anywhere or patterns[3].search(text) is not None)
    assert may_declare_user(text) is (patterns[0].search(text) is not None)


def test_a_missing_var_file_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, {"a.tf": ALICE})

    with pytest.raises(TerraformError, match="--var-file not found"):
        load([tmp_path], tmp_path, var_files=[tmp_path / "nope.tfvars"])


def test_a_broken_var_file_is_reported(tmp_path: Path) -> None:
    write(tmp_path, {"a.tf": BOB + 'variable "env" {}\n'})
    write(tmp_path, {"vars/prod.tfvars": 'env = "prod\n'})

    model = load([tmp_path], tmp_path, var_files=[tmp_path / "vars/prod.tfvars"])

    assert [e.file for e in model.errors][:1] == ["vars/prod.tfvars"]
    assert model.unreadable_texts == (("vars/prod.tfvars", 'env = "prod\n'),)


def test_a_module_directory_given_explicitly_is_also_a_root(tmp_path: Path) -> None:
    module = 'variable "name" {\n  default = "solo"\n}\n' + ALICE.replace('= "alice"', "= var.name")
    write(
        tmp_path,
        {
            "live/main.tf": 'module "a" {\n  source = "../mod"\n  name = "via-live"\n}\n',
            "mod/users.tf": module,
        },
    )

    only_live = load([tmp_path / "live"], tmp_path)
    both = load([tmp_path / "live", tmp_path / "mod"], tmp_path)
    whole = load([tmp_path], tmp_path)

    assert [(d.address, d.name) for d in only_live.declarations] == [
        ("module.a.aws_iam_user.alice", "via-live")
    ]
    assert [(d.address, d.name) for d in both.declarations] == [
        ("module.a.aws_iam_user.alice", "via-live"),
        ("aws_iam_user.alice", "solo"),
    ]
    assert [d.address for d in whole.declarations] == ["module.a.aws_iam_user.alice"]


def test_a_module_called_twice_is_two_instances(tmp_path: Path) -> None:
    module = 'variable "who" {}\nresource "aws_iam_user" "u" {\n  name = var.who\n}\n'
    calls = "".join(
        f'module "{who}" {{\n  source = "./m"\n  who = "{who}"\n}}\n' for who in ("x", "y")
    )
    write(tmp_path, {"main.tf": calls, "m/main.tf": module})

    model = load([tmp_path], tmp_path)

    assert [(d.address, d.name, d.module_calls[0].line) for d in model.declarations] == [
        ("module.x.aws_iam_user.u", "x", 1),
        ("module.y.aws_iam_user.u", "y", 5),
    ]
    assert dict(model.sources).keys() == {"main.tf", "m/main.tf"}


def test_outputs_read_through_remote_state_are_found_in_every_file_read(tmp_path: Path) -> None:
    """Another root's read of an output is joined to nothing by references; the text is
    searched, in files that declare no user too, by name, index or whole."""
    app = tmp_path / "app"
    app.mkdir()
    (app / "main.tf").write_text(
        'data "terraform_remote_state" "iam" {\n  backend = "local"\n}\n\n'
        "locals {\n"
        "  a = data.terraform_remote_state.iam.outputs.bob_arn\n"
        '  b = data.terraform_remote_state.iam[0].outputs["carol_arn"]\n'
        "  c = data.terraform_remote_state.iam.outputs\n"
        "}\n",
        encoding="utf-8",
    )
    model = load([app], tmp_path)
    found = {(r.output, r.file, r.line) for r in model.remote_output_reads}
    assert found == {
        ("bob_arn", "app/main.tf", 6),
        ("carol_arn", "app/main.tf", 7),
        (None, "app/main.tf", 8),
    }
