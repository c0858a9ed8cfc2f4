"""NACL evaluation: first match by rule number, and sound bounds around unknown entries."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vpcsec_lint.model import NaclEntry, Ref
from vpcsec_lint.network.acls import allowed, subtract
from vpcsec_lint.values import UNKNOWN, Location, Val

WORLD = (0, 2**32 - 1)
TEN = (10 << 24, (11 << 24) - 1)  # 10.0.0.0/8


def entry(number, action, cidr="0.0.0.0/0", ports=(443, 443), protocol="tcp", egress=False,
          line=1) -> NaclEntry:
    cidr_val = Val(cidr) if cidr is not UNKNOWN else Val(UNKNOWN)
    return NaclEntry("terraform", "aws_network_acl.x", Location("main.tf", line),
                     Ref("aws_network_acl.x", None), egress, number, protocol, action, cidr_val,
                     *ports)


def lower_in(*entries: NaclEntry) -> list:
    return allowed(entries, False, 4, upper=False)


def upper_out(*entries: NaclEntry) -> list:
    return [box for _, region in allowed(entries, True, 4, upper=True) for box in region]


def test_subtract_leaves_the_outside_pieces():
    assert subtract([(0, 10, 0, 10)], [(3, 5, 0, 10)]) == [(0, 2, 0, 10), (6, 10, 0, 10)]
    assert subtract([(0, 10, 0, 10)], [(0, 10, 0, 10)]) == []
    assert subtract([(0, 10, 0, 10)], [(20, 30, 0, 10)]) == [(0, 10, 0, 10)]
    assert subtract([(0, 10, 0, 10)], [(0, 10, 2, 3)]) == [(0, 10, 0, 1), (0, 10, 4, 10)]


def test_first_match_by_rule_number_not_by_order_written():
    allow = entry(100, "allow")
    deny = entry(50, "deny", "10.0.0.0/8")
    [(decided_by, region)] = lower_in(allow, deny)
    assert decided_by is allow
    assert subtract([(443, 443, *WORLD)], region) == [(443, 443, *TEN)]  # 10/8 is denied


def test_a_lower_deny_shadows_a_later_allow_completely():
    assert lower_in(entry(100, "allow", "10.0.0.0/16"), entry(90, "deny", "10.0.0.0/8")) == []


def test_an_earlier_allow_wins_over_a_later_deny():
    [(_, region)] = lower_in(entry(100, "allow"), entry(200, "deny"))
    assert region == [(443, 443, *WORLD)]


def test_other_protocols_do_not_match_tcp():
    assert lower_in(entry(100, "allow", protocol="udp")) == []
    [(_, region)] = lower_in(entry(100, "allow", protocol="all", ports=(UNKNOWN, UNKNOWN)))
    assert region == [(0, 65535, *WORLD)]


def test_unknown_deny_counts_everywhere_for_the_lower_bound():
    unknown_number = entry(UNKNOWN, "deny", ports=(443, 443))
    assert lower_in(entry(100, "allow"), unknown_number) == []
    unknown_cidr = entry(50, "deny", UNKNOWN)
    assert lower_in(entry(100, "allow"), unknown_cidr) == []
    unknown_action = entry(50, UNKNOWN, "10.0.0.0/8")
    [(_, region)] = lower_in(entry(100, "allow"), unknown_action)
    assert subtract([(443, 443, *WORLD)], region) == [(443, 443, *TEN)]


def test_unknown_allow_is_left_out_of_the_lower_bound():
    assert lower_in(entry(UNKNOWN, "allow")) == []
    assert lower_in(entry(100, "allow", UNKNOWN)) == []
    assert lower_in(entry(100, "allow", egress=UNKNOWN)) == []


def test_unknown_allow_counts_as_wide_and_early_for_the_upper_bound():
    late_deny = entry(50, "deny", ports=(0, 65535), egress=True)
    assert upper_out(entry(UNKNOWN, "allow", ports=(1024, 65535), egress=True),
                     late_deny) == [(1024, 65535, *WORLD)]
    assert upper_out(entry(100, "allow", UNKNOWN, ports=(1024, 65535), egress=True)) \
        == [(1024, 65535, *WORLD)]
    assert upper_out(entry(100, "allow", ports=(UNKNOWN, UNKNOWN), egress=True)) \
        == [(0, 65535, *WORLD)]
    assert upper_out(entry(100, "allow", ports=(1024, 65535), egress=UNKNOWN)) \
        == [(1024, 65535, *WORLD)]


def test_unknown_deny_is_left_out_of_the_upper_bound():
    allow = entry(100, "allow", ports=(1024, 65535), egress=True)
    assert upper_out(allow, entry(50, "deny", UNKNOWN, egress=True)) == [(1024, 65535, *WORLD)]
    assert upper_out(allow, entry(UNKNOWN, "deny", egress=True)) == [(1024, 65535, *WORLD)]


def test_dynamic_entries_may_be_absent():
    allow = entry(100, "allow", line=7)
    assert allowed([allow], False, 4, False, frozenset({Location("main.tf", 7)})) == []
    assert allowed([allow], False, 4, False) != []


def test_ipv6_entries_do_not_match_ipv4_traffic():
    assert lower_in(entry(100, "allow", "::/0")) == []
    assert allowed([entry(100, "allow", "::/0")], False, 6, upper=False) != []


_numbers = st.one_of(st.integers(1, 5).map(lambda n: n * 10), st.just(UNKNOWN))
_actions = st.sampled_from(["allow", "deny", UNKNOWN])
_cidrs = st.sampled_from(["0.0.0.0/0", "10.0.0.0/8", "10.1.0.0/16", UNKNOWN])
_ports = st.sampled_from([(443, 443), (0, 1023), (0, 65535), (UNKNOWN, UNKNOWN)])
_protocols = st.sampled_from(["tcp", "all", "udp", UNKNOWN])
_directions = st.sampled_from([False, True, UNKNOWN])
# AWS refuses two entries with one number in one direction: known numbers are unique.
_entries = st.lists(st.tuples(_numbers, _actions, _cidrs, _ports, _protocols, _directions),
                    max_size=5, unique_by=lambda t: t[0] if t[0] is not UNKNOWN else object())
_resolve = {"action": st.sampled_from(["allow", "deny"]),
            "cidr": st.sampled_from(["0.0.0.0/0", "10.0.0.0/8", "192.168.0.0/16"]),
            "ports": st.sampled_from([(443, 443), (0, 65535), (8000, 9000)]),
            "protocol": st.sampled_from(["tcp", "all", "udp"]),
            "direction": st.booleans()}


def _covered(region: list, boxes: list) -> bool:
    return not subtract(region, boxes)


def _region(entries: list, egress: bool, upper: bool) -> list:
    return [b for _, r in allowed(entries, egress, 4, upper) for b in r]


@settings(max_examples=300, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow])
@given(_entries, st.data())
def test_bounds_hold_for_every_resolution_of_the_unknowns(specs, data):
    """lower ⊆ any concrete evaluation ⊆ upper, whatever the unknowns turn out to be."""
    written = [entry(n, a, c, p, pr, e, line=i) for i, (n, a, c, p, pr, e) in enumerate(specs)]
    concrete = []
    used = {spec[0] for spec in specs if spec[0] is not UNKNOWN}
    for i, (n, a, c, p, pr, e) in enumerate(specs):
        if n is UNKNOWN:
            n = data.draw(st.integers(1, 60).filter(lambda k: k not in used))
            used.add(n)
        concrete.append(entry(
            n,
            data.draw(_resolve["action"]) if a is UNKNOWN else a,
            data.draw(_resolve["cidr"]) if c is UNKNOWN else c,
            data.draw(_resolve["ports"]) if p[0] is UNKNOWN else p,
            data.draw(_resolve["protocol"]) if pr is UNKNOWN else pr,
            data.draw(_resolve["direction"]) if e is UNKNOWN else e, line=i))
    for egress in (False, True):
        real = _region(concrete, egress, upper=False)
        assert _covered(real, _region(concrete, egress, upper=True))
        assert _covered(_region(concrete, egress, upper=True), real)
        assert _covered(_region(written, egress, upper=False), real)
        assert _covered(real, _region(written, egress, upper=True))
