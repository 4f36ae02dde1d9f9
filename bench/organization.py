"""An organisation of 100 accounts x 500 users (1% unused), scanned with ``--organization``,
against one 50,000-user account scanned alone, in the same run on the same moto server.

moto serves Organizations, STS (AssumeRole into each account id) and IAM on loopback; users go
straight into its backends (HTTP seeding would dominate the run). Every scan runs in a fresh
child process through ``iam-prune scan``, so its time and peak memory (VmHWM) are the
scanner's own and not the emulator's; AWS calls are counted on the server's side. Then
``--shard 1/4`` ... ``4/4`` run one after another, and their ``merge`` is compared with the
unsharded report.

Goals (issue: organisations): the organisation in <= 3x the time of the single account, AWS
calls <= accounts x (10 + 8 x unused per account), peak RSS < 500 MB, the shards covering every
account exactly once and merging into the unsharded report (apart from timestamps and the
per-account call counts, which depend on the emulator's credential-report state).
"""

from __future__ import annotations

import json
import os
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench import children
from bench.inventory import seed_users, server_call_log
from iam_prune import demo

ACCOUNTS = int(os.environ.get("IAM_PRUNE_BENCH_ACCOUNTS", "100"))
USERS_PER_ACCOUNT = int(os.environ.get("IAM_PRUNE_BENCH_ORG_USERS", "500"))
UNUSED_EVERY = 100  # 1% unused
SHARDS = 4
ALONE_ACCOUNT = "999999999999"  # outside the organisation
ROLE = "iam-prune-audit"


def build_organisation(now: datetime) -> tuple[list[str], int]:
    """The management account and ACCOUNTS - 1 members spread over four OUs, two levels deep;
    returns the account ids and the unused users per account."""
    import boto3

    org: Any = boto3.client("organizations")
    org.create_organization(FeatureSet="ALL")
    root = org.list_roots()["Roots"][0]["Id"]
    top = [
        org.create_organizational_unit(ParentId=root, Name=name)["OrganizationalUnit"]["Id"]
        for name in ("prod", "staging")
    ]
    ous = [
        org.create_organizational_unit(ParentId=parent, Name=f"team-{n}")["OrganizationalUnit"][
            "Id"
        ]
        for n, parent in enumerate(top * 2)
    ]
    ids = [demo.ACCOUNT_ID]
    for n in range(ACCOUNTS - 1):
        status = org.create_account(Email=f"a{n}@example.com", AccountName=f"team-account-{n:03}")
        account = status["CreateAccountStatus"]["AccountId"]
        org.move_account(AccountId=account, SourceParentId=root, DestinationParentId=ous[n % 4])
        ids.append(account)
    unused = 0
    for account in ids:
        unused = seed_users(account, USERS_PER_ACCOUNT, now, unused_every=UNUSED_EVERY)
    return ids, unused


def scan_child(url: str, workdir: Path, out: str, *flags: str) -> dict[str, Any]:
    """``iam-prune scan`` in a fresh process; its wall time and peak RSS (``VmHWM``, not
    ``ru_maxrss``: Linux carries that over the exec from this large parent)."""
    argv = ["scan", "--terraform-dir", str(workdir / "infra"), "--json", out, "--fail-on", "never"]
    env = children.child_env(
        {"AWS_ENDPOINT_URL": url, "IAM_PRUNE_CACHE_DIR": str(workdir / "cache")}
    )
    done = children.run(children.scan_command([*argv, *flags]), env=env, cwd=workdir)
    if done.code != 0:
        raise SystemExit(f"scan {' '.join(flags)} failed:\n{done.stderr[-3000:]}")
    figures: dict[str, Any] = json.loads(done.stdout.splitlines()[-1])
    return figures


def _comparable(path: Path) -> dict[str, Any]:
    document: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    for key in ("generated_at", "sources"):
        document.pop(key, None)
    for account in document["accounts"]:
        account["inventory"].pop("api_calls")
    return document


def main() -> None:
    from iam_prune.formats import json as json_format
    from iam_prune.merge import combine
    from iam_prune.reportfile import load_report

    now = datetime.now(UTC)
    total = ACCOUNTS * USERS_PER_ACCOUNT
    print(
        f"organization: {ACCOUNTS} accounts x {USERS_PER_ACCOUNT} users, 1% unused, against one "
        f"{total}-user account alone (moto on loopback, HTTP; scans in child processes)"
    )
    with (
        tempfile.TemporaryDirectory() as tmp,
        demo.moto_server() as url,
        demo.aws_environment(url),
        server_call_log() as log,
    ):
        workdir = Path(tmp)
        (workdir / ".git").mkdir()
        (workdir / "infra").mkdir()
        (workdir / "infra" / "main.tf").write_text(
            'resource "aws_iam_user" "deployer" {\n  name = "user-00000"\n}\n', encoding="utf-8"
        )
        started = time.perf_counter()
        ids, unused = build_organisation(now)
        seed_users(ALONE_ACCOUNT, total, now, unused_every=UNUSED_EVERY)
        print(f"seeded {2 * total} users in {time.perf_counter() - started:.0f} s")

        log.clear()
        alone = scan_child(
            url, workdir, "alone.json", "--role-arn", f"arn:aws:iam::{ALONE_ACCOUNT}:role/{ROLE}"
        )
        alone["calls"] = len(log)
        log.clear()
        whole = scan_child(url, workdir, "org.json", "--organization", "--role-name", ROLE)
        whole["calls"] = len(log)
        shards = []
        for index in range(1, SHARDS + 1):
            log.clear()
            flags = ("--organization", "--role-name", ROLE, "--shard", f"{index}/{SHARDS}")
            figures = scan_child(url, workdir, f"shard-{index}.json", *flags)
            figures["calls"] = len(log)
            shards.append(figures)

        org_report = json.loads((workdir / "org.json").read_text(encoding="utf-8"))
        parts = [workdir / f"shard-{index}.json" for index in range(1, SHARDS + 1)]
        covered = sorted(
            account["account_id"]
            for part in parts
            for account in json.loads(part.read_text(encoding="utf-8"))["accounts"]
        )
        merged = combine([(str(p), load_report(p)) for p in parts])
        (workdir / "merged.json").write_text(json_format.render(merged), encoding="utf-8")
        same = _comparable(workdir / "merged.json") == _comparable(workdir / "org.json")

    scanned = len(org_report["accounts"])
    findings = sum(len(a["findings"]) for a in org_report["accounts"])
    goal_calls = ACCOUNTS * (10 + 8 * unused)
    print(f"{'scan':<28}{'seconds':>9}{'AWS calls':>11}{'peak RSS MB':>13}")
    print(
        f"{'one account alone':<28}{alone['seconds']:>9.1f}{alone['calls']:>11}"
        f"{alone['rss_mb']:>13.0f}"
    )
    print(
        f"{'--organization':<28}{whole['seconds']:>9.1f}{whole['calls']:>11}"
        f"{whole['rss_mb']:>13.0f}"
    )
    for index, figures in enumerate(shards, start=1):
        print(
            f"{f'--shard {index}/{SHARDS}':<28}{figures['seconds']:>9.1f}"
            f"{figures['calls']:>11}{figures['rss_mb']:>13.0f}"
        )
    ratio = whole["seconds"] / alone["seconds"]
    checks = {
        f"time {ratio:.2f}x one account (goal <= 3x)": ratio <= 3,
        f"{whole['calls']} calls (goal <= {goal_calls})": whole["calls"] <= goal_calls,
        f"peak RSS {whole['rss_mb']:.0f} MB (goal < 500)": whole["rss_mb"] < 500,
        f"{scanned} of {ACCOUNTS} accounts scanned, {findings} findings": scanned == ACCOUNTS,
        "shards cover every account exactly once": covered == sorted(ids),
        "merge of the shards equals the unsharded report": same,
    }
    for label, met in checks.items():
        print(f"  {'met   ' if met else 'MISSED'} {label}")


if __name__ == "__main__":
    main()
