"""VSL604 reachability-assertion-failed: `reach:` entries from each fixture's config file."""

import argparse
import os

import pytest
from helpers import FIXTURES

from vpcsec_lint.config import ConfigError
from vpcsec_lint.session import lint_with_config


def run(path, config=None):
    args = argparse.Namespace(select="VSL604", ignore=None, fail_on=None, config=config,
                              var_file=[], jobs=None)
    report, _ = lint_with_config(args, [str(path)], use_cache=False)
    base = FIXTURES / ("terraform" if path.is_dir() else "cloudformation") / "VSL604"
    findings = {(f.rule_id, f.resource, os.path.relpath(f.loc.path, base).replace(os.sep, "/"),
                 f.loc.line) for f in report.findings}
    return findings, report


def test_terraform_fires_on_a_blocked_dependency_and_a_broken_isolation():
    findings, _ = run(FIXTURES / "terraform" / "VSL604" / "fire")
    assert findings == {
        ("VSL604", "aws_security_group.api", "fire/app.tf", 7),
        ("VSL604", "aws_security_group.db_open", "fire/network.tf", 43),
    }


def test_terraform_quiet_and_an_entry_not_analysed_is_unresolved():
    findings, report = run(FIXTURES / "terraform" / "VSL604" / "quiet")
    assert findings == set()
    [notice] = report.notices_of("unresolved")
    assert (notice.code, notice.line) == ("reach-entry-not-analysed", 5)
    assert "aws_lambda_function.retired" in notice.message


def test_cloudformation_fires():
    findings, report = run(FIXTURES / "cloudformation" / "VSL604" / "fire.yaml")
    assert findings == {("VSL604", "DbOpen", "fire.yaml", 51),
                        ("VSL604", "Api", "fire.yaml", 75)}


def test_cloudformation_quiet():
    findings, _ = run(FIXTURES / "cloudformation" / "VSL604" / "quiet.yaml")
    assert findings == set()


def test_entries_of_other_units_are_resolved_when_both_are_analysed():
    _, report = run(FIXTURES / "cloudformation" / "VSL604")
    assert report.notices_of("unresolved") == []
    assert not [n for n in report.notices if n.kind == "reach-resolved"]


@pytest.mark.parametrize("entry,problem", [
    ("- {from: aws_lambda_function.api}", "'to' is a required property"),
    ("- {from: aws:s3, to: aws_db_instance.orders}", "'from' must be a workload"),
    ("- {from: internet, to: x, expect: maybe}", "'maybe' is not one of"),
    ("- {from: internet, to: x, port: 70000}", "70000 is greater than the maximum"),
])
def test_a_malformed_entry_is_a_configuration_error_with_its_line(tmp_path, entry, problem):
    config = tmp_path / ".vpcsec-lint.yaml"
    config.write_text(f"fail-on: error\nreach:\n  - {{from: internet, to: y}}\n  {entry}\n")
    (tmp_path / "main.tf").write_text("")
    with pytest.raises(ConfigError) as err:
        run(tmp_path, str(config))
    assert f"{config}:4: malformed reach entry 2: " in str(err.value)
    assert problem in str(err.value)
