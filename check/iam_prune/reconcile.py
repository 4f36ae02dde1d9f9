"""Live users x Terraform declarations → one finding per user.

A flagged user that some code declares is removed from the code (deleting it in the console
would have Terraform recreate it); one that no code declares is deleted by hand. The line
between the two must never be drawn on a partial view: a user whose name may be produced by a
declaration that could not be evaluated, or that appears in a file that could not be parsed, is
held for review instead of being called unmanaged.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from datetime import datetime

from iam_prune.exemptions import ExemptionMatch
from iam_prune.model import (
    Declaration,
    Finding,
    Inventory,
    LiveUser,
    Note,
    Status,
    TerraformModel,
)
from iam_prune.rules import RuleSettings, judge

ExemptionLookup = Callable[[LiveUser, tuple[Declaration, ...]], ExemptionMatch]


def _no_exemption(_user: LiveUser, _decls: tuple[Declaration, ...]) -> ExemptionMatch:
    return ExemptionMatch(applies=None)


_ANY_NAME = re.compile(r".*", re.DOTALL)
#: Text by which an unparseable file may declare users under names it does not spell out.
_DECLARES = re.compile(r"aws_iam_user\b|\bmodule\s*[\"{]")


def _skip_string(text: str, i: int) -> int:
    """The index after the quoted string that starts at ``text[i]`` (a ``"``)."""
    i += 1
    while i < len(text):
        if text[i] == "\\":
            i += 2
            continue
        if text[i] == '"':
            return i + 1
        i += 1
    return i


def _skip_interpolation(text: str, i: int) -> int | None:
    """The index after the ``}`` closing the interpolation whose body starts at ``i``.

    Braces inside quoted strings in the expression do not count. ``None`` when unclosed.
    """
    depth = 1
    while i < len(text):
        char = text[i]
        if char == '"':
            i = _skip_string(text, i)
            continue
        if char == "{":
            depth += 1
        elif char == "}":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    return None


def _template_pattern(expression: str) -> re.Pattern[str]:
    """What names an unevaluated expression could produce.

    A single quoted template keeps its literal parts (``"ci-${var.env}"`` can only yield
    ``ci-…``). Anything else could yield any name: a bare reference, a function call, a
    conditional (even one whose branches are strings), a template with ``%{`` directives
    (whose branches are alternatives, not a sequence).
    """
    text = expression.strip()
    if not text.startswith('"'):
        return _ANY_NAME
    parts: list[str] = []
    literal = ""
    i = 1
    while i < len(text):
        if text.startswith(("$${", "%%{"), i):
            literal += text[i + 1 : i + 3]
            i += 3
        elif text.startswith("%{", i):
            return _ANY_NAME
        elif text.startswith("${", i):
            end = _skip_interpolation(text, i + 2)
            if end is None:
                return _ANY_NAME
            parts.extend((re.escape(literal), ".*"))
            literal = ""
            i = end
        elif text[i] == "\\" and i + 1 < len(text):
            literal += {"n": "\n", "t": "\t", "r": "\r"}.get(text[i + 1], text[i + 1])
            i += 2
        elif text[i] == '"':
            if text[i + 1 :].strip():  # more follows the string: an operator, a conditional
                return _ANY_NAME
            parts.append(re.escape(literal))
            return re.compile("".join(parts), re.DOTALL)
        else:
            literal += text[i]
            i += 1
    return _ANY_NAME


@dataclass(frozen=True)
class CodeIndex:
    """Which names the Terraform declares, and which it might declare without saying."""

    by_name: dict[str, tuple[Declaration, ...]]
    unresolved: tuple[tuple[Declaration, re.Pattern[str]], ...]
    unreadable: tuple[tuple[str, str], ...]
    #: Why any name may be declared where this run could not look: files or folders that
    #: could not be read at all, module calls whose code is not read. Said after the name
    #: templates, which point closer to the user.
    unseen: str | None = None
    #: Why no name at all can be trusted to be undeclared (the code could not be read).
    blind: str | None = None

    @classmethod
    def unknown(cls, reason: str) -> CodeIndex:
        """An index for code that could not be read at all: every name is in doubt."""
        return cls(by_name={}, unresolved=(), unreadable=(), blind=reason)

    @classmethod
    def build(cls, model: TerraformModel) -> CodeIndex:
        by_name: dict[str, list[Declaration]] = {}
        unresolved = []
        for decl in model.declarations:
            if decl.name is None:
                unresolved.append((decl, _template_pattern(decl.expression)))
            else:
                by_name.setdefault(decl.name, []).append(decl)
        return cls(
            by_name={k: tuple(v) for k, v in by_name.items()},
            unresolved=tuple(unresolved),
            unreadable=model.unreadable_texts,
            unseen=_unseen(model.unread, model.opaque_modules),
        )

    def declarations(self, name: str) -> tuple[Declaration, ...]:
        return self.by_name.get(name, ())

    def doubt(self, name: str) -> str | None:
        """Why ``name`` may be declared somewhere this run could not see, or ``None``.

        A file or folder that could not be read at all could declare any name; so could a file
        that does not parse and declares users or calls modules (through a local or a
        variable); one that does neither can only matter by naming the user outright.
        """
        if self.blind is not None:
            return f"the Terraform could not be read ({self.blind})"
        for decl, pattern in self.unresolved:
            if pattern.fullmatch(name):
                return (
                    f"{decl.address} at {decl.file}:{decl.line} may create it: its name "
                    f"{decl.expression} could not be evaluated"
                )
        if self.unseen is not None:
            return self.unseen
        word = re.compile(rf"(?<![\w-]){re.escape(name)}(?![\w-])")
        for file, text in self.unreadable:
            if file.endswith((".tfvars", ".tfvars.json")):
                return f"the variable values in {file} could not be read, so names may be wrong"
            if _DECLARES.search(text):
                return f"{file} declares IAM users or calls modules, and could not be parsed"
            if word.search(text):
                return f"its name appears in {file}, which could not be parsed"
        return None

    def may_declare(self, name: str) -> bool:
        return bool(self.declarations(name)) or self.doubt(name) is not None


def _unseen(unread: tuple[str, ...], opaque_modules: tuple[Note, ...]) -> str | None:
    """The one sentence for every name that code this run could not see may declare."""
    if unread:
        more = f" (and {len(unread) - 1} more)" if len(unread) > 1 else ""
        return f"{unread[0]}{more} could not be read, and may declare it"
    if opaque_modules:
        call = opaque_modules[0]
        extra = len(opaque_modules) - 1
        calls = "call" if extra == 1 else "calls"
        others = f" (and {extra} more module {calls})" if extra else ""
        return f"{call.where()}: {call.message}{others}; it may create this user"
    return None


def reconcile(
    inventory: Inventory,
    index: CodeIndex,
    settings: RuleSettings,
    now: datetime,
    exemption_for: ExemptionLookup = _no_exemption,
) -> tuple[Finding, ...]:
    """One finding per live user, plus ``not-deployed`` for declared names not live here."""
    findings = [_finding(user, index, settings, now, exemption_for) for user in inventory.users]
    live = {user.name for user in inventory.users}
    findings.extend(_not_deployed(index, live))
    return tuple(findings)


def _finding(
    user: LiveUser,
    index: CodeIndex,
    settings: RuleSettings,
    now: datetime,
    exemption_for: ExemptionLookup,
) -> Finding:
    verdict = judge(user, settings, now)
    decls = index.declarations(user.name)
    base = Finding(
        user=user.name,
        arn=user.arn,
        status=verdict.status or Status.IN_USE,
        rule=verdict.rule,
        reason=verdict.reason,
        created=user.created,
        last_activity=user.last_activity,
        declarations=decls,
    )
    if not verdict.unused:
        return base
    exemptions = exemption_for(user, decls)
    exemption = exemptions.applies
    if exemption is not None:
        until = f" until {exemption.expires}" if exemption.expires else ""
        reason = f"exempt ({exemption.source}{until}): {exemption.reason}; {verdict.reason}"
        return replace(base, status=Status.EXEMPT, reason=reason, exemption=exemption)
    notes = _caveats(decls)
    if exemptions.expired:
        notes = (exemptions.expiry_note(), *notes)
    base = replace(base, notes=notes)
    if exemptions.malformed:
        problems = "; ".join(exemptions.malformed)
        reason = f"{base.reason}; not acted on because {problems}"
        return replace(base, status=Status.NEEDS_REVIEW, reason=reason)
    if decls:
        return replace(base, status=Status.REMOVE_FROM_CODE)
    doubt = index.doubt(user.name)
    if doubt is not None:
        reason = f"{base.reason}; not called unmanaged because {doubt}"
        return replace(base, status=Status.NEEDS_REVIEW, reason=reason)
    reason = f"{base.reason}; no Terraform declares it"
    return replace(base, status=Status.DELETE_UNMANAGED, reason=reason)


def _caveats(decls: tuple[Declaration, ...]) -> tuple[str, ...]:
    """What a reader of this finding should know although it does not change the verdict."""
    notes = []
    if len(decls) > 1:
        places = ", ".join(_place(d) for d in decls[:5])
        more = f" and {len(decls) - 5} more" if len(decls) > 5 else ""
        notes.append(
            f"declared {len(decls)} times: {places}{more}; "
            "any one left in the code would recreate the user"
        )
    from_state = [d.address for d in decls if d.via == "state"]
    if from_state:
        notes.append(
            f"the name of {', '.join(from_state)} comes from the Terraform state: "
            "the code's expression for it could not be evaluated"
        )
    return tuple(notes)


def _place(decl: Declaration) -> str:
    """Address and line, and for a module's user the call that the root makes (two roots
    calling one module declare the same address at the same line)."""
    if not decl.module_calls:
        return f"{decl.address} ({decl.file}:{decl.line})"
    call = decl.module_calls[0]
    return f"{decl.address} ({decl.file}:{decl.line}, called at {call.file}:{call.line})"


def _not_deployed(index: CodeIndex, live: Iterable[str]) -> list[Finding]:
    live_names = set(live)
    return [
        Finding(
            user=name,
            status=Status.NOT_DEPLOYED,
            reason=(
                "declared in Terraform but not in this account "
                "(not applied yet, or another account)"
            ),
            declarations=decls,
        )
        for name, decls in sorted(index.by_name.items())
        if name not in live_names
    ]
