"""The network model (`vpcsec_lint.network`) where it is more exact than the rules and hops
were before they shared it.

Both cases are Terraform-only: CloudFormation's `AWS::EC2::VPC` exposes no main route
table to add routes to, and it has no resource that manages the default NACL's entries
inline (so no unknown inline list and no `dynamic` block).
"""

from __future__ import annotations

from pathlib import Path

from helpers import lint

from vpcsec_lint.network.routes import subnet_table, table_routes
from vpcsec_lint.reach.paths import evaluate
from vpcsec_lint.reach.session import load_models

NETWORK_TF = """
resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}
resource "aws_subnet" "app" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.0.1.0/24"
  availability_zone = "eu-west-1a"
}
resource "aws_subnet" "public" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.0.0.0/24"
  availability_zone = "eu-west-1a"
}
resource "aws_internet_gateway" "igw" {
  vpc_id = aws_vpc.main.id
}
resource "aws_eip" "nat" {
  domain = "vpc"
}
resource "aws_nat_gateway" "nat" {
  allocation_id = aws_eip.nat.id
  subnet_id     = aws_subnet.public.id
}
resource "aws_security_group" "fn" {
  vpc_id = aws_vpc.main.id
  egress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }
}
resource "aws_lambda_function" "fn" {
  function_name = "fn"
  role          = "arn:aws:iam::123456789012:role/fn"
  vpc_config {
    subnet_ids         = [aws_subnet.app.id]
    security_group_ids = [aws_security_group.fn.id]
  }
}
"""

# The public subnet has its own table to the internet gateway; the app subnet has no
# association, so the VPC's main table governs it.
PUBLIC_TABLE_TF = """
resource "aws_route_table" "public" {
  vpc_id = aws_vpc.main.id
  route {
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.igw.id
  }
}
resource "aws_route_table_association" "public" {
  subnet_id      = aws_subnet.public.id
  route_table_id = aws_route_table.public.id
}
"""

MAIN_TO_NAT_TF = """
resource "aws_route" "main_to_nat" {
  route_table_id         = aws_vpc.main.{attribute}
  destination_cidr_block = "0.0.0.0/0"
  nat_gateway_id         = aws_nat_gateway.nat.id
}
"""


def write(tmp_path: Path, *parts: str) -> Path:
    (tmp_path / "main.tf").write_text("".join([NETWORK_TF, *parts]))
    return tmp_path


def to_sqs(path: Path):
    analysed = load_models([str(path)])
    model, fn = analysed.resolve("aws_lambda_function.fn")
    return evaluate(model, fn, "aws:sqs", 443)


def test_a_route_that_names_the_main_table_through_the_vpc_belongs_to_it(tmp_path):
    for attribute in ("main_route_table_id", "default_route_table_id"):
        path = write(tmp_path, PUBLIC_TABLE_TF, MAIN_TO_NAT_TF.replace("{attribute}", attribute))
        answer = to_sqs(path)
        assert answer.verdict == "reachable", attribute
        assert [p.via for p in answer.paths] == ["nat"]
        assert [(h.hop, h.status) for h in answer.paths[0].hops if h.hop == "nat-gateway"] \
            == [("nat-gateway", "ok")]


def test_without_that_route_the_main_table_has_only_the_local_route(tmp_path):
    answer = to_sqs(write(tmp_path, PUBLIC_TABLE_TF))
    assert answer.verdict == "blocked"
    assert [(h.hop, h.code) for h in answer.blockers()] == [
        ("route", "NO_ROUTE_TO_DESTINATION")]


def test_a_main_table_association_makes_the_vpc_named_route_unknown(tmp_path):
    """`default_route_table_id` is the table created with the VPC; once another table is made
    main, a route added to it may not govern the subnet: unknown, never blocked."""
    replaced = """
resource "aws_route_table" "private" {
  vpc_id = aws_vpc.main.id
}
resource "aws_main_route_table_association" "main" {
  vpc_id         = aws_vpc.main.id
  route_table_id = aws_route_table.private.id
}
"""
    path = write(tmp_path, PUBLIC_TABLE_TF, replaced,
                 MAIN_TO_NAT_TF.replace("{attribute}", "default_route_table_id"))
    answer = to_sqs(path)
    assert answer.verdict == "unknown"
    assert answer.blockers() == []
    analysed = load_models([str(path)])
    model = analysed.resolve("aws_lambda_function.fn")[0]
    choice = subnet_table(model, model.subnets["aws_subnet.app"])
    assert choice.table is not None and choice.table.resource == "aws_route_table.private"
    routes, why = table_routes(model, choice)
    assert routes == []
    assert why == ("aws_route.main_to_nat names the VPC's original main route table, which "
                   "aws_route_table.private may have replaced")


def test_the_default_route_table_resource_takes_routes_named_through_the_vpc(tmp_path):
    managed = """
resource "aws_default_route_table" "main" {
  default_route_table_id = aws_vpc.main.default_route_table_id
}
"""
    path = write(tmp_path, PUBLIC_TABLE_TF, managed,
                 MAIN_TO_NAT_TF.replace("{attribute}", "default_route_table_id"))
    assert to_sqs(path).verdict == "reachable"


def test_a_nat_gateway_whose_subnet_uses_the_main_table_routed_through_the_vpc(tmp_path):
    """VSL603 (NAT gateway without an internet route) asks the same model: the main table's
    internet route, added through `aws_vpc.main.main_route_table_id`, counts."""
    private = """
resource "aws_route_table" "private" {
  vpc_id = aws_vpc.main.id
  route {
    cidr_block     = "0.0.0.0/0"
    nat_gateway_id = aws_nat_gateway.nat.id
  }
}
resource "aws_route_table_association" "app" {
  subnet_id      = aws_subnet.app.id
  route_table_id = aws_route_table.private.id
}
"""
    main_to_igw = """
resource "aws_route" "main_to_igw" {
  route_table_id         = aws_vpc.main.main_route_table_id
  destination_cidr_block = "0.0.0.0/0"
  gateway_id             = aws_internet_gateway.igw.id
}
"""
    path = write(tmp_path, private, main_to_igw)
    assert to_sqs(path).verdict == "reachable"
    assert [f.rule_id for f in lint(path, select={"VSL603"}).findings] == []
    write(tmp_path, private)  # without it, the NAT gateway's subnet has no way out
    assert [(f.rule_id, f.resource) for f in lint(path, select={"VSL603"}).findings] == [
        ("VSL603", "aws_subnet.public")]


DEFAULT_NACL_TF = """
variable "rules" {
  type = list(any)
}
resource "aws_subnet" "db" {
  vpc_id            = aws_vpc.main.id
  cidr_block        = "10.0.2.0/24"
  availability_zone = "eu-west-1a"
}
resource "aws_security_group" "db" {
  vpc_id = aws_vpc.main.id
  ingress {
    from_port       = 5432
    to_port         = 5432
    protocol        = "tcp"
    security_groups = [aws_security_group.fn.id]
  }
}
resource "aws_security_group_rule" "fn_to_db" {
  type                     = "egress"
  security_group_id        = aws_security_group.fn.id
  from_port                = 5432
  to_port                  = 5432
  protocol                 = "tcp"
  source_security_group_id = aws_security_group.db.id
}
resource "aws_instance" "db" {
  ami                    = "ami-12345678"
  instance_type          = "t3.micro"
  subnet_id              = aws_subnet.db.id
  vpc_security_group_ids = [aws_security_group.db.id]
}
"""


def to_db(path: Path):
    analysed = load_models([str(path)])
    model, fn = analysed.resolve("aws_lambda_function.fn")
    _, db = analysed.resolve("aws_instance.db")
    return evaluate(model, fn, db, 5432)


def nacl_hops(answer) -> list[tuple[str, str]]:
    return [(h.hop, h.status) for p in answer.paths for h in p.hops if "nacl" in h.hop]


def test_a_default_nacl_with_an_unknown_rule_list_is_unknown_not_blocked(tmp_path):
    """Its entries are those of `var.rules`: the hops through it are unknown (they were
    evaluated as if the list were empty, that is blocked)."""
    default_nacl = """
resource "aws_default_network_acl" "main" {
  default_network_acl_id = aws_vpc.main.default_network_acl_id
  ingress                = var.rules
  egress                 = var.rules
}
"""
    answer = to_db(write(tmp_path, DEFAULT_NACL_TF, default_nacl))
    assert answer.verdict == "unknown"
    assert answer.blockers() == []
    assert nacl_hops(answer) == [("source-nacl-outbound", "unknown"),
                                 ("target-nacl-inbound", "unknown"),
                                 ("nacl-reply", "unknown")]


def test_a_default_nacl_whose_allows_come_from_dynamic_blocks_is_unknown(tmp_path):
    """A `dynamic` block may stand for no entry at all: its allows do not count surely."""
    default_nacl = """
resource "aws_default_network_acl" "main" {
  default_network_acl_id = aws_vpc.main.default_network_acl_id
  dynamic "ingress" {
    for_each = var.rules
    content {
      rule_no    = 100
      action     = "allow"
      protocol   = "-1"
      cidr_block = "0.0.0.0/0"
      from_port  = 0
      to_port    = 0
    }
  }
  egress {
    rule_no    = 100
    action     = "allow"
    protocol   = "-1"
    cidr_block = "0.0.0.0/0"
    from_port  = 0
    to_port    = 0
  }
}
"""
    answer = to_db(write(tmp_path, DEFAULT_NACL_TF, default_nacl))
    assert answer.verdict == "unknown"
    assert nacl_hops(answer) == [("source-nacl-outbound", "ok"),
                                 ("target-nacl-inbound", "unknown"),
                                 ("nacl-reply", "unknown")]
