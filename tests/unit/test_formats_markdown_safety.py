"""Outside text cannot shape the comment: rendered by cmark-gfm, GitHub's own parser, a report
full of hostile strings has the same HTML structure as one with plain words, and none of its
text becomes a link, a mention, an issue reference or HTML."""

from __future__ import annotations

import re
from dataclasses import replace

import cmarkgfm
from cmarkgfm.cmark import Options
from hypothesis import given, settings
from hypothesis import strategies as st
from report_builders import ACCOUNT, OTHER_ACCOUNT, declaration, report

from iam_prune.formats import markdown
from iam_prune.formats.mdtext import ZWJ, clean, code, inline
from iam_prune.model import (
    ErrorSource,
    Exemption,
    Finding,
    Note,
    Remediation,
    Report,
    ReportError,
    Status,
)

HOSTILE = [
    "https://evil.example/phish",
    "www.evil.example",
    "HTTP://x.y",
    "foo@bar.com",
    "@admins",
    "#12",
    "org/repo#3",
    "\\[link\\](https://evil.example)",
    "[x](javascript:alert(1))",
    "</details>",
    "</summary>",
    "<img src=x onerror=alert(1)>",
    "<!--",
    "-->",
    "```",
    "~~~",
    "`",
    "|",
    "\\|",
    "\\",
    "1. ",
    "- ",
    "# ",
    "> ",
    "---",
    "***",
    "**",
    "_",
    "~~",
    "&amp;",
    "&#64;",
    ":+1:",
    "\n",
    "\n\n",
    "\r\n",
    "\t",
    "\x1b[31m",
    "\x07",
    "\u202e",
    "    ",
    " ",
]

hostile_text = st.lists(
    st.one_of(st.sampled_from(HOSTILE), st.text(max_size=4)), min_size=1, max_size=8
).map("".join)

TAG = re.compile(r"<(/?[a-zA-Z][a-zA-Z0-9]*)")
CODE = re.compile(r"<(code|pre)[^>]*>.*?</\1>", re.DOTALL)


def html_of(body: str) -> str:
    return cmarkgfm.github_flavored_markdown_to_html(body, options=Options.CMARK_OPT_UNSAFE)


def structure(html: str) -> list[str]:
    return TAG.findall(html)


def outside_code(html: str) -> str:
    return CODE.sub("", html)


def sample(text: str, accounts: int = 1) -> Report:
    """One report of every part that shows outside text, all of it ``text`` (over two
    accounts, the per-account table and account columns too)."""
    decl = replace(declaration("u", file=f"infra/{text}.tf"), address=f"aws_iam_user.{text}")
    removal = Finding(
        user=text,
        status=Status.REMOVE_FROM_CODE,
        reason=text,
        declarations=(decl,),
        remediation=Remediation(
            patch=f"--- a/x.tf\n+++ b/x.tf\n@@ -1,2 +1,1 @@\n-{text}\n {text}\n",
            destroys=(text,),
            manual=(text,),
        ),
        notes=(text,),
    )
    unmanaged = Finding(
        user=text,
        status=Status.DELETE_UNMANAGED,
        reason=text,
        remediation=Remediation(commands=(f"aws iam delete-user --user-name {text}",)),
    )
    waiting = Finding(
        user=text, status=Status.EXEMPT, reason=text, exemption=Exemption("tag", text)
    )
    review = Finding(user=text, status=Status.NEEDS_REVIEW, reason=text, declarations=(decl,))
    base = report([removal, unmanaged, review, waiting])
    first = replace(base.accounts[0], alias=f"a{text}", name=f"n{text}")
    second = replace(first, account_id=OTHER_ACCOUNT)
    return replace(
        base,
        # optional fields are left out when empty, so these always hold something
        accounts=(first, second)[:accounts],
        errors=(
            ReportError(ErrorSource.TERRAFORM, text, file=f"f{text}", line=1, account_id=ACCOUNT),
        ),
        notes=(Note(text, file=f"f{text}"),),
    )


PLAIN = {n: html_of(markdown.render(sample("plain", n))) for n in (1, 2)}


@settings(max_examples=300, deadline=None)
@given(text=hostile_text, accounts=st.sampled_from([1, 2]))
def test_hostile_text_leaves_the_structure_alone(text: str, accounts: int) -> None:
    body = markdown.render(sample(text, accounts))
    html = html_of(body)
    assert structure(html) == structure(PLAIN[accounts])
    assert "<a " not in html
    assert html.count("<!--") == 1  # the marker, nothing from the text
    prose = outside_code(html)
    assert not re.search(r"[@#][\w]", prose), "a mention or an issue reference"
    assert not re.search(r"(?i)www\.|://", prose), "a bare link GitHub could pick up"
    assert "\x1b" not in body
    assert "\x07" not in body
    assert "\u202e" not in body


def test_the_reported_cases() -> None:
    tag = "see https://evil.example/phish and www.evil.example \\[link\\](https://x.y)"
    html = html_of(markdown.render(sample(tag)))
    assert "<a " not in html
    assert "https:" + ZWJ + "//evil.example/phish" in html
    summary = markdown.render(sample("@admins"))
    assert "<summary><b>@" + ZWJ + "admins</b>" in summary
    assert "\x1b" not in markdown.render(sample("comment \x1b[2J\x07 here"))


def test_the_helpers_keep_the_text_readable() -> None:
    assert clean("a\x1b[31mb\x07\tc\u202ed") == "a[31mb cd"
    assert inline("svc-legacy_1") == "svc\\-legacy\\_1"
    assert code("a`b") == "``a`b``"
    assert code("a|b", in_table=True) == "`a\\|b`"
    assert code("") == "`   `"
