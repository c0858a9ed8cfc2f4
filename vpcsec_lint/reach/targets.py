"""Targets that listen in a VPC (data stores, caches), with their ports.

The port is the resource's own port attribute when set, else its engine's default:
- RDS engines: https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/CHAP_CommonTasks.Connect.html
- Aurora: https://docs.aws.amazon.com/AmazonRDS/latest/AuroraUserGuide/Aurora.Connecting.html
- ElastiCache (6379 Redis/Valkey, 11211 Memcached):
  https://docs.aws.amazon.com/AmazonElastiCache/latest/dg/accessing-elasticache.html
- DocumentDB 27017: https://docs.aws.amazon.com/documentdb/latest/developerguide/connect_programmatically.html
- Neptune 8182: https://docs.aws.amazon.com/neptune/latest/userguide/access-graph-gremlin.html
- Redshift 5439: https://docs.aws.amazon.com/redshift/latest/mgmt/configure-jdbc-connection.html
- EFS 2049 (NFS): https://docs.aws.amazon.com/efs/latest/ug/network-access.html
- Amazon MQ (5671 AMQPS, 61617 OpenWire SSL):
  https://docs.aws.amazon.com/amazon-mq/latest/developer-guide/amazon-mq-working-java-example.html
"""

from __future__ import annotations

from typing import Any

from vpcsec_lint.model import Model
from vpcsec_lint.reach.network import Place

ENGINE_PORTS = (
    ("aurora-postgresql", 5432), ("postgres", 5432), ("aurora-mysql", 3306), ("aurora", 3306),
    ("mysql", 3306), ("mariadb", 3306), ("oracle", 1521), ("sqlserver", 1433), ("db2", 50000),
    ("redis", 6379), ("valkey", 6379), ("memcached", 11211), ("docdb", 27017),
    ("neptune", 8182), ("redshift", 5439), ("opensearch", 443), ("elasticsearch", 443),
    ("efs", 2049), ("rabbitmq", 5671), ("activemq", 61617),
)


def engine_port(engine: Any) -> int | None:
    """The default port of an engine, matched by prefix; None when unknown."""
    if not isinstance(engine, str):
        return None
    name = engine.strip().lower()
    for prefix, port in ENGINE_PORTS:
        if name.startswith(prefix):
            return port
    return None


def target_places(model: Model) -> dict[str, Place]:
    """Caches (their subnets come from a subnet group the model does not follow yet: the
    placement is unknown, so every answer about them is unknown, never blocked)."""
    out: dict[str, Place] = {}
    for cache in model.caches.values():
        groups = [model.security_groups[r.key] for r in cache.security_groups
                  if r.key and r.key in model.security_groups]
        out[cache.resource] = Place(
            cache.resource, "cache", cache.loc, cache.framework, subnets=None, groups=groups,
            groups_complete=len(groups) == len(cache.security_groups) and bool(groups),
            groups_loc=cache.security_groups_loc, has_dns_name=True,
            port=cache.port if isinstance(cache.port, int) else engine_port(cache.engine))
    return out


CONNECTION_ATTRS = frozenset({
    "address", "endpoint", "reader_endpoint", "primary_endpoint_address",
    "reader_endpoint_address", "configuration_endpoint_address", "cluster_endpoint",
    "dns_name", "port", "Endpoint.Address", "Endpoint.Port", "ReadEndpoint.Address",
    "RedisEndpoint.Address", "RedisEndpoint.Port", "PrimaryEndPoint.Address",
    "PrimaryEndPoint.Port", "ReaderEndPoint.Address", "ConfigurationEndPoint.Address",
    "ClusterEndpoint.Address", "DomainEndpoint", "DNSName"})


def store_for_ref(model: Model, val: Any, targets: dict[str, Place]) -> Place | None:
    """The target whose endpoint a referencing value names (`aws_db_instance.x.address`)."""
    if val.ref is None:
        return None
    address, attr = val.ref
    place = targets.get(address)
    if place is None or place.kind in ("lambda", "instance", "endpoint"):
        return None
    return place if attr in CONNECTION_ATTRS else None


def workload_intents(model: Model, found: dict[str, Place]) -> list:  # type: ignore[type-arg]
    """Intents of workloads other than Lambda functions (ECS services)."""
    return []
