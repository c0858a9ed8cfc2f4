"""Which files to analyse: walking directories and classifying named files."""

from __future__ import annotations

import os
from collections.abc import Callable

from vpcsec_lint.cloudformation.loader import CFN_SUFFIXES
from vpcsec_lint.records import Record
from vpcsec_lint.terraform.loader import is_tf_file, is_tfvars_file

SKIPPED_DIRS = {".git", ".terraform", ".terragrunt-cache", "node_modules", ".aws-sam", "cdk.out",
                "__pycache__", ".venv", "venv", ".tox", ".nox", ".hg", ".svn"}


class Targets(Record):
    """What a run analyses."""

    __slots__ = ("tf_modules", "templates", "given")

    def __init__(self, tf_modules: dict[str, set[str] | None] | None = None,
                 templates: dict[str, bool] | None = None,
                 given: dict[str, str] | None = None) -> None:
        self.tf_modules = {} if tf_modules is None else tf_modules
        """Module directory -> the named files to report on (None: report everything)."""
        self.templates = {} if templates is None else templates
        """Template candidate path -> named explicitly."""
        self.given = {} if given is None else given
        """Module directory or template -> the PATH named on the command line that led to it
        (outside a repository, reads stay under it: `sources.analysis_root`)."""


def is_cfn_candidate(name: str) -> bool:
    return name.endswith(CFN_SUFFIXES) and not name.endswith(".tf.json") \
        and not is_tfvars_file(name)


def is_virtualenv(path: str) -> bool:
    return os.path.isfile(os.path.join(path, "pyvenv.cfg"))


def collect(paths: list[str], excluded: Callable[[str], bool] | None = None) -> Targets:
    """Classify PATHs (files or directories) into Terraform modules and templates."""
    targets = Targets()
    skip = excluded or (lambda _p: False)
    for path in paths:
        if os.path.isdir(path):
            before = {*targets.tf_modules, *targets.templates}
            _walk(path, targets, skip)
            for found in {*targets.tf_modules, *targets.templates} - before:
                targets.given.setdefault(found, path)
        elif skip(path):
            continue
        else:
            before = {*targets.tf_modules, *targets.templates}
            _add_named_file(path, targets)
            for found in {*targets.tf_modules, *targets.templates} - before:
                targets.given.setdefault(found, path)
    return targets


def _add_named_file(path: str, targets: Targets) -> None:
    name = os.path.basename(path)
    if (is_tf_file(name) or is_tfvars_file(name)) and os.path.islink(path) \
            and os.path.isfile(path):
        # Named explicitly, a symlink is followed: module files are read from its target's
        # directory (walks never follow symlinks, so the link's own directory skips it).
        path = _display_path(os.path.realpath(path))
    directory = os.path.dirname(path) or "."
    if is_tf_file(name) or is_tfvars_file(name) or name.endswith(".tfvars"):
        if directory in targets.tf_modules and targets.tf_modules[directory] is None:
            return
        targets.tf_modules.setdefault(directory, set()).add(path)  # type: ignore[union-attr]
    else:
        targets.templates[path] = True


def _display_path(path: str) -> str:
    """`path` relative to the current directory when it is below it."""
    relative = os.path.relpath(path)
    return path if relative.startswith(os.pardir) else relative


def _walk(root: str, targets: Targets, skip: Callable[[str], bool]) -> None:
    for directory, dirnames, filenames in os.walk(root, followlinks=False):
        dirnames[:] = sorted(
            d for d in dirnames
            if d not in SKIPPED_DIRS and not is_virtualenv(os.path.join(directory, d))
            and not skip(os.path.join(directory, d)))
        has_tf = any(is_tf_file(d) for d in dirnames)
        for name in sorted(filenames):
            path = os.path.join(directory, name)
            if os.path.islink(path) or skip(path):
                continue
            if is_tf_file(name):
                has_tf = True
            elif is_cfn_candidate(name):
                targets.templates.setdefault(path, False)
        if has_tf:
            targets.tf_modules[directory] = None
