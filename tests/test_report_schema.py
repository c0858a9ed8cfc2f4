"""The JSON Schema of the report (shipped in the package) is strict, and docs/cli.md documents
every key it allows. Every `--format json` output in the tests is validated through
`helpers.json_report`."""

from __future__ import annotations

import json
import re
from importlib.resources import files

import pytest
from helpers import REPO, json_report, run_cli


def schema() -> dict:
    return json.loads(files("vpcsec_lint").joinpath("data/report.schema.json").read_text())


def keys(node: dict, defs: dict, prefix: str = "") -> set[str]:
    """Every documented key path (`findings[].rule_id`, `summary.budgets[].code`)."""
    node = defs[node["$ref"].rsplit("/", 1)[1]] if "$ref" in node else node
    found = set()
    for name, child in node.get("properties", {}).items():
        path = f"{prefix}{name}"
        found.add(path)
        if child.get("type") == "array" and "items" in child:
            found |= keys(child["items"], defs, f"{path}[].")
        elif "properties" in child or "$ref" in child:
            found |= keys(child, defs, f"{path}.")
    return found


def test_docs_cli_md_documents_every_key_of_the_schema():
    doc = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")
    table = doc.split("<!-- report-keys -->", 1)[1].split("<!-- /report-keys -->", 1)[0]
    named = {segment.removesuffix("[]") for token in re.findall(r"`([^`]+)`", table)
             for segment in token.split(".")}
    expected = {path.rsplit(".", 1)[-1] for path in keys(schema(), schema()["$defs"])}
    assert not expected - named, f"docs/cli.md's report-keys table misses {expected - named}"


def test_a_real_report_validates_and_undocumented_or_mistyped_keys_do_not():
    result = run_cli("--format", "json", "--select", "VSL101", "fixtures/terraform/VSL101/fire",
                     cwd=REPO)
    report = json_report(result.stdout)
    assert report["findings"]
    extra = json.loads(result.stdout)
    extra["findings"][0]["colour"] = "red"
    with pytest.raises(AssertionError, match="colour"):
        json_report(json.dumps(extra))
    wrong = json.loads(result.stdout)
    wrong["summary"]["files"] = "3"
    with pytest.raises(AssertionError, match="summary/files"):
        json_report(json.dumps(wrong))
    missing = json.loads(result.stdout)
    del missing["summary"]["unresolved"]
    with pytest.raises(AssertionError, match="unresolved"):
        json_report(json.dumps(missing))
