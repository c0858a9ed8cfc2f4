"""CDK cloud assemblies (`cdk.out/`): construct paths for messages, and the manifest.

`cdk synth` writes one template per stack next to `manifest.json`. The
templates are analysed like any templates side by side (so `Fn::ImportValue`
between the stacks resolves by export name: `stacks.py`); what the assembly
adds is the construct path of each logical ID (`AppStack/Database/Resource`),
from the manifest's stack metadata or the stack's `*.metadata.json`, which
findings name so that the CDK code to change is easy to find.
A `manifest.json` that is not valid JSON is a VSL000; the stacks are still
analysed.
"""

from __future__ import annotations

import json
import os

from vpcsec_lint.findings import Finding, shown
from vpcsec_lint.raw import FileProblem, Unit
from vpcsec_lint.sources import SourceError, inside_root, read_source

MANIFEST = "manifest.json"
_paths_by_template: dict[tuple, dict[str, str]] = {}


def is_assembly_manifest(path: str) -> bool:
    """`manifest.json` beside CDK stack templates (`*.template.json`)."""
    if os.path.basename(path) != MANIFEST:
        return False
    try:
        return any(name.endswith(".template.json")
                   for name in os.listdir(os.path.dirname(path) or "."))
    except OSError:
        return False


def check_manifest(path: str, text: str) -> Unit | None:
    """A unit with VSL000 when an assembly's manifest is not readable JSON, else None."""
    try:
        document = json.loads(text)
    except RecursionError:
        unit = Unit("cloudformation", path, files=[path])
        unit.problems.append(FileProblem(path, "invalid CDK assembly manifest: nested too "
                                         "deeply", framework="cloudformation"))
        return unit
    except ValueError as exc:
        unit = Unit("cloudformation", path, files=[path])
        unit.problems.append(FileProblem(path, f"invalid CDK assembly manifest: {exc}",
                                         getattr(exc, "lineno", 1), getattr(exc, "colno", 1),
                                         "cloudformation"))
        return unit
    if not isinstance(document, dict) or not isinstance(document.get("artifacts", {}), dict):
        unit = Unit("cloudformation", path, files=[path])
        unit.problems.append(FileProblem(path, "invalid CDK assembly manifest: no artifacts "
                                         "mapping", framework="cloudformation"))
        return unit
    return None


def construct_paths(template: str) -> dict[str, str]:
    """Logical ID -> construct path for a stack template of a CDK assembly (else empty)."""
    directory = os.path.dirname(template) or "."
    manifest = os.path.join(directory, MANIFEST)
    try:
        stamp = os.stat(manifest).st_mtime_ns
    except OSError:
        return {}
    key = (os.path.realpath(template), stamp)
    if key not in _paths_by_template:
        if len(_paths_by_template) > 256:
            _paths_by_template.clear()
        _paths_by_template[key] = _read_paths(manifest, os.path.basename(template))
    return _paths_by_template[key]


def _read_paths(manifest: str, template_name: str) -> dict[str, str]:
    try:
        document = json.loads(read_source(manifest))
    except (SourceError, ValueError, RecursionError):
        return {}
    artifacts = document.get("artifacts") if isinstance(document, dict) else None
    for artifact in (artifacts.values() if isinstance(artifacts, dict) else []):
        if not isinstance(artifact, dict) or artifact.get("type") != "aws:cloudformation:stack":
            continue
        properties = artifact.get("properties")
        if not isinstance(properties, dict) or properties.get("templateFile") != template_name:
            continue
        metadata = artifact.get("metadata") if isinstance(artifact.get("metadata"), dict) else {}
        extra = artifact.get("additionalMetadataFile")
        if isinstance(extra, str) and "\0" not in extra:
            extra_path = os.path.join(os.path.dirname(manifest), extra)
            if inside_root(extra_path, os.path.realpath(os.path.dirname(manifest))):
                try:
                    loaded = json.loads(read_source(extra_path))
                    if isinstance(loaded, dict):
                        metadata = {**loaded, **metadata}
                except (SourceError, ValueError, RecursionError):
                    pass
        return _logical_ids(metadata)
    return {}


def _logical_ids(metadata: dict) -> dict[str, str]:
    out: dict[str, str] = {}
    for construct, entries in metadata.items():
        for entry in entries if isinstance(entries, list) else []:
            if isinstance(entry, dict) and entry.get("type") == "aws:cdk:logicalId" \
                    and isinstance(entry.get("data"), str) and isinstance(construct, str):
                out.setdefault(entry["data"], construct.lstrip("/"))
    return out


def name_constructs(findings: list[Finding], unit: Unit) -> None:
    """Add the construct path to each finding on a resource of a CDK stack."""
    for finding in findings:
        if not finding.resource or finding.framework != "cloudformation":
            continue
        stack, _, logical_id = finding.resource.rpartition("/")
        template = unit.root
        if stack:  # a resource of another stack of the assembly, joined for its exports
            template = os.path.join(os.path.dirname(unit.root), f"{stack}.template.json")
        construct = construct_paths(template).get(logical_id)
        if construct:
            finding.message += f" (construct {shown(construct, 200)})"
