"""CloudFormation intrinsics, parameters, conditions and the model builder."""

from __future__ import annotations

from pathlib import Path

from vpcsec_lint.cloudformation.loader import load_template
from vpcsec_lint.engine import build_model
from vpcsec_lint.values import UNKNOWN


def template(tmp_path: Path, text: str, name: str = "t.yaml"):
    path = tmp_path / name
    path.write_text(text)
    unit = load_template(str(path))
    assert unit is not None and not unit.problems, unit and unit.problems
    return unit, build_model(unit)


def props(unit, logical_id):
    return next(r for r in unit.resources if r.address == logical_id).body


HEADER = 'AWSTemplateFormatVersion: "2010-09-09"\n'


def test_parameters_mappings_and_sub(tmp_path):
    unit, model = template(tmp_path, HEADER + """
Parameters:
  Cidr: {Type: String, Default: 10.5.0.0/16}
  Env: {Type: String, Default: prod}
  Subnets: {Type: CommaDelimitedList, Default: "a,b"}
  FromSsm: {Type: "AWS::SSM::Parameter::Value<String>", Default: /vpc/cidr}
Mappings:
  Sizes: {prod: {Cidr: 10.6.0.0/16}}
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: !Ref Cidr
      Tags:
        - {Key: a, Value: !Sub "app-${Env}"}
        - {Key: b, Value: !FindInMap [Sizes, !Ref Env, Cidr]}
        - {Key: c, Value: !Select [1, !Ref Subnets]}
        - {Key: d, Value: !Ref FromSsm}
        - {Key: e, Value: !Join ["-", [x, !Ref Env]]}
        - {Key: f, Value: !Sub "${AWS::Region}-x"}
""")
    vpc = props(unit, "Vpc")
    assert vpc.get("CidrBlock").value == "10.5.0.0/16"
    assert vpc.get("CidrBlock").symbol == "param:Cidr"
    assert [t.get("Value").value for t in vpc.get("Tags").value] == [
        "app-prod", "10.6.0.0/16", "b", UNKNOWN, "x-prod", UNKNOWN]
    assert vpc.get("Tags").value[5].get("Value").partial == "${AWS::Region}-x"
    assert model.vpcs["Vpc"].cidr_symbols == {"param:Cidr"}


def test_conditions_and_if(tmp_path):
    unit, _ = template(tmp_path, HEADER + """
Parameters:
  Env: {Type: String, Default: prod}
  Open: {Type: String}
Conditions:
  IsProd: !Equals [!Ref Env, prod]
  IsDev: !Not [!Condition IsProd]
  Unknown: !Equals [!Ref Open, "yes"]
  Both: !And [!Condition IsProd, !Condition Unknown]
Resources:
  Skipped:
    Type: AWS::EC2::VPC
    Condition: IsDev
    Properties: {CidrBlock: 10.0.0.0/16}
  Vpc:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: !If [IsProd, 10.1.0.0/16, 10.2.0.0/16]
      EnableDnsSupport: !If [Both, true, false]
      EnableDnsHostnames: !If [IsDev, true, !Ref AWS::NoValue]
""")
    assert "Skipped" not in {r.address for r in unit.resources}
    vpc = props(unit, "Vpc")
    assert vpc.get("CidrBlock").value == "10.1.0.0/16"
    dns = vpc.get("EnableDnsSupport")
    assert dns.value is UNKNOWN and [a.value for a in dns.alternatives] == [True, False]
    assert "EnableDnsHostnames" not in vpc.value


def test_ref_and_getatt_shapes(tmp_path):
    unit, model = template(tmp_path, HEADER + """
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties: {CidrBlock: 10.3.0.0/16}
  Group:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: g
      VpcId: !Ref Vpc
  Rule:
    Type: AWS::EC2::SecurityGroupIngress
    Properties:
      GroupId: !GetAtt Group.GroupId
      IpProtocol: tcp
      FromPort: 1
      ToPort: 2
      CidrIp: !GetAtt Vpc.CidrBlock
      SourceSecurityGroupId: !ImportValue other
""")
    rule = props(unit, "Rule")
    assert rule.get("CidrIp").ref == ("Vpc", "CidrBlock")
    assert rule.get("CidrIp").value == "10.3.0.0/16"
    assert rule.get("SourceSecurityGroupId").value is UNKNOWN
    (sg_rule,) = model.sg_rules
    assert sg_rule.group.key == "Group"
    assert model.security_groups["Group"].vpc.key == "Vpc"
    assert sg_rule.source_groups[0].key is None


def test_sam_globals_reach_functions(tmp_path):
    _, model = template(tmp_path, HEADER + """
Transform: AWS::Serverless-2016-10-31
Globals:
  Function:
    VpcConfig:
      SubnetIds: [subnet-1]
      SecurityGroupIds: [sg-1]
Resources:
  Fn:
    Type: AWS::Serverless::Function
    Properties: {Handler: x, Runtime: python3.12}
""")
    fn = model.lambdas["Fn"]
    assert fn.vpc_attached and [s.value for s in fn.subnets.value] == ["subnet-1"]


def test_json_templates_have_locations(tmp_path):
    unit, _ = template(tmp_path, '{\n\t"AWSTemplateFormatVersion": "2010-09-09",\n'
                                 '\t"Resources": {\n\t\t"Vpc": {\n'
                                 '\t\t\t"Type": "AWS::EC2::VPC",\n'
                                 '\t\t\t"Properties": {"CidrBlock": "10.0.0.0/16"}\n'
                                 '\t\t}\n\t}\n}\n', name="t.json")
    loc = props(unit, "Vpc").get("CidrBlock").loc
    assert (loc.line, loc.column) == (6, 32)
