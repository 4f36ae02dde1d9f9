"""The output formats, one module each, and the registry ``cli.py`` picks from by name.

The registry lives here, at the package's face, and the shared helpers in ``interface``, which
imports no format: each format imports the helpers, and nothing imports back in a circle.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from iam_prune.formats import json, junit, markdown, sarif, text
from iam_prune.formats.interface import Renderer

NAMES: Final[tuple[str, ...]] = ("text", "json", "junit", "markdown", "sarif")


class UnknownFormatError(ValueError):
    """Raised by :func:`get` for a name no format answers to."""


def renderers() -> Mapping[str, Renderer]:
    """Every format by name."""
    return {
        "text": text.render,
        "json": json.render,
        "junit": junit.render,
        "markdown": markdown.render,
        "sarif": sarif.render,
    }


def get(name: str) -> Renderer:
    """The renderer called ``name``; the error lists the names that exist."""
    try:
        return renderers()[name]
    except KeyError:
        known = ", ".join(NAMES)
        raise UnknownFormatError(f"unknown format {name!r} (known: {known})") from None
