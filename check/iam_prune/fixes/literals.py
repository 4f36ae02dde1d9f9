"""Blocks that name the user by a literal string instead of referring to its resource.

``user = "alice"`` in a policy attachment works as long as alice exists, but Terraform does not
know it depends on ``aws_iam_user.alice``: take the user block away and nothing dangles, yet
``terraform apply`` fails to delete a user that still has a policy attached (AWS answers
DeleteConflict), and the attachment is left naming nobody. So the literal is followed like a
reference: in the user's own module, a block that attaches one thing to the user goes with it
and its element goes from a shared ``users`` list; anywhere else, and wherever an ARN or a
``data "aws_iam_user"`` names the user, a person has to change it, and there is no patch.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from iam_prune.fixes.dependents import SHARED_LISTS, USER_ONLY
from iam_prune.fixes.starts import removal
from iam_prune.fixes.workspace import Workspace
from iam_prune.model import Declaration, FileEdit, SourceSpan
from iam_prune.terraform import scan
from iam_prune.terraform.references import block_name, directory_of
from iam_prune.terraform.syntax import Attribute, Block, Literal, ParsedFile


@dataclass(frozen=True)
class Literals:
    """What the literal mentions of one user take: edits that go with the user, and, for
    mentions that cannot simply go, why (file:line)."""

    edits: tuple[FileEdit, ...] = ()
    problems: tuple[str, ...] = ()


def literals(workspace: Workspace, decl: Declaration) -> Literals:
    """The literal mentions of ``decl``'s user in every known Terraform file."""
    name = decl.name
    if not name:
        return Literals()
    arn = re.compile(rf":user/(?:[\w+=,.@-]+/)*{re.escape(name)}(?![\w+=,.@-])")
    edits: list[FileEdit] = []
    problems: list[str] = []
    for path, block in _blocks(workspace):
        if _within(block.span, decl):
            continue
        here = directory_of(block.span.file) == decl.module_dir
        kind = block.labels[0] if block.block_type == "resource" and block.labels else ""
        where = f"{path}:{block.span.line}: `{block_name(block)}`"
        if kind in USER_ONLY and _is(block.attribute(USER_ONLY[kind]), name):
            if here:
                edits.append(removal(block.span))
            else:
                problems.append(f"{where} names the user `{name}` as a literal string")
            continue
        shared = block.attribute(SHARED_LISTS[kind]) if kind in SHARED_LISTS else None
        elements = [e for e in (shared.elements if shared else ()) if _is_literal(e.value, name)]
        if elements and here:
            edits.extend(removal(e.span) for e in elements)
        elif elements:
            problems.append(f"{where} lists the user `{name}` as a literal string")
        reads_user = block.block_type == "data" and block.labels[:1] == ("aws_iam_user",)
        if reads_user and _is(block.attribute("user_name"), name):
            problems.append(
                f"{where} reads the user `{name}`, which would fail once it is gone; "
                "remove it, and what reads it, by hand"
            )
            continue
        if any(arn.search(a.expression_text) for a in _attributes(block)):
            problems.append(f"{where} names the user `{name}` in an ARN; change it by hand")
    return Literals(tuple(edits), tuple(problems))


def _blocks(workspace: Workspace) -> Iterator[tuple[str, Block]]:
    for path in sorted(workspace.texts):
        if not scan.is_config_file(path):
            continue
        parsed = workspace.parsed(path)
        if isinstance(parsed, ParsedFile):
            for block in parsed.blocks:
                yield path, block


def _within(span: SourceSpan, decl: Declaration) -> bool:
    """Whether the block is the user's own (its resource block, or its module call)."""
    own = [decl.span, *decl.module_calls]
    return any(span.file == o.file and o.start <= span.start and span.end <= o.end for o in own)


def _is(attribute: Attribute | None, name: str) -> bool:
    return attribute is not None and _is_literal(attribute.value, name)


def _is_literal(value: object, name: str) -> bool:
    return isinstance(value, Literal) and value.value == name


def _attributes(block: Block) -> Iterator[Attribute]:
    yield from block.attributes
    for nested in block.blocks:
        yield from _attributes(nested)
