"""The default report: `path:line:col: severity ID message [resource]`, one per line.

This is what pre-commit prints in CI logs, where a line starting with `::` (or
holding `##[`) is a workflow command to a GitHub runner. The fields from the
analysed code arrive printable (no line breaks, no escape sequences: see
`formatters.safe_report`); a path that would start a line with `::` gets a
`./` in front, and `##[` is shown as `#\\x23[`.
"""

from __future__ import annotations

from vpcsec_lint.engine import Report
from vpcsec_lint.formatters import RenderContext, display_path


def render(report: Report, context: RenderContext) -> str:
    lines = []
    for f in report.findings:
        if f.suppressed and not context.show_suppressed:
            continue
        path = display_path(f.loc.path, context.cwd)
        if path.lstrip().startswith("::"):
            path = "./" + path
        where = f"{path}:{f.loc.line}:{f.loc.column}"
        resource = f" [{f.resource}]" if f.resource else ""
        mark = " (suppressed)" if f.suppressed else ""
        line = f"{where}: {f.severity} {f.rule_id} {f.message}{resource}{mark}"
        lines.append(line.replace("##[", "#\\x23["))
    return "".join(line + "\n" for line in lines)


def summary_line(report: Report) -> str:
    """The one-line summary for standard error."""
    active = [f for f in report.findings if not f.suppressed]
    counts = {s: sum(1 for f in active if f.severity == s) for s in ("error", "warning", "note")}
    suppressed = len(report.findings) - len(active)
    parts = [f"{report.files} file{'s' if report.files != 1 else ''} checked",
             f"{len(active)} finding{'s' if len(active) != 1 else ''}"
             f" ({counts['error']} error, {counts['warning']} warning, {counts['note']} note)"]
    if suppressed:
        bare = sum(1 for f in report.findings if f.suppressed and not f.suppression_reason)
        parts.append(f"{suppressed} suppressed" + (f" ({bare} without a reason)" if bare else ""))
    budgets = report.notices_of("budget")
    if budgets:
        parts.append(f"{len(budgets)} budget{'s' if len(budgets) != 1 else ''} hit"
                     " (parts of the input were not analysed; see --format json)")
    unresolved = report.notices_of("unresolved")
    if unresolved:
        hints = sorted({_HINTS.get(n.code.split("-", 1)[0], "") for n in unresolved} - {""})
        parts.append(f"{len(unresolved)} not followed ("
                     + "".join(h + "; " for h in hints) + "see --format json: summary.unresolved)")
    return "vpcsec-lint: " + ", ".join(parts)


_HINTS = {
    "module": "run `terraform init` in the root module, or lint its plan",
    "import": "lint the stacks together (the cdk.out assembly or their directory)",
    "plan": "keep the plan next to its .tf files",
    "template": "package nested templates locally, inside the repository",
}
"""How to let the tool see more, by the first word of an `unresolved` notice's code."""
