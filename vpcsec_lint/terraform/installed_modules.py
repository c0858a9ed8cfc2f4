"""Registry and remote modules as `terraform init` installed them, read offline.

`terraform init` downloads every non-local module call into `.terraform/modules/`
of the root module and writes `.terraform/modules/modules.json`, which maps
each module key (the call names from the root, dotted: `vpc`, `vpc.subnets`)
to the directory it installed, relative to the root module. That directory is
what will run, so the call's `version` constraint is not looked at. Nothing is
ever downloaded; a directory outside the analysis root is not followed.

Code in a downloaded module is not the user's to edit: a finding inside it is
moved to the calling `module` block (`relocate_vendored`), to the argument
that feeds it when that argument is one of its origins.
"""

from __future__ import annotations

import json
import os
import re

from vpcsec_lint.findings import Finding, Notice, Related, shown
from vpcsec_lint.raw import FileProblem, Unit
from vpcsec_lint.sources import SourceError, depends_on, inside_root, read_source
from vpcsec_lint.values import Location

MANIFEST = os.path.join(".terraform", "modules", "modules.json")
MAX_ENTRIES = 10_000
"""Entries of one `modules.json` read at most."""
_MODULE_NAME = re.compile(r"module\.([^.\[]+)")
_VARIABLE = re.compile(r"\bvar\.([A-Za-z_][A-Za-z0-9_-]*)")


class InstalledModules:
    """The module directories `terraform init` recorded for one root module."""

    def __init__(self, root_dir: str, analysis_root: str) -> None:
        self.root_dir = root_dir
        self.analysis_root = analysis_root
        self.path = os.path.join(root_dir, MANIFEST)
        self.dirs: dict[str, str] = {}
        """Module key (`vpc`, `vpc.subnets`) -> its directory."""
        self.vendored: set[str] = set()
        """Directories of downloaded (not local) modules: code the user does not edit."""
        self.outside: set[str] = set()
        """Keys whose directory lies outside the analysis root (not followed)."""
        self.present = False
        self.problem: FileProblem | None = None

    @classmethod
    def load(cls, root_dir: str, analysis_root: str) -> InstalledModules:
        """Read `root_dir/.terraform/modules/modules.json`; a bad file is a `problem`."""
        found = cls(root_dir, analysis_root)
        depends_on(found.path)  # `terraform init` later makes a cached result stale
        if not os.path.lexists(found.path):
            return found
        found.present = True
        try:
            document = json.loads(read_source(found.path))
        except SourceError as exc:
            found.problem = FileProblem(found.path, str(exc), exc.line, exc.column)
            return found
        except RecursionError:
            found.problem = FileProblem(found.path, "invalid JSON: nested too deeply")
            return found
        except ValueError as exc:
            line = getattr(exc, "lineno", 1)
            found.problem = FileProblem(found.path, f"invalid JSON: {exc}", line)
            return found
        entries = document.get("Modules") if isinstance(document, dict) else None
        if not isinstance(entries, list):
            found.problem = FileProblem(found.path, "not a Terraform modules manifest "
                                        "(no \"Modules\" list)")
            return found
        for entry in entries[:MAX_ENTRIES]:
            if not isinstance(entry, dict):
                continue
            key, source, directory = entry.get("Key"), entry.get("Source"), entry.get("Dir")
            if not isinstance(key, str) or not key or not isinstance(directory, str) \
                    or "\0" in directory:
                continue
            full = os.path.normpath(os.path.join(root_dir, directory))
            if not inside_root(full, analysis_root):
                found.outside.add(key)
                continue
            found.dirs[key] = full
            if not (isinstance(source, str) and source.startswith(("./", "../"))):
                found.vendored.add(full)
        # A local module inside a downloaded one is downloaded code too.
        for full in list(found.dirs.values()):
            if any(_under(full, v) for v in found.vendored):
                found.vendored.add(full)
        return found

    def is_vendored(self, path: str) -> bool:
        return any(_under(path, v) for v in self.vendored)


def module_key(prefix: str, name: str) -> str:
    """The `modules.json` key of call `name` in the module at `prefix` (`module.a["x"].`)."""
    return ".".join([*_MODULE_NAME.findall(prefix), name])


def not_followed(installed: InstalledModules | None, key: str, source: str,
                 loc: Location) -> Notice:
    """Why a non-local module call was not followed, and how to let the tool see it."""
    call = f"module.{key}"
    where = f"{call} (source {shown(source)})"
    if installed is not None and key in installed.outside:
        return Notice("unresolved", "module-outside-analysis-root", loc.path, loc.line,
                      f"{where}: its installed directory is outside the analysis root; "
                      "not followed")
    if installed is not None and installed.present:
        return Notice("unresolved", "module-not-installed", loc.path, loc.line,
                      f"{where} is not in .terraform/modules/modules.json: run "
                      "`terraform init` again (or pass a plan from `terraform show -json`)")
    return Notice("unresolved", "module-not-initialised", loc.path, loc.line,
                  f"{where} is not downloaded: run `terraform init` in the root module "
                  "(or pass a plan from `terraform show -json`) so its resources and "
                  "outputs are seen")


def relocate_vendored(findings: list[Finding], unit: Unit) -> None:
    """Move findings located in downloaded module code to the user's calling `module` block."""
    installed = unit.installed_modules
    if installed is None or not installed.vendored:
        return
    resources = {r.address: r for r in unit.resources}
    lines: dict[str, list[str]] = {}
    for finding in findings:
        if finding.framework != "terraform" or not installed.is_vendored(finding.loc.path):
            continue
        res = resources.get(finding.resource or "")
        sites = [s for s in (res.call_sites if res is not None else ())
                 if not installed.is_vendored(s.path)]
        if not sites:
            continue
        site = sites[-1]  # the innermost call written by the user
        inner = finding.loc
        feeding = None
        if site == res.call_sites[-1]:  # it calls the module the finding is in
            arguments = unit.call_arguments.get((site.path, site.line), {})
            feeding = _feeding_argument(inner, arguments, lines)
        finding.loc = feeding or site
        finding.related = [r for r in finding.related if r.loc != finding.loc]
        finding.related.insert(0, Related(inner, "inside the downloaded module, here"))
        finding.subject = f"{finding.subject}@{inner.path}:{inner.line}"


def _feeding_argument(inner: Location, arguments: dict[str, Location],
                      lines: dict[str, list[str]]) -> Location | None:
    """The call's argument that the expression at `inner` reads (`var.NAME`), if just one."""
    if inner.path not in lines:
        try:
            lines[inner.path] = read_source(inner.path).splitlines()
        except SourceError:
            lines[inner.path] = []
    text = "\n".join(lines[inner.path][inner.line - 1:(inner.end_line or inner.line)][:50])
    names = {n for n in _VARIABLE.findall(text) if n in arguments}
    return arguments[names.pop()] if len(names) == 1 else None


def _under(path: str, directory: str) -> bool:
    path, directory = os.path.normpath(path), os.path.normpath(directory)
    return path == directory or path.startswith(directory + os.sep)
