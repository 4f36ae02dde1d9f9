"""Fixtures for every test: parse caches go to a temporary folder, never to the home cache."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def _private_parse_cache(
    tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch
) -> Path:
    cache = tmp_path_factory.mktemp("iam-prune-cache")
    monkeypatch.setenv("IAM_PRUNE_CACHE_DIR", str(cache))
    return cache
