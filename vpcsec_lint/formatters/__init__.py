"""Report formats. Each is a module with `render(report, context) -> str`."""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from vpcsec_lint.findings import Related, printable, shown

if TYPE_CHECKING:
    from vpcsec_lint.findings import Report
    from vpcsec_lint.reach.graph import Graph

FORMATS = ("text", "json", "sarif", "github", "gitlab")
RESOURCE_LIMIT = 200
"""Characters of a resource address shown in a report (a CloudFormation logical ID or a
Terraform label can be any length)."""


@dataclass
class RenderContext:
    """What a formatter may need beyond the findings."""

    show_suppressed: bool = False
    cwd: str = ""
    chart: Graph | None = None
    """The run's reachability picture, when the format draws one (`reach_markdown`)."""


def renderer(name: str) -> Callable[[Report, RenderContext], str]:
    """The format's `render`, fed a report whose untrusted text is printable (`safe_report`)."""
    module = importlib.import_module(f"vpcsec_lint.formatters.{name}_format")
    return lambda report, context: module.render(safe_report(report), context)


def safe_report(report: Report) -> Report:
    """A copy of `report` whose text from the analysed code is printable.

    Messages, resources, suppression reasons and related messages echo the
    analysed code; made printable (resources also cut to `RESOURCE_LIMIT`)
    they hold no line break, escape
    sequence or lone surrogate, so every format can encode them and none can
    be forged. Paths stay as they are on disk (formatters read the files) and
    are made printable where they are displayed (`display_path`, `repo_relative`).
    """
    findings = [f.replaced(
        message=printable(f.message),
        resource=None if f.resource is None else shown(f.resource, RESOURCE_LIMIT),
        suppression_reason=None if f.suppression_reason is None
        else printable(f.suppression_reason),
        related=[Related(r.loc, printable(r.message)) for r in f.related])
        for f in report.findings]
    notices = [n.replaced(message=printable(n.message)) for n in report.notices]
    return report.replaced(findings=findings, notices=notices)


def display_path(path: str, cwd: str | None = None) -> str:
    """Relative to the current directory when below it, else absolute; `/` separators;
    printable (a name that is not valid UTF-8 shows its escapes)."""
    cwd = cwd or os.getcwd()
    absolute = os.path.abspath(path)
    try:
        rel = os.path.relpath(absolute, cwd)
    except ValueError:
        rel = absolute
    if rel == os.pardir or rel.startswith(os.pardir + os.sep):
        rel = absolute
    return printable(rel.replace(os.sep, "/"))
