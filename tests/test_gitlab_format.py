"""`--format gitlab`: GitLab Code Quality JSON with stable fingerprints."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from helpers import run_cli

from vpcsec_lint.findings import Finding, Report
from vpcsec_lint.formatters import RenderContext
from vpcsec_lint.formatters.gitlab_format import render
from vpcsec_lint.values import Location

VPC = 'resource "aws_vpc" "main" {\n  cidr_block = "10.42.0.0/16"\n}\n'
GROUP = """
resource "aws_security_group" "db" {
  vpc_id = aws_vpc.main.id
  ingress {
    from_port   = 5432
    to_port     = 5432
    protocol    = "tcp"
    cidr_blocks = [aws_vpc.main.cidr_block]
  }
}
"""
SUPPRESSED = GROUP.replace('"db"', '"old"').replace(
    "cidr_block]", "cidr_block] # vpcsec-lint: ignore=VSL101")


def gitlab(root: Path, cwd: Path) -> list[dict]:
    result = run_cli("--format", "gitlab", ".", cwd=cwd)
    assert result.returncode == 1, result.stderr
    return json.loads(result.stdout)


def test_code_quality_issues(tmp_path):
    (tmp_path / "infra").mkdir()
    (tmp_path / "infra" / "main.tf").write_text(VPC + GROUP + SUPPRESSED)
    subprocess.run(["git", "init", "-q"], cwd=tmp_path, check=True)
    (issue,) = gitlab(tmp_path, tmp_path / "infra")
    fingerprint = issue.pop("fingerprint")
    assert len(fingerprint) == 32 and int(fingerprint, 16) >= 0
    assert issue == {
        "type": "issue",
        "description": "VSL101 Ingress on tcp/5432 allows the whole VPC CIDR "
                       "(aws_vpc.main.cidr_block); allow the client's security group instead. "
                       "[aws_security_group.db]",
        "check_name": "VSL101",
        "categories": ["Security"],
        "severity": "major",
        "location": {"path": "infra/main.tf", "lines": {"begin": 11, "end": 11}},
        "engine_name": "vpcsec-lint",
    }
    # Unrelated lines above keep the fingerprint; the line number follows the code.
    (tmp_path / "infra" / "main.tf").write_text("# header\n\n" + VPC + GROUP + SUPPRESSED)
    (moved,) = gitlab(tmp_path, tmp_path / "infra")
    assert moved["fingerprint"] == fingerprint
    assert moved["location"]["lines"] == {"begin": 13, "end": 13}


def test_severity_mapping_and_parse_errors(tmp_path):
    findings = [Finding(rule, "r", severity, "m", Location(str(tmp_path / "a.tf"), n), None,
                        "terraform")
                for n, (rule, severity) in enumerate(
                    [("VSL000", "error"), ("VSL101", "warning"), ("VSL102", "note")], start=1)]
    issues = json.loads(render(Report(findings, 1), RenderContext(cwd=str(tmp_path))))
    assert [(i["check_name"], i["severity"], i["categories"], i["location"]) for i in issues] == [
        ("VSL000", "critical", ["Bug Risk"], {"path": "a.tf", "lines": {"begin": 1}}),
        ("VSL101", "major", ["Security"], {"path": "a.tf", "lines": {"begin": 2}}),
        ("VSL102", "minor", ["Security"], {"path": "a.tf", "lines": {"begin": 3}}),
    ]
    assert len({i["fingerprint"] for i in issues}) == 3


def test_no_findings_is_an_empty_list(tmp_path):
    (tmp_path / "main.tf").write_text(VPC)
    result = run_cli("--format", "gitlab", ".", cwd=tmp_path)
    assert (result.returncode, result.stdout) == (0, "[]\n")
