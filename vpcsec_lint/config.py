"""Configuration: `.vpcsec-lint.yaml` or `[tool.vpcsec-lint]`, merged with the command line.

Discovered from the first PATH's directory upward to the repository root (the
directory holding `.git`), else in the current directory. Command-line options
win over the file. The file is checked against `CONFIG_SCHEMA`.
"""

from __future__ import annotations

import argparse
import fnmatch
import os
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from vpcsec_lint.engine import Options

CONFIG_NAME = ".vpcsec-lint.yaml"
SEVERITY_ENUM = ["error", "warning", "note"]
CONFIG_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "select": {"type": "array", "items": {"type": "string"}},
        "ignore": {"type": "array", "items": {"type": "string"}},
        "fail-on": {"enum": SEVERITY_ENUM},
        "exclude": {"type": "array", "items": {"type": "string"}},
        "severity": {"type": "object", "additionalProperties": {"enum": SEVERITY_ENUM}},
    },
}


@dataclass
class Settings:
    """The configuration file's content and where it was found."""

    path: str | None = None
    data: dict[str, Any] = field(default_factory=dict)

    @property
    def base(self) -> str:
        return os.path.dirname(os.path.abspath(self.path)) if self.path else os.getcwd()


def find_config(start: str) -> str | None:
    """The nearest config file from `start` upward to the repository root."""
    directory = os.path.abspath(start if os.path.isdir(start) else os.path.dirname(start) or ".")
    while True:
        candidate = os.path.join(directory, CONFIG_NAME)
        if os.path.isfile(candidate):
            return candidate
        pyproject = os.path.join(directory, "pyproject.toml")
        if os.path.isfile(pyproject) and _has_table(pyproject):
            return pyproject
        parent = os.path.dirname(directory)
        if os.path.exists(os.path.join(directory, ".git")) or parent == directory:
            return None
        directory = parent


def _has_table(pyproject: str) -> bool:
    try:
        with open(pyproject, encoding="utf-8") as handle:
            return "[tool.vpcsec-lint]" in handle.read()
    except OSError:
        return False


def load_settings(path: str) -> Settings:
    """Read and validate a config file; raise ValueError naming the file and the key."""
    try:
        if path.endswith(".toml"):
            data = _load_toml(path)
        else:
            data = _load_yaml(path)
    except OSError as exc:
        raise ValueError(f"{path}: cannot read config: {exc.strerror or exc}") from None
    validate(data, path)
    return Settings(path, data)


def _load_toml(path: str) -> dict[str, Any]:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    with open(path, "rb") as handle:
        try:
            doc = tomllib.load(handle)
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"{path}: invalid TOML: {exc}") from None
    if not path.endswith("pyproject.toml"):
        return doc
    return doc.get("tool", {}).get("vpcsec-lint", {})


def _load_yaml(path: str) -> dict[str, Any]:
    import yaml

    with open(path, encoding="utf-8") as handle:
        try:
            doc = yaml.safe_load(handle)
        except yaml.YAMLError as exc:
            raise ValueError(f"{path}: invalid YAML: {exc}") from None
    if doc is None:
        return {}
    return doc


def validate(data: Any, path: str) -> None:
    import jsonschema

    validator = jsonschema.Draft202012Validator(CONFIG_SCHEMA)
    errors = sorted(validator.iter_errors(data), key=lambda e: list(e.absolute_path))
    if not errors:
        return
    error = errors[0]
    key = ".".join(str(p) for p in error.absolute_path)
    if error.validator == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        key = ".".join([*(str(p) for p in error.absolute_path), extra[0]]) if extra else key
        raise ValueError(f"{path}: unknown key '{key}'")
    where = f"key '{key}'" if key else "the top level"
    raise ValueError(f"{path}: {where}: {error.message}")


def _split(text: str | None) -> list[str] | None:
    if text is None:
        return None
    return [t.strip() for t in text.split(",") if t.strip()]


def resolve_options(args: argparse.Namespace, paths: list[str]) -> tuple[Options, Settings]:
    """Options from the config file and the command line (which wins)."""
    from vpcsec_lint.registry import PSEUDO_RULES, RuleError, all_rules, expand_ids

    config_path = args.config or find_config(paths[0] if paths else ".")
    settings = load_settings(config_path) if config_path else Settings()
    data = settings.data
    try:
        known = list(all_rules())
    except RuleError as exc:
        raise ValueError(str(exc)) from None

    def ids(spec: list[str] | None, what: str) -> set[str] | None:
        if spec is None:
            return None
        try:
            return expand_ids(spec, [*known, *PSEUDO_RULES])
        except KeyError as exc:
            raise ValueError(f"{what}: unknown rule ID {exc.args[0]}") from None

    select = ids(_split(args.select), "--select") if args.select is not None else ids(
        data.get("select"), f"{settings.path}: select")
    ignore = ids(_split(args.ignore), "--ignore") if args.ignore is not None else ids(
        data.get("ignore"), f"{settings.path}: ignore")
    severity = {}
    for rule_id, level in data.get("severity", {}).items():
        for expanded in ids([rule_id], f"{settings.path}: severity") or set():
            severity[expanded] = level
    options = Options(
        select=select,
        ignore=(ignore or set()) - set(PSEUDO_RULES),
        fail_on=args.fail_on or data.get("fail-on", "warning"),
        severity=severity,
        excluded=exclusion(data.get("exclude", []), settings.base),
        var_files=list(getattr(args, "var_file", []) or []),
    )
    if getattr(args, "jobs", None):
        options.jobs = max(1, args.jobs)
    return options, settings


def exclusion(patterns: list[str], base: str) -> Callable[[str], bool] | None:
    """A predicate for paths matched by `exclude` globs relative to `base`."""
    if not patterns:
        return None

    def excluded(path: str) -> bool:
        rel = os.path.relpath(os.path.abspath(path), base).replace(os.sep, "/")
        if rel.startswith("../"):
            return False
        parts = rel.split("/")
        for pattern in patterns:
            pattern = pattern.rstrip("/")
            if fnmatch.fnmatch(rel, pattern) or fnmatch.fnmatch(rel, pattern + "/*"):
                return True
            if "/" not in pattern and any(fnmatch.fnmatch(p, pattern) for p in parts):
                return True
        return False

    return excluded
