"""The plain value classes that replaced dataclasses on the start-up path (`records.py`)."""

from __future__ import annotations

import pickle

import pytest

from vpcsec_lint.findings import Finding, Notice, Related
from vpcsec_lint.model import Model, Ref, Subnet, Vpc
from vpcsec_lint.values import Location, Val


def test_equality_is_by_value_and_class() -> None:
    assert Location("a.tf", 3, 5) == Location("a.tf", 3, 5)
    assert Location("a.tf", 3, 5) != Location("a.tf", 3, 6)
    assert Val(1, Location("a.tf", 1)) == Val(1, Location("a.tf", 1))
    assert Ref("aws_vpc.a", None) != Subnet("aws_vpc.a", "terraform", Location("a.tf", 1), "x")
    # inherited fields count too
    vpc = Vpc("aws_vpc.a", "terraform", Location("a.tf", 1), "aws_vpc.a")
    assert vpc == Vpc("aws_vpc.a", "terraform", Location("a.tf", 1), "aws_vpc.a")
    assert vpc != Vpc("aws_vpc.b", "terraform", Location("a.tf", 1), "aws_vpc.a")


def test_frozen_records_hash_by_value_and_others_do_not_hash() -> None:
    assert len({Location("a.tf", 1), Location("a.tf", 1), Location("b.tf", 1)}) == 2
    assert len({Notice("budget", "string-size", "a.tf", 1, "m")} |
               {Notice("budget", "string-size", "a.tf", 1, "m")}) == 1
    with pytest.raises(TypeError):
        hash(Val(1))
    with pytest.raises(TypeError):
        hash(Model("terraform", "."))


def test_defaults_are_fresh_per_instance() -> None:
    one, two = (Subnet("s", "terraform", Location("a.tf", 1), "s") for _ in range(2))
    assert one.vpc == Ref(None, None) and one.vpc is not two.vpc
    first = Model("terraform", ".")
    first.vpcs["x"] = Vpc("x", "terraform", Location("a.tf", 1), "x")
    assert Model("terraform", ".").vpcs == {}


def test_replaced_copies_with_changes_and_refuses_unknown_names() -> None:
    finding = Finding("VSL101", "r", "warning", "m", Location("a.tf", 2), "aws_x.y",
                      "terraform", [Related(Location("b.tf", 1), "there")])
    copy = finding.replaced(message="other")
    assert (copy.message, finding.message) == ("other", "m")
    assert copy.related is finding.related and copy.loc == finding.loc
    with pytest.raises(TypeError):
        finding.replaced(mesage="typo")


def test_records_pickle_and_a_model_keeps_what_is_memoised_on_it() -> None:
    loc = Location("a.tf", 1, 2, 3, 4)
    assert pickle.loads(pickle.dumps(loc)) == loc
    finding = Finding("VSL101", "r", "warning", "m", loc, None, "terraform")
    assert pickle.loads(pickle.dumps(finding)) == finding
    model = Model("terraform", ".")
    model.reach_intents = ["memo"]  # type: ignore[attr-defined]
    again = pickle.loads(pickle.dumps(model))
    assert again.reach_intents == ["memo"] and again == model
    assert "reach_intents" not in repr(model) and repr(loc) == (
        "Location(path='a.tf', line=1, column=2, end_line=3, end_column=4)")
