"""Alignment after an edit: the same ``=`` and comment columns ``terraform fmt`` would write."""

from __future__ import annotations

import os
import re
import shutil
import subprocess

from hypothesis import given, settings
from hypothesis import strategies as st

from iam_prune.fixes.text.layout import aligned, realign
from iam_prune.model import FileEdit

TERRAFORM = shutil.which("terraform")


def terraform_fmt(text: str) -> str | None:
    """``text`` as ``terraform fmt`` writes it; ``None`` when terraform is not installed."""
    if TERRAFORM is None:
        return None
    done = subprocess.run(
        [TERRAFORM, "fmt", "-"],
        input=text.encode(),
        capture_output=True,
        check=True,
        env={**os.environ, "TF_CLI_CONFIG_FILE": os.devnull},
    )
    return done.stdout.decode()


SAMPLE = """resource "a" "b" {
  name      = "x"
  policy    = <<EOF
{ "a": 1, "b = c" }
EOF
  tags_long = 1
  c         = 2      # hi
  dd        = [1, 2] # there
  e = [
    1,  # one
    22, # two
  ]
  f = "x=${var.a == 1 ? "q" : "r"}"
}
/*
 * x = 1
 */
locals {
  a   = 1
  bb  = var.x == 2
  ccc = { for k, v in x : k => v }
  d   = "a" /* c */
  # note
  eeeee = <<-EOT
    hello ${x}
    EOT
}
"""


def test_a_formatted_file_is_left_as_it_is() -> None:
    assert aligned(SAMPLE) == SAMPLE
    reference = terraform_fmt(SAMPLE)
    if reference is not None:
        assert reference == SAMPLE


def test_a_shorter_group_is_aligned_again() -> None:
    original = "locals {\n  a       = 1\n  longest = 2\n  bb      = 3\n}\n"
    edited = "locals {\n  a       = 1\n  bb      = 3\n}\n"

    result = realign(original, edited, [FileEdit("main.tf", 26, 40)])

    assert result == "locals {\n  a  = 1\n  bb = 3\n}\n"


def test_a_file_fmt_never_saw_keeps_its_spacing() -> None:
    original = "locals {\n  a = 1\n  longest = 2\n  bb = 3\n}\n"
    edited = "locals {\n  a = 1\n  bb = 3\n}\n"

    assert realign(original, edited, [FileEdit("main.tf", 18, 32)]) == edited


def test_text_it_cannot_follow_is_left_alone() -> None:
    original = 'x = "unterminated\n'

    assert realign(original, "x  = 1\n", [FileEdit("main.tf", 0, 1)]) == "x  = 1\n"


KEYS = st.text("abcdefghij_", min_size=1, max_size=9).filter(lambda k: k[0] != "_")
VALUES = st.sampled_from(['"x"', "1", "[1, 2]", "var.a == 2", '{ k = "v" }', '"a = b"'])


@st.composite
def bodies(draw: st.DrawFn) -> str:
    """A ``locals`` block of arguments (some with trailing comments, nested objects and
    heredocs), comment lines and blank lines."""
    lines = []
    for number in range(draw(st.integers(1, 12))):
        kind = draw(st.sampled_from(["attr", "attr", "attr", "comment", "blank", "nested", "doc"]))
        key = f"{draw(KEYS)}{number}"  # names must be unique in a block
        if kind == "attr":
            tail = draw(st.sampled_from(["", "", " # note", " // n"]))
            lines.append(f"  {key} = {draw(VALUES)}{tail}")
        elif kind == "comment":
            lines.append("  # a comment = not an argument")
        elif kind == "blank":
            lines.append("")
        elif kind == "nested":
            lines.append(f"  {key} = {{\n    {draw(KEYS)}1 = 1\n    {draw(KEYS)}2 = 2\n  }}")
        else:
            lines.append(f'  {key} = <<-EOT\n    {{ "x" = 1 }}\n  EOT')
    return "locals {\n" + "\n".join(lines) + "\n}\n"


@settings(max_examples=60, deadline=None)
@given(body=bodies())
def test_alignment_matches_terraform_fmt(body: str) -> None:
    squeezed = re.sub(r"(?m)^(\s*\w+) +=(?!=)", r"\1 =", body)
    once = aligned(squeezed)
    assert aligned(once) == once
    reference = terraform_fmt(squeezed)
    if reference is not None:
        assert once == reference
