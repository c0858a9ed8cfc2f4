"""VSL103 cache-missing-self-reference: exact findings on both frameworks' fixtures."""

import os

from helpers import FIXTURES, lint, rule_findings


def test_terraform_fires_on_every_cache_form():
    assert rule_findings("VSL103", "terraform", "fire") == {
        ("VSL103", "aws_elasticache_replication_group.sessions", "fire/cache.tf", 6),
        ("VSL103", "aws_elasticache_replication_group.cluster", "fire/cache.tf", 16),
        ("VSL103", "aws_memorydb_cluster.ledger", "fire/cache.tf", 23),
        ("VSL103", "aws_elasticache_replication_group.queue", "fire/cache.tf", 32),
        ("VSL103", "aws_elasticache_replication_group.pair", "fire/cache.tf", 40),
        ("VSL103", "aws_elasticache_replication_group.shards", "fire/cache.tf", 51),
        ("VSL103", "aws_elasticache_replication_group.legacy", "fire/cache.tf", 63),
        ("VSL103", "aws_memorydb_cluster.unknown_shards", "fire/cache.tf", 77),
        ("VSL103", "module.cache.aws_elasticache_replication_group.this",
         "fire/modules/cache/main.tf", 25),
        ("VSL103", "aws_elasticache_replication_group.orders", "fire/cache.tf", 99),
    }


def test_terraform_quiet():
    assert rule_findings("VSL103", "terraform", "quiet") == set()


def test_cloudformation_fires_on_every_cache_form():
    assert rule_findings("VSL103", "cloudformation", "fire") == {
        ("VSL103", "SessionsFire", "fire.yaml", 38),
        ("VSL103", "ClusterFire", "fire.yaml", 61),
        ("VSL103", "LedgerFire", "fire.yaml", 80),
        ("VSL103", "ShardsFire", "fire.yaml", 93),
        ("VSL103", "QueueFire", "fire.yaml", 121),
        ("VSL103", "UnknownCountFire", "fire.yaml", 130),
        ("VSL103", "SingleShardReplicasFire", "fire.yaml", 144),
    }


def test_cloudformation_quiet():
    assert rule_findings("VSL103", "cloudformation", "quiet") == set()


def test_a_self_rule_counts_only_for_the_ports_it_covers():
    """The cluster's self rule covers 6379, so only the cluster bus is reported."""
    for framework, target, resource in (
            ("terraform", "fire", "aws_elasticache_replication_group.cluster"),
            ("cloudformation", "fire.yaml", "ClusterFire")):
        report = lint(FIXTURES / framework / "VSL103" / target, select={"VSL103"})
        (finding,) = [f for f in report.findings if f.resource == resource]
        assert "cluster bus port (tcp/16379)" in finding.message
        assert "tcp/6379" not in finding.message
        related = {r.message for r in finding.related}
        assert any("ClusterSecurityGroup" in m or "aws_security_group.cluster" in m
                   for m in related)


def test_a_group_from_a_local_module_is_a_related_location():
    base = FIXTURES / "terraform" / "VSL103"
    report = lint(base / "fire", select={"VSL103"})
    (finding,) = [f for f in report.findings
                  if f.resource == "aws_elasticache_replication_group.orders"]
    assert {(os.path.relpath(r.loc.path, base).replace(os.sep, "/"), r.loc.line)
            for r in finding.related} == {("fire/modules/sg/main.tf", 3)}
