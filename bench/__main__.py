"""``python -m bench``: every benchmark, each printing its figures next to its baseline."""

from __future__ import annotations

import sys

from bench import inventory


def main() -> int:
    inventory.main()
    return 0


if __name__ == "__main__":
    sys.exit(main())
