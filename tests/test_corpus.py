"""The real-world corpus: a deterministic sample, checked like `scripts/corpus_run.py`.

The sample is every directory whose path hashes into one bucket of `SAMPLE_BUCKETS`,
plus every directory that looks like a parser's "bad input" fixture, with all of
its Terraform and YAML/JSON files named on the command line. The full corpus is
`python scripts/corpus_run.py` (see docs/robustness.md).
"""

from __future__ import annotations

import hashlib
import importlib.util
import os
import re
import sys
from pathlib import Path

import pytest
from helpers import CORPUS, REPO

SAMPLE_BUCKETS = 8
BROKEN_FIXTURE_DIR = re.compile(r"(^|/)(bad|invalid\w*|broken|unbalanced\w*|hcl_timeout)(/|$)")
SUFFIXES = (".tf", ".tf.json", ".yaml", ".yml", ".json", ".template")

pytestmark = pytest.mark.skipif(not CORPUS.is_dir(),
                                reason=f"the shared corpus is not present at {CORPUS}")


def _corpus_run():
    spec = importlib.util.spec_from_file_location("corpus_run", REPO / "scripts" / "corpus_run.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up
    spec.loader.exec_module(module)
    return module


def sample_files(root: Path) -> list[str]:
    """The sampled files, sorted: the same list on every machine."""
    chosen: list[str] = []
    for directory, dirnames, filenames in os.walk(root):
        dirnames.sort()
        relative = Path(directory).relative_to(root).as_posix()
        bucket = hashlib.sha256(relative.encode()).digest()[0] % SAMPLE_BUCKETS
        if bucket != 0 and not BROKEN_FIXTURE_DIR.search(relative):
            continue
        chosen += [os.path.join(directory, n) for n in sorted(filenames)
                   if n.endswith(SUFFIXES) and not os.path.islink(os.path.join(directory, n))]
    return chosen


def test_corpus_sample_is_fully_analysed_without_crashes() -> None:
    corpus_run = _corpus_run()
    files = sample_files(CORPUS)
    assert len(files) > 300  # a sample, not a handful

    result = corpus_run.run(files)

    assert result.problems == []
    assert result.exit_status in (0, 1)
    assert result.files_reported == len(result.files_read)
    # The sample holds broken parser fixtures of both frameworks, and each is reported.
    causes = {corpus_run.cause(f["message"]) for f in result.vsl000}
    assert any(c.startswith("invalid HCL") for c in causes)
    assert any(c.startswith(("invalid YAML", "invalid JSON")) for c in causes)
    assert {f["path"] for f in result.vsl000} <= {os.path.relpath(p) for p in files} | set(files)
