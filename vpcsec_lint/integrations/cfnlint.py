"""Our rules as cfn-lint rules: `cfn-lint --append-rules vpcsec_lint.integrations.cfnlint`.

One cfn-lint rule class is generated per registered `VSL` rule. Its ID is the
letter of the rule's default severity (`error` E, `warning` W, `note` I), then
`9` (cfn-lint's range for user rules), then our three digits: `VSL101` is
`W9101`. The classes share one analysis per template: the template cfn-lint
has already decoded is converted to our `Val` tree (no second parse), built
into our model and linted by the same engine as the CLI. Findings are reported
as path-based `RuleMatch`es, so cfn-lint's own locations, output formats and
`Metadata: cfn-lint: config: ignore_checks` apply to them.
"""

from __future__ import annotations

from typing import Any

from cfnlint.rules import CloudFormationLintRule, RuleMatch

from vpcsec_lint.findings import Finding, printable
from vpcsec_lint.registry import Rule, all_rules

_LETTER = {"error": "E", "warning": "W", "note": "I"}


def cfn_lint_id(rule: type[Rule]) -> str:
    """`VSL101` (warning) -> `W9101`."""
    return f"{_LETTER[rule.severity]}9{rule.id[3:]}"


def _ours(rule_id: str) -> bool:
    return rule_id.startswith("VSL") and rule_id[3:].isdigit() and len(rule_id) == 6


def analyse(cfn: Any) -> dict[str, list[RuleMatch]]:
    """Our matches for cfn-lint's `Template`, by our rule ID (computed once per template)."""
    if _LAST and _LAST[0] is cfn and _LAST[1] is cfn.template:
        return _LAST[2]
    matches = _run(cfn)
    _LAST[:] = [cfn, cfn.template, matches]
    return matches


_LAST: list[Any] = []


def _run(cfn: Any) -> dict[str, list[RuleMatch]]:
    from vpcsec_lint.cloudformation.template import build_unit, is_template
    from vpcsec_lint.engine import Options, finalize, lint_unit
    from vpcsec_lint.integrations.cfn_nodes import convert

    filename = cfn.filename or "-"
    converted = convert(cfn.template, filename)
    if not is_template(converted.doc):
        return {}
    unit = build_unit(converted.doc, filename)
    options = Options()
    findings = finalize(lint_unit(unit, options.enabled_rules(), options), options)
    out: dict[str, list[RuleMatch]] = {}
    for finding in findings:
        if finding.suppressed or finding.rule_id == "VSL000":
            continue  # vpcsec-lint's own Metadata suppressions; cfn-lint reports parse errors
        path = converted.path_for(finding.loc, finding.resource)
        match = RuleMatch(list(path), printable(finding.message))
        _pin_location(cfn, match, finding)
        if finding.rule_id == "VSL999":
            # Imported here: a module-level rule class would be instantiated by cfn-lint.
            from cfnlint.rules.errors import RuleError

            match.rule = RuleError()  # cfn-lint's own "rule failed" (E0002)
            owner = _internal_error_owner(finding)
        else:
            owner = finding.rule_id
        out.setdefault(owner, []).append(match)
    return out


def _pin_location(cfn: Any, match: RuleMatch, finding: Finding) -> None:
    """Keep our line where cfn-lint would show the path elsewhere.

    cfn-lint places a path ending in a key on that key; for a block mapping or
    list value (a whole resource, a `SecurityGroupIds:` list) that is the line
    above the value our CLI reports, so the match carries our location too.
    """
    loc = finding.loc
    where = cfn.get_location_yaml(cfn.template, match.path) if match.path else None
    if where is not None and where[0] + 1 == loc.line:
        return
    match.location = (loc.line - 1, loc.column - 1, (loc.end_line or loc.line) - 1,
                      (loc.end_column or loc.column) - 1)


def _internal_error_owner(finding: Finding) -> str:
    for rule_id in all_rules():
        if f" {rule_id} (" in finding.message:
            return rule_id
    return next(iter(all_rules()))


def _rule_class(rule: type[Rule]) -> type[CloudFormationLintRule]:
    rule_id = rule.id

    def match(self: CloudFormationLintRule, cfn: Any) -> list[RuleMatch]:
        return list(analyse(cfn).get(rule_id, []))

    return type(rule_id, (CloudFormationLintRule,), {
        "__doc__": f"{rule.id} {rule.name}: {rule.summary}",
        "__module__": __name__,
        "id": cfn_lint_id(rule),
        "shortdesc": f"{rule.id} {rule.name}",
        "description": rule.summary,
        "source_url": rule.help_uri(),
        "tags": ["vpcsec-lint", "security", "networking", rule.name],
        "match": match,
    })


def _generate() -> dict[str, type[CloudFormationLintRule]]:
    return {rule_id: _rule_class(rule) for rule_id, rule in all_rules().items()
            if _ours(rule_id)}


RULE_CLASSES = _generate()
"""Our rule ID -> its generated cfn-lint rule class (cfn-lint instantiates each once)."""
globals().update(RULE_CLASSES)
__all__ = ["RULE_CLASSES", "analyse", "cfn_lint_id", *RULE_CLASSES]
