"""`--format github`: GitHub Actions workflow commands, one annotation per finding.

    ::warning file=infra/db/main.tf,line=31,col=5,endLine=31,endColumn=45,\
title=VSL101 sg-vpc-cidr-source::Ingress on tcp/5432 allows the whole VPC CIDR ...

Paths are relative to the repository root (`repo_paths`), severities map to
`error`/`warning`/`notice`, and values are escaped as the runner requires.
The runner shows only about ten annotations of each kind per step, so when a
kind has more, a plain log line says so. When `GITHUB_STEP_SUMMARY` is set,
a Markdown table of every finding is appended to that file, where nothing is
cut off, followed by the reachability picture as a Mermaid chart when a workload
has an intent (`reach_markdown`).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Mapping
from urllib.parse import quote

from vpcsec_lint.findings import Finding, Report, printable
from vpcsec_lint.formatters import RenderContext
from vpcsec_lint.formatters.repo_paths import repo_relative

COMMAND = {"error": "error", "warning": "warning", "note": "notice"}
ANNOTATION_LIMIT = 10
"""Annotations of one kind that GitHub shows per step."""


def escape_data(text: str) -> str:
    """Escape a workflow command's message."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """Escape a workflow command's property value."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def _kind(finding: Finding) -> str:
    return "notice" if finding.suppressed else COMMAND[finding.severity]


def _message(finding: Finding, cwd: str | None) -> str:
    text = finding.message
    if finding.resource:
        text += f" [{finding.resource}]"
    if finding.suppressed:
        reason = finding.suppression_reason or "no reason given"
        text += f" (suppressed: {reason})"
    for related in finding.related:
        text += f"\nRelated: {repo_relative(related.loc.path, cwd)}:{related.loc.line}: " \
                f"{related.message}"
    return text


def annotation(finding: Finding, cwd: str | None = None) -> str:
    """The workflow command for one finding."""
    loc = finding.loc
    props = [("file", repo_relative(loc.path, cwd)), ("line", str(loc.line)),
             ("col", str(loc.column))]
    if loc.end_line is not None:
        props.append(("endLine", str(loc.end_line)))
    if loc.end_column is not None:
        props.append(("endColumn", str(loc.end_column)))
    title = f"{finding.rule_id} {finding.rule_name}"
    if finding.suppressed:
        title += " (suppressed)"
    props.append(("title", title))
    joined = ",".join(f"{key}={escape_property(value)}" for key, value in props)
    return f"::{_kind(finding)} {joined}::{escape_data(_message(finding, cwd))}"


def overflow_notes(findings: list[Finding], summary_written: bool) -> list[str]:
    """Plain log lines for each kind with more annotations than GitHub shows."""
    notes = []
    for kind in ("error", "warning", "notice"):
        count = sum(1 for f in findings if _kind(f) == kind)
        if count > ANNOTATION_LIMIT:
            where = "this log and the job summary list" if summary_written \
                else "this log lists"
            notes.append(f"vpcsec-lint: {count} {kind} annotations; GitHub shows only about "
                         f"{ANNOTATION_LIMIT} of each kind per step on the pull request, "
                         f"{where} all of them.")
    return notes


_HTML = {"<": "&lt;", ">": "&gt;", "&": "&amp;", '"': "&quot;", "'": "&#39;"}
_MARKDOWN = frozenset("\\`*_[]()!|~:.@")
"""Backslash-escaped in summary cells: emphasis, code, links, images, strike-through,
cell breaks, and the `:`, `.` and `@` that would make an autolink."""


def _cell(text: str) -> str:
    """Untrusted text as one Markdown table cell that renders as exactly that text.

    HTML's special characters become entities (no `<img>`, no `</details>`);
    the characters Markdown gives a meaning to inside a cell are backslash-escaped
    (no links, images, code spans, emphasis, autolinks or cell breaks).
    """
    out = []
    for ch in printable(text):
        out.append(_HTML.get(ch) or ("\\" + ch if ch in _MARKDOWN else ch))
    return "".join(out)


def step_summary(report: Report, findings: list[Finding], cwd: str | None,
                 environ: Mapping[str, str]) -> str:
    """The Markdown appended to `GITHUB_STEP_SUMMARY`."""
    active = [f for f in report.findings if not f.suppressed]
    counts = {s: sum(1 for f in active if f.severity == s) for s in ("error", "warning", "note")}
    suppressed = len(report.findings) - len(active)
    lines = ["## vpcsec-lint", "",
             f"{len(active)} finding{'s' if len(active) != 1 else ''} "
             f"({counts['error']} error, {counts['warning']} warning, {counts['note']} note) "
             f"in {report.files} file{'s' if report.files != 1 else ''}"
             + (f", {suppressed} suppressed" if suppressed else "") + ".", ""]
    if findings:
        blob = _blob_base(environ)
        lines += ["| severity | rule | location | resource | message |",
                  "|---|---|---|---|---|"]
        for f in findings:
            rel = repo_relative(f.loc.path, cwd)
            where = f"{rel}:{f.loc.line}"
            if blob:
                where = f"[{_cell(where)}]({blob}/{quote(os.fsencode(rel))}#L{f.loc.line})"
            else:
                where = f"<code>{_cell(where)}</code>"
            severity = f"{f.severity} (suppressed)" if f.suppressed else f.severity
            resource = f"<code>{_cell(f.resource)}</code>" if f.resource else ""
            lines.append(f"| {severity} | {f.rule_id} {f.rule_name} | {where} | {resource} | "
                         f"{_cell(f.message)} |")
        lines.append("")
    return "\n".join(lines) + "\n"


def _blob_base(environ: Mapping[str, str]) -> str | None:
    """The URL prefix of files at this commit, when running in GitHub Actions."""
    server, repo, sha = (environ.get(k) for k in
                         ("GITHUB_SERVER_URL", "GITHUB_REPOSITORY", "GITHUB_SHA"))
    if server and repo and sha:
        return f"{server.rstrip('/')}/{repo}/blob/{sha}"
    return None


def render(report: Report, context: RenderContext,
           environ: Mapping[str, str] | None = None) -> str:
    environ = os.environ if environ is None else environ
    cwd = context.cwd or None
    findings = [f for f in report.findings if context.show_suppressed or not f.suppressed]
    lines = [annotation(f, cwd) for f in findings]
    summary_file = environ.get("GITHUB_STEP_SUMMARY")
    if summary_file:
        try:
            with open(summary_file, "a", encoding="utf-8", newline="\n") as handle:
                from vpcsec_lint.formatters.reach_markdown import reach_markdown

                handle.write(step_summary(report, findings, cwd, environ))
                handle.write(reach_markdown(context))
        except OSError as exc:  # the annotations still go out
            print(f"vpcsec-lint: warning: cannot append the job summary to "
                  f"{printable(summary_file)}: {exc.strerror or exc}", file=sys.stderr)
            summary_file = None
    lines += overflow_notes(findings, bool(summary_file))
    return "".join(line + "\n" for line in lines)
