"""Whether a live user is unused: pure decisions over typed facts, each with its evidence.

``never-used`` (always on) is the classic rule: no access keys at all and a console password
that was never used. ``inactive`` (opt-in) is the CIS-style one: nothing used in the last N days,
where a key that was never used counts as unused once it is older than N days. A user that
would be flagged but is younger than the grace period passes; one that would be flagged but
holds a credential whose use AWS does not report goes to a person instead.

Whether a flagged user is removed from code or deleted by hand is not decided here: that needs
the Terraform side (``reconcile.py``).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from iam_prune.model import LiveUser, Rule, Status

#: AWS began recording console sign-ins on this day; "never used" is unknowable before it.
PASSWORD_TRACKING_START = datetime(2014, 10, 20, tzinfo=UTC)
#: AWS lost the sign-in dates of these days (IAM user guide, credential report).
SIGN_IN_GAP = (datetime(2018, 5, 3, tzinfo=UTC), datetime(2018, 5, 23, tzinfo=UTC))


@dataclass(frozen=True)
class RuleSettings:
    inactive_days: int | None = None
    grace_days: int = 7


@dataclass(frozen=True)
class Judgement:
    """``rule`` is set when a rule flags the user; ``status`` is then ``None`` when the user is
    plainly unused (reconcile picks remove-from-code or delete-unmanaged), or ``GRACE`` /
    ``NEEDS_REVIEW`` when that finding is held back. Unflagged users are ``IN_USE``."""

    status: Status | None
    rule: Rule | None
    reason: str

    @property
    def unused(self) -> bool:
        return self.rule is not None and self.status is None


def _date(moment: datetime) -> str:
    return moment.date().isoformat()


def _days(n: int) -> str:
    return f"{n} day" if n == 1 else f"{n} days"


def _age_days(user: LiveUser, now: datetime) -> int:
    return (now - user.created).days


def never_used(user: LiveUser) -> bool:
    """No access keys at all, and no console password use ever recorded."""
    return not user.access_keys and user.password_last_used is None


def inactive(user: LiveUser, days: int, now: datetime) -> bool:
    """Nothing used in the last ``days`` days; a user younger than that is never inactive.

    A use exactly ``days`` days ago still counts as recent; a key never used counts as unused
    once it is ``days`` days old. A recent sign-in counts only while the password exists: a
    removed one keeps its last-used date, but nobody can sign in with it any more.
    """
    cutoff = now - timedelta(days=days)
    if user.created > cutoff:
        return False
    signed_in = user.password_last_used is not None and user.password_last_used >= cutoff
    if user.has_password and signed_in:
        return False
    for key in user.access_keys:
        if key.last_used is not None and key.last_used >= cutoff:
            return False
        if key.last_used is None and key.created is not None and key.created > cutoff:
            return False
    return True


def unreported_credentials(user: LiveUser) -> list[str]:
    """Credentials that could be in use although AWS reports no use of them."""
    found: list[str] = []
    details = user.details
    certificates = user.active_certificates
    if details is not None:
        if details.ssh_public_key_ids:
            found.append(_count(len(details.ssh_public_key_ids), "SSH public key"))
        if details.service_credential_ids:
            found.append(_count(len(details.service_credential_ids), "service-specific credential"))
        certificates = max(certificates, sum(1 for c in details.signing_certificates if c.active))
        found.extend(f"{kind} could not be read" for kind in details.unknown)
    else:
        found.append("SSH keys, service-specific credentials and tags were not read")
    if certificates:
        found.append(_count(certificates, "active signing certificate"))
    return found


def _count(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def evidence(user: LiveUser, now: datetime) -> str:
    """The facts behind any verdict, in the words a reviewer checks them in."""
    parts = [_keys_evidence(user, now), _password_evidence(user)]
    parts.append(f"created {_days(_age_days(user, now))} ago ({_date(user.created)})")
    return "; ".join(parts)


def _keys_evidence(user: LiveUser, now: datetime) -> str:
    if not user.access_keys:
        return "no access keys"
    described = []
    for key in user.access_keys:
        state = "active" if key.active else "inactive"
        if key.last_used is not None:
            described.append(f"{state} key last used {_date(key.last_used)}")
        elif key.created is not None:
            age = (now - key.created).days
            described.append(f"{state} key never used, created {_days(age)} ago")
        else:
            described.append(f"{state} key never used")
    return ", ".join(described)


def _password_evidence(user: LiveUser) -> str:
    if user.has_password:
        if user.password_last_used is None:
            note = ""
            if user.created < PASSWORD_TRACKING_START:
                note = " (AWS records sign-ins only since 2014-10-20)"
            elif (user.password_set or user.created) < SIGN_IN_GAP[1]:
                note = " (AWS has no sign-in dates for 2018-05-03 to 2018-05-23)"
            if user.password_set is not None:
                return f"console password set {_date(user.password_set)}, never used{note}"
            return f"console password never used{note}"
        return f"console password last used {_date(user.password_last_used)}"
    if user.password_last_used is not None:
        return (
            f"console password removed (last sign-in {_date(user.password_last_used)}, "
            "no sign-in possible now)"
        )
    return "no console password"


def judge(user: LiveUser, settings: RuleSettings, now: datetime) -> Judgement:
    """The rule that flags ``user`` (if any) and whether the finding is held back."""
    facts = evidence(user, now)
    rule: Rule | None = None
    if never_used(user):
        rule = Rule.NEVER_USED
    elif settings.inactive_days is not None and inactive(user, settings.inactive_days, now):
        rule = Rule.INACTIVE
        facts = f"nothing used in the last {_days(settings.inactive_days)}: {facts}"
    if rule is None:
        return Judgement(Status.IN_USE, None, facts)
    age = _age_days(user, now)
    if age < settings.grace_days:
        return Judgement(
            Status.GRACE,
            rule,
            f"{facts}; within the {settings.grace_days}-day grace period",
        )
    hidden = unreported_credentials(user)
    if hidden:
        return Judgement(
            Status.NEEDS_REVIEW,
            rule,
            f"{facts}; but holds {', '.join(hidden)}, whose use AWS does not report",
        )
    return Judgement(None, rule, facts)


def may_be_flagged(user: LiveUser, settings: RuleSettings, now: datetime) -> bool:
    """Whether the user is worth detail calls: a rule flags it on the report's facts alone."""
    return never_used(user) or (
        settings.inactive_days is not None and inactive(user, settings.inactive_days, now)
    )
