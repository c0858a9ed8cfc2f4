"""The user documentation stands alone: the generated rules reference is current, and rule
References are web addresses a user can open (AWS documentation), never internal notes."""

from __future__ import annotations

import importlib.util
import re
from urllib.parse import urlparse

import pytest
from helpers import REPO

from vpcsec_lint.catalog import explain
from vpcsec_lint.registry import all_rules

GENERATOR = REPO / "scripts" / "gen_rule_docs.py"
REFERENCE_HOSTS = {"docs.aws.amazon.com", "aws.amazon.com", "registry.terraform.io"}
"""AWS documentation, AWS pricing pages, and the Terraform provider's own documentation."""
UNREACHABLE = re.compile(r"\.\./shared|/work/shared|Domain guide|\bRULES\.md|\bCLI\.md|REACH\.md")


def generator():
    spec = importlib.util.spec_from_file_location("gen_rule_docs", GENERATOR)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_rules_reference_readme_and_id_tables_are_generated_from_the_registry():
    gen = generator()
    for path, text in gen.expected().items():
        current = path.read_text(encoding="utf-8") if path.exists() else ""
        assert current == text, (f"{path.relative_to(REPO)} is out of date with the rule "
                                 f"docstrings: run `{gen.COMMAND}` and commit the result")


def test_the_reference_documents_every_builtin_rule():
    text = (REPO / "docs" / "rules.md").read_text(encoding="utf-8")
    for rule_id, cls in all_rules().items():
        if cls.builtin:
            assert f"\n## {rule_id} {cls.name}\n" in text
            assert cls.documentation().splitlines()[1].strip() in text
            heading_anchor = cls.help_uri().split("docs/rules.md#", 1)[1]
            assert heading_anchor == f"{rule_id}-{cls.name}".lower()


def references(rule_id: str) -> list[str]:
    doc = all_rules()[rule_id].documentation()
    section = doc.split("## References", 1)[1]
    return [line.strip() for line in section.strip().splitlines() if line.strip()]


@pytest.mark.parametrize("rule_id", [r for r, cls in all_rules().items() if cls.builtin])
def test_references_are_aws_documentation_urls(rule_id: str):
    lines = references(rule_id)
    urls = [line.removeprefix("- ") for line in lines]
    assert all(line.startswith("- https://") and " " not in url
               for line, url in zip(lines, urls, strict=True)), lines
    assert {urlparse(url).hostname for url in urls} <= REFERENCE_HOSTS, urls
    assert any(urlparse(url).hostname == "docs.aws.amazon.com" for url in urls), urls


def test_user_documents_point_only_at_what_users_have():
    documents = [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]
    for path in documents:
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            assert not UNREACHABLE.search(line), f"{path.relative_to(REPO)}:{number}: {line}"
    for rule_id in all_rules():
        assert not UNREACHABLE.search(explain(rule_id) or ""), rule_id
