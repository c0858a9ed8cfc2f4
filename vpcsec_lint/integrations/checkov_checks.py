"""vpcsec-lint's rules as checkov checks. Runs inside checkov, from the exported bundle.

checkov asks each check about one resource at a time. Our rules need the whole
Terraform module or CloudFormation template, so the first question about a
file builds our model from that file with our own loaders (Terraform: every
module under the scan root, as `vpcsec-lint ROOT` does; CloudFormation: the
template) and lints it once; every later question is a lookup. A resource is
FAILED when one of our findings names it, PASSED when the rule examines its
type and found nothing, and UNKNOWN (left out of checkov's report) otherwise.
"""

from __future__ import annotations

import os
import re
import sys
from collections import defaultdict
from typing import Any

from checkov.cloudformation.checks.resource.base_resource_check import (
    BaseResourceCheck as CfnResourceCheck,
)
from checkov.common.models.enums import CheckCategories, CheckResult
from checkov.terraform.checks.resource.base_resource_check import (
    BaseResourceCheck as TfResourceCheck,
)

from vpcsec_lint.findings import Finding, printable
from vpcsec_lint.registry import Rule, all_rules

_INDEX = re.compile(r"\[[^\]]*\]")


def check_id(rule_id: str) -> str:
    """`VSL101` -> `CKV_VSL_101`."""
    return f"CKV_VSL_{rule_id[3:]}"


def _key(path: str) -> str:
    return os.path.normcase(os.path.realpath(path))


class _Analysis:
    """Findings by (rule, resource file, resource address), computed once per scan root."""

    def __init__(self) -> None:
        self.terraform: dict[str, dict[tuple[str, str, str], list[Finding]]] = {}
        self.cloudformation: dict[str, dict[tuple[str, str, str], list[Finding]]] = {}
        self.errors: dict[str, list[Finding]] = defaultdict(list)

    def terraform_findings(self, path: str, root: str | None) -> dict:
        base = _key(root if root and os.path.isdir(root) else os.path.dirname(path))
        if base not in self.terraform:
            from vpcsec_lint.discovery import collect

            targets = collect([base])
            targets.templates.clear()
            if _key(os.path.dirname(path)) not in {_key(d) for d in targets.tf_modules}:
                targets.tf_modules[os.path.dirname(path)] = None  # outside the root
            self.terraform[base] = self._lint(targets, base)
        return self.terraform[base]

    def cloudformation_findings(self, path: str) -> dict:
        key = _key(path)
        if key not in self.cloudformation:
            from vpcsec_lint.discovery import Targets

            targets = Targets()
            targets.templates[path] = True
            self.cloudformation[key] = self._lint(targets, key)
        return self.cloudformation[key]

    def _lint(self, targets: Any, key: str) -> dict:
        from vpcsec_lint.registry import PSEUDO_RULES
        from vpcsec_lint.session import Session

        # No on-disk cache: never share pickled trees with another vpcsec-lint version.
        session = Session(use_cache=False)
        index: dict[tuple[str, str, str], list[Finding]] = defaultdict(list)
        for unit, _named in session.units(targets):
            declared = {r.address: r.loc.path for r in unit.resources}
            for finding in session.lint_unit(unit):
                if finding.rule_id == "VSL999":
                    self.errors[key].append(finding)
                if finding.suppressed or not finding.resource or finding.rule_id in PSEUDO_RULES:
                    continue
                where = declared.get(finding.resource, finding.loc.path)
                index[(finding.rule_id, _key(where), finding.resource)].append(finding)
                bare = _INDEX.sub("", finding.resource)  # for a checkov that did not expand it
                if bare != finding.resource:
                    index[(finding.rule_id, _key(where), "\0" + bare)].append(finding)
        return index

    def raise_internal_error(self, rule_id: str, key: str) -> None:
        for finding in self.errors.get(key, []):
            if f" {rule_id} (" in finding.message or "model builder" in finding.message:
                raise RuntimeError(finding.message)


ANALYSIS = _Analysis()


def _scan_context(frame: Any) -> tuple[str | None, str | None]:
    """The scanned file's absolute path and checkov's scan root, from checkov's runner.

    checkov hands a check only the file path relative to its scan root; its
    runners hold the absolute path (`file_abs_path`, `full_file_path.file_path`)
    and the root (`root_folder`) a few frames up.
    """
    absolute: str | None = None
    root: str | None = None
    found_root = False
    while frame is not None and not (absolute and found_root):
        local = frame.f_locals
        if absolute is None:
            value = local.get("file_abs_path")
            if not isinstance(value, str):
                value = getattr(local.get("full_file_path"), "file_path", None)
            if isinstance(value, str):
                absolute = value
        if not found_root and "root_folder" in local:
            found_root = True
            value = local["root_folder"]
            root = value if isinstance(value, str) else None
        frame = frame.f_back
    return absolute, root


def _locate(scanned_file: str, absolute: str | None, root: str | None) -> str | None:
    if absolute and os.path.isfile(absolute):
        return os.path.abspath(absolute)
    relative = scanned_file.lstrip("/\\")
    for base in ([root] if root else []) + [os.getcwd()]:
        candidate = os.path.join(base, relative)
        if os.path.isfile(candidate):
            return os.path.abspath(candidate)
    return None


class _VslCheck:
    """What the Terraform and CloudFormation checks share: one vpcsec-lint rule."""

    rule: type[Rule]
    framework: str
    applies_to: tuple[str, ...] = ()
    suffixes: tuple[str, ...] = ()
    _where: tuple[str | None, str | None, str, str] = (None, None, "", "")

    def run(self, scanned_file: str, entity_configuration: dict[str, Any], entity_name: str,
            entity_type: str, skip_info: Any) -> Any:
        absolute, root = _scan_context(sys._getframe(1))
        self._where = (_locate(scanned_file, absolute, root), root, entity_name, entity_type)
        return super().run(scanned_file, entity_configuration, entity_name,  # type: ignore[misc]
                           entity_type, skip_info)

    def verdict(self, address: str) -> CheckResult:
        path, root, _name, entity_type = self._where
        if path is None or not path.endswith(self.suffixes):
            return CheckResult.UNKNOWN  # not a file we read (a Terraform plan, say)
        if self.framework == "terraform":
            index = ANALYSIS.terraform_findings(path, root)
            key = _key(root if root and os.path.isdir(root) else os.path.dirname(path))
        else:
            index = ANALYSIS.cloudformation_findings(path)
            key = _key(path)
        ANALYSIS.raise_internal_error(self.rule.id, key)
        # An instance (`x.y["k"]`) as both expand it, else the block as one of us wrote it.
        found = index.get((self.rule.id, _key(path), address)) \
            or index.get((self.rule.id, _key(path), _INDEX.sub("", address))) \
            or index.get((self.rule.id, _key(path), "\0" + _INDEX.sub("", address)), [])
        if found:
            self.details = [f"line {f.loc.line}: {printable(f.message)}"
                            for f in sorted(found, key=Finding.sort_key)]
            return CheckResult.FAILED
        return CheckResult.PASSED if entity_type in self.applies_to else CheckResult.UNKNOWN


def _check_kwargs(rule: type[Rule]) -> dict[str, Any]:
    return {"name": f"{rule.id} {rule.name}: {rule.summary}", "id": check_id(rule.id),
            "categories": [CheckCategories.NETWORKING], "supported_resources": ["*"],
            "guideline": rule.help_uri()}


class TerraformCheck(_VslCheck, TfResourceCheck):
    framework = "terraform"
    suffixes = (".tf", ".tf.json")

    def __init__(self, rule: type[Rule]) -> None:
        self.rule = rule
        self.applies_to = rule.terraform_types or ()
        super().__init__(**_check_kwargs(rule))

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        _path, _root, name, entity_type = self._where
        address = conf.get("__address__") or f"{entity_type}.{name}"
        return self.verdict(str(address))


class CloudFormationCheck(_VslCheck, CfnResourceCheck):
    framework = "cloudformation"
    suffixes = (".yaml", ".yml", ".json", ".template")

    def __init__(self, rule: type[Rule]) -> None:
        self.rule = rule
        self.applies_to = rule.cloudformation_types or ()
        super().__init__(**_check_kwargs(rule))

    def scan_resource_conf(self, conf: dict[str, Any]) -> CheckResult:
        return self.verdict(self._where[2])


CHECKS: list[_VslCheck] = []


def register(parser: Any = None) -> list[_VslCheck]:
    """Create (and so register with checkov) one check per rule and framework, once.

    checkov imports the loader file once per check registry; only the first
    import creates checks. `parser` provides python-hcl2's `parses_to_tree`.
    """
    if not CHECKS:
        if parser is not None:
            from vpcsec_lint.terraform import hcl_adapter

            hcl_adapter.PARSER = parser
        for rule_id, rule in all_rules().items():
            if rule_id.startswith("VSL"):
                CHECKS.append(TerraformCheck(rule))
                CHECKS.append(CloudFormationCheck(rule))
    return CHECKS
