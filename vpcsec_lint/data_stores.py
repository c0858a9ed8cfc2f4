"""The data-store resource types of each framework and how they name their settings.

Kept apart from the builders so that a rule needing only the type names (VSL108) does
not import a framework's builder on the other framework's start-up path.
"""

from __future__ import annotations

from typing import NamedTuple


class StoreSpec(NamedTuple):
    """How one data-store resource type names its settings (dotted paths into the body)."""

    kind: str
    engine: str | None = None
    default_engine: str | None = None
    port: str | None = None
    groups: str | None = None
    subnets: str | None = None
    subnet_group: str | None = None
    public: str | None = None
    connection: tuple[str, ...] = ()
    member: str | None = None
    """The attribute naming the cluster/group it belongs to (then it uses its groups)."""
    requires: str | None = None
    """Only a data store in a VPC when this attribute is set (OpenSearch `vpc_options`)."""


TERRAFORM = {
    "aws_db_instance": StoreSpec(
        "rds_instance", "engine", None, "port", "vpc_security_group_ids", None,
        "db_subnet_group_name", "publicly_accessible", ("address", "endpoint")),
    "aws_rds_cluster": StoreSpec(
        "rds_cluster", "engine", "aurora", "port", "vpc_security_group_ids", None,
        "db_subnet_group_name", "publicly_accessible", ("endpoint", "reader_endpoint")),
    "aws_rds_cluster_instance": StoreSpec(
        "rds_instance", "engine", None, None, None, None, "db_subnet_group_name",
        "publicly_accessible", ("endpoint",), member="cluster_identifier"),
    "aws_db_proxy": StoreSpec(
        "rds_proxy", "engine_family", None, None, "vpc_security_group_ids", "vpc_subnet_ids",
        connection=("endpoint",)),
    "aws_elasticache_replication_group": StoreSpec(
        "elasticache", "engine", "redis", "port", "security_group_ids", None,
        "subnet_group_name", connection=("primary_endpoint_address", "reader_endpoint_address",
                                         "configuration_endpoint_address")),
    "aws_elasticache_cluster": StoreSpec(
        "elasticache", "engine", None, "port", "security_group_ids", None, "subnet_group_name",
        connection=("cache_nodes", "cluster_address", "configuration_endpoint"),
        member="replication_group_id"),
    "aws_elasticache_serverless_cache": StoreSpec(
        "elasticache", "engine", None, None, "security_group_ids", "subnet_ids",
        connection=("endpoint", "reader_endpoint")),
    "aws_memorydb_cluster": StoreSpec(
        "memorydb", "engine", "redis", "port", "security_group_ids", None, "subnet_group_name",
        connection=("cluster_endpoint",)),
    "aws_opensearch_domain": StoreSpec(
        "opensearch", None, "opensearch", None, "vpc_options.security_group_ids",
        "vpc_options.subnet_ids", connection=("endpoint",), requires="vpc_options"),
    "aws_elasticsearch_domain": StoreSpec(
        "opensearch", None, "elasticsearch", None, "vpc_options.security_group_ids",
        "vpc_options.subnet_ids", connection=("endpoint",), requires="vpc_options"),
    "aws_docdb_cluster": StoreSpec(
        "docdb", None, "docdb", "port", "vpc_security_group_ids", None, "db_subnet_group_name",
        connection=("endpoint", "reader_endpoint")),
    "aws_neptune_cluster": StoreSpec(
        "neptune", None, "neptune", "port", "vpc_security_group_ids", None,
        "neptune_subnet_group_name", connection=("endpoint", "reader_endpoint")),
    "aws_redshift_cluster": StoreSpec(
        "redshift", None, "redshift", "port", "vpc_security_group_ids", None,
        "cluster_subnet_group_name", "publicly_accessible", ("endpoint", "dns_name")),
    "aws_mq_broker": StoreSpec(
        "mq", "engine_type", None, None, "security_groups", "subnet_ids", None,
        "publicly_accessible", ("instances",)),
    "aws_efs_mount_target": StoreSpec(
        "efs_mount_target", None, "efs", None, "security_groups", "subnet_id",
        connection=("dns_name", "ip_address", "mount_target_dns_name")),
}

CLOUDFORMATION = {
    "AWS::RDS::DBInstance": StoreSpec(
        "rds_instance", "Engine", None, "Port", "VPCSecurityGroups", None, "DBSubnetGroupName",
        "PubliclyAccessible", ("Endpoint.Address",), member="DBClusterIdentifier"),
    "AWS::RDS::DBCluster": StoreSpec(
        "rds_cluster", "Engine", None, "Port", "VpcSecurityGroupIds", None, "DBSubnetGroupName",
        "PubliclyAccessible", ("Endpoint.Address", "ReadEndpoint.Address")),
    "AWS::RDS::DBProxy": StoreSpec(
        "rds_proxy", "EngineFamily", None, None, "VpcSecurityGroupIds", "VpcSubnetIds",
        connection=("Endpoint",)),
    "AWS::ElastiCache::ReplicationGroup": StoreSpec(
        "elasticache", "Engine", "redis", "Port", "SecurityGroupIds", None,
        "CacheSubnetGroupName", connection=("PrimaryEndPoint.Address", "ReaderEndPoint.Address",
                                            "ConfigurationEndPoint.Address")),
    "AWS::ElastiCache::CacheCluster": StoreSpec(
        "elasticache", "Engine", None, "Port", "VpcSecurityGroupIds", None,
        "CacheSubnetGroupName",
        connection=("RedisEndpoint.Address", "ConfigurationEndpoint.Address")),
    "AWS::ElastiCache::ServerlessCache": StoreSpec(
        "elasticache", "Engine", None, None, "SecurityGroupIds", "SubnetIds",
        connection=("Endpoint.Address", "ReaderEndpoint.Address")),
    "AWS::MemoryDB::Cluster": StoreSpec(
        "memorydb", "Engine", "redis", "Port", "SecurityGroupIds", None, "SubnetGroupName",
        connection=("ClusterEndpoint.Address",)),
    "AWS::OpenSearchService::Domain": StoreSpec(
        "opensearch", None, "opensearch", None, "VPCOptions.SecurityGroupIds",
        "VPCOptions.SubnetIds", connection=("DomainEndpoint",), requires="VPCOptions"),
    "AWS::Elasticsearch::Domain": StoreSpec(
        "opensearch", None, "elasticsearch", None, "VPCOptions.SecurityGroupIds",
        "VPCOptions.SubnetIds", connection=("DomainEndpoint",), requires="VPCOptions"),
    "AWS::DocDB::DBCluster": StoreSpec(
        "docdb", None, "docdb", "Port", "VpcSecurityGroupIds", None, "DBSubnetGroupName",
        connection=("Endpoint", "ReadEndpoint")),
    "AWS::Neptune::DBCluster": StoreSpec(
        "neptune", None, "neptune", "Port", "VpcSecurityGroupIds", None, "DBSubnetGroupName",
        connection=("Endpoint", "ReadEndpoint")),
    "AWS::Redshift::Cluster": StoreSpec(
        "redshift", None, "redshift", "Port", "VpcSecurityGroupIds", None,
        "ClusterSubnetGroupName", "PubliclyAccessible", ("Endpoint.Address",)),
    "AWS::AmazonMQ::Broker": StoreSpec(
        "mq", "EngineType", None, None, "SecurityGroups", "SubnetIds", None,
        "PubliclyAccessible", ("AmqpEndpoints", "OpenWireEndpoints", "StompEndpoints",
                               "MqttEndpoints", "WssEndpoints")),
    "AWS::EFS::MountTarget": StoreSpec(
        "efs_mount_target", None, "efs", None, "SecurityGroups", "SubnetId",
        connection=("IpAddress",)),
}
