"""VSL103 cache-missing-self-reference."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

from vpcsec_lint.analysis import rule_may_belong_to, rule_may_come_from
from vpcsec_lint.findings import Finding, Related, shown
from vpcsec_lint.model import Cache, Model, SgRule
from vpcsec_lint.registry import Rule
from vpcsec_lint.values import UNKNOWN

CLUSTER_BUS_OFFSET = 10000
_KINDS = {"replication_group": "replication group", "memorydb": "MemoryDB cluster"}


class CacheMissingSelfReference(Rule):
    """
    ## What it does
    Flags a Redis/Valkey replication group or MemoryDB cluster with more than
    one node whose security groups never allow inbound traffic from one of
    those same groups on the cache port (`port`/`Port`, default 6379) and, in
    cluster mode (more than one node group, or MemoryDB), on the cluster bus
    port (the cache port + 10000).

    A self-reference is an inline `self = true` block, an
    `aws_security_group_rule` with `self = true` or a
    `source_security_group_id` naming an attached group, an
    `aws_vpc_security_group_ingress_rule` whose `referenced_security_group_id`
    names one, or CloudFormation ingress with `SourceSecurityGroupId` or
    `SourceSecurityGroupName` naming one. It counts only for the ports it
    covers. CIDR rules never count, even when they cover the nodes, and
    neither does a source group that cannot be resolved; a source that is an
    attached group in one branch of an unknown condition does count.

    Not flagged: single-node groups, Memcached (its nodes do not talk to each
    other), caches without security groups (the VPC's default group references
    itself), caches with any group that cannot be resolved, and caches in a
    global datastore, behind a primary cluster or on legacy cache security
    groups.

    ## Why is this bad?
    Replicas sync from their primary, and in cluster mode every node gossips
    with every other node over the cluster bus. When the cache's group only
    admits the application, the nodes cannot reach each other: replication,
    failover and resharding break. The usual wrong fix, allowing the VPC CIDR,
    over-grants to everything in the VPC.

    ## Example
    ```hcl
    resource "aws_elasticache_replication_group" "sessions" {
      replication_group_id       = "sessions"
      description                = "sessions"
      node_type                  = "cache.t4g.small"
      num_node_groups            = 2
      replicas_per_node_group    = 1
      security_group_ids         = [aws_security_group.cache.id]
    }

    resource "aws_security_group" "cache" {
      vpc_id = aws_vpc.main.id
      ingress {
        from_port       = 6379
        to_port         = 6379
        protocol        = "tcp"
        security_groups = [aws_security_group.app.id]
      }
    }
    ```

    ## Use instead
    ```hcl
    resource "aws_security_group" "cache" {
      vpc_id = aws_vpc.main.id
      ingress {
        from_port       = 6379
        to_port         = 6379
        protocol        = "tcp"
        security_groups = [aws_security_group.app.id]
      }
      ingress {
        from_port = 6379
        to_port   = 6379
        protocol  = "tcp"
        self      = true
      }
      ingress {
        from_port = 16379
        to_port   = 16379
        protocol  = "tcp"
        self      = true
      }
    }
    ```
    In CloudFormation, add an `AWS::EC2::SecurityGroupIngress` whose `GroupId`
    and `SourceSecurityGroupId` are both `!Ref CacheSecurityGroup`.

    ## References
    - https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/elasticache-vpc-accessing.html
    - https://docs.aws.amazon.com/memorydb/latest/devguide/memorydb-vpc-accessing.html
    - https://docs.aws.amazon.com/vpc/latest/userguide/security-group-rules.html#security-group-referencing
    - https://docs.aws.amazon.com/vpc/latest/userguide/default-security-group.html
    """

    id = "VSL103"
    name = "cache-missing-self-reference"
    severity = "warning"
    summary = ("A multi-node Redis/Valkey or MemoryDB cluster whose security groups do not "
               "let its nodes reach each other.")

    def check(self, model: Model) -> Iterator[Finding]:
        for cache in model.caches.values():
            if not _in_scope(cache):
                continue
            groups = [ref.key for ref in cache.security_groups]
            if not groups or any(key is None for key in groups):
                continue  # the VPC's default group (self-referencing), or an unknown group
            attached = set(groups)  # type: ignore[arg-type]
            rules = [r for r in model.sg_rules if r.direction == "ingress"
                     and rule_may_belong_to(r, attached)]
            if any(r.dynamic for r in rules):
                continue  # a `dynamic` block may generate the self-reference
            missing = _missing_ports(cache, [r for r in rules if rule_may_come_from(r, attached)])
            if not missing:
                continue
            kind = _KINDS.get(cache.kind, cache.kind)
            nodes = (f"has {cache.node_count} nodes" if isinstance(cache.node_count, int)
                     else "may have several nodes (its node count is unknown)")
            unique = list(dict.fromkeys(g for g in groups if g))
            if len(unique) == 1:
                who = f"its security group {shown(unique[0])} never allows traffic from itself"
            else:
                who = (f"its security groups ({', '.join(map(shown, unique))}) never allow "
                       "traffic from any of them")
            how = "`self = true`" if model.framework == "terraform" \
                else "`SourceSecurityGroupId` naming the group"
            message = (f"This {kind} {nodes}, but {who} on {' or '.join(missing)}: the "
                       "nodes cannot reach each other. Allow ingress from the cache's own "
                       f"security group on {'that port' if len(missing) == 1 else 'those ports'} "
                       f"({how}).")
            related = [Related(model.security_groups[g].loc, f"security group {shown(g)}")
                       for g in dict.fromkeys(groups) if g in model.security_groups]
            yield self.finding(model, cache.security_groups_loc or cache.loc, cache.resource,
                               message, related)


def _in_scope(cache: Cache) -> bool:
    if cache.membership_unknown:
        return False
    if isinstance(cache.engine, str) and cache.engine.lower() not in ("redis", "valkey"):
        return False
    return not (isinstance(cache.node_count, int) and cache.node_count <= 1)


def _missing_ports(cache: Cache, self_rules: list[SgRule]) -> list[str]:
    """The required ports that no self-referencing rule is known to cover, described."""
    port = cache.port if isinstance(cache.port, int) and not isinstance(cache.port, bool) \
        else UNKNOWN
    required: list[tuple[Any, str]] = [(port, "the cache port")]
    if cache.cluster_mode is True:
        bus = port + CLUSTER_BUS_OFFSET if port is not UNKNOWN else UNKNOWN
        required.append((bus, "the cluster bus port"))
    missing = []
    for wanted, what in required:
        if any(_may_cover(rule, wanted) for rule in self_rules):
            continue
        missing.append(f"{what} (tcp/{wanted})" if wanted is not UNKNOWN else what)
    return missing


def _may_cover(rule: SgRule, port: Any) -> bool:
    """True unless the rule is known not to admit TCP to `port` (an unknown port: any TCP)."""
    if port is UNKNOWN:
        if rule.protocol is UNKNOWN or rule.protocol == "all":
            return True
        return rule.protocol == "tcp"
    return rule.covers_tcp_port(port) is not False
