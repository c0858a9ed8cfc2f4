"""Stable identities for findings, so code hosts track an alert across commits.

A fingerprint hashes what identifies the problem, not where it happens to
be: the rule, the repository-relative path, the resource and the message with
line numbers taken out. Inserting or deleting unrelated lines above a finding
keeps its fingerprint; two otherwise identical findings in one file are told
apart by their order of occurrence.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable

from vpcsec_lint.findings import Finding

_SPACE = re.compile(r"\s+")
_LINE_WORD = re.compile(r"\b(lines?)\s+\d+(?:\s*[-–]\s*\d+)?", re.IGNORECASE)
_FILE_POSITION = re.compile(r"((?:\.tf|\.json|\.ya?ml|\.template|\.tfvars)):\d+(?::\d+)?")


def normalise_message(message: str) -> str:
    """The message without line numbers and with whitespace collapsed."""
    text = _LINE_WORD.sub(r"\1 N", message)
    text = _FILE_POSITION.sub(r"\1", text)
    return _SPACE.sub(" ", text).strip()


def finding_key(finding: Finding, rel_path: str) -> str:
    """The line-independent identity of a finding (before occurrence counting)."""
    parts = (finding.rule_id, rel_path, finding.resource or "",
             normalise_message(finding.message))
    return hashlib.sha256("\0".join(parts).encode("utf-8", "surrogatepass")).hexdigest()


def fingerprints(findings: Iterable[Finding], rel_path: Callable[[Finding], str]) -> list[str]:
    """One fingerprint (32 hex digits) per finding, in order; repeats count occurrences.

    `findings` must be in report order (sorted by path and line), so the n-th
    occurrence of the same key stays the n-th when unrelated lines move.
    """
    seen: dict[str, int] = {}
    out = []
    for finding in findings:
        key = finding_key(finding, rel_path(finding))
        count = seen.get(key, 0)
        seen[key] = count + 1
        occurrence = f"{key}:{count + 1}".encode("ascii")
        out.append(hashlib.sha256(occurrence).hexdigest()[:32])
    return out
