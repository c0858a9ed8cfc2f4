"""The Terraform evaluator and model builder: variables, locals, tfvars, references, modules."""

from __future__ import annotations

from pathlib import Path

import pytest

from vpcsec_lint.engine import build_model
from vpcsec_lint.terraform.loader import load_module
from vpcsec_lint.values import UNKNOWN


def module(tmp_path: Path, files: dict[str, str]):
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
    unit = load_module(str(tmp_path))
    return unit, build_model(unit)


def body(unit, address):
    return next(r for r in unit.resources if r.address == address).body


def test_variable_default_tfvars_and_auto_tfvars(tmp_path):
    unit, model = module(tmp_path, {
        "main.tf": 'variable "a" { default = "10.0.0.0/16" }\n'
                   'variable "b" { default = "x" }\n'
                   'variable "c" {}\n'
                   'resource "aws_vpc" "v" {\n  cidr_block = var.a\n'
                   '  tags = { b = var.b, c = var.c }\n}\n',
        "terraform.tfvars": 'b = "from-tfvars"\n',
        "z.auto.tfvars": 'a = "10.9.0.0/16"\n',
    })
    vpc_body = body(unit, "aws_vpc.v")
    assert vpc_body.get("cidr_block").value == "10.9.0.0/16"
    assert vpc_body.get("cidr_block").symbol == "var.a"
    origin = vpc_body.get("cidr_block").origins[0]
    assert (Path(origin.path).name, origin.line) == ("z.auto.tfvars", 1)
    tags = vpc_body.get("tags")
    assert tags.get("b").value == "from-tfvars"
    assert tags.get("c").value is UNKNOWN
    assert model.vpcs["aws_vpc.v"].cidr_symbols == {"var.a"}


def test_locals_templates_and_functions(tmp_path):
    unit, _ = module(tmp_path, {"main.tf": '''
variable "env" { default = "prod" }
locals {
  base   = "10.1.0.0/16"
  name   = "app-${var.env}"
  subnet = cidrsubnet(local.base, 8, 3)
  joined = join(",", concat(["a"], ["b"]))
  picked = lookup({ x = "1" }, "x", "0")
  cond   = var.env == "prod" ? "yes" : "no"
  open   = var.nope ? "a" : "b"
}
resource "aws_s3_bucket" "b" {
  bucket = local.name
  tags = {
    subnet = local.subnet
    joined = local.joined
    picked = local.picked
    cond   = local.cond
    open   = local.open
  }
}
variable "nope" {}
'''})
    b = body(unit, "aws_s3_bucket.b")
    assert b.get("bucket").value == "app-prod"
    tags = b.get("tags")
    assert tags.get("subnet").value == "10.1.3.0/24"
    assert tags.get("joined").value == "a,b"
    assert tags.get("picked").value == "1"
    assert tags.get("cond").value == "yes"
    assert tags.get("open").value is UNKNOWN
    assert [a.value for a in tags.get("open").alternatives] == ["a", "b"]


def test_resource_references_keep_their_shape_and_known_arguments(tmp_path):
    unit, model = module(tmp_path, {
        "vpc.tf": 'resource "aws_vpc" "main" { cidr_block = "10.2.0.0/16" }\n',
        "sg.tf": 'resource "aws_security_group" "g" {\n  vpc_id = aws_vpc.main.id\n'
                 '  description = aws_vpc.main.cidr_block\n}\n',
    })
    g = body(unit, "aws_security_group.g")
    assert g.get("vpc_id").ref == ("aws_vpc.main", "id")
    assert g.get("vpc_id").value is UNKNOWN
    assert g.get("description").ref == ("aws_vpc.main", "cidr_block")
    assert g.get("description").value == "10.2.0.0/16"
    assert model.security_groups["aws_security_group.g"].vpc.key == "aws_vpc.main"


def test_local_module_inputs_outputs_and_addresses(tmp_path):
    unit, model = module(tmp_path, {
        "main.tf": 'module "net" {\n  source = "./net"\n  cidr = "10.3.0.0/16"\n}\n'
                   'resource "aws_security_group" "app" { vpc_id = module.net.vpc_id }\n',
        "net/main.tf": 'variable "cidr" {}\nresource "aws_vpc" "this" { cidr_block = var.cidr }\n'
                       'output "vpc_id" { value = aws_vpc.this.id }\n',
    })
    assert model.vpcs["module.net.aws_vpc.this"].cidrs[0].value == "10.3.0.0/16"
    assert model.security_groups["aws_security_group.app"].vpc.key == "module.net.aws_vpc.this"
    vpc = next(r for r in unit.resources if r.address == "module.net.aws_vpc.this")
    assert vpc.call_sites[0].line == 1


def test_registry_module_output_is_unknown_with_shape(tmp_path):
    _, model = module(tmp_path, {"main.tf": '''
module "vpc" {
  source = "terraform-aws-modules/vpc/aws"
}
resource "aws_security_group" "g" { vpc_id = module.vpc.vpc_id }
'''})
    vpc = model.vpcs["module.vpc"]
    assert not vpc.known
    assert ("module.vpc", "vpc_cidr_block") in vpc.cidr_refs


@pytest.mark.parametrize("count, addresses", [("0", set()), ("1", {"aws_vpc.v[0]"}),
                                               ("2", {"aws_vpc.v[0]", "aws_vpc.v[1]"}),
                                               ("var.n", {"aws_vpc.v"})])
def test_known_count_is_expanded_unknown_count_analysed_once(tmp_path, count, addresses):
    unit, _ = module(tmp_path, {"main.tf": f'variable "n" {{}}\nresource "aws_vpc" "v" {{\n'
                                          f'  count = {count}\n  cidr_block = "10.0.0.0/16"\n}}\n'})
    assert {r.address for r in unit.resources} == addresses


def test_override_file_merges_into_its_resource(tmp_path):
    unit, _ = module(tmp_path, {
        "main.tf": 'resource "aws_vpc" "v" {\n  cidr_block = "10.0.0.0/16"\n'
                   '  enable_dns_support = true\n}\n',
        "main_override.tf": 'resource "aws_vpc" "v" { enable_dns_support = false }\n',
    })
    v = body(unit, "aws_vpc.v")
    assert v.get("enable_dns_support").value is False
    assert v.get("cidr_block").value == "10.0.0.0/16"


def test_file_and_jsonencode(tmp_path):
    unit, _ = module(tmp_path, {
        "main.tf": 'resource "x" "y" {\n  a = file("${path.module}/p.json")\n'
                   '  b = jsonencode({ Version = "2012-10-17" })\n}\n',
        "p.json": '{"Statement": []}',
    })
    y = body(unit, "x.y")
    assert y.get("a").value == '{"Statement": []}'
    assert y.get("b").get("Version").value == "2012-10-17"


def test_dynamic_blocks_are_unknown_content(tmp_path):
    unit, model = module(tmp_path, {"main.tf": '''
resource "aws_security_group" "g" {
  dynamic "ingress" {
    for_each = var.rules
    content {
      from_port   = ingress.value.port
      to_port     = ingress.value.port
      protocol    = "tcp"
      cidr_blocks = ingress.value.cidrs
    }
  }
}
variable "rules" {}
'''})
    (rule,) = model.sg_rules
    assert rule.dynamic and rule.from_port is UNKNOWN and rule.protocol == "tcp"


def test_attribute_locations_point_at_the_attribute(tmp_path):
    unit, _ = module(tmp_path, {"main.tf": 'resource "aws_vpc" "v" {\n'
                                          '  cidr_block = "10.0.0.0/16"\n}\n'})
    loc = body(unit, "aws_vpc.v").get("cidr_block").loc
    assert (loc.line, loc.column, loc.end_line, loc.end_column) == (2, 3, 2, 29)
