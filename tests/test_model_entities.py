"""Data stores, ECS, IAM roles, Cloud Map and regions in the common model, both frameworks."""

from __future__ import annotations

from pathlib import Path

from vpcsec_lint.cloudformation.loader import load_template
from vpcsec_lint.engine import build_model
from vpcsec_lint.iam import role_allows
from vpcsec_lint.model import engine_port
from vpcsec_lint.terraform.loader import load_module
from vpcsec_lint.values import UNKNOWN, Val


def tf(tmp_path: Path, files: dict[str, str]):
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    return build_model(load_module(str(tmp_path)))


def cfn(tmp_path: Path, text: str):
    path = tmp_path / "t.yaml"
    path.write_text('AWSTemplateFormatVersion: "2010-09-09"\n' + text)
    unit = load_template(str(path))
    assert unit is not None and not unit.problems
    return build_model(unit)


def test_engine_ports_by_prefix():
    assert [engine_port(e) for e in ("postgres", "aurora-postgresql", "aurora", "mariadb",
                                     "oracle-ee", "sqlserver-se", "db2-ae", "valkey",
                                     "memcached", "RabbitMQ", "ActiveMQ", "POSTGRESQL", "x")] \
        == [5432, 5432, 3306, 3306, 1521, 1433, 50000, 6379, 11211, 5671, 61617, 5432, UNKNOWN]


TF_STORES = """
resource "aws_vpc" "v" { cidr_block = "10.0.0.0/16" }
resource "aws_subnet" "a" {
  vpc_id = aws_vpc.v.id
  cidr_block = "10.0.1.0/24"
}
resource "aws_subnet" "b" {
  vpc_id = aws_vpc.v.id
  cidr_block = "10.0.2.0/24"
}
resource "aws_security_group" "db" { vpc_id = aws_vpc.v.id }
resource "aws_db_subnet_group" "db" {
  name       = "db"
  subnet_ids = [aws_subnet.a.id, aws_subnet.b.id]
}
resource "aws_db_instance" "orders" {
  engine                 = "postgres"
  vpc_security_group_ids = [aws_security_group.db.id]
  db_subnet_group_name   = aws_db_subnet_group.db.name
}
resource "aws_rds_cluster" "aurora" {
  engine                 = "aurora-mysql"
  port                   = 3307
  vpc_security_group_ids = [aws_security_group.db.id]
}
resource "aws_rds_cluster_instance" "aurora_1" {
  cluster_identifier = aws_rds_cluster.aurora.id
  engine             = "aurora-mysql"
  publicly_accessible = true
}
resource "aws_redshift_cluster" "dw" { cluster_identifier = "dw" }
resource "aws_opensearch_domain" "public" { domain_name = "p" }
resource "aws_opensearch_domain" "private" {
  domain_name = "q"
  vpc_options {
    subnet_ids         = [aws_subnet.a.id]
    security_group_ids = [aws_security_group.db.id]
  }
}
resource "aws_mq_broker" "mq" {
  engine_type     = "RabbitMQ"
  security_groups = [aws_security_group.db.id]
}
resource "aws_efs_file_system" "fs" {}
resource "aws_efs_mount_target" "a" {
  file_system_id  = aws_efs_file_system.fs.id
  subnet_id       = aws_subnet.a.id
  security_groups = [aws_security_group.db.id]
}
resource "aws_lambda_function" "f" {
  environment { variables = { DB = aws_db_instance.orders.address } }
}
"""


def test_terraform_data_stores(tmp_path):
    model = tf(tmp_path, {"main.tf": TF_STORES})
    stores = model.data_stores
    assert set(stores) == {"aws_db_instance.orders", "aws_rds_cluster.aurora",
                           "aws_rds_cluster_instance.aurora_1", "aws_redshift_cluster.dw",
                           "aws_opensearch_domain.private", "aws_mq_broker.mq",
                           "aws_efs_mount_target.a"}
    orders = stores["aws_db_instance.orders"]
    assert (orders.kind, orders.engine.value, orders.port.value, orders.port.explicit) == (
        "rds_instance", "postgres", 5432, False)
    assert [r.key for r in orders.security_groups] == ["aws_security_group.db"]
    assert orders.subnet_group.key == "aws_db_subnet_group.db"
    assert [r.key for r in orders.subnets] == ["aws_subnet.a", "aws_subnet.b"]
    assert orders.subnets_known and orders.publicly_accessible.value is False
    member = stores["aws_rds_cluster_instance.aurora_1"]
    assert member.member_of.key == "aws_rds_cluster.aurora"
    assert member.port.value == 3307 and member.publicly_accessible.value is True
    assert [r.key for r in member.security_groups] == ["aws_security_group.db"]
    assert stores["aws_redshift_cluster.dw"].publicly_accessible.value is True  # provider v5
    assert stores["aws_redshift_cluster.dw"].port.value == 5439
    assert stores["aws_redshift_cluster.dw"].security_groups_val is None
    assert stores["aws_opensearch_domain.private"].port.value == 443
    assert stores["aws_mq_broker.mq"].port.value == 5671
    target = stores["aws_efs_mount_target.a"]
    assert (target.port.value, [r.key for r in target.subnets]) == (2049, ["aws_subnet.a"])
    assert ("aws_efs_file_system.fs", "dns_name") in target.connection_attrs
    env = model.resources["aws_lambda_function.f"].body.get("environment").items()[0]
    db_val = env.get("variables").get("DB")
    assert model.data_store_named(db_val) is orders


def test_cloudformation_data_stores(tmp_path):
    model = cfn(tmp_path, """
Resources:
  Sg: {Type: AWS::EC2::SecurityGroup, Properties: {GroupDescription: d}}
  SubnetA: {Type: AWS::EC2::Subnet, Properties: {CidrBlock: 10.0.1.0/24}}
  Group:
    Type: AWS::RDS::DBSubnetGroup
    Properties: {DBSubnetGroupDescription: d, SubnetIds: [!Ref SubnetA]}
  Db:
    Type: AWS::RDS::DBInstance
    Properties:
      Engine: mysql
      DBSubnetGroupName: !Ref Group
      VPCSecurityGroups: [!GetAtt Sg.GroupId]
  Cluster:
    Type: AWS::DocDB::DBCluster
    Properties: {VpcSecurityGroupIds: [!Ref Sg], Port: 27018}
  Cache:
    Type: AWS::ElastiCache::CacheCluster
    Properties: {Engine: memcached, CacheNodeType: t, NumCacheNodes: 1}
  Fn:
    Type: AWS::Lambda::Function
    Properties:
      Environment: {Variables: {DB: !GetAtt Db.Endpoint.Address}}
""")
    db = model.data_stores["Db"]
    assert (db.engine.value, db.port.value, [r.key for r in db.security_groups]) == (
        "mysql", 3306, ["Sg"])
    assert [r.key for r in db.subnets] == ["SubnetA"]
    assert db.publicly_accessible.value is UNKNOWN
    assert model.data_stores["Cluster"].port.value == 27018
    assert model.data_stores["Cache"].port.value == 11211
    env = model.resources["Fn"].body.get("Environment").get("Variables").get("DB")
    assert model.data_store_named(env) is db


TF_ECS = """
resource "aws_iam_role" "exec" {
  assume_role_policy = "{}"
  managed_policy_arns = ["arn:aws:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"]
}
resource "aws_iam_role" "task" { assume_role_policy = "{}" }
resource "aws_iam_policy" "read" {
  policy = jsonencode({
    Statement = [{ Effect = "Allow", Action = ["ssm:GetParameters"],
                   Resource = ["arn:aws:ssm:eu-west-1:111122223333:parameter/app/*"] }]
  })
}
resource "aws_iam_role_policy_attachment" "read" {
  role       = aws_iam_role.task.name
  policy_arn = aws_iam_policy.read.arn
}
resource "aws_iam_role_policy" "secret" {
  role   = aws_iam_role.task.id
  policy = data.aws_iam_policy_document.secret.json
}
data "aws_iam_policy_document" "secret" {
  statement {
    actions   = ["secretsmanager:GetSecretValue"]
    resources = [aws_secretsmanager_secret.db.arn]
  }
}
resource "aws_secretsmanager_secret" "db" { name = "db" }
resource "aws_service_discovery_service" "api" {
  name = "api"
  dns_config {
    namespace_id = "ns-1"
    dns_records {
      type = "A"
      ttl  = 10
    }
  }
}
resource "aws_ecs_task_definition" "api" {
  family             = "api"
  execution_role_arn = aws_iam_role.exec.arn
  task_role_arn      = aws_iam_role.task.arn
  container_definitions = jsonencode([{
    name  = "api"
    image = "nginx"
    secrets = [{ name = "DB", valueFrom = aws_secretsmanager_secret.db.arn }]
    logConfiguration = { logDriver = "awslogs" }
  }])
}
resource "aws_ecs_task_definition" "text" {
  family = "text"
  network_mode = "awsvpc"
  container_definitions = <<EOT
[{"name": "w", "image": "busybox",
  "secrets": [{"name": "P", "valueFrom": "/app/p"}]}]
EOT
}
resource "aws_ecs_service" "api" {
  task_definition = aws_ecs_task_definition.api.arn
  launch_type     = "FARGATE"
  network_configuration {
    subnets = ["subnet-1"]
  }
  service_registries {
    registry_arn = aws_service_discovery_service.api.arn
  }
}
"""


def test_terraform_ecs_iam_cloud_map(tmp_path):
    model = tf(tmp_path, {"main.tf": TF_ECS})
    api = model.task_definitions["aws_ecs_task_definition.api"]
    assert (api.network_mode.value, api.network_mode.explicit) == ("bridge", False)
    assert api.containers_known and api.execution_role.key == "aws_iam_role.exec"
    assert api.task_role.key == "aws_iam_role.task"
    (container,) = api.containers
    assert (container.name.value, container.image.value, container.log_driver.value) == (
        "api", "nginx", "awslogs")
    secret = container.secrets[0].value_from
    assert secret.ref == ("aws_secretsmanager_secret.db", "arn")
    text = model.task_definitions["aws_ecs_task_definition.text"]
    assert text.containers[0].secrets[0].value_from.value == "/app/p"
    service = model.ecs_services["aws_ecs_service.api"]
    assert service.task_definition.key == "aws_ecs_task_definition.api"
    assert service.awsvpc and service.assign_public_ip.value is False
    assert service.launch_type.value == "FARGATE"
    assert service.service_registries[0].registry.key == "aws_service_discovery_service.api"
    discovery = model.cloud_map_services["aws_service_discovery_service.api"]
    assert [v.value for v in discovery.record_types] == ["A"] and discovery.records_known
    exec_role, task_role = model.roles["aws_iam_role.exec"], model.roles["aws_iam_role.task"]
    assert [p.source for p in exec_role.policies] == ["aws_managed"] and exec_role.policies_known
    assert role_allows(exec_role, "secretsmanager:GetSecretValue", secret) is False
    assert role_allows(exec_role, "ecr:BatchGetImage", Val("arn:aws:ecr:x")) is True
    assert sorted(p.source for p in task_role.policies) == ["customer_managed", "role_policy"]
    assert role_allows(task_role, "secretsmanager:GetSecretValue", secret) is True
    param = Val("arn:aws:ssm:eu-west-1:111122223333:parameter/app/db")
    assert role_allows(task_role, "ssm:GetParameters", param) is True
    assert role_allows(task_role, "ssm:GetParameters", Val("arn:aws:ssm:x:1:parameter/o")) \
        is False


def test_cloudformation_ecs_iam_cloud_map(tmp_path):
    model = cfn(tmp_path, """
Resources:
  Exec:
    Type: AWS::IAM::Role
    Properties:
      AssumeRolePolicyDocument: {}
      ManagedPolicyArns:
        - !Sub "arn:${AWS::Partition}:iam::aws:policy/service-role/AmazonECSTaskExecutionRolePolicy"
        - !Ref Custom
      Policies:
        - PolicyName: secrets
          PolicyDocument:
            Statement:
              - {Effect: Allow, Action: "ssm:GetParameters", Resource: "*"}
  Custom:
    Type: AWS::IAM::ManagedPolicy
    Properties:
      PolicyDocument: {Statement: [{Effect: Deny, Action: "ssm:*", Resource: "*"}]}
  Discovery:
    Type: AWS::ServiceDiscovery::Service
    Properties:
      DnsConfig: {DnsRecords: [{Type: SRV, TTL: 10}], RoutingPolicy: WEIGHTED}
  Task:
    Type: AWS::ECS::TaskDefinition
    Properties:
      NetworkMode: host
      ExecutionRoleArn: !GetAtt Exec.Arn
      ContainerDefinitions:
        - Name: web
          Image: nginx
          Secrets: [{Name: P, ValueFrom: /app/p}]
  Service:
    Type: AWS::ECS::Service
    Properties:
      TaskDefinition: !Ref Task
      ServiceRegistries:
        - {RegistryArn: !GetAtt Discovery.Arn, ContainerName: web, ContainerPort: 80}
      NetworkConfiguration:
        AwsvpcConfiguration: {Subnets: [a], AssignPublicIp: ENABLED}
""")
    task = model.task_definitions["Task"]
    assert task.network_mode.value == "host" and task.execution_role.key == "Exec"
    assert task.containers[0].secrets[0].value_from.value == "/app/p"
    service = model.ecs_services["Service"]
    assert service.task_definition.key == "Task" and service.assign_public_ip.value is True
    registry = service.service_registries[0]
    assert registry.registry.key == "Discovery" and registry.container_port.value == 80
    discovery = model.cloud_map_services["Discovery"]
    assert [v.value for v in discovery.record_types] == ["SRV"]
    assert discovery.routing_policy.value == "WEIGHTED"
    role = model.roles["Exec"]
    # `!Sub` with the partition still names the AWS-managed policy.
    assert [p.source for p in role.policies] == ["inline", "aws_managed", "customer_managed"]
    assert role.policies_known
    assert role_allows(role, "ssm:GetParameters", Val("arn:aws:ssm:r:1:parameter/x")) is False


def test_terraform_regions_from_providers_aliases_variables_and_modules(tmp_path):
    model = tf(tmp_path, {
        "main.tf": """
variable "region" { default = "eu-west-1" }
provider "aws" { region = "us-east-1" }
provider "aws" {
  alias  = "west"
  region = var.region
}
resource "aws_vpc" "east" { cidr_block = "10.0.0.0/16" }
resource "aws_vpc" "west" {
  provider   = aws.west
  cidr_block = "10.1.0.0/16"
}
resource "aws_vpc" "own" {
  region     = "ap-south-1"
  cidr_block = "10.2.0.0/16"
}
module "inherits" { source = "./child" }
module "passed" {
  source    = "./child"
  providers = { aws = aws.west }
}
""",
        "child/main.tf": 'resource "aws_vpc" "c" { cidr_block = "10.3.0.0/16" }\n'})
    region = model.region_of
    assert (region("aws_vpc.east").value, region("aws_vpc.east").fixed) == ("us-east-1", True)
    assert (region("aws_vpc.west").value, region("aws_vpc.west").fixed) == ("eu-west-1", False)
    assert region("aws_vpc.west").provider == "provider.aws.west"
    assert region("aws_vpc.own").value == "ap-south-1"
    assert region("module.inherits.aws_vpc.c").value == "us-east-1"
    assert region("module.passed.aws_vpc.c").value == "eu-west-1"


def test_terraform_region_unknown_without_provider_region(tmp_path):
    model = tf(tmp_path, {"main.tf": 'provider "aws" {}\n'
                                     'resource "aws_vpc" "v" { cidr_block = "10.0.0.0/16" }\n'})
    assert model.region_of("aws_vpc.v").value is UNKNOWN
    assert "aws_vpc.v" not in model.regions


def test_cloudformation_region_fixed_only_by_an_unconditional_rule(tmp_path):
    body = """
Rules:
  OnlyIreland:
    Assertions:
      - Assert: !Equals [!Ref "AWS::Region", eu-west-1]
Resources:
  Vpc: {Type: AWS::EC2::VPC, Properties: {CidrBlock: 10.0.0.0/16}}
"""
    model = cfn(tmp_path, body)
    assert (model.region_of("Vpc").value, model.region_of("Vpc").fixed) == ("eu-west-1", True)
    conditioned = body.replace("    Assertions:", "    RuleCondition: !Equals [a, a]\n"
                                                  "    Assertions:")
    assert cfn(tmp_path, conditioned).region_of("Vpc").value is UNKNOWN


def test_prefix_list_size_and_family(tmp_path):
    model = tf(tmp_path, {"main.tf": 'resource "aws_ec2_managed_prefix_list" "p" {\n'
                                     '  name = "p"\n  address_family = "IPv4"\n'
                                     '  max_entries = 20\n}\n'})
    plist = model.prefix_lists["aws_ec2_managed_prefix_list.p"]
    assert (plist.max_entries, plist.address_family) == (20, "IPv4")


def test_iam_wildcards_match_in_bounded_time():
    from vpcsec_lint.iam import glob_match

    assert glob_match("ssm:GetParameters", "ssm:Get*")
    assert glob_match("arn:aws:ssm:r:1:parameter/app/x", "arn:aws:ssm:*:*:parameter/app/*")
    assert glob_match("abc", "a?c") and not glob_match("abc", "a?d")
    assert not glob_match("arn:aws:ssm:r:1:parameter/other", "arn:aws:ssm:*:*:parameter/app/*")
    # A pattern that makes a backtracking regular expression take exponential time.
    assert not glob_match("a" * 2000, "*a" * 60 + "b")


def test_subnet_group_by_literal_name(tmp_path):
    model = tf(tmp_path, {"main.tf": """
resource "aws_subnet" "a" { cidr_block = "10.0.1.0/24" }
resource "aws_db_subnet_group" "db" {
  name       = "Orders-DB"
  subnet_ids = [aws_subnet.a.id]
}
resource "aws_db_instance" "orders" {
  engine               = "postgres"
  db_subnet_group_name = "orders-db"
}
"""})
    store = model.data_stores["aws_db_instance.orders"]
    assert store.subnet_group.key == "aws_db_subnet_group.db"
    assert [r.key for r in store.subnets] == ["aws_subnet.a"]


TF_COMPUTE = """
resource "aws_vpc" "v" { cidr_block = "10.0.0.0/16" }
resource "aws_subnet" "a" {
  vpc_id     = aws_vpc.v.id
  cidr_block = "10.0.1.0/24"
}
resource "aws_subnet" "b" {
  vpc_id     = aws_vpc.v.id
  cidr_block = "10.0.2.0/24"
}
resource "aws_security_group" "lb" { vpc_id = aws_vpc.v.id }
resource "aws_security_group" "app" { vpc_id = aws_vpc.v.id }
resource "aws_security_group" "eni" { vpc_id = aws_vpc.v.id }
resource "aws_lb" "api" {
  internal           = true
  subnets            = [aws_subnet.a.id, aws_subnet.b.id]
  security_groups    = [aws_security_group.lb.id]
}
resource "aws_lb" "nlb" {
  load_balancer_type = "network"
  subnet_mapping { subnet_id = aws_subnet.a.id }
  subnet_mapping { subnet_id = aws_subnet.b.id }
}
resource "aws_lb_listener" "https" {
  load_balancer_arn = aws_lb.api.arn
  port              = 443
  protocol          = "HTTPS"
}
resource "aws_lb_listener" "tcp" {
  load_balancer_arn = aws_lb.nlb.arn
  port              = var.port
  protocol          = "TCP"
}
resource "aws_elb" "classic" {
  internal = true
  subnets  = [aws_subnet.a.id]
  listener {
    lb_port           = 80
    lb_protocol       = "http"
    instance_port     = 8080
    instance_protocol = "http"
  }
}
resource "aws_iam_role" "app" { assume_role_policy = "{}" }
resource "aws_iam_instance_profile" "app" {
  name = "app-profile"
  role = aws_iam_role.app.name
}
resource "aws_launch_template" "app" {
  name                   = "app"
  vpc_security_group_ids = [aws_security_group.app.id]
  iam_instance_profile { name = aws_iam_instance_profile.app.name }
}
resource "aws_launch_template" "eni" {
  name = "eni"
  network_interfaces {
    device_index                = 0
    security_groups             = [aws_security_group.eni.id]
    associate_public_ip_address = "false"
  }
}
resource "aws_launch_configuration" "old" {
  image_id             = "ami-12345678"
  instance_type        = "t3.micro"
  security_groups      = [aws_security_group.app.id]
  iam_instance_profile = "app-profile"
}
resource "aws_autoscaling_group" "web" {
  vpc_zone_identifier = [aws_subnet.a.id, aws_subnet.b.id]
  max_size            = 2
  min_size            = 1
  launch_template {
    id      = aws_launch_template.app.id
    version = "$Latest"
  }
}
resource "aws_autoscaling_group" "mixed" {
  vpc_zone_identifier = [aws_subnet.a.id]
  max_size            = 2
  min_size            = 1
  mixed_instances_policy {
    launch_template {
      launch_template_specification {
        launch_template_name = "eni"
        version              = "3"
      }
    }
  }
}
resource "aws_instance" "one" {
  subnet_id            = aws_subnet.a.id
  iam_instance_profile = aws_iam_instance_profile.app.name
}
resource "aws_instance" "other" { iam_instance_profile = "made-elsewhere" }
resource "aws_autoscaling_group" "legacy" {
  max_size             = 2
  min_size             = 1
  availability_zones   = ["eu-west-1a"]
  launch_configuration = aws_launch_configuration.old.name
}
"""


def test_terraform_load_balancers_templates_and_groups(tmp_path):
    model = tf(tmp_path, {"main.tf": TF_COMPUTE})
    api, nlb, classic = (model.load_balancers[k] for k in ("aws_lb.api", "aws_lb.nlb",
                                                           "aws_elb.classic"))
    assert (api.lb_type.value, api.internal.value, nlb.lb_type.value, nlb.internal.value,
            classic.lb_type.value, classic.internal.value) == (
        "application", True, "network", False, "classic", True)
    assert [r.key for r in api.subnets] == ["aws_subnet.a", "aws_subnet.b"] and api.subnets_known
    assert [r.key for r in nlb.subnets] == ["aws_subnet.a", "aws_subnet.b"] and nlb.subnets_known
    assert [r.key for r in api.security_groups] == ["aws_security_group.lb"]
    assert nlb.security_groups_val is None and not nlb.security_groups
    assert [(x.resource, x.port.value, x.protocol.value) for x in api.listeners] == [
        ("aws_lb_listener.https", 443, "HTTPS")]
    assert [(x.port.value, x.protocol.value) for x in nlb.listeners] == [(UNKNOWN, "TCP")]
    assert [(x.resource, x.port.value, x.protocol.value) for x in classic.listeners] == [
        ("aws_elb.classic", 80, "HTTP")]
    assert api.connection_attrs == {("aws_lb.api", "dns_name")}

    app, eni = model.launch_templates["aws_launch_template.app"], \
        model.launch_templates["aws_launch_template.eni"]
    assert [r.key for r in app.security_groups] == ["aws_security_group.app"]
    assert app.interface is None and not app.interfaces_unknown
    assert app.instance_profile.key == "aws_iam_instance_profile.app"
    assert [r.key for r in eni.interface.security_groups] == ["aws_security_group.eni"]
    assert eni.interface.public_ip is False and eni.instance_profile is None
    assert model.instance_profiles["aws_iam_instance_profile.app"].role.key == "aws_iam_role.app"
    config = model.launch_configurations["aws_launch_configuration.old"]
    assert [r.key for r in config.security_groups] == ["aws_security_group.app"]
    assert config.instance_profile.key == "aws_iam_instance_profile.app"  # by its literal name
    assert config.public_ip is UNKNOWN

    web, mixed, legacy = (model.autoscaling_groups[f"aws_autoscaling_group.{n}"]
                          for n in ("web", "mixed", "legacy"))
    assert [r.key for r in web.subnets] == ["aws_subnet.a", "aws_subnet.b"]
    assert (web.launch_template.key, web.version_current) == ("aws_launch_template.app", True)
    assert (mixed.launch_template.key, mixed.version_current, mixed.overrides) == (
        "aws_launch_template.eni", False, False)
    assert legacy.subnets_val is None and legacy.launch_template is None
    assert legacy.launch_configuration.key == "aws_launch_configuration.old"
    assert model.instances["aws_instance.one"].instance_profile.key == \
        "aws_iam_instance_profile.app"
    assert model.instances["aws_instance.other"].instance_profile.key is None


CFN_COMPUTE = """
Resources:
  Vpc: {Type: AWS::EC2::VPC, Properties: {CidrBlock: 10.0.0.0/16}}
  SubnetA: {Type: AWS::EC2::Subnet, Properties: {VpcId: !Ref Vpc, CidrBlock: 10.0.1.0/24}}
  SubnetB: {Type: AWS::EC2::Subnet, Properties: {VpcId: !Ref Vpc, CidrBlock: 10.0.2.0/24}}
  LbSg: {Type: AWS::EC2::SecurityGroup, Properties: {GroupDescription: lb, VpcId: !Ref Vpc}}
  AppSg: {Type: AWS::EC2::SecurityGroup, Properties: {GroupDescription: app, VpcId: !Ref Vpc}}
  Alb:
    Type: AWS::ElasticLoadBalancingV2::LoadBalancer
    Properties:
      Scheme: internal
      Subnets: [!Ref SubnetA, !Ref SubnetB]
      SecurityGroups: [!Ref LbSg]
  Nlb:
    Type: AWS::ElasticLoadBalancingV2::LoadBalancer
    Properties:
      Type: network
      SubnetMappings: [{SubnetId: !Ref SubnetA}]
  AlbListener:
    Type: AWS::ElasticLoadBalancingV2::Listener
    Properties:
      LoadBalancerArn: !Ref Alb
      Port: 8443
      Protocol: HTTPS
      DefaultActions: [{Type: fixed-response}]
  Classic:
    Type: AWS::ElasticLoadBalancing::LoadBalancer
    Properties:
      Scheme: internal
      Subnets: [!Ref SubnetA]
      Listeners: [{LoadBalancerPort: "80", InstancePort: "8080", Protocol: HTTP}]
  Role: {Type: AWS::IAM::Role, Properties: {AssumeRolePolicyDocument: {}}}
  Profile: {Type: AWS::IAM::InstanceProfile, Properties: {Roles: [!Ref Role]}}
  Template:
    Type: AWS::EC2::LaunchTemplate
    Properties:
      LaunchTemplateData:
        IamInstanceProfile: {Arn: !GetAtt Profile.Arn}
        NetworkInterfaces:
          - {DeviceIndex: 0, Groups: [!Ref AppSg], AssociatePublicIpAddress: true}
  Config:
    Type: AWS::AutoScaling::LaunchConfiguration
    Properties:
      ImageId: ami-12345678
      InstanceType: t3.micro
      SecurityGroups: [!Ref AppSg]
      AssociatePublicIpAddress: false
      IamInstanceProfile: !Ref Profile
  One:
    Type: AWS::EC2::Instance
    Properties: {SubnetId: !Ref SubnetA, IamInstanceProfile: !Ref Profile}
  Web:
    Type: AWS::AutoScaling::AutoScalingGroup
    Properties:
      MaxSize: "2"
      MinSize: "1"
      VPCZoneIdentifier: [!Ref SubnetA, !Ref SubnetB]
      LaunchTemplate:
        LaunchTemplateId: !Ref Template
        Version: !GetAtt Template.LatestVersionNumber
  Mixed:
    Type: AWS::AutoScaling::AutoScalingGroup
    Properties:
      MaxSize: "2"
      MinSize: "1"
      VPCZoneIdentifier: [!Ref SubnetA]
      MixedInstancesPolicy:
        LaunchTemplate:
          LaunchTemplateSpecification:
            LaunchTemplateId: !GetAtt Template.LaunchTemplateId
            Version: "$Default"
          Overrides:
            - InstanceType: t3.large
              LaunchTemplateSpecification: {LaunchTemplateId: lt-0123456789abcdef0, Version: "1"}
  Legacy:
    Type: AWS::AutoScaling::AutoScalingGroup
    Properties:
      MaxSize: "2"
      MinSize: "1"
      VPCZoneIdentifier: [!Ref SubnetB]
      LaunchConfigurationName: !Ref Config
"""


def test_cloudformation_load_balancers_templates_and_groups(tmp_path):
    model = cfn(tmp_path, CFN_COMPUTE)
    alb, nlb, classic = (model.load_balancers[k] for k in ("Alb", "Nlb", "Classic"))
    assert (alb.lb_type.value, alb.internal.value, nlb.lb_type.value, nlb.internal.value,
            classic.lb_type.value, classic.internal.value) == (
        "application", True, "network", False, "classic", True)
    assert [r.key for r in alb.subnets] == ["SubnetA", "SubnetB"] and alb.subnets_known
    assert [r.key for r in nlb.subnets] == ["SubnetA"] and nlb.subnets_known
    assert [r.key for r in alb.security_groups] == ["LbSg"] and nlb.security_groups_val is None
    assert [(x.resource, x.port.value, x.protocol.value) for x in alb.listeners] == [
        ("AlbListener", 8443, "HTTPS")]
    assert [(x.resource, x.port.value, x.protocol.value) for x in classic.listeners] == [
        ("Classic", 80, "HTTP")]
    assert alb.connection_attrs == {("Alb", "DNSName")}

    template = model.launch_templates["Template"]
    assert not template.security_groups and template.instance_profile.key == "Profile"
    assert [r.key for r in template.interface.security_groups] == ["AppSg"]
    assert template.interface.public_ip is True
    assert model.instance_profiles["Profile"].role.key == "Role"
    config = model.launch_configurations["Config"]
    assert ([r.key for r in config.security_groups], config.public_ip,
            config.instance_profile.key) == (["AppSg"], False, "Profile")

    web, mixed, legacy = (model.autoscaling_groups[k] for k in ("Web", "Mixed", "Legacy"))
    assert [r.key for r in web.subnets] == ["SubnetA", "SubnetB"]
    assert (web.launch_template.key, web.version_current, web.overrides) == (
        "Template", True, False)
    assert (mixed.launch_template.key, mixed.version_current, mixed.overrides) == (
        "Template", True, True)
    assert legacy.launch_template is None and legacy.launch_configuration.key == "Config"
    assert model.instances["One"].instance_profile.key == "Profile"
