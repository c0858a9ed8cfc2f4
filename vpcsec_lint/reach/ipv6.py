"""IPv6 where the inputs decide it: the internet to a target in a dual-stack subnet over
`::/0`, and IPv6 as a way out for a workload whose IPv4 path is blocked.

Each question answers True, False or UNKNOWN from the code; anything else stays unknown.

Facts relied on:
- A subnet has IPv6 addresses only with an IPv6 CIDR block (dual-stack or IPv6-only):
  https://docs.aws.amazon.com/vpc/latest/userguide/vpc-ip-addressing.html ;
  in CloudFormation also through `AWS::EC2::SubnetCidrBlock`:
  https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-ec2-subnetcidrblock.html
- IPv6 addresses are globally unique, so an instance with one is reachable through an
  internet gateway without a public IPv4 address; an egress-only internet gateway lets
  connections out and never in:
  https://docs.aws.amazon.com/vpc/latest/userguide/egress-only-internet-gateway.html
- An instance gets IPv6 addresses from `Ipv6AddressCount`/`Ipv6Addresses`, else from its
  subnet's `AssignIpv6AddressOnCreation` (off by default):
  https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_RunInstances.html ,
  https://docs.aws.amazon.com/vpc/latest/userguide/subnet-properties.html
- An RDS DB instance or cluster of network type `IPV4` (the default) has no IPv6 address:
  https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_VPC.WorkingWithRDSInstanceinaVPC.html#USER_VPC.IP_addressing
- A Lambda function sends IPv6 only with `Ipv6AllowedForDualStack` (off by default):
  https://docs.aws.amazon.com/lambda/latest/dg/configuration-vpc.html#configuration-vpc-ipv6
"""

from __future__ import annotations

import ipaddress
from typing import Any

from vpcsec_lint.model import Model, Subnet
from vpcsec_lint.values import UNKNOWN, Val

WORLD6 = ipaddress.ip_network("::/0")
_SUBNET_IPV6 = {"aws_subnet": ("ipv6_cidr_block", "ipv6_native"),
                "AWS::EC2::Subnet": ("Ipv6CidrBlock", "Ipv6CidrBlocks", "Ipv6Native",
                                     "Ipv6IpamPoolId")}
_INSTANCE = {"aws_instance": ("ipv6_address_count", "ipv6_addresses", "network_interface",
                              "launch_template"),
             "AWS::EC2::Instance": ("Ipv6AddressCount", "Ipv6Addresses", "NetworkInterfaces",
                                    "LaunchTemplate")}
_ASSIGN = {"aws_subnet": "assign_ipv6_address_on_creation",
           "AWS::EC2::Subnet": "AssignIpv6AddressOnCreation"}
_RDS = {"aws_db_instance": "network_type", "aws_rds_cluster": "network_type",
        "AWS::RDS::DBInstance": "NetworkType", "AWS::RDS::DBCluster": "NetworkType"}


def _set(val: Val | None) -> Any:
    """True (set), False (absent, null, empty, false) or UNKNOWN."""
    if val is None or val.value in (None, "", [], False, "false"):
        return False
    if val.alternatives or val.value is UNKNOWN:
        return UNKNOWN
    return True


def dual_stack(model: Model, subnet: Subnet) -> Any:
    """Does the subnet have an IPv6 CIDR block? True, False or UNKNOWN."""
    raw = model.resources.get(subnet.key)
    if raw is None or raw.type not in _SUBNET_IPV6:
        return UNKNOWN
    found: Any = False
    for key in _SUBNET_IPV6[raw.type]:
        status = _set(raw.body.get(key))
        if status is True:
            return True
        if status is UNKNOWN:
            found = UNKNOWN
    if raw.type == "AWS::EC2::Subnet":
        blocks, unplaced = _cidr_block_subnets(model)
        if subnet.key in blocks:
            return True
        if unplaced:
            found = UNKNOWN  # a block whose subnet we cannot tell
    return found


def _cidr_block_subnets(model: Model) -> tuple[frozenset[str], bool]:
    """The subnets an `AWS::EC2::SubnetCidrBlock` adds an IPv6 block to, and whether some
    block's subnet cannot be told; computed once per model (every question asks it)."""
    cached: tuple[frozenset[str], bool] | None = getattr(model, "ipv6_cidr_blocks", None)
    if cached is None:
        subnets: set[str] = set()
        unplaced = False
        for other in model.resources.values():
            if other.type != "AWS::EC2::SubnetCidrBlock":
                continue
            ref = other.body.get("SubnetId")
            if ref is not None and ref.ref is not None:
                subnets.add(ref.ref[0])
            else:
                unplaced = True
        cached = (frozenset(subnets), unplaced)
        model.ipv6_cidr_blocks = cached  # type: ignore[attr-defined]
    return cached


def has_ipv6_address(model: Model, resource: str, subnet: Subnet) -> Any:
    """Does the target have an IPv6 address in `subnet`? True, False or UNKNOWN
    (instances and RDS only; other targets are unknown)."""
    raw = model.resources.get(resource)
    if raw is None:
        return UNKNOWN
    if raw.type in _RDS:
        network_type = raw.body.get(_RDS[raw.type])
        if network_type is None:
            return False
        value = network_type.value
        return False if isinstance(value, str) and value.upper() == "IPV4" \
            and not network_type.alternatives else UNKNOWN
    if raw.type not in _INSTANCE:
        return UNKNOWN
    count, addresses, interfaces, template = (raw.body.get(k) for k in _INSTANCE[raw.type])
    if _set(interfaces) is not False or _set(template) is not False:
        return UNKNOWN  # the addresses come from elsewhere
    if count is not None:
        if isinstance(count.value, int) and not count.alternatives:
            return count.value > 0
        return UNKNOWN
    if _set(addresses) is not False:
        return _set(addresses)
    sub = model.resources.get(subnet.key)
    if sub is None or sub.type not in _ASSIGN:
        return UNKNOWN
    return _set(sub.body.get(_ASSIGN[sub.type]))


def lambda_sends_ipv6(model: Model, resource: str) -> Any:
    """`ipv6_allowed_for_dual_stack` of a Lambda function's VPC configuration."""
    raw = model.resources.get(resource)
    if raw is None:
        return UNKNOWN
    if raw.type == "aws_lambda_function":
        config = raw.body.get("vpc_config")
        items = config.items() if config is not None else []
        if len(items) != 1:
            return UNKNOWN if items else False
        return _set(items[0].get("ipv6_allowed_for_dual_stack"))
    config = raw.body.get("VpcConfig")
    if config is None:
        return UNKNOWN  # SAM Globals, or not in a VPC
    return _set(config.get("Ipv6AllowedForDualStack"))
