"""The text of a change: named removals and insertions turned into new file texts (with the
commas, blank lines and ``terraform fmt`` alignment a person would leave), and unified diffs
that ``git apply`` takes. Nothing here evaluates Terraform."""
