"""Resource types that several rules read (each rule lists its own on its class:
`Rule.terraform_types` and `Rule.cloudformation_types`)."""

SG_TF = ("aws_security_group", "aws_security_group_rule", "aws_vpc_security_group_ingress_rule")
SG_CFN = ("AWS::EC2::SecurityGroup", "AWS::EC2::SecurityGroupIngress")
ENDPOINT_TF = ("aws_vpc_endpoint",)
ENDPOINT_CFN = ("AWS::EC2::VPCEndpoint",)
VPC_TF = ("aws_vpc", "aws_default_vpc")
VPC_CFN = ("AWS::EC2::VPC",)
ROUTE_TF = ("aws_route", "aws_route_table", "aws_default_route_table")
ROUTE_CFN = ("AWS::EC2::Route",)
