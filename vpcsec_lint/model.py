"""The common resource model: what every rule sees, whatever the framework.

Each framework has a builder (`terraform/build.py`, `cloudformation/build.py`)
that maps its resources onto these entities. Rules read only this module's
types, so a rule is written once for Terraform and CloudFormation.

Entities are keyed by their resource address (Terraform `aws_vpc.main`,
`module.net.aws_vpc.main`, `data.aws_vpc.x`; CloudFormation logical ID). A
reference that cannot be followed to an entity is `None` with `known=False`
semantics: rules stay silent about it.
"""

from __future__ import annotations

import ipaddress
from typing import Any

from vpcsec_lint.raw import RawResource
from vpcsec_lint.records import Record
from vpcsec_lint.values import UNKNOWN, Location, Val

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


class Setting(Record):
    """A scalar setting: its value (or the default when omitted) and where to change it."""

    __slots__ = ("value", "loc", "explicit", "val")

    def __init__(self, value: Any, loc: Location, explicit: bool, val: Val | None = None) -> None:
        self.value = value
        self.loc = loc
        self.explicit = explicit
        self.val = val

    @property
    def known(self) -> bool:
        return self.value is not UNKNOWN

    def candidates(self) -> list[Any]:
        """Possible values: both branches of an unknown conditional, else the value."""
        if self.val is not None and self.val.alternatives:
            return [c.value for c in self.val.candidates()]
        return [self.value]


class Ref(Record):
    """A reference to another entity: its key, or None when it cannot be followed."""

    __slots__ = ("key", "val")

    def __init__(self, key: str | None, val: Val | None) -> None:
        self.key = key
        self.val = val
        """The value as written (None when the attribute is omitted)."""

    @property
    def known(self) -> bool:
        return self.key is not None


class Entity(Record):
    __slots__ = ("key", "framework", "loc", "resource")

    def __init__(self, key: str, framework: str, loc: Location, resource: str) -> None:
        self.key = key
        self.framework = framework
        self.loc = loc
        self.resource = resource
        """The address or logical ID reported in findings."""


class Vpc(Entity):
    __slots__ = ("known", "cidrs", "ipv6_cidrs", "cidr_refs", "cidr_symbols", "dns_support",
                 "dns_hostnames", "is_default")

    def __init__(self, key: str, framework: str, loc: Location, resource: str, known: bool = True,
                 cidrs: list[Val] | None = None, ipv6_cidrs: list[Val] | None = None,
                 cidr_refs: set[tuple[str, str]] | None = None,
                 cidr_symbols: set[str] | None = None, dns_support: Setting | None = None,
                 dns_hostnames: Setting | None = None, is_default: bool = False) -> None:
        super().__init__(key, framework, loc, resource)
        self.known = known
        """False for `data.aws_vpc` and module outputs: only its reference shapes are known."""
        self.cidrs = [] if cidrs is None else cidrs
        self.ipv6_cidrs = [] if ipv6_cidrs is None else ipv6_cidrs
        self.cidr_refs = set() if cidr_refs is None else cidr_refs
        """References that denote one of this VPC's CIDRs (`("aws_vpc.main", "cidr_block")`)."""
        self.cidr_symbols = set() if cidr_symbols is None else cidr_symbols
        """Variables/parameters its CIDRs are read from."""
        self.dns_support = dns_support
        self.dns_hostnames = dns_hostnames
        self.is_default = is_default

    def networks(self) -> list[Network]:
        """Its known CIDRs as networks (IPv4 and IPv6)."""
        return [n for n in (parse_network(v.value) for v in [*self.cidrs, *self.ipv6_cidrs])
                if n is not None]


class Subnet(Entity):
    __slots__ = ("vpc", "cidr", "availability_zone", "public_ip_on_launch")

    def __init__(self, key: str, framework: str, loc: Location, resource: str,
                 vpc: Ref | None = None, cidr: Val | None = None,
                 availability_zone: Val | None = None, public_ip_on_launch: Any = False) -> None:
        super().__init__(key, framework, loc, resource)
        self.vpc = Ref(None, None) if vpc is None else vpc
        self.cidr = cidr
        self.availability_zone = availability_zone
        self.public_ip_on_launch = public_ip_on_launch
        """`map_public_ip_on_launch`/`MapPublicIpOnLaunch`: True, False or UNKNOWN."""


class SecurityGroup(Entity):
    __slots__ = ("vpc", "name", "implicit_egress", "unknown_rules")

    def __init__(self, key: str, framework: str, loc: Location, resource: str,
                 vpc: Ref | None = None, name: Val | None = None, implicit_egress: bool = False,
                 unknown_rules: set[str] | None = None) -> None:
        super().__init__(key, framework, loc, resource)
        self.vpc = Ref(None, None) if vpc is None else vpc
        self.name = name
        self.implicit_egress = implicit_egress
        """AWS's default allow-all egress rule is kept (CloudFormation without
        `SecurityGroupEgress`); Terraform's `aws_security_group` removes it."""
        self.unknown_rules = set() if unknown_rules is None else unknown_rules
        """Directions (`ingress`, `egress`) whose inline rule list is not known."""


class SourceGroup(Record):
    """A security group named as the source of a rule."""

    __slots__ = ("key", "val", "is_self")

    def __init__(self, key: str | None, val: Val | None, is_self: bool = False) -> None:
        self.key = key
        self.val = val
        self.is_self = is_self


class SgRule(Record):
    """One ingress or egress rule, from any of the rule forms."""

    __slots__ = ("framework", "resource", "loc", "group", "direction", "protocol", "from_port",
                 "to_port", "cidrs", "cidr_attr", "source_groups", "prefix_lists", "dynamic",
                 "inline")

    def __init__(self, framework: str, resource: str, loc: Location, group: Ref, direction: str,
                 protocol: Any, from_port: Any, to_port: Any, cidrs: list[Val] | None = None,
                 cidr_attr: Location | None = None, source_groups: list[SourceGroup] | None = None,
                 prefix_lists: list[Val] | None = None, dynamic: bool = False,
                 inline: bool = False) -> None:
        self.framework = framework
        self.resource = resource
        self.loc = loc
        """The rule block or rule resource."""
        self.group = group
        """The group the rule belongs to."""
        self.direction = direction
        """`ingress` or `egress`."""
        self.protocol = protocol
        """`tcp`, `udp`, `icmp`, `icmpv6`, `all`, another protocol number as a string, or
        UNKNOWN."""
        self.from_port = from_port
        self.to_port = to_port
        self.cidrs = [] if cidrs is None else cidrs
        """IPv4 and IPv6 CIDR sources, each with its location."""
        self.cidr_attr = cidr_attr
        """The CIDR attribute to point at."""
        self.source_groups = [] if source_groups is None else source_groups
        self.prefix_lists = [] if prefix_lists is None else prefix_lists
        self.dynamic = dynamic
        """Generated by a Terraform `dynamic` block: its contents are not known."""
        self.inline = inline

    def port_range(self) -> tuple[int, int] | None:
        """The covered port range; (0, 65535) for all traffic; None when unknown."""
        if self.protocol == "all":
            return (0, 65535)
        if isinstance(self.from_port, int) and isinstance(self.to_port, int):
            if self.from_port == -1 and self.to_port == -1:
                return (0, 65535)
            return (self.from_port, self.to_port)
        return None

    def covers_tcp_port(self, port: int) -> Any:
        """True, False or UNKNOWN: does the rule admit TCP traffic to `port`?"""
        if self.protocol is UNKNOWN:
            return UNKNOWN
        if self.protocol not in ("tcp", "all"):
            return False
        ports = self.port_range()
        if ports is None:
            return UNKNOWN
        return ports[0] <= port <= ports[1]

    def describe_ports(self) -> str:
        if self.protocol == "all":
            return "all traffic"
        ports = self.port_range()
        proto = self.protocol if isinstance(self.protocol, str) else "?"
        if ports is None:
            return f"{proto}/?"
        if ports == (0, 65535):
            return f"all {proto} ports"
        if ports[0] == ports[1]:
            return f"{proto}/{ports[0]}"
        return f"{proto}/{ports[0]}-{ports[1]}"


class Attachment(Record):
    """A resource that attaches a security group (an ENI holder)."""

    __slots__ = ("resource", "resource_type", "is_interface_endpoint")

    def __init__(self, resource: str, resource_type: str, is_interface_endpoint: bool) -> None:
        self.resource = resource
        self.resource_type = resource_type
        self.is_interface_endpoint = is_interface_endpoint


class Endpoint(Entity):
    __slots__ = ("vpc", "endpoint_type", "service", "private_dns", "policy", "policy_resources",
                 "security_groups", "security_groups_val", "route_tables", "subnets",
                 "service_region")

    def __init__(self, key: str, framework: str, loc: Location, resource: str,
                 vpc: Ref | None = None, endpoint_type: Setting | None = None,
                 service: Val | None = None, private_dns: Setting | None = None,
                 policy: Val | None = None,
                 policy_resources: list[tuple[str, Location, Val | None]] | None = None,
                 security_groups: list[Ref] | None = None, security_groups_val: Val | None = None,
                 route_tables: list[Ref] | None = None, subnets: list[Ref] | None = None,
                 service_region: Val | None = None) -> None:
        super().__init__(key, framework, loc, resource)
        self.vpc = Ref(None, None) if vpc is None else vpc
        self.endpoint_type = endpoint_type
        self.service = service
        self.private_dns = private_dns
        self.policy = policy
        """The `policy`/`PolicyDocument` value; None when omitted."""
        self.policy_resources = [] if policy_resources is None else policy_resources
        """Separate `aws_vpc_endpoint_policy` resources: (address, location, policy or None)."""
        self.security_groups = [] if security_groups is None else security_groups
        self.security_groups_val = security_groups_val
        """The security-group attribute as written (None when omitted)."""
        self.route_tables = [] if route_tables is None else route_tables
        self.subnets = [] if subnets is None else subnets
        self.service_region = service_region
        """Cross-region PrivateLink: the region of the service
        (`service_region`/`ServiceRegion`)."""

    @property
    def service_name(self) -> str | None:
        """The service name, with unknown parts as `${...}`; None when nothing is known."""
        if self.service is None:
            return None
        if isinstance(self.service.value, str):
            return self.service.value
        return self.service.partial


class Cache(Entity):
    """A Redis/Valkey replication group or MemoryDB cluster."""

    __slots__ = ("kind", "engine", "node_count", "cluster_mode", "port", "security_groups",
                 "security_groups_val", "security_groups_loc", "membership_unknown")

    def __init__(self, key: str, framework: str, loc: Location, resource: str,
                 kind: str = "replication_group", engine: Any = UNKNOWN, node_count: Any = UNKNOWN,
                 cluster_mode: Any = UNKNOWN, port: Any = 6379,
                 security_groups: list[Ref] | None = None, security_groups_val: Val | None = None,
                 security_groups_loc: Location | None = None,
                 membership_unknown: bool = False) -> None:
        super().__init__(key, framework, loc, resource)
        self.kind = kind
        """`replication_group` or `memorydb`."""
        self.engine = engine
        self.node_count = node_count
        self.cluster_mode = cluster_mode
        self.port = port
        self.security_groups = [] if security_groups is None else security_groups
        self.security_groups_val = security_groups_val
        self.security_groups_loc = security_groups_loc
        self.membership_unknown = membership_unknown
        """Attached to a global datastore or a primary cluster: its settings come from elsewhere."""


class Peering(Entity):
    __slots__ = ("requester_vpc", "accepter_vpc", "peer_vpc_loc", "aliases")

    def __init__(self, key: str, framework: str, loc: Location, resource: str,
                 requester_vpc: Ref | None = None, accepter_vpc: Ref | None = None,
                 peer_vpc_loc: Location | None = None, aliases: set[str] | None = None) -> None:
        super().__init__(key, framework, loc, resource)
        self.requester_vpc = Ref(None, None) if requester_vpc is None else requester_vpc
        self.accepter_vpc = Ref(None, None) if accepter_vpc is None else accepter_vpc
        self.peer_vpc_loc = peer_vpc_loc
        self.aliases = set() if aliases is None else aliases
        """Keys of accepter resources that stand for this connection."""


class RouteTable(Entity):
    __slots__ = ("vpc", "routes_unknown")

    def __init__(self, key: str, framework: str, loc: Location, resource: str,
                 vpc: Ref | None = None, routes_unknown: bool = False) -> None:
        super().__init__(key, framework, loc, resource)
        self.vpc = Ref(None, None) if vpc is None else vpc
        self.routes_unknown = routes_unknown
        """Its inline route list is not known (`route = var.routes`)."""


class Route(Record):
    __slots__ = ("framework", "resource", "loc", "table", "destination", "prefix_list", "peering",
                 "nat_gateway", "target_loc", "target", "target_ref")

    def __init__(self, framework: str, resource: str, loc: Location, table: Ref,
                 destination: Val | None = None, prefix_list: Ref | None = None,
                 peering: Ref | None = None, nat_gateway: bool = False,
                 target_loc: Location | None = None, target: str = "unknown",
                 target_ref: Ref | None = None) -> None:
        self.framework = framework
        self.resource = resource
        self.loc = loc
        self.table = table
        self.destination = destination
        """An IPv4 or IPv6 CIDR destination."""
        self.prefix_list = prefix_list
        self.peering = peering
        self.nat_gateway = nat_gateway
        self.target_loc = target_loc
        self.target = target
        """`local`, `peering`, `nat`, `igw`, `egress-igw`, `vpce`, `other` (transit gateway,
        instance, interface...) or `unknown`."""
        self.target_ref = target_ref
        """The NAT gateway, internet gateway or endpoint the route sends to, when known."""


class PrefixList(Entity):
    __slots__ = ("entries", "complete", "max_entries", "address_family")

    def __init__(self, key: str, framework: str, loc: Location, resource: str,
                 entries: list[Val] | None = None, complete: bool = True,
                 max_entries: Any = UNKNOWN, address_family: Any = UNKNOWN) -> None:
        super().__init__(key, framework, loc, resource)
        self.entries = [] if entries is None else entries
        self.complete = complete
        """False when some entries are unknown."""
        self.max_entries = max_entries
        """`max_entries`/`MaxEntries`: what a rule referencing it counts against the group quota."""
        self.address_family = address_family
        """`IPv4`, `IPv6` or UNKNOWN."""


class Nacl(Entity):
    __slots__ = ("vpc", "is_default")

    def __init__(self, key: str, framework: str, loc: Location, resource: str,
                 vpc: Ref | None = None, is_default: bool = False) -> None:
        super().__init__(key, framework, loc, resource)
        self.vpc = Ref(None, None) if vpc is None else vpc
        self.is_default = is_default


class NaclEntry(Record):
    __slots__ = ("framework", "resource", "loc", "nacl", "egress", "rule_number", "protocol",
                 "action", "cidr", "from_port", "to_port")

    def __init__(self, framework: str, resource: str, loc: Location, nacl: Ref, egress: bool,
                 rule_number: Any, protocol: Any, action: Any, cidr: Val | None,
                 from_port: Any = UNKNOWN, to_port: Any = UNKNOWN) -> None:
        self.framework = framework
        self.resource = resource
        self.loc = loc
        self.nacl = nacl
        self.egress = egress
        self.rule_number = rule_number
        self.protocol = protocol
        """As for `SgRule.protocol`."""
        self.action = action
        """`allow`, `deny` or UNKNOWN."""
        self.cidr = cidr
        self.from_port = from_port
        self.to_port = to_port


class LambdaFunction(Entity):
    __slots__ = ("vpc_attached", "subnets", "subnet_refs", "subnets_loc", "security_groups",
                 "security_groups_loc", "environment", "file_systems", "role")

    def __init__(self, key: str, framework: str, loc: Location, resource: str,
                 vpc_attached: bool = False, subnets: Val | None = None,
                 subnet_refs: list[Ref] | None = None, subnets_loc: Location | None = None,
                 security_groups: list[Ref] | None = None,
                 security_groups_loc: Location | None = None, environment: Val | None = None,
                 file_systems: list[Val] | None = None, role: Val | None = None) -> None:
        super().__init__(key, framework, loc, resource)
        self.vpc_attached = vpc_attached
        self.subnets = subnets
        self.subnet_refs = [] if subnet_refs is None else subnet_refs
        self.subnets_loc = subnets_loc
        self.security_groups = [] if security_groups is None else security_groups
        self.security_groups_loc = security_groups_loc
        self.environment = environment
        """The environment variables mapping, when given."""
        self.file_systems = [] if file_systems is None else file_systems
        """`file_system_config` ARNs (EFS access points)."""
        self.role = role
        """The execution role (`role`/`Role`) as written."""


class Instance(Entity):
    """An EC2 instance with its primary network interface."""

    __slots__ = ("subnet", "subnet_loc", "security_groups", "security_groups_loc", "public_ip",
                 "instance_profile")

    def __init__(self, key: str, framework: str, loc: Location, resource: str,
                 subnet: Ref | None = None, subnet_loc: Location | None = None,
                 security_groups: list[Ref] | None = None,
                 security_groups_loc: Location | None = None, public_ip: Any = UNKNOWN,
                 instance_profile: Ref | None = None) -> None:
        super().__init__(key, framework, loc, resource)
        self.subnet = subnet
        """None when no subnet is named (default subnet: unknown placement)."""
        self.subnet_loc = subnet_loc
        self.security_groups = [] if security_groups is None else security_groups
        self.security_groups_loc = security_groups_loc
        self.public_ip = public_ip
        """Whether it gets a public IPv4 address: True, False or UNKNOWN."""
        self.instance_profile = instance_profile
        """None when omitted; key None when the profile is not in the code."""


class Listener(Record):
    """One listener of a load balancer: the port and protocol clients connect to."""

    __slots__ = ("resource", "loc", "port", "protocol")

    def __init__(self, resource: str, loc: Location, port: Setting, protocol: Setting) -> None:
        self.resource = resource
        """The listener resource (a classic load balancer's own address for its inline ones)."""
        self.loc = loc
        self.port = port
        self.protocol = protocol
        """Upper case (`HTTP`, `HTTPS`, `TCP`, `TLS`, `UDP`, ...), or UNKNOWN."""


class LoadBalancer(Entity):
    """An Application, Network or Gateway Load Balancer (ELBv2) or a Classic Load Balancer."""

    __slots__ = ("lb_type", "internal", "subnets", "subnets_known", "subnets_loc",
                 "security_groups", "security_groups_val", "security_groups_loc", "listeners",
                 "connection_attrs")

    def __init__(self, key: str, framework: str, loc: Location, resource: str,
                 lb_type: Setting | None = None, internal: Setting | None = None,
                 subnets: list[Ref] | None = None, subnets_known: bool = False,
                 subnets_loc: Location | None = None, security_groups: list[Ref] | None = None,
                 security_groups_val: Val | None = None,
                 security_groups_loc: Location | None = None,
                 listeners: list[Listener] | None = None,
                 connection_attrs: set[tuple[str, str]] | None = None) -> None:
        super().__init__(key, framework, loc, resource)
        self.lb_type = lb_type
        """`application`, `network`, `gateway` or `classic`."""
        self.internal = internal
        """True for an internal scheme, False for internet-facing (the default), or UNKNOWN."""
        self.subnets = [] if subnets is None else subnets
        self.subnets_known = subnets_known
        """True when `subnets` is the complete, known list (from `subnets` or subnet mappings)."""
        self.subnets_loc = subnets_loc
        self.security_groups = [] if security_groups is None else security_groups
        self.security_groups_val = security_groups_val
        """The security-group attribute as written (None when omitted)."""
        self.security_groups_loc = security_groups_loc
        self.listeners = [] if listeners is None else listeners
        self.connection_attrs = set() if connection_attrs is None else connection_attrs
        """References that name its DNS name (`("aws_lb.api", "dns_name")`,
        `("Alb", "DNSName")`)."""


class TemplateInterface(Record):
    """The primary network interface a launch template gives its instances."""

    __slots__ = ("loc", "security_groups", "security_groups_val", "public_ip")

    def __init__(self, loc: Location, security_groups: list[Ref] | None = None,
                 security_groups_val: Val | None = None, public_ip: Any = UNKNOWN) -> None:
        self.loc = loc
        self.security_groups = [] if security_groups is None else security_groups
        self.security_groups_val = security_groups_val
        """None when the interface names no groups (then the template's own groups apply)."""
        self.public_ip = public_ip
        """`associate_public_ip_address`: True, False, or UNKNOWN (omitted: the subnet decides)."""


class LaunchTemplate(Entity):
    __slots__ = ("name", "security_groups", "security_groups_val", "security_groups_loc",
                 "group_names", "interface", "interfaces_unknown", "instance_profile")

    def __init__(self, key: str, framework: str, loc: Location, resource: str,
                 name: Val | None = None, security_groups: list[Ref] | None = None,
                 security_groups_val: Val | None = None,
                 security_groups_loc: Location | None = None, group_names: bool = False,
                 interface: TemplateInterface | None = None, interfaces_unknown: bool = False,
                 instance_profile: Ref | None = None) -> None:
        super().__init__(key, framework, loc, resource)
        self.name = name
        self.security_groups = [] if security_groups is None else security_groups
        self.security_groups_val = security_groups_val
        """`vpc_security_group_ids`/`SecurityGroupIds` as written (None when omitted)."""
        self.security_groups_loc = security_groups_loc
        self.group_names = group_names
        """Groups are named by name (`security_group_names`/`SecurityGroups`): not followed."""
        self.interface = interface
        self.interfaces_unknown = interfaces_unknown
        """Network interfaces are given but the primary one cannot be told (or is dynamic)."""
        self.instance_profile = instance_profile
        """None when omitted; key None when the profile is not in the code."""


class LaunchConfiguration(Entity):
    __slots__ = ("name", "security_groups", "security_groups_val", "security_groups_loc",
                 "public_ip", "instance_profile")

    def __init__(self, key: str, framework: str, loc: Location, resource: str,
                 name: Val | None = None, security_groups: list[Ref] | None = None,
                 security_groups_val: Val | None = None,
                 security_groups_loc: Location | None = None, public_ip: Any = UNKNOWN,
                 instance_profile: Ref | None = None) -> None:
        super().__init__(key, framework, loc, resource)
        self.name = name
        self.security_groups = [] if security_groups is None else security_groups
        self.security_groups_val = security_groups_val
        self.security_groups_loc = security_groups_loc
        self.public_ip = public_ip
        """`associate_public_ip_address`: True, False, or UNKNOWN (omitted: the subnet decides)."""
        self.instance_profile = instance_profile


class AutoScalingGroup(Entity):
    __slots__ = ("subnets", "subnets_val", "subnets_loc", "launch_template", "template_version",
                 "version_current", "overrides", "launch_template_loc", "launch_configuration")

    def __init__(self, key: str, framework: str, loc: Location, resource: str,
                 subnets: list[Ref] | None = None, subnets_val: Val | None = None,
                 subnets_loc: Location | None = None, launch_template: Ref | None = None,
                 template_version: Val | None = None, version_current: bool = False,
                 overrides: bool = False, launch_template_loc: Location | None = None,
                 launch_configuration: Ref | None = None) -> None:
        super().__init__(key, framework, loc, resource)
        self.subnets = [] if subnets is None else subnets
        self.subnets_val = subnets_val
        """`vpc_zone_identifier`/`VPCZoneIdentifier` as written (None: the default VPC)."""
        self.subnets_loc = subnets_loc
        self.launch_template = launch_template
        """The launch template (also of a mixed-instances policy); None when it uses none,
        key None when it is not in the code."""
        self.template_version = template_version
        self.version_current = version_current
        """The version is the template as written (`$Latest`, `$Default`, omitted, or a reference
        to its latest/default version number)."""
        self.overrides = overrides
        """A mixed-instances override names a launch template of its own."""
        self.launch_template_loc = launch_template_loc
        self.launch_configuration = launch_configuration


class InstanceProfile(Entity):
    __slots__ = ("name", "role")

    def __init__(self, key: str, framework: str, loc: Location, resource: str,
                 name: Val | None = None, role: Ref | None = None) -> None:
        super().__init__(key, framework, loc, resource)
        self.name = name
        self.role = role
        """The role it carries (key None when not in the code); None when it names none."""


class InternetGateway(Entity):
    __slots__ = ("egress_only", "vpcs")

    def __init__(self, key: str, framework: str, loc: Location, resource: str,
                 egress_only: bool = False, vpcs: list[Ref] | None = None) -> None:
        super().__init__(key, framework, loc, resource)
        self.egress_only = egress_only
        self.vpcs = [] if vpcs is None else vpcs
        """The VPCs it is attached to (inline `vpc_id` or attachment resources)."""


class NatGateway(Entity):
    __slots__ = ("subnet", "public", "vpc")

    def __init__(self, key: str, framework: str, loc: Location, resource: str,
                 subnet: Ref | None = None, public: Any = True, vpc: Ref | None = None) -> None:
        super().__init__(key, framework, loc, resource)
        self.subnet = subnet
        self.public = public
        """`connectivity_type` public (the default), False for private, or UNKNOWN."""
        self.vpc = vpc
        """A regional NAT gateway names its VPC and no subnet."""


class HostedZone(Entity):
    __slots__ = ("name", "private", "vpcs")

    def __init__(self, key: str, framework: str, loc: Location, resource: str,
                 name: Val | None = None, private: bool = False,
                 vpcs: list[Ref] | None = None) -> None:
        super().__init__(key, framework, loc, resource)
        self.name = name
        self.private = private
        self.vpcs = [] if vpcs is None else vpcs


# -- data stores, ECS, IAM, Cloud Map, regions ----------------------------------

ENGINE_PORTS: tuple[tuple[str, int], ...] = (
    ("aurora-postgresql", 5432), ("postgres", 5432), ("aurora-mysql", 3306),
    ("aurora", 3306), ("mysql", 3306), ("mariadb", 3306), ("oracle", 1521),
    ("custom-oracle", 1521), ("sqlserver", 1433), ("custom-sqlserver", 1433), ("db2", 50000),
    ("redis", 6379), ("valkey", 6379), ("memcached", 11211), ("docdb", 27017),
    ("neptune", 8182), ("redshift", 5439), ("opensearch", 443), ("elasticsearch", 443),
    ("efs", 2049), ("rabbitmq", 5671), ("activemq", 61617),
)
"""Engine (matched by prefix, case-insensitively) -> the port it listens on by default."""


def engine_port(engine: Any) -> Any:
    """The default port of an engine name (`postgres`, `oracle-ee`, `RabbitMQ`), else UNKNOWN."""
    if not isinstance(engine, str):
        return UNKNOWN
    name = engine.strip().lower()
    for prefix, port in ENGINE_PORTS:
        if name.startswith(prefix):
            return port
    return UNKNOWN


class DataStore(Entity):
    """Something that stores data and listens in a VPC: a database, cache, broker or file system.

    `kind` is one of `rds_instance`, `rds_cluster`, `rds_proxy`, `elasticache`,
    `memorydb`, `opensearch`, `docdb`, `neptune`, `redshift`, `mq`,
    `efs_mount_target`; `resource_type` is the framework's own type.
    """

    __slots__ = ("kind", "resource_type", "engine", "port", "security_groups",
                 "security_groups_val", "security_groups_loc", "subnets", "subnet_group",
                 "subnets_known", "publicly_accessible", "connection_attrs", "member_of")

    def __init__(self, key: str, framework: str, loc: Location, resource: str, kind: str = "",
                 resource_type: str = "", engine: Setting | None = None,
                 port: Setting | None = None, security_groups: list[Ref] | None = None,
                 security_groups_val: Val | None = None,
                 security_groups_loc: Location | None = None, subnets: list[Ref] | None = None,
                 subnet_group: Ref | None = None, subnets_known: bool = False,
                 publicly_accessible: Setting | None = None,
                 connection_attrs: set[tuple[str, str]] | None = None,
                 member_of: Ref | None = None) -> None:
        super().__init__(key, framework, loc, resource)
        self.kind = kind
        self.resource_type = resource_type
        self.engine = engine
        """The engine (`postgres`, `redis`, `RabbitMQ`, ...); defaulted per type when omitted."""
        self.port = port
        """Its port attribute, else the engine's default port (`engine_port`); UNKNOWN when
        unsure."""
        self.security_groups = [] if security_groups is None else security_groups
        self.security_groups_val = security_groups_val
        """The security-group attribute as written (None when omitted: the VPC's default group)."""
        self.security_groups_loc = security_groups_loc
        self.subnets = [] if subnets is None else subnets
        """Its subnets, from the resource or its subnet group; empty when unknown or not given."""
        self.subnet_group = subnet_group
        """The subnet group it names (key None when it is not in the code)."""
        self.subnets_known = subnets_known
        """True when `subnets` is the complete, known list."""
        self.publicly_accessible = publicly_accessible
        """True, False or UNKNOWN (omitted: Terraform `false`, CloudFormation unknown)."""
        self.connection_attrs = set() if connection_attrs is None else connection_attrs
        """References that name its endpoint (`("aws_db_instance.orders", "address")`,
        `("Db", "Endpoint.Address")`), to map a client's setting back to this store."""
        self.member_of = member_of
        """For a cluster member (an Aurora instance): the cluster whose groups it uses."""


class Secret(Record):
    """One `secrets` entry of a container definition."""

    __slots__ = ("name", "value_from", "loc")

    def __init__(self, name: Val | None, value_from: Val | None, loc: Location) -> None:
        self.name = name
        self.value_from = value_from
        self.loc = loc


class Container(Record):
    """One container definition, parsed from JSON text or a structure."""

    __slots__ = ("name", "image", "loc", "environment", "secrets", "log_driver", "port_mappings")

    def __init__(self, name: Val | None, image: Val | None, loc: Location,
                 environment: list[tuple[Val | None, Val | None]] | None = None,
                 secrets: list[Secret] | None = None, log_driver: Val | None = None,
                 port_mappings: list[Val] | None = None) -> None:
        self.name = name
        self.image = image
        self.loc = loc
        self.environment = [] if environment is None else environment
        """(name, value) pairs."""
        self.secrets = [] if secrets is None else secrets
        self.log_driver = log_driver
        self.port_mappings = [] if port_mappings is None else port_mappings
        """Each `portMappings` entry as written (`containerPort`, `hostPort`, `protocol`)."""


class EcsTaskDefinition(Entity):
    __slots__ = ("network_mode", "requires_compatibilities", "containers", "containers_known",
                 "containers_loc", "task_role", "execution_role", "execution_role_loc")

    def __init__(self, key: str, framework: str, loc: Location, resource: str,
                 network_mode: Setting | None = None, requires_compatibilities: Val | None = None,
                 containers: list[Container] | None = None, containers_known: bool = False,
                 containers_loc: Location | None = None, task_role: Ref | None = None,
                 execution_role: Ref | None = None,
                 execution_role_loc: Location | None = None) -> None:
        super().__init__(key, framework, loc, resource)
        self.network_mode = network_mode
        """`awsvpc`, `bridge`, `host`, `none`; omitted is `bridge` (`explicit=False`)."""
        self.requires_compatibilities = requires_compatibilities
        self.containers = [] if containers is None else containers
        self.containers_known = containers_known
        """True when every container definition could be read."""
        self.containers_loc = containers_loc
        self.task_role = task_role
        """None when omitted; key None when the role is not in the code."""
        self.execution_role = execution_role
        self.execution_role_loc = execution_role_loc

    def compatibilities(self) -> set[str] | None:
        """`{"EC2"}`, `{"FARGATE"}`, ...; None when unknown, empty when omitted."""
        if self.requires_compatibilities is None:
            return set()
        items = self.requires_compatibilities.items()
        if not self.requires_compatibilities.known or any(
                not isinstance(i.value, str) for i in items):
            return None
        return {str(i.value).upper() for i in items}


class ServiceRegistry(Record):
    """One `service_registries` entry of an ECS service."""

    __slots__ = ("registry", "loc", "container_name", "container_port", "port")

    def __init__(self, registry: Ref, loc: Location, container_name: Val | None = None,
                 container_port: Val | None = None, port: Val | None = None) -> None:
        self.registry = registry
        """The Cloud Map service (key None when not in the code)."""
        self.loc = loc
        self.container_name = container_name
        self.container_port = container_port
        self.port = port


class EcsService(Entity):
    __slots__ = ("task_definition", "launch_type", "capacity_providers", "awsvpc", "subnets",
                 "subnets_val", "security_groups", "security_groups_val", "assign_public_ip",
                 "service_registries", "enable_execute_command")

    def __init__(self, key: str, framework: str, loc: Location, resource: str,
                 task_definition: Ref | None = None, launch_type: Setting | None = None,
                 capacity_providers: list[Val] | None = None, awsvpc: bool = False,
                 subnets: list[Ref] | None = None, subnets_val: Val | None = None,
                 security_groups: list[Ref] | None = None, security_groups_val: Val | None = None,
                 assign_public_ip: Setting | None = None,
                 service_registries: list[ServiceRegistry] | None = None,
                 enable_execute_command: Setting | None = None) -> None:
        super().__init__(key, framework, loc, resource)
        self.task_definition = Ref(None, None) if task_definition is None else task_definition
        self.launch_type = launch_type
        """`EC2`, `FARGATE`, `EXTERNAL`; UNKNOWN when omitted (the cluster's default strategy)."""
        self.capacity_providers = [] if capacity_providers is None else capacity_providers
        self.awsvpc = awsvpc
        """It has an `awsvpc` network configuration."""
        self.subnets = [] if subnets is None else subnets
        self.subnets_val = subnets_val
        self.security_groups = [] if security_groups is None else security_groups
        self.security_groups_val = security_groups_val
        self.assign_public_ip = assign_public_ip
        self.service_registries = [] if service_registries is None else service_registries
        self.enable_execute_command = enable_execute_command


class CloudMapService(Entity):
    __slots__ = ("record_types", "records_known", "routing_policy", "namespace", "dns_config_loc")

    def __init__(self, key: str, framework: str, loc: Location, resource: str,
                 record_types: list[Val] | None = None, records_known: bool = False,
                 routing_policy: Setting | None = None, namespace: Val | None = None,
                 dns_config_loc: Location | None = None) -> None:
        super().__init__(key, framework, loc, resource)
        self.record_types = [] if record_types is None else record_types
        """The `dns_records` types (`A`, `AAAA`, `SRV`, `CNAME`) as written."""
        self.records_known = records_known
        self.routing_policy = routing_policy
        self.namespace = namespace
        self.dns_config_loc = dns_config_loc


class RolePolicy(Record):
    """One policy that applies to a role, however it is attached.

    `source`: `inline` (on the role), `role_policy` (a separate inline-policy
    resource), `customer_managed` (a policy defined in the code),
    `aws_managed` (an AWS-managed ARN; `policy` from the shipped snapshot, None
    when not in it), `unknown` (an ARN or reference that cannot be followed).
    """

    __slots__ = ("source", "name", "loc", "policy", "scope")

    def __init__(self, source: str, name: str, loc: Location, policy: Any = None,
                 scope: frozenset[str] | None = None) -> None:
        self.source = source
        self.name = name
        self.loc = loc
        self.policy = policy
        """A `vpcsec_lint.policy.Policy` (its statements), or None when unknown."""
        self.scope = scope
        """Snapshot policies kept in part: the action prefixes their statements are complete for."""


class IamRole(Entity):
    __slots__ = ("assume_role_policy", "policies", "exclusive")

    def __init__(self, key: str, framework: str, loc: Location, resource: str,
                 assume_role_policy: Val | None = None, policies: list[RolePolicy] | None = None,
                 exclusive: bool = False) -> None:
        super().__init__(key, framework, loc, resource)
        self.assume_role_policy = assume_role_policy
        self.policies = [] if policies is None else policies
        self.exclusive = exclusive
        """The code states the role's whole policy set (nothing unknown is attached in it)."""

    @property
    def policies_known(self) -> bool:
        """Every policy attached in the code has known statements."""
        return all(p.policy is not None and p.policy.known for p in self.policies)


class Region(Record):
    """The region a resource is created in."""

    __slots__ = ("value", "loc", "fixed", "provider")

    def __init__(self, value: Any, loc: Location | None = None, fixed: bool = False,
                 provider: str | None = None) -> None:
        self.value = value
        """A region name, or UNKNOWN."""
        self.loc = loc
        """Where it is set (a provider's or the resource's `region`)."""
        self.fixed = fixed
        """Written as a literal in the code (not a variable, not the environment)."""
        self.provider = provider
        """The Terraform provider configuration (`provider.aws`, `provider.aws.west`)."""


class Model(Record):
    """Everything one unit of analysis (a Terraform module or a template) defines."""

    __slots__ = ("framework", "root", "resources", "vpcs", "subnets", "security_groups",
                 "sg_rules", "attachments", "endpoints", "caches", "peerings", "route_tables",
                 "routes", "prefix_lists", "nacls", "nacl_entries", "lambdas", "hosted_zones",
                 "route_table_endpoints", "instances", "internet_gateways", "nat_gateways",
                 "subnet_tables", "main_tables", "subnet_nacls", "loose_associations",
                 "reach_entries", "incomplete", "custom_dns", "data_stores", "task_definitions",
                 "ecs_services", "cloud_map_services", "roles", "regions", "load_balancers",
                 "launch_templates", "launch_configurations", "autoscaling_groups",
                 "instance_profiles", "resource_policies",
                 "__dict__")  # what the reach modules memoise on a model (`reach_intents`)

    def __init__(self, framework: str, root: str, resources: dict[str, RawResource] | None = None,
                 vpcs: dict[str, Vpc] | None = None, subnets: dict[str, Subnet] | None = None,
                 security_groups: dict[str, SecurityGroup] | None = None,
                 sg_rules: list[SgRule] | None = None,
                 attachments: dict[str, list[Attachment]] | None = None,
                 endpoints: dict[str, Endpoint] | None = None,
                 caches: dict[str, Cache] | None = None,
                 peerings: dict[str, Peering] | None = None,
                 route_tables: dict[str, RouteTable] | None = None,
                 routes: list[Route] | None = None,
                 prefix_lists: dict[str, PrefixList] | None = None,
                 nacls: dict[str, Nacl] | None = None, nacl_entries: list[NaclEntry] | None = None,
                 lambdas: dict[str, LambdaFunction] | None = None,
                 hosted_zones: dict[str, HostedZone] | None = None,
                 route_table_endpoints: dict[str, list[str]] | None = None,
                 instances: dict[str, Instance] | None = None,
                 internet_gateways: dict[str, InternetGateway] | None = None,
                 nat_gateways: dict[str, NatGateway] | None = None,
                 subnet_tables: dict[str, list[tuple[Ref, Location]]] | None = None,
                 main_tables: dict[str, list[tuple[Ref, Location]]] | None = None,
                 subnet_nacls: dict[str, list[tuple[Ref, Location]]] | None = None,
                 loose_associations: set[str] | None = None,
                 reach_entries: list[dict[str, Any]] | None = None, incomplete: bool = False,
                 custom_dns: dict[str, Location] | None = None,
                 data_stores: dict[str, DataStore] | None = None,
                 task_definitions: dict[str, EcsTaskDefinition] | None = None,
                 ecs_services: dict[str, EcsService] | None = None,
                 cloud_map_services: dict[str, CloudMapService] | None = None,
                 roles: dict[str, IamRole] | None = None, regions: dict[str, Region] | None = None,
                 load_balancers: dict[str, LoadBalancer] | None = None,
                 launch_templates: dict[str, LaunchTemplate] | None = None,
                 launch_configurations: dict[str, LaunchConfiguration] | None = None,
                 autoscaling_groups: dict[str, AutoScalingGroup] | None = None,
                 instance_profiles: dict[str, InstanceProfile] | None = None,
                 resource_policies: set[str] | None = None) -> None:
        self.framework = framework
        self.root = root
        self.resources = {} if resources is None else resources
        self.vpcs = {} if vpcs is None else vpcs
        self.subnets = {} if subnets is None else subnets
        self.security_groups = {} if security_groups is None else security_groups
        self.sg_rules = [] if sg_rules is None else sg_rules
        self.attachments = {} if attachments is None else attachments
        self.endpoints = {} if endpoints is None else endpoints
        self.caches = {} if caches is None else caches
        self.peerings = {} if peerings is None else peerings
        self.route_tables = {} if route_tables is None else route_tables
        self.routes = [] if routes is None else routes
        self.prefix_lists = {} if prefix_lists is None else prefix_lists
        self.nacls = {} if nacls is None else nacls
        self.nacl_entries = [] if nacl_entries is None else nacl_entries
        self.lambdas = {} if lambdas is None else lambdas
        self.hosted_zones = {} if hosted_zones is None else hosted_zones
        self.route_table_endpoints = {} if route_table_endpoints is None else route_table_endpoints
        """Route table key -> keys of endpoints associated with it."""
        self.instances = {} if instances is None else instances
        self.internet_gateways = {} if internet_gateways is None else internet_gateways
        self.nat_gateways = {} if nat_gateways is None else nat_gateways
        self.subnet_tables = {} if subnet_tables is None else subnet_tables
        """Subnet key -> route tables associated with it (and where the association is)."""
        self.main_tables = {} if main_tables is None else main_tables
        """VPC key -> the tables made its main route table in the code."""
        self.subnet_nacls = {} if subnet_nacls is None else subnet_nacls
        """Subnet key -> network ACLs associated with it."""
        self.loose_associations = set() if loose_associations is None else loose_associations
        """`route-table` and/or `nacl` when some association names a subnet we cannot follow:
        a subnet without a known association may be the one it names."""
        self.reach_entries = [] if reach_entries is None else reach_entries
        """The configuration's `reach:` entries (VSL604 checks them against this unit)."""
        self.incomplete = incomplete
        """A file of the unit did not parse (VSL000): what it defined is missing, so nothing
        may be judged blocked for lack of it."""
        self.custom_dns = {} if custom_dns is None else custom_dns
        """VPC key -> a DHCP options association whose DNS servers are not (known to be) AWS's."""
        self.data_stores = {} if data_stores is None else data_stores
        self.task_definitions = {} if task_definitions is None else task_definitions
        self.ecs_services = {} if ecs_services is None else ecs_services
        self.cloud_map_services = {} if cloud_map_services is None else cloud_map_services
        self.roles = {} if roles is None else roles
        self.regions = {} if regions is None else regions
        """Resource key -> the region it is created in (absent: unknown)."""
        self.load_balancers = {} if load_balancers is None else load_balancers
        self.launch_templates = {} if launch_templates is None else launch_templates
        self.launch_configurations = {} if launch_configurations is None else launch_configurations
        self.autoscaling_groups = {} if autoscaling_groups is None else autoscaling_groups
        self.instance_profiles = {} if instance_profiles is None else instance_profiles
        self.resource_policies = set() if resource_policies is None else resource_policies
        """Secrets (`aws_secretsmanager_secret.x`, logical IDs) with a resource policy in the code;
        `*` when a policy's secret cannot be followed."""

    def vpc(self, ref: Ref | None) -> Vpc | None:
        return self.vpcs.get(ref.key) if ref is not None and ref.key else None

    def group_vpc(self, group_key: str | None) -> Vpc | None:
        group = self.security_groups.get(group_key) if group_key else None
        return self.vpc(group.vpc) if group is not None else None

    def region_of(self, key: str) -> Region:
        return self.regions.get(key) or Region(UNKNOWN)

    def data_store_named(self, val: Val | None) -> DataStore | None:
        """The data store whose endpoint a value refers to (`aws_db_instance.x.address`)."""
        if val is None or val.ref is None:
            return None
        for store in self.data_stores.values():
            if val.ref in store.connection_attrs:
                return store
        return None

    def peering(self, ref: Ref | None) -> Peering | None:
        """The peering connection a reference names, following accepter resources."""
        if ref is None or ref.key is None:
            return None
        if ref.key in self.peerings:
            return self.peerings[ref.key]
        for peering in self.peerings.values():
            if ref.key in peering.aliases:
                return peering
        return None


def parse_network(value: Any) -> Network | None:
    """A CIDR string as a network (host bits allowed), else None."""
    if not isinstance(value, str) or "/" not in value:
        return None
    try:
        return ipaddress.ip_network(value.strip(), strict=False)
    except ValueError:
        return None


def normalise_protocol(value: Any) -> Any:
    """Map the protocol spellings of both frameworks onto one vocabulary."""
    if value is UNKNOWN or value is None:
        return UNKNOWN
    text = str(value).strip().lower()
    return {"-1": "all", "all": "all", "6": "tcp", "tcp": "tcp", "17": "udp", "udp": "udp",
            "1": "icmp", "icmp": "icmp", "58": "icmpv6", "icmpv6": "icmpv6"}.get(text, text)


def as_int(val: Val | None, default: Any = UNKNOWN) -> Any:
    """An integer setting (also from a numeric string); `default` when omitted."""
    if val is None:
        return default
    value = val.value
    if isinstance(value, bool):
        return UNKNOWN
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str):
        try:
            return int(value.strip())
        except ValueError:
            return UNKNOWN
    return UNKNOWN


def as_bool(val: Val | None, default: Any = UNKNOWN) -> Any:
    """A boolean setting (also `"true"`/`"false"` strings); `default` when omitted."""
    if val is None:
        return default
    value = val.value
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().lower() in ("true", "false"):
        return value.strip().lower() == "true"
    return UNKNOWN
