"""CloudFormation across templates: exports between stacks side by side, nested stacks with a
local TemplateURL, and a real two-stack CDK assembly."""

from __future__ import annotations

import json
import os
import shutil
import sys
import time
from pathlib import Path

import pytest
from helpers import FIXTURES, lint, run_cli, triples

from vpcsec_lint.options import Options
from vpcsec_lint.session import Session

EXAMPLES = FIXTURES / "cloudformation" / "examples"
ASSEMBLY = EXAMPLES / "cdk-two-stacks" / "cdk.out"


def codes(report) -> list[tuple[str, str, int]]:
    return [(n.code, Path(n.path).name, n.line) for n in report.notices]


def test_an_import_resolves_from_the_exporting_template_beside_it():
    base = EXAMPLES / "exports"
    report = lint(base)
    assert triples(report, base) == {("VSL101", "CacheSecurityGroup", "app.yaml", 14)}
    (finding,) = report.findings
    assert "network/Vpc.CidrBlock" in finding.message
    assert [(Path(r.loc.path).name, r.loc.line) for r in finding.related][:1] == [
        ("network.yaml", 6)]
    assert codes(report) == [("import-without-export", "app.yaml", 20)]


def test_an_import_alone_is_unknown_and_says_so(tmp_path):
    shutil.copy(EXAMPLES / "exports" / "app.yaml", tmp_path / "app.yaml")
    report = lint(tmp_path)
    assert triples(report, tmp_path) == set()
    assert [c for c, _, _ in codes(report)] == ["import-without-export"] * 3


def test_a_nested_stack_joins_its_parent_with_its_parameters_bound():
    base = EXAMPLES / "nested-stack"
    report = lint(base)
    assert triples(report, base) == {("VSL101", "DbSecurityGroup", "parent.yaml", 28)}
    (finding,) = report.findings
    assert "Network.Vpc" in finding.message
    assert codes(report) == [("template-not-local", "parent.yaml", 31)]


def test_a_nested_template_outside_the_analysis_root_is_not_read(tmp_path):
    repo = tmp_path / "repo"
    (repo / ".git").mkdir(parents=True)
    shutil.copy(EXAMPLES / "nested-stack" / "templates" / "network.yaml", tmp_path / "net.yaml")
    text = (EXAMPLES / "nested-stack" / "parent.yaml").read_text(encoding="utf-8")
    (repo / "parent.yaml").write_text(text.replace("templates/network.yaml", "../net.yaml"),
                                      encoding="utf-8")
    report = lint(repo)
    assert triples(report, repo) == set()
    assert codes(report) == [("template-outside-analysis-root", "parent.yaml", 13),
                             ("template-not-local", "parent.yaml", 31)]


def test_a_cdk_assembly_resolves_cross_stack_imports_and_names_constructs():
    report = lint(ASSEMBLY)
    assert triples(report, ASSEMBLY) == {
        ("VSL101", "DatabaseSecurityGroup7319C0F6", "AppStack.template.json", 18),
        ("VSL205", "Vpc8378EB38", "NetworkStack.template.json", 3),
        # natGateways: 1 with maxAzs: 2 - one NAT gateway serves both zones' private subnets.
        ("VSL502", "VpcpublicSubnet1NATGatewayA036E8A6", "NetworkStack.template.json", 95),
    }
    messages = {f.rule_id: f.message for f in report.findings}
    assert messages["VSL101"].endswith("(construct AppStack/DatabaseSecurityGroup/Resource)")
    assert messages["VSL205"].endswith("(construct NetworkStack/Vpc/Resource)")
    assert report.notices == []


def test_the_app_stack_alone_cannot_see_the_network(tmp_path):
    shutil.copy(ASSEMBLY / "AppStack.template.json", tmp_path)
    report = lint(tmp_path)
    assert triples(report, tmp_path) == set()
    assert [c for c, _, _ in codes(report)] == ["import-without-export"] * 2


def test_a_broken_manifest_is_vsl000_and_the_stacks_are_still_analysed(tmp_path):
    assembly = tmp_path / "cdk.out"
    shutil.copytree(ASSEMBLY, assembly)
    (assembly / "manifest.json").write_text('{"version": "48.0.0", "artifacts": {',
                                            encoding="utf-8")
    result = run_cli("--no-cache", "--format", "json", str(assembly))
    found = {(f["rule_id"], Path(f["path"]).name) for f in json.loads(result.stdout)["findings"]}
    assert found == {("VSL000", "manifest.json"), ("VSL101", "AppStack.template.json"),
                     ("VSL205", "NetworkStack.template.json"),
                     ("VSL502", "NetworkStack.template.json")}


def test_a_missing_nested_template_is_not_followed_and_a_broken_one_is_vsl000(tmp_path):
    text = (EXAMPLES / "nested-stack" / "parent.yaml").read_text(encoding="utf-8")
    (tmp_path / "missing.yaml").write_text(text.replace("templates/network.yaml", "nowhere.yaml"),
                                           encoding="utf-8")
    report = lint(tmp_path / "missing.yaml")
    assert [f.rule_id for f in report.findings] == []
    assert codes(report)[0] == ("template-not-found", "missing.yaml", 13)
    (tmp_path / "broken.yaml").write_text(text.replace("templates/network.yaml", "bad.yaml"),
                                          encoding="utf-8")
    (tmp_path / "bad.yaml").write_text("Resources:\n  Vpc: [unclosed\n", encoding="utf-8")
    report = lint(tmp_path / "broken.yaml")
    assert {(f.rule_id, Path(f.loc.path).name) for f in report.findings} == {
        ("VSL000", "bad.yaml")}


# -- The export index: each template read once per run, however many import ----

IMPORTING_STACK = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: 10.{i}.0.0/16
  Group:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: imports the next stack's VPC
      VpcId: !ImportValue vpc-{next}
Outputs:
  VpcId:
    Value: !Ref Vpc
    Export:
      Name: vpc-{i}
"""

_opened: list[str] = []
_listed: list[str] = []
_counting: list[str] = []
"""The directory whose file opens and listings the audit hook counts (empty: none)."""


def _count_opens(event: str, args: tuple) -> None:
    if not _counting or not args or not isinstance(args[0], str):
        return
    if event == "open" and args[0].startswith(_counting[0]):
        _opened.append(args[0])
    elif event == "os.scandir" and os.path.abspath(args[0]) == _counting[0]:
        _listed.append(args[0])


sys.addaudithook(_count_opens)  # hooks cannot be removed: it counts only while asked


def _reads_of(directory: Path, n: int, cache: bool) -> tuple[int, int]:
    """File opens and listings of `directory` while linting `n` stacks, each importing the
    next's VPC."""
    directory.mkdir()
    old = time.time() - 3600  # not "just modified": the unit cache stores the outcomes
    for i in range(n):
        path = directory / f"stack{i}.yaml"
        path.write_text(IMPORTING_STACK.format(i=i, next=(i + 1) % n), encoding="utf-8")
        os.utime(path, (old, old))
    _opened.clear()
    _listed.clear()
    _counting[:] = [str(directory)]
    try:
        report = Session(Options(jobs=1), use_cache=cache).lint_paths([str(directory)])
    finally:
        _counting.clear()
    assert report.files == n and report.notices == []  # every import resolved
    return len(_opened), len(_listed)


@pytest.mark.parametrize("cache", [False, True], ids=["no-cache", "cache"])
def test_a_directory_of_importing_stacks_costs_reads_linear_in_its_size(tmp_path, monkeypatch,
                                                                        cache):
    monkeypatch.setenv("VPCSEC_LINT_CACHE_DIR", str(tmp_path / "cache"))
    counts = {n: _reads_of(tmp_path / f"n{n}", n, cache) for n in (4, 8, 16, 32)}
    # Each stack is read for the directory's export index, as its own unit and as the
    # exporter its neighbour joins (with the cache, digested twice more when stored).
    per_stack = 5 if cache else 3
    assert {n: reads for n, (reads, _) in counts.items()} == {n: per_stack * n for n in counts}
    # The directory is listed a fixed number of times, not once per importing stack.
    assert len({listings for _, listings in counts.values()}) == 1


def test_a_cached_import_is_analysed_again_when_a_siblings_exports_change(tmp_path,
                                                                          monkeypatch):
    from vpcsec_lint.units import Analyser

    monkeypatch.setenv("VPCSEC_LINT_CACHE_DIR", str(tmp_path / "cache"))
    analysed: list[str] = []
    analyse = Analyser.analyse
    monkeypatch.setattr(Analyser, "analyse",
                        lambda self, task: analysed.append(Path(task.path).name)
                        or analyse(self, task))
    base = tmp_path / "stacks"
    shutil.copytree(EXAMPLES / "exports", base)
    old = time.time() - 3600

    def run(**texts: str) -> set:
        for name, text in texts.items():
            (base / name).write_text(text, encoding="utf-8")
        for path in base.iterdir():
            os.utime(path, (old, old))
        analysed.clear()
        return triples(Session(Options(jobs=1)).lint_paths([str(base)]), base)

    network = (base / "network.yaml").read_text(encoding="utf-8")
    assert run() == {("VSL101", "CacheSecurityGroup", "app.yaml", 14)}
    assert analysed == ["app.yaml", "network.yaml"]
    # A template beside it that exports nothing: the importing unit is a cache hit.
    assert run(**{"queue.yaml": network.replace("Export:", "Metadata:")}) == {
        ("VSL101", "CacheSecurityGroup", "app.yaml", 14)}
    assert analysed == ["queue.yaml"]
    # Another template now exports `other-team-VpcId`: the importing unit runs again.
    run(**{"other.yaml": network.replace("shared-network-", "other-team-")})
    assert analysed == ["app.yaml", "other.yaml"]
    # The network no longer exports the CIDR: the importing unit runs again, the finding goes.
    assert run(**{"network.yaml": network.replace("shared-network-VpcCidr", "renamed")}) == set()
    assert analysed == ["app.yaml", "network.yaml"]


def test_exports_past_the_directory_budget_are_not_looked_for(tmp_path, monkeypatch):
    from vpcsec_lint.cloudformation import stacks

    monkeypatch.setattr(stacks, "MAX_DIRECTORY_TEMPLATES", 3)
    for i in range(5):
        (tmp_path / f"stack{i}.yaml").write_text(
            IMPORTING_STACK.format(i=i, next=(i + 1) % 5), encoding="utf-8")
    report = lint(tmp_path)
    budgets = {(n.code, n.path) for n in report.notices if n.kind == "budget"}
    assert budgets == {("directory-templates", str(tmp_path))}
    # stack2 imports vpc-3 and stack3 imports vpc-4, exported past the first three templates
    assert sorted(Path(n.path).name for n in report.notices
                  if n.code == "import-without-export") == ["stack2.yaml", "stack3.yaml"]
