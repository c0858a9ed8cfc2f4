"""The endpoint-policy model: every input form, parsed through the real loaders."""

from __future__ import annotations

import json
import textwrap
from pathlib import Path

import pytest

from vpcsec_lint.cloudformation.loader import load_template
from vpcsec_lint.engine import build_model
from vpcsec_lint.model import Model
from vpcsec_lint.policy import (
    Policy,
    accepts_policy,
    aws_service,
    parse_policy,
    policy_capable,
    policy_services,
)
from vpcsec_lint.terraform.loader import ParseCache, load_module

VPC_TF = 'resource "aws_vpc" "v" {\n  cidr_block = "10.0.0.0/16"\n}\n'


def tf_model(directory: Path, files: dict[str, str]) -> Model:
    for name, text in files.items():
        (directory / name).write_text(textwrap.dedent(text))
    return build_model(load_module(str(directory), ParseCache(), []))


def cfn_model(directory: Path, resources: str) -> Model:
    path = directory / "template.yaml"
    path.write_text(CFN_HEAD + textwrap.indent(textwrap.dedent(resources), "  "))
    unit = load_template(str(path), None)
    assert unit is not None and not unit.problems
    return build_model(unit)


def policies(model: Model, key: str) -> list[Policy]:
    endpoint = model.endpoints[key]
    return parse_policy(endpoint.policy, model, endpoint.loc)


def endpoint_tf(policy: str) -> str:
    return VPC_TF + textwrap.dedent("""
        resource "aws_vpc_endpoint" "e" {
          vpc_id       = aws_vpc.v.id
          service_name = "com.amazonaws.eu-west-1.s3"
          policy       = %s
        }
        """) % policy


# -- Terraform forms ----------------------------------------------------------

def test_jsonencode_structure_points_at_its_statement(tmp_path: Path) -> None:
    model = tf_model(tmp_path, {"main.tf": endpoint_tf(textwrap.dedent("""\
        jsonencode({
            Version = "2012-10-17"
            Statement = [
              {
                Effect    = "Allow"
                Principal = "*"
                Action    = "*"
                Resource  = "*"
              },
            ]
          })"""))})
    [policy] = policies(model, "aws_vpc_endpoint.e")
    assert policy.known and policy.form == "structure"
    stmt = policy.wildcard_statement()
    assert stmt is not None and stmt.loc is not None and stmt.loc.line == 11


def test_heredoc_json_statement_lines_are_in_the_heredoc(tmp_path: Path) -> None:
    model = tf_model(tmp_path, {"main.tf": endpoint_tf(textwrap.dedent("""\
        <<EOT
          {
            "Statement": [
              {"Effect": "Allow", "Principal": "*", "Action": "s3:GetObject", "Resource": "*"},
              {"Effect": "Allow", "Principal": {"AWS": ["*"]}, "Action": "s3:*", "Resource": "*"}
            ]
          }
          EOT"""))})
    [policy] = policies(model, "aws_vpc_endpoint.e")
    assert policy.form == "json"
    assert [s.loc.line for s in policy.statements if s.loc] == [11, 12]
    assert [s.allows_everything for s in policy.statements] == [False, True]
    assert policy.wildcard_statement() is policy.statements[1]


def test_quoted_json_string_has_no_statement_location(tmp_path: Path) -> None:
    text = (r'"{\"Statement\": {\"Effect\": \"Allow\", \"Principal\": \"*\", '
            r'\"Action\": \"*\", \"Resource\": \"*\"}}"')
    model = tf_model(tmp_path, {"main.tf": endpoint_tf(text)})
    [policy] = policies(model, "aws_vpc_endpoint.e")
    stmt = policy.wildcard_statement()
    assert stmt is not None and stmt.loc is None
    assert policy.loc.line == 8


def test_heredoc_with_unknown_interpolation_is_unknown_only_where_unknown(tmp_path: Path) -> None:
    head = 'variable "bucket" {}\n'
    model = tf_model(tmp_path, {"main.tf": head + endpoint_tf(textwrap.dedent("""\
        <<EOT
          {"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*",
                          "Resource": "arn:aws:s3:::${var.bucket}/*"}]}
          EOT"""))})
    [policy] = policies(model, "aws_vpc_endpoint.e")
    assert policy.known and len(policy.statements) == 1
    stmt = policy.statements[0]
    assert stmt.any_principal and stmt.any_action and not stmt.any_resource
    assert policy.wildcard_statement() is None


def test_file_policy_is_read_relative_to_the_module(tmp_path: Path) -> None:
    (tmp_path / "policies").mkdir()
    (tmp_path / "policies" / "s3.json").write_text(
        '{\n  "Statement": [\n    {\n      "Effect": "Allow",\n      "Principal": "*",\n'
        '      "NotAction": "s3:DeleteBucket",\n      "NotResource": "arn:aws:s3:::logs"\n'
        '    }\n  ]\n}\n')
    model = tf_model(tmp_path, {"main.tf": endpoint_tf('file("${path.module}/policies/s3.json")')})
    [policy] = policies(model, "aws_vpc_endpoint.e")
    assert policy.form == "file"
    assert policy.source is not None and policy.source.path.endswith("s3.json")
    stmt = policy.wildcard_statement()
    assert stmt is not None and stmt.loc is not None
    assert (Path(stmt.loc.path).name, stmt.loc.line) == ("s3.json", 3)


def test_iam_policy_document_defaults_and_principal_forms(tmp_path: Path) -> None:
    model = tf_model(tmp_path, {"main.tf": endpoint_tf("data.aws_iam_policy_document.p.json"),
                                "policy.tf": """\
        data "aws_iam_policy_document" "p" {
          statement {
            actions   = ["*"]
            resources = ["*"]
            principals {
              type        = "*"
              identifiers = ["*"]
            }
          }
          statement {
            effect      = "Allow"
            not_actions = ["s3:DeleteBucket"]
            resources   = ["*"]
            principals {
              type        = "AWS"
              identifiers = ["*"]
            }
          }
          statement {
            actions   = ["s3:*"]
            resources = ["*"]
            principals {
              type        = "AWS"
              identifiers = ["arn:aws:iam::123456789012:root"]
            }
          }
        }
        """})
    [policy] = policies(model, "aws_vpc_endpoint.e")
    assert policy.form == "iam_policy_document"
    assert [s.effect for s in policy.statements] == ["Allow", "Allow", "Allow"]
    assert [s.allows_everything for s in policy.statements] == [True, True, False]
    assert [(Path(s.loc.path).name, s.loc.line) for s in policy.statements if s.loc] == [
        ("policy.tf", 2), ("policy.tf", 10), ("policy.tf", 19)]


def test_iam_policy_document_data_perimeter_and_merges(tmp_path: Path) -> None:
    model = tf_model(tmp_path, {"main.tf": VPC_TF + """
        variable "extra" {
          type = list(string)
        }
        resource "aws_vpc_endpoint" "perimeter" {
          vpc_id       = aws_vpc.v.id
          service_name = "com.amazonaws.eu-west-1.s3"
          policy       = data.aws_iam_policy_document.perimeter.json
        }
        resource "aws_vpc_endpoint" "merged" {
          vpc_id       = aws_vpc.v.id
          service_name = "com.amazonaws.eu-west-1.s3"
          policy       = data.aws_iam_policy_document.merged.minified_json
        }
        data "aws_iam_policy_document" "perimeter" {
          statement {
            actions   = ["*"]
            resources = ["*"]
            principals {
              type        = "*"
              identifiers = ["*"]
            }
          }
          statement {
            effect    = "Deny"
            actions   = ["*"]
            resources = ["*"]
            principals {
              type        = "*"
              identifiers = ["*"]
            }
            condition {
              test     = "StringNotEquals"
              variable = "aws:ResourceOrgID"
              values   = ["o-abc123"]
            }
          }
        }
        data "aws_iam_policy_document" "merged" {
          source_policy_documents = var.extra
          statement {
            actions   = ["*"]
            resources = ["*"]
            principals {
              type        = "*"
              identifiers = ["*"]
            }
          }
        }
        """})
    [perimeter] = policies(model, "aws_vpc_endpoint.perimeter")
    assert perimeter.statements[0].allows_everything
    assert perimeter.statements[1].maybe_conditioned_deny
    assert perimeter.wildcard_statement() is None
    [merged] = policies(model, "aws_vpc_endpoint.merged")
    assert not merged.known


def test_dynamic_statement_may_be_a_conditioned_deny(tmp_path: Path) -> None:
    model = tf_model(tmp_path, {"main.tf": endpoint_tf("data.aws_iam_policy_document.p.json") + """
        variable "denies" {
          type = list(any)
        }
        data "aws_iam_policy_document" "p" {
          statement {
            actions   = ["*"]
            resources = ["*"]
            principals {
              type        = "*"
              identifiers = ["*"]
            }
          }
          dynamic "statement" {
            for_each = var.denies
            content {
              effect = "Deny"
            }
          }
        }
        """})
    [policy] = policies(model, "aws_vpc_endpoint.e")
    assert policy.statements[0].allows_everything
    assert policy.wildcard_statement() is None


def test_unknown_and_null_policies(tmp_path: Path) -> None:
    model = tf_model(tmp_path, {"main.tf": 'variable "policy" {}\n' + endpoint_tf("var.policy")})
    [policy] = policies(model, "aws_vpc_endpoint.e")
    assert not policy.known and policy.wildcard_statement() is None


def test_endpoint_policy_resource_is_recorded_with_or_without_policy(tmp_path: Path) -> None:
    model = tf_model(tmp_path, {"main.tf": VPC_TF + """
        resource "aws_vpc_endpoint" "e" {
          vpc_id       = aws_vpc.v.id
          service_name = "com.amazonaws.eu-west-1.s3"
        }
        resource "aws_vpc_endpoint_policy" "full" {
          vpc_endpoint_id = aws_vpc_endpoint.e.id
        }
        resource "aws_vpc_endpoint_policy" "narrow" {
          vpc_endpoint_id = aws_vpc_endpoint.e.id
          policy = jsonencode({
            Statement = { Effect = "Allow", Principal = "*", Action = "s3:GetObject",
                          Resource = "*" }
          })
        }
        """})
    resources = {address: val for address, _loc, val in
                 model.endpoints["aws_vpc_endpoint.e"].policy_resources}
    assert resources["aws_vpc_endpoint_policy.full"] is None
    [narrow] = parse_policy(resources["aws_vpc_endpoint_policy.narrow"], model,
                            model.endpoints["aws_vpc_endpoint.e"].loc)
    assert narrow.known and len(narrow.statements) == 1
    assert narrow.wildcard_statement() is None


# -- CloudFormation forms -----------------------------------------------------

CFN_HEAD = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  Stage:
    Type: String
Conditions:
  IsProd: !Equals [!Ref Stage, prod]
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: 10.0.0.0/16
"""


def test_cloudformation_object_with_one_statement_mapping(tmp_path: Path) -> None:
    model = cfn_model(tmp_path, """\
      Endpoint:
        Type: AWS::EC2::VPCEndpoint
        Properties:
          VpcId: !Ref Vpc
          ServiceName: !Sub com.amazonaws.${AWS::Region}.s3
          PolicyDocument:
            Statement:
              Effect: Allow
              Principal: {AWS: "*"}
              Action: ["*"]
              Resource: "*"
              Condition: {}
    """)
    [policy] = policies(model, "Endpoint")
    stmt = policy.wildcard_statement()
    assert stmt is not None and stmt.loc is not None and stmt.loc.line == 19


def test_cloudformation_json_string_in_sub_keeps_lines_and_unknown_parts(tmp_path: Path) -> None:
    model = cfn_model(tmp_path, """\
      Endpoint:
        Type: AWS::EC2::VPCEndpoint
        Properties:
          VpcId: !Ref Vpc
          ServiceName: !Sub com.amazonaws.${AWS::Region}.s3
          PolicyDocument: !Sub |
            {
              "Statement": [
                {"Effect": "Allow", "Principal": "*", "Action": "*", "Resource": "*"},
                {"Effect": "Deny", "Principal": "*", "Action": "*", "Resource": "*",
                 "Condition": {"StringNotEquals": {"aws:PrincipalAccount": "${AWS::AccountId}"}}}
              ]
            }
    """)
    [policy] = policies(model, "Endpoint")
    assert policy.known and [s.loc.line for s in policy.statements if s.loc] == [20, 21]
    assert policy.statements[0].allows_everything
    assert policy.statements[1].maybe_conditioned_deny
    assert policy.wildcard_statement() is None


def test_cloudformation_if_gives_both_candidates(tmp_path: Path) -> None:
    model = cfn_model(tmp_path, """\
      Endpoint:
        Type: AWS::EC2::VPCEndpoint
        Properties:
          VpcId: !Ref Vpc
          ServiceName: !Sub com.amazonaws.${AWS::Region}.s3
          PolicyDocument: !If
            - IsProd
            - Statement: [{Effect: Allow, Principal: "*", Action: "s3:*", Resource: "*"}]
            - '{"Statement": [{"Effect": "Allow", "Principal": "*", "Action": "*",
                               "Resource": "*"}]}'
    """)
    candidates = policies(model, "Endpoint")
    assert [p.form for p in candidates] == ["structure", "json"]
    assert all(p.wildcard_statement() is not None for p in candidates)


# -- service names and the shipped list ---------------------------------------

@pytest.mark.parametrize("name, parts", [
    ("com.amazonaws.eu-west-1.ssm", ("com.amazonaws", "eu-west-1", "ssm")),
    ("com.amazonaws.${...}.ecr.api", ("com.amazonaws", "${...}", "ecr.api")),
    ("com.amazonaws.${AWS::Region}.s3", ("com.amazonaws", "${AWS::Region}", "s3")),
    ("com.amazonaws.us-gov-west-1.kms", ("com.amazonaws", "us-gov-west-1", "kms")),
    ("aws.sagemaker.eu-west-1.notebook", ("aws.sagemaker", "eu-west-1", "notebook")),
    ("com.amazonaws.vpce.eu-west-1.vpce-svc-0123456789abcdef0", None),
    ("com.amazonaws.eu-west-1.${...}", None),
    ("${...}", None),
    (None, None),
])
def test_aws_service_names(name: str | None, parts: tuple[str, str, str] | None) -> None:
    service = aws_service(name)
    assert (None if service is None else (service.prefix, service.region,
                                          service.service)) == parts


def test_hostnames() -> None:
    assert aws_service("com.amazonaws.eu-west-1.ecr.api").hostname() == \
        "api.ecr.eu-west-1.amazonaws.com"  # type: ignore[union-attr]
    assert aws_service("aws.sagemaker.eu-west-1.notebook").hostname() == \
        "notebook.eu-west-1.sagemaker.aws"  # type: ignore[union-attr]


def test_shipped_list_has_source_date_and_the_gateway_services() -> None:
    data = policy_services()
    assert data["retrieved"] == "2026-11-27"
    assert any("docs.aws.amazon.com" in source for source in data["sources"])
    assert data["services"] == sorted(set(data["services"]))
    assert accepts_policy(aws_service("com.amazonaws.eu-west-1.s3"))  # type: ignore[arg-type]
    assert accepts_policy(aws_service("com.amazonaws.${...}.dynamodb"))  # type: ignore[arg-type]
    assert not accepts_policy(aws_service("com.amazonaws.eu-west-1.made-up"))  # type: ignore[arg-type]


def test_endpoint_types_that_cannot_take_a_policy(tmp_path: Path) -> None:
    model = tf_model(tmp_path, {"main.tf": VPC_TF + """
        variable "kind" {}
        resource "aws_vpc_endpoint" "gateway" {
          vpc_id       = aws_vpc.v.id
          service_name = "com.amazonaws.eu-west-1.s3"
        }
        resource "aws_vpc_endpoint" "gwlb" {
          vpc_id            = aws_vpc.v.id
          service_name      = "com.amazonaws.vpce.eu-west-1.vpce-svc-0123456789abcdef0"
          vpc_endpoint_type = "GatewayLoadBalancer"
        }
        resource "aws_vpc_endpoint" "partner" {
          vpc_id            = aws_vpc.v.id
          service_name      = "com.amazonaws.vpce.eu-west-1.vpce-svc-0123456789abcdef0"
          vpc_endpoint_type = "Interface"
        }
        resource "aws_vpc_endpoint" "unknown_type" {
          vpc_id            = aws_vpc.v.id
          service_name      = "com.amazonaws.eu-west-1.sqs"
          vpc_endpoint_type = var.kind
        }
        """})
    capable = {key: policy_capable(e) is not None for key, e in model.endpoints.items()}
    assert capable == {"aws_vpc_endpoint.gateway": True, "aws_vpc_endpoint.gwlb": False,
                       "aws_vpc_endpoint.partner": False, "aws_vpc_endpoint.unknown_type": False}


def test_terraform_json_syntax_keeps_references_and_jsonencode(tmp_path: Path) -> None:
    (tmp_path / "main.tf.json").write_text(json.dumps({"resource": {
        "aws_vpc": {"v": {"cidr_block": "10.0.0.0/16"}},
        "aws_vpc_endpoint": {"e": {
            "vpc_id": "${aws_vpc.v.id}",
            "service_name": "com.amazonaws.eu-west-1.s3",
            "policy": '${jsonencode({Statement = [{Effect = "Allow", Principal = "*", '
                      'Action = "*", Resource = "*"}]})}',
        }}}}, indent=2))
    model = build_model(load_module(str(tmp_path), ParseCache(), []))
    endpoint = model.endpoints["aws_vpc_endpoint.e"]
    assert endpoint.vpc.key == "aws_vpc.v"
    [policy] = policies(model, "aws_vpc_endpoint.e")
    assert policy.form == "structure"
    stmt = policy.wildcard_statement()
    lines = (tmp_path / "main.tf.json").read_text().splitlines()
    policy_line = next(i for i, line in enumerate(lines, 1) if '"policy"' in line)
    assert stmt is not None and stmt.loc is not None and stmt.loc.line == policy_line
