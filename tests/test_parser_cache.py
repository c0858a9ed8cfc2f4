"""python-hcl2's parser, stored once built (`terraform/parser_cache.py`).

Every test runs the real CLI in a fresh interpreter with the real python-hcl2
and Lark: the stored parser gives the findings python-hcl2's own parser gives,
is rebuilt when python-hcl2 changes, and a damaged one is ignored and replaced.
"""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import pickle
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import FIXTURES

TARGET = FIXTURES / "terraform" / "VSL101"
HEREDOC = FIXTURES / "terraform" / "VSL203"  # endpoint policies: heredocs parsed again


def lint(cache: Path, *paths: Path, extra_env: dict[str, str] | None = None,
         no_cache: bool = False) -> dict:
    """The JSON report of a fresh `vpcsec-lint` process using `cache` as its cache directory."""
    argv = [sys.executable, "-m", "vpcsec_lint", "--format", "json", "--jobs", "1",
            *(["--no-cache"] if no_cache else []), *map(str, paths)]
    env = {**os.environ, "VPCSEC_LINT_CACHE_DIR": str(cache), **(extra_env or {})}
    out = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=300)
    assert out.returncode in (0, 1), out.stderr
    return json.loads(out.stdout)


def stored(cache: Path) -> list[Path]:
    return sorted((cache / "parser").glob("*/*.pickle"))


def checked(payload: bytes) -> bytes:
    """An entry that passes the checksum: what a well-formed but wrong entry looks like."""
    return hashlib.sha256(payload).digest() + payload


def forget_results(cache: Path) -> None:
    """Keep the stored parser, drop the parsed files and analysed units."""
    for child in cache.iterdir():
        if child.name != "parser":
            shutil.rmtree(child)


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> dict:
    """The findings with python-hcl2's own parser (`--no-cache` stores nothing)."""
    cache = tmp_path_factory.mktemp("no-cache") / "cache"
    report = lint(cache, TARGET, HEREDOC, no_cache=True)
    assert not cache.exists()
    assert report["findings"]
    return report


def test_stored_once_then_used(tmp_path: Path, reference: dict) -> None:
    cache = tmp_path / "cache"
    assert lint(cache, TARGET, HEREDOC) == reference
    [entry] = stored(cache)
    built = entry.read_bytes()
    forget_results(cache)
    assert lint(cache, TARGET, HEREDOC) == reference
    assert stored(cache) == [entry] and entry.read_bytes() == built


@pytest.mark.parametrize("damage", [
    pytest.param(lambda data: data[: len(data) // 2], id="truncated"),
    pytest.param(lambda data: b"\x80\x05not a pickle at all", id="corrupt"),
    pytest.param(lambda data: data[:200] + bytes(64) + data[264:], id="overwritten"),
    pytest.param(lambda data: checked(pickle.dumps({"a": "dict"})), id="foreign"),
    pytest.param(lambda data: checked(pickle.dumps(None)), id="none"),
])
def test_damaged_parser_is_ignored_and_rebuilt(tmp_path: Path, reference: dict, damage) -> None:
    cache = tmp_path / "cache"
    lint(cache, TARGET)
    [entry] = stored(cache)
    good = entry.read_bytes()
    entry.write_bytes(damage(good))
    forget_results(cache)
    assert lint(cache, TARGET, HEREDOC) == reference
    rebuilt = entry.read_bytes()
    assert stored(cache) == [entry] and rebuilt != damage(good) and rebuilt == checked(rebuilt[32:])
    assert not list(cache.rglob("*.tmp"))
    forget_results(cache)
    assert lint(cache, TARGET, HEREDOC) == reference
    assert entry.read_bytes() == rebuilt  # used, not built again


def test_rebuilt_when_python_hcl2_changes(tmp_path: Path, reference: dict) -> None:
    """Another python-hcl2 (a copy of the real one with another version) gets its own parser."""
    spec = importlib.util.find_spec("hcl2")
    assert spec is not None and spec.submodule_search_locations
    site = tmp_path / "site"
    shutil.copytree(spec.submodule_search_locations[0], site / "hcl2",
                    ignore=shutil.ignore_patterns("__pycache__", ".lark_cache*"))
    (site / "hcl2" / "version.py").write_text("version = '8.99.0'\n__version__ = version\n")
    cache = tmp_path / "cache"
    lint(cache, TARGET)
    [installed] = stored(cache)
    forget_results(cache)
    upgraded = {"PYTHONPATH": os.pathsep.join([str(site), os.environ.get("PYTHONPATH", "")])}
    assert lint(cache, TARGET, HEREDOC, extra_env=upgraded) == reference
    entries = stored(cache)
    assert len(entries) == 2 and installed in entries
    forget_results(cache)
    assert lint(cache, TARGET, HEREDOC, extra_env=upgraded) == reference
    assert stored(cache) == entries


def test_no_cache_builds_the_parser_and_stores_nothing(tmp_path: Path, reference: dict) -> None:
    cache = tmp_path / "cache"
    assert lint(cache, TARGET, HEREDOC, no_cache=True) == reference
    assert not cache.exists()


def test_concurrent_first_runs_store_one_parser(tmp_path: Path, reference: dict) -> None:
    cache = tmp_path / "cache"
    env = {**os.environ, "VPCSEC_LINT_CACHE_DIR": str(cache)}
    procs = [subprocess.Popen([sys.executable, "-m", "vpcsec_lint", "--format", "json",
                               "--jobs", "1", "--output", str(tmp_path / f"{i}.json"),
                               str(TARGET), str(HEREDOC)], env=env) for i in range(3)]
    assert all(p.wait(timeout=300) in (0, 1) for p in procs)
    for i in range(3):
        assert json.loads((tmp_path / f"{i}.json").read_text()) == reference
    assert len(stored(cache)) == 1 and not list(cache.rglob("*.tmp"))
    forget_results(cache)
    assert lint(cache, TARGET, HEREDOC) == reference
