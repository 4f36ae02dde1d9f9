"""The indexed search for what an edit leaves dangling finds exactly what reading every file
finds.

Random modules of several files (a root, a local module it calls, users over ``for_each``,
dependents, outputs, locals, ``moved`` blocks, names that are prefixes of others) lose random
blocks; the references left dangling (the uses ``dependents`` follows) and the references that
stop resolving (the final check) are computed both ways: through the word index, looking only
for what the edit changes, and through the exhaustive search, which reads every file
mentioning anything the module declares.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from iam_prune.fixes.evaluation.mentions import Mentions
from iam_prune.fixes.evaluation.roots import Evaluation
from iam_prune.fixes.evaluation.workspace import Workspace
from iam_prune.fixes.planning.resolve import (
    Resolver,
    dangling,
    dangling_exhaustively,
    located,
    located_exhaustively,
    newly_unresolved,
    newly_unresolved_exhaustively,
)
from iam_prune.fixes.planning.starts import removal
from iam_prune.fixes.text.render import RenderError, render_all
from iam_prune.terraform.syntax import ParsedFile

NAMES = ("a", "ab", "b", "a-b")


def _block(kind: str, name: str, other: str) -> str:
    blocks = {
        "user": f'resource "aws_iam_user" "{name}" {{\n  name = "{name}"\n}}\n',
        "users": (
            f'resource "aws_iam_user" "{name}" {{\n  for_each = toset(["x", "y"])\n'
            "  name     = each.key\n}\n"
        ),
        "key": (
            f'resource "aws_iam_access_key" "{name}" {{\n  user = aws_iam_user.{other}.name\n}}\n'
        ),
        "keyed": (
            f'resource "aws_iam_access_key" "{name}_x" {{\n'
            f'  user = aws_iam_user.{other}["x"].name\n}}\n'
        ),
        "local": f"locals {{\n  {name} = aws_iam_user.{other}.arn\n}}\n",
        "reads_local": f'output "{name}_local" {{\n  value = local.{other}\n}}\n',
        "output": f'output "{name}" {{\n  value = aws_iam_user.{other}.arn\n}}\n',
        "variable": f'variable "{name}" {{\n  default = "{name}"\n}}\n',
        "reads_var": f'output "{name}_var" {{\n  value = var.{other}\n}}\n',
        "moved": (
            f"moved {{\n  from = aws_iam_user.old_{name}\n  to   = aws_iam_user.{other}\n}}\n"
        ),
        "module": f'module "{name}" {{\n  source = "./mod"\n}}\n',
        "reads_module": f'output "{name}_mod" {{\n  value = module.{other}.arn\n}}\n',
    }
    return blocks[kind]


_BLOCKS = st.tuples(
    st.sampled_from(
        (
            "user",
            "users",
            "key",
            "keyed",
            "local",
            "reads_local",
            "output",
            "variable",
            "reads_var",
            "moved",
            "module",
            "reads_module",
        )
    ),
    st.sampled_from(NAMES),
    st.sampled_from(NAMES),
)
_MODULE = (
    'resource "aws_iam_user" "this" {\n  name = "m"\n}\n\n'
    'output "arn" {\n  value = aws_iam_user.this.arn\n}\n'
)


@st.composite
def modules(draw: st.DrawFn) -> dict[str, str]:
    """A root ``infra/`` of 2-4 files and its module ``infra/mod/``; duplicate declarations
    are left out (Terraform would refuse them)."""
    texts: dict[str, str] = {"infra/mod/main.tf": _MODULE}
    seen: set[str] = set()
    for n in range(draw(st.integers(2, 4))):
        parts = []
        for kind, name, other in draw(st.lists(_BLOCKS, min_size=1, max_size=6)):
            text = _block(kind, name, other)
            head = text.split("{", 1)[0] + (name if kind in ("local", "moved") else "")
            if head in seen:
                continue
            seen.add(head)
            parts.append(text)
        texts[f"infra/f{n}.tf"] = "\n".join(parts)
    if draw(st.booleans()):
        texts["infra/mod/extra.tf"] = 'output "id" {\n  value = aws_iam_user.this.id\n}\n'
    return texts


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts=modules(), data=st.data())
def test_the_indexed_search_finds_what_the_exhaustive_search_finds(
    texts: dict[str, str], data: st.DataObject
) -> None:
    workspace = Workspace(texts)
    blocks = [
        (path, block)
        for path in sorted(texts)
        if isinstance(parsed := workspace.parsed(path), ParsedFile)
        for block in parsed.blocks
    ]
    chosen = data.draw(st.lists(st.sampled_from(blocks), min_size=1, max_size=3, unique=True))
    edits = [removal(block.span) for _, block in chosen]
    try:
        changed = render_all(workspace.texts, edits)
    except RenderError:
        return
    before = Evaluation(workspace, ("infra",))
    # Evaluated whole, and as settle evaluates it: again only where the edit reaches.
    for base in (None, before):
        after = Evaluation(workspace.edited(changed), ("infra",), base=base)
        old, new = Resolver(before.workspace, before.trees), Resolver(after.workspace, after.trees)
        # As settle asks (every module directory of the roots and the edited files'
        # directories), and a narrower question (the root only).
        edited = {path.rsplit("/", 1)[0] for path in changed}
        for directories in (sorted({*before.directories, *edited}), ["infra"]):
            indexed = dangling(old, new, edits, directories)
            assert indexed == dangling_exhaustively(old, new, edits, directories)
            assert newly_unresolved(old, new, sorted(changed), directories) == (
                newly_unresolved_exhaustively(old, new, directories)
            )


@given(
    texts=modules(),
    names=st.lists(
        st.sampled_from(
            (
                "aws_iam_user.a",
                "aws_iam_user.ab",
                "local.a",
                "var",
                "module.a",
                "a-b",
                "a.b.c.d",
                "x",
            )
        ),
        max_size=3,
    ),
)
def test_the_word_index_reads_the_files_a_search_of_every_text_reads(
    texts: dict[str, str], names: list[str]
) -> None:
    workspace = Workspace(texts)
    directories = ["infra", "infra/mod"]
    assert list(located(workspace, directories, names)) == list(
        located_exhaustively(workspace, directories, names)
    )


def test_the_string_index_finds_names_in_literals_and_arns_and_escapes() -> None:
    mentions = Mentions(
        {
            "a.tf": 'user = "bob"\n',
            "b.tf": 'arn = "arn:aws:iam::1:user/team/bob"\n',
            "c.tf": 'user = "bobby"\n',
            "d.tf": 'user = "\\u0062ob"\n',
        }
    )
    assert mentions.strings("bob") == {"a.tf", "b.tf", "d.tf"}
    assert mentions.strings("bob smith") is None
    assert mentions.words(["aws_iam_user.bob"]) == set()
    assert mentions.words(["a.b.c.d"]) is None


def test_indexes_kept_in_the_cache_answer_as_built_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("IAM_PRUNE_CACHE_DIR", str(tmp_path / "cache"))
    texts = {
        "a.tf": 'resource "aws_iam_group_membership" "m" {\n  users = [aws_iam_user.bob.name]\n}\n',
        "b.tf": 'arn = "arn:aws:iam::1:user/team/bob"\n',
        "c.tf": 'user = "\\u0062ob"\n',
    }
    built = Mentions(texts)
    cached, read_back = Mentions(texts), Mentions(texts)
    cached.use_cache = read_back.use_cache = True
    questions: list[Callable[[Mentions], object]] = [
        lambda m: m.words(["aws_iam_user.bob"]),
        lambda m: m.words(["aws_iam_user"]),
        lambda m: m.strings("bob"),
        lambda m: m.strings("team"),
    ]
    assert [ask(cached) for ask in questions] == [ask(built) for ask in questions]
    # The second set of indexes comes from the cache: building it again would fail.
    monkeypatch.setattr(Mentions, "_build_words", _no_build)
    monkeypatch.setattr(Mentions, "_build_strings", _no_build)
    assert [ask(read_back) for ask in questions] == [ask(built) for ask in questions]
    assert read_back.strings("bob") == {"b.tf", "c.tf"}


def _no_build(_: Mentions) -> None:
    raise AssertionError("the index was built again")
