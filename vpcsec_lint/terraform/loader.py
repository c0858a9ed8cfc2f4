"""A Terraform module directory -> a `Unit` of evaluated resources."""

from __future__ import annotations

import os
from collections.abc import Callable
from typing import TYPE_CHECKING

from vpcsec_lint.raw import FileProblem, Unit
from vpcsec_lint.sources import SourceError, read_source

if TYPE_CHECKING:  # imported when a module is loaded, not for discovery
    from vpcsec_lint.terraform.evaluator import ModuleSource
    from vpcsec_lint.terraform.syntax import Body

TextSource = Callable[[str], str]
"""Reads a file's text: from disk, or from an editor buffer for the file being edited."""


def is_tf_file(name: str) -> bool:
    return name.endswith((".tf", ".tf.json"))


def is_tfvars_file(name: str) -> bool:
    return name in ("terraform.tfvars", "terraform.tfvars.json") or name.endswith(
        (".auto.tfvars", ".auto.tfvars.json"))


def parse_tf_text(text: str, path: str) -> Body:
    """Parse one `.tf`, `.tf.json` or `.tfvars` file's text; raise `ParseFailure`."""
    if path.endswith(".json"):
        from vpcsec_lint.terraform.json_adapter import parse_tf_json

        if path.endswith(".tfvars.json"):
            return _tfvars_json(text, path)
        return parse_tf_json(text, path)
    from vpcsec_lint.terraform.hcl_adapter import parse_hcl

    return parse_hcl(text, path)


def _tfvars_json(text: str, path: str) -> Body:
    from vpcsec_lint.terraform.json_adapter import parse_tf_json
    from vpcsec_lint.terraform.syntax import Body

    wrapped = parse_tf_json('{"locals": ' + text + "}", path)
    return wrapped.blocks[0].body if wrapped.blocks else Body()


class ParseCache:
    """Parsed files by path and content; shared by all modules of one run."""

    def __init__(self, read: TextSource = read_source) -> None:
        self.read = read
        self._bodies: dict[tuple[str, str], Body | FileProblem] = {}
        self.texts: dict[str, str] = {}

    def parse(self, path: str) -> Body | FileProblem:
        try:
            text = self.read(path)
        except SourceError as exc:
            return FileProblem(path, str(exc), exc.line, exc.column)
        self.texts[path] = text
        key = (path, text)
        cached = self._bodies.get(key)
        if cached is None:
            cached = self._parse_text(text, path)
            self._bodies[key] = cached
        return cached

    def _parse_text(self, text: str, path: str) -> Body | FileProblem:
        from vpcsec_lint import cache
        from vpcsec_lint.terraform.syntax import Body, ParseFailure

        stored = cache.load("tf", path, text)
        if isinstance(stored, (Body, FileProblem)):
            return stored
        try:
            result: Body | FileProblem = parse_tf_text(text, path)
        except ParseFailure as exc:
            result = FileProblem(path, exc.message, exc.line, exc.column)
        cache.store("tf", path, text, result)
        return result


def module_files(directory: str) -> tuple[list[str], list[str]]:
    """The `.tf`/`.tf.json` files and the tfvars files of a module directory, sorted."""
    try:
        entries = sorted(os.scandir(directory), key=lambda e: e.name)
    except OSError:
        return [], []
    tf, tfvars = [], []
    for entry in entries:
        try:
            is_file = entry.is_file(follow_symlinks=False)
            if entry.is_symlink():
                continue  # symlinks are not followed (CLI.md)
        except OSError:
            is_file = False
        if is_tf_file(entry.name):
            tf.append(entry.path)  # directories named x.tf are reported, not skipped
        elif is_file and is_tfvars_file(entry.name):
            tfvars.append(entry.path)
    return tf, tfvars


def load_module(directory: str, cache: ParseCache | None = None,
                var_files: list[str] | None = None, extra: str | None = None,
                given: str | None = None) -> Unit:
    """Read and evaluate the module in `directory` (and its local module calls).

    `extra` is a file that belongs to the module even if it is not on disk yet
    (an editor buffer or standard input); it is read through `cache`. `given`
    is the PATH the user named that led here: with no repository around the
    module, it bounds what `file()` and module sources may reach
    (`sources.analysis_root`; default: the module directory).
    """
    from vpcsec_lint.sources import analysis_root
    from vpcsec_lint.terraform.evaluator import Limits, Module, ModuleSource
    from vpcsec_lint.terraform.installed_modules import InstalledModules

    cache = cache or ParseCache()
    unit = Unit("terraform", directory)
    tf_files, tfvars_files = module_files(directory)
    var_files = list(var_files or [])
    known = {os.path.normpath(p) for p in [*tf_files, *tfvars_files, *var_files]}
    if extra is not None and os.path.normpath(extra) not in known:
        if is_tfvars_file(os.path.basename(extra)):
            tfvars_files = sorted([*tfvars_files, extra])
        else:
            tf_files = sorted([*tf_files, extra])
    source = ModuleSource(directory)
    for paths, parsed in ((tf_files, source.bodies), ([*tfvars_files, *var_files], source.tfvars)):
        for path in paths:
            unit.files.append(path)
            result = cache.parse(path)
            if isinstance(result, FileProblem):
                unit.problems.append(result)
            else:
                parsed.append((path, result))

    def load_child(child_dir: str) -> ModuleSource | None:
        child_tf, _ = module_files(child_dir)
        if not child_tf:
            return None
        child = ModuleSource(child_dir)
        for path in child_tf:
            result = cache.parse(path)
            if isinstance(result, FileProblem):  # VSL000 from the caller too
                if all(p.path != result.path for p in unit.problems):
                    unit.problems.append(result)
            else:
                child.bodies.append((path, result))
        return child

    root = analysis_root(directory, given or directory)
    installed = InstalledModules.load(directory, root)
    if installed.problem is not None:
        unit.problems.append(installed.problem)
    limits = Limits(root, directory, installed)
    module = Module(source, load_child, limits=limits)
    unit.resources = module.raw_resources()
    unit.notices.extend(limits.notices)
    unit.installed_modules = installed
    unit.call_arguments = limits.call_arguments
    unit.texts = {p: cache.texts[p] for p in unit.files if p in cache.texts}
    return unit
