"""`--list-rules` and `--explain`: the rule documentation, as text or JSON."""

from __future__ import annotations

import json

from vpcsec_lint.registry import PSEUDO_RULES, all_rules


def rule_entries() -> list[dict]:
    """Every rule (and VSL000/VSL999) as a dictionary, sorted by ID."""
    entries = [{"id": cls.id, "name": cls.name, "severity": cls.severity,
                "summary": cls.summary, "documentation": cls.documentation(),
                "help_uri": cls.help_uri(), "builtin": cls.builtin}
               for cls in all_rules().values()]
    entries += [{"id": r.id, "name": r.name, "severity": r.severity, "summary": r.summary,
                 "documentation": r.doc, "help_uri": None, "builtin": True}
                for r in PSEUDO_RULES.values()]
    return sorted(entries, key=lambda e: e["id"])


LIST_FORMATS = ("text", "json", "sarif")
"""The formats `--list-rules` can print (github and gitlab have no notion of a catalog)."""


def list_rules(fmt: str = "text") -> str:
    """The catalog in `fmt` (one of `LIST_FORMATS`): text, `{"rules": [...]}`, or a
    SARIF log whose single run lists the rules and has no results."""
    if fmt == "sarif":
        from vpcsec_lint.formatters.sarif_format import catalog_log

        return json.dumps(catalog_log(), indent=2, ensure_ascii=False) + "\n"
    entries = rule_entries()
    if fmt == "json":
        return json.dumps({"rules": entries}, indent=2, ensure_ascii=False) + "\n"
    width = max(len(e["name"]) for e in entries)
    return "".join(f"{e['id']}  {e['name']:<{width}}  {e['severity']:<7}  {e['summary']}\n"
                   for e in entries)


def explain(rule_id: str) -> str | None:
    rule_id = rule_id.strip().upper()
    for entry in rule_entries():
        if entry["id"] == rule_id:
            head = f"{entry['id']} {entry['name']} ({entry['severity']})\n\n{entry['summary']}\n\n"
            return head + entry["documentation"].rstrip() + "\n"
    return None
