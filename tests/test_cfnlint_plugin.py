"""vpcsec-lint inside the real cfn-lint (`--append-rules vpcsec_lint.integrations.cfnlint`)."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import sysconfig
import textwrap
from pathlib import Path

import pytest
from helpers import FIXTURES, REPO, lint

from vpcsec_lint.integrations.cfnlint import RULE_CLASSES, cfn_lint_id
from vpcsec_lint.registry import all_rules

PLUGIN = "vpcsec_lint.integrations.cfnlint"
TEMPLATES = sorted((FIXTURES / "cloudformation").glob("*/*.yaml"))


def cfn_lint(*args: str, cwd: str | os.PathLike | None = None) -> subprocess.CompletedProcess:
    """Run the cfn-lint command-line tool installed next to this Python."""
    script = Path(sysconfig.get_path("scripts")) / "cfn-lint"
    command = [str(script)] if script.exists() else [
        sys.executable, "-c", "import sys; from cfnlint.runner import main; sys.exit(main())"]
    return subprocess.run([*command, *args], cwd=cwd, capture_output=True, text=True,
                          timeout=600)


def ours(output: str) -> set[tuple[str, str, str | None, int]]:
    """(file, cfn-lint ID, resource, line) for every match of our rules in cfn-lint's JSON."""
    ids = {cls.id for cls in RULE_CLASSES.values()}
    out = set()
    for match in json.loads(output or "[]"):
        if match["Rule"]["Id"] not in ids:
            continue
        path = match["Location"]["Path"] or []
        resource = path[1] if len(path) >= 2 and path[0] == "Resources" else None
        out.add((Path(match["Filename"]).as_posix(), match["Rule"]["Id"], resource,
                 match["Location"]["Start"]["LineNumber"]))
    return out


def test_ids_follow_the_default_severity_and_our_digits() -> None:
    rules = all_rules()
    assert cfn_lint_id(rules["VSL101"]) == "W9101"
    assert cfn_lint_id(rules["VSL202"]) == "E9202"
    assert cfn_lint_id(rules["VSL301"]) == "E9301"
    assert cfn_lint_id(rules["VSL204"]) == "I9204"
    assert set(RULE_CLASSES) == {i for i in rules if i.startswith("VSL")}


def test_every_rule_is_listed_once_by_cfn_lint() -> None:
    result = cfn_lint("--list-rules", "--append-rules", PLUGIN)
    assert result.returncode == 0, result.stderr
    heads = [line.split(":")[0] for line in result.stdout.splitlines()]
    for cls in RULE_CLASSES.values():
        assert heads.count(cls.id) == 1, cls.id


def test_findings_on_the_fixtures_equal_the_cli() -> None:
    assert TEMPLATES, "no CloudFormation fixtures found"
    result = cfn_lint("--format", "json", "--include-checks", "I", "--append-rules", PLUGIN,
                      "--", *[str(t.relative_to(FIXTURES)) for t in TEMPLATES], cwd=FIXTURES)
    assert result.returncode != 0, result.stderr
    expected = set()
    for template in TEMPLATES:
        report = lint(template)
        rules = all_rules()
        expected |= {(template.relative_to(FIXTURES).as_posix(), cfn_lint_id(rules[f.rule_id]),
                      f.resource, f.loc.line)
                     for f in report.findings if not f.suppressed}
    assert expected, "the fixtures should produce findings"
    assert ours(result.stdout) == expected


TEMPLATE = textwrap.dedent("""\
    AWSTemplateFormatVersion: "2010-09-09"
    Resources:
      Vpc:
        Type: AWS::EC2::VPC
        Properties:
          CidrBlock: 10.42.0.0/16
      DbSecurityGroup:
        Type: AWS::EC2::SecurityGroup
        {metadata}Properties:
          GroupDescription: database
          VpcId: !Ref Vpc
          SecurityGroupIngress:
            - IpProtocol: tcp
              FromPort: 5432
              ToPort: 5432
              CidrIp: !GetAtt Vpc.CidrBlock
    """)
IGNORE = "Metadata:\n      cfn-lint:\n        config:\n          ignore_checks: [W9101]\n    "


def test_a_finding_makes_the_exit_status_non_zero(tmp_path: Path) -> None:
    template = tmp_path / "db.yaml"
    template.write_text(TEMPLATE.format(metadata=""))
    assert cfn_lint(str(template)).returncode == 0  # cfn-lint's own rules are satisfied
    result = cfn_lint("--format", "json", "--append-rules", PLUGIN, "--", str(template))
    assert result.returncode == 4  # cfn-lint's bit for warnings
    assert ours(result.stdout) == {(template.as_posix(), "W9101", "DbSecurityGroup", 16)}


def test_resource_metadata_ignore_checks_suppresses(tmp_path: Path) -> None:
    template = tmp_path / "db.yaml"
    template.write_text(TEMPLATE.format(metadata=IGNORE))
    result = cfn_lint("--format", "json", "--append-rules", PLUGIN, "--", str(template))
    assert result.returncode == 0, result.stdout
    assert ours(result.stdout) == set()


def test_cfnlintrc_append_rules(tmp_path: Path) -> None:
    (tmp_path / "db.yaml").write_text(TEMPLATE.format(metadata=""))
    (tmp_path / ".cfnlintrc").write_text(f"append_rules:\n  - {PLUGIN}\n")
    result = cfn_lint("--format", "json", "db.yaml", cwd=tmp_path)
    assert ours(result.stdout) == {("db.yaml", "W9101", "DbSecurityGroup", 16)}


def test_json_templates_report_the_same_lines(tmp_path: Path) -> None:
    from vpcsec_lint.yamlnodes import load_document

    source = FIXTURES / "cloudformation" / "VSL101" / "fire.yaml"
    doc = load_document(source.read_text(), str(source))
    assert doc is not None
    template = tmp_path / "fire.json"
    template.write_text(json.dumps(doc.plain(), indent=2) + "\n")
    result = cfn_lint("--format", "json", "--append-rules", PLUGIN, "--", "fire.json", cwd=tmp_path)
    expected = {("fire.json", cfn_lint_id(all_rules()[f.rule_id]), f.resource, f.loc.line)
                for f in lint(template).findings}
    assert len(expected) == 4
    assert ours(result.stdout) == expected


def test_cfn_lint_parseable_format_carries_our_finding(tmp_path: Path) -> None:
    (tmp_path / "db.yaml").write_text(TEMPLATE.format(metadata=""))
    result = cfn_lint("--format", "parseable", "--append-rules", PLUGIN, "--", "db.yaml",
                      cwd=tmp_path)
    assert result.returncode == 4
    assert result.stdout.splitlines() == [
        "db.yaml:16:11:16:17:W9101:Ingress on tcp/5432 allows the whole VPC CIDR "
        "(!GetAtt Vpc.CidrBlock); allow the client's security group instead."]


def test_the_documented_id_table_is_right() -> None:
    rows = re.findall(r"^\| (VSL\d{3}) \| `([a-z0-9-]+)` \| (\w+) \| (\w+) \| (\w+) \|$",
                      (REPO / "docs" / "integrations.md").read_text(), re.MULTILINE)
    rules = all_rules()
    assert [row[0] for row in rows] == sorted(r for r, cls in rules.items() if cls.builtin)
    for rule_id, name, severity, cfn_id, checkov_id in rows:
        rule = rules[rule_id]
        assert (name, severity, cfn_id, checkov_id) == (
            rule.name, rule.severity, cfn_lint_id(rule), f"CKV_VSL_{rule_id[3:]}")


def test_a_failing_rule_is_cfn_lints_rule_error(monkeypatch: pytest.MonkeyPatch) -> None:
    from cfnlint.api import ManualArgs
    from cfnlint.api import lint as cfn_lint_text

    def fail(_self: object, _model: object) -> None:
        raise ValueError("boom")

    monkeypatch.setattr(all_rules()["VSL101"], "check", fail)
    matches = cfn_lint_text(TEMPLATE.format(metadata=""),
                            config=ManualArgs(append_rules=[PLUGIN]))
    assert [(m.rule.id, m.message.split(":")[0]) for m in matches] == [
        ("E0002", "Internal error in VSL101 (sg-vpc-cidr-source) on -")]
