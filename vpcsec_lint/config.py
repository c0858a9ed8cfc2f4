"""Configuration: `.vpcsec-lint.yaml` or `[tool.vpcsec-lint]`, merged with the command line.

Discovery (CLI.md): from each PATH's directory (or the `--stdin-filename`
directory) upward to the repository root (the directory holding `.git`),
`.vpcsec-lint.yaml` first, then a `pyproject.toml` with a `[tool.vpcsec-lint]`
table (one without it is passed over); when nothing is found that way, the
same search from the current directory. `--config FILE` replaces discovery.
PATHs governed by different files are linted as separate runs and reported
together. Command-line options win over the file.

Keys (checked against `CONFIG_SCHEMA`; an unknown key or a wrong type is an
error naming the key and the file):

    select: [VSL1, VSL201]        # rule IDs or prefixes to run (or "VSL1,VSL201")
    ignore: [VSL102]              # rule IDs or prefixes to skip
    fail-on: warning              # error | warning | note
    exclude: [legacy/, "**/generated/*.yaml"]   # globs relative to this file
    severity: {VSL101: error}     # per-rule (or prefix) severity overrides
    per-path-ignore:              # suppress rules for matching files
      "legacy/*.tf.json": [VSL101]
      "vendor/": {ignore: [VSL1], reason: "third-party module"}
    reach:                        # what must (or must not) be reachable (VSL604)
      - {from: aws_lambda_function.api, to: aws_db_instance.orders}
      - {from: internet, to: aws_db_instance.orders, expect: blocked}

Globs follow `.gitignore`: a pattern without `/` matches a file or directory
name at any depth, one with `/` is anchored at the config file's directory,
`*` stays within a path segment, `**` crosses segments, and a matching
directory covers everything below it.
"""

from __future__ import annotations

import argparse
import difflib
import os
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from vpcsec_lint.globs import Glob
from vpcsec_lint.options import Options
from vpcsec_lint.records import Record

if TYPE_CHECKING:
    from vpcsec_lint.findings import Finding

CONFIG_NAME = ".vpcsec-lint.yaml"
PYPROJECT = "pyproject.toml"
TABLE = "vpcsec-lint"
SEVERITY_ENUM = ["error", "warning", "note"]
_STRINGS = {"anyOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}}],
            "description": "a list of strings, or one comma-separated string"}
CONFIG_SCHEMA: dict[str, Any] = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "additionalProperties": False,
    "properties": {
        "select": _STRINGS,
        "ignore": _STRINGS,
        "fail-on": {"enum": SEVERITY_ENUM},
        "exclude": _STRINGS,
        "severity": {"type": "object", "additionalProperties": {"enum": SEVERITY_ENUM}},
        "per-path-ignore": {
            "type": "object",
            "additionalProperties": {"anyOf": [
                *_STRINGS["anyOf"],
                {"type": "object", "additionalProperties": False, "required": ["ignore"],
                 "properties": {"ignore": _STRINGS, "reason": {"type": "string"}}}],
                "description": "rule IDs, or {ignore: [rule IDs], reason: text}"},
        },
        "reach": {
            "type": "array",
            "items": {
                "type": "object", "additionalProperties": False, "required": ["from", "to"],
                "properties": {
                    "from": {"type": "string", "minLength": 1},
                    "to": {"type": "string", "minLength": 1},
                    "port": {"type": "integer", "minimum": 0, "maximum": 65535},
                    "protocol": {"enum": ["tcp", "udp"]},
                    "expect": {"enum": ["reachable", "blocked"]},
                }},
            "description": "a list of {from, to, port, protocol, expect} entries"},
    },
}


class ConfigError(ValueError):
    """An unreadable or invalid configuration (exit status 2)."""


class Settings(Record):
    """The configuration file's content and where it was found."""

    __slots__ = ("path", "data")

    def __init__(self, path: str | None = None, data: dict[str, Any] | None = None) -> None:
        self.path = path
        self.data = {} if data is None else data

    @property
    def base(self) -> str:
        return os.path.dirname(os.path.abspath(self.path)) if self.path else os.getcwd()


# -- discovery ---------------------------------------------------------------

def find_config(start: str) -> str | None:
    """The nearest config file from `start` (a file or directory) up to the repository root."""
    directory = os.path.abspath(start if os.path.isdir(start) else os.path.dirname(start) or ".")
    while True:
        candidate = os.path.join(directory, CONFIG_NAME)
        if os.path.isfile(candidate):
            return candidate
        pyproject = os.path.join(directory, PYPROJECT)
        if os.path.isfile(pyproject) and _pyproject_table(pyproject) is not None:
            return pyproject
        parent = os.path.dirname(directory)
        if os.path.exists(os.path.join(directory, ".git")) or parent == directory:
            return None
        directory = parent


def discover(path: str) -> str | None:
    """The config file for PATH: found from PATH upward, else from the current directory."""
    return find_config(path) or find_config(os.getcwd())


# -- reading and validating --------------------------------------------------

def load_settings(path: str) -> Settings:
    """Read and validate a config file; raise ConfigError naming the file and the key."""
    try:
        if os.path.basename(path) == PYPROJECT:
            data = _pyproject_table(path, required=True)
        elif path.endswith(".toml"):  # its [tool.vpcsec-lint] table, else the whole file
            data = _load_toml(path)
            tool = data.get("tool") if isinstance(data, dict) else None
            if isinstance(tool, dict) and TABLE in tool:
                data = tool[TABLE]
        else:
            data = _load_yaml(path)
    except OSError as exc:
        raise ConfigError(f"{path}: cannot read config: {exc.strerror or exc}") from None
    validate(data, path)
    return Settings(path, data)


def _toml_module() -> Any:
    try:
        import tomllib
    except ModuleNotFoundError:  # Python 3.10
        import tomli as tomllib  # type: ignore[no-redef]
    return tomllib


def _load_toml(path: str) -> Any:
    tomllib = _toml_module()
    with open(path, "rb") as handle:
        try:
            return tomllib.load(handle)
        except tomllib.TOMLDecodeError as exc:
            raise ConfigError(f"{path}: invalid TOML: {exc}") from None


def _pyproject_table(path: str, required: bool = False) -> Any:
    """`[tool.vpcsec-lint]` of a pyproject.toml; None when it has none (unless required).

    A pyproject.toml that cannot be parsed is passed over unless it mentions
    vpcsec-lint, in which case the error is the user's to fix.
    """
    try:
        with open(path, encoding="utf-8", errors="replace") as handle:
            text = handle.read()
    except OSError:
        if required:
            raise
        return None
    if TABLE not in text and not required:
        return None
    try:
        doc = _load_toml(path)
    except ConfigError:
        if TABLE in text or required:
            raise
        return None
    table = doc.get("tool", {}).get(TABLE) if isinstance(doc.get("tool"), dict) else None
    if table is None and required:
        raise ConfigError(f"{path}: no [tool.{TABLE}] table")
    return table


def _load_yaml(path: str) -> Any:
    import yaml

    with open(path, encoding="utf-8") as handle:
        try:
            doc = yaml.safe_load(handle)
        except yaml.YAMLError as exc:
            raise ConfigError(f"{path}: invalid YAML: {exc}") from None
    return {} if doc is None else doc


def reach_lines(path: str, count: int) -> list[int | None]:
    """The line of each `reach:` entry in a YAML config file (None where unknown)."""
    lines: list[int | None] = [None] * count
    if path.endswith(".toml"):
        return lines
    import yaml

    try:
        with open(path, encoding="utf-8") as handle:
            root = yaml.compose(handle, Loader=yaml.SafeLoader)
    except (OSError, yaml.YAMLError):
        return lines
    for key, value in getattr(root, "value", []) if isinstance(root, yaml.MappingNode) else []:
        if getattr(key, "value", None) == "reach" and isinstance(value, yaml.SequenceNode):
            for i, item in enumerate(value.value[:count]):
                lines[i] = item.start_mark.line + 1
    return lines


def reach_entries(settings: Settings) -> list[dict[str, Any]]:
    """The `reach:` entries with the file and line each is written at."""
    entries = settings.data.get("reach") or []
    if not entries or settings.path is None:
        return []
    lines = reach_lines(settings.path, len(entries))
    out = []
    for i, entry in enumerate(entries):
        if str(entry["from"]).startswith("aws:"):
            at = f"{settings.path}:{lines[i]}" if lines[i] else settings.path
            raise ConfigError(f"{at}: malformed reach entry {i + 1}: 'from' must be a "
                              "workload or 'internet', not an AWS API")
        out.append({**entry, "path": settings.path, "line": lines[i] or 1})
    return out


def validate(data: Any, path: str) -> None:
    """Check `data` against `CONFIG_SCHEMA`; raise ConfigError for the first problem."""
    import jsonschema

    validator = jsonschema.Draft202012Validator(CONFIG_SCHEMA)
    errors = sorted(validator.iter_errors(data), key=lambda e: [str(p) for p in e.absolute_path])
    if not errors:
        return
    error = errors[0]
    where = [str(p) for p in error.absolute_path]
    if len(where) >= 2 and where[0] == "reach" and where[1].isdigit():
        line = reach_lines(path, len(data["reach"]))[int(where[1])]
        at = f"{path}:{line}" if line else path
        raise ConfigError(f"{at}: malformed reach entry {int(where[1]) + 1}: {error.message}")
    if error.validator == "additionalProperties" and isinstance(error.instance, dict):
        known = list(error.schema.get("properties", {}))
        extra = sorted(k for k in error.instance if k not in known)
        if extra:
            key = ".".join([*where, str(extra[0])])
            close = difflib.get_close_matches(str(extra[0]), known, n=1)
            hint = f" (did you mean '{close[0]}'?)" if close else \
                f" (known keys: {', '.join(known)})" if known else ""
            raise ConfigError(f"{path}: unknown key '{key}'{hint}")
    what = error.schema.get("description") if error.validator == "anyOf" else None
    message = f"{error.instance!r} is not {what}" if what else error.message
    subject = f"key '{'.'.join(where)}'" if where else "the top level"
    raise ConfigError(f"{path}: {subject}: {message}")


# -- options -----------------------------------------------------------------

def _split(value: str | list[str] | None) -> list[str] | None:
    if value is None:
        return None
    items = value.split(",") if isinstance(value, str) else value
    return [t.strip() for t in items if t.strip()]


def build_options(args: argparse.Namespace, settings: Settings) -> Options:
    """Options from one config file and the command line (which wins)."""
    from vpcsec_lint.registry import PSEUDO_RULES, RuleError, all_rules, expand_ids

    data = settings.data
    try:
        known = [*all_rules(), *PSEUDO_RULES]
    except RuleError as exc:
        raise ConfigError(str(exc)) from None

    def ids(spec: list[str] | None, what: str) -> set[str] | None:
        if spec is None:
            return None
        try:
            return expand_ids(spec, known)
        except KeyError as exc:
            raise ConfigError(f"{what}: unknown rule ID {exc.args[0]}") from None

    def from_file(key: str) -> str:
        return f"{settings.path}: key '{key}'"

    select = ids(_split(args.select), "--select") if args.select is not None \
        else ids(_split(data.get("select")), from_file("select"))
    ignore = ids(_split(args.ignore), "--ignore") if args.ignore is not None \
        else ids(_split(data.get("ignore")), from_file("ignore"))
    severity: dict[str, str] = {}
    # Prefixes first, so that `VSL1: note` and `VSL101: error` give VSL101 error.
    for rule_id, level in sorted(data.get("severity", {}).items(), key=lambda kv: len(kv[0])):
        for expanded in ids([rule_id], from_file(f"severity.{rule_id}")) or set():
            severity[expanded] = level
    options = Options(
        select=select,
        ignore=(ignore or set()) - set(PSEUDO_RULES),
        fail_on=args.fail_on or data.get("fail-on", "warning"),
        severity=severity,
        excluded=Exclusion.of(_split(data.get("exclude")) or [], settings.base,
                              from_file("exclude")),
        var_files=list(getattr(args, "var_file", []) or []),
        reach=reach_entries(settings),
    )
    if getattr(args, "jobs", None):
        options.jobs = max(1, args.jobs)
    path_ignores(settings, known)  # a bad rule ID there fails before linting
    return options


def resolve_options(args: argparse.Namespace, paths: list[str]) -> tuple[Options, Settings]:
    """Options for the config file of the first PATH (or `--config`)."""
    config_path = args.config or discover(paths[0] if paths else ".")
    settings = load_settings(config_path) if config_path else Settings()
    return build_options(args, settings), settings


class Run(Record):
    """PATHs governed by the same config file, with their options."""

    __slots__ = ("paths", "options", "settings")

    def __init__(self, paths: list[str], options: Options, settings: Settings) -> None:
        self.paths = paths
        self.options = options
        self.settings = settings


def plan_runs(args: argparse.Namespace, paths: list[str]) -> list[Run]:
    """Group PATHs by their config file (one group with `--config`), in order of appearance."""
    groups: dict[str | None, list[str]] = {}
    for path in paths:
        config_path = args.config or discover(path)
        groups.setdefault(config_path, []).append(path)
    runs = []
    for config_path, members in groups.items():
        settings = load_settings(config_path) if config_path else Settings()
        runs.append(Run(members, build_options(args, settings), settings))
    return runs


# -- globs -------------------------------------------------------------------

class Exclusion(Record):
    """A picklable predicate: is a path matched by `exclude` globs relative to `base`?"""

    __slots__ = ("patterns", "base")

    def __init__(self, patterns: list[Glob], base: str) -> None:
        self.patterns = patterns
        self.base = base

    @classmethod
    def of(cls, patterns: Iterable[str], base: str, where: str = "") -> Exclusion | None:
        """The predicate for `patterns`; an invalid one is a ConfigError naming `where`."""
        try:
            compiled = [Glob(p) for p in patterns if p.strip("/")]
        except ValueError as exc:
            raise ConfigError(f"{where or 'exclude'}: {exc}") from None
        return cls(compiled, base) if compiled else None

    def relative(self, path: str) -> str | None:
        rel = os.path.relpath(os.path.abspath(path), self.base).replace(os.sep, "/")
        return None if rel == ".." or rel.startswith("../") else rel

    def __call__(self, path: str) -> bool:
        rel = self.relative(path)
        return rel is not None and rel != "." and any(p.match(rel) for p in self.patterns)


# -- per-path ignores ----------------------------------------------------------

def path_ignores(settings: Settings,
                 known: list[str] | None = None) -> list[tuple[Exclusion, set[str], str | None]]:
    """`per-path-ignore` entries as (matcher, rule IDs, reason)."""
    from vpcsec_lint.registry import PSEUDO_RULES, all_rules, expand_ids

    known = known if known is not None else [*all_rules(), *PSEUDO_RULES]
    out = []
    for pattern, entry in (settings.data.get("per-path-ignore") or {}).items():
        spec, reason = (entry.get("ignore"), entry.get("reason")) if isinstance(entry, dict) \
            else (entry, None)
        try:
            ids = expand_ids(_split(spec) or [], known)
        except KeyError as exc:
            raise ConfigError(f"{settings.path}: key 'per-path-ignore.{pattern}': unknown rule "
                              f"ID {exc.args[0]}") from None
        matcher = Exclusion.of([pattern], settings.base,
                               f"{settings.path}: key 'per-path-ignore.{pattern}'")
        if matcher is not None:
            out.append((matcher, ids, reason or None))
    return out


def apply_path_ignores(findings: list[Finding], settings: Settings) -> None:
    """Mark findings covered by `per-path-ignore` as suppressed (VSL000/VSL999 never are)."""
    from vpcsec_lint.registry import PSEUDO_RULES

    entries = path_ignores(settings) if settings.data.get("per-path-ignore") else []
    for finding in findings:
        if finding.suppressed or finding.rule_id in PSEUDO_RULES:
            continue
        for matcher, ids, reason in entries:
            if finding.rule_id in ids and matcher(finding.loc.path):
                finding.suppressed = True
                finding.suppression_reason = reason
                break
