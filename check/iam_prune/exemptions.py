"""Exemptions: a reason (always) and an expiry (optionally), from three places.

- the config file: ``[[exempt]]`` with a ``user`` glob, ``reason`` and ``until``;
- a tag on the user: ``iam-prune:exempt`` = the reason, ``iam-prune:exempt-until`` = a date;
- the code: ``# iam-prune:exempt <reason> until=YYYY-MM-DD`` on the comment lines directly above
  the declaring block, or inside it.

An expired exemption does not apply, and the finding says when it expired. An exemption without
a reason is a configuration error: it is reported and not applied. A tag that cannot be read (no
reason, a date that is not YYYY-MM-DD) does not apply either, but it is not an error of the run:
the user it was meant for is ``needs-review`` with the problem as its reason.
"""

from __future__ import annotations

import fnmatch
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date

from iam_prune.config import ConfigExemption
from iam_prune.model import (
    Declaration,
    ErrorSource,
    Exemption,
    LiveUser,
    ReportError,
    SourceSpan,
    TerraformModel,
)

EXEMPT_TAG = "iam-prune:exempt"
EXEMPT_UNTIL_TAG = "iam-prune:exempt-until"
_INLINE = re.compile(r"^\s*(?:#|//|/\*)\s*iam-prune:exempt\b(?P<rest>.*?)(?:\*/)?\s*$")
_UNTIL = re.compile(r"\buntil=(?P<date>\S+)")
_COMMENT = re.compile(r"^\s*(?:#|//|/\*|\*)")


@dataclass(frozen=True)
class ExemptionMatch:
    """The exemption that applies (if any) and those that matched but have expired."""

    applies: Exemption | None
    expired: tuple[Exemption, ...] = ()
    #: Exemptions meant for the user that cannot be read (a tag with a bad date): the user
    #: is neither exempt nor flagged for deletion, but reviewed.
    malformed: tuple[str, ...] = ()

    def expiry_note(self) -> str:
        return "; ".join(
            f"{e.source} exemption ({e.reason}) expired on {e.expires}" for e in self.expired
        )


def _parse_inline(comment: str) -> tuple[str, str | None]:
    rest = comment.strip()
    until = _UNTIL.search(rest)
    expires = until.group("date") if until else None
    reason = _UNTIL.sub("", rest).strip(" :-")
    return reason, expires


def _comment_lines_above(text: str, start: int) -> list[tuple[int, str]]:
    """The comment lines directly above ``start`` (no blank line between), with offsets."""
    lines: list[tuple[int, str]] = []
    end = text.rfind("\n", 0, start) + 1  # start of the block's first line
    while end > 0:
        previous = text.rfind("\n", 0, end - 1) + 1
        line = text[previous : end - 1].rstrip("\r")
        if not _COMMENT.match(line):
            break
        lines.append((previous, line))
        end = previous
    return lines


def _comment_lines(text: str, span: SourceSpan) -> list[tuple[int, str]]:
    """The comment lines directly above the block at ``span`` and the lines inside it, with
    their 1-based line numbers."""
    above = [
        (text.count("\n", 0, offset) + 1, line)
        for offset, line in _comment_lines_above(text, span.start)
    ]
    inside = [
        (span.line + n, line) for n, line in enumerate(text[span.start : span.end].splitlines())
    ]
    return above + inside


def inline_exemptions(
    model: TerraformModel,
) -> tuple[dict[str, Exemption], tuple[ReportError, ...]]:
    """Exemptions written in the code, by declaration address, and the malformed ones.

    A marker counts on the resource block, and on any module call that leads to it (an
    exemption written on a module call covers every user the module creates).
    """
    found: dict[str, Exemption] = {}
    problems: dict[tuple[str, int], ReportError] = {}
    for decl in model.declarations:
        for span in (decl.span, *decl.module_calls):
            text = model.text_of(span.file)
            if text is None:
                continue
            for line_number, line in _comment_lines(text, span):
                match = _INLINE.match(line)
                if match is None:
                    continue
                reason, expires = _parse_inline(match.group("rest"))
                problem = _inline_problem(reason, expires)
                if problem is not None:
                    where = (span.file, line_number)
                    problems[where] = ReportError(
                        ErrorSource.CONFIG,
                        f"iam-prune:exempt on {decl.address}: {problem}",
                        file=span.file,
                        line=line_number,
                    )
                    continue
                found.setdefault(decl.address, Exemption("inline", reason, expires))
    return found, tuple(problems.values())


def _inline_problem(reason: str, expires: str | None) -> str | None:
    if not reason:
        return "no reason: write why after it"
    if expires is not None and _date_or_none(expires) is None:
        return f"until={expires} is not a date (YYYY-MM-DD); the exemption does not apply"
    return None


def _date_or_none(value: str) -> date | None:
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None


def _expired(exemption: Exemption, today: date) -> bool:
    if exemption.expires is None:
        return False
    expires = _date_or_none(exemption.expires)
    return expires is None or expires < today


def tag_exemption(user: LiveUser) -> tuple[Exemption | None, str | None]:
    """The exemption a user's tags declare, or what is wrong with them.

    A malformed tag is not an error of the run: the tags live in AWS, beyond the repository's
    reach, and one bad value must not make every other result unusable. The user it was meant
    for is sent to review with the problem as the reason instead (see ``reconcile``).
    """
    if user.details is None:
        return None, None
    reason = user.details.tag(EXEMPT_TAG)
    if reason is None:
        if user.details.tag(EXEMPT_UNTIL_TAG) is not None:
            # An end date alone is an exemption someone meant and got wrong: deleting the user
            # on the strength of the missing reason would be the worst reading of it.
            return (
                None,
                f"`{EXEMPT_UNTIL_TAG}` set without `{EXEMPT_TAG}`: the reason tag is missing",
            )
        return None, None
    if not reason.strip():
        return None, f"exemption tag `{EXEMPT_TAG}` is empty: its value must say why"
    until = user.details.tag(EXEMPT_UNTIL_TAG)
    if until is not None and _date_or_none(until.strip()) is None:
        return None, f"exemption tag `{EXEMPT_UNTIL_TAG}` = `{until}` is not YYYY-MM-DD"
    return Exemption("tag", reason.strip(), until.strip() if until else None), None


def config_exemptions(user: str, entries: Iterable[ConfigExemption]) -> list[Exemption]:
    """Every config entry whose glob matches, in file order (an expired one must not hide a
    later one that is still active)."""
    return [
        Exemption("config", entry.reason, entry.until.isoformat() if entry.until else None)
        for entry in entries
        if fnmatch.fnmatchcase(user, entry.user)
    ]


def match(
    user: LiveUser,
    declarations: tuple[Declaration, ...],
    *,
    config: tuple[ConfigExemption, ...],
    inline: dict[str, Exemption],
    today: date,
) -> ExemptionMatch:
    """The first active exemption in the order config, tag, inline; expired ones noted."""
    candidates: list[Exemption | None] = [*config_exemptions(user.name, config)]
    tagged, malformed = tag_exemption(user)
    candidates.append(tagged)
    candidates.extend(inline.get(d.address) for d in declarations)
    present = [e for e in candidates if e is not None]
    active = [e for e in present if not _expired(e, today)]
    return ExemptionMatch(
        applies=active[0] if active else None,
        expired=tuple(e for e in present if _expired(e, today)),
        malformed=() if malformed is None else (malformed,),
    )
