"""What both framework builders share: following references to entities."""

from __future__ import annotations

from vpcsec_lint.model import (
    Attachment,
    Endpoint,
    HostedZone,
    LambdaFunction,
    Model,
    Ref,
    Route,
    Setting,
    as_bool,
)
from vpcsec_lint.raw import RawResource
from vpcsec_lint.values import Location, Val


class BaseBuilder:
    """Builds a `Model` from raw resources; subclasses map their framework's types."""

    framework = ""
    identity_attrs: frozenset[str] = frozenset()
    """Reference attributes that name the resource itself (`id`, `Ref`, `GroupId`)."""

    def __init__(self, root: str, resources: list[RawResource]) -> None:
        self.model = Model(self.framework, root)
        for res in resources:
            self.model.resources.setdefault(res.address, res)
        self.raw = [r for r in resources]

    def target(self, val: Val | None) -> str | None:
        """The address a value refers to by identity, if any."""
        if val is None or val.ref is None:
            return None
        address, attr = val.ref
        if attr in self.identity_attrs:
            return address
        return None

    def ref(self, val: Val | None, entities: dict) -> Ref:
        """A reference to an entity in `entities`; key None when it cannot be followed."""
        key = self.target(val)
        return Ref(key if key in entities else None, val)

    def refs(self, val: Val | None, entities: dict) -> list[Ref]:
        """One `Ref` per item of a list value (an unknown list gives one unknown Ref)."""
        if val is None:
            return []
        if not isinstance(val.value, list):
            return [self.ref(val, entities)]
        return [self.ref(item, entities) for item in val.value]

    def attachments(self, skip_types: set[str], endpoint_types: set[str],
                    is_interface: dict[str, bool]) -> None:
        """Record every resource that references a security group by identity."""
        groups = self.model.security_groups
        for res in self.raw:
            if res.type in skip_types or res.is_data:
                continue
            seen: set[str] = set()
            for val in res.body.walk():
                key = self.target(val)
                if key in groups and key not in seen and key != res.address:
                    seen.add(key)
                    interface = res.type in endpoint_types and is_interface.get(res.address, False)
                    self.model.attachments.setdefault(key, []).append(
                        Attachment(res.address, res.type, interface))


    def add_endpoint(self, res: RawResource, vpc: Val | None, endpoint_type: Val | None,
                     service: Val | None, private_dns: Val | None, policy: Val | None,
                     groups: Val | None, route_tables: Val | None,
                     subnets: Val | None) -> Endpoint:
        """A VPC endpoint from its arguments, with the providers' defaults for omitted ones."""
        endpoint = Endpoint(
            res.address, self.framework, res.loc, res.address, vpc=self.vpc_ref(vpc),
            endpoint_type=setting(endpoint_type, "Gateway", res.loc), service=service,
            private_dns=setting(private_dns, False, res.loc), policy=policy,
            security_groups=self.refs(groups, self.model.security_groups),
            security_groups_val=groups,
            route_tables=self.refs(route_tables, self.model.route_tables),
            subnets=self.refs(subnets, self.model.subnets))
        self.model.endpoints[res.address] = endpoint
        for table in endpoint.route_tables:
            if table.key:
                self.model.route_table_endpoints.setdefault(table.key, []).append(res.address)
        return endpoint

    def add_lambda(self, res: RawResource, config: Val | None, subnets: Val | None,
                   groups: Val | None, environment: Val | None = None,
                   file_systems: list[Val] | None = None) -> None:
        """A function and, when it has a VPC configuration, its subnets and groups."""
        fn = LambdaFunction(res.address, self.framework, res.loc, res.address,
                            environment=environment, file_systems=file_systems or [])
        if config is not None and isinstance(config.value, dict):
            fn.subnets = subnets
            fn.subnets_loc = setting_loc(subnets, config.loc or res.loc)
            fn.subnet_refs = self.refs(subnets, self.model.subnets)
            fn.security_groups = self.refs(groups, self.model.security_groups)
            fn.security_groups_loc = setting_loc(groups, config.loc or res.loc)
            fn.vpc_attached = subnets is not None and not (
                isinstance(subnets.value, list) and not subnets.value)
        self.model.lambdas[res.address] = fn

    def add_hosted_zone(self, res: RawResource, name: Val | None, vpcs: Val | None,
                        vpc_key: str) -> None:
        """A hosted zone; it is private when it names VPCs (`vpc_key` in each entry)."""
        refs = [self.vpc_ref(v.get(vpc_key)) for v in (vpcs.items() if vpcs else [])
                if isinstance(v.value, dict)]
        self.model.hosted_zones[res.address] = HostedZone(
            res.address, self.framework, res.loc, res.address, name=name,
            private=bool(vpcs is not None and vpcs.items()), vpcs=refs)

    def vpc_ref(self, val: Val | None) -> Ref:
        return self.ref(val, self.model.vpcs)

    def associate(self, where: dict[str, list[tuple[Ref, Location]]], kind: str,
                  subnet: Val | None, target: Ref, loc: Location) -> None:
        """Record that `subnet` uses `target` (a route table or NACL); an association whose
        subnet cannot be followed makes every unassociated subnet's `kind` unknown."""
        key = self.target(subnet)
        if key in self.model.subnets:
            where.setdefault(key, []).append((target, loc))
        else:
            self.model.loose_associations.add(kind)

    def route_target(self, route: Route, body: Val, attrs: dict[str, str]) -> None:
        """Classify what a route sends to (`Route.target`) from its target attribute."""
        for name, kind in attrs.items():
            val = body.get(name)
            if val is None or val.value in ("", None):
                continue
            if val.alternatives:
                route.target = "unknown"
                return
            if kind == "gateway":
                key = self.target(val)
                if val.value == "local":
                    kind = "local"
                elif key in self.model.internet_gateways:
                    kind = "egress-igw" if self.model.internet_gateways[key].egress_only \
                        else "igw"
                elif key in self.model.endpoints:
                    kind = "vpce"
                elif isinstance(val.value, str) and val.value.startswith("igw-"):
                    kind = "igw"
                elif isinstance(val.value, str) and val.value.startswith("vgw-"):
                    kind = "other"
                else:
                    kind = "unknown"
            route.target = kind
            route.target_ref = Ref(self.target(val), val)
            return

    def add_dhcp(self, options: list[RawResource], servers_attr: str,
                 associations: list[RawResource], vpc_attr: str, options_attr: str) -> None:
        """VPCs whose DHCP options set DNS servers other than (known) AmazonProvidedDNS."""
        by_key = {r.address: r for r in options}
        for res in associations:
            vpc = self.vpc_ref(res.body.get(vpc_attr))
            if vpc.key is None:
                continue
            opts = by_key.get(self.target(res.body.get(options_attr)) or "")
            servers = opts.body.get(servers_attr) if opts is not None else None
            plain = servers.plain() if servers is not None else None
            if plain != ["AmazonProvidedDNS"]:
                self.model.custom_dns[vpc.key] = res.loc

    def add_instance(self, res: RawResource, subnet: Val | None, groups: Val | None,
                     public_ip: Val | None, interfaces: Val | None) -> None:
        """An EC2 instance: its subnet and groups; a public IPv4 from the explicit setting,
        else from the subnet's `map_public_ip_on_launch`."""
        from vpcsec_lint.model import Instance, as_bool

        inst = Instance(res.address, self.framework, res.loc, res.address)
        if interfaces is not None:  # attached interfaces: their settings are elsewhere
            self.model.instances[res.address] = inst
            return
        if subnet is not None:
            inst.subnet = self.ref(subnet, self.model.subnets)
            inst.subnet_loc = setting_loc(subnet, res.loc)
        inst.security_groups = self.refs(groups, self.model.security_groups)
        inst.security_groups_loc = setting_loc(groups, res.loc)
        if public_ip is not None:
            inst.public_ip = as_bool(public_ip)
        elif inst.subnet is not None and inst.subnet.key is not None:
            inst.public_ip = self.model.subnets[inst.subnet.key].public_ip_on_launch
        self.model.instances[res.address] = inst


def setting(val: Val | None, default: object, fallback: Location) -> Setting:
    """A setting as written, or its provider default (`explicit=False`) when omitted."""
    if val is None:
        return Setting(default, fallback, False)
    value = as_bool(val) if isinstance(default, bool) else val.value
    return Setting(value, setting_loc(val, fallback), True, val)


def setting_loc(val: Val | None, fallback: Location) -> Location:
    return val.loc if val is not None and val.loc is not None else fallback
