"""Inline suppressions: Terraform comments and CloudFormation Metadata (CLI.md)."""

from __future__ import annotations

from pathlib import Path

import pytest
from helpers import json_report, lint, run_cli

from vpcsec_lint.suppressions import parse_directive

VPC = 'resource "aws_vpc" "main" {\n  cidr_block = "10.42.0.0/16"\n}\n'


def group(name: str, above: str = "", above_attr: str = "", eol: str = "") -> str:
    """A security group trusting its VPC's CIDR; its `cidr_blocks` is on line 7 of the text."""
    head = f"{above}\n" if above else ""
    attr = f"    {above_attr}\n" if above_attr else ""
    return (f'{head}resource "aws_security_group" "{name}" {{\n'
            "  vpc_id = aws_vpc.main.id\n"
            "  ingress {\n"
            "    from_port   = 5432\n"
            "    to_port     = 5432\n"
            '    protocol    = "tcp"\n'
            f"{attr}    cidr_blocks = [aws_vpc.main.cidr_block]{eol}\n"
            "  }\n}\n")


def outcome(path: Path) -> set[tuple[str, str | None, int, bool, str | None]]:
    report = lint(path, select={"VSL101"})
    return {(f.rule_id, f.resource, f.loc.line, f.suppressed, f.suppression_reason)
            for f in report.findings}


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    return root


@pytest.mark.parametrize("above, above_attr, eol, line, reason", [
    ("# vpcsec-lint: ignore=VSL101 -- clients move between subnets", "", "", 8,
     "clients move between subnets"),
    ("", "# vpcsec-lint: ignore=VSL101 -- legacy", "", 8, "legacy"),
    ("", "", "  # vpcsec-lint: ignore=VSL101 -- at the end", 7, "at the end"),
    ("// vpcsec-lint: ignore=VSL101 -- slashes", "", "", 8, "slashes"),
    ("", "", " // vpcsec-lint: ignore=VSL101", 7, None),
    ("# vpcsec-lint: ignore=VSL101", "", "", 8, None),
    ("# vpcsec-lint: ignore=VSL203, VSL101 -- two IDs", "", "", 8, "two IDs"),
    ("# vpcsec-lint: ignore=VSL1 -- a prefix", "", "", 8, "a prefix"),
    ("# Database access.\n# vpcsec-lint: ignore=vsl101 -- in a comment block", "", "", 9,
     "in a comment block"),
])
def test_terraform_comment_forms(tmp_path, above, above_attr, eol, line, reason):
    write(tmp_path, {"vpc.tf": VPC, "main.tf": group("db", above, above_attr, eol)})
    assert outcome(tmp_path) == {("VSL101", "aws_security_group.db", line, True, reason)}


@pytest.mark.parametrize("above, above_attr, eol", [
    ("# vpcsec-lint: ignore=VSL102 -- another rule", "", ""),
    ("# vpcsec-lint: ignore=VSL101 -- not adjacent\n", "", ""),
    ("", "", "  # vpcsec-lint: ignore=VSL1011"),
    ("# vpcsec-lint: ignore VSL101", "", ""),
])
def test_terraform_comments_that_do_not_apply(tmp_path, above, above_attr, eol):
    write(tmp_path, {"vpc.tf": VPC, "main.tf": group("db", above, above_attr, eol)})
    (finding,) = outcome(tmp_path)
    assert finding[3] is False


def test_a_comment_covers_only_its_own_resource(tmp_path):
    text = group("db", "# vpcsec-lint: ignore=VSL101 -- ok") + "\n" + group("cache")
    write(tmp_path, {"vpc.tf": VPC, "main.tf": text})
    assert outcome(tmp_path) == {
        ("VSL101", "aws_security_group.db", 8, True, "ok"),
        ("VSL101", "aws_security_group.cache", 18, False, None)}


def test_comment_above_a_module_block_covers_findings_inside_it(tmp_path):
    child = ('variable "vpc_id" {}\nvariable "vpc_cidr" {}\n\n'
             'resource "aws_security_group" "db" {\n'
             "  vpc_id = var.vpc_id\n"
             "  ingress {\n"
             "    from_port   = 5432\n"
             "    to_port     = 5432\n"
             '    protocol    = "tcp"\n'
             "    cidr_blocks = [var.vpc_cidr]\n"
             "  }\n}\n")
    call = ('module "{name}" {{\n  source   = "./modules/{source}"\n'
            "  vpc_id   = aws_vpc.main.id\n  vpc_cidr = aws_vpc.main.cidr_block\n}}\n")
    write(tmp_path, {
        "modules/old/main.tf": child,
        "modules/new/main.tf": child,
        "main.tf": VPC + "\n# vpcsec-lint: ignore=VSL101 -- reviewed\n"
                   + call.format(name="legacy", source="old") + "\n"
                   + call.format(name="fresh", source="new"),
    })
    assert outcome(tmp_path) == {
        ("VSL101", "module.legacy.aws_security_group.db", 10, True, "reviewed"),
        ("VSL101", "module.fresh.aws_security_group.db", 10, False, None)}
    # Two calls of one child report its line once: suppressed only if every call is.
    write(tmp_path, {"main.tf": VPC + "\n# vpcsec-lint: ignore=VSL101 -- reviewed\n"
                     + call.format(name="legacy", source="old") + "\n"
                     + call.format(name="fresh", source="old")})
    assert outcome(tmp_path) == {
        ("VSL101", "module.fresh.aws_security_group.db", 10, False, None)}


CFN_GROUP = """\
  {name}:
    Type: AWS::EC2::SecurityGroup
{metadata}    Properties:
      GroupDescription: db
      VpcId: !Ref Vpc
      SecurityGroupIngress:
        - IpProtocol: tcp
          FromPort: 5432
          ToPort: 5432
          CidrIp: !GetAtt Vpc.CidrBlock
"""


def template(groups: list[tuple[str, str]], top: str = "") -> str:
    body = "".join(CFN_GROUP.format(name=n, metadata=m) for n, m in groups)
    return (f"AWSTemplateFormatVersion: '2010-09-09'\n{top}Resources:\n"
            "  Vpc:\n    Type: AWS::EC2::VPC\n    Properties:\n      CidrBlock: 10.42.0.0/16\n"
            + body)


def test_cloudformation_resource_metadata_both_entry_forms(tmp_path):
    plain = "    Metadata:\n      vpcsec-lint:\n        ignore: [VSL101]\n"
    reasoned = ("    Metadata:\n      vpcsec-lint:\n        ignore:\n"
                "          - id: VSL101\n            reason: reviewed with the DBA\n")
    other = "    Metadata:\n      vpcsec-lint:\n        ignore: [VSL203]\n"
    single = "    Metadata:\n      vpcsec-lint:\n        ignore: VSL101\n"
    write(tmp_path, {"t.yaml": template([("Plain", plain), ("Reasoned", reasoned),
                                          ("Other", other), ("Single", single),
                                          ("Bare", "")])})
    assert outcome(tmp_path / "t.yaml") == {
        ("VSL101", "Plain", 19, True, None),
        ("VSL101", "Reasoned", 34, True, "reviewed with the DBA"),
        ("VSL101", "Other", 47, False, None),
        ("VSL101", "Single", 60, True, None),
        ("VSL101", "Bare", 70, False, None),
    }


def test_cloudformation_template_metadata_covers_the_whole_template(tmp_path):
    top = ("Metadata:\n  vpcsec-lint:\n    ignore:\n"
           "      - {id: VSL101, reason: sandbox account}\n")
    write(tmp_path, {"t.yaml": template([("A", ""), ("B", "")], top)})
    assert outcome(tmp_path / "t.yaml") == {("VSL101", "A", 20, True, "sandbox account"),
                                            ("VSL101", "B", 30, True, "sandbox account")}


def test_suppressed_findings_are_kept_counted_and_never_fail_the_run(tmp_path):
    write(tmp_path, {"vpc.tf": VPC,
                     "main.tf": group("db", "# vpcsec-lint: ignore=VSL101 -- reviewed") + "\n"
                     + group("cache", eol="  # vpcsec-lint: ignore=VSL101")})
    result = run_cli("--format", "json", "--fail-on", "note", ".", cwd=tmp_path)
    assert result.returncode == 0, result.stderr
    doc = json_report(result.stdout)
    assert [(f["resource"], f["line"], f["suppressed"], f["suppression_reason"])
            for f in doc["findings"] if f["rule_id"] == "VSL101"] == [
        ("aws_security_group.db", 8, True, "reviewed"),
        ("aws_security_group.cache", 18, True, None)]
    assert doc["summary"]["findings"] == 0
    assert doc["summary"]["warning"] == 0
    assert doc["summary"]["suppressed"] == 2
    assert doc["summary"]["suppressed_without_reason"] == 1

    text = run_cli(".", cwd=tmp_path)
    assert (text.returncode, text.stdout) == (0, "")
    assert "2 suppressed" in text.stderr
    shown = run_cli("--show-suppressed", ".", cwd=tmp_path)
    assert shown.returncode == 0
    assert shown.stdout.splitlines() == [
        "main.tf:8:5: warning VSL101 Ingress on tcp/5432 allows the whole VPC CIDR "
        "(aws_vpc.main.cidr_block); allow the client's security group instead. "
        "[aws_security_group.db] (suppressed)",
        "main.tf:18:5: warning VSL101 Ingress on tcp/5432 allows the whole VPC CIDR "
        "(aws_vpc.main.cidr_block); allow the client's security group instead. "
        "[aws_security_group.cache] (suppressed)"]


def test_parse_errors_cannot_be_suppressed(tmp_path):
    write(tmp_path, {"tf/main.tf": "# vpcsec-lint: ignore=VSL000 -- please\nresource {\n",
                     "cfn/t.yaml": "AWSTemplateFormatVersion: '2010-09-09'\n"
                                   "Metadata:\n  vpcsec-lint:\n    ignore: [VSL000]\n"
                                   "Resources: [unclosed\n"})
    result = run_cli("--format", "json", ".", cwd=tmp_path)
    assert result.returncode == 1
    doc = json_report(result.stdout)
    assert [(f["rule_id"], f["path"], f["suppressed"]) for f in doc["findings"]] == [
        ("VSL000", "cfn/t.yaml", False), ("VSL000", "tf/main.tf", False)]


def test_directive_parsing():
    assert parse_directive("  # vpcsec-lint: ignore=VSL101,vsl203 -- why not") == (
        ["VSL101", "VSL203"], "why not")
    assert parse_directive("x = 1 // vpcsec-lint:ignore = VSL101") == (["VSL101"], None)
    assert parse_directive("# vpcsec-lint: ignore=VSL101 -- ") == (["VSL101"], None)
    assert parse_directive("# vpcsec-lint: ignore=VSL101 trailing words") is None
    assert parse_directive("# vpcsec-lint: ignore=") is None
    assert parse_directive("# nothing here") is None
