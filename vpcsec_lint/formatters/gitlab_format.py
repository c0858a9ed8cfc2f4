"""`--format gitlab`: a GitLab Code Quality report (`artifacts: reports: codequality`).

One issue per unsuppressed finding, with the path relative to the repository
root and a fingerprint that survives unrelated edits (`fingerprint`).
GitLab's severities are info, minor, major, critical and blocker; ours map as
error -> critical, warning -> major, note -> minor. GitLab has no notion of a
suppressed issue, so suppressed findings are left out.

With `GITLAB_CI` set (or `VPCSEC_LINT_REACH_MARKDOWN` naming a file), the
reachability picture is also written as Markdown with a Mermaid chart to
`vpcsec-lint-reachability.md` (or that file), for a pipeline to publish as an
artifact (`docs/ci.md`).
"""

from __future__ import annotations

import json
import os
from collections.abc import Mapping

from vpcsec_lint.findings import Finding, Report
from vpcsec_lint.formatters import RenderContext
from vpcsec_lint.formatters.fingerprint import fingerprints
from vpcsec_lint.formatters.repo_paths import repo_relative
from vpcsec_lint.registry import PSEUDO_RULES

GITLAB_SEVERITY = {"error": "critical", "warning": "major", "note": "minor"}


def _issue(finding: Finding, path: str, fingerprint: str) -> dict:
    lines = {"begin": finding.loc.line}
    if finding.loc.end_line is not None:
        lines["end"] = finding.loc.end_line
    description = f"{finding.rule_id} {finding.message}"
    if finding.resource:
        description += f" [{finding.resource}]"
    return {
        "type": "issue",
        "description": description,
        "check_name": finding.rule_id,
        "categories": ["Bug Risk"] if finding.rule_id in PSEUDO_RULES else ["Security"],
        "fingerprint": fingerprint,
        "severity": GITLAB_SEVERITY[finding.severity],
        "location": {"path": path, "lines": lines},
        "engine_name": "vpcsec-lint",
    }


def render(report: Report, context: RenderContext,
           environ: Mapping[str, str] | None = None) -> str:
    from vpcsec_lint.formatters.reach_markdown import write_artifact

    write_artifact(context, os.environ if environ is None else environ)
    cwd = context.cwd or None
    shown = [f for f in report.findings if not f.suppressed]
    paths = [repo_relative(f.loc.path, cwd) for f in shown]
    by_id = {id(f): p for f, p in zip(shown, paths, strict=True)}
    prints = fingerprints(shown, lambda f: by_id[id(f)])
    issues = [_issue(f, p, fp) for f, p, fp in zip(shown, paths, prints, strict=True)]
    return json.dumps(issues, indent=2, ensure_ascii=False) + "\n"
