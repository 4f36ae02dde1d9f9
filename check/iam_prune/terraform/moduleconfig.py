"""One directory's configuration: what a module declares, gathered from all its files.

Terraform treats every ``.tf``/``.tf.json`` file of a directory as one module: a variable may
be declared in ``variables.tf``, a local in ``locals.tf`` and the user in ``users.tf``. This
gathers the blocks the evaluation needs, and reads ``module`` sources, which decide which
directories are modules of which.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from iam_prune.terraform.syntax import Attribute, Block, Literal, ParsedFile

USER_RESOURCE = "aws_iam_user"

# terraform-aws-modules' iam-user submodule, any version: from the registry (with or without
# its host) or straight from its GitHub repository.
_IAM_USER_MODULE = re.compile(
    r"(?:registry\.terraform\.io/)?terraform-aws-modules/iam/aws//modules/iam-user"
    r"|(?:git::)?(?:https://|ssh://git@|git@)?github\.com[/:]terraform-aws-modules/"
    r"terraform-aws-iam(?:\.git)?//modules/iam-user(?:\?ref=[^\s\"]*)?",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class ModuleConfig:
    """The blocks of one module directory that bear on IAM users.

    ``directory`` is how the directory is reported (repository-relative, "/" separated);
    ``path`` is where it is on disk, to resolve local module sources against.
    """

    directory: str
    path: Path
    variables: Mapping[str, Block]
    locals: Mapping[str, Attribute]
    calls: tuple[Block, ...]
    users: tuple[Block, ...]
    user_data: tuple[Block, ...] = ()
    """``data "aws_iam_user"`` blocks: they read a user by ``user_name``."""

    @classmethod
    def build(cls, directory: str, path: Path, files: Sequence[ParsedFile]) -> ModuleConfig:
        """Gather the configuration files' blocks; the first of duplicate names wins (Terraform
        rejects duplicates, so which one is a guess either way). Override files
        (``override.tf``, ``*_override.tf``) are applied last, argument by argument, onto the
        blocks they override, as Terraform merges them."""
        ordered = sorted(files, key=lambda f: f.path)
        overriding = [is_override_file(f.path) for f in ordered]
        overrides = [f for f, over in zip(ordered, overriding, strict=True) if over]
        normal = [f for f, over in zip(ordered, overriding, strict=True) if not over]
        variables: dict[str, Block] = {}
        local_values: dict[str, Attribute] = {}
        calls: dict[str, Block] = {}
        users: dict[str, Block] = {}
        user_data: list[Block] = []
        for parsed in normal:
            for block in parsed.blocks:
                kind = block.block_type
                if kind == "resource":
                    labels = block.labels
                    if len(labels) == 2 and labels[0] == USER_RESOURCE:
                        users.setdefault(labels[1], block)
                elif kind == "variable" and len(block.labels) == 1:
                    variables.setdefault(block.labels[0], block)
                elif kind == "locals":
                    for attribute in block.attributes:
                        local_values.setdefault(attribute.name, attribute)
                elif kind == "module" and len(block.labels) == 1:
                    calls.setdefault(block.labels[0], block)
                elif kind == "data" and len(block.labels) == 2 and block.labels[0] == USER_RESOURCE:
                    user_data.append(block)
        for parsed in overrides:
            for block in parsed.blocks:
                kind, labels = block.block_type, block.labels
                if kind == "locals":
                    local_values.update((a.name, a) for a in block.attributes)
                    continue
                target = {"variable": variables, "module": calls}.get(kind)
                if target is None and _is_user(block):
                    target = users
                key = labels[-1] if labels else ""
                if target is not None and key in target:
                    target[key] = _overridden(target[key], block)
        return cls(
            directory,
            path,
            variables,
            local_values,
            tuple(calls.values()),
            tuple(users.values()),
            tuple(user_data),
        )


def from_blocks(directory: str, path: Path, blocks: Mapping[str, Sequence[Block]]) -> ModuleConfig:
    """What :meth:`ModuleConfig.build` gathers from a directory without override files, from
    its blocks by kind in file order (``variable``, ``locals``, ``module``, ``data``, and the
    users under ``aws_iam_user``): an edited copy of a big directory re-gathers only what
    the edit touched."""
    variables: dict[str, Block] = {}
    for block in blocks.get("variable", ()):
        if len(block.labels) == 1:
            variables.setdefault(block.labels[0], block)
    local_values: dict[str, Attribute] = {}
    for block in blocks.get("locals", ()):
        for attribute in block.attributes:
            local_values.setdefault(attribute.name, attribute)
    calls: dict[str, Block] = {}
    for block in blocks.get("module", ()):
        if len(block.labels) == 1:
            calls.setdefault(block.labels[0], block)
    users: dict[str, Block] = {}
    for block in blocks.get(USER_RESOURCE, ()):
        users.setdefault(block.labels[1], block)
    user_data = tuple(
        block
        for block in blocks.get("data", ())
        if len(block.labels) == 2 and block.labels[0] == USER_RESOURCE
    )
    return ModuleConfig(
        directory,
        path,
        variables,
        local_values,
        tuple(calls.values()),
        tuple(users.values()),
        user_data,
    )


def is_override_file(path: str) -> bool:
    """``override.tf``, ``x_override.tf`` (and their ``.tf.json`` forms)."""
    stem = path.rsplit("/", 1)[-1].removesuffix(".json").removesuffix(".tf")
    return stem == "override" or stem.endswith("_override")


def _is_user(block: Block) -> bool:
    return (
        block.block_type == "resource"
        and len(block.labels) == 2
        and (block.labels[0] == USER_RESOURCE)
    )


def _overridden(original: Block, override: Block) -> Block:
    """``original`` with ``override``'s arguments in place of its own; setting ``for_each`` or
    ``count`` in an override drops both from the original."""
    given = {a.name for a in override.attributes}
    dropped = given | ({"for_each", "count"} if given & {"for_each", "count"} else set())
    kept = tuple(a for a in original.attributes if a.name not in dropped)
    return replace(original, attributes=kept + override.attributes)


def source_of(call: Block) -> str | None:
    """A module call's ``source``; Terraform requires a literal string there."""
    attribute = call.attribute("source")
    if attribute is None or not isinstance(attribute.value, Literal):
        return None
    value = attribute.value.value
    return value if isinstance(value, str) else None


def is_local_source(source: str) -> bool:
    """A path in the same repository, which Terraform reads from disk (``./x``, ``../x``)."""
    return source.startswith(("./", "../")) or source in (".", "..")


def is_iam_user_module(source: str) -> bool:
    """terraform-aws-modules/iam's iam-user submodule, which creates one user from ``name``."""
    return _IAM_USER_MODULE.fullmatch(source) is not None


def local_calls(files: Sequence[ParsedFile]) -> list[tuple[Block, str]]:
    """Every ``module`` call with a local source in ``files``, with that source."""
    return local_sources(block for parsed in files for block in parsed.blocks)


def local_sources(blocks: Iterable[Block]) -> list[tuple[Block, str]]:
    """The ``module`` calls among ``blocks`` with a local source, with that source."""
    found = []
    for block in blocks:
        if block.block_type == "module":
            source = source_of(block)
            if source is not None and is_local_source(source):
                found.append((block, source))
    return found
