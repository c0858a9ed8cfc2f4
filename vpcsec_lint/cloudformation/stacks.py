"""CloudFormation across templates: `Fn::ImportValue` of another stack's export, and
nested stacks (`AWS::CloudFormation::Stack`) with a local `TemplateURL`.

- An import is looked up among the templates in the importing template's
  directory (a CDK `cdk.out`, or stacks kept side by side) by export name. The
  exporting template joins the importing unit, its logical IDs prefixed with
  its stack name (`NetworkStack/Vpc`), so the imported value keeps its
  reference (`!ImportValue network-VpcId` is the network stack's VPC).
- A nested stack whose `TemplateURL` is a relative path (as `aws cloudformation
  package` and SAM take them) joins its parent with its `Parameters` bound,
  logical IDs prefixed with the stack resource's (`Network.Vpc`);
  `!GetAtt Network.Outputs.VpcId` is the nested template's output.

Only files inside the analysis root are read. An import without an export, or
a template that is remote or outside the root, is an `unresolved` notice.
"""

from __future__ import annotations

import os
from typing import TYPE_CHECKING, Any

from vpcsec_lint.findings import Notice, shown
from vpcsec_lint.raw import FileProblem, Unit
from vpcsec_lint.sources import (
    SourceError,
    analysis_root,
    depends_on,
    inside_root,
    read_source,
)
from vpcsec_lint.values import UNKNOWN, Location, Val

if TYPE_CHECKING:
    from vpcsec_lint.cloudformation.template import _Template

MAX_NESTING = 5
"""Nested stacks followed at most this deep."""
MAX_TEMPLATES = 50
"""Other templates (exporting or nested) one unit reads at most."""

_exports_by_directory: dict[tuple, dict[str, str]] = {}


class Stacks:
    """The other templates one template's unit reaches: exporting stacks, nested stacks."""

    def __init__(self, unit: Unit, path: str, depth: int = 0, follow_imports: bool = True,
                 shared: dict[str, Any] | None = None) -> None:
        self.unit = unit
        self.path = path
        self.depth = depth
        self.follow_imports = follow_imports
        self.shared = shared if shared is not None else {"templates": {}, "count": 0}
        """Per unit: the templates already joined (by path and prefix), how many were read."""
        self.root = analysis_root(os.path.dirname(path) or ".", os.path.dirname(path) or ".")
        self._nested: dict[str, _Template | None] = {}

    # -- Fn::ImportValue -----------------------------------------------------

    def import_value(self, name: Val, loc: Location | None) -> Val:
        if not isinstance(name.value, str):
            return Val(UNKNOWN, loc)
        if not self.follow_imports:
            return Val(UNKNOWN, loc)
        exporter = _exports(os.path.dirname(self.path) or ".").get(name.value)
        if exporter is None or os.path.normpath(exporter) == os.path.normpath(self.path):
            self._notice("import-without-export", loc,
                         f"Fn::ImportValue {shown(name.value)}: no template in this directory "
                         "exports it; lint the stacks together (the cdk.out assembly, or the "
                         "templates side by side)")
            return Val(UNKNOWN, loc)
        template = self._join(exporter, _stack_label(exporter) + "/", None, follow=False)
        if template is None:
            return Val(UNKNOWN, loc)
        for output in _members(template.doc.get("Outputs")).values():
            export_name = _members(_members(output).get("Export")).get("Name")
            written = _members(output).get("Value")
            if export_name is not None and written is not None \
                    and template.resolve(export_name).value == name.value:
                value = template.resolve(written)
                return Val(value.value, loc, (*((value.loc,) if value.loc else ()),
                                              *value.origins), value.ref, value.symbol,
                           value.alternatives)
        return Val(UNKNOWN, loc)

    # -- nested stacks -------------------------------------------------------

    def nested(self, parent: _Template, logical_id: str) -> _Template | None:
        """The nested stack `logical_id` of `parent`, joined to the unit (once)."""
        if logical_id in self._nested:
            return self._nested[logical_id]
        self._nested[logical_id] = None
        props = parent.properties(logical_id)
        url = _members(props).get("TemplateURL")
        res = parent.resources[logical_id]
        loc = res.loc or Location(self.path, 1)
        if url is None or not isinstance(url.value, str):
            return None
        if url.value.startswith(("https://", "http://", "s3://")) or "://" in url.value:
            self._notice("template-not-local", loc,
                         f"nested stack {shown(parent.prefix + logical_id)}: TemplateURL "
                         f"{shown(url.value)} is not a local file; package it locally or lint "
                         "the nested template itself")
            return None
        if self.depth >= MAX_NESTING:
            return None
        target = os.path.normpath(os.path.join(os.path.dirname(self.path), url.value))
        if not inside_root(target, self.root):
            self._notice("template-outside-analysis-root", loc,
                         f"nested stack {shown(parent.prefix + logical_id)}: TemplateURL "
                         f"{shown(url.value)} is outside the analysis root; not followed")
            return None
        depends_on(target)
        if not os.path.isfile(target):
            self._notice("template-not-found", loc,
                         f"nested stack {shown(parent.prefix + logical_id)}: TemplateURL "
                         f"{shown(url.value)} is not a file here; package the template "
                         "beside its parent")
            return None
        parameters = props.get("Parameters")
        inputs = dict(parameters.value) if parameters is not None and isinstance(
            parameters.value, dict) else {}
        template = self._join(target, f"{parent.prefix}{logical_id}.", inputs, follow=True)
        self._nested[logical_id] = template
        return template

    def nested_output(self, parent: _Template, logical_id: str, output: str,
                      loc: Location | None) -> Val:
        """`!GetAtt Child.Outputs.Name`: the nested template's output value."""
        template = self.nested(parent, logical_id)
        ref = (parent.prefix + logical_id, "Outputs." + output)
        if template is None:
            return Val(UNKNOWN, loc, ref=ref)
        value = _members(_members(template.doc.get("Outputs")).get(output)).get("Value")
        if value is None:
            return Val(UNKNOWN, loc, ref=ref)
        resolved = template.resolve(value)
        return Val(resolved.value, loc, (*((value.loc,) if value.loc else ()),
                                         *resolved.origins), resolved.ref or ref,
                   resolved.symbol, resolved.alternatives)

    # -- joining another template to the unit --------------------------------

    def _join(self, path: str, prefix: str, inputs: dict[str, Val] | None,
              follow: bool) -> _Template | None:
        from vpcsec_lint.cloudformation.template import _Template, is_template

        templates = self.shared["templates"]
        key = (os.path.normpath(path), prefix)
        if key in templates:
            return templates[key]
        templates[key] = None
        if self.shared["count"] >= MAX_TEMPLATES:
            self.unit.notices.append(Notice(
                "budget", "templates", self.path, 1,
                f"more than {MAX_TEMPLATES} other templates joined; the rest were not read"))
            return None
        self.shared["count"] += 1
        doc = _document(path, self.unit)
        if doc is None or not is_template(doc):
            return None
        stacks = Stacks(self.unit, path, self.depth + 1, follow, self.shared)
        template = _Template(doc, path, self.unit, prefix, inputs, stacks)
        templates[key] = template
        template.run(joined=True)
        return template

    def _notice(self, code: str, loc: Location | None, message: str) -> None:
        where = loc or Location(self.path, 1)
        self.unit.notices.append(Notice("unresolved", code, where.path, where.line, message))


def _document(path: str, unit: Unit | None) -> Val | None:
    from vpcsec_lint.yamlnodes import DocumentError, load_document

    try:
        text = read_source(path)
        return load_document(text, path, is_json=path.endswith(".json") or text.lstrip(
            "\ufeff \t\r\n").startswith("{"))
    except SourceError as exc:
        problem = FileProblem(path, str(exc), exc.line, exc.column, "cloudformation")
    except DocumentError as exc:
        problem = FileProblem(path, exc.message, exc.line, exc.column, "cloudformation")
    if unit is not None and all(p.path != path for p in unit.problems):
        unit.problems.append(problem)
    return None


def _exports(directory: str) -> dict[str, str]:
    """Export name -> the template in `directory` that exports it (literal names only)."""
    from vpcsec_lint.cloudformation.loader import CFN_SUFFIXES
    from vpcsec_lint.cloudformation.template import _Template, is_template

    try:
        entries = sorted((e.name, e.stat().st_mtime_ns, e.stat().st_size)
                         for e in os.scandir(directory)
                         if e.name.endswith(CFN_SUFFIXES) and not e.name.endswith(".tf.json")
                         and e.is_file(follow_symlinks=False))
    except OSError:
        return {}
    key = (os.path.realpath(directory), tuple(entries))
    if key in _exports_by_directory:
        for name, _mtime, _size in entries[:1000]:  # this unit depends on them too
            depends_on(os.path.join(directory, name))
        return _exports_by_directory[key]
    found: dict[str, str] = {}
    for name, _mtime, _size in entries[:1000]:
        path = os.path.join(directory, name)
        try:
            if "Export" not in read_source(path):
                continue
        except SourceError:
            continue
        doc = _document(path, None)
        if doc is None or not is_template(doc):
            continue
        template = _Template(doc, path, Unit("cloudformation", path), "", None, None)
        for output in _members(doc.get("Outputs")).values():
            export_name = _members(_members(output).get("Export")).get("Name")
            if export_name is not None:
                resolved = template.resolve(export_name)
                if isinstance(resolved.value, str):
                    found.setdefault(resolved.value, path)
    if len(_exports_by_directory) > 256:
        _exports_by_directory.clear()
    _exports_by_directory[key] = found
    return found


def _stack_label(path: str) -> str:
    """`NetworkStack` for `cdk.out/NetworkStack.template.json`, `network` for `network.yaml`."""
    name = os.path.basename(path)
    for suffix in (".template.json", ".template.yaml", ".template.yml", ".template", ".json",
                   ".yaml", ".yml"):
        if name.endswith(suffix):
            return name[: -len(suffix)]
    return name


def _members(val: Val | None) -> dict[str, Val]:
    """The members of a mapping value, else none."""
    return val.value if val is not None and isinstance(val.value, dict) else {}
