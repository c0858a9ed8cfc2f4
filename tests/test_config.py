"""Configuration files: discovery, precedence, exclude, validation, severity overrides."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from helpers import VPC_AND_DB_SG_TF, json_report, run_cli

from vpcsec_lint.config import Exclusion
from vpcsec_lint.globs import Glob


def tree(root: Path, files: dict[str, str], git: bool = True) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    if git:
        subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    return root


def findings(*args: str, cwd: Path, status: int | None = None,
             stdin: str | None = None) -> list[tuple[str, str, str, bool]]:
    """(rule, path, severity, suppressed) of each finding in the JSON report."""
    result = run_cli("--format", "json", *args, cwd=cwd, stdin=stdin)
    if status is not None:
        assert result.returncode == status, result.stderr
    return [(f["rule_id"], f["path"], f["severity"], f["suppressed"])
            for f in json_report(result.stdout)["findings"]]


def error(*args: str, cwd: Path) -> str:
    result = run_cli(*args, cwd=cwd)
    assert result.returncode == 2, result.stdout
    assert result.stdout == ""
    return result.stderr.strip()


# -- discovery ---------------------------------------------------------------

def test_found_from_each_paths_directory_up_to_the_repository_root(tmp_path):
    repo = tree(tmp_path / "repo", {
        ".vpcsec-lint.yaml": "severity:\n  VSL101: note\n",
        "infra/a/main.tf": VPC_AND_DB_SG_TF,
        "infra/b/main.tf": VPC_AND_DB_SG_TF,
        "infra/b/.vpcsec-lint.yaml": "severity:\n  VSL101: error\n",
    })
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    # From outside the repository, each PATH still finds its own file.
    assert findings(str(repo / "infra/a"), str(repo / "infra/b/main.tf"), cwd=outside,
                    status=1) == [
        ("VSL101", str(repo / "infra/a/main.tf"), "note", False),
        ("VSL101", str(repo / "infra/b/main.tf"), "error", False)]
    # Note-only findings pass the default --fail-on warning.
    assert findings("infra/a", cwd=repo, status=0) == [
        ("VSL101", "infra/a/main.tf", "note", False)]


def test_search_stops_at_the_repository_root(tmp_path):
    tree(tmp_path, {".vpcsec-lint.yaml": "ignore: [VSL101]\n"}, git=False)
    repo = tree(tmp_path / "repo", {"main.tf": VPC_AND_DB_SG_TF})
    assert findings(".", cwd=repo, status=1) == [("VSL101", "main.tf", "warning", False)]


def test_without_a_file_above_the_path_the_current_directory_is_searched(tmp_path):
    project = tree(tmp_path / "project", {".vpcsec-lint.yaml": "severity: {VSL101: note}\n"})
    scratch = tree(tmp_path / "scratch", {"main.tf": VPC_AND_DB_SG_TF})
    assert findings(str(scratch), cwd=project, status=0) == [
        ("VSL101", str(scratch / "main.tf"), "note", False)]


def test_stdin_filename_directory_is_the_start(tmp_path):
    repo = tree(tmp_path, {"infra/.vpcsec-lint.yaml": "severity: {VSL101: error}\n"})
    assert findings("--stdin-filename", "infra/main.tf", cwd=repo, stdin=VPC_AND_DB_SG_TF,
                    status=1) == [("VSL101", "infra/main.tf", "error", False)]


def test_yaml_file_before_pyproject_table(tmp_path):
    pyproject = '[project]\nname = "x"\n\n[tool.vpcsec-lint]\nseverity = {VSL101 = "error"}\n'
    repo = tree(tmp_path, {"main.tf": VPC_AND_DB_SG_TF, "pyproject.toml": pyproject})
    assert findings(".", cwd=repo) == [("VSL101", "main.tf", "error", False)]
    (repo / ".vpcsec-lint.yaml").write_text("severity: {VSL101: note}\n")
    assert findings(".", cwd=repo) == [("VSL101", "main.tf", "note", False)]


def test_pyproject_without_the_table_is_passed_over(tmp_path):
    repo = tree(tmp_path, {
        ".vpcsec-lint.yaml": "severity: {VSL101: note}\n",
        "svc/pyproject.toml": '[project]\nname = "svc"\n# vpcsec-lint runs in CI\n'
                              '[tool.ruff]\nline-length = 100\n',
        "svc/main.tf": VPC_AND_DB_SG_TF,
    })
    assert findings("svc", cwd=repo) == [("VSL101", "svc/main.tf", "note", False)]


def test_explicit_config_replaces_discovery(tmp_path):
    repo = tree(tmp_path, {
        ".vpcsec-lint.yaml": "severity: {VSL101: note}\n",
        "ci/strict.yaml": "severity: {VSL101: error}\n",
        "ci/pyproject.toml": '[tool.vpcsec-lint]\nignore = ["VSL101"]\n',
        "main.tf": VPC_AND_DB_SG_TF,
    })
    assert findings("--config", "ci/strict.yaml", ".", cwd=repo) == [
        ("VSL101", "main.tf", "error", False)]
    assert findings("--config", "ci/pyproject.toml", ".", cwd=repo, status=0) == []
    (repo / "ci" / "lint.toml").write_text('fail-on = "error"\n')
    assert findings("--config", "ci/lint.toml", ".", cwd=repo, status=0) == [
        ("VSL101", "main.tf", "warning", False)]
    assert "cannot read config" in error("--config", "missing.yaml", ".", cwd=repo)


# -- precedence --------------------------------------------------------------

def test_command_line_flags_win(tmp_path):
    repo = tree(tmp_path, {
        ".vpcsec-lint.yaml": "fail-on: error\nselect: VSL2\nignore: [VSL101]\n",
        "main.tf": VPC_AND_DB_SG_TF,
    })
    assert findings(".", cwd=repo, status=0) == []
    assert findings("--select", "VSL101", "--ignore", "VSL2", ".", cwd=repo, status=0) == [
        ("VSL101", "main.tf", "warning", False)]
    # Each key is replaced on its own: the file's ignore still applies until --ignore says.
    assert findings("--select", "VSL101", ".", cwd=repo, status=0) == []
    assert findings("--select", "VSL101", "--ignore", "", "--fail-on", "warning", ".",
                    cwd=repo, status=1) == [("VSL101", "main.tf", "warning", False)]


def test_per_rule_severity_overrides_and_prefixes(tmp_path):
    repo = tree(tmp_path, {".vpcsec-lint.yaml": "severity:\n  VSL1: note\n  VSL101: error\n",
                           "main.tf": VPC_AND_DB_SG_TF})
    assert findings("--fail-on", "error", ".", cwd=repo, status=1) == [
        ("VSL101", "main.tf", "error", False)]
    (repo / ".vpcsec-lint.yaml").write_text("severity:\n  VSL1: note\n")
    assert findings(".", cwd=repo, status=0) == [("VSL101", "main.tf", "note", False)]


# -- exclude -------------------------------------------------------------------

def test_exclude_applies_to_walked_and_named_files(tmp_path):
    repo = tree(tmp_path, {
        "infra/.vpcsec-lint.yaml": "exclude: [legacy/, '*.gen.tf']\n",
        "infra/legacy/main.tf": VPC_AND_DB_SG_TF,
        "infra/app/main.tf": VPC_AND_DB_SG_TF,
        "infra/app2/net.gen.tf": VPC_AND_DB_SG_TF,
        "legacy/main.tf": VPC_AND_DB_SG_TF,
    })
    assert findings("infra", cwd=repo) == [("VSL101", "infra/app/main.tf", "warning", False)]
    assert findings("infra/legacy/main.tf", "infra/app2/net.gen.tf", cwd=repo, status=0) == []
    # Globs are relative to the config file: the top-level legacy/ is not under it.
    assert findings("legacy", cwd=repo) == [("VSL101", "legacy/main.tf", "warning", False)]


def test_a_named_excluded_file_says_it_was_excluded(tmp_path):
    repo = tree(tmp_path, {
        ".vpcsec-lint.yaml": "exclude: [legacy/]\n",
        "legacy/main.tf": VPC_AND_DB_SG_TF,
        "app/main.tf": VPC_AND_DB_SG_TF,
    })
    result = run_cli("legacy/main.tf", "app/main.tf", cwd=repo)
    assert result.returncode == 1
    notes = [line for line in result.stderr.splitlines() if "excluded" in line]
    assert notes == ["vpcsec-lint: note: legacy/main.tf is excluded by the configuration "
                     "(exclude); not linted"]
    assert "legacy/main.tf" not in result.stdout and "app/main.tf:11:" in result.stdout
    buffer = run_cli("--stdin-filename", "legacy/main.tf", "-", cwd=repo, stdin=VPC_AND_DB_SG_TF)
    assert buffer.returncode == 0 and "legacy/main.tf is excluded" in buffer.stderr
    walked = run_cli(".", cwd=repo)
    assert "excluded" not in walked.stderr


def test_glob_semantics():
    cases = [("legacy", "legacy/main.tf", True), ("legacy", "a/legacy/main.tf", True),
             ("/legacy", "a/legacy/main.tf", False), ("infra/*.tf", "infra/a.tf", True),
             ("infra/*.tf", "infra/a/b.tf", False), ("**/gen/*.yaml", "gen/t.yaml", True),
             ("**/gen/*.yaml", "x/y/gen/t.yaml", True), ("*.tf.json", "a/b.tf.json", True),
             ("*.tf.json", "a/b.tf", False), ("a/**/b", "a/b", True), ("a/**/b", "a/x/y/b", True),
             ("[ab].tf", "b.tf", True), ("[!ab].tf", "b.tf", False), ("?.tf", "ab.tf", False)]
    assert [(p, path) for p, path, expected in cases
            if Glob(p).match(path) != expected] == []
    excluded = Exclusion.of(["legacy/"], "/repo")
    assert excluded is not None
    assert excluded("/repo/legacy/main.tf") and not excluded("/other/legacy/main.tf")


def test_per_path_ignore_suppresses_with_or_without_reason(tmp_path):
    config = ('per-path-ignore:\n  "generated/*.tf.json": [VSL101]\n'
              '  vendor/: {ignore: "VSL1", reason: third-party module}\n')
    tf_json = json.dumps({"resource": {
        "aws_vpc": {"main": {"cidr_block": "10.42.0.0/16"}},
        "aws_security_group": {"db": {
            "vpc_id": "${aws_vpc.main.id}",
            "ingress": [{"from_port": 5432, "to_port": 5432, "protocol": "tcp",
                         "cidr_blocks": ["${aws_vpc.main.cidr_block}"]}]}}}}, indent=2)
    repo = tree(tmp_path, {".vpcsec-lint.yaml": config, "generated/main.tf.json": tf_json,
                           "vendor/net/main.tf": VPC_AND_DB_SG_TF, "app/main.tf": VPC_AND_DB_SG_TF})
    result = run_cli("--format", "json", ".", cwd=repo)
    assert result.returncode == 1
    doc = json_report(result.stdout)
    assert [(f["path"], f["suppressed"], f["suppression_reason"]) for f in doc["findings"]] == [
        ("app/main.tf", False, None),
        ("generated/main.tf.json", True, None),
        ("vendor/net/main.tf", True, "third-party module")]
    assert doc["summary"]["suppressed"] == 2
    assert run_cli("generated", "vendor", cwd=repo).returncode == 0


# -- validation ----------------------------------------------------------------

@pytest.mark.parametrize("name, text, message", [
    (".vpcsec-lint.yaml", "fial-on: error\n",
     "unknown key 'fial-on' (did you mean 'fail-on'?)"),
    (".vpcsec-lint.yaml", "colour: red\n",
     "unknown key 'colour' (known keys: select, ignore, fail-on, exclude, severity, "
     "per-path-ignore, reach)"),
    (".vpcsec-lint.yaml", "select: 3\n",
     "key 'select': 3 is not a list of strings, or one comma-separated string"),
    (".vpcsec-lint.yaml", "fail-on: sometimes\n",
     "key 'fail-on': 'sometimes' is not one of ['error', 'warning', 'note']"),
    (".vpcsec-lint.yaml", "severity:\n  VSL101: high\n",
     "key 'severity.VSL101': 'high' is not one of ['error', 'warning', 'note']"),
    (".vpcsec-lint.yaml", "severity:\n  XYZ1: note\n",
     "key 'severity.XYZ1': unknown rule ID XYZ1"),
    (".vpcsec-lint.yaml", "ignore: [VSL101, NOPE]\n", "key 'ignore': unknown rule ID NOPE"),
    (".vpcsec-lint.yaml", "per-path-ignore:\n  a/: {reason: x}\n",
     "key 'per-path-ignore.a/': {'reason': 'x'} is not rule IDs, or {ignore: [rule IDs], "
     "reason: text}"),
    (".vpcsec-lint.yaml", "- select\n", "the top level: ['select'] is not of type 'object'"),
    (".vpcsec-lint.yaml", "select: [\n", "invalid YAML"),
    ("pyproject.toml", "[tool.vpcsec-lint]\nfail-on = 1\n",
     "key 'fail-on': 1 is not one of ['error', 'warning', 'note']"),
    ("pyproject.toml", "[tool.vpcsec-lint]\nselects = ['VSL1']\n",
     "unknown key 'selects' (did you mean 'select'?)"),
    ("pyproject.toml", "[tool.vpcsec-lint\n", "invalid TOML"),
])
def test_invalid_config_is_exit_2_naming_the_key_and_the_file(tmp_path, name, text, message):
    repo = tree(tmp_path, {name: text, "main.tf": VPC_AND_DB_SG_TF})
    assert error(".", cwd=repo).startswith(f"vpcsec-lint: error: {repo / name}: {message}")


def test_documented_examples_are_valid(tmp_path):
    """The YAML and TOML examples at the top of docs/configuration.md pass validation."""
    import re

    from helpers import REPO

    from vpcsec_lint.config import load_settings

    doc = (REPO / "docs" / "configuration.md").read_text()
    yaml_block = re.search(r"```yaml\n(# \.vpcsec-lint\.yaml\n.*?)```", doc, re.DOTALL)
    toml_block = re.search(r"```toml\n(# pyproject\.toml\n.*?)```", doc, re.DOTALL)
    assert yaml_block and toml_block
    (tmp_path / ".vpcsec-lint.yaml").write_text(yaml_block.group(1))
    (tmp_path / "pyproject.toml").write_text(toml_block.group(1))
    assert set(load_settings(str(tmp_path / ".vpcsec-lint.yaml")).data) == {
        "select", "ignore", "fail-on", "exclude", "severity", "per-path-ignore", "reach"}
    assert load_settings(str(tmp_path / "pyproject.toml")).data["fail-on"] == "error"
