"""`python -m iam_prune` runs the same command as the `iam-prune` console script."""

from iam_prune import console

console()
