#!/usr/bin/env python3
"""Generate the rules reference from the rule registry: `docs/rules.md`, README's rule table and
the ID table of `docs/integrations.md`.

    python scripts/gen_rule_docs.py           # rewrite both files
    python scripts/gen_rule_docs.py --check   # exit 1 if either is out of date

The text is the catalog's (`vpcsec-lint --list-rules --format json`): the
same docstrings `--explain` prints. Only vpcsec-lint's own rules are listed,
not plugins that happen to be installed. `tests/test_rule_docs.py` fails when
the files differ from what this script writes.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
RULES_DOC = REPO / "docs" / "rules.md"
README = REPO / "README.md"
INTEGRATIONS = REPO / "docs" / "integrations.md"
COMMAND = "python scripts/gen_rule_docs.py"
TABLE_START, TABLE_END = "<!-- rules-table -->", "<!-- /rules-table -->"
IDS_START, IDS_END = "<!-- id-table -->", "<!-- /id-table -->"


def entries() -> list[dict]:
    """The built-in rules, then VSL000/VSL999 (the catalog sorts them by ID)."""
    sys.path.insert(0, str(REPO))
    from vpcsec_lint.catalog import rule_entries

    rules = [e for e in rule_entries() if e["builtin"]]
    return [e for e in rules if e["help_uri"]] + [e for e in rules if not e["help_uri"]]


def anchor(entry: dict) -> str:
    from vpcsec_lint.registry import doc_anchor

    return doc_anchor(entry["id"], entry["name"])


def demoted(documentation: str) -> str:
    """The docstring with its `## Section` headings one level down (outside code blocks)."""
    lines, fenced = [], False
    for line in documentation.splitlines():
        if line.startswith("```"):
            fenced = not fenced
        lines.append("#" + line if not fenced and line.startswith("## ") else line)
    return "\n".join(lines).strip()


def table(rules: list[dict]) -> str:
    rows = [f"| [{e['id']}](docs/rules.md#{anchor(e)}) | `{e['name']}` | {e['severity']} "
            f"| {e['summary']} |" for e in rules]
    return "\n".join(["| ID | name | severity | summary |", "|---|---|---|---|", *rows])


def rules_doc(rules: list[dict]) -> str:
    index = [f"| [{e['id']}](#{anchor(e)}) | `{e['name']}` | {e['severity']} | {e['summary']} |"
             for e in rules]
    parts = [
        "# Rules reference",
        "",
        f"<!-- Generated from the rule docstrings by `{COMMAND}`: do not edit by hand. -->",
        "",
        "Every rule of vpcsec-lint, as `vpcsec-lint --explain ID` prints it. Severities",
        "can be changed and rules selected or ignored in the configuration",
        "([configuration.md](configuration.md)); findings can be suppressed inline.",
        "",
        "| ID | name | severity | summary |",
        "|---|---|---|---|",
        *index,
    ]
    for e in rules:
        parts += ["", f"## {e['id']} {e['name']}", "",
                  f"Severity: **{e['severity']}**. {e['summary']}", "", demoted(e["documentation"])]
    return "\n".join(parts) + "\n"


def id_table(rules: list[dict]) -> str:
    """Our IDs beside cfn-lint's and checkov's (docs/integrations.md)."""
    from vpcsec_lint.integrations.cfnlint import cfn_lint_id
    from vpcsec_lint.registry import all_rules

    rows = [f"| {e['id']} | `{e['name']}` | {e['severity']} | {cfn_lint_id(all_rules()[e['id']])} "
            f"| CKV_VSL_{e['id'][3:]} |" for e in rules if e["help_uri"]]  # not VSL000/VSL999
    return "\n".join(["| vpcsec-lint | name | default severity | cfn-lint ID | checkov ID |",
                      "|---|---|---|---|---|", *rows])


def replaced(text: str, start: str, end: str, content: str, name: str) -> str:
    """`text` with what lies between the markers `start` and `end` replaced by `content`."""
    pattern = re.compile(re.escape(start) + r"\n.*?" + re.escape(end), re.DOTALL)
    if not pattern.search(text):
        raise SystemExit(f"{name} has no {start} ... {end} block")
    return pattern.sub(lambda _m: f"{start}\n{content}\n{end}", text, count=1)


def expected() -> dict[Path, str]:
    """Each generated file and the text it should have."""
    rules = entries()
    return {
        RULES_DOC: rules_doc(rules),
        README: replaced(README.read_text(encoding="utf-8"), TABLE_START, TABLE_END,
                         table(rules), "README.md"),
        INTEGRATIONS: replaced(INTEGRATIONS.read_text(encoding="utf-8"), IDS_START, IDS_END,
                               id_table(rules), "docs/integrations.md"),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="only report stale files")
    args = parser.parse_args(argv)
    stale = [path for path, text in expected().items()
             if not path.exists() or path.read_text(encoding="utf-8") != text]
    if args.check:
        for path in stale:
            print(f"{path.relative_to(REPO)} is out of date: run `{COMMAND}`", file=sys.stderr)
        return 1 if stale else 0
    for path, text in expected().items():
        path.write_text(text, encoding="utf-8")
    for path in stale:
        print(f"wrote {path.relative_to(REPO)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
