"""From root modules down through local module calls to every IAM user resource instance.

Each root directory is instantiated with its ``.tfvars`` inputs; each ``module`` call with a
local source is expanded (``for_each``/``count``) and instantiated with the call's arguments,
evaluated in the caller; each ``aws_iam_user`` is expanded in its instance and named. The
terraform-aws-modules iam-user registry module is recognised from its call. Sources that cannot
be read (registry, git) are noted; a missing source directory or a module cycle is an error at
the call, and the walk goes on.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

from iam_prune.model import Declaration, ErrorSource, Note, ReportError, UserRead
from iam_prune.terraform.addresses import without_keys
from iam_prune.terraform.evaluate import evaluate
from iam_prune.terraform.expansion import Expanded, expand
from iam_prune.terraform.instances import Input, Instance
from iam_prune.terraform.moduleconfig import (
    USER_RESOURCE,
    ModuleConfig,
    is_iam_user_module,
    is_local_source,
    source_of,
)
from iam_prune.terraform.syntax import Attribute, Block, Expr
from iam_prune.terraform.values import Unknown, Value, to_bool, to_string

#: Arguments of a module call that are Terraform's, not inputs of the module.
CALL_META = frozenset({"source", "version", "for_each", "count", "providers", "depends_on"})
# The iam-user registry module's switches; either set to false means no user.
_IAM_USER_SWITCHES = ("create_user", "create")


@dataclass(frozen=True)
class Found:
    """A declaration and its configuration address (instance keys removed); ``certain`` is
    false when some enclosing ``for_each``/``count`` could not be expanded."""

    declaration: Declaration
    config_address: str
    certain: bool


@dataclass
class Walk:
    """Walks module trees; ``configs`` are the parsed directories by resolved path (a directory
    missing there cannot declare a user and is not entered)."""

    configs: Mapping[Path, ModuleConfig]
    reader: Callable[[Path], str | None] | None = None
    """Reads the repository files ``file()`` names (``None``: they stay unknown)."""
    found: list[Found] = field(default_factory=list)
    reads: list[UserRead] = field(default_factory=list)
    errors: list[ReportError] = field(default_factory=list)
    notes: list[Note] = field(default_factory=list)
    #: Module calls whose code is not read (registry, git, a folder that is not there, no
    #: literal source, a call of itself): any user they create is unseen.
    opaque_modules: list[Note] = field(default_factory=list)

    def root(self, config: ModuleConfig, inputs: Mapping[str, Input], missing: str) -> None:
        """Every user declared by the root module in ``config`` and the modules it calls."""
        instance = Instance(
            config, "", "", inputs, missing=missing, root_path=config.path, reader=self.reader
        )
        self._instance(instance, (config.path,), certain=True)

    def _instance(self, instance: Instance, stack: tuple[Path, ...], *, certain: bool) -> None:
        for block in instance.config.users:
            self._user(instance, block, certain=certain)
        for block in instance.config.user_data:
            self._read(instance, block)
        for call in instance.config.calls:
            self._call(instance, call, stack, certain=certain)

    # ------------------------------------------------------------------ resources

    def _user(self, instance: Instance, block: Block, *, certain: bool) -> None:
        name = block.attribute("name")
        consumers = () if name is None else (name.value,)
        label = block.labels[1]
        for expanded in expand(block, instance, consumers):
            address = f"{instance.address}{USER_RESOURCE}.{label}{expanded.suffix}"
            value, reason = _name(name, instance, expanded)
            key = expanded.origin if expanded.suffix else instance.key_origin
            declaration = Declaration(
                address=address,
                name=value,
                span=block.span,
                expression="" if name is None else name.expression_text,
                unresolved_reason=reason,
                module_dir=instance.config.directory,
                key_span=key,
                module_calls=instance.calls,
            )
            self.found.append(
                Found(declaration, without_keys(address), certain and expanded.certain)
            )

    def _read(self, instance: Instance, block: Block) -> None:
        """A ``data "aws_iam_user"``, for each instance whose ``user_name`` is known."""
        user_name = block.attribute("user_name")
        if user_name is None:
            return
        label = block.labels[1]
        for expanded in expand(block, instance, (user_name.value,)):
            value = to_string(evaluate(user_name.value, instance, expanded.bindings))
            if isinstance(value, str):
                address = f"{instance.address}data.{USER_RESOURCE}.{label}{expanded.suffix}"
                self.reads.append(UserRead(value, address, block.span))

    # ------------------------------------------------------------------ module calls

    def _call(
        self, parent: Instance, call: Block, stack: tuple[Path, ...], *, certain: bool
    ) -> None:
        label = call.labels[0]
        source = source_of(call)
        if source is None:
            self._unfollowed(call, f'module "{label}" has no literal `source`')
            return
        if is_iam_user_module(source):
            self._iam_user_module(parent, call, certain=certain)
            return
        if not is_local_source(source):
            note = Note(
                f'module "{label}" comes from {source}, which iam-prune cannot read; '
                "IAM users it creates are not seen",
                file=call.span.file,
                line=call.span.line,
            )
            self.notes.append(note)
            self.opaque_modules.append(note)
            return
        target = (parent.config.path / source).resolve()
        if not target.is_dir():
            self._unfollowed(call, f'module "{label}": source "{source}" is not a directory')
            return
        if target in stack:
            chain = " → ".join(str(p.name or p) for p in (*stack[stack.index(target) :], target))
            self._unfollowed(call, f'module "{label}" calls itself through "{source}" ({chain})')
            return
        config = self.configs.get(target)
        if config is None:
            return
        for expanded in expand(call, parent, call_arguments(call)):
            child = Instance(
                config,
                address=f"{parent.address}module.{label}{expanded.suffix}.",
                config_address=f"{parent.config_address}module.{label}.",
                inputs=call_inputs(call, parent, expanded),
                calls=(*parent.calls, call.span),
                key_origin=expanded.origin if expanded.suffix else parent.key_origin,
                missing=f'the call of module "{label}" does not set it',
                root_path=parent.root_path,
                reader=parent.reader,
            )
            self._instance(child, (*stack, target), certain=certain and expanded.certain)

    def _iam_user_module(self, parent: Instance, call: Block, *, certain: bool) -> None:
        label = call.labels[0]
        name = call.attribute("name")
        consumers = () if name is None else (name.value,)
        for expanded in expand(call, parent, consumers):
            if any(_switched_off(call, s, parent, expanded) for s in _IAM_USER_SWITCHES):
                continue
            address = f"{parent.address}module.{label}{expanded.suffix}.{USER_RESOURCE}.this[0]"
            value, reason = _name(name, parent, expanded)
            declaration = Declaration(
                address=address,
                name=value,
                span=call.span,
                expression="" if name is None else name.expression_text,
                unresolved_reason=reason,
                module_dir=parent.config.directory,
                key_span=expanded.origin if expanded.suffix else parent.key_origin,
                module_calls=(*parent.calls, call.span),
            )
            self.found.append(
                Found(declaration, without_keys(address), certain and expanded.certain)
            )

    def _unfollowed(self, call: Block, message: str) -> None:
        """A call this walk cannot follow is an error, and, like a registry module, code that
        may create any user: no user may be called undeclared because of it."""
        self._error(call, message)
        note = Note(message, file=call.span.file, line=call.span.line)
        if note not in self.opaque_modules:
            self.opaque_modules.append(note)

    def _error(self, call: Block, message: str) -> None:
        error = ReportError(
            ErrorSource.TERRAFORM, message, file=call.span.file, line=call.span.line
        )
        if error not in self.errors:
            self.errors.append(error)


def _name(
    attribute: Attribute | None, instance: Instance, expanded: Expanded
) -> tuple[str | None, str | None]:
    if attribute is None:
        return None, "the block sets no `name`"
    value = to_string(evaluate(attribute.value, instance, expanded.bindings))
    if isinstance(value, Unknown):
        return None, f"name is `{attribute.expression_text}`: {value.reason}"
    return value, None


def call_arguments(call: Block) -> tuple[Expr, ...]:
    """A module call's arguments other than its meta-arguments: the ``consumers`` ``expand``
    reads an instance's origin from (``name = var.people[count.index]``)."""
    return tuple(a.value for a in call.attributes if a.name not in CALL_META)


def call_inputs(call: Block, parent: Instance, expanded: Expanded) -> dict[str, Input]:
    """The variables one instance of a module call sets, each evaluated only when the module
    reads it (the same for the loader's walk and a fix's evaluation of edited texts)."""
    return {
        attribute.name: _lazy(attribute, parent, expanded)
        for attribute in call.attributes
        if attribute.name not in CALL_META
    }


def _lazy(attribute: Attribute, parent: Instance, expanded: Expanded) -> Input:
    return lambda: evaluate(attribute.value, parent, expanded.bindings)


def _switched_off(call: Block, switch: str, parent: Instance, expanded: Expanded) -> bool:
    attribute = call.attribute(switch)
    if attribute is None:
        return False
    value: Value = evaluate(attribute.value, parent, expanded.bindings)
    return to_bool(value) is False
