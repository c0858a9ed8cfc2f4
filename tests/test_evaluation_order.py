"""The evaluation order, and what the Terraform evaluator leaves unevaluated."""

from __future__ import annotations

from pathlib import Path

from vpcsec_lint.evaluation_order import dependency_order
from vpcsec_lint.terraform.evaluator import ReferenceMemo
from vpcsec_lint.terraform.loader import load_module, parse_tf_text

GRAPH = {"a": ["b", "c"], "b": ["c"], "c": [], "d": ["e"], "e": ["d"], "f": ["a"]}


def test_every_key_comes_after_what_it_refers_to() -> None:
    order = list(dependency_order(GRAPH))
    assert order == ["c", "b", "a", "e", "d", "f"]  # in the cycle, the first entered is last


def test_starts_yield_only_what_they_lead_to_in_the_same_order() -> None:
    assert list(dependency_order(GRAPH, ["a"])) == ["c", "b", "a"]
    assert list(dependency_order(GRAPH, ["f", "e"])) == ["c", "b", "a", "f", "d", "e"]
    assert list(dependency_order(GRAPH, [])) == []


def _module(tmp_path: Path, text: str) -> tuple[list, list]:
    (tmp_path / "main.tf").write_text(text)
    unit = load_module(str(tmp_path))
    return unit.resources, [(n.kind, n.code, n.line) for n in unit.notices]


DOUBLING = "".join(f'  s{i} = "${{local.s{i - 1}}}${{local.s{i - 1}}}"\n' for i in range(1, 24))


def test_a_value_nothing_needs_is_not_evaluated_and_costs_no_budget(tmp_path: Path) -> None:
    text = ('locals {\n  s0 = "ab"\n' + DOUBLING + "}\n"
            'variable "unused" {\n  default = local.s23\n}\n'
            'output "unused" {\n  value = local.s23\n}\n'
            'resource "aws_security_group" "g" {\n  description = "fixed"\n}\n')
    resources, notices = _module(tmp_path, text)
    assert notices == []
    assert [r.body.value["description"].value for r in resources] == ["fixed"]


def test_a_value_a_resource_needs_still_hits_its_budget(tmp_path: Path) -> None:
    text = ('locals {\n  s0 = "ab"\n' + DOUBLING + "}\n"
            'resource "aws_security_group" "g" {\n  description = local.s23\n}\n')
    resources, notices = _module(tmp_path, text)
    assert notices == [("budget", "string-size", 21)]  # s19: 2 ** 20 characters
    assert not resources[0].body.value["description"].known


def test_child_module_outputs_are_evaluated_for_their_caller(tmp_path: Path) -> None:
    (tmp_path / "child").mkdir()
    (tmp_path / "child" / "main.tf").write_text(
        'variable "cidr" {}\noutput "cidr" {\n  value = var.cidr\n}\n')
    resources, notices = _module(tmp_path, (
        'module "c" {\n  source = "./child"\n  cidr = "10.0.0.0/16"\n}\n'
        'resource "aws_vpc" "v" {\n  cidr_block = module.c.cidr\n}\n'))
    assert notices == []
    assert [r.body.value["cidr_block"].value for r in resources] == ["10.0.0.0/16"]


def test_references_are_remembered_by_identity_within_a_bound() -> None:
    memo = ReferenceMemo(limit=2)
    body = parse_tf_text('resource "a" "b" {\n  x = local.y\n  z = aws_vpc.v.id\n}\n',
                         "main.tf").blocks[0].body
    first = memo.of(body)
    assert sorted(first) == ["block:aws_vpc.v", "local:y"]
    assert memo.of(body) is first  # the same tree: no second walk
    other = parse_tf_text('locals {\n  q = var.w\n}\n', "o.tf").blocks[0].body
    assert memo.of(other.attributes["q"].expr) == ["var:w"]
    memo.of(parse_tf_text('locals {\n  r = 1\n}\n', "r.tf").blocks[0].body)  # full: afresh
    assert memo.of(body) is not first and sorted(memo.of(body)) == sorted(first)
