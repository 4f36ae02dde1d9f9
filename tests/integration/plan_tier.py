"""The plan-verified tier: every golden pattern applied to moto, patched, and planned.

Starting the AWS provider costs seconds of CPU, and every Terraform command starts it two to
four times, so roots are not run one by one: the roots of many patterns are called as modules
of one batch root (``module "r7" { source = "../../roots/7" }``) and applied, patched and
planned together. A root becomes a module unchanged, with its ``.tfvars`` passed as the
call's arguments; a root that a module call cannot stand for (``import`` blocks, its own
``provider`` or ``backend``, a variable set twice, a path read from where Terraform runs)
runs on its own. When an apply fails, the roots its error names fail with it and the rest of
the batch is applied again in a later round, so one broken pattern never hides another.

Two roots that create something under the same name (a user, a group, a bucket) go to
different batches. Each round applies at most two batches, each in its own emulated account
(moto keys state by the access key, and ``AssumeRole`` into an account id hands out keys for
it); the server is reset between rounds, because bucket names are global across accounts.
The plan after the patch runs with ``-refresh=false``: it compares the patched code with the
state the apply left, which is exactly the question (what does the patch destroy?), and it
needs nothing from the emulator any more, so it overlaps the next round's applies.
"""

from __future__ import annotations

import json
import re
import subprocess
import urllib.request
from collections.abc import Callable, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path

import boto3
from terraform_plan import PROVIDER_FILE, Terraform, diagnostics, planned_changes, provider_block

WORKERS = 2
"""Terraform commands at once: the machines this runs on have two cores."""

_ANY_SOURCE = re.compile(r'\bsource"?\s*[=:]\s*"([^"]*)"')
_NAMED = re.compile(r'\b(?:name|user_name|group|bucket|username)"?\s*[=:]\s*"([^"$%]+)"')
_NAMES_LIST = re.compile(r'\b(?:groups|users)"?\s*[=:]\s*\[([^\]]*)\]')
_BUCKET = re.compile(r'\bbucket"?\s*[=:]\s*"([^"]+)"')
_IMPORT = re.compile(r'^\s*import\s*\{|"import"\s*:', re.MULTILINE)
_OWN_SETUP = re.compile(r'^\s*(?:provider\s+"|backend\s+")|"(?:provider|backend)"\s*:', re.M)
_VARIABLE = re.compile(r'^\s*variable\s+"([^"]+)"', re.MULTILINE)
_IMPORTED_USER = re.compile(r'\bimport\s*\{\s*to\s*=\s*aws_iam_user\.[\w-]+\s+id\s*=\s*"([^"]+)"')
#: ``import { for_each = toset(["a", "b"]) to = aws_iam_user.u[each.key] id = each.key }``.
_IMPORTED_USERS = re.compile(
    r"\bimport\s*\{\s*for_each\s*=\s*toset\(\[([^\]]*)\]\)\s*to\s*=\s*aws_iam_user\.[\w-]+"
    r"\[each\.(?:key|value)\]\s*id\s*=\s*each\.(?:key|value)\b"
)
_WHERE_TERRAFORM_RUNS = re.compile(r"\b(?:file|templatefile|fileexists)\(|\bpath\.(?:root|cwd)\b")
_ASSIGNED = re.compile(r"^([A-Za-z_][\w-]*)\s*=", re.MULTILINE)


@dataclass(frozen=True)
class Root:
    """One root module of a pattern, as copied for the tier."""

    pattern: str
    directory: str
    copy: Path
    """The copy of the whole pattern tree this root is applied and patched in."""
    var_files: tuple[str, ...]
    names: frozenset[str]
    """What it creates under a name that an account holds once (an over-estimate)."""
    buckets: frozenset[str]
    """Bucket names it may create, which are global across accounts."""

    @property
    def path(self) -> Path:
        return self.copy / self.directory


@dataclass
class Batch:
    """Roots applied and planned by one Terraform root, in one emulated account."""

    key: str
    account: str
    roots: list[Root] = field(default_factory=list)
    standalone: bool = False

    @property
    def directory(self) -> Path:
        return self.roots[0].path if self.standalone else self.roots[0].copy.parents[1] / self.key

    def module(self, root: Root) -> str:
        return f"r{self.roots.index(root)}"


@dataclass(frozen=True)
class RootResult:
    """What Terraform said about one root: the plan after the patch, or why there is none."""

    deletes: frozenset[str] = frozenset()
    creates: frozenset[str] = frozenset()
    updates: frozenset[str] = frozenset()
    error: str | None = None


def offline_reason(before: Path) -> str | None:
    """Why a pattern cannot be applied on a machine without a registry, if it cannot."""
    for path in sorted(before.rglob("*")):
        if not path.is_file() or not path.name.endswith((".tf", ".tf.json")):
            continue
        text = path.read_text(encoding="utf-8")
        for source in _ANY_SOURCE.findall(text):
            if not source.startswith(("./", "../")):
                return f"module source {source!r} cannot be installed offline"
        if "keybase:" in text:
            return "a keybase PGP key cannot be fetched offline"
    return None


def pattern_names(before: Path, declared: Sequence[str]) -> frozenset[str]:
    """Names the pattern's resources may hold: its users as iam-prune evaluated them, and
    every literal name, group or bucket written in its files."""
    names = set(declared)
    for path in before.rglob("*"):
        if path.is_file() and path.name.endswith((".tf", ".tf.json", ".tfvars", ".tfvars.json")):
            text = path.read_text(encoding="utf-8")
            names.update(_NAMED.findall(text))
            for listed in _NAMES_LIST.findall(text):
                names.update(re.findall(r'"([^"$%]+)"', listed))
    return frozenset(names)


def pattern_buckets(before: Path) -> frozenset[str]:
    """Bucket names written in the pattern, templates included as written."""
    names: set[str] = set()
    for path in before.rglob("*"):
        if path.is_file() and path.name.endswith((".tf", ".tf.json")):
            names.update(_BUCKET.findall(path.read_text(encoding="utf-8")))
    return frozenset(names)


def tfvars_sources(root: Root) -> list[Path]:
    """The variable files Terraform reads for this root, lowest precedence first."""
    auto = sorted(
        p for p in root.path.iterdir() if p.name.endswith((".auto.tfvars", ".auto.tfvars.json"))
    )
    found = [root.path / n for n in ("terraform.tfvars", "terraform.tfvars.json")]
    given = [root.copy / v for v in root.var_files]
    return [p for p in found if p.is_file()] + auto + given


def declared_variables(root: Root) -> frozenset[str]:
    names: set[str] = set()
    for path in root.path.iterdir():
        if path.is_file() and path.name.endswith(".tf"):
            names.update(_VARIABLE.findall(path.read_text(encoding="utf-8")))
        elif path.is_file() and path.name.endswith(".tf.json"):
            names.update(json.loads(path.read_text(encoding="utf-8")).get("variable", {}))
    return frozenset(names)


def _assignments(text: str) -> list[tuple[str, str]]:
    """The top-level ``name = value`` assignments of a ``.tfvars`` file, each with its text
    (a value runs until the next line that starts an assignment)."""
    starts = list(_ASSIGNED.finditer(text))
    ends = [m.start() for m in starts[1:]] + [len(text)]
    pairs = zip(starts, ends, strict=True)
    return [(m.group(1), text[m.start() : end].rstrip()) for m, end in pairs]


def module_arguments(root: Root) -> str | None:
    """The call arguments standing for the root's variable files, or ``None`` when a module
    call cannot say the same (a variable set in two of them). Values for variables the root
    does not declare are left out: a root only warns about them, a module call would fail."""
    declared = declared_variables(root)
    arguments: dict[str, str] = {}
    for source in tfvars_sources(root):
        text = source.read_text(encoding="utf-8")
        if source.name.endswith(".json"):
            assigned = [(k, f"{k} = {json.dumps(v)}") for k, v in json.loads(text).items()]
        else:
            assigned = _assignments(text)
        for name, argument in assigned:
            if name in arguments:
                return None
            if name in declared:
                arguments[name] = argument
    return "\n".join(arguments.values())


def standalone(root: Root) -> bool:
    """Whether the root must run as a root: a module call cannot hold what it declares
    (``import``, its own provider or backend), or would mean something else: a relative
    path in ``file()`` or ``path.root``/``path.cwd`` is read from where Terraform runs."""
    for path in root.path.iterdir():
        if path.is_file() and path.name.endswith((".tf", ".tf.json")):
            text = path.read_text(encoding="utf-8")
            if _IMPORT.search(text) or _OWN_SETUP.search(text):
                return True
    configs = (p for p in root.copy.rglob("*") if p.name.endswith((".tf", ".tf.json")))
    if any(_WHERE_TERRAFORM_RUNS.search(p.read_text(encoding="utf-8")) for p in configs):
        return True
    return module_arguments(root) is None


ACCOUNTS = ("210000000001", "210000000002")
"""The emulated accounts of a round: one per batch applied at the same time."""


def batches(roots: Sequence[Root], work: Path) -> list[list[Batch]]:
    """Rounds of at most two batches, as few batches as a greedy colouring finds: roots
    sharing a name never share a batch (the most entangled roots are placed first), and a
    bucket name, global across accounts, is never in both batches of a round."""
    groups: list[list[Root]] = []
    alone: list[list[Root]] = []
    ordered = sorted(roots, key=lambda r: -sum(bool(r.names & o.names) for o in roots))
    for root in ordered:
        if standalone(root):
            alone.append([root])
            continue
        group = next((g for g in groups if not any(o.names & root.names for o in g)), None)
        if group is None:
            groups.append([root])
        else:
            group.append(root)
    rounds: list[list[list[Root]]] = []
    for group in [*groups, *alone]:
        buckets = frozenset().union(*(r.buckets for r in group))
        round_ = next(
            (
                r
                for r in rounds
                if len(r) < len(ACCOUNTS) and not any(buckets & o.buckets for g in r for o in g)
            ),
            None,
        )
        if round_ is None:
            rounds.append([group])
        else:
            round_.append(group)
    laid_out = [
        [
            Batch(f"batch-{n}-{slot}", ACCOUNTS[slot], group, standalone(group[0]))
            for slot, group in enumerate(round_)
        ]
        for n, round_ in enumerate(rounds)
    ]
    for batch in (b for round_ in laid_out for b in round_ if not b.standalone):
        write_batch_root(batch, work)
    return laid_out


def write_batch_root(batch: Batch, work: Path) -> None:
    directory = work / batch.key
    directory.mkdir(parents=True, exist_ok=True)
    calls = []
    for root in batch.roots:
        source = Path("..") / root.path.relative_to(work)
        arguments = module_arguments(root) or ""
        calls.append(
            f'module "{batch.module(root)}" {{\n  source = {json.dumps(source.as_posix())}\n'
            f"{arguments}\n}}\n"
        )
    (directory / "main.tf").write_text("\n".join(calls), encoding="utf-8")


def imported_users(root: Root) -> list[str]:
    """Users the root's ``import`` blocks adopt: they exist before the code is applied."""
    names: list[str] = []
    for path in sorted(root.path.iterdir()):
        if path.is_file() and path.name.endswith(".tf"):
            text = path.read_text(encoding="utf-8")
            names += _IMPORTED_USER.findall(text)
            for listed in _IMPORTED_USERS.findall(text):
                names += re.findall(r'"([^"]+)"', listed)
        elif path.is_file() and path.name.endswith(".tf.json"):
            blocks = json.loads(path.read_text(encoding="utf-8")).get("import", [])
            names += [b["id"] for b in blocks if b["to"].startswith("aws_iam_user.")]
    return names


def reset(url: str) -> None:
    request = urllib.request.Request(f"{url}/moto-api/reset", method="POST")
    with urllib.request.urlopen(request, timeout=30):
        pass


def credentials(url: str, account: str) -> dict[str, str]:
    """Keys that moto attributes to ``account``."""
    sts = boto3.client(
        "sts",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id="testing",
        aws_secret_access_key="testing",
    )
    keys = sts.assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/plan-tier", RoleSessionName="plan-tier"
    )["Credentials"]
    return {
        "AWS_ACCESS_KEY_ID": keys["AccessKeyId"],
        "AWS_SECRET_ACCESS_KEY": keys["SecretAccessKey"],
        "AWS_SESSION_TOKEN": keys["SessionToken"],
    }


def seed_imports(batch: Batch, url: str, keys: Mapping[str, str]) -> None:
    iam = boto3.client(
        "iam",
        endpoint_url=url,
        region_name="us-east-1",
        aws_access_key_id=keys["AWS_ACCESS_KEY_ID"],
        aws_secret_access_key=keys["AWS_SECRET_ACCESS_KEY"],
        aws_session_token=keys["AWS_SESSION_TOKEN"],
    )
    for root in batch.roots:
        for name in imported_users(root):
            iam.create_user(UserName=name)


def _failed(step: str, done: subprocess.CompletedProcess[str]) -> str:
    errors = diagnostics(done.stdout) if "-json" in done.args else []
    text = "\n".join(errors) or done.stderr.strip() or done.stdout.strip()
    return f"terraform {step} failed:\n{text[-3000:]}"


def _var_file_flags(batch: Batch) -> list[str]:
    if not batch.standalone:
        return []
    root = batch.roots[0]
    return [f"-var-file={(root.copy / v).resolve()}" for v in root.var_files]


def apply_batch(
    terraform: Terraform, batch: Batch, url: str, keys: Mapping[str, str]
) -> str | None:
    """``init`` and ``apply`` the original code; the error, if any."""
    (batch.directory / PROVIDER_FILE).write_text(provider_block(url), encoding="utf-8")
    init = terraform.run(batch.directory, ["init", "-no-color", "-input=false"], keys)
    if init.returncode:
        return _failed("init", init)
    seed_imports(batch, url, keys)
    command = ["apply", "-no-color", "-input=false", "-auto-approve", *_var_file_flags(batch)]
    apply = terraform.run(batch.directory, command, keys)
    if apply.returncode:
        # A dependency Terraform cannot see (``user = "alice"`` rather than a reference) can
        # be created after what needs it; a second apply finishes it, as it would for a person.
        apply = terraform.run(batch.directory, command, keys)
    return _failed("apply", apply) if apply.returncode else None


def plan_batch(
    terraform: Terraform, batch: Batch, keys: Mapping[str, str]
) -> dict[Root, RootResult]:
    """``plan`` the patched code, split by root. A plan validates the configuration first
    (the same checks as ``terraform validate``) and fails on what validate would reject."""
    plan = terraform.run(
        batch.directory,
        ["plan", "-json", "-input=false", "-lock=false", "-refresh=false", *_var_file_flags(batch)],
        keys,
    )
    if plan.returncode:
        error = _failed("plan", plan)
        return {root: RootResult(error=error) for root in batch.roots}
    changes = planned_changes(plan.stdout)
    if batch.standalone:
        return {batch.roots[0]: RootResult(changes.deletes, changes.creates, changes.updates)}

    def within(addresses: frozenset[str], prefix: str) -> frozenset[str]:
        return frozenset(a[len(prefix) :] for a in addresses if a.startswith(prefix))

    results = {}
    for root in batch.roots:
        prefix = f"module.{batch.module(root)}."
        results[root] = RootResult(
            within(changes.deletes, prefix),
            within(changes.creates, prefix),
            within(changes.updates, prefix),
        )
    return results


def warm_up(terraform: Terraform, directory: Path, url: str) -> None:
    """One ``init`` alone fills the plugin cache: concurrent first installs into it race."""
    directory.mkdir(parents=True)
    (directory / PROVIDER_FILE).write_text(provider_block(url), encoding="utf-8")
    done = terraform.run(directory, ["init", "-no-color", "-input=false"], {})
    assert done.returncode == 0, _failed("init", done)


def culprits(batch: Batch, error: str) -> list[Root]:
    """The roots a failed apply names (``module.r3...``); all of them when it names none."""
    named = [r for r in batch.roots if f"module.{batch.module(r)}." in error]
    return named or list(batch.roots)


def run_tier(
    terraform: Terraform,
    url: str,
    roots: Sequence[Root],
    work: Path,
    patch_root: Callable[[Root], None],
) -> dict[Root, RootResult]:
    """Apply every root's original code, patch it with ``patch_root``, plan it.

    When an apply fails, the roots its error names fail with it; the others of the batch
    are applied again, in a batch of their own, in a later round."""
    results: dict[Root, RootResult] = {}
    plans: list[Future[dict[Root, RootResult]]] = []
    rounds = batches(roots, work)
    warm_up(terraform, work / "warm-up", url)
    with ThreadPoolExecutor(WORKERS) as pool:
        while rounds:
            round_ = rounds.pop(0)
            reset(url)
            keys = {batch.key: credentials(url, batch.account) for batch in round_}
            applied = {
                batch.key: pool.submit(apply_batch, terraform, batch, url, keys[batch.key])
                for batch in round_
            }
            for batch in round_:
                error = applied[batch.key].result()
                if error is not None:
                    failed = culprits(batch, error)
                    results.update({root: RootResult(error=error) for root in failed})
                    rest = [r for r in batch.roots if r not in failed]
                    if rest:
                        retry = Batch(f"{batch.key}-retry", ACCOUNTS[0], rest)
                        write_batch_root(retry, work)
                        rounds.append([retry])
                    continue
                for root in batch.roots:
                    patch_root(root)
                if not batch.standalone:
                    write_batch_root(batch, work)  # the patch may edit the roots' .tfvars
                plans.append(pool.submit(plan_batch, terraform, batch, keys[batch.key]))
        for planned in plans:
            results.update(planned.result())
    return results
