"""``python -m bench [NAME ...]``: the benchmarks (all by default), each printing its figures
next to its baseline."""

from __future__ import annotations

import sys
from collections.abc import Callable

from bench import fixes, inventory, organization, terraform

BENCHMARKS: dict[str, Callable[[], None]] = {
    "inventory": inventory.main,
    "terraform": terraform.main,
    "fixes": fixes.main,
    "organization": organization.main,
}


def main(argv: list[str] | None = None) -> int:
    names = (sys.argv[1:] if argv is None else argv) or list(BENCHMARKS)
    unknown = [name for name in names if name not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
        return 2
    for name in names:
        BENCHMARKS[name]()
    return 0


if __name__ == "__main__":
    sys.exit(main())
