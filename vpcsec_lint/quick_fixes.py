"""Quick fixes that suppress a finding: a Terraform comment or a CloudFormation `Metadata` entry.

Plain Python (no protocol): the language server offers these edits as code actions.
"""

from __future__ import annotations

import re
from typing import TypeGuard

from vpcsec_lint.findings import Finding
from vpcsec_lint.raw import Unit
from vpcsec_lint.records import FrozenRecord
from vpcsec_lint.session import norm
from vpcsec_lint.values import Location, Val

REASON_PLACEHOLDER = "<reason>"
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_HEREDOC_START = re.compile(r"<<-?\s*([A-Za-z_][A-Za-z0-9_-]*)\s*$")


def split_lines(text: str) -> list[str]:
    """Lines as LSP counts them (`\\n`, `\\r\\n` or `\\r` end a line)."""
    return _LINE_BREAK.split(text)


class Edit(FrozenRecord):
    """A quick fix: insert `text` before 0-based `line` of `path`."""

    __slots__ = ("path", "line", "text")

    def __init__(self, path: str, line: int, text: str) -> None:
        self.path = path
        self.line = line
        self.text = text


def terraform_fix(finding: Finding, unit: Unit, texts: dict[str, str]) -> Edit | None:
    """A `# vpcsec-lint: ignore=ID -- <reason>` comment above the offending line.

    A finding inside a called module is suppressed above the `module` block
    of the module being edited (the called module may be shared or vendored).
    Inside a heredoc a comment would become part of the string, so there the
    comment goes above the resource's header instead.
    """
    resource = next((r for r in unit.resources if r.address == finding.resource), None)
    path, line = norm(finding.loc.path), finding.loc.line
    own = {norm(f) for f in unit.files}
    if path not in own and resource is not None and resource.call_sites:
        path, line = norm(resource.call_sites[0].path), resource.call_sites[0].line
    text = texts.get(path)
    if text is None or path.endswith(".json"):
        return None  # JSON has no comments (CLI.md: use exclude or the config)
    lines = split_lines(text)
    if _in_heredoc(lines, line):
        header = resource.loc if resource is not None else None
        if header is None or norm(header.path) != path or _in_heredoc(lines, header.line):
            return None
        line = header.line
    if not 1 <= line <= len(lines):
        return None
    target = lines[line - 1]
    indent = target[: len(target) - len(target.lstrip(" \t"))]
    comment = f"{indent}# vpcsec-lint: ignore={finding.rule_id} -- {REASON_PLACEHOLDER}\n"
    return Edit(path, line - 1, comment)


def _in_heredoc(lines: list[str], line: int) -> bool:
    """Whether 1-based `line` lies inside a heredoc's text (after its opening line)."""
    closing: str | None = None
    for number, text in enumerate(lines[: max(line - 1, 0)], start=1):
        if closing is not None:
            if text.strip() == closing:
                closing = None
            continue
        match = _HEREDOC_START.search(text)
        if match and number < line:
            closing = match.group(1)
    return closing is not None


def cloudformation_fix(finding: Finding, unit: Unit, path: str, text: str) -> Edit | None:
    """The resource's `Metadata: vpcsec-lint: ignore:` entry, in block-style YAML.

    Added at the deepest level that already exists (an `ignore` list, a
    `vpcsec-lint` mapping, a `Metadata` mapping or the resource itself), before
    that level's first line. JSON templates and flow-style YAML get no quick fix.
    """
    if path.endswith(".json") or text.lstrip("\ufeff \t\r\n").startswith("{"):
        return None
    resource = next((r for r in unit.resources if r.address == finding.resource), None)
    if resource is None:
        return None
    metadata = resource.metadata
    ours = metadata.get("vpcsec-lint") if _is_mapping(metadata) else None
    ignore = ours.get("ignore") if _is_mapping(ours) else None
    anchor: Location | None
    if metadata is None:
        anchor, keys = resource.loc, ["Metadata", "vpcsec-lint", "ignore"]
    elif not _is_mapping(metadata):
        return None
    elif ours is None:
        anchor, keys = metadata.loc, ["vpcsec-lint", "ignore"]
    elif not _is_mapping(ours):
        return None
    elif ignore is None:
        anchor, keys = ours.loc, ["ignore"]
    elif isinstance(ignore.value, list) and ignore.value:
        anchor, keys = ignore.loc, []
    else:
        return None
    lines = split_lines(text)
    if anchor is None or not 1 <= anchor.line <= len(lines):
        return None
    target = lines[anchor.line - 1]
    if target[: anchor.column - 1].strip() or target[anchor.column - 1: anchor.column] in (
            "{", "["):
        return None  # flow style, or a mapping that starts on its parent's line
    indent = " " * (anchor.column - 1)
    out = [f"{indent}{'  ' * depth}{key}:" for depth, key in enumerate(keys)]
    step = "  " * len(keys)
    out += [f"{indent}{step}- id: {finding.rule_id}",
            f'{indent}{step}  reason: "{REASON_PLACEHOLDER}"']
    return Edit(path, anchor.line - 1, "\n".join(out) + "\n")


def _is_mapping(val: Val | None) -> TypeGuard[Val]:
    return val is not None and isinstance(val.value, dict)
