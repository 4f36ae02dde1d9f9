"""Users listed in a data file beside the code, retired with ``--state`` as without it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from iam_prune.fixes import plan
from iam_prune.terraform import load

BEFORE = Path(__file__).resolve().parents[1] / "data" / "fixes" / "for_each-yaml-file" / "before"


@dataclass(frozen=True)
class Instance:
    address: str
    name: str


class State:
    """The users the YAML file lists, as ``terraform apply`` recorded them."""

    def instances(self, config_address: str) -> tuple[Instance, ...]:
        if config_address != "aws_iam_user.team":
            return ()
        return tuple(Instance(f'aws_iam_user.team["{n}"]', n) for n in ("nora", "omar", "pia"))


def test_with_the_state_the_entry_in_the_yaml_file_is_what_goes() -> None:
    model = load([BEFORE], BEFORE, state=State(), use_cache=False)
    (omar,) = [d for d in model.declarations if d.name == "omar"]
    assert omar.key_span is not None and omar.key_span.file == "users.yaml"
    assert omar.key_span.line == 4
    remediation = plan.remove_user(omar, model)
    assert remediation.patch is not None
    assert "-  - omar # on call\n" in remediation.patch
    assert remediation.destroys == (
        'aws_iam_user.team["omar"]',
        'aws_iam_user_policy_attachment.team["omar"]',
    )
