"""The reply to an internet client through the target subnet's NACL (both frameworks).

NACLs are stateless: a server reached from the internet answers on the client's ephemeral
port, which the subnet's NACL must let out. Clients pick their own ports (1024-65535), so the
reply is blocked only when no such port is allowed to the internet; a part is unknown.
"""

from __future__ import annotations

import json

import pytest
from helpers import run_cli

TERRAFORM = """\
resource "aws_vpc" "main" {{
  cidr_block = "10.0.0.0/16"
}}

resource "aws_internet_gateway" "main" {{
  vpc_id = aws_vpc.main.id
}}

resource "aws_subnet" "public" {{
  vpc_id     = aws_vpc.main.id
  cidr_block = "10.0.1.0/24"
}}

resource "aws_route_table" "public" {{
  vpc_id = aws_vpc.main.id
  route {{
    cidr_block = "0.0.0.0/0"
    gateway_id = aws_internet_gateway.main.id
  }}
}}

resource "aws_route_table_association" "public" {{
  subnet_id      = aws_subnet.public.id
  route_table_id = aws_route_table.public.id
}}

resource "aws_network_acl" "public" {{
  vpc_id     = aws_vpc.main.id
  subnet_ids = [aws_subnet.public.id]
  ingress {{
    rule_no    = 100
    action     = "allow"
    protocol   = "tcp"
    from_port  = 22
    to_port    = 22
    cidr_block = "0.0.0.0/0"
  }}
  egress {{
    rule_no    = 100
    action     = "allow"
    protocol   = "tcp"
    from_port  = {low}
    to_port    = {high}
    cidr_block = "{cidr}"
  }}
}}

resource "aws_security_group" "ssh" {{
  vpc_id = aws_vpc.main.id
  ingress {{
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }}
}}

resource "aws_instance" "bastion" {{
  ami                         = "ami-12345678"
  instance_type               = "t3.micro"
  subnet_id                   = aws_subnet.public.id
  vpc_security_group_ids      = [aws_security_group.ssh.id]
  associate_public_ip_address = true
}}
"""

CLOUDFORMATION = """\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: 10.0.0.0/16
  Gateway:
    Type: AWS::EC2::InternetGateway
  Attachment:
    Type: AWS::EC2::VPCGatewayAttachment
    Properties:
      VpcId: !Ref Vpc
      InternetGatewayId: !Ref Gateway
  Public:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: !Ref Vpc
      CidrBlock: 10.0.1.0/24
  PublicTable:
    Type: AWS::EC2::RouteTable
    Properties:
      VpcId: !Ref Vpc
  PublicDefault:
    Type: AWS::EC2::Route
    Properties:
      RouteTableId: !Ref PublicTable
      DestinationCidrBlock: 0.0.0.0/0
      GatewayId: !Ref Gateway
  PublicAssociation:
    Type: AWS::EC2::SubnetRouteTableAssociation
    Properties:
      SubnetId: !Ref Public
      RouteTableId: !Ref PublicTable
  PublicAcl:
    Type: AWS::EC2::NetworkAcl
    Properties:
      VpcId: !Ref Vpc
  PublicAclAssociation:
    Type: AWS::EC2::SubnetNetworkAclAssociation
    Properties:
      SubnetId: !Ref Public
      NetworkAclId: !Ref PublicAcl
  SshIn:
    Type: AWS::EC2::NetworkAclEntry
    Properties:
      NetworkAclId: !Ref PublicAcl
      RuleNumber: 100
      RuleAction: allow
      Protocol: 6
      PortRange: {{From: 22, To: 22}}
      CidrBlock: 0.0.0.0/0
  SshOut:
    Type: AWS::EC2::NetworkAclEntry
    Properties:
      NetworkAclId: !Ref PublicAcl
      Egress: true
      RuleNumber: 100
      RuleAction: allow
      Protocol: 6
      PortRange: {{From: {low}, To: {high}}}
      CidrBlock: {cidr}
  Ssh:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: ssh
      VpcId: !Ref Vpc
      SecurityGroupIngress:
        - {{IpProtocol: tcp, FromPort: 22, ToPort: 22, CidrIp: 0.0.0.0/0}}
  Bastion:
    Type: AWS::EC2::Instance
    Properties:
      ImageId: ami-12345678
      InstanceType: t3.micro
      NetworkInterfaces:
        - DeviceIndex: "0"
          SubnetId: !Ref Public
          GroupSet: [!Ref Ssh]
          AssociatePublicIpAddress: true
"""

TARGET = {"terraform": "aws_instance.bastion", "cloudformation": "Bastion"}
NACL = {"terraform": "aws_network_acl.public", "cloudformation": "PublicAcl"}


def _answer(tmp_path, framework: str, low: int, high: int, cidr: str) -> dict:
    text = TERRAFORM if framework == "terraform" else CLOUDFORMATION
    name = "main.tf" if framework == "terraform" else "bastion.yaml"
    (tmp_path / name).write_text(text.format(low=low, high=high, cidr=cidr))
    result = run_cli("reach", "--from", "internet", "--to", TARGET[framework], "--port", "22",
                     "--format", "json", str(tmp_path))
    doc = json.loads(result.stdout)
    assert result.returncode == {"reachable": 0, "blocked": 1, "unknown": 3}[doc["verdict"]]
    return doc


def _reply(doc: dict) -> dict:
    [path] = doc["paths"]
    assert [h["hop"] for h in path["hops"]][-1] == "nacl-reply"
    return path["hops"][-1]


@pytest.mark.parametrize("framework", ["terraform", "cloudformation"])
def test_reply_ports_open_to_the_internet_pass(tmp_path, framework):
    doc = _answer(tmp_path, framework, 1024, 65535, "0.0.0.0/0")
    assert doc["verdict"] == "reachable"
    assert _reply(doc)["status"] == "ok"


@pytest.mark.parametrize("framework", ["terraform", "cloudformation"])
def test_outbound_mirroring_inbound_blocks_the_reply(tmp_path, framework):
    doc = _answer(tmp_path, framework, 22, 22, "0.0.0.0/0")
    assert doc["verdict"] == "blocked"
    hop = _reply(doc)
    assert (hop["status"], hop["code"], hop["resource"]) == (
        "blocked", "SUBNET_ACL_RESTRICTION", NACL[framework])
    assert doc["fix"] == (f"let {NACL[framework]} pass the replies: allow TCP 1024-65535 "
                          "outbound to 0.0.0.0/0.")


@pytest.mark.parametrize("framework", ["terraform", "cloudformation"])
def test_replies_allowed_to_part_of_the_internet_are_unknown(tmp_path, framework):
    doc = _answer(tmp_path, framework, 1024, 65535, "10.0.0.0/16")
    assert doc["verdict"] == "unknown"
    hop = _reply(doc)
    assert hop["status"] == "unknown" and "only part" in hop["detail"]
