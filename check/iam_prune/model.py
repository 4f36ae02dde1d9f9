"""The domain: frozen facts about live users, Terraform declarations, findings and the report.

boto3 dicts and python-hcl2 trees are converted into these types at the edges (``aws/`` and
``terraform/``) and never travel further, so every pure step in between can be tested with
plain constructors and no server.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

from iam_prune.pickling import fields_once


class Status(StrEnum):
    """Exactly one per live user (and ``NOT_DEPLOYED`` for declared users that are not live)."""

    REMOVE_FROM_CODE = "remove-from-code"
    DELETE_UNMANAGED = "delete-unmanaged"
    NEEDS_REVIEW = "needs-review"
    EXEMPT = "exempt"
    GRACE = "grace"
    IN_USE = "in-use"
    NOT_DEPLOYED = "not-deployed"

    @property
    def is_failure(self) -> bool:
        """A finding someone has to act on: the check fails on these."""
        return self in (Status.REMOVE_FROM_CODE, Status.DELETE_UNMANAGED)

    @property
    def wants_a_person(self) -> bool:
        """A finding someone has to act on or look at: the Markdown lists it, and it keeps the
        tracking issue open and the pull request comment posted."""
        return self.is_failure or self is Status.NEEDS_REVIEW

    @property
    def is_skipped(self) -> bool:
        """Reported but neither failing nor passing (JUnit ``skipped``)."""
        return self in (Status.EXEMPT, Status.NEEDS_REVIEW)


class Rule(StrEnum):
    NEVER_USED = "never-used"
    INACTIVE = "inactive"


class ErrorSource(StrEnum):
    AWS = "aws"
    TERRAFORM = "terraform"
    STATE = "state"
    CONFIG = "config"
    GITHUB = "github"


# --------------------------------------------------------------------------- live account


@dataclass(frozen=True)
class AccessKey:
    """One access key as the credential report (or ListAccessKeys) describes it.

    ``created`` is the report's ``last_rotated``: for keys AWS means the creation time.
    ``key_id`` is only known when the key was listed through the API (the report has no ids).
    """

    active: bool
    created: datetime | None
    last_used: datetime | None
    last_used_service: str | None = None
    key_id: str | None = None


@dataclass(frozen=True)
class UserDetails:
    """Per-user facts the credential report lacks, fetched only for users a rule may flag.

    ``None`` in a tuple-valued field would be ambiguous, so a field that could not be read is
    listed in ``unknown`` instead (for example service-specific credentials where the API is
    not available); the rules treat an unknown credential kind as possibly present.
    """

    ssh_public_key_ids: tuple[str, ...] = ()
    service_credential_ids: tuple[str, ...] = ()
    signing_certificates: tuple[SigningCertificate, ...] = ()
    tags: tuple[tuple[str, str], ...] = ()
    access_key_ids: tuple[str, ...] = ()
    mfa_devices: tuple[str, ...] = ()
    inline_policies: tuple[str, ...] = ()
    attached_policy_arns: tuple[str, ...] = ()
    groups: tuple[str, ...] = ()
    unknown: tuple[str, ...] = ()

    def tag(self, key: str) -> str | None:
        for k, v in self.tags:
            if k == key:
                return v
        return None


@dataclass(frozen=True)
class SigningCertificate:
    certificate_id: str
    active: bool


@dataclass(frozen=True)
class LiveUser:
    """An IAM user as it exists in the account now.

    ``has_password`` says whether a login profile exists today. ``password_last_used`` is what
    AWS recorded and may predate a password that was removed since: it is kept so the reason can
    say so, but it is not a sign-in path when ``has_password`` is false.
    """

    name: str
    arn: str
    created: datetime
    has_password: bool
    password_last_used: datetime | None
    access_keys: tuple[AccessKey, ...] = ()
    active_certificates: int = 0
    mfa_active: bool = False
    details: UserDetails | None = None
    password_set: datetime | None = None  # when the current password was last set

    @property
    def last_activity(self) -> datetime | None:
        """The latest recorded password or key use, or ``None`` when there is none."""
        uses = [k.last_used for k in self.access_keys if k.last_used is not None]
        if self.password_last_used is not None:
            uses.append(self.password_last_used)
        return max(uses, default=None)


@dataclass(frozen=True)
class Inventory:
    """What one account's inventory produced, and how it was obtained."""

    account_id: str
    users: tuple[LiveUser, ...]
    source: str  # "credential-report" or "api"
    report_generated_at: datetime | None
    api_calls: int
    waited_seconds: float = 0.0
    problems: tuple[str, ...] = ()  # partial failures: each makes the report incomplete
    notes: tuple[str, ...] = ()  # how the inventory was obtained, for the terminal


# --------------------------------------------------------------------------- terraform


@fields_once
@dataclass(frozen=True, slots=True)
class SourceSpan:
    """A range of characters in one file: ``start``/``end`` are ``str`` indices into the text
    exactly as read (CRLF kept), lines are 1-based and inclusive."""

    file: str  # repository-relative, "/" separated
    start: int
    end: int
    line: int
    end_line: int


@dataclass(frozen=True)
class Declaration:
    """One resource instance that creates an IAM user.

    ``name`` is ``None`` when the name could not be evaluated; ``expression`` keeps the source
    text so a person (and the matcher) can still see what it may produce.
    """

    address: str  # the full instance address, module path and keys included
    name: str | None
    span: SourceSpan  # the resource block (or, for a registry module, the module call)
    expression: str
    via: str = "static"  # or "state"
    unresolved_reason: str | None = None
    module_dir: str = "."
    #: Where this instance's ``for_each`` key or ``count`` element is defined (an inline literal
    #: entry, a ``locals`` entry, a variable default entry, a ``.tfvars`` entry): what a removal
    #: of just this instance edits. ``None`` for a single-instance resource.
    key_span: SourceSpan | None = None
    #: The module call blocks that lead to this declaration, outermost first.
    module_calls: tuple[SourceSpan, ...] = ()

    @property
    def file(self) -> str:
        return self.span.file

    @property
    def line(self) -> int:
        return self.span.line


@dataclass(frozen=True)
class Reference:
    """A place in the code that refers to a user resource (or to a module that creates one).

    ``target`` is the referred address as written in the referring module
    (``aws_iam_user.bob``, ``module.team``); ``block`` names the referring block
    (``aws_iam_user_policy_attachment.bob``, ``output.bob_arn``, ``locals``); ``span`` is the
    smallest enclosing unit a removal could take: the list element when the reference is one
    element of a list, else the whole attribute.
    """

    target: str
    module_dir: str
    block: str
    block_span: SourceSpan
    attribute: str
    span: SourceSpan
    element: bool = False


@dataclass(frozen=True)
class ReportError:
    """A source that failed in part. Any of these makes the report incomplete."""

    source: ErrorSource
    message: str
    file: str | None = None
    line: int | None = None
    column: int | None = None
    account_id: str | None = None

    def where(self) -> str:
        if self.file is None:
            return ""
        if self.line is None:
            return self.file
        if self.column is None:
            return f"{self.file}:{self.line}"
        return f"{self.file}:{self.line}:{self.column}"


@dataclass(frozen=True)
class UserRead:
    """A ``data "aws_iam_user"`` that reads a user by name: deleting that user makes the
    next ``terraform plan`` of its root fail, so a deletion must remove it first."""

    name: str
    address: str  # data.aws_iam_user.legacy, with its module path
    span: SourceSpan


@dataclass(frozen=True)
class RemoteOutputRead:
    """``data.terraform_remote_state.<x>.outputs.<output>`` somewhere in the Terraform read:
    another root reads a root module's output through its state, which no reference in that
    root shows. ``output`` is ``None`` when the outputs are read whole (any of them)."""

    output: str | None
    file: str
    line: int


@dataclass(frozen=True)
class TerraformModel:
    """Every IAM-user declaration found, and what could not be read.

    ``unreadable_texts`` maps each file that failed to parse to its raw text: the reconciler
    uses it to avoid calling a user unmanaged whose name appears in a file it could not read.
    ``sources`` maps to its text every file of the directories a fix may edit: those holding a
    declaration, the module calls leading to it, or the definition of its for_each/count key;
    and every ``--var-file``, whose paths ``var_files`` lists in the order given (a fix
    evaluates the roots again after its edits, with the same inputs).
    """

    declarations: tuple[Declaration, ...]
    errors: tuple[ReportError, ...] = ()
    unreadable_texts: tuple[tuple[str, str], ...] = ()
    #: Files and folders that could not be read at all: they may declare any name.
    unread: tuple[str, ...] = ()
    sources: tuple[tuple[str, str], ...] = ()
    references: tuple[Reference, ...] = ()
    notes: tuple[Note, ...] = ()  # what was not read and why, when that does not change results
    var_files: tuple[str, ...] = ()
    #: Variable files (automatic or given) that could not be read: they may set any variable.
    unread_var_files: tuple[str, ...] = ()
    #: Every ``--var-file`` in the order given, read or not (repeats kept): their precedence.
    var_file_order: tuple[str, ...] = ()
    files_scanned: int = 0
    files_parsed: int = 0
    user_reads: tuple[UserRead, ...] = ()  # data sources reading a user by its name
    #: Outputs of some root read through ``terraform_remote_state``, in any file read.
    remote_output_reads: tuple[RemoteOutputRead, ...] = ()
    #: Calls of modules whose code is not read (registry, git, a folder that is not there, no
    #: literal source): they may create any user.
    opaque_modules: tuple[Note, ...] = ()
    #: The parses the load made (``terraform.syntax.ParsedFile``), by path, for whoever reads
    #: the same texts after it (the fixes, the redaction): a file is parsed once per run. Not
    #: part of what the model is, and typed loosely so that the model needs no parser.
    parsed: Mapping[str, object] = field(default_factory=dict, compare=False, repr=False)
    #: Whether the load could use the disk cache of parses (``--no-cache`` not given).
    parse_cache: bool = field(default=True, compare=False)

    def text_of(self, file: str) -> str | None:
        """The text of a parsed file, as read (the fixes edit it by character ranges)."""
        for name, text in self.sources:
            if name == file:
                return text
        return None


# --------------------------------------------------------------------------- results


@dataclass(frozen=True)
class Exemption:
    source: str | None  # "config", "tag" or "inline"; None in a report read back without it
    reason: str
    expires: str | None = None  # ISO date


@dataclass(frozen=True)
class FileEdit:
    """Replace ``text[start:end]`` of ``file`` with ``replacement``.

    An edit with no replacement names what goes by the range the parser gave it (a block, a
    list element, an object entry); how much text around it goes too (its comma, attached
    comments, a blank line) is decided when all the edits to a file are rendered together, so
    that the edits of several findings combine."""

    file: str
    start: int
    end: int
    replacement: str = ""


@dataclass(frozen=True)
class Remediation:
    patch: str | None = None
    edits: tuple[FileEdit, ...] = ()
    destroys: tuple[str, ...] = ()
    manual: tuple[str, ...] = ()
    commands: tuple[str, ...] = ()


@dataclass(frozen=True)
class Finding:
    user: str
    status: Status
    reason: str
    arn: str | None = None
    rule: Rule | None = None
    created: datetime | None = None
    last_activity: datetime | None = None
    declarations: tuple[Declaration, ...] = ()
    remediation: Remediation | None = None
    exemption: Exemption | None = None
    notes: tuple[str, ...] = ()  # caveats about this finding, shown with it

    def fingerprint(self, account_id: str) -> str:
        """Stable across runs for the same account, user and declaration.

        Code scanning de-duplicates alerts by it and the PR publisher recognises a suggestion
        it already made: neither may change when only a reason, a date or a line number
        does, so it hashes identities, not positions."""
        address = self.declarations[0].address if self.declarations else ""
        identity = "\0".join((account_id, self.user, address))
        return hashlib.sha256(identity.encode("utf-8")).hexdigest()[:32]


@dataclass(frozen=True)
class Note:
    """A caveat a reader must see although the results stand (a module that was not read).

    Unlike a :class:`ReportError` it does not make the report incomplete."""

    message: str
    file: str | None = None
    line: int | None = None
    account_id: str | None = None

    def where(self) -> str:
        if self.file is None:
            return ""
        return self.file if self.line is None else f"{self.file}:{self.line}"


@dataclass(frozen=True)
class RunInfo:
    """Where a report was made, when known (a CI run): every field may be unknown."""

    url: str | None = None
    repository: str | None = None
    sha: str | None = None
    event: str | None = None


@dataclass(frozen=True)
class AccountResult:
    account_id: str
    source: str
    report_generated_at: datetime | None
    users_seen: int
    api_calls: int | None  # None: not known (a report read back that did not say)
    findings: tuple[Finding, ...]
    notes: tuple[str, ...] = ()  # how the inventory was obtained (waits, fallbacks)
    name: str | None = None  # the account's name in AWS Organizations
    alias: str | None = None  # the IAM account alias
    ou_path: str | None = None  # e.g. r-ab12/ou-prod/ou-payments
    #: How long this account's scan took, wall clock (JUnit's suite ``time``); ``None`` when
    #: unknown, as in a report read back from JSON (the JSON does not carry it).
    seconds: float | None = None


@dataclass(frozen=True)
class RunSettings:
    """The rule settings a report was produced with (echoed into the JSON)."""

    inactive_days: int | None = None
    grace_days: int = 7
    terraform_dirs: tuple[str, ...] = ()


@dataclass(frozen=True)
class Report:
    tool_version: str
    generated_at: datetime
    #: ``None`` when the run failed before its settings were known (a bad configuration).
    settings: RunSettings | None
    accounts: tuple[AccountResult, ...]
    errors: tuple[ReportError, ...] = ()
    combined_patch: str = field(default="", compare=False)
    notes: tuple[Note, ...] = ()  # what was not read, when that does not change the results
    run: RunInfo | None = None
    sources: tuple[str, ...] = ()  # for a merged report: the reports it was made from

    @property
    def complete(self) -> bool:
        return not self.errors

    @property
    def findings(self) -> tuple[Finding, ...]:
        return tuple(f for a in self.accounts for f in a.findings)

    @property
    def failures(self) -> tuple[Finding, ...]:
        return tuple(f for f in self.findings if f.status.is_failure)

    @property
    def to_look_at(self) -> tuple[Finding, ...]:
        """The failures and the users to review: what a person is asked to see."""
        return tuple(f for f in self.findings if f.status.wants_a_person)
