"""Where a root reads another root's outputs through ``terraform_remote_state``.

No reference joins the two: the reader names a state, not a module, so a change that removes a
root module's output cannot see, by following references, that another root's next
``terraform plan`` fails on it. The text of every file read is searched instead (a comment that
reads like one only makes a removal more careful), by output name; which state a data source
opens is not worked out, so a read of an output of that name in any state counts.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator

from iam_prune.model import RemoteOutputRead

_READ = re.compile(
    r"\bdata\.terraform_remote_state\.[A-Za-z_][\w-]*(?:\[[^\]\n]*\])?\s*\.\s*outputs"
    r"(?:\s*\.\s*(?P<name>[A-Za-z_][\w-]*)|\s*\[\s*\"(?P<key>[^\"\\\n]+)\"\s*\])?"
)


def remote_output_reads(texts: Iterable[tuple[str, str]]) -> Iterator[RemoteOutputRead]:
    """Every read in ``(path, text)`` pairs: the output's name, or ``None`` for the outputs
    read whole (passed on, or picked by a key that is not a literal)."""
    for path, text in texts:
        if "terraform_remote_state" not in text:
            continue
        for match in _READ.finditer(text):
            output = match["name"] or match["key"]
            yield RemoteOutputRead(output, path, text.count("\n", 0, match.start()) + 1)
