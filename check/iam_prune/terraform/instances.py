"""One module instance: what ``var.*`` and ``local.*`` mean inside it.

A directory called twice (or through ``for_each``) is two instances with different inputs, so
values live here rather than on the directory. Inputs are evaluated lazily, in the caller's
scope, and remembered; locals may refer to each other, and a cycle among them becomes an
unknown value naming the cycle instead of endless recursion.

A root module's inputs come from ``.tfvars`` files, in Terraform's precedence (lowest first):
the variable's default, ``terraform.tfvars``, ``terraform.tfvars.json``, ``*.auto.tfvars`` and
``*.auto.tfvars.json`` in lexical order of their names, then ``--var-file`` in the order given.
A variable file that could not be read may set any variable: what only the files below it
(or a default) say is then unknown, never a value Terraform would not use.
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path, PurePath

from iam_prune.model import SourceSpan
from iam_prune.terraform.evaluate import NoNames, evaluate
from iam_prune.terraform.moduleconfig import USER_RESOURCE, ModuleConfig
from iam_prune.terraform.rejection import Rejected
from iam_prune.terraform.syntax import Attribute, Block, Literal, ParsedFile
from iam_prune.terraform.typeconstraints import convert, parse_type
from iam_prune.terraform.values import Origin, Unknown, Value

Input = Callable[[], Value]
_IN_PROGRESS = Unknown("(being evaluated)")


def tfvars_order(names: Iterable[str]) -> list[str]:
    """The variable files Terraform reads automatically in a root directory, lowest precedence
    first; ``names`` are file names (other names are dropped)."""
    names = list(names)
    fixed = [n for n in ("terraform.tfvars", "terraform.tfvars.json") if n in names]
    auto = sorted(n for n in names if n.endswith((".auto.tfvars", ".auto.tfvars.json")))
    return fixed + auto


def root_inputs(files: Iterable[ParsedFile | str]) -> RootInputs:
    """Inputs of a root module from its variable files, given lowest precedence first; a
    ``str`` is the path of one that could not be read."""
    winners: dict[str, Attribute] = {}
    unread: str | None = None
    for item in files:
        if isinstance(item, str):
            unread = item
            winners.clear()  # what the files below it say, it may override
            continue
        for attribute in item.attributes:
            winners[attribute.name] = attribute
    return RootInputs({name: _constant(a) for name, a in winners.items()}, unread)


@dataclass(frozen=True)
class RootInputs(Mapping[str, "Input"]):
    """A root module's inputs: the values its readable variable files set, and, when one
    could not be read (``unread``, the highest in precedence), an unknown value for every
    other variable, whose default or lower file's value it may override."""

    given: Mapping[str, Input]
    unread: str | None = None

    def __getitem__(self, name: str) -> Input:
        if name in self.given:
            return self.given[name]
        if self.unread is None:
            raise KeyError(name)
        reason = (
            f"the variable values in {self.unread} could not be read, so var.{name} is not known"
        )
        return lambda: Unknown(reason)

    def __iter__(self) -> Iterator[str]:
        return iter(self.given)

    def __len__(self) -> int:
        return len(self.given)


def _constant(attribute: Attribute) -> Input:
    # A variable file holds values only: nothing in it can refer to anything.
    return lambda: evaluate(attribute.value, NoNames())


@dataclass
class Instance:
    """One instance of a module: its address, its inputs and the call that made it.

    ``address`` is the module path as it prefixes resource addresses (``""`` for a root,
    ``module.team["x"].`` otherwise); ``config_address`` the same without instance keys.
    ``calls`` are the module blocks that lead here, outermost first. ``key_origin`` is where
    the innermost expanded module key is written (what removing this instance edits).
    ``missing`` says why a variable without input or default has no value.
    """

    config: ModuleConfig
    address: str
    config_address: str
    inputs: Mapping[str, Input]
    calls: tuple[SourceSpan, ...] = ()
    key_origin: Origin = None
    missing: str = "no value is given for it"
    root_path: Path | None = None
    """The root module's directory on disk: ``path.root``, what ``file()`` paths are
    relative to (Terraform runs there). ``None`` where the files are not read."""
    reader: Callable[[Path], str | None] | None = None
    _variables: dict[str, Value] = field(default_factory=dict, repr=False)
    _locals: dict[str, Value] = field(default_factory=dict, repr=False)
    # Not init fields: `dataclasses.replace` (an instance re-read with edited texts) starts
    # them afresh.
    _user_names: dict[str, Value] = field(default_factory=dict, init=False, repr=False)
    _user_blocks: dict[str, Block] | None = field(default=None, init=False, repr=False)

    def variable(self, name: str) -> Value:
        if name not in self._variables:
            self._variables[name] = self._variable(name)
        return self._variables[name]

    def local(self, name: str) -> Value:
        known = self._locals.get(name)
        if known is _IN_PROGRESS:
            return Unknown(
                f"local.{name} depends on itself through other locals (Terraform rejects it)"
            )
        if known is not None or name in self._locals:
            return known
        attribute = self.config.locals.get(name)
        if attribute is None:
            return Unknown(f"no `locals` block in {self.config.directory} sets `{name}`")
        self._locals[name] = _IN_PROGRESS
        value = evaluate(attribute.value, self)
        self._locals[name] = value
        return value

    def resource_attribute(self, kind: str, label: str, name: str) -> Value:
        """``aws_iam_user.x.name`` of a user block without ``count`` or ``for_each``: the name
        its block writes, which ``terraform plan`` knows before apply (a list of users' names
        in ``locals`` keys what is made per user). Every other attribute of every resource
        (``arn``, ``unique_id``, ``id`` of a user not made yet) is known only after apply."""
        unknown = Unknown(
            f"it refers to {kind}.{label}, a resource whose attributes are known only after apply"
        )
        if kind != USER_RESOURCE or name != "name":
            return unknown
        if self._user_blocks is None:
            self._user_blocks = {b.labels[1]: b for b in self.config.users}
        block = self._user_blocks.get(label)
        if block is None or block.attribute("count") or block.attribute("for_each"):
            return unknown
        written = block.attribute("name")
        if written is None:
            return unknown
        known = self._user_names.get(label)
        if known is _IN_PROGRESS:
            return Unknown(f"{kind}.{label}.name refers to itself (Terraform rejects it)")
        if known is not None:
            return known
        self._user_names[label] = _IN_PROGRESS
        value = evaluate(written.value, self)
        self._user_names[label] = value
        return value

    def path(self, name: str) -> Value:
        """``path.module`` (this module's directory, relative to the root's) and
        ``path.root`` (``"."``), as Terraform gives them when run in the root."""
        if self.root_path is None or name not in ("module", "root"):
            return Unknown(f"it refers to path.{name}, which depends on where Terraform runs")
        if name == "root":
            return "."
        relative = os.path.relpath(self.config.path, self.root_path)
        return PurePath(relative).as_posix()

    def read_file(self, path: str) -> Value:
        """The text of a repository file, as ``file(path)`` returns it."""
        if self.root_path is None or self.reader is None:
            return Unknown(f'it reads the file "{path}", which is not read here')
        text = self.reader(self.root_path / path)
        if text is None:
            return Rejected(f'file("{path}"): no such text file in the repository')
        return text

    def _variable(self, name: str) -> Value:
        block = self.config.variables.get(name)
        if block is None:
            return Unknown(f'there is no `variable "{name}"` in {self.config.directory}')
        given = self.inputs.get(name)
        value: Value = given() if given is not None else None
        default = block.attribute("default")
        non_nullable = _is_false(block.attribute("nullable"))
        if given is None or (value is None and non_nullable):
            if default is None:
                if given is None:
                    return Unknown(f"var.{name} has no default and {self.missing}")
            else:
                value = evaluate(default.value, NoNames())
        type_attribute = block.attribute("type")
        if type_attribute is None:
            return value
        spec = parse_type(type_attribute.value, lambda expr: evaluate(expr, NoNames()))
        if spec is None:
            return value
        converted = convert(value, spec)
        if isinstance(converted, Unknown) and not isinstance(value, Unknown):
            return Unknown(f"var.{name}: {converted.reason}")
        return converted


def _is_false(attribute: Attribute | None) -> bool:
    return (
        attribute is not None
        and isinstance(attribute.value, Literal)
        and attribute.value.value is False
    )
