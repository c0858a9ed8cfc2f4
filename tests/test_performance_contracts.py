"""What keeps vpcsec-lint fast, checked without timing anything.

Lazy imports (start-up is the budget for one file on save), byte-identical
output whatever `--jobs` is, and a cache that never changes the answer and is
never written under `--no-cache`.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest
from helpers import CORPUS, FIXTURES, REPO, json_report

from vpcsec_lint import cli, units
from vpcsec_lint.progress import Progress

HEAVY = ("hcl2", "lark", "yaml", "jsonschema", "regex", "threading")
"""Top-level modules a run imports only when it needs them: the parsers and the schema
validator; `regex` (Lark's optional engine, unused by python-hcl2's grammar);
`threading` (a lint starts no thread: the unit time limit needs none; Lark's `logging`
imports it)."""

SLOW_STDLIB = ("dataclasses", "inspect", "difflib")
"""Standard-library modules our code imports only where it needs them: `dataclasses` (the
package's value classes are `records.Record`s) with the `inspect` it imports, and `difflib`
(closest names, after a mistake). Lark imports the first two itself (`lark.utils`,
`lark.visitors`), so a Terraform run has them anyway."""

IMPORTS_AFTER = """
import contextlib, io, json, sys
from vpcsec_lint.cli import main
with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
    try:
        main({argv!r})
    except SystemExit:
        pass
print(json.dumps(sorted({{m if {whole!r} else m.split(".")[0] for m in sys.modules}}
                        & {heavy!r})))
"""


def heavy_imports(argv: list[str], cwd: str | os.PathLike, cache_dir: Path,
                  watched: tuple[str, ...] = HEAVY, whole: bool = False) -> list[str]:
    """The `watched` top-level packages (`whole`: modules, by their full names) a fresh
    interpreter has imported after `main(argv)`."""
    code = IMPORTS_AFTER.format(argv=argv, heavy=set(watched), whole=whole)
    out = subprocess.run([sys.executable, "-c", code], cwd=cwd, capture_output=True, text=True,
                         env={**os.environ, "VPCSEC_LINT_CACHE_DIR": str(cache_dir)},
                         timeout=300, check=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("argv", [["--version"], ["--list-rules"],
                                  ["--list-rules", "--format", "json"],
                                  ["--explain", "VSL101"]])
def test_catalog_commands_import_no_parser(argv: list[str], tmp_path: Path) -> None:
    assert heavy_imports(argv, REPO, tmp_path / "cache") == []


def test_cloudformation_run_imports_no_hcl_parser_and_no_schema(tmp_path: Path) -> None:
    work = tmp_path / "work"  # outside the repository: no config file to validate
    shutil.copytree(FIXTURES / "cloudformation" / "VSL101", work)
    assert heavy_imports(["--no-cache", "."], work, tmp_path / "cache") == ["yaml"]


def test_terraform_run_imports_no_yaml_and_no_schema(tmp_path: Path) -> None:
    work = tmp_path / "work"
    shutil.copytree(FIXTURES / "terraform" / "VSL101", work)
    assert heavy_imports(["--no-cache", "."], work, tmp_path / "cache") == [
        "hcl2", "lark", "regex", "threading"]  # python-hcl2's API, with what it imports


BUILDERS = ("vpcsec_lint.terraform.build", "vpcsec_lint.terraform.evaluator",
            "vpcsec_lint.cloudformation.build", "vpcsec_lint.cloudformation.template")


@pytest.mark.parametrize("framework, other", [("terraform", "cloudformation"),
                                              ("cloudformation", "terraform")])
def test_a_run_imports_only_its_own_framework_s_builder(framework: str, other: str,
                                                         tmp_path: Path) -> None:
    work = tmp_path / "work"
    shutil.copytree(FIXTURES / framework / "VSL108", work)
    found = heavy_imports(["--no-cache", "."], work, tmp_path / "cache", BUILDERS, whole=True)
    assert found and all(m.startswith(f"vpcsec_lint.{framework}.") for m in found), found


def test_terraform_run_with_a_stored_parser_imports_lark_alone(tmp_path: Path) -> None:
    """The one-file path: python-hcl2's parser unpickled, none of python-hcl2's API imported,
    nor the `regex` module Lark would import for other grammars."""
    work, cache = tmp_path / "work", tmp_path / "cache"
    shutil.copytree(FIXTURES / "terraform" / "VSL101", work)
    assert heavy_imports(["."], work, cache) == [  # builds and stores it
        "hcl2", "lark", "regex", "threading"]
    for child in cache.iterdir():
        if child.name != "parser":  # parsed files and units would answer without parsing
            shutil.rmtree(child)
    assert list(cache.glob("parser/*/*.pickle"))
    assert heavy_imports(["."], work, cache) == ["lark", "threading"]  # Lark's `logging`


def test_template_run_imports_no_dataclasses_inspect_or_difflib(tmp_path: Path) -> None:
    work = tmp_path / "work"
    shutil.copytree(FIXTURES / "cloudformation" / "VSL101", work)
    assert heavy_imports(["--no-cache", "."], work, tmp_path / "cache", SLOW_STDLIB) == []


def test_package_modules_import_no_dataclasses_inspect_or_difflib_at_the_top() -> None:
    """What the Terraform run cannot show (Lark imports `dataclasses` and `inspect`): no module
    of the package imports a `SLOW_STDLIB` module when it is imported itself."""
    import ast

    found = []
    for path in sorted((REPO / "vpcsec_lint").rglob("*.py")):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
                [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            found += [f"{path.relative_to(REPO)}:{node.lineno} {name}" for name in names
                      if name.split(".")[0] in SLOW_STDLIB]
    assert found == []


# -- --jobs ------------------------------------------------------------------

def run_json(argv: list[str], out: Path) -> bytes:
    """`vpcsec-lint --format json ARGV`, in this process; the report's bytes."""
    code = cli.main(["--format", "json", "--output", str(out), *argv])
    assert code in (0, 1)
    json_report(out.read_text(encoding="utf-8"))
    return out.read_bytes()


@pytest.fixture
def pool_for_any_run(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Start workers even for small runs; count the pools started."""
    monkeypatch.setattr(units, "POOL_MIN_TASKS", 2)
    monkeypatch.setattr(units, "POOL_MIN_BYTES", 0)
    pools: list[int] = []
    real = units._parallel

    def counted(*args, **kwargs):  # type: ignore[no-untyped-def]
        pools.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(units, "_parallel", counted)
    return pools


def test_jobs_give_byte_identical_json_on_fixtures(tmp_path: Path,
                                                   pool_for_any_run: list[int]) -> None:
    serial = run_json(["--no-cache", "--jobs", "1", str(FIXTURES)], tmp_path / "1.json")
    assert pool_for_any_run == []
    parallel = run_json(["--no-cache", "--jobs", "2", str(FIXTURES)], tmp_path / "2.json")
    assert pool_for_any_run == [1]
    assert parallel == serial
    assert json.loads(serial)["summary"]["findings"] > 0


CORPUS_SUBSET = [
    CORPUS / "terraform" / "terraform-aws-modules__terraform-aws-vpc",
    CORPUS / "terraform" / "bridgecrewio__checkov" / "terraform" / "graph" / "checks"
    / "resources",
    CORPUS / "cloudformation" / "aws-cloudformation__aws-cloudformation-templates" / "VPC",
    CORPUS / "cloudformation" / "aws-cloudformation__aws-cloudformation-templates"
    / "ElastiCache",
]


@pytest.mark.skipif(not CORPUS.is_dir(), reason="the shared corpus is not available")
def test_jobs_give_byte_identical_json_on_corpus_subset(tmp_path: Path,
                                                        pool_for_any_run: list[int]) -> None:
    paths = [str(p) for p in CORPUS_SUBSET]
    serial = run_json(["--no-cache", "--jobs", "1", *paths], tmp_path / "1.json")
    parallel = run_json(["--no-cache", "--jobs", "2", *paths], tmp_path / "2.json")
    assert pool_for_any_run == [1]
    assert parallel == serial
    assert json.loads(serial)["summary"]["files"] > 80


def test_one_file_starts_no_pool(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    started: list[int] = []
    monkeypatch.setattr(units, "_parallel", lambda *a, **k: started.append(1))
    run_json(["--no-cache", "--jobs", "2", str(FIXTURES / "terraform" / "VSL101" / "fire"
                                                 / "groups.tf")], tmp_path / "1.json")
    assert started == []


# -- the cache -----------------------------------------------------------------

@pytest.fixture
def cache_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "cache"
    monkeypatch.setenv("VPCSEC_LINT_CACHE_DIR", str(path))
    return path


@pytest.fixture
def analysed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The units analysed (not taken from the cache), in this process."""
    seen: list[str] = []
    real = units.Analyser.analyse

    def counted(self, task):  # type: ignore[no-untyped-def]
        seen.append(task.path)
        return real(self, task)

    monkeypatch.setattr(units.Analyser, "analyse", counted)
    return seen


def age(root: Path) -> None:
    """Date every file an hour back: entries are not stored on files changed just now."""
    old = time.time() - 3600
    for path in root.rglob("*"):
        os.utime(path, (old, old))


def test_warm_cache_gives_the_cold_output(tmp_path: Path, cache_dir: Path,
                                          analysed: list[str]) -> None:
    work = tmp_path / "fixtures"
    shutil.copytree(FIXTURES, work)
    age(work)
    reference = run_json(["--no-cache", "--jobs", "1", str(work)], tmp_path / "ref.json")
    assert not cache_dir.exists()
    units_analysed = len(analysed)
    assert units_analysed > 10
    cold = run_json(["--jobs", "1", str(work)], tmp_path / "cold.json")
    assert len(analysed) == 2 * units_analysed
    assert (cache_dir / "unit").is_dir() and (cache_dir / "tf").is_dir()
    warm = run_json(["--jobs", "1", str(work)], tmp_path / "warm.json")
    assert len(analysed) == 2 * units_analysed  # nothing analysed again
    assert cold == reference
    assert warm == reference


CHILD = """\
variable "vpc_cidr" {}

resource "aws_vpc" "main" {
  cidr_block = var.vpc_cidr
}

resource "aws_security_group" "db" {
  vpc_id = aws_vpc.main.id
  ingress {
    from_port   = 5432
    to_port     = 5432
    protocol    = "tcp"
    cidr_blocks = [%s]
  }
}
"""


def vsl101(tmp_path: Path, root: Path, name: str) -> set[tuple[str, str, int]]:
    report = json.loads(run_json(["--jobs", "1", "--select", "VSL101", str(root)],
                                 tmp_path / name))
    return {(f["resource"], os.path.relpath(f["path"], root), f["line"])
            for f in report["findings"]}


def test_cache_sees_changes_to_child_modules_and_new_files(tmp_path: Path, cache_dir: Path,
                                                           analysed: list[str]) -> None:
    root = tmp_path / "stack"
    (root / "db").mkdir(parents=True)
    (root / "main.tf").write_text(textwrap.dedent("""\
        module "db" {
          source   = "./db"
          vpc_cidr = "10.0.0.0/16"
        }
        """))
    child = root / "db" / "main.tf"
    child.write_text(CHILD % "aws_vpc.main.cidr_block")
    age(root)
    first = vsl101(tmp_path, root, "1.json")
    assert first == {("module.db.aws_security_group.db", "db/main.tf", 13)}
    analysed.clear()
    assert vsl101(tmp_path, root, "2.json") == first
    assert analysed == []  # every unit came from the cache

    child.write_text(CHILD % '"10.0.1.0/24"')  # same file, other content, old date
    age(root)
    assert vsl101(tmp_path, root, "3.json") == set()
    assert sorted(analysed) == [str(root), str(root / "db")]

    analysed.clear()
    (root / "db" / "more.tf").write_text(textwrap.dedent("""\
        resource "aws_security_group" "cache" {
          vpc_id = aws_vpc.main.id
          ingress {
            from_port   = 6379
            to_port     = 6379
            protocol    = "tcp"
            cidr_blocks = [aws_vpc.main.cidr_block]
          }
        }
        """))
    age(root)
    assert vsl101(tmp_path, root, "4.json") == {
        ("module.db.aws_security_group.cache", "db/more.tf", 7)}
    assert sorted(analysed) == [str(root), str(root / "db")]


def test_no_cache_writes_nothing(tmp_path: Path, cache_dir: Path) -> None:
    run_json(["--no-cache", "--jobs", "1", str(FIXTURES)], tmp_path / "1.json")
    assert not cache_dir.exists()


def test_damaged_entries_are_misses(tmp_path: Path, cache_dir: Path) -> None:
    work = tmp_path / "fixtures"
    shutil.copytree(FIXTURES / "terraform", work)
    age(work)
    cold = run_json(["--jobs", "1", str(work)], tmp_path / "cold.json")
    entries = list(cache_dir.rglob("*.pickle"))
    assert entries
    for i, entry in enumerate(entries):
        entry.write_bytes(b"not a pickle" if i % 2 else entry.read_bytes()[:7])
    assert run_json(["--jobs", "1", str(work)], tmp_path / "again.json") == cold


def test_concurrent_runs_share_one_cache_safely(tmp_path: Path, cache_dir: Path) -> None:
    work = tmp_path / "fixtures"
    shutil.copytree(FIXTURES, work)
    age(work)
    reference = run_json(["--no-cache", "--jobs", "1", str(work)], tmp_path / "ref.json")
    env = {**os.environ, "VPCSEC_LINT_CACHE_DIR": str(cache_dir)}
    procs = [subprocess.Popen([sys.executable, "-m", "vpcsec_lint", "--format", "json",
                               "--jobs", "1", "--output", str(tmp_path / f"{i}.json"),
                               str(work)], env=env, cwd=REPO) for i in range(3)]
    assert [p.wait(timeout=600) for p in procs] and all(p.returncode in (0, 1) for p in procs)
    for i in range(3):
        assert (tmp_path / f"{i}.json").read_bytes() == reference
    assert not list(cache_dir.rglob("*.tmp"))
    assert run_json(["--jobs", "1", str(work)], tmp_path / "warm.json") == reference


# -- progress ----------------------------------------------------------------

def test_progress_waits_then_counts_then_clears() -> None:
    import io

    stream = io.StringIO()
    quiet = Progress(stream, delay=3600)
    quiet(1, 10)
    quiet.clear()
    assert stream.getvalue() == ""  # a short run shows nothing
    shown = Progress(stream, delay=0)
    shown(3, 10)
    shown(10, 10)
    shown.clear()
    assert stream.getvalue() == ("\rvpcsec-lint: analysed 3/10 units"
                                 "\rvpcsec-lint: analysed 10/10 units\r\033[K")


def test_no_progress_when_stderr_is_not_a_terminal(tmp_path: Path) -> None:
    out = subprocess.run([sys.executable, "-m", "vpcsec_lint", "--no-cache", str(FIXTURES)],
                         capture_output=True, text=True, cwd=REPO, timeout=300)
    assert "analysed" not in out.stderr and "\r" not in out.stderr
