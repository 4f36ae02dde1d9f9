"""Terraform state: which instance address holds which IAM user name, exactly.

Static evaluation cannot know every name (``name = "pet-${random_pet.x.id}"``), and it can
only guess how many instances a ``for_each`` over a remote value makes. The state knows both:
Terraform wrote down every instance it manages and the attributes it got back from AWS. This
module reads the two shapes Terraform hands out, a state file (format version 4:
``terraform.tfstate``, ``terraform state pull``) and ``terraform show -json`` output, from a
local file or from the S3 backend, and indexes the ``aws_iam_user`` instances by their
configuration address (the address with every instance key removed), which is what a
declaration in the code corresponds to.

Addresses are written exactly as Terraform writes them, so they compare equal to what
``terraform state list`` prints and to the addresses the static evaluator builds with
:func:`format_key`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from iam_prune.terraform import TerraformError
from iam_prune.terraform.addresses import instance_key
from iam_prune.terraform.moduleconfig import USER_RESOURCE

#: The state file format this module reads; Terraform 0.12 and later write it.
STATE_VERSION = 4
#: The major version of ``terraform show -json``'s format; minor versions only add fields.
SHOW_JSON_MAJOR = "1"

_NAME = r"[A-Za-z_][A-Za-z0-9_-]*"
# An instance key as Terraform prints it: a decimal index or an HCL quoted string.
_KEY = r'\[(?:[0-9]+|"(?:[^"\\]|\\.)*")\]'
_MODULE_STEP = re.compile(rf"module\.(?P<name>{_NAME})(?:{_KEY})?")
_RESOURCE = re.compile(rf"(?P<data>data\.)?(?P<type>{_NAME})\.(?P<name>{_NAME})(?:{_KEY})?")


class StateError(TerraformError):
    """A state that cannot be read or is not in a format this module knows.

    ``source`` is the path or ``s3://`` URL as the user gave it, so the message can say which
    of several inputs was wrong.
    """

    def __init__(
        self, source: str, message: str, line: int | None = None, column: int | None = None
    ) -> None:
        super().__init__(f"Terraform state {source}: {message}")
        self.source = source
        self.message = message
        self.line = line  # where in the text, when it is not JSON
        self.column = column

    def __reduce__(self) -> tuple[Any, ...]:
        # The default would call StateError(full_text) on unpickling, which has the wrong arity.
        return (type(self), (self.source, self.message, self.line, self.column))


@dataclass(frozen=True)
class StateInstance:
    """One ``aws_iam_user`` instance: its full address and the user name Terraform recorded."""

    address: str  # e.g. module.team["x"].aws_iam_user.this
    name: str


@dataclass(frozen=True)
class StateIndex:
    """The managed ``aws_iam_user`` instances of one state, in the order the state lists them."""

    source: str
    entries: tuple[tuple[str, StateInstance], ...] = ()  # (configuration address, instance)
    _by_config: Mapping[str, tuple[StateInstance, ...]] = field(
        init=False, repr=False, compare=False
    )

    def __post_init__(self) -> None:
        grouped: dict[str, list[StateInstance]] = {}
        for config, instance in self.entries:
            grouped.setdefault(config, []).append(instance)
        by_config = {config: tuple(instances) for config, instances in grouped.items()}
        object.__setattr__(self, "_by_config", by_config)

    def instances(self, config_address: str) -> tuple[StateInstance, ...]:
        """The instances of the resource at ``config_address`` (no instance keys:
        ``module.team.aws_iam_user.this``); empty when the state has none."""
        return self._by_config.get(config_address, ())

    def all(self) -> tuple[StateInstance, ...]:
        """Every user instance in the state."""
        return tuple(instance for _, instance in self.entries)

    def find(self, address: str) -> StateInstance | None:
        """The instance at the full instance ``address``, or ``None`` when the state lacks it."""
        try:
            config = config_address(address)
        except ValueError:
            return None
        for instance in self.instances(config):
            if instance.address == address:
                return instance
        return None


def format_key(key: int | str) -> str:
    """An instance key the way Terraform prints it in an address: ``[1]`` or ``["eli"]``.

    String keys use HCL's quoting (Terraform's ``toHCLQuotedString``), which differs from JSON
    for template introducers (``${`` is written ``$${``) and for characters that are not
    printable (``\\u``/``\\U`` escapes); using ``json.dumps`` would make such addresses differ
    from the ones in ``terraform state list`` and in the state itself. The quoting itself is
    ``addresses.instance_key``'s, shared with the static evaluation.
    """
    if isinstance(key, bool):  # bool is an int subclass; Terraform has no boolean keys
        raise TypeError(f"not an instance key: {key!r}")
    return instance_key(key)


def config_address(address: str) -> str:
    """``address`` with every instance key removed, the address of the block in the code.

    ``module.a["k"].module.b[0].aws_iam_user.c["x"]`` becomes
    ``module.a.module.b.aws_iam_user.c``. Raises ``ValueError`` for text that is not a
    resource address.
    """
    modules, resource = _split_address(address)
    return ".".join([*(f"module.{name}" for name in modules), resource])


def parse_state(text: str, source: str) -> StateIndex:
    """Index the managed ``aws_iam_user`` instances of a state given as JSON text.

    ``source`` names the input in error messages. Accepts state format version 4 and
    ``terraform show -json`` output (of a state, or of a plan, whose ``prior_state`` is the
    state the plan started from). Anything else raises :class:`StateError` saying what was
    found, since guessing at another layout could silently miss users.
    """
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise StateError(
            source,
            f"not JSON ({error.msg} at line {error.lineno} column {error.colno})",
            error.lineno,
            error.colno,
        ) from error
    if not isinstance(document, dict):
        raise StateError(source, f"expected a JSON object, found {_json_kind(document)}")
    if "version" in document:
        entries = _from_state_file(document, source)
    elif "format_version" in document:
        entries = _from_show_json(document, source)
    else:
        keys = ", ".join(sorted(document)[:8]) or "none"
        raise StateError(
            source,
            "neither a state file (no `version`) nor `terraform show -json` output "
            f"(no `format_version`); top-level keys: {keys}",
        )
    return StateIndex(source, tuple(_unique(entries)))


def load_state(source: str, *, s3_client: Callable[[], Any] | None = None) -> StateIndex:
    """Read and index a state from a local path or from ``s3://bucket/key``.

    S3 is read with a single GetObject through ``s3_client()``, a factory so that no client
    (and no AWS configuration) is needed unless the state really lives in S3; the caller
    passes a client of its read-only session.
    """
    if source.startswith("s3://"):
        return parse_state(_read_s3(source, s3_client), source)
    return parse_state(_read_file(source), source)


# --------------------------------------------------------------------------- the two formats


def _from_state_file(document: dict[str, Any], source: str) -> Iterator[tuple[str, StateInstance]]:
    version = document["version"]
    if version != STATE_VERSION:
        raise StateError(
            source,
            f"state format version {version!r} is not supported; iam-prune reads version "
            f"{STATE_VERSION} (Terraform 0.12 and later: `terraform state pull` writes it)",
        )
    for resource in _list(document.get("resources"), "resources", source):
        if not _is_user(resource):
            continue
        module = _module_of(resource, source)
        name = resource.get("name")
        if not isinstance(name, str):
            raise StateError(source, f"an {USER_RESOURCE} resource without a name: {resource!r}")
        prefix = f"{module}." if module else ""
        base = f"{prefix}{USER_RESOURCE}.{name}"
        config = _config_or_error(base, source)
        for instance in _list(resource.get("instances"), f"instances of {base}", source):
            address = base + _instance_key(instance.get("index_key"), base, source)
            user = _user_name(instance.get("attributes"), address, source)
            if user is not None:
                yield config, StateInstance(address, user)


def _from_show_json(document: dict[str, Any], source: str) -> Iterator[tuple[str, StateInstance]]:
    version = document["format_version"]
    if not isinstance(version, str) or version.split(".")[0] != SHOW_JSON_MAJOR:
        raise StateError(
            source,
            f"`terraform show -json` format_version {version!r} is not supported; iam-prune "
            f"reads {SHOW_JSON_MAJOR}.x",
        )
    values = document.get("values")
    if values is None and isinstance(document.get("prior_state"), dict):
        values = document["prior_state"].get("values")  # the output of `show -json PLANFILE`
    if values is None:
        return  # Terraform omits `values` altogether when the state is empty
    if not isinstance(values, dict):
        raise StateError(source, f"`values` is {_json_kind(values)}, expected an object")
    root = values.get("root_module")
    if root is not None:
        yield from _module_resources(root, source)


def _module_resources(module: Any, source: str) -> Iterator[tuple[str, StateInstance]]:
    if not isinstance(module, dict):
        raise StateError(source, f"a module in `values` is {_json_kind(module)}")
    for resource in _list(module.get("resources"), "resources", source):
        if not _is_user(resource):
            continue
        address = resource.get("address")
        if not isinstance(address, str):
            raise StateError(source, f"an {USER_RESOURCE} resource without an address")
        user = _user_name(resource.get("values"), address, source)
        if user is not None:
            yield _config_or_error(address, source), StateInstance(address, user)
    for child in _list(module.get("child_modules"), "child_modules", source):
        yield from _module_resources(child, source)


def _is_user(resource: Any) -> bool:
    # Data sources (`data.aws_iam_user`) only read a user that something else manages.
    return (
        isinstance(resource, dict)
        and resource.get("mode") == "managed"
        and resource.get("type") == USER_RESOURCE
    )


def _module_of(resource: dict[str, Any], source: str) -> str:
    module = resource.get("module", "")
    if not isinstance(module, str):
        raise StateError(source, f"a resource's `module` is {_json_kind(module)}")
    return module


def _instance_key(key: Any, base: str, source: str) -> str:
    if key is None:
        return ""
    if isinstance(key, (int, str)) and not isinstance(key, bool):
        return format_key(key)
    raise StateError(source, f"instance key {key!r} of {base} is neither a number nor a string")


def _user_name(attributes: Any, address: str, source: str) -> str | None:
    # A user always has a name; an instance without one (a hand-edited state) has nothing to
    # match a live user with, so it adds nothing to the index. A name that is not a string is
    # a state this module does not understand: say where, rather than "not in the state".
    if not isinstance(attributes, dict) or attributes.get("name") is None:
        return None
    name = attributes["name"]
    if not isinstance(name, str):
        raise StateError(source, f"the name of {address} is {_json_kind(name)}, not a string")
    return name


def _config_or_error(address: str, source: str) -> str:
    try:
        return config_address(address)
    except ValueError as error:
        raise StateError(source, str(error)) from error


def _unique(entries: Iterator[tuple[str, StateInstance]]) -> Iterator[tuple[str, StateInstance]]:
    # A deposed object (create_before_destroy) is listed beside the current one under the same
    # address; when it carries the same name it adds nothing.
    seen: set[StateInstance] = set()
    for config, instance in entries:
        if instance not in seen:
            seen.add(instance)
            yield config, instance


def _list(value: Any, what: str, source: str) -> list[Any]:
    if value is None:
        return []
    if not isinstance(value, list):
        raise StateError(source, f"`{what}` is {_json_kind(value)}, expected a list")
    return value


def _json_kind(value: Any) -> str:
    kinds = {dict: "an object", list: "a list", str: "a string", bool: "a boolean"}
    if value is None:
        return "null"
    return kinds.get(type(value), "a number")


# --------------------------------------------------------------------------- addresses


def _split_address(address: str) -> tuple[list[str], str]:
    """The module call names and the resource part (``[data.]type.name``) of an address."""
    modules: list[str] = []
    position = 0
    while (step := _MODULE_STEP.match(address, position)) is not None and address.startswith(
        ".", step.end()
    ):
        modules.append(step["name"])
        position = step.end() + 1
    resource = _RESOURCE.fullmatch(address, position)
    if resource is None or resource["type"] == "module":
        raise ValueError(f"not a resource address: {address!r}")
    return modules, f"{resource['data'] or ''}{resource['type']}.{resource['name']}"


# --------------------------------------------------------------------------- reading


def _read_file(source: str) -> str:
    path = Path(source)
    try:
        raw = path.read_bytes()
    except FileNotFoundError:
        raise StateError(source, "file not found") from None
    except IsADirectoryError:
        raise StateError(
            source, "is a directory; give the state file (`terraform state pull > FILE`)"
        ) from None
    except OSError as error:
        raise StateError(source, f"cannot read the file: {error.strerror or error}") from error
    return _decode(raw, source)


def _read_s3(source: str, s3_client: Callable[[], Any] | None) -> str:
    bucket, _, key = source.removeprefix("s3://").partition("/")
    if not bucket or not key:
        raise StateError(source, "expected s3://BUCKET/KEY")
    if s3_client is None:
        raise StateError(source, "reading a state from S3 needs an AWS session")
    # Imported here: a local state must not need botocore to be importable.
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        response = s3_client().get_object(Bucket=bucket, Key=key)
        raw: bytes = response["Body"].read()
    except ClientError as error:
        raise StateError(source, _s3_error_message(error, bucket, key)) from error
    except BotoCoreError as error:
        raise StateError(source, f"s3:GetObject on bucket {bucket} failed: {error}") from error
    return _decode(raw, source)


def _s3_error_message(error: Any, bucket: str, key: str) -> str:
    details = error.response.get("Error", {})
    code = str(details.get("Code", ""))
    text = str(details.get("Message", "")) or "no message"
    where = f"bucket {bucket}, key {key}"
    if code in ("NoSuchKey", "404"):
        return (
            f"s3:GetObject found no object at {where}. The S3 backend stores workspaces other "
            "than `default` under env:/WORKSPACE/KEY (workspace_key_prefix)"
        )
    if code == "NoSuchBucket":
        return f"s3:GetObject: bucket {bucket} does not exist (key {key})"
    if code in ("AccessDenied", "403", "AllAccessDisabled"):
        return (
            f"s3:GetObject was refused for {where} ({code}: {text}). The credentials need "
            f"s3:GetObject on arn:aws:s3:::{bucket}/{key} (and kms:Decrypt if the state is "
            "encrypted with a KMS key); without s3:ListBucket, S3 also says AccessDenied for "
            "a key that does not exist"
        )
    return f"s3:GetObject failed for {where} ({code or 'error'}: {text})"


def _decode(raw: bytes, source: str) -> str:
    try:
        return raw.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        raise StateError(source, f"not UTF-8 text (byte {error.start})") from error
