"""How the cost of one unit grows with its size: a module 1x, 10x and 100x larger.

    python benchmarks/scale.py                 # sizes 1, 10, 100; 3 repetitions
    python benchmarks/scale.py --sizes 1,10,100,300 --repeat 5 --keep /tmp/scale

Generates a Terraform module and a CloudFormation template made of N copies of
one realistic network block (a VPC, three subnets from `cidrsubnet`, three
security groups with ingress rules that refer to each other, standalone rules,
two interface endpoints and a gateway endpoint, a route table, a network ACL
and a chain of locals or parameters and `Fn::Sub` that builds names and tags),
and runs the CLI on each (`--no-cache --format json`, a fresh process each
time). It prints, per framework and size, the median wall time and CPU time and
the CPU time per block added since the previous size: when the cost grows
linearly, that marginal cost stays the same from 1x to 10x to 100x.

A second table times each phase in this process (the best of `--repeat`):
parsing, evaluation (the resource values, `evaluator.py` or `template.py`),
the model builder and the rules, in milliseconds per block, so a phase that
grows faster than its input shows as a growing figure.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Callable

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from measure import run  # noqa: E402

TF_BLOCK = """\
locals {{
  name{i}   = "app{i}"
  env{i}    = "${{local.name{i}}}-prod"
  prefix{i} = "${{local.env{i}}}-net"
  tags{i}   = merge({{ Name = local.prefix{i} }}, {{ Team = "platform", Env = local.env{i} }})
  cidr{i}   = "10.{octet}.0.0/16"
}}

resource "aws_vpc" "v{i}" {{
  cidr_block           = local.cidr{i}
  enable_dns_support   = true
  enable_dns_hostnames = true
  tags                 = local.tags{i}
}}

resource "aws_subnet" "a{i}" {{
  vpc_id            = aws_vpc.v{i}.id
  cidr_block        = cidrsubnet(local.cidr{i}, 8, 1)
  availability_zone = "us-east-1a"
}}

resource "aws_subnet" "b{i}" {{
  vpc_id            = aws_vpc.v{i}.id
  cidr_block        = cidrsubnet(local.cidr{i}, 8, 2)
  availability_zone = "us-east-1b"
}}

resource "aws_subnet" "c{i}" {{
  vpc_id            = aws_vpc.v{i}.id
  cidr_block        = cidrsubnet(local.cidr{i}, 8, 3)
  availability_zone = "us-east-1c"
}}

resource "aws_security_group" "web{i}" {{
  name   = "${{local.prefix{i}}}-web"
  vpc_id = aws_vpc.v{i}.id
  tags   = local.tags{i}

  ingress {{
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = ["0.0.0.0/0"]
  }}
}}

resource "aws_security_group" "app{i}" {{
  name   = "${{local.prefix{i}}}-app"
  vpc_id = aws_vpc.v{i}.id

  ingress {{
    from_port       = 8080
    to_port         = 8080
    protocol        = "tcp"
    security_groups = [aws_security_group.web{i}.id]
  }}
}}

resource "aws_security_group" "db{i}" {{
  name   = "${{local.prefix{i}}}-db"
  vpc_id = aws_vpc.v{i}.id

  ingress {{
    from_port   = 5432
    to_port     = 5432
    protocol    = "tcp"
    cidr_blocks = [aws_vpc.v{i}.cidr_block]
  }}
}}

resource "aws_security_group_rule" "db_from_app{i}" {{
  type                     = "ingress"
  security_group_id        = aws_security_group.db{i}.id
  from_port                = 5432
  to_port                  = 5432
  protocol                 = "tcp"
  source_security_group_id = aws_security_group.app{i}.id
}}

resource "aws_security_group" "endpoints{i}" {{
  name   = "${{local.prefix{i}}}-endpoints"
  vpc_id = aws_vpc.v{i}.id

  ingress {{
    from_port       = 443
    to_port         = 443
    protocol        = "tcp"
    security_groups = [aws_security_group.app{i}.id]
  }}
}}

resource "aws_vpc_endpoint" "sqs{i}" {{
  vpc_id              = aws_vpc.v{i}.id
  service_name        = "com.amazonaws.us-east-1.sqs"
  vpc_endpoint_type   = "Interface"
  private_dns_enabled = true
  subnet_ids          = [aws_subnet.a{i}.id, aws_subnet.b{i}.id]
  security_group_ids  = [aws_security_group.endpoints{i}.id]
  policy = jsonencode({{
    Statement = [{{ Effect = "Allow", Principal = "*", Action = "sqs:SendMessage",
                    Resource = "*" }}]
  }})
}}

resource "aws_vpc_endpoint" "ssm{i}" {{
  vpc_id             = aws_vpc.v{i}.id
  service_name       = "com.amazonaws.us-east-1.ssm"
  vpc_endpoint_type  = "Interface"
  subnet_ids         = [aws_subnet.c{i}.id]
  security_group_ids = [aws_security_group.endpoints{i}.id]
}}

resource "aws_route_table" "private{i}" {{
  vpc_id = aws_vpc.v{i}.id
}}

resource "aws_vpc_endpoint" "s3{i}" {{
  vpc_id            = aws_vpc.v{i}.id
  service_name      = "com.amazonaws.us-east-1.s3"
  vpc_endpoint_type = "Gateway"
  route_table_ids   = [aws_route_table.private{i}.id]
}}

resource "aws_network_acl" "private{i}" {{
  vpc_id     = aws_vpc.v{i}.id
  subnet_ids = [aws_subnet.a{i}.id]

  ingress {{
    protocol   = "tcp"
    rule_no    = 100
    action     = "allow"
    cidr_block = local.cidr{i}
    from_port  = 5432
    to_port    = 5432
  }}
}}

"""

CFN_HEAD = "AWSTemplateFormatVersion: '2010-09-09'\nParameters:\n"
CFN_PARAMETER = """\
  Name{i}:
    Type: String
    Default: app{i}
"""
CFN_BLOCK = """\
  Vpc{i}:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: 10.{octet}.0.0/16
      EnableDnsSupport: true
      EnableDnsHostnames: true
      Tags: [{{Key: Name, Value: !Sub "${{Name{i}}}-prod-net"}}]
  SubnetA{i}:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: !Ref Vpc{i}
      CidrBlock: !Select [1, !Cidr [!GetAtt Vpc{i}.CidrBlock, 4, 8]]
      AvailabilityZone: us-east-1a
  SubnetB{i}:
    Type: AWS::EC2::Subnet
    Properties:
      VpcId: !Ref Vpc{i}
      CidrBlock: 10.{octet}.2.0/24
      AvailabilityZone: us-east-1b
  Web{i}:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: !Sub "${{Name{i}}} web"
      VpcId: !Ref Vpc{i}
      SecurityGroupIngress:
        - {{IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 0.0.0.0/0}}
  App{i}:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: !Join [" ", [!Ref Name{i}, app]]
      VpcId: !Ref Vpc{i}
      SecurityGroupIngress:
        - {{IpProtocol: tcp, FromPort: 8080, ToPort: 8080, SourceSecurityGroupId: !Ref Web{i}}}
  Db{i}:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: !Sub "${{Name{i}}} db"
      VpcId: !Ref Vpc{i}
      SecurityGroupIngress:
        - {{IpProtocol: tcp, FromPort: 5432, ToPort: 5432, CidrIp: !GetAtt Vpc{i}.CidrBlock}}
  DbFromApp{i}:
    Type: AWS::EC2::SecurityGroupIngress
    Properties:
      GroupId: !Ref Db{i}
      IpProtocol: tcp
      FromPort: 5432
      ToPort: 5432
      SourceSecurityGroupId: !Ref App{i}
  Endpoints{i}:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: endpoints
      VpcId: !Ref Vpc{i}
      SecurityGroupIngress:
        - {{IpProtocol: tcp, FromPort: 443, ToPort: 443, SourceSecurityGroupId: !Ref App{i}}}
  Sqs{i}:
    Type: AWS::EC2::VPCEndpoint
    Properties:
      VpcId: !Ref Vpc{i}
      ServiceName: !Sub com.amazonaws.${{AWS::Region}}.sqs
      VpcEndpointType: Interface
      PrivateDnsEnabled: true
      SubnetIds: [!Ref SubnetA{i}, !Ref SubnetB{i}]
      SecurityGroupIds: [!Ref Endpoints{i}]
  RouteTable{i}:
    Type: AWS::EC2::RouteTable
    Properties:
      VpcId: !Ref Vpc{i}
  S3{i}:
    Type: AWS::EC2::VPCEndpoint
    Properties:
      VpcId: !Ref Vpc{i}
      ServiceName: com.amazonaws.us-east-1.s3
      VpcEndpointType: Gateway
      RouteTableIds: [!Ref RouteTable{i}]
"""


def write_inputs(directory: str, blocks: int) -> tuple[str, str]:
    """A Terraform module and a template of `blocks` blocks; their paths."""
    module = os.path.join(directory, f"tf-{blocks}")
    os.makedirs(module, exist_ok=True)
    with open(os.path.join(module, "main.tf"), "w", encoding="utf-8") as handle:
        for i in range(blocks):
            handle.write(TF_BLOCK.format(i=i, octet=i % 256))
    template = os.path.join(directory, f"cfn-{blocks}.yaml")
    with open(template, "w", encoding="utf-8") as handle:
        handle.write(CFN_HEAD)
        handle.writelines(CFN_PARAMETER.format(i=i) for i in range(blocks))
        handle.write("Resources:\n")
        handle.writelines(CFN_BLOCK.format(i=i, octet=i % 256) for i in range(blocks))
    return module, template


def measure(path: str, repeat: int) -> tuple[float, float]:
    """Median wall and CPU seconds of `vpcsec-lint --no-cache --format json PATH`."""
    argv = [sys.executable, "-m", "vpcsec_lint", "--no-cache", "--format", "json",
            "--jobs", "1", path]
    run(argv)  # warm-up: bytecode and the file system cache
    samples = [run(argv) for _ in range(repeat)]
    if any(s.returncode not in (0, 1) for s in samples):
        raise SystemExit(f"vpcsec-lint failed on {path}")
    return (statistics.median(s.wall for s in samples),
            statistics.median(s.cpu for s in samples))


def _best(repeat: int, action: Callable[[], object]) -> tuple[float, object]:
    """The least CPU seconds of `repeat` calls of `action`, and its last result."""
    times, result = [], None
    for _ in range(repeat):
        start = time.process_time()
        result = action()
        times.append(time.process_time() - start)
    return min(times), result


def phases(framework: str, path: str, repeat: int) -> dict[str, float]:
    """CPU seconds of parsing, evaluation, the model builder and the rules for one input."""
    from vpcsec_lint import cache
    from vpcsec_lint.engine import Options, build_model

    cache.enabled = False
    rules = Options().enabled_rules()
    if framework == "terraform":
        from vpcsec_lint.terraform.evaluator import Limits, Module, ModuleSource
        from vpcsec_lint.terraform.loader import load_module, parse_tf_text

        main_tf = os.path.join(path, "main.tf")
        with open(main_tf, encoding="utf-8") as handle:
            text = handle.read()
        parse, body = _best(repeat, lambda: parse_tf_text(text, main_tf))
        source = ModuleSource(path, [(main_tf, body)])  # type: ignore[list-item]
        evaluate, _ = _best(repeat, lambda: Module(source, lambda _d: None,
                                                   limits=Limits(path, path)).raw_resources())
        unit = load_module(path)
    else:
        from vpcsec_lint.cloudformation.template import build_unit
        from vpcsec_lint.yamlnodes import load_document

        with open(path, encoding="utf-8") as handle:
            text = handle.read()
        parse, doc = _best(repeat, lambda: load_document(text, path))
        evaluate, unit = _best(repeat, lambda: build_unit(doc, path))  # type: ignore[arg-type]
    model, built = _best(repeat, lambda: build_model(unit))  # type: ignore[arg-type]
    checked, _ = _best(repeat, lambda: [list(rule.check(built)) for rule in rules])
    return {"parse": parse, "evaluate": evaluate, "model": model, "rules": checked}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1,10,100", help="blocks per input (1x, 10x, ...)")
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--keep", metavar="DIR", help="write the inputs here and keep them")
    args = parser.parse_args(argv)
    sizes = [int(s) for s in args.sizes.split(",")]
    directory = args.keep or tempfile.mkdtemp(prefix="vpcsec-scale-")
    print("| framework | blocks | resources | wall s | CPU s | CPU ms per added block |")
    print("|---|---|---|---|---|---|")
    for framework, index, per_block in (("terraform", 0, 14), ("cloudformation", 1, 11)):
        previous: tuple[int, float] | None = None
        for blocks in sizes:
            path = write_inputs(directory, blocks)[index]
            wall, cpu = measure(path, args.repeat)
            marginal = "-" if previous is None else \
                f"{1000 * (cpu - previous[1]) / (blocks - previous[0]):.1f}"
            previous = (blocks, cpu)
            print(f"| {framework} | {blocks} | {blocks * per_block} | {wall:.2f} | {cpu:.2f} "
                  f"| {marginal} |", flush=True)
    print()
    print("| framework | blocks | parse | evaluate | model | rules |  (CPU ms per block)")
    print("|---|---|---|---|---|---|")
    for framework, index in (("terraform", 0), ("cloudformation", 1)):
        for blocks in sizes:
            path = write_inputs(directory, blocks)[index]
            cost = phases(framework, path, args.repeat)
            print(f"| {framework} | {blocks} | " + " | ".join(
                f"{1000 * cost[k] / blocks:.2f}" for k in ("parse", "evaluate", "model",
                                                           "rules")) + " |", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
