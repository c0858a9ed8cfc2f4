"""VSL107 data-store-open-to-anywhere."""

from __future__ import annotations

from collections.abc import Iterator

from vpcsec_lint.analysis import every_branch, is_world
from vpcsec_lint.findings import Finding, Related, shown
from vpcsec_lint.model import DataStore, Model, SgRule
from vpcsec_lint.registry import Rule
from vpcsec_lint.values import Val

_KINDS = {
    "rds_instance": "RDS instance", "rds_cluster": "RDS cluster", "rds_proxy": "RDS Proxy",
    "elasticache": "ElastiCache cache", "memorydb": "MemoryDB cluster",
    "opensearch": "OpenSearch domain", "docdb": "DocumentDB cluster",
    "neptune": "Neptune cluster", "redshift": "Redshift cluster", "mq": "Amazon MQ broker",
    "efs_mount_target": "EFS mount target",
}


class DataStoreOpenToAnywhere(Rule):
    """
    ## What it does
    Flags a security-group ingress rule that admits `0.0.0.0/0` or `::/0` on
    the port a data store listens on (or on all ports), when the group is
    attached to the data store: an RDS instance, cluster or proxy,
    ElastiCache, MemoryDB, an OpenSearch/Elasticsearch domain with VPC
    options, DocumentDB, Neptune, Redshift, an Amazon MQ broker or an EFS
    mount target.

    The port is the store's own port attribute, else its engine's default
    (PostgreSQL 5432, MySQL/MariaDB/Aurora MySQL 3306, Oracle 1521, SQL
    Server 1433, Db2 50000, Redis/Valkey 6379, Memcached 11211, DocumentDB
    27017, Neptune 8182, Redshift 5439, OpenSearch 443, EFS 2049, RabbitMQ
    5671, ActiveMQ 61617). A rule is reported once, at its CIDR, naming every
    store it exposes; cluster members are named through their cluster.
    Silent when the port, the protocol, the CIDR (in any branch of a
    condition) or the group's attachment is unknown, and for stores without
    security groups (the VPC's default group).

    ## Why is this bad?
    A database in a private subnet is not private when its group admits the
    whole internet: every peered VPC, VPN, Direct Connect network and any
    compromised host on a routed network can reach its port, and one
    `publicly_accessible = true` or route-table change later it is on the
    internet. Data stores should admit only their clients' security groups.

    ## Example
    ```hcl
    resource "aws_security_group" "db" {
      vpc_id = aws_vpc.main.id
      ingress {
        from_port   = 5432
        to_port     = 5432
        protocol    = "tcp"
        cidr_blocks = ["0.0.0.0/0"]
      }
    }
    ```

    ## Use instead
    ```hcl
    resource "aws_security_group" "db" {
      vpc_id = aws_vpc.main.id
      ingress {
        from_port       = 5432
        to_port         = 5432
        protocol        = "tcp"
        security_groups = [aws_security_group.app.id]
      }
    }
    ```

    ## References
    - https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/Overview.RDSSecurityGroups.html
    - https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html
    - https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/CHAP_CommonTasks.Connect.html
    """

    id = "VSL107"
    name = "data-store-open-to-anywhere"
    severity = "warning"
    summary = "A data store's security group admits 0.0.0.0/0 or ::/0 on the store's port."

    def check(self, model: Model) -> Iterator[Finding]:
        exposed: dict[int, tuple[SgRule, Val, list[tuple[DataStore, str]]]] = {}
        for store in model.data_stores.values():
            if store.member_of is not None and store.member_of.key is not None:
                continue  # reported through its cluster, whose groups it uses
            groups = {r.key for r in store.security_groups if r.key is not None}
            for rule in model.sg_rules:
                if rule.direction != "ingress" or rule.group.key not in groups:
                    continue
                ports = _exposed_port(rule, store)
                cidr = _world_cidr(rule) if ports is not None else None
                if ports is not None and cidr is not None:
                    exposed.setdefault(id(rule), (rule, cidr, []))[2].append((store, ports))
        for rule, cidr, stores in exposed.values():
            names = ", ".join(f"{_KINDS.get(s.kind, s.kind)} {shown(s.resource)} ({port})"
                              for s, port in stores)
            message = (f"Ingress on {rule.describe_ports()} from {shown(cidr.value)} reaches "
                       f"{names}: every network routed to the VPC can connect. Allow the "
                       "clients' security groups instead.")
            related = [Related(s.security_groups_loc or s.loc,
                               f"{shown(s.resource)} uses this security group")
                       for s, _ in stores]
            yield self.finding(model, rule.cidr_attr or cidr.loc or rule.loc, rule.resource,
                               message, related)


def _exposed_port(rule: SgRule, store: DataStore) -> str | None:
    """How the rule covers the store's port ("tcp/5432", "all ports"), or None."""
    ports = rule.port_range()
    if rule.protocol == "all" or (rule.protocol == "tcp" and ports == (0, 65535)):
        return "all ports"
    port = store.port.value if store.port is not None else None
    if isinstance(port, int) and not isinstance(port, bool) and rule.covers_tcp_port(port) is True:
        return f"port {port}"
    return None


def _world_cidr(rule: SgRule) -> Val | None:
    """The first CIDR of the rule that is `/0` in every branch."""
    for cidr in rule.cidrs:
        if every_branch(cidr, is_world) is not None:
            return cidr
    return None
