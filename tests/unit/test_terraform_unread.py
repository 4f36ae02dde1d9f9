"""What the scan cannot read is named: a linked folder read under no other name, an unread
folder, a file the prefilter skipped that does not parse."""

from __future__ import annotations

from pathlib import Path

from iam_prune.terraform import load

USER = 'resource "aws_iam_user" "{0}" {{\n  name = "{0}"\n}}\n'


def write(root: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")


def test_a_link_to_a_folder_outside_the_trees_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, {"infra/main.tf": USER.format("a"), "elsewhere/team.tf": USER.format("b")})
    (tmp_path / "infra" / "team").symlink_to(tmp_path / "elsewhere")
    model = load([tmp_path / "infra"], tmp_path, use_cache=False)
    (error,) = model.errors
    assert error.file == "infra/team"
    assert "symbolic link" in error.message
    assert model.unread == ("infra/team",)


def test_a_link_to_a_folder_read_anyway_is_fine(tmp_path: Path) -> None:
    write(
        tmp_path,
        {
            "infra/main.tf": 'module "team" {\n  source = "./team"\n}\n',
            "infra/inside/x.tf": USER.format("c"),
            "shared/team/main.tf": USER.format("b"),
        },
    )
    (tmp_path / "infra" / "team").symlink_to(tmp_path / "shared" / "team")  # a module
    (tmp_path / "infra" / "again").symlink_to(tmp_path / "infra" / "inside")  # walked anyway
    model = load([tmp_path / "infra"], tmp_path, use_cache=False)
    assert model.errors == ()
    assert sorted(d.name for d in model.declarations if d.name) == ["b", "c"]


def test_a_file_that_refers_to_a_user_and_does_not_parse_is_an_error_and_no_source(
    tmp_path: Path,
) -> None:
    outputs = 'output "a_arn" {\n  value = aws_iam_user.a.arn\n'  # unclosed
    write(tmp_path, {"main.tf": USER.format("a"), "outputs.tf": outputs})
    model = load([tmp_path], tmp_path, use_cache=False)
    assert [e.file for e in model.errors] == ["outputs.tf"]
    assert model.unreadable_texts == (("outputs.tf", outputs),)
    assert [path for path, _ in model.sources] == ["main.tf"]


def test_a_module_call_that_cannot_be_followed_may_create_any_user(tmp_path: Path) -> None:
    """A local source that is not there, a source that is not a literal, a module that calls
    itself: an error each, and, as for a registry module, every undeclared name is in doubt
    (never `delete-unmanaged` with delete commands for a user the call would create)."""
    from iam_prune.reconcile import CodeIndex

    calls = {
        "missing": 'module "team" {\n  source = "./modules/team"\n  names  = ["carol"]\n}\n',
        "variable": 'module "team" {\n  source = var.src\n}\nvariable "src" {}\n',
        "itself": 'module "again" {\n  source = "./"\n}\n',
    }
    for case, text in calls.items():
        root = tmp_path / case
        write(root, {"main.tf": 'resource "aws_iam_user" "bob" {\n  name = "bob"\n}\n' + text})
        model = load([root], tmp_path)
        [error] = model.errors
        [note] = model.opaque_modules
        assert (note.file, note.line) == (error.file, error.line) == (f"{case}/main.tf", 4)
        index = CodeIndex.build(model)
        assert index.declarations("bob"), case  # what was read still counts
        doubt = index.doubt("carol")
        assert doubt is not None and doubt.startswith(f"{case}/main.tf:4: module"), case


EXTRA = (
    'variable "extra" {\n  default = ["erin"]\n}\n'
    'resource "aws_iam_user" "extra" {\n  for_each = toset(var.extra)\n  name     = each.key\n}\n'
)


def test_a_variable_file_that_cannot_be_read_leaves_what_it_may_set_unknown(
    tmp_path: Path,
) -> None:
    """``z.auto.tfvars`` outranks ``terraform.tfvars``: with it broken, ``carol`` (from the
    file below it) may not be what Terraform manages, and neither is the default. A value
    from a readable file above it (a --var-file) still stands; a literal name is untouched."""
    from iam_prune.reconcile import CodeIndex

    write(
        tmp_path,
        {
            "infra/main.tf": USER.format("bob") + EXTRA,
            "infra/terraform.tfvars": 'extra = ["carol"]\n',
            "infra/z.auto.tfvars": 'extra = ["dave"] ===\n',
            "prod.tfvars": 'extra = ["fay"]\n',
        },
    )
    model = load([tmp_path / "infra"], tmp_path)
    names = {d.name for d in model.declarations}
    assert names == {"bob", None}
    assert model.unread_var_files == ("infra/z.auto.tfvars",)
    [unnamed] = [d for d in model.declarations if d.name is None]
    assert "infra/z.auto.tfvars could not be read" in (unnamed.unresolved_reason or "")
    doubt = CodeIndex.build(model).doubt("carol")
    assert doubt is not None and "could not be evaluated" in doubt

    above = load([tmp_path / "infra"], tmp_path, var_files=[tmp_path / "prod.tfvars"])
    assert {d.name for d in above.declarations} == {"bob", "fay"}


def test_the_plan_takes_the_variable_files_as_the_load_did(tmp_path: Path) -> None:
    """A --var-file above a broken automatic file still names ``fay``, and the patch edits it;
    a --var-file given twice ranks where it was last given (``a``, not ``b``)."""
    from fix_helpers import finding, load_files

    files = {
        "main.tf": EXTRA,
        "terraform.tfvars": 'extra = ["carol"]\n',
        "z.auto.tfvars": 'extra = ["dave"] ===\n',
        "prod.tfvars": 'extra = ["fay", "gil"]\n',
    }
    model = load_files(tmp_path / "above", files, var_files=["prod.tfvars"])
    remediation = finding(model, "fay").remediation
    assert remediation is not None and remediation.patch
    assert '-extra = ["fay", "gil"]\n+extra = ["gil"]' in remediation.patch

    twice = {"main.tf": EXTRA, "a.tfvars": 'extra = ["amy"]\n', "b.tfvars": 'extra = ["bo"]\n'}
    model = load_files(tmp_path / "twice", twice, var_files=["a.tfvars", "b.tfvars", "a.tfvars"])
    assert model.var_file_order == ("a.tfvars", "b.tfvars", "a.tfvars")
    remediation = finding(model, "amy").remediation
    assert remediation is not None and remediation.patch and "a.tfvars" in remediation.patch
