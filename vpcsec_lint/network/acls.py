"""Network ACLs: which one governs a subnet, and how its entries decide TCP traffic.

A subnet without an explicit NACL association uses its VPC's default NACL, which allows
all traffic unless modified:
https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html

A NACL evaluates entries by rule number, lowest first; the first entry that
matches a packet decides (allow or deny); no match is the implicit deny. For
one direction and one IP version we compute *regions* of (TCP port,
address) pairs: the traffic whose first match is an allow.

Unknown parts of an entry (rule number, action, protocol, ports, CIDR,
direction, or a Terraform `dynamic` block that may stand for any number of
entries) are never guessed. Instead two bounds are computed:

- `lower`: traffic allowed under *every* resolution of the unknowns. Unknown
  allows are left out (or kept only with what is surely theirs); any entry
  that may deny is kept as wide as it may be and as early as it may be.
- `upper`: traffic allowed under *some* resolution. Entries that may allow are
  kept as wide and as early as they may be; unknown denies are left out.

Both moves are monotone in first-match evaluation (widening or advancing an
allow never removes allowed traffic; widening or advancing a deny never adds
any), so the bounds are sound. A rule that finds "allowed inbound" in `lower`
and "not allowed outbound" in `upper` is right whatever the unknowns are.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from vpcsec_lint.model import Model, Nacl, NaclEntry, Subnet, parse_network
from vpcsec_lint.values import UNKNOWN, Location

Box = tuple[int, int, int, int]
"""(first port, last port, first address, last address), all inclusive."""

ALL_PORTS = (0, 65535)
EPHEMERAL = (1024, 65535)
_ADDRESS_SPACE = {4: (0, 2**32 - 1), 6: (0, 2**128 - 1)}


# -- regions: lists of disjoint boxes -------------------------------------------------


def _cut(box: Box, hole: Box) -> list[Box]:
    """`box` minus `hole`, as up to four disjoint boxes."""
    p0, p1, a0, a1 = box
    h0, h1, g0, g1 = hole
    if h1 < p0 or h0 > p1 or g1 < a0 or g0 > a1:
        return [box]
    out = []
    if p0 < h0:
        out.append((p0, h0 - 1, a0, a1))
    if h1 < p1:
        out.append((h1 + 1, p1, a0, a1))
    q0, q1 = max(p0, h0), min(p1, h1)
    if a0 < g0:
        out.append((q0, q1, a0, g0 - 1))
    if g1 < a1:
        out.append((q0, q1, g1 + 1, a1))
    return out


def subtract(region: Iterable[Box], holes: Iterable[Box]) -> list[Box]:
    """The part of `region` outside every hole."""
    out = list(region)
    for hole in holes:
        out = [piece for box in out for piece in _cut(box, hole)]
    return out


def meets(a: Box, b: Box) -> bool:
    """Whether two boxes share a (port, address) pair."""
    return a[0] <= b[1] and b[0] <= a[1] and a[2] <= b[3] and b[2] <= a[3]


def intersect(box: Box, ports: tuple[int, int]) -> Box | None:
    lo, hi = max(box[0], ports[0]), min(box[1], ports[1])
    return (lo, hi, box[2], box[3]) if lo <= hi else None


# -- entries ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Bounded:
    """One entry as it takes part in one bound: where it sits, what it does, what it matches."""

    order: float
    allow: bool
    box: Box
    entry: NaclEntry


def _ports(entry: NaclEntry, widest: bool, protocol: str = "tcp") -> tuple[int, int] | None:
    """The `protocol` (TCP or UDP) ports an entry matches: as many as it may (widest) or as
    it surely does."""
    if entry.protocol == "all":
        return ALL_PORTS
    if entry.protocol is UNKNOWN:
        return ALL_PORTS if widest else None
    if entry.protocol != protocol:
        return None
    lo, hi = entry.from_port, entry.to_port
    if isinstance(lo, int) and isinstance(hi, int) and 0 <= lo <= hi:
        return (lo, min(hi, 65535))
    return ALL_PORTS if widest else None


def _addresses(entry: NaclEntry, version: int, widest: bool) -> tuple[int, int] | None:
    net = parse_network(entry.cidr.value) if entry.cidr is not None and \
        not entry.cidr.alternatives else None
    if net is None:
        return _ADDRESS_SPACE[version] if widest else None
    if net.version != version:
        return None
    return (int(net.network_address), int(net.broadcast_address))


def _box(entry: NaclEntry, version: int, widest: bool, protocol: str = "tcp") -> Box | None:
    ports = _ports(entry, widest, protocol)
    addresses = _addresses(entry, version, widest)
    if ports is None or addresses is None:
        return None
    return (*ports, *addresses)


def _bounded(entries: Iterable[NaclEntry], egress: bool, version: int, upper: bool,
             maybe_absent: frozenset[Location] = frozenset(),
             protocol: str = "tcp") -> list[Bounded]:
    """The entries of one direction as they take part in the lower or the upper bound."""
    out = []
    for entry in entries:
        if entry.egress is not UNKNOWN and entry.egress is not egress:
            continue
        surely_here = entry.egress is egress and entry.loc not in maybe_absent
        number = float(entry.rule_number) if isinstance(entry.rule_number, int) else None
        may_allow = entry.action in ("allow", UNKNOWN)
        may_deny = entry.action in ("deny", UNKNOWN)
        # Entries that push the bound out (allows for the upper bound, denies for the
        # lower one): as wide and as early as they may be.
        if (may_allow if upper else may_deny):
            box = _box(entry, version, True, protocol)
            order = number if number is not None else float("-inf")
        # The others count only with what they surely match, where they surely sit.
        elif surely_here and number is not None:
            box = _box(entry, version, False, protocol)
            order = number
        else:
            continue
        if box is not None:
            out.append(Bounded(order, may_allow if upper else not may_deny, box, entry))
    # On a tie of rule numbers, the entries that push the bound out go first.
    return sorted(out, key=lambda b: (b.order, b.allow != upper))


def allowed(entries: Iterable[NaclEntry], egress: bool, version: int, upper: bool,
            maybe_absent: frozenset[Location] = frozenset(), protocol: str = "tcp") \
        -> list[tuple[NaclEntry, list[Box]]]:
    """Per allowing entry, the TCP (or UDP) traffic it decides (first match), in one bound."""
    matched: list[Box] = []
    out = []
    for item in _bounded(entries, egress, version, upper, maybe_absent, protocol):
        if item.allow:
            region = subtract([item.box], matched)
            if region:
                out.append((item.entry, region))
        matched.append(item.box)
    return out


# -- one ACL ---------------------------------------------------------------------------


@dataclass
class Acl:
    """A NACL of the code (custom or default) and every entry that surely belongs to it."""

    nacl: Nacl
    entries: list[NaclEntry]
    complete: bool
    """False when some of its entries cannot be listed (an unknown inline list)."""
    maybe_absent: frozenset[Location] = frozenset()
    """Entries from Terraform `dynamic` blocks: there may be none of them (or several)."""

    def allowed(self, egress: bool, version: int, upper: bool, protocol: str = "tcp") \
            -> list[tuple[NaclEntry, list[Box]]]:
        """Per allowing entry, the TCP (or UDP) traffic it decides, in one bound."""
        return allowed(self.entries, egress, version, upper, self.maybe_absent, protocol)

    def region(self, egress: bool, version: int, upper: bool,
               protocol: str = "tcp") -> list[Box]:
        """The TCP (or UDP) traffic the ACL allows in one direction, in one bound."""
        return [box for _, region in self.allowed(egress, version, upper, protocol)
                for box in region]

    def inbound_lower(self, version: int) -> list[tuple[NaclEntry, list[Box]]]:
        return self.allowed(False, version, False)

    def outbound_upper(self, version: int) -> list[Box]:
        return self.region(True, version, True)


def acls(model: Model) -> dict[str, Acl]:
    """Every NACL of the model with its entries, by key (computed once per model).

    Entries whose NACL reference cannot be followed belong to NACLs outside the
    analysed files and are not counted for any of ours.
    """
    cached: dict[str, Acl] | None = getattr(model, "network_acls", None)
    if cached is None:
        by_key: dict[str, list[NaclEntry]] = {}
        for entry in model.nacl_entries:
            if entry.nacl.key is not None:
                by_key.setdefault(entry.nacl.key, []).append(entry)
        cached = {key: Acl(nacl, by_key.get(key, []), *_inline_lists(model, key))
                  for key, nacl in model.nacls.items()}
        model.network_acls = cached  # type: ignore[attr-defined]
    return cached


def custom_acls(model: Model) -> list[Acl]:
    """The model's custom NACLs (not default ones) with their entries."""
    return [acl for acl in acls(model).values() if not acl.nacl.is_default]


def _inline_lists(model: Model, key: str) -> tuple[bool, frozenset[Location]]:
    """Whether the inline rule lists of a Terraform NACL are known (not `ingress =
    var.rules`), and the locations of its `dynamic` blocks."""
    raw = model.resources.get(key)
    complete, dynamic = True, set()
    for name in ("ingress", "egress"):
        val = raw.body.get(name) if raw is not None else None
        if val is None:
            continue
        if not isinstance(val.value, list | dict):
            complete = False
        dynamic |= {item.loc for item in val.items() if item.symbol == "dynamic" and item.loc}
    return complete, frozenset(dynamic)


# -- the NACL governing a subnet ------------------------------------------------------


@dataclass
class AclChoice:
    """The NACL governing a subnet: one to evaluate, the default allow-all, or unknown."""

    known: bool
    nacl: Nacl | None = None
    acl: Acl | None = None
    """Its entries, when `known` and not `open`."""
    open: bool = False
    """The VPC's default NACL as AWS creates it: allows everything."""
    why: str = ""

    def region(self, egress: bool, version: int, upper: bool,
               protocol: str = "tcp") -> list[Box]:
        return self.acl.region(egress, version, upper, protocol) if self.acl is not None \
            else []


def subnet_acl(model: Model, subnet: Subnet) -> AclChoice:
    """Explicit association, else the VPC's default NACL (allow-all unless the code
    manages it), else unknown."""
    explicit = model.subnet_nacls.get(subnet.key, [])
    nacl: Nacl | None = None
    if len(explicit) > 1:
        return AclChoice(False, why="it has several network ACL associations")
    if explicit:
        ref = explicit[0][0]
        nacl = model.nacls.get(ref.key) if ref.key else None
        if nacl is None:
            return AclChoice(False, why="its network ACL is not in the analysed files")
    elif "nacl" in model.loose_associations:
        return AclChoice(False, why="a network ACL association names a subnet that cannot "
                         "be followed")
    else:
        vpc = model.vpc(subnet.vpc)
        if vpc is None or not vpc.known:
            return AclChoice(False, why="its VPC's default network ACL is not in the code")
        defaults = [n for n in model.nacls.values() if n.is_default and n.vpc.key == vpc.key]
        if not defaults:
            return AclChoice(True, open=True)
        nacl = defaults[0]
    acl = acls(model)[nacl.key]
    if not acl.complete:
        return AclChoice(False, nacl, why=f"the entries of {nacl.resource} are not known")
    return AclChoice(True, nacl, acl)


def describe_entry(entry: NaclEntry) -> str:
    """`TCP 443 from 0.0.0.0/0 (rule 100)`."""
    if entry.protocol == "all":
        ports = "all traffic"
    elif entry.from_port == entry.to_port:
        ports = f"TCP {entry.from_port}"
    else:
        ports = f"TCP {entry.from_port}-{entry.to_port}"
    cidr = entry.cidr.value if entry.cidr is not None and isinstance(entry.cidr.value, str) \
        else "?"
    return f"{ports} from {cidr} (rule {entry.rule_number})"


def describe_addresses(box: Box, version: int) -> str:
    """The address range of a box as CIDRs."""
    import ipaddress

    make = ipaddress.IPv4Address if version == 4 else ipaddress.IPv6Address
    nets = ipaddress.summarize_address_range(make(box[2]), make(box[3]))
    return ", ".join(str(n) for n in nets)
