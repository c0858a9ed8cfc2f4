"""Faults inside the linter: a rule that raises on one file becomes VSL999 for that rule
and file (exit status 2); every other rule and file still reports.

The faulty rule is a real plugin: a wheel built here, pip-installed into a directory
on PYTHONPATH, registered through the `vpcsec_lint.rules` entry-point group.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from helpers import FIXTURES, json_report
from plugin_wheel import build_wheel, install

PLUGIN = '''\
from vpcsec_lint.registry import Rule


class Explodes(Rule):
    """Reports every VPC, and raises on any module or template whose path says "explode".

    ## What it does
    A test double for a rule with a bug.

    ## Why is this bad?
    It is not.

    ## Example
    Any VPC.

    ## Use instead
    Nothing.

    ## References
    None.
    """

    id = "BOOM001"
    name = "explodes"
    severity = "note"
    summary = "A rule that raises on paths containing 'explode'."

    def check(self, model):
        if "explode" in model.root:
            raise ValueError("rule bug triggered by " + model.root.rsplit("/", 1)[-1])
        for vpc in model.vpcs.values():
            yield self.finding(model, vpc.loc, vpc.key, "a VPC")
'''


@pytest.fixture(scope="module")
def plugin_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A directory where pip installed the plugin (put it on PYTHONPATH)."""
    base = tmp_path_factory.mktemp("plugin")
    wheel = build_wheel(base, "vsl_boom_plugin", {"vsl_boom_plugin.py": PLUGIN},
                        {"boom": "vsl_boom_plugin:Explodes"})
    return install([wheel], base / "site")


def test_a_raising_rule_becomes_vsl999_and_everything_else_still_reports(
        tmp_path: Path, plugin_path: Path) -> None:
    tf, cfn = FIXTURES / "terraform" / "VSL101" / "fire", FIXTURES / "cloudformation" / "VSL101"
    shutil.copytree(tf, tmp_path / "explode")
    shutil.copytree(tf, tmp_path / "fine")
    shutil.copy(cfn / "fire.yaml", tmp_path / "explode.yaml")
    shutil.copy(cfn / "fire.yaml", tmp_path / "fine.yaml")
    env = {**os.environ, "PYTHONPATH": str(plugin_path)}
    proc = subprocess.run([sys.executable, "-m", "vpcsec_lint", "--format", "json",
                           "--no-cache", "--select", "VSL101,BOOM001", "."],
                          cwd=tmp_path, env=env, capture_output=True, text=True, timeout=600)
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 2
    findings = json_report(proc.stdout)["findings"]
    by_rule: dict[str, set[tuple[str | None, str, int]]] = {}
    for f in findings:
        by_rule.setdefault(f["rule_id"], set()).add((f["resource"], f["path"], f["line"]))

    # The faulty rule: one VSL999 per unit it failed on, at the unit's first file ...
    assert by_rule["VSL999"] == {(None, "explode.yaml", 1), (None, "explode/groups.tf", 1)}
    # ... and its findings everywhere else.
    assert by_rule["BOOM001"] == {("Vpc", "fine.yaml", 9), ("aws_vpc.main", "fine/vpc.tf", 5),
                                  ("data.aws_vpc.shared", "fine/vpc.tf", 14),
                                  ("module.network", "fine/groups.tf", 69)}
    # Every other rule still reports for every file, the failing ones included.
    failing = {(r, p.replace("explode", "fine"), line) for r, p, line in by_rule["VSL101"]
               if p.startswith("explode")}
    healthy = {(r, p, line) for r, p, line in by_rule["VSL101"] if p.startswith("fine")}
    assert failing == healthy and len(healthy) == 11
    assert {p.split("/")[0] for _r, p, _l in healthy} == {"fine", "fine.yaml"}

    # The message is a bug report: the rule, the file, the exception and where to send it.
    internal = [f for f in findings if f["rule_id"] == "VSL999"]
    template = next(f for f in internal if f["path"] == "explode.yaml")
    assert template["severity"] == "error" and template["framework"] == "cloudformation"
    message = template["message"]
    assert re.match(r"Internal error in BOOM001 \(explodes\) on (\./)?explode\.yaml: "
                    r"ValueError: rule bug triggered by explode\.yaml "
                    r"at vsl_boom_plugin\.py:\d+\. ",
                    message), message
    assert "Please report it at " in message
    assert "with the rule, the file (or a reduced copy) and this message." in message


def test_a_loader_that_raises_becomes_vsl999_and_the_other_units_still_report(
        tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    # No input is known to crash a loader, so a fault is injected into the template
    # evaluator for one file: the run must go on without it.
    from vpcsec_lint.cloudformation import template
    from vpcsec_lint.engine import Options, lint_paths

    cfn = FIXTURES / "cloudformation" / "VSL101" / "fire.yaml"
    shutil.copytree(FIXTURES / "terraform" / "VSL101" / "fire", tmp_path / "tf")
    shutil.copy(cfn, tmp_path / "explode.yaml")
    shutil.copy(cfn, tmp_path / "fine.yaml")
    real_build_unit = template.build_unit

    def build_unit(doc, path):  # noqa: ANN001, ANN202 - same signature as the real one
        if "explode" in path:
            raise KeyError("evaluator bug")
        return real_build_unit(doc, path)

    monkeypatch.setattr(template, "build_unit", build_unit)
    report = lint_paths([str(tmp_path)], Options(select={"VSL101"}, jobs=1), use_cache=False)
    internal = [f for f in report.findings if f.rule_id == "VSL999"]
    assert [(f.loc.path, f.loc.line, f.framework) for f in internal] == [
        (str(tmp_path / "explode.yaml"), 1, "cloudformation")]
    assert internal[0].message.startswith(
        f"Internal error in the cloudformation loader on {tmp_path / 'explode.yaml'}: "
        "KeyError: 'evaluator bug' at test_internal_errors.py:")
    others = {(os.path.relpath(f.loc.path, tmp_path), f.loc.line) for f in report.findings
              if f.rule_id == "VSL101"}
    assert len(others) == 11
    assert {p for p, _line in others} == {"fine.yaml", "tf/groups.tf"}
    assert report.exit_code("warning") == 2


# -- Units that never finish: a dead worker, a slow rule (issue 13) ---------------------

STALLS = '''\
import os
import signal
import time

from vpcsec_lint.registry import Rule

DOC = """A test double.

    ## What it does
    Stops the analysis of some units.

    ## Why is this bad?
    It is not.

    ## Example
    Any VPC.

    ## Use instead
    Nothing.

    ## References
    None.
    """


class Dies(Rule):
    __doc__ = DOC
    id = "STALL001"
    name = "dies"
    severity = "note"
    summary = "Kills its own process on paths containing 'die' (as the OOM killer would)."

    def check(self, model):
        if "/die" in model.root:
            os.kill(os.getpid(), signal.SIGKILL)
        return iter(())


class Sleeps(Rule):
    __doc__ = DOC
    id = "STALL002"
    name = "sleeps"
    severity = "note"
    summary = "Loops for ten minutes on paths containing 'slow'."

    def check(self, model):
        if "/slow" in model.root:
            end = time.monotonic() + 600
            while time.monotonic() < end:
                time.sleep(0.05)
        return iter(())
'''


@pytest.fixture(scope="module")
def stall_path(tmp_path_factory: pytest.TempPathFactory) -> Path:
    base = tmp_path_factory.mktemp("stall")
    wheel = build_wheel(base, "vsl_stall_plugin", {"vsl_stall_plugin.py": STALLS},
                        {"dies": "vsl_stall_plugin:Dies", "sleeps": "vsl_stall_plugin:Sleeps"})
    return install([wheel], base / "site")


def _modules(root: Path, names: list[str]) -> None:
    """One module per name with one VSL101 each, padded so that `--jobs` starts workers."""
    from helpers import VPC_AND_DB_SG_TF

    padding = "# padding\n" * 8000  # 80 KB of HCL each: past the pool's minimum work
    for name in names:
        (root / name).mkdir()
        (root / name / "main.tf").write_text(VPC_AND_DB_SG_TF + padding)


def _stall_run(root: Path, plugin: Path, cache: str, *args: str) -> tuple[int, list[dict]]:
    env = {**os.environ, "PYTHONPATH": str(plugin), "VPCSEC_LINT_UNIT_SECONDS": "2",
           "VPCSEC_LINT_CACHE_DIR": str(root.parent / "cache")}
    proc = subprocess.run([sys.executable, "-m", "vpcsec_lint", "--format", "json",
                           *(["--no-cache"] if cache == "no-cache" else []),
                           "--select", "VSL101,STALL001,STALL002", *args, "."],
                          cwd=root, env=env, capture_output=True, text=True, timeout=300)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc.returncode, json_report(proc.stdout)["findings"]


@pytest.mark.parametrize("cache", ["no-cache", "cache"])
def test_a_dead_worker_is_vsl999_for_its_unit_and_the_report_is_written(
        tmp_path: Path, stall_path: Path, cache: str) -> None:
    root = tmp_path / "project"
    root.mkdir()
    _modules(root, ["a", "b", "die", "c", "d", "e"])
    status, findings = _stall_run(root, stall_path, cache, "--jobs", "2")
    assert status == 2  # the parent survived the kill: it would have no report otherwise
    assert {(f["rule_id"], f["path"]) for f in findings} == {
        ("VSL101", f"{name}/main.tf") for name in "abcde"} | {("VSL999", "die")}
    message = next(f["message"] for f in findings if f["rule_id"] == "VSL999")
    assert message == ("This module was not analysed: the worker process analysing it died "
                       "(most likely out of memory; try fewer --jobs); its findings are missing.")


@pytest.mark.parametrize("jobs", ["1", "2"])
@pytest.mark.parametrize("cache", ["no-cache", "cache"])
def test_a_unit_past_its_time_limit_is_vsl999_and_the_run_goes_on(
        tmp_path: Path, stall_path: Path, cache: str, jobs: str) -> None:
    root = tmp_path / "project"
    root.mkdir()
    _modules(root, ["a", "slow", "b", "c"])
    status, findings = _stall_run(root, stall_path, cache, "--jobs", jobs)
    assert status == 2
    assert {(f["rule_id"], f["path"]) for f in findings} == {
        ("VSL101", f"{name}/main.tf") for name in "abc"} | {("VSL999", "slow")}
    assert next(f["message"] for f in findings if f["rule_id"] == "VSL999") == (
        "This module was not analysed: its analysis took longer than 2 s and was stopped; "
        "its findings are missing.")
