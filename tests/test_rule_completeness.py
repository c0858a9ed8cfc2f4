"""A rule is complete by construction: walking the registry finds, for every built-in rule,
its resource types, its `fire`/`quiet` fixtures in both frameworks, its test, and its row
in every documented table (README, the rules reference, the integrations ID table)."""

from __future__ import annotations

import re

import pytest
from helpers import FIXTURES, REPO

from vpcsec_lint.registry import PSEUDO_RULES, all_rules

BUILTIN = sorted(rule_id for rule_id, cls in all_rules().items() if cls.builtin)


def table_ids(path: str, row: str) -> list[str]:
    return re.findall(row, (REPO / path).read_text(encoding="utf-8"), re.MULTILINE)


@pytest.mark.parametrize("rule_id", BUILTIN)
def test_the_rule_names_the_resource_types_it_reads(rule_id: str) -> None:
    cls = all_rules()[rule_id]
    for types in (cls.terraform_types, cls.cloudformation_types):
        # () is a declaration too: findings that name resources of any type.
        assert isinstance(types, tuple) and all(isinstance(t, str) and t for t in types)
    assert bool(cls.terraform_types) == bool(cls.cloudformation_types), rule_id
    assert all(t.startswith("aws_") for t in cls.terraform_types or ())
    assert all(t.startswith("AWS::") for t in cls.cloudformation_types or ())


@pytest.mark.parametrize("rule_id", BUILTIN)
def test_the_rule_has_fire_and_quiet_fixtures_in_both_frameworks_and_a_test(
        rule_id: str) -> None:
    for variant in ("fire", "quiet"):
        terraform = FIXTURES / "terraform" / rule_id / variant
        assert terraform.is_dir() and any(terraform.glob("*.tf")), terraform
        templates = list((FIXTURES / "cloudformation" / rule_id).glob(f"{variant}.*"))
        assert [t.suffix for t in templates if t.suffix in (".yaml", ".yml", ".json")], \
            f"fixtures/cloudformation/{rule_id}/{variant}.yaml"
    assert (REPO / "tests" / "rules" / f"test_{rule_id.lower()}.py").is_file()


def test_every_documented_table_lists_exactly_the_builtin_rules() -> None:
    documented = sorted([*BUILTIN, *PSEUDO_RULES])
    assert sorted(table_ids("README.md", r"^\| \[(VSL\d{3})\]\(docs/rules\.md#")) == documented
    assert sorted(table_ids("docs/rules.md", r"^## (VSL\d{3}) ")) == documented
    assert table_ids("docs/integrations.md", r"^\| (VSL\d{3}) \| `") == BUILTIN
