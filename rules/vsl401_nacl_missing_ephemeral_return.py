"""VSL401 nacl-missing-ephemeral-return."""

from __future__ import annotations

from collections.abc import Iterator

from vpcsec_lint.findings import Finding, Related, shown
from vpcsec_lint.model import Model, NaclEntry
from vpcsec_lint.network.acls import (
    EPHEMERAL,
    Box,
    custom_acls,
    describe_addresses,
    describe_entry,
    intersect,
    subtract,
)
from vpcsec_lint.registry import Rule

# Well-known service ports above 1023 that a subnet commonly serves.
SERVICE_PORTS = (
    1433,  # SQL Server
    1521,  # Oracle
    2049,  # NFS / EFS
    2375, 2376,  # Docker
    3306,  # MySQL / Aurora MySQL
    3389,  # RDP
    5432,  # PostgreSQL / Aurora PostgreSQL
    5439,  # Redshift
    5671, 5672,  # AMQP (Amazon MQ, RabbitMQ)
    6379,  # Redis / Valkey
    8080, 8443,  # HTTP(S) alternates
    9092, 9094,  # Kafka (MSK)
    9200,  # OpenSearch / Elasticsearch
    11211,  # Memcached
    27017,  # MongoDB / DocumentDB
)


class NaclMissingEphemeralReturn(Rule):
    """
    ## What it does
    Flags an inbound rule of a custom network ACL that admits TCP to a port
    below 1024 or to a well-known service port (3306, 5432, 6379, 8080, …)
    when the ACL's outbound rules do not allow TCP 1024–65535 back to every
    source it admits. Custom ACLs are `aws_network_acl` (inline `ingress` and
    `egress`), `aws_network_acl_rule` and `AWS::EC2::NetworkAclEntry`;
    `aws_default_network_acl` and the VPC's default ACL are not checked.

    Rules are evaluated as AWS does: by rule number, lowest first, the first
    match decides, and unmatched traffic is denied. So an inbound allow that a
    lower-numbered deny shadows completely admits nothing, and an outbound
    allow counts only for the traffic a lower-numbered deny does not take.
    Several outbound allows may together cover the return traffic. An inbound
    rule whose ports are a return range itself (1024 or above up to 65535) is
    checked only for ports below 1024, which it cannot contain.

    Unknown parts never make a finding: an inbound allow counts only with what
    it surely admits, while an entry that might deny inbound, or might allow
    outbound, counts as widely and as early as it could (an unknown rule
    number, action, protocol, port, CIDR, direction or `dynamic` block). An
    ACL whose inline rule list is itself unknown is not checked.

    ## Why is this bad?
    Network ACLs are stateless: the reply to an allowed inbound request is a
    separate outbound packet to the client's ephemeral port (1024–65535:
    Linux uses 32768–60999, Windows 49152–65535, NAT gateways and load
    balancers the whole range). Without an outbound allow for it, the request
    arrives, the reply is dropped, and the client times out although the
    security group and the inbound rule look right.

    ## Example
    ```hcl
    resource "aws_network_acl" "app" {
      vpc_id = aws_vpc.main.id
      ingress {
        rule_no    = 100
        protocol   = "tcp"
        action     = "allow"
        cidr_block = "10.0.0.0/16"
        from_port  = 443
        to_port    = 443
      }
      egress {
        rule_no    = 100
        protocol   = "tcp"
        action     = "allow"
        cidr_block = "0.0.0.0/0"
        from_port  = 443
        to_port    = 443
      }
    }
    ```

    ## Use instead
    ```hcl
      egress {
        rule_no    = 110
        protocol   = "tcp"
        action     = "allow"
        cidr_block = "10.0.0.0/16"
        from_port  = 1024
        to_port    = 65535
      }
    ```

    ## References
    - https://docs.aws.amazon.com/vpc/latest/userguide/vpc-network-acls.html
    - https://docs.aws.amazon.com/vpc/latest/userguide/nacl-ephemeral-ports.html
    """

    id = "VSL401"
    name = "nacl-missing-ephemeral-return"
    severity = "warning"
    summary = ("A network ACL admits inbound TCP to a service port but does not allow "
               "the replies out on TCP 1024-65535.")
    terraform_types = ("aws_network_acl", "aws_network_acl_rule")
    cloudformation_types = ("AWS::EC2::NetworkAcl", "AWS::EC2::NetworkAclEntry")

    def check(self, model: Model) -> Iterator[Finding]:
        for acl in custom_acls(model):
            if not acl.complete:
                continue
            for version in (4, 6):
                inbound = acl.inbound_lower(version)
                outbound = acl.outbound_upper(version) if inbound else []
                for entry, region in inbound:
                    gap = _missing_return(entry, region, outbound)
                    if not gap:
                        continue
                    source = shown(entry.cidr.value) if entry.cidr is not None else "?"
                    missing = _addresses(gap, version)
                    where = f"{source}" if missing == source else f"{source} (not to {missing})"
                    message = (
                        f"Network ACL {shown(acl.nacl.resource)} admits inbound "
                        f"{describe_entry(entry)}, "
                        f"but its outbound rules do not allow TCP 1024-65535 back to all of "
                        f"{where}: NACLs are stateless, so the replies are dropped and clients "
                        "time out. Add an outbound allow for TCP 1024-65535 to the clients' "
                        "range, numbered before any deny that would shadow it.")
                    yield self.finding(model, entry.loc, entry.resource, message,
                                       [Related(acl.nacl.loc,
                                                f"network ACL {shown(acl.nacl.resource)}")])


def _service_ranges(entry: NaclEntry) -> list[tuple[int, int]]:
    """The ports that make an inbound allow a service: below 1024, and the well-known
    service ports unless the rule itself is a return range (1024+ up to 65535)."""
    ranges = [(0, 1023)]
    is_return = entry.protocol == "tcp" and isinstance(entry.from_port, int) \
        and entry.from_port >= 1024 and entry.to_port == 65535
    if not is_return:
        ranges += [(p, p) for p in SERVICE_PORTS]
    return ranges


def _missing_return(entry: NaclEntry, region: list[Box], outbound: list[Box]) -> list[Box]:
    """Where replies to admitted service traffic cannot go (empty when they all can)."""
    gaps = []
    for box in region:
        for ports in _service_ranges(entry):
            piece = intersect(box, ports)
            if piece is not None:
                gaps += subtract([(*EPHEMERAL, piece[2], piece[3])], outbound)
    return gaps


def _addresses(gaps: list[Box], version: int) -> str:
    """The addresses of the gaps as at most three CIDRs (and a count of the rest)."""
    spans: list[list[int]] = []
    for lo, hi in sorted((g[2], g[3]) for g in gaps):
        if spans and lo <= spans[-1][1] + 1:
            spans[-1][1] = max(spans[-1][1], hi)
        else:
            spans.append([lo, hi])
    nets = [n for lo, hi in spans for n in describe_addresses((0, 0, lo, hi), version).split(", ")]
    return ", ".join(nets[:3]) + (f" and {len(nets) - 3} more" if len(nets) > 3 else "")
