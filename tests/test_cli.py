"""The command line as CLI.md promises it: exit codes, options, the JSON report."""

from __future__ import annotations

import json
import shutil

from helpers import FIXTURES, REPO, json_report, run_cli

VSL101_TF = FIXTURES / "terraform" / "VSL101" / "fire"


def test_bundled_fixtures_fail_with_findings():
    result = run_cli("fixtures/", cwd=REPO)
    assert result.returncode == 1
    assert "fixtures/terraform/VSL101/fire/groups.tf:10:5: warning VSL101 " in result.stdout
    assert "fixtures/cloudformation/VSL101/fire.yaml:31:19: warning VSL101 " in result.stdout
    assert "checked" in result.stderr


def test_json_report_shape_and_order():
    result = run_cli("--format", "json", "--select", "VSL101", "fixtures/terraform/VSL101/fire",
                     cwd=REPO)
    assert result.returncode == 1
    doc = json_report(result.stdout)
    assert list(doc) == ["schema_version", "tool", "findings", "summary"]
    assert doc["schema_version"] == 1 and doc["tool"]["name"] == "vpcsec-lint"
    first = doc["findings"][0]
    assert list(first) == ["rule_id", "rule_name", "severity", "message", "path", "line",
                           "column", "end_line", "end_column", "resource", "framework",
                           "related", "suppressed", "suppression_reason"]
    assert first == {
        "rule_id": "VSL101", "rule_name": "sg-vpc-cidr-source", "severity": "warning",
        "message": "Ingress on tcp/5432 allows the whole VPC CIDR (aws_vpc.main.cidr_block); "
                   "allow the client's security group instead.",
        "path": "fixtures/terraform/VSL101/fire/groups.tf", "line": 10, "column": 5,
        "end_line": 10, "end_column": 44, "resource": "aws_security_group.db",
        "framework": "terraform",
        "related": [{"path": "fixtures/terraform/VSL101/fire/vpc.tf", "line": 5,
                     "message": "VPC aws_vpc.main"},
                    {"path": "fixtures/terraform/VSL101/fire/vpc.tf", "line": 6,
                     "message": "CIDR defined here"},
                    {"path": "fixtures/terraform/VSL101/fire/vpc.tf", "line": 2,
                     "message": "CIDR defined here"}],
        "suppressed": False, "suppression_reason": None}
    keys = [(f["path"], f["line"], f["column"], f["rule_id"]) for f in doc["findings"]]
    assert keys == sorted(keys)
    assert doc["summary"] == {"files": 2, "findings": 7, "error": 0, "warning": 7, "note": 0,
                              "suppressed": 0, "suppressed_without_reason": 0,
                              "budgets": [], "unresolved": [{
                                  "code": "module-not-initialised",
                                  "path": "fixtures/terraform/VSL101/fire/vpc.tf", "line": 18,
                                  "message": "module.network (source "
                                             "terraform-aws-modules/vpc/aws) is not downloaded: "
                                             "run `terraform init` in the root module (or pass a "
                                             "plan from `terraform show -json`) so its resources "
                                             "and outputs are seen"}]}
    assert result.stdout.endswith("}\n")


def test_output_is_byte_identical_across_hash_seeds(tmp_path):
    outputs = set()
    for seed in ("0", "1", "12345"):
        result = run_cli("--format", "json", "fixtures/", cwd=REPO,
                         env={"PYTHONHASHSEED": seed, "VPCSEC_LINT_CACHE_DIR": str(tmp_path)})
        outputs.add(result.stdout)
    assert len(outputs) == 1
    json_report(outputs.pop())


def test_usage_errors_exit_2(tmp_path):
    assert run_cli("does-not-exist", cwd=tmp_path).returncode == 2
    bad = run_cli("--select", "VSL9X9", str(VSL101_TF))
    assert bad.returncode == 2 and "unknown rule ID VSL9X9" in bad.stderr
    assert run_cli("-", cwd=tmp_path).returncode == 2
    both = run_cli("--stdin-filename", "a.tf", "b.tf", cwd=tmp_path, stdin="")
    assert both.returncode == 2


def test_explain_and_list_rules():
    explained = run_cli("--explain", "vsl101")
    assert explained.returncode == 0
    for section in ("## What it does", "## Why is this bad?", "## Example", "## Use instead",
                    "## References"):
        assert section in explained.stdout
    assert run_cli("--explain", "VSL777").returncode == 2
    listed = json.loads(run_cli("--list-rules", "--format", "json").stdout)
    ids = [r["id"] for r in listed["rules"]]
    assert "VSL101" in ids and "VSL000" in ids and ids == sorted(ids)


def test_fail_on_and_ignore():
    assert run_cli("--select", "VSL101", "--fail-on", "error", str(VSL101_TF)).returncode == 0
    assert run_cli("--select", "VSL1", "--ignore", "VSL1", str(VSL101_TF)).returncode == 0
    assert run_cli("--select", "VSL101", str(VSL101_TF)).returncode == 1


def test_named_file_brings_its_module_and_filters_findings(tmp_path):
    shutil.copytree(VSL101_TF, tmp_path / "mod")
    # groups.tf holds the findings; vpc.tf holds only related locations (the VPC).
    only_vpc = json_report(run_cli("--format", "json", "--select", "VSL101", "mod/vpc.tf",
                                   cwd=tmp_path).stdout)
    assert {f["path"] for f in only_vpc["findings"]} == {"mod/groups.tf"}
    # Those whose VPC (aws_vpc.main or data.aws_vpc.shared) is declared in vpc.tf.
    assert len(only_vpc["findings"]) == 6
    groups = json_report(run_cli("--format", "json", "--select", "VSL101", "mod/groups.tf",
                                 cwd=tmp_path).stdout)
    assert len(groups["findings"]) == 7


def test_stdin_filename_lints_the_buffer_with_its_siblings(tmp_path):
    shutil.copytree(VSL101_TF, tmp_path / "mod")
    fixed = (tmp_path / "mod" / "groups.tf").read_text().replace(
        "cidr_blocks = [aws_vpc.main.cidr_block]", 'cidr_blocks = ["10.42.3.0/24"]')
    result = run_cli("--format", "json", "--select", "VSL101", "--stdin-filename",
                     "mod/groups.tf", cwd=tmp_path, stdin=fixed)
    lines = {f["line"] for f in json_report(result.stdout)["findings"]}
    assert 10 not in lines and 26 in lines


def test_output_file_and_nothing_to_analyse(tmp_path):
    (tmp_path / "notes.yaml").write_text("a: 1\n")
    out = tmp_path / "report.json"
    result = run_cli("--format", "json", "--output", str(out), str(tmp_path))
    assert result.returncode == 0 and result.stdout == ""
    assert json_report(out.read_text())["summary"]["files"] == 0
    assert "no Terraform or CloudFormation files" in result.stderr


def test_version():
    result = run_cli("--version")
    assert result.returncode == 0 and result.stdout.startswith("vpcsec-lint ")


def test_text_summary_counts_suppressions_without_a_reason(tmp_path):
    shutil.copytree(VSL101_TF, tmp_path / "mod")
    groups = tmp_path / "mod" / "groups.tf"
    text = groups.read_text()
    text = text.replace('resource "aws_security_group" "db" {',
                        '# vpcsec-lint: ignore=VSL101\nresource "aws_security_group" "db" {')
    text = text.replace('resource "aws_security_group" "web" {',
                        '# vpcsec-lint: ignore=VSL101 -- load balancer health checks\n'
                        'resource "aws_security_group" "web" {')
    groups.write_text(text)
    result = run_cli("--select", "VSL101", "mod", cwd=tmp_path)
    assert result.returncode == 1
    assert result.stderr.splitlines()[-1] == (
        "vpcsec-lint: 2 files checked, 5 findings (0 error, 5 warning, 0 note), "
        "2 suppressed (1 without a reason), 1 not followed (run `terraform init` in the root "
        "module, or lint its plan; see --format json: summary.unresolved)")


def test_notices_reach_the_json_summary_and_the_text_summary(tmp_path):
    from vpcsec_lint.engine import Report
    from vpcsec_lint.findings import Notice
    from vpcsec_lint.formatters import RenderContext
    from vpcsec_lint.formatters.json_format import render
    from vpcsec_lint.formatters.text_format import summary_line

    report = Report(files=1, notices=[
        Notice("budget", "string-size", str(tmp_path / "main.tf"), 3, "a string over 1 MiB"),
        Notice("unresolved", "module-not-initialised", str(tmp_path / "main.tf"), 9, "run init")])
    doc = json_report(render(report, RenderContext(cwd=str(tmp_path))))
    assert doc["summary"]["budgets"] == [
        {"code": "string-size", "path": "main.tf", "line": 3, "message": "a string over 1 MiB"}]
    assert doc["summary"]["unresolved"] == [
        {"code": "module-not-initialised", "path": "main.tf", "line": 9, "message": "run init"}]
    line = summary_line(report)
    assert "1 budget hit" in line and "1 not followed" in line
