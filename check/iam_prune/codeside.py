"""What the accounts of a run share with its code side.

The Terraform is read once, in a thread of its own, while the accounts are read (reading AWS
is mostly waiting: for the credential report, for each call); an account asks for the code
when it needs it, and waits for it then. The planner is made ready as soon as an account may
have a user to remove from the code (``Demand``), and an account's removals are planned while
its candidates' details are read (``Ahead``).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime

from iam_prune import exemptions, heap, terraform
from iam_prune.config import Settings
from iam_prune.fixes import plan
from iam_prune.model import (
    ErrorSource,
    Exemption,
    LiveUser,
    ReportError,
    TerraformModel,
)
from iam_prune.reconcile import CodeIndex
from iam_prune.remediation import record_planning
from iam_prune.rules import RuleSettings
from iam_prune.terraform import TerraformError
from iam_prune.terraform.state import StateIndex


@dataclass(frozen=True)
class Code:
    """The code side of a run: the Terraform model, its index of declared names, the inline
    exemptions, and the errors reading it found."""

    model: TerraformModel
    index: CodeIndex
    inline: dict[str, Exemption]
    errors: tuple[ReportError, ...]


@dataclass(frozen=True)
class Demand:
    """Whether the findings will need planning, known before any account is done: an account
    says so when a user its rules may flag is one the code may declare (a removal may follow),
    and the run says it is settled when every account is read. Planning ahead waits for it, so
    that a run with nothing to remove does not index every text of the code for nothing."""

    wanted: threading.Event = field(default_factory=threading.Event)
    settled: threading.Event = field(default_factory=threading.Event)

    def want(self) -> None:
        self.wanted.set()
        self.settled.set()

    def settle(self) -> None:
        self.settled.set()


@dataclass(frozen=True)
class Context:
    """What every account's scan shares: the code side and the rule settings.

    The code side is read while the accounts are (reading AWS is mostly waiting: for the
    credential report, for each call); an account asks for it when it needs it, and waits
    for it then."""

    code: Future[Code]
    #: Done when the planning is ready to start (see ``ready``), once ``demand`` wants it.
    planning: Future[None]
    demand: Demand
    #: Where removals are planned ahead (``Ahead``): one thread, as the planner is used by
    #: one thread at a time.
    ahead: ThreadPoolExecutor
    rules: RuleSettings
    now: datetime
    progress: Callable[[str], None]

    @property
    def model(self) -> TerraformModel:
        return self.code.result().model

    @property
    def index(self) -> CodeIndex:
        return self.code.result().index

    @property
    def inline(self) -> dict[str, Exemption]:
        return self.code.result().inline


@dataclass
class Ahead:
    """One account's removals, planned while the details of its candidates are read.

    Which users a rule may flag is known from the credential report; whether they are unused
    waits for three detail calls each, which are mostly waiting on AWS, while planning a
    removal is work on this side only. So the removals of the candidates the code declares
    are planned in that time, in the order the findings will be. Only an optimisation: each
    user is planned once per run (``fixes.plan.retire``), a user this did not reach is planned
    when its finding is, and a planning that fails here is done again there, where its failure
    is handled as always."""

    context: Context
    stopped: threading.Event = field(default_factory=threading.Event)

    def start(self, account: str, candidates: Sequence[LiveUser]) -> None:
        names = sorted(user.name for user in candidates)
        self.context.ahead.submit(self._plan, account, names)

    def stop(self) -> None:
        """The findings are known: what is not planned yet is planned with them."""
        self.stopped.set()

    def _plan(self, account: str, names: list[str]) -> None:
        context = self.context
        try:
            index = context.index  # waits for the Terraform
            declared = [(name, decls) for name in names if (decls := index.declarations(name))]
            if not declared or self.stopped.is_set():
                return
            context.demand.want()
            context.planning.result()
            if self.stopped.is_set():
                return
            model = context.model
            widened_before = plan.widened(model)
            started = time.perf_counter()
            if plan.prepare([decls for _, decls in declared], model):
                record_planning("", time.perf_counter() - started, phase="evaluate")
            for _, decls in declared:
                if self.stopped.is_set():
                    break
                plan.retire(decls, model)
        except Exception:  # planned again with its finding, and handled there
            return
        widened = plan.widened(model)
        if widened is not None and widened != widened_before:
            context.progress(f"{account}: planning evaluates every file now: {widened}")


def read_code(
    settings: Settings, state: StateIndex | None, progress: Callable[[str], None]
) -> Code:
    """Read the Terraform (its failure is an error of the report, and an index that knows
    nothing)."""
    errors: list[ReportError] = []
    try:
        model = terraform.load(
            settings.terraform_dirs,
            settings.root,
            var_files=settings.var_files,
            state=state,
            use_cache=settings.use_cache,
        )
    except TerraformError as error:
        model = TerraformModel(declarations=())
        errors.append(ReportError(ErrorSource.TERRAFORM, str(error)))
        index = CodeIndex.unknown(str(error))
    else:
        index = CodeIndex.build(model)
    heap.keep()  # the model lives as long as the run
    errors.extend(model.errors)
    progress(f"parsed {model.files_parsed:,} of {model.files_scanned:,} Terraform files")
    inline, inline_problems = exemptions.inline_exemptions(model)
    errors.extend(inline_problems)
    return Code(model, index, inline, tuple(errors))


def ready(code: Future[Code], demand: Demand) -> None:
    """What any finding's planning needs, done while the accounts are still being read, once
    one of them may have a user to remove from the code."""
    demand.settled.wait()
    if not demand.wanted.is_set():
        return
    model = code.result().model
    if model.declarations:
        plan.ready(model)
