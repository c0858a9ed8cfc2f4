"""`--format sarif`: SARIF 2.1.0 as GitHub code scanning reads it.

- `tool.driver.rules` lists every rule (and VSL000/VSL999) with the
  documentation that `--explain` prints as `help` and `fullDescription`.
- `properties.security-severity`, which GitHub turns into the alert's
  severity, follows the rule's default severity: error 8.0 (high),
  warning 5.0 (medium), note 2.0 (low). VSL000 (parse error) and VSL999
  (internal error) are problems of the run, not security findings: they carry
  neither the `security` tag nor a security severity.
- Result `level` is the effective severity (after per-rule overrides); paths
  are relative to the repository root (`repo_paths`), percent-encoded as URI
  references; columns count Unicode
  code points (`columnKind`), end column exclusive, as in every report.
- `partialFingerprints` hash rule, path, resource and message, not the line
  (`fingerprint`), so alerts survive unrelated edits above them.
- A reachability finding (VSL6) carries `codeFlows`: one per path it reports
  (a blocked path, or the open one for VSL604/VSL605), whose single thread flow
  has a location per hop, in path order, its status first in the message;
  blocked hops are `essential`, unknown ones `important`, passing ones
  `unimportant`. A hop with no line in the code (the internet, an AWS API) has
  a message and its resource as a logical location but no physical location.
- Suppressed findings are left out (GitHub ignores `suppressions` and would
  open them as alerts) unless `--show-suppressed`, which adds them with an
  `inSource` suppression and its justification.
"""

from __future__ import annotations

import json
from urllib.parse import quote

from vpcsec_lint import __version__
from vpcsec_lint.findings import Finding, Flow, Report
from vpcsec_lint.formatters import RenderContext
from vpcsec_lint.formatters.fingerprint import fingerprints
from vpcsec_lint.formatters.repo_paths import repo_relative
from vpcsec_lint.registry import PSEUDO_RULES

SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"
INFORMATION_URI = "https://github.com/vpcsec-lint/vpcsec-lint"
SECURITY_SEVERITY = {"error": "8.0", "warning": "5.0", "note": "2.0"}
"""Default severity -> GitHub `security-severity` (high, medium, low)."""
FINGERPRINT_KEY = "vpcsecLintFinding/v1"
"""Pseudo-rules about the run itself rather than the infrastructure."""


def rule_descriptors() -> list[dict]:
    """`reportingDescriptor`s for every rule, sorted by ID."""
    from vpcsec_lint.catalog import explain, rule_entries

    descriptors = []
    for entry in rule_entries():
        documentation = entry["documentation"].strip()
        help_text = explain(entry["id"]) or documentation
        descriptor: dict = {
            "id": entry["id"],
            "name": entry["name"],
            "shortDescription": {"text": entry["summary"]},
            "fullDescription": {"text": documentation, "markdown": documentation},
            "help": {"text": help_text, "markdown": help_text},
        }
        if entry.get("help_uri"):
            descriptor["helpUri"] = entry["help_uri"]
        descriptor["defaultConfiguration"] = {"level": entry["severity"]}
        if entry["id"] in PSEUDO_RULES:
            descriptor["properties"] = {"tags": ["vpcsec-lint", "tool-problem"]}
        else:
            descriptor["properties"] = {
                "tags": ["security", "aws", "vpc", "network"],
                "security-severity": SECURITY_SEVERITY[entry["severity"]],
            }
        descriptors.append(descriptor)
    return descriptors


class _LineEnds:
    """Where each source line ends, for findings that carry no end position."""

    def __init__(self) -> None:
        self._lines: dict[str, list[str]] = {}

    def end_column(self, path: str, line: int, column: int) -> int:
        """One past the last non-blank character of `line` (at least one past `column`)."""
        if path not in self._lines:
            try:
                with open(path, encoding="utf-8", errors="replace") as handle:
                    self._lines[path] = handle.read().splitlines()
            except OSError:
                self._lines[path] = []
        lines = self._lines[path]
        text = lines[line - 1].rstrip() if 0 < line <= len(lines) else ""
        return max(len(text) + 1, column + 1)


def _region(finding: Finding, line_ends: _LineEnds) -> dict:
    """Start and end of the finding; without an end, the rest of its first line."""
    loc = finding.loc
    region = {"startLine": loc.line, "startColumn": loc.column}
    if loc.end_line is not None and loc.end_column is not None:
        region["endLine"] = loc.end_line
        region["endColumn"] = max(loc.end_column, 1)
    else:
        region["endLine"] = loc.line
        region["endColumn"] = line_ends.end_column(loc.path, loc.line, loc.column)
    return region


def _location(rel_path: str, region: dict) -> dict:
    """A physical location; the path percent-encoded as a relative URI reference.

    Encoding keeps names with `%`, `#`, `?` or spaces valid, and a `:` in the
    first segment from reading as a URI scheme.
    """
    uri = quote(rel_path.encode("utf-8", "surrogatepass"), safe="/")
    return {"physicalLocation": {"artifactLocation": {"uri": uri}, "region": region}}


IMPORTANCE = {"blocked": "essential", "unknown": "important"}
"""A hop's status -> `threadFlowLocation.importance` (else `unimportant`)."""


def _code_flow(flow: Flow, cwd: str) -> dict:
    steps = []
    for step in flow.steps:
        location: dict = {"message": {"text": step.message}}
        if step.loc is not None:
            location.update(_location(repo_relative(step.loc.path, cwd),
                                      {"startLine": step.loc.line,
                                       "startColumn": step.loc.column}))
        if step.resource:
            location["logicalLocations"] = [{"fullyQualifiedName": step.resource,
                                             "kind": "resource"}]
        steps.append({"location": location,
                      "importance": IMPORTANCE.get(step.status, "unimportant")})
    return {"message": {"text": flow.message}, "threadFlows": [{"locations": steps}]}


def _result(finding: Finding, index: dict[str, int], rel: str, fingerprint: str,
            cwd: str, line_ends: _LineEnds) -> dict:
    result: dict = {
        "ruleId": finding.rule_id,
        "ruleIndex": index[finding.rule_id],
        "level": finding.severity,
        "message": {"text": finding.message},
        "locations": [_location(rel, _region(finding, line_ends))],
    }
    if finding.resource:
        result["locations"][0]["logicalLocations"] = [
            {"fullyQualifiedName": finding.resource, "kind": "resource"}]
    if finding.related:
        result["relatedLocations"] = [
            {"id": n, **_location(repo_relative(r.loc.path, cwd),
                                  {"startLine": r.loc.line, "startColumn": r.loc.column}),
             "message": {"text": r.message}}
            for n, r in enumerate(finding.related, start=1)]
    if finding.flows:
        result["codeFlows"] = [_code_flow(flow, cwd) for flow in finding.flows]
    result["partialFingerprints"] = {FINGERPRINT_KEY: fingerprint}
    if finding.suppressed:
        suppression: dict = {"kind": "inSource", "status": "accepted"}
        if finding.suppression_reason:
            suppression["justification"] = finding.suppression_reason
        result["suppressions"] = [suppression]
    return result


def build_log(report: Report, context: RenderContext) -> dict:
    """The SARIF log as a dictionary."""
    cwd = context.cwd or None
    rules = rule_descriptors()
    index = {rule["id"]: n for n, rule in enumerate(rules)}
    shown = [f for f in report.findings if context.show_suppressed or not f.suppressed]
    paths = {id(f): repo_relative(f.loc.path, cwd) for f in shown}
    prints = fingerprints(shown, lambda f: paths[id(f)])
    line_ends = _LineEnds()
    results = [_result(f, index, paths[id(f)], fp, cwd or "", line_ends)
               for f, fp in zip(shown, prints, strict=True)]
    return _log(rules, results, not any(f.rule_id == "VSL999" for f in report.findings))


def catalog_log() -> dict:
    """`--list-rules --format sarif`: one run with the tool's rules and no results."""
    return _log(rule_descriptors(), [], True)


def _log(rules: list[dict], results: list[dict], successful: bool) -> dict:
    run = {
        "tool": {"driver": {
            "name": "vpcsec-lint",
            "version": __version__,
            "semanticVersion": __version__,
            "informationUri": INFORMATION_URI,
            "rules": rules,
        }},
        "invocations": [{"executionSuccessful": successful}],
        "columnKind": "unicodeCodePoints",
        "results": results,
    }
    return {"$schema": SARIF_SCHEMA, "version": "2.1.0", "runs": [run]}


def render(report: Report, context: RenderContext) -> str:
    return json.dumps(build_log(report, context), indent=2, ensure_ascii=False) + "\n"
