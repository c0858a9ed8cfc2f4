"""vpcsec-lint's rules inside the real checkov, from `vpcsec-lint checkov-checks DIR`.

checkov runs in a virtualenv of its own (nothing of ours is installed there):
`VPCSEC_CHECKOV_VENV` names an existing one, otherwise one is created once
under `~/.cache/vpcsec-lint-test/checkov-venv` with `pip install checkov`.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import textwrap
import zipfile
from pathlib import Path

import pytest
from helpers import FIXTURES, lint, run_cli

from vpcsec_lint.integrations.checkov_export import BUNDLE, LOADER, export

CACHE = Path(os.environ.get("XDG_CACHE_HOME", Path.home() / ".cache")) / "vpcsec-lint-test"


def _bin(venv: Path, name: str) -> Path:
    return venv / ("Scripts" if os.name == "nt" else "bin") / name


@pytest.fixture(scope="session")
def checkov_venv() -> Path:
    given = os.environ.get("VPCSEC_CHECKOV_VENV")
    venv = Path(given) if given else CACHE / "checkov-venv"
    if not _bin(venv, "checkov").exists():
        if given:
            pytest.fail(f"VPCSEC_CHECKOV_VENV={given} has no checkov")
        subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=600)
        subprocess.run([str(_bin(venv, "python")), "-m", "pip", "install", "--quiet", "checkov"],
                       check=True, timeout=1800)
    return venv


@pytest.fixture(scope="session")
def checks_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    directory = tmp_path_factory.mktemp("checkov") / "vsl-checks"
    result = run_cli("checkov-checks", str(directory))
    assert result.returncode == 0, result.stderr
    return directory


def checkov(venv: Path, checks: Path, *args: str, cwd: Path) -> list[dict]:
    """Run checkov with our checks; its JSON reports (one per framework)."""
    result = subprocess.run(
        [str(_bin(venv, "checkov")), "--external-checks-dir", str(checks), "--skip-download",
         "--framework", "terraform", "terraform_json", "cloudformation", "--output", "json",
         *args],
        cwd=cwd, capture_output=True, text=True, timeout=1200)
    assert result.returncode in (0, 1), result.stderr[-3000:]
    assert "Cannot load external check" not in result.stderr, result.stderr[-3000:]
    reports = json.loads(result.stdout)
    return reports if isinstance(reports, list) else [reports]


def _resource(check_type: str, resource: str) -> str:
    if check_type == "cloudformation":
        return resource.rsplit(".", 1)[-1]  # AWS::EC2::VPC.Vpc -> Vpc
    return re.sub(r"\[[^\]]*\]", "", resource)


def _as_checkov_names(path: str, address: str) -> str:
    """checkov's terraform_json runner names `.tf.json` resources `resource.<name>`."""
    return "resource." + address.rsplit(".", 1)[-1] if path.endswith(".tf.json") else address


def results(reports: list[dict], kind: str) -> set[tuple[str, str, str]]:
    """(check ID, file, resource) of our checks' `failed`/`passed`/`skipped` results."""
    return {(r["check_id"], r["file_path"], _resource(report["check_type"], r["resource"]))
            for report in reports for r in report["results"][f"{kind}_checks"]
            if r["check_id"].startswith("CKV_VSL_")}


@pytest.fixture(scope="session")
def fixture_reports(checkov_venv: Path, checks_dir: Path) -> list[dict]:
    return checkov(checkov_venv, checks_dir, "-d", ".", "--check", "CKV_VSL_*", cwd=FIXTURES)


def declaring_files(root: Path) -> dict[tuple[str, str], str]:
    """(a file of a unit, resource address) -> the file that declares the resource.

    checkov reports a resource in the file that declares it; our finding may be
    located elsewhere (a policy document in another file of the module).
    """
    from vpcsec_lint.discovery import collect
    from vpcsec_lint.engine import Options
    from vpcsec_lint.units import load_units

    out = {}
    for unit, _named in load_units(collect([str(root)]), Options()):
        for resource in unit.resources:
            for path in unit.files:
                out[(os.path.normpath(path), resource.address)] = resource.loc.path
    return out


def test_findings_on_the_fixtures_equal_the_cli(fixture_reports: list[dict]) -> None:
    declared = declaring_files(FIXTURES)

    def where(path: str, resource: str) -> str:
        path = declared.get((os.path.normpath(path), resource), path)
        return "/" + Path(path).relative_to(FIXTURES).as_posix()

    expected = {(f"CKV_VSL_{f.rule_id[3:]}", where(f.loc.path, f.resource),
                 _as_checkov_names(where(f.loc.path, f.resource),
                                   _resource(f.framework, f.resource)))
                # Plans reach checkov's own plan runner, not our checks: lint without them.
                for f in lint(FIXTURES, excluded=lambda p: p.endswith("plan.json")).findings
                if not f.suppressed and f.resource and f.rule_id not in ("VSL000", "VSL999")}
    assert {e[0] for e in expected} >= {"CKV_VSL_101", "CKV_VSL_103", "CKV_VSL_202",
                                        "CKV_VSL_301"}
    assert {e[1].split("/")[1] for e in expected} == {"terraform", "cloudformation"}
    # checkov walks into cdk.out/, which vpcsec-lint enters only when it is named.
    failed = {r for r in results(fixture_reports, "failed") if "/cdk.out/" not in r[1]}
    assert failed == expected


def test_resources_the_rule_examines_pass(fixture_reports: list[dict]) -> None:
    passed = results(fixture_reports, "passed")
    assert ("CKV_VSL_101", "/terraform/VSL101/quiet/main.tf", "aws_security_group.db") in passed
    assert ("CKV_VSL_101", "/cloudformation/VSL101/quiet.yaml", "DbSecurityGroup") in passed
    # A rule has no opinion on other resource types: no result at all.
    assert not {p for p in passed if p[0] == "CKV_VSL_101" and p[2].startswith("aws_vpc.")}


TF = textwrap.dedent("""\
    resource "aws_vpc" "main" {
      cidr_block = "10.42.0.0/16"
    }

    resource "aws_security_group" "skipped" {
      # checkov:skip=CKV_VSL_101:the load balancer's addresses are not fixed
      description = "database"
      vpc_id      = aws_vpc.main.id
      ingress {
        description = "postgres"
        from_port   = 5432
        to_port     = 5432
        protocol    = "tcp"
        cidr_blocks = [aws_vpc.main.cidr_block]
      }
    }

    resource "aws_security_group" "flagged" {
      description = "cache"
      vpc_id      = aws_vpc.main.id
      ingress {
        description = "redis"
        from_port   = 6379
        to_port     = 6379
        protocol    = "tcp"
        cidr_blocks = [aws_vpc.main.cidr_block]
      }
    }
    """)

CFN = textwrap.dedent("""\
    AWSTemplateFormatVersion: "2010-09-09"
    Resources:
      Vpc:
        Type: AWS::EC2::VPC
        Properties:
          CidrBlock: 10.42.0.0/16
      Skipped:
        Type: AWS::EC2::SecurityGroup
        Metadata:
          checkov:
            skip:
              - id: CKV_VSL_101
                comment: the load balancer's addresses are not fixed
        Properties:
          GroupDescription: database
          VpcId: !Ref Vpc
          SecurityGroupIngress:
            - IpProtocol: tcp
              FromPort: 5432
              ToPort: 5432
              CidrIp: !GetAtt Vpc.CidrBlock
      Flagged:
        Type: AWS::EC2::SecurityGroup
        Properties:
          GroupDescription: cache
          VpcId: !Ref Vpc
          SecurityGroupIngress:
            - IpProtocol: tcp
              FromPort: 6379
              ToPort: 6379
              CidrIp: !GetAtt Vpc.CidrBlock
    """)


def test_checkov_skips_and_its_own_checks_still_run(checkov_venv: Path, checks_dir: Path,
                                                      tmp_path: Path) -> None:
    (tmp_path / "tf").mkdir()
    (tmp_path / "tf" / "main.tf").write_text(TF)
    (tmp_path / "template.yaml").write_text(CFN)
    reports = checkov(checkov_venv, checks_dir, "-d", ".", cwd=tmp_path)
    assert results(reports, "failed") == {
        ("CKV_VSL_101", "/tf/main.tf", "aws_security_group.flagged"),
        ("CKV_VSL_101", "/template.yaml", "Flagged")}
    assert results(reports, "skipped") == {
        ("CKV_VSL_101", "/tf/main.tf", "aws_security_group.skipped"),
        ("CKV_VSL_101", "/template.yaml", "Skipped")}
    own = {r["check_id"] for report in reports
           for kind in ("passed", "failed") for r in report["results"][f"{kind}_checks"]
           if not r["check_id"].startswith("CKV_VSL_")}
    assert any(i.startswith("CKV_AWS_") for i in own)
    assert {report["check_type"] for report in reports} >= {"terraform", "cloudformation"}
    # Files named one by one (as pre-commit does): the file's module is the context.
    named = checkov(checkov_venv, checks_dir, "-f", "tf/main.tf", "-f", "template.yaml",
                    "--check", "CKV_VSL_101", cwd=tmp_path)
    assert {(c, r) for c, _f, r in results(named, "failed")} == {
        ("CKV_VSL_101", "aws_security_group.flagged"), ("CKV_VSL_101", "Flagged")}


def test_checkov_still_imports_its_own_hcl2(checkov_venv: Path, fixture_reports: list[dict],
                                            tmp_path: Path) -> None:
    script = ("import importlib.util, hcl2; from hcl2 import START_LINE; "
              "print(importlib.util.find_spec('vpcsec_lint'), importlib.util.find_spec('lark'))")
    result = subprocess.run([str(_bin(checkov_venv, "python")), "-c", script], cwd=tmp_path,
                            capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, result.stderr  # checkov's own hcl2 (bc-python-hcl2) is intact
    # Nothing of ours was installed there; lark is checkov's own dependency.
    assert result.stdout.startswith("None ModuleSpec(name='lark'"), result.stdout


def test_the_directory_holds_a_loader_and_a_bundle(tmp_path: Path) -> None:
    first = export(tmp_path / "a")
    export(tmp_path / "b")
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == sorted(
        ["__init__.py", LOADER, BUNDLE])
    assert (tmp_path / "a" / BUNDLE).read_bytes() == (tmp_path / "b" / BUNDLE).read_bytes()
    names = zipfile.ZipFile(tmp_path / "a" / BUNDLE).namelist()
    assert {"_vpcsec_hcl2/__init__.py", "_vpcsec_hcl2/hcl2.lark", "_vpcsec_hcl2/postlexer.py",
            "vpcsec_lint/engine.py", "vpcsec_lint/rules/vsl101_sg_vpc_cidr_source.py",
            "vpcsec_lint/data/endpoint_policy_services.json"} <= set(names)
    assert not any(n.startswith("hcl2/") for n in names)
    assert "CKV_VSL_101" in first["checks"]


def test_the_bundled_grammar_parses_like_python_hcl2(tmp_path: Path) -> None:
    export(tmp_path)
    text = (FIXTURES / "terraform" / "VSL101" / "fire" / "groups.tf").read_text()
    script = textwrap.dedent(f"""\
        import sys
        sys.path.insert(0, {str(tmp_path / BUNDLE)!r})
        import hcl2, _vpcsec_hcl2
        text = sys.stdin.read()
        assert _vpcsec_hcl2.parses_to_tree(text) == hcl2.parses_to_tree(text)
        print(_vpcsec_hcl2.__file__)
        """)
    result = subprocess.run([sys.executable, "-c", script], input=text, capture_output=True,
                            text=True, timeout=300)
    assert result.returncode == 0, result.stderr
    assert BUNDLE in result.stdout


def test_a_file_is_not_a_directory(tmp_path: Path) -> None:
    target = tmp_path / "file"
    target.write_text("")
    result = run_cli("checkov-checks", str(target))
    assert result.returncode == 2
    assert "not a directory" in result.stderr
