"""CloudFormation across templates: `Fn::ImportValue` of another stack's export, and
nested stacks (`AWS::CloudFormation::Stack`) with a local `TemplateURL`.

- An import is looked up among the templates in the importing template's
  directory (a CDK `cdk.out`, or stacks kept side by side) by export name. The
  exporting template joins the importing unit, its logical IDs prefixed with
  its stack name (`NetworkStack/Vpc`), so the imported value keeps its
  reference (`!ImportValue network-VpcId` is the network stack's VPC). The
  directory's exports are indexed once per process (`export_index`: each
  template read once, and within a run the directory listed once, however
  many import), and a unit's cache entry keeps the
  index's digest rather than every sibling: it is analysed again when an
  export of the directory changes, not when an unrelated sibling does.
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
from vpcsec_lint.unit_cache import depends_on_derived, not_recorded
from vpcsec_lint.values import UNKNOWN, Location, Val

if TYPE_CHECKING:
    from vpcsec_lint.cloudformation.template import _Template

MAX_NESTING = 5
"""Nested stacks followed at most this deep."""
MAX_TEMPLATES = 50
"""Other templates (exporting or nested) one unit reads at most."""

class Stacks:
    """The other templates one template's unit reaches: exporting stacks, nested stacks."""

    def __init__(self, unit: Unit, path: str, depth: int = 0, follow_imports: bool = True,
                 shared: dict[str, Any] | None = None) -> None:
        self.unit = unit
        self.path = path
        self.depth = depth
        self.follow_imports = follow_imports
        self.shared: dict[str, Any] = shared if shared is not None else {
            "templates": {}, "count": 0}
        """Per unit: the templates already joined (by path and prefix), how many were read."""
        self.root = analysis_root(os.path.dirname(path) or ".", os.path.dirname(path) or ".")
        self._nested: dict[str, _Template | None] = {}
        self._index: ExportIndex | None = None

    # -- Fn::ImportValue -----------------------------------------------------

    def import_value(self, name: Val, loc: Location | None) -> Val:
        if not isinstance(name.value, str):
            return Val(UNKNOWN, loc)
        if not self.follow_imports:
            return Val(UNKNOWN, loc)
        exporter = self._exports().names.get(name.value)
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

    def _exports(self) -> ExportIndex:
        """This template's directory's exports, looked up once per template."""
        if self._index is None:
            directory = os.path.dirname(self.path) or "."
            with not_recorded():  # the unit depends on the index's digest, not every sibling
                self._index = export_index(directory)
            depends_on_derived(EXPORTS_DEPENDENCY + directory, self._index.digest)
            if self._index.truncated:
                self.unit.notices.append(Notice(
                    "budget", "directory-templates", directory, 1,
                    f"more than {MAX_DIRECTORY_TEMPLATES} templates in this directory; "
                    "exports of the rest were not looked for"))
        return self._index

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


def _document(path: str, unit: Unit) -> Val | None:
    """The template at `path`, else None with its problem (VSL000) on `unit`."""
    from vpcsec_lint.yamlnodes import DocumentError

    try:
        return _parse(read_source(path), path)
    except SourceError as exc:
        problem = FileProblem(path, str(exc), exc.line, exc.column, "cloudformation")
    except DocumentError as exc:
        problem = FileProblem(path, exc.message, exc.line, exc.column, "cloudformation")
    if all(p.path != path for p in unit.problems):
        unit.problems.append(problem)
    return None


MAX_DIRECTORY_TEMPLATES = 1000
"""Templates of one directory looked at for exports at most."""
EXPORTS_DEPENDENCY = "cfn-exports:"
"""The unit cache's name for "the exports of the templates in directory D" (`+ D`)."""


class ExportIndex:
    """The exports of the templates in one directory: export name -> exporting template.

    Built once per process for a directory whose listing (names, sizes, times)
    is unchanged, each template read once: linear in the number of templates,
    however many of them import. Only literal (resolvable) export names count.
    """

    __slots__ = ("names", "digest", "truncated")

    def __init__(self, names: dict[str, str], truncated: bool) -> None:
        self.names = names
        self.truncated = truncated
        """More templates than `MAX_DIRECTORY_TEMPLATES`: the rest were not looked at."""
        import hashlib

        text = "\0".join(f"{k}\0{os.path.basename(v)}" for k, v in sorted(names.items()))
        self.digest = hashlib.sha256(f"{truncated}\0{text}".encode()).hexdigest()
        """What the unit cache compares: a sibling's exports changing changes it."""


_indexes: dict[str, tuple[tuple, ExportIndex]] = {}
_checked: set[str] | None = None
"""Within `one_run`: the directories whose memo was checked in this run."""


class one_run:
    """Context manager: one lint run, in which a directory's index, once checked, is used
    without listing the directory again (the run sees each directory as it first found
    it), so n importing templates cost one listing, not n. Outside a run (the language
    server) every lookup checks the listing."""

    def __enter__(self) -> None:
        global _checked
        _checked = set()

    def __exit__(self, *_exc: object) -> None:
        global _checked
        _checked = None


def export_index(directory: str) -> ExportIndex:
    """The exports of `directory`'s templates, from the memo while its listing is unchanged."""
    from vpcsec_lint.cloudformation.loader import CFN_SUFFIXES

    key = os.path.realpath(directory)
    if _checked is not None and key in _checked and key in _indexes:
        return _indexes[key][1]
    try:
        with os.scandir(directory) as found:
            stamp = tuple(sorted((e.name, e.stat().st_mtime_ns, e.stat().st_size)
                                 for e in found if e.name.endswith(CFN_SUFFIXES)
                                 and not e.name.endswith(".tf.json")
                                 and e.is_file(follow_symlinks=False)))
    except OSError:
        return ExportIndex({}, False)
    if _checked is not None:
        _checked.add(key)
    known = _indexes.get(key)
    if known is not None and known[0] == stamp:
        return known[1]
    index = _build_index(directory, [name for name, _mtime, _size in stamp])
    if len(_indexes) > 256:
        _indexes.clear()
        if _checked is not None:
            _checked.clear()
    _indexes[key] = (stamp, index)
    return index


def exports_digest(directory: str) -> str:
    """The unit cache's digest of `directory`'s exports (see `EXPORTS_DEPENDENCY`)."""
    return export_index(directory).digest


def _build_index(directory: str, names: list[str]) -> ExportIndex:
    from vpcsec_lint.cloudformation.template import _Template, is_template
    from vpcsec_lint.yamlnodes import DocumentError

    found: dict[str, str] = {}
    for name in names[:MAX_DIRECTORY_TEMPLATES]:
        path = os.path.join(directory, name)
        try:
            text = read_source(path)
            if "Export" not in text:
                continue
            doc = _parse(text, path)
        except (SourceError, DocumentError):
            continue
        if doc is None or not is_template(doc):
            continue
        template = _Template(doc, path, Unit("cloudformation", path), "", None, None)
        for output in _members(doc.get("Outputs")).values():
            export_name = _members(_members(output).get("Export")).get("Name")
            if export_name is not None:
                resolved = template.resolve(export_name)
                if isinstance(resolved.value, str):
                    found.setdefault(resolved.value, path)
    return ExportIndex(found, len(names) > MAX_DIRECTORY_TEMPLATES)


def _parse(text: str, path: str) -> Val | None:
    from vpcsec_lint.yamlnodes import load_document

    return load_document(text, path, is_json=path.endswith(".json") or text.lstrip(
        "\ufeff \t\r\n").startswith("{"))


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
