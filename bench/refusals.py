"""How often a safe removal gets a patch: the golden corpus, user by user.

Every user of ``tests/data/fixes/*/users.json`` is one the corpus retires. Some of them have
no sound patch at all (``unsafe`` in ``users.json``, with why: a shared collection another
resource reads, ``prevent_destroy``, a list picked from by position), and refusing them is
the right answer. Every other user is safe to remove, and a manual note instead of a patch
is a refusal: correct, but work left to a person. The figure is the share of safe users that
get a patch, against the goal of 95%; the refusals are listed with the reason iam-prune gives,
and so are unsafe users that got a patch (there should be none).
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

CORPUS = Path(__file__).resolve().parents[1] / "tests" / "data" / "fixes"
GOAL = 0.95


@dataclass(frozen=True)
class Outcome:
    pattern: str
    user: str
    safe: bool
    patched: bool
    reason: str


def outcomes(corpus: Path = CORPUS) -> list[Outcome]:
    """Every corpus user retired the way the pipeline retires it, patterns taken whole."""
    from iam_prune.fixes import plan
    from iam_prune.model import AccountResult, Finding, Report, RunSettings, Status
    from iam_prune.terraform import load

    found = []
    for folder in sorted(p for p in corpus.iterdir() if (p / "users.json").is_file()):
        spec = json.loads((folder / "users.json").read_text(encoding="utf-8"))
        before = folder / "before"
        model = load(
            [before / d for d in spec.get("dirs", ["."])],
            before,
            var_files=[before / v for v in spec.get("var_files", [])],
            use_cache=False,
        )
        findings = []
        for user in spec["users"]:
            declarations = tuple(d for d in model.declarations if d.name == user)
            findings.append(
                Finding(
                    user,
                    Status.REMOVE_FROM_CODE,
                    "never used",
                    declarations=declarations,
                    remediation=plan.retire(declarations, model),
                )
            )
        account = AccountResult("123456789012", "bench", None, 0, 0, tuple(findings))
        report = Report("0", datetime.now(UTC), RunSettings(), (account,))
        unsafe = spec.get("unsafe", {})
        for finding in plan.finalize(report, model).findings:
            remediation = finding.remediation
            patched = remediation is not None and remediation.patch is not None
            manual = remediation.manual if remediation is not None else ()
            reason = unsafe.get(finding.user) or (manual[-1] if manual else "")
            safe = finding.user not in unsafe
            found.append(Outcome(folder.name, finding.user, safe, patched, reason))
    return found


def main() -> None:
    found = outcomes()
    safe = [o for o in found if o.safe]
    patched = [o for o in safe if o.patched]
    wrong = [o for o in found if not o.safe and o.patched]
    share = len(patched) / len(safe) if safe else 1.0
    print(
        f"refusals: {len(found)} users in {len({o.pattern for o in found})} golden patterns, "
        f"{len(safe)} safe to remove"
    )
    print(
        f"  patched: {len(patched)}/{len(safe)} = {share:.0%} of the safe users "
        f"(goal {GOAL:.0%}); unsafe users patched: {len(wrong)}"
    )
    for outcome in (o for o in safe if not o.patched):
        print(f"  refused {outcome.pattern} {outcome.user}: {_short(outcome.reason)}")
    for outcome in wrong:
        print(f"  PATCHED BUT UNSAFE {outcome.pattern} {outcome.user}: {outcome.reason}")


def _short(text: str, limit: int = 240) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


if __name__ == "__main__":
    main()
