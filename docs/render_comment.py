"""Render the pull-request comment as GitHub shows it, and screenshot it with headless Chromium.

GitHub renders a comment with cmark-gfm (raw HTML allowed, the GFM tag filter on) and then an
allowlist sanitizer that keeps ``<details>``, ``<summary>``, ``<b>``, ``<sub>``; its stylesheet
is published as the npm package ``github-markdown-css``. This script does the same offline:
PyPI ``cmarkgfm`` with unsafe + tagfilter, PyPI ``nh3``, and that CSS.

    make comment-screenshot          # the demo's report -> docs/comment.png

or ``python docs/render_comment.py --report report.json --output comment.png``. The first
finding is shown expanded, as a reader sees it after one click.
"""

from __future__ import annotations

import argparse
import html as html_text
import re
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import cmarkgfm
import nh3
from cmarkgfm.cmark import Options
from PIL import Image, ImageChops

from iam_prune.publish import github_comment, github_suggestions
from iam_prune.reportfile import load_report

REPO = Path(__file__).resolve().parents[1]
CSS = REPO / "node_deps/node_modules/github-markdown-css/github-markdown-light.css"
WIDTH = 920
CHROMIUM_FLAGS = (
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--hide-scrollbars",
    "--force-device-scale-factor=1",
)
#: The tags and attributes GitHub's sanitizer keeps that matter for this comment.
EXTRA_TAGS = {"details", "summary", "sub", "sup", "b", "input"}
EXTRA_ATTRIBUTES = {"details": {"open"}, "pre": {"lang"}}


def markdown_to_html(text: str) -> str:
    options = Options.CMARK_OPT_UNSAFE
    html = cmarkgfm.github_flavored_markdown_to_html(text, options=options)
    attributes = {key: set(values) for key, values in nh3.ALLOWED_ATTRIBUTES.items()}
    for tag, names in EXTRA_ATTRIBUTES.items():
        attributes.setdefault(tag, set()).update(names)
    return nh3.clean(html, tags=nh3.ALLOWED_TAGS | EXTRA_TAGS, attributes=attributes)


_DIFF_BLOCK = re.compile(r'<pre lang="diff"><code>(.*?)</code></pre>', re.DOTALL)
_DIFF_CLASSES = (
    ("+++", "pl-mb"),
    ("---", "pl-mb"),
    ("@@", "pl-mdr"),
    ("+", "pl-mi1"),
    ("-", "pl-md"),
)


def highlight_diffs(body_html: str) -> str:
    """Colour ```diff blocks with the classes GitHub's highlighter gives them (its CSS styles
    them); cmark-gfm itself leaves code uncoloured."""

    def lines(match: re.Match[str]) -> str:
        out = []
        for line in match.group(1).split("\n"):
            text = html_text.unescape(line)
            kind = next((c for prefix, c in _DIFF_CLASSES if text.startswith(prefix)), None)
            out.append(f'<span class="{kind}">{line}</span>' if kind else line)
        return (
            '<div class="highlight highlight-source-diff"><pre>' + "\n".join(out) + "</pre></div>"
        )

    return _DIFF_BLOCK.sub(lines, body_html)


def page(body_html: str, css: str) -> str:
    expanded = highlight_diffs(body_html).replace("<details>", "<details open>", 1)
    return (
        "<!doctype html><html><head><meta charset='utf-8'><style>"
        + css
        + f"body{{margin:0;background:#fff}}.markdown-body{{box-sizing:border-box;width:{WIDTH}px;"
        "padding:16px 24px;border:1px solid #d0d7de;border-radius:6px;margin:12px}"
        "</style></head><body><article class='markdown-body'>"
        + expanded
        + "</article></body></html>"
    )


def screenshot(html: str, output: Path, chromium: str) -> None:
    with tempfile.TemporaryDirectory(prefix="iam-prune-render-") as work:
        source = Path(work) / "comment.html"
        source.write_text(html, encoding="utf-8")
        raw = Path(work) / "raw.png"
        subprocess.run(
            [
                chromium,
                *CHROMIUM_FLAGS,
                f"--user-data-dir={work}/profile",
                f"--window-size={WIDTH + 40},4000",
                f"--screenshot={raw}",
                source.as_uri(),
            ],
            check=True,
            capture_output=True,
            timeout=120,
        )
        image = Image.open(raw).convert("RGB")
        background = Image.new("RGB", image.size, (255, 255, 255))
        box = ImageChops.difference(image, background).getbbox()
        if box is not None:
            image = image.crop((0, 0, image.width, min(image.height, box[3] + 12)))
        output.parent.mkdir(parents=True, exist_ok=True)
        image.save(output, optimize=True)


def demo_report(folder: Path) -> Path:
    """Run ``iam-prune demo`` (moto on loopback) and return its JSON report."""
    subprocess.run(
        [sys.executable, "-m", "iam_prune", "demo", "--output-dir", str(folder)],
        check=True,
        stdout=subprocess.DEVNULL,
    )
    return folder / "report.json"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    source = parser.add_mutually_exclusive_group(required=True)
    source.add_argument("--report", type=Path, help="a JSON report (iam-prune scan --json)")
    source.add_argument("--demo", action="store_true", help="use the demo's report")
    parser.add_argument("--output", type=Path, default=REPO / "docs/comment.png")
    parser.add_argument("--html", type=Path, help="also keep the rendered HTML here")
    parser.add_argument("--chromium", default=shutil.which("chromium") or "chromium")
    args = parser.parse_args(argv)
    if not CSS.is_file():
        parser.error(f"{CSS} is missing: run `make node_deps/.installed` (needs npm)")
    with tempfile.TemporaryDirectory(prefix="iam-prune-demo-") as folder:
        path = demo_report(Path(folder)) if args.demo else args.report
        report = load_report(path)
    # As publish would post it on a pull request that changes none of these files: no
    # suggestion fits in its diff, so every removal is only in the comment.
    outside = github_suggestions.plan(report, {}).outside
    text = github_comment.body(
        report,
        github_comment.Context(
            marker=github_comment.PULL_REQUEST_MARKER,
            run_url=report.run.url if report.run else None,
            outside=outside,
            pull_request=True,
        ),
    )
    html = page(markdown_to_html(text), CSS.read_text(encoding="utf-8"))
    if args.html:
        args.html.write_text(html, encoding="utf-8")
    screenshot(html, args.output, args.chromium)
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
