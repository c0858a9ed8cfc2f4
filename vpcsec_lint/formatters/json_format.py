"""`--format json`: the report of docs/cli.md (schema_version 1, data/report.schema.json)."""

from __future__ import annotations

import json

from vpcsec_lint import __version__
from vpcsec_lint.engine import Report
from vpcsec_lint.findings import Finding, Notice
from vpcsec_lint.formatters import RenderContext, display_path


def finding_dict(f: Finding, cwd: str) -> dict:
    return {
        "rule_id": f.rule_id,
        "rule_name": f.rule_name,
        "severity": f.severity,
        "message": f.message,
        "path": display_path(f.loc.path, cwd),
        "line": f.loc.line,
        "column": f.loc.column,
        "end_line": f.loc.end_line,
        "end_column": f.loc.end_column,
        "resource": f.resource,
        "framework": f.framework,
        "related": [{"path": display_path(r.loc.path, cwd), "line": r.loc.line,
                     "message": r.message} for r in f.related],
        "suppressed": f.suppressed,
        "suppression_reason": f.suppression_reason,
    }


def notice_dict(n: Notice, cwd: str) -> dict:
    return {"code": n.code, "path": display_path(n.path, cwd), "line": n.line,
            "message": n.message}


def summary(report: Report, cwd: str) -> dict:
    active = [f for f in report.findings if not f.suppressed]
    suppressed = [f for f in report.findings if f.suppressed]
    return {
        "files": report.files,
        "findings": len(active),
        "error": sum(1 for f in active if f.severity == "error"),
        "warning": sum(1 for f in active if f.severity == "warning"),
        "note": sum(1 for f in active if f.severity == "note"),
        "suppressed": len(suppressed),
        "suppressed_without_reason": sum(1 for f in suppressed if not f.suppression_reason),
        "budgets": [notice_dict(n, cwd) for n in report.notices_of("budget")],
        "unresolved": [notice_dict(n, cwd) for n in report.notices_of("unresolved")],
    }


def render(report: Report, context: RenderContext) -> str:
    document = {
        "schema_version": 1,
        "tool": {"name": "vpcsec-lint", "version": __version__},
        "findings": [finding_dict(f, context.cwd) for f in report.findings],
        "summary": summary(report, context.cwd),
    }
    return json.dumps(document, indent=2, ensure_ascii=False) + "\n"
