"""Inline suppressions: Terraform comments and CloudFormation `Metadata`.

Terraform: `# vpcsec-lint: ignore=VSL101,VSL203 -- reason` (or `//`) on the
line(s) above the resource, above the offending attribute, or at the end of
that attribute's line; above a `module` block it covers the findings inside
that module call. CloudFormation: `Metadata: {vpcsec-lint: {ignore: [...]}}`
on the resource, or on the template for all of it. Entries may be IDs or
`{id: VSL101, reason: "..."}`. VSL000 and VSL999 cannot be suppressed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from vpcsec_lint.findings import Finding
from vpcsec_lint.raw import Unit
from vpcsec_lint.values import Val

DIRECTIVE = re.compile(r"(?:#|//)\s*vpcsec-lint:\s*ignore\s*=")
"""Where a suppression comment starts; the rest of the line is split by hand (linear time)."""
_RULE_ID = re.compile(r"[A-Za-z0-9]+")
UNSUPPRESSIBLE = {"VSL000", "VSL999"}


def apply_suppressions(findings: list[Finding], unit: Unit) -> None:
    """Mark the findings that an inline suppression covers."""
    if unit.framework == "terraform":
        _terraform(findings, unit)
    else:
        _cloudformation(findings, unit)


def _matches(rule_id: str, ids: Iterable[str]) -> bool:
    return any(rule_id == i or (i and rule_id.startswith(i)) for i in ids)


def parse_directive(line: str) -> tuple[list[str], str | None] | None:
    """The IDs and reason of a suppression comment in `line`, if any.

    `ignore=ID[, ID...]`, then optionally `-- reason`, then nothing else.
    """
    for match in DIRECTIVE.finditer(line):
        listed, _dashes, reason = line[match.end():].partition("--")
        ids = [i.strip() for i in listed.split(",")]
        if all(_RULE_ID.fullmatch(i) for i in ids):
            return [i.upper() for i in ids], reason.strip() or None
    return None


# -- Terraform ---------------------------------------------------------------

def _terraform(findings: list[Finding], unit: Unit) -> None:
    headers = {r.address: r for r in unit.resources}
    lines_cache: dict[str, list[str]] = {}
    for finding in findings:
        if finding.rule_id in UNSUPPRESSIBLE:
            continue
        candidates = [(finding.loc.path, finding.loc.line, True)]
        res = headers.get(finding.resource or "")
        if res is not None:
            candidates.append((res.loc.path, res.loc.line, False))
            candidates.extend((site.path, site.line, False) for site in res.call_sites)
        for path, line, same_line in candidates:
            hit = _comment_at(_lines(path, unit, lines_cache), line, same_line, finding.rule_id)
            if hit is not None:
                finding.suppressed = True
                finding.suppression_reason = hit or None
                break


def _lines(path: str, unit: Unit, cache: dict[str, list[str]]) -> list[str]:
    if path not in cache:
        text = unit.texts.get(path)
        if text is None:
            try:
                from vpcsec_lint.sources import read_source

                text = read_source(path)
            except Exception:
                text = ""
        cache[path] = text.splitlines()
    return cache[path]


def _comment_at(lines: list[str], line: int, same_line: bool, rule_id: str) -> str | None:
    """The reason ("" when none) of a directive for `rule_id` at or above 1-based `line`."""
    found = None
    if same_line and 0 < line <= len(lines):
        found = _check(lines[line - 1], rule_id)
    index = line - 2
    while found is None and 0 <= index < len(lines):
        text = lines[index].strip()
        if not text.startswith(("#", "//")):
            break
        found = _check(text, rule_id)
        index -= 1
    return found


def _check(line: str, rule_id: str) -> str | None:
    parsed = parse_directive(line)
    if parsed is None or not _matches(rule_id, parsed[0]):
        return None
    return parsed[1] or ""


# -- CloudFormation ----------------------------------------------------------

def _cloudformation(findings: list[Finding], unit: Unit) -> None:
    template = metadata_ignores(unit.template_metadata)
    by_id = {r.address: metadata_ignores(r.metadata) for r in unit.resources}
    for finding in findings:
        if finding.rule_id in UNSUPPRESSIBLE:
            continue
        for entries in (by_id.get(finding.resource or "", {}), template):
            reason = next((r for i, r in entries.items() if _matches(finding.rule_id, [i])),
                          None)
            if any(_matches(finding.rule_id, [i]) for i in entries):
                finding.suppressed = True
                finding.suppression_reason = reason
                break


def metadata_ignores(metadata: Val | None) -> dict[str, str | None]:
    """`{rule ID: reason}` from a `Metadata` value's `vpcsec-lint: ignore:` list."""
    if metadata is None or not isinstance(metadata.value, dict):
        return {}
    ours = metadata.get("vpcsec-lint")
    ignore = ours.get("ignore") if ours is not None else None
    out: dict[str, str | None] = {}
    for item in (ignore.items() if ignore is not None else []):
        if isinstance(item.value, str):  # an ID, or "VSL101, VSL203"
            for rule_id in item.value.split(","):
                if rule_id.strip():
                    out[rule_id.strip().upper()] = None
        elif isinstance(item.value, dict):
            rule_id = item.get("id")
            reason = item.get("reason")
            if rule_id is not None and isinstance(rule_id.value, str):
                out[rule_id.value.strip().upper()] = (
                    str(reason.value) if reason is not None and reason.value else None)
    return out
