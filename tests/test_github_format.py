"""`--format github`: workflow commands, escaping, the annotation limit, the job summary."""

from __future__ import annotations

import subprocess
from pathlib import Path

from helpers import run_cli

from vpcsec_lint.engine import Report
from vpcsec_lint.findings import Finding, Related
from vpcsec_lint.formatters import RenderContext
from vpcsec_lint.formatters.github_format import escape_data, escape_property, render
from vpcsec_lint.values import Location

VPC = 'resource "aws_vpc" "main" {\n  cidr_block = "10.42.0.0/16"\n}\n'


def group(name: str, port: int, suffix: str = "") -> str:
    return (f'\nresource "aws_security_group" "{name}" {{\n'
            f"  vpc_id = aws_vpc.main.id\n"
            f"  ingress {{\n"
            f"    from_port   = {port}\n"
            f"    to_port     = {port}\n"
            f'    protocol    = "tcp"\n'
            f"    cidr_blocks = [aws_vpc.main.cidr_block]{suffix}\n"
            f"  }}\n}}\n")


def repo(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    return root


def message(port: int) -> str:
    return (f"Ingress on tcp/{port} allows the whole VPC CIDR (aws_vpc.main.cidr_block); "
            "allow the client's security group instead.")


def cell(text: str) -> str:
    """`text` as the job summary writes it (the characters in these messages only)."""
    for char in "\\_().":
        text = text.replace(char, "\\" + char)
    return text.replace("'", "&#39;")


def test_one_command_per_finding_with_repository_relative_paths(tmp_path):
    root = repo(tmp_path, {"infra/net/vpc.tf": VPC,
                           "infra/net/groups.tf": group("db", 5432) + group("cache", 6379),
                           ".vpcsec-lint.yaml": "severity:\n  VSL101: error\n"})
    result = run_cli("--format", "github", "net", cwd=root / "infra")
    assert result.returncode == 1, result.stderr
    related = "%0ARelated: infra/net/vpc.tf:1: VPC aws_vpc.main" \
              "%0ARelated: infra/net/vpc.tf:2: CIDR defined here"
    assert result.stdout.splitlines() == [
        "::error file=infra/net/groups.tf,line=8,col=5,endLine=8,endColumn=44,"
        f"title=VSL101 sg-vpc-cidr-source::{message(5432)} [aws_security_group.db]{related}",
        "::error file=infra/net/groups.tf,line=18,col=5,endLine=18,endColumn=44,"
        f"title=VSL101 sg-vpc-cidr-source::{message(6379)} [aws_security_group.cache]{related}",
    ]


def test_properties_and_message_are_escaped(tmp_path):
    root = repo(tmp_path, {"odd,dir:x/100%.tf": VPC + group("db", 5432)})
    result = run_cli("--format", "github", ".", cwd=root)
    (line,) = result.stdout.splitlines()
    assert line.startswith("::warning file=odd%2Cdir%3Ax/100%25.tf,line=11,col=5,")
    assert "%0ARelated: odd,dir:x/100%25.tf:1: VPC aws_vpc.main" in line

    finding = Finding("VSL101", "sg-vpc-cidr-source", "note", "50% off\r\nnext: a,b",
                      Location(str(root / "a.tf"), 3, 2), None, "terraform")
    out = render(Report([finding], 1), RenderContext(cwd=str(root)), environ={})
    assert out == ("::notice file=a.tf,line=3,col=2,title=VSL101 sg-vpc-cidr-source"
                   "::50%25 off%0D%0Anext: a,b\n")
    assert escape_data("%\r\n:,") == "%25%0D%0A:,"
    assert escape_property("%\r\n:,") == "%25%0D%0A%3A%2C"


def test_severities_map_to_error_warning_notice(tmp_path):
    findings = [Finding("VSL101", "sg-vpc-cidr-source", severity, "m",
                        Location(str(tmp_path / "a.tf"), n, 1, n, 4), "aws_security_group.x",
                        "terraform", [Related(Location(str(tmp_path / "b.tf"), 9, 1), "VPC")])
                for n, severity in enumerate(("error", "warning", "note"), start=1)]
    out = render(Report(findings, 2), RenderContext(cwd=str(tmp_path)), environ={})
    assert [line.split(" ", 1)[0] for line in out.splitlines()] == [
        "::error", "::warning", "::notice"]
    assert out.splitlines()[2] == (
        "::notice file=a.tf,line=3,col=1,endLine=3,endColumn=4,title=VSL101 sg-vpc-cidr-source"
        "::m [aws_security_group.x]%0ARelated: b.tf:9: VPC")


def test_more_than_ten_of_a_kind_is_said_on_the_log(tmp_path):
    ten = VPC + "".join(group(f"g{n}", 1000 + n) for n in range(10))
    root = repo(tmp_path, {"ten/main.tf": ten, "eleven/main.tf": ten + group("g10", 1010)})
    quiet = run_cli("--format", "github", "ten", cwd=root)
    assert len(quiet.stdout.splitlines()) == 10
    assert all(line.startswith("::warning ") for line in quiet.stdout.splitlines())
    loud = run_cli("--format", "github", "eleven", cwd=root)
    lines = loud.stdout.splitlines()
    assert len(lines) == 12 and all(line.startswith("::warning ") for line in lines[:11])
    assert lines[11] == ("vpcsec-lint: 11 warning annotations; GitHub shows only about 10 of "
                         "each kind per step on the pull request, this log lists all of them.")
    summary = tmp_path / "summary.md"
    with_summary = run_cli("--format", "github", "eleven", cwd=root,
                           env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert with_summary.stdout.splitlines()[11].endswith(
        "this log and the job summary list all of them.")


def test_step_summary_gets_a_table_of_all_findings(tmp_path):
    root = repo(tmp_path, {"main.tf": VPC + group("db", 5432)
                           + group("old", 22, " # vpcsec-lint: ignore=VSL101 -- a|b")})
    summary = tmp_path / "summary.md"
    summary.write_text("earlier step\n")
    env = {"GITHUB_STEP_SUMMARY": str(summary), "GITHUB_SERVER_URL": "",
           "GITHUB_REPOSITORY": "", "GITHUB_SHA": ""}
    result = run_cli("--format", "github", ".", cwd=root, env=env)
    assert result.returncode == 1
    assert summary.read_text() == (
        "earlier step\n"
        "## vpcsec-lint\n\n"
        "1 finding (0 error, 1 warning, 0 note) in 1 file, 1 suppressed.\n\n"
        "| severity | rule | location | resource | message |\n"
        "|---|---|---|---|---|\n"
        "| warning | VSL101 sg-vpc-cidr-source | <code>main\\.tf\\:11</code> | "
        "<code>aws\\_security\\_group\\.db</code> | "
        f"{cell(message(5432))} |\n\n")

    summary.write_text("")
    env.update({"GITHUB_SERVER_URL": "https://github.com", "GITHUB_REPOSITORY": "o/r",
                "GITHUB_SHA": "abc123"})
    shown = run_cli("--format", "github", "--show-suppressed", ".", cwd=root, env=env)
    assert shown.stdout.splitlines()[1].startswith(
        "::notice file=main.tf,line=21,col=5,endLine=21,endColumn=44,"
        "title=VSL101 sg-vpc-cidr-source (suppressed)::")
    assert shown.stdout.splitlines()[1].split("%0A")[0].endswith(
        "[aws_security_group.old] (suppressed: a|b)")
    table = summary.read_text().splitlines()
    assert table[-2] == (
        "| warning (suppressed) | VSL101 sg-vpc-cidr-source | "
        "[main\\.tf\\:21](https://github.com/o/r/blob/abc123/main.tf#L21) | "
        f"<code>aws\\_security\\_group\\.old</code> | {cell(message(22))} |")


def test_no_findings_prints_nothing(tmp_path):
    root = repo(tmp_path, {"main.tf": VPC})
    summary = tmp_path / "summary.md"
    result = run_cli("--format", "github", ".", cwd=root, env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert (result.returncode, result.stdout) == (0, "")
    assert summary.read_text() == "## vpcsec-lint\n\n0 findings (0 error, 0 warning, 0 note) " \
                                  "in 1 file.\n\n"
