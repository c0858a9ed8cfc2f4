"""The rule registry: every rule's ID, name, severity and documentation.

Our rules are the modules of `vpcsec_lint.rules` (the `rules/` directory of the
repository), one module per rule named by its ID. Installed packages add rules
through the `vpcsec_lint.rules` entry-point group. A rule's class docstring is
its documentation: `--explain`, `--list-rules` and SARIF all print it.
"""

from __future__ import annotations

import importlib
import inspect
import pkgutil
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass

from vpcsec_lint.findings import SEVERITIES, Finding, Related
from vpcsec_lint.model import Model
from vpcsec_lint.values import Location

DOC_SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead", "References")
_ID = re.compile(r"^[A-Z][A-Z0-9]*[0-9]{3}$")
DOCS_URL = "https://github.com/vpcsec-lint/vpcsec-lint/blob/main/rules/{module}.py"


class RuleError(Exception):
    """A rule that breaks the registry's contract (bad ID, duplicate, missing docs)."""


class Rule:
    """Base class of every rule. Subclasses set `id`, `name`, `severity`, `summary`.

    The class docstring is the rule's documentation, in Markdown, with the
    sections in `DOC_SECTIONS`.
    """

    id: str = ""
    name: str = ""
    severity: str = "warning"
    summary: str = ""
    """One sentence: what the rule flags (SARIF `shortDescription`)."""
    builtin: bool = False

    def check(self, model: Model) -> Iterable[Finding]:
        raise NotImplementedError

    @classmethod
    def documentation(cls) -> str:
        return inspect.cleandoc(cls.__doc__ or "")

    @classmethod
    def module_name(cls) -> str:
        return cls.__module__.rsplit(".", 1)[-1]

    @classmethod
    def help_uri(cls) -> str:
        return DOCS_URL.format(module=cls.module_name())

    def finding(self, model: Model, loc: Location, resource: str | None, message: str,
                related: Iterable[Related] = ()) -> Finding:
        """A finding of this rule at `loc` (its severity may be overridden later)."""
        return Finding(self.id, self.name, self.severity, message, loc, resource,
                       model.framework, _dedupe_related(loc, related))


def _dedupe_related(loc: Location, related: Iterable[Related]) -> list[Related]:
    out: list[Related] = []
    seen = set()
    for item in related:
        key = (item.loc.path, item.loc.line)
        if key in seen or (item.loc.path == loc.path and item.loc.line == loc.line):
            continue
        seen.add(key)
        out.append(item)
    return out


@dataclass(frozen=True)
class PseudoRule:
    """VSL000 and VSL999: reported by the engine, not by a rule module."""

    id: str
    name: str
    severity: str
    summary: str
    doc: str


PSEUDO_RULES = {
    "VSL000": PseudoRule("VSL000", "parse-error", "error",
                         "A Terraform or CloudFormation file could not be read or parsed.",
                         "A `.tf`/`.tf.json` file, or a YAML/JSON file that is recognisably "
                         "CloudFormation, could not be read or parsed. The other files are "
                         "still analysed. It cannot be ignored or suppressed inline; exclude "
                         "the path instead."),
    "VSL999": PseudoRule("VSL999", "internal-error", "error",
                         "A rule raised an exception on a file.",
                         "A rule failed on a file. Every other rule and file still reports; "
                         "the exit status is 2. Please report it with the message's details."),
}


_CACHE: dict[str, type[Rule]] | None = None


def all_rules() -> dict[str, type[Rule]]:
    """Every registered rule class by ID, built-ins first, sorted by ID."""
    global _CACHE
    if _CACHE is None:
        rules: dict[str, type[Rule]] = {}
        for cls in _builtin_rules():
            _add(rules, cls, builtin=True)
        for cls in _plugin_rules():
            _add(rules, cls, builtin=False)
        _CACHE = dict(sorted(rules.items()))
    return _CACHE


def reset_cache() -> None:
    global _CACHE
    _CACHE = None


def _add(rules: dict[str, type[Rule]], cls: type[Rule], builtin: bool) -> None:
    validate(cls, builtin)
    if cls.id in rules or cls.id in PSEUDO_RULES:
        other = rules[cls.id].__module__ if cls.id in rules else "vpcsec-lint itself"
        raise RuleError(f"rule ID {cls.id} is registered twice ({cls.__module__} and {other})")
    cls.builtin = builtin
    rules[cls.id] = cls


def validate(cls: type[Rule], builtin: bool) -> None:
    """Check a rule's metadata and documentation."""
    where = f"{cls.__module__}.{cls.__name__}"
    if not _ID.match(cls.id or ""):
        raise RuleError(f"{where}: rule ID {cls.id!r} must be letters then three digits")
    if builtin != cls.id.startswith("VSL"):
        raise RuleError(f"{where}: rule ID {cls.id} — the VSL prefix is reserved for "
                        "vpcsec-lint's own rules; plugin rules need a prefix of their own")
    if cls.severity not in SEVERITIES:
        raise RuleError(f"{where}: severity {cls.severity!r} is not one of {SEVERITIES}")
    if not re.match(r"^[a-z0-9]+(-[a-z0-9]+)*$", cls.name or ""):
        raise RuleError(f"{where}: rule name {cls.name!r} must be kebab-case")
    if not cls.summary:
        raise RuleError(f"{where}: a summary is required")
    doc = cls.documentation()
    missing = [s for s in DOC_SECTIONS if f"## {s}" not in doc]
    if missing:
        raise RuleError(f"{where}: documentation lacks section(s) {', '.join(missing)}")


def _builtin_rules() -> Iterator[type[Rule]]:
    import vpcsec_lint.rules as package

    for info in sorted(pkgutil.iter_modules(package.__path__), key=lambda i: i.name):
        if not re.match(r"^vsl\d{3}_", info.name):
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        yield from _rule_classes(module)


def _rule_classes(module: object) -> Iterator[type[Rule]]:
    for value in vars(module).values():
        if inspect.isclass(value) and issubclass(value, Rule) and value is not Rule \
                and value.__module__ == getattr(module, "__name__", None) and value.id:
            yield value


def _plugin_rules() -> Iterator[type[Rule]]:
    if not _may_declare_plugins():
        return  # importlib.metadata costs ~30 ms of start-up; most installs have no plugin
    from importlib.metadata import entry_points

    for ep in sorted(entry_points(group="vpcsec_lint.rules"), key=lambda e: e.name):
        loaded = ep.load()
        if inspect.isclass(loaded) and issubclass(loaded, Rule):
            yield loaded
        elif inspect.ismodule(loaded):
            yield from _rule_classes(loaded)
        else:
            raise RuleError(f"entry point {ep.name} ({ep.value}) is neither a Rule class nor "
                            "a module of Rule classes")


def _may_declare_plugins() -> bool:
    """False only when no distribution on `sys.path` declares `vpcsec_lint.rules` entry points.

    A cheap scan of `*.dist-info`/`*.egg-info` directories; anything else on
    the path (a zip, an egg file) is left to `importlib.metadata`.
    """
    import os
    import sys

    for entry in sys.path:
        if not os.path.isdir(entry or "."):
            if os.path.exists(entry):
                return True
            continue
        try:
            names = os.listdir(entry or ".")
        except OSError:
            continue
        for name in names:
            if name.endswith((".dist-info", ".egg-info")):
                try:
                    with open(os.path.join(entry, name, "entry_points.txt"),
                              encoding="utf-8", errors="replace") as handle:
                        if "vpcsec_lint.rules" in handle.read():
                            return True
                except OSError:
                    continue
    return False


def expand_ids(spec: Iterable[str], known: Iterable[str]) -> set[str]:
    """Rule IDs or prefixes (`VSL1`) -> the set of IDs; raise KeyError for an unknown one."""
    known = list(known)
    out: set[str] = set()
    for item in spec:
        item = item.strip().upper()
        if not item:
            continue
        matched = [k for k in known if k == item or k.startswith(item)]
        if not matched:
            raise KeyError(item)
        out.update(matched)
    return out
