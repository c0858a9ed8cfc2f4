"""Shared test setup: a private parse cache and the repository's paths."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))


@pytest.fixture(autouse=True, scope="session")
def _private_cache(tmp_path_factory: pytest.TempPathFactory) -> None:
    os.environ["VPCSEC_LINT_CACHE_DIR"] = str(tmp_path_factory.mktemp("cache"))
