"""Terraform itself as the judge of a patch: apply the original code to moto, plan the patch.

Used by the plan-verified tier (``test_fixes_plan_verified.py``). Each root module of a
pattern gets its own emulated account (credentials from an ``AssumeRole`` into a distinct
account id, which moto keys its state by), so roots that declare the same user do not
collide on one shared server. Terraform runs offline: its providers come from a local
filesystem mirror, and ``terraform init`` shares one plugin cache.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from pathlib import Path

PLUGIN_DIRS = ("/opt/tf-plugins", "~/.terraform.d/plugins")
"""Where a filesystem mirror holding ``hashicorp/aws`` is looked for, unless
``IAM_PRUNE_TF_PLUGIN_DIR`` names one."""

_SERVICES = ("iam", "sts", "s3", "ssm", "secretsmanager")

PROVIDER_FILE = "zz_iam_prune_plan_provider.tf"


def plugin_mirror() -> Path | None:
    """A filesystem mirror that holds the ``hashicorp/aws`` provider, if one is present."""
    named = os.environ.get("IAM_PRUNE_TF_PLUGIN_DIR")
    for candidate in [named] if named else PLUGIN_DIRS:
        root = Path(candidate).expanduser()
        if any(root.glob("registry.terraform.io/hashicorp/aws/*/*/terraform-provider-aws*")):
            return root
    return None


def unavailable() -> str | None:
    """Why the plan tier cannot run here, or ``None`` when it can."""
    if shutil.which("terraform") is None:
        return "terraform is not installed"
    if plugin_mirror() is None:
        return "no filesystem mirror with the hashicorp/aws provider (IAM_PRUNE_TF_PLUGIN_DIR)"
    return None


def provider_block(endpoint: str) -> str:
    """The provider configuration written beside a root: every service the patterns use
    goes to moto, and nothing asks AWS who we are."""
    endpoints = "\n".join(f"    {service} = {json.dumps(endpoint)}" for service in _SERVICES)
    return (
        'provider "aws" {\n'
        '  region                      = "us-east-1"\n'
        "  skip_credentials_validation = true\n"
        "  skip_requesting_account_id  = true\n"
        "  skip_metadata_api_check     = true\n"
        "  s3_use_path_style           = true\n"
        f"  endpoints {{\n{endpoints}\n  }}\n"
        "}\n"
    )


@dataclass(frozen=True)
class Terraform:
    """The ``terraform`` binary with an offline CLI configuration."""

    binary: str
    home: Path

    @classmethod
    def offline(cls, home: Path) -> Terraform:
        mirror = plugin_mirror()
        binary = shutil.which("terraform")
        assert mirror is not None and binary is not None, unavailable()
        cache = home / "plugin-cache"
        cache.mkdir(parents=True, exist_ok=True)
        (home / "cli.tfrc").write_text(
            "provider_installation {\n"
            f"  filesystem_mirror {{\n    path = {json.dumps(str(mirror))}\n  }}\n"
            "}\n"
            f"plugin_cache_dir = {json.dumps(str(cache))}\n"
            # Without this, an init whose root has no lock file installs into the cache again
            # instead of linking from it, and concurrent inits race on the same folder.
            "plugin_cache_may_break_dependency_lock_file = true\n",
            encoding="utf-8",
        )
        return cls(binary, home)

    def run(
        self, root: Path, args: Iterable[str], credentials: Mapping[str, str]
    ) -> subprocess.CompletedProcess[str]:
        env = {
            "PATH": os.environ.get("PATH", "/usr/bin:/bin"),
            "HOME": str(self.home),
            "TF_CLI_CONFIG_FILE": str(self.home / "cli.tfrc"),
            "TF_IN_AUTOMATION": "1",
            "TF_INPUT": "0",
            "CHECKPOINT_DISABLE": "1",
            "GOGC": "400",
            "AWS_CONFIG_FILE": os.devnull,
            "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
            "AWS_EC2_METADATA_DISABLED": "true",
            **credentials,
        }
        return subprocess.run(
            [self.binary, *args],
            cwd=root,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )


@dataclass(frozen=True)
class PlannedChanges:
    """What ``terraform plan`` proposes, by instance address. A replacement counts as a
    create (of its new object) and a delete; a move or a no-op as neither."""

    deletes: frozenset[str]
    creates: frozenset[str]
    updates: frozenset[str]


def planned_changes(stream: str) -> PlannedChanges:
    """The changes announced by ``terraform plan -json`` (one JSON message a line)."""
    deletes: set[str] = set()
    creates: set[str] = set()
    updates: set[str] = set()
    for line in stream.splitlines():
        message = json.loads(line)
        if message.get("type") != "planned_change":
            continue
        change = message["change"]
        address = change["resource"]["addr"]
        action = change["action"]
        if action in ("delete", "replace"):
            deletes.add(address)
        if action in ("create", "replace"):
            creates.add(address)
        if action == "update":
            updates.add(address)
    return PlannedChanges(frozenset(deletes), frozenset(creates), frozenset(updates))


def diagnostics(stream: str) -> list[str]:
    """The error diagnostics of a ``-json`` stream, each as ``summary: detail``."""
    found = []
    for line in stream.splitlines():
        message = json.loads(line)
        if message.get("type") == "diagnostic" and message.get("@level") == "error":
            diagnostic = message["diagnostic"]
            found.append(f"{diagnostic['summary']}: {diagnostic.get('detail', '')}".strip())
    return found
