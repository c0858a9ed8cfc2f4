"""What both framework builders share: following references to entities."""

from __future__ import annotations

from typing import NamedTuple

from vpcsec_lint.data_stores import StoreSpec
from vpcsec_lint.model import (
    Attachment,
    AutoScalingGroup,
    CloudMapService,
    DataStore,
    EcsService,
    EcsTaskDefinition,
    Endpoint,
    HostedZone,
    IamRole,
    InstanceProfile,
    LambdaFunction,
    LaunchConfiguration,
    LaunchTemplate,
    Listener,
    LoadBalancer,
    Model,
    NatGateway,
    Ref,
    RolePolicy,
    Route,
    ServiceRegistry,
    Setting,
    TemplateInterface,
    as_bool,
    as_int,
    engine_port,
)
from vpcsec_lint.raw import RawResource
from vpcsec_lint.values import UNKNOWN, Location, Val


class EcsNames(NamedTuple):
    """Attribute names of the ECS and Cloud Map resources in one framework."""

    network_mode: str
    compatibilities: str
    containers: str
    task_role: str
    execution_role: str
    task_definition: str
    launch_type: str
    capacity_providers: str
    network_configuration: str
    awsvpc: str | None
    subnets: str
    groups: str
    public_ip: str
    registries: str
    registry_arn: str
    container_name: str
    container_port: str
    registry_port: str
    execute_command: str


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

    def build(self) -> Model:
        """The model, one kind of entity after another (a step may use what earlier ones
        built); the same sequence for every framework."""
        self.vpcs()
        self.subnets()
        self.security_groups()
        self.prefix_lists()
        self.peerings()
        self.route_tables()
        self.endpoints()
        self.gateways()
        self.sg_rules()
        self.caches()
        self.routes()
        self.nacls()
        self.lambdas()
        self.hosted_zones()
        self.associations()
        self.instances()
        self.dhcp_options()
        self.data_stores()
        self.roles()
        self.ecs()
        self.load_balancers()
        self.auto_scaling()
        self.regions()
        self.group_attachments()
        return self.model

    # -- the steps of `build`, defined by each framework's builder --

    def vpcs(self) -> None:
        raise NotImplementedError

    def subnets(self) -> None:
        raise NotImplementedError

    def security_groups(self) -> None:
        raise NotImplementedError

    def prefix_lists(self) -> None:
        raise NotImplementedError

    def peerings(self) -> None:
        raise NotImplementedError

    def route_tables(self) -> None:
        raise NotImplementedError

    def endpoints(self) -> None:
        raise NotImplementedError

    def gateways(self) -> None:
        raise NotImplementedError

    def sg_rules(self) -> None:
        raise NotImplementedError

    def caches(self) -> None:
        raise NotImplementedError

    def routes(self) -> None:
        raise NotImplementedError

    def nacls(self) -> None:
        raise NotImplementedError

    def lambdas(self) -> None:
        raise NotImplementedError

    def hosted_zones(self) -> None:
        raise NotImplementedError

    def associations(self) -> None:
        raise NotImplementedError

    def instances(self) -> None:
        raise NotImplementedError

    def dhcp_options(self) -> None:
        raise NotImplementedError

    def data_stores(self) -> None:
        raise NotImplementedError

    def roles(self) -> None:
        raise NotImplementedError

    def ecs(self) -> None:
        raise NotImplementedError

    def load_balancers(self) -> None:
        raise NotImplementedError

    def auto_scaling(self) -> None:
        """Instance profiles, launch templates and configurations, Auto Scaling groups."""
        raise NotImplementedError

    def regions(self) -> None:
        raise NotImplementedError

    def group_attachments(self) -> None:
        """Record what uses each security group (see `attachments`)."""
        raise NotImplementedError

    def interface_endpoints(self) -> dict[str, bool]:
        """Whether each endpoint is an interface endpoint."""
        return {k: e.endpoint_type is not None and e.endpoint_type.value == "Interface"
                for k, e in self.model.endpoints.items()}

    # -- helpers --

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
                            environment=environment, file_systems=file_systems or [],
                            role=res.body.get("role") or res.body.get("Role"))
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

    def add_nat_gateway(self, res: RawResource, connectivity: Val | None, subnet: Val | None,
                        vpc: Val | None) -> None:
        """A NAT gateway: public unless its connectivity type says otherwise (the default)."""
        public = True if connectivity is None else (
            connectivity.value == "public" if isinstance(connectivity.value, str) else UNKNOWN)
        self.model.nat_gateways[res.address] = NatGateway(
            res.address, self.framework, res.loc, res.address,
            subnet=self.ref(subnet, self.model.subnets) if subnet is not None else None,
            public=public, vpc=self.vpc_ref(vpc) if vpc is not None else None)

    def attach_internet_gateway(self, gateway: Val | None, vpc: Val | None) -> None:
        """A separate attachment resource adds `vpc` to the gateway it names."""
        key = self.target(gateway)
        if key in self.model.internet_gateways:
            self.model.internet_gateways[key].vpcs.append(self.vpc_ref(vpc))

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
        profile = res.body.get("iam_instance_profile") or res.body.get("IamInstanceProfile")
        if profile is not None:  # followed once the profiles are built (`auto_scaling`)
            inst.instance_profile = Ref(None, profile)
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
    # -- load balancers, launch templates, Auto Scaling ----------------------

    def add_load_balancer(self, res: RawResource, lb_type: Val | None, default_type: str,
                          internal: Val | None, subnets: Val | None, mappings: Val | None,
                          mapping_subnet: str, groups: Val | None,
                          dns_attr: str) -> LoadBalancer:
        """A load balancer; subnets from `subnets` or the subnet mappings, whichever is given.
        Both frameworks default to an internet-facing scheme."""
        lb = LoadBalancer(
            res.address, self.framework, res.loc, res.address,
            lb_type=_lower(setting(lb_type, default_type, res.loc)),
            internal=_scheme(internal, res.loc),
            security_groups=self.refs(groups, self.model.security_groups),
            security_groups_val=groups, security_groups_loc=setting_loc(groups, res.loc),
            connection_attrs={(res.address, dns_attr)})
        if subnets is None and mappings is not None:
            items = mappings.items()
            subnets = Val([m.get(mapping_subnet) or Val(UNKNOWN, m.loc) for m in items],
                          mappings.loc) if mappings.known and all(
                isinstance(m.value, dict) and m.symbol != "dynamic" for m in items) \
                else Val(UNKNOWN, mappings.loc)
        if subnets is not None:
            lb.subnets = self.refs(subnets, self.model.subnets)
            lb.subnets_known = isinstance(subnets.value, list) and not subnets.alternatives \
                and all(r.known for r in lb.subnets) and bool(lb.subnets)
            lb.subnets_loc = setting_loc(subnets, res.loc)
        self.model.load_balancers[res.address] = lb
        return lb

    def add_listener(self, lb: LoadBalancer, resource: str, loc: Location, port: Val | None,
                     protocol: Val | None) -> None:
        """A listener (a separate resource, or a classic load balancer's inline one)."""
        lb.listeners.append(Listener(
            resource, loc, Setting(as_int(port), setting_loc(port, loc), port is not None, port),
            _upper(setting(protocol, UNKNOWN, loc))))

    def load_balancer_named(self, val: Val | None) -> LoadBalancer | None:
        return self.model.load_balancers.get(self.named(val, self.model.load_balancers).key
                                             or "")

    def add_instance_profile(self, res: RawResource, name: Val | None,
                             role: Val | None) -> None:
        self.model.instance_profiles[res.address] = InstanceProfile(
            res.address, self.framework, res.loc, res.address, name=name,
            role=self.named(role, self.model.roles) if role is not None else None)

    def instance_profile(self, val: Val | None) -> Ref | None:
        """The instance profile a template or configuration names (by reference or name)."""
        if val is None:
            return None
        profiles = self.model.instance_profiles
        ref = self.named(val, profiles)
        if ref.key is None and isinstance(val.value, str):
            names = unique_names([(p.name.value if p.name else None, k)
                                  for k, p in profiles.items()])
            return Ref(names.get(val.value.lower()), val)
        return ref

    def link_instance_profiles(self) -> None:
        """Each instance's profile, once the profiles are built."""
        for inst in self.model.instances.values():
            if inst.instance_profile is not None:
                inst.instance_profile = self.instance_profile(inst.instance_profile.val)

    def add_launch_template(self, res: RawResource, name: Val | None, groups: Val | None,
                            group_names: Val | None, interfaces: Val | None, index_key: str,
                            groups_key: str, public_key: str, profile: Val | None) -> None:
        """A launch template and its primary network interface (device index 0)."""
        template = LaunchTemplate(
            res.address, self.framework, res.loc, res.address, name=name,
            security_groups=self.refs(groups, self.model.security_groups),
            security_groups_val=groups, security_groups_loc=setting_loc(groups, res.loc),
            group_names=_present(group_names), instance_profile=self.instance_profile(profile))
        if interfaces is not None:
            items = interfaces.items()
            primary = [i for i in items if isinstance(i.value, dict)
                       and as_int(i.get(index_key), 0) == 0]
            if not interfaces.known or len(primary) != 1 or primary[0].symbol == "dynamic" \
                    or any(i.symbol == "dynamic" for i in items):
                template.interfaces_unknown = True
            else:
                block = primary[0]
                iface_groups = block.get(groups_key)
                if iface_groups is not None and iface_groups.value is None:
                    iface_groups = None  # `null`: omitted
                template.interface = TemplateInterface(
                    block.loc or res.loc, self.refs(iface_groups, self.model.security_groups),
                    iface_groups, as_bool(block.get(public_key)))
        self.model.launch_templates[res.address] = template

    def add_launch_configuration(self, res: RawResource, name: Val | None, groups: Val | None,
                                 public_ip: Val | None, profile: Val | None) -> None:
        self.model.launch_configurations[res.address] = LaunchConfiguration(
            res.address, self.framework, res.loc, res.address, name=name,
            security_groups=self.refs(groups, self.model.security_groups),
            security_groups_val=groups, security_groups_loc=setting_loc(groups, res.loc),
            public_ip=as_bool(public_ip), instance_profile=self.instance_profile(profile))

    def add_autoscaling_group(self, res: RawResource, subnets: Val | None,
                              template: tuple[Val | None, Val | None, Val | None] | None,
                              template_loc: Location | None, overrides: bool,
                              configuration: Val | None,
                              current_attrs: frozenset[str]) -> None:
        """An Auto Scaling group; `template` is (id, name, version) of its launch template
        (plain or of a mixed-instances policy)."""
        group = AutoScalingGroup(
            res.address, self.framework, res.loc, res.address, subnets_val=subnets,
            subnets=self.refs(subnets, self.model.subnets),
            subnets_loc=setting_loc(subnets, res.loc), overrides=overrides,
            launch_template_loc=template_loc)
        if template is not None:
            ident, name, version = template
            templates = self.model.launch_templates
            ref = self.named(ident if ident is not None else name, templates)
            if ref.key is None and name is not None and isinstance(name.value, str):
                names = unique_names([(t.name.value if t.name else None, k)
                                      for k, t in templates.items()])
                ref = Ref(names.get(name.value.lower()), name)
            group.launch_template, group.template_version = ref, version
            group.version_current = version is None or (
                isinstance(version.value, str) and version.value in ("$Latest", "$Default")) \
                or (version.ref is not None and version.ref[0] == ref.key
                    and version.ref[1] in current_attrs)
        if configuration is not None:
            group.launch_configuration = self.named(configuration,
                                                    self.model.launch_configurations)
        self.model.autoscaling_groups[res.address] = group

    # -- references by any attribute (ARNs, names) ----------------------------

    name_attrs: frozenset[str] = frozenset()
    """Reference attributes that name a resource by ARN or name (`arn`, `Arn`, `name`)."""

    def named(self, val: Val | None, entities: dict) -> Ref:
        """A reference by identity, ARN or name to an entity in `entities`."""
        key = self.target(val)
        if key is None and val is not None and val.ref is not None \
                and val.ref[1] in self.name_attrs:
            key = val.ref[0]
        return Ref(key if key in entities else None, val)

    # -- data stores ---------------------------------------------------------

    def add_data_store(self, res: RawResource, spec: StoreSpec, public_default: object,
                       subnet_groups: dict[str, Val | None],
                       group_names: dict[str, str] | None = None) -> None:
        """A data store from its type's `StoreSpec`; `subnet_groups` maps group -> subnets,
        `group_names` a subnet group's literal name (lower case) -> group."""
        body = res.body
        if spec.requires is not None and not _present(dig(body, spec.requires)):
            return
        engine_val = dig(body, spec.engine)
        engine = setting(engine_val, spec.default_engine or UNKNOWN, res.loc)
        port_val = dig(body, spec.port)
        port = (Setting(as_int(port_val), setting_loc(port_val, res.loc), True, port_val)
                if port_val is not None else
                Setting(engine_port(engine.value), res.loc, False))
        groups = dig(body, spec.groups)
        store = DataStore(
            res.address, self.framework, res.loc, res.address, kind=spec.kind,
            resource_type=res.type, engine=engine, port=port,
            security_groups=self.refs(groups, self.model.security_groups),
            security_groups_val=groups, security_groups_loc=setting_loc(groups, res.loc),
            publicly_accessible=setting(dig(body, spec.public), public_default, res.loc)
            if spec.public else Setting(False, res.loc, False),
            connection_attrs={(res.address, attr) for attr in spec.connection})
        subnets = dig(body, spec.subnets)
        group_val = dig(body, spec.subnet_group)
        if group_val is not None:
            group_key = self.named(group_val, subnet_groups).key
            if group_key is None and isinstance(group_val.value, str) and group_names:
                group_key = group_names.get(group_val.value.lower())
            store.subnet_group = Ref(group_key, group_val)
            subnets = subnet_groups.get(group_key) if group_key else None
        if subnets is not None:
            store.subnets = self.refs(subnets, self.model.subnets)
            store.subnets_known = subnets.known and all(r.known for r in store.subnets)
        member = dig(body, spec.member)
        if member is not None and member.value not in (None, ""):
            store.member_of = Ref(member.ref[0] if member.ref else None, member)
        self.model.data_stores[res.address] = store

    def link_members(self) -> None:
        """Cluster members use their cluster's groups (and port, unless they set their own)."""
        stores = self.model.data_stores
        for store in stores.values():
            if store.member_of is None:
                continue
            cluster = stores.get(store.member_of.key or "")
            if store.member_of.key not in stores:
                store.member_of = Ref(None, store.member_of.val)
            if cluster is None:
                continue
            if store.security_groups_val is None:
                store.security_groups = list(cluster.security_groups)
                store.security_groups_val = cluster.security_groups_val
                store.security_groups_loc = cluster.security_groups_loc
            if store.port is not None and not store.port.explicit:
                store.port = cluster.port
            if not store.subnets and cluster.subnets:
                store.subnets, store.subnets_known = cluster.subnets, cluster.subnets_known

    # -- ECS and Cloud Map ---------------------------------------------------

    def add_task_definition(self, res: RawResource, names: EcsNames) -> None:
        from vpcsec_lint.containers import parse_containers

        body = res.body
        containers_val = body.get(names.containers)
        containers, complete = parse_containers(containers_val, res.loc)
        task_role, execution_role = body.get(names.task_role), body.get(names.execution_role)
        self.model.task_definitions[res.address] = EcsTaskDefinition(
            res.address, self.framework, res.loc, res.address,
            network_mode=setting(body.get(names.network_mode), "bridge", res.loc),
            requires_compatibilities=body.get(names.compatibilities),
            containers=containers, containers_known=complete,
            containers_loc=setting_loc(containers_val, res.loc),
            task_role=self.named(task_role, self.model.roles) if task_role else None,
            execution_role=self.named(execution_role, self.model.roles)
            if execution_role else None,
            execution_role_loc=setting_loc(execution_role, res.loc))

    def add_ecs_service(self, res: RawResource, names: EcsNames) -> None:
        body = res.body
        strategy = body.get(names.capacity_providers)
        launch = body.get(names.launch_type)
        service = EcsService(
            res.address, self.framework, res.loc, res.address,
            task_definition=self.named(body.get(names.task_definition),
                                       self.model.task_definitions),
            launch_type=setting(launch, UNKNOWN, res.loc),
            capacity_providers=strategy.items() if strategy is not None else [],
            enable_execute_command=setting(body.get(names.execute_command), False, res.loc))
        config = _first(body.get(names.network_configuration))
        if names.awsvpc is not None:
            config = _first(config.get(names.awsvpc)) if config is not None else None
        if config is not None:
            service.awsvpc = True
            service.subnets_val = config.get(names.subnets)
            service.subnets = self.refs(service.subnets_val, self.model.subnets)
            service.security_groups_val = config.get(names.groups)
            service.security_groups = self.refs(service.security_groups_val,
                                                self.model.security_groups)
            public = config.get(names.public_ip)
            if isinstance(public.value if public else None, str):  # CloudFormation ENABLED
                public = Val(public.value.upper() == "ENABLED", public.loc)  # type: ignore[union-attr]
            service.assign_public_ip = setting(public, False, res.loc)
        registries = body.get(names.registries)
        for entry in (registries.items() if registries is not None else []):
            if not isinstance(entry.value, dict):
                continue
            service.service_registries.append(ServiceRegistry(
                self.named(entry.get(names.registry_arn), self.model.cloud_map_services),
                entry.loc or res.loc, entry.get(names.container_name),
                entry.get(names.container_port), entry.get(names.registry_port)))
        self.model.ecs_services[res.address] = service

    def add_cloud_map_service(self, res: RawResource, dns_config: Val | None,
                              records_key: str, type_key: str, policy_key: str,
                              namespace: Val | None) -> None:
        service = CloudMapService(res.address, self.framework, res.loc, res.address,
                                  namespace=namespace)
        config = _first(dns_config)
        if config is not None:
            service.dns_config_loc = config.loc
            records = config.get(records_key)
            service.records_known = records is not None and records.known and all(
                isinstance(r.value, dict) and r.symbol != "dynamic" for r in records.items())
            for record in (records.items() if records is not None else []):
                kind = record.get(type_key) if isinstance(record.value, dict) else None
                if kind is not None:
                    service.record_types.append(kind)
                else:
                    service.records_known = False
            service.routing_policy = setting(config.get(policy_key), "MULTIVALUE", res.loc)
        self.model.cloud_map_services[res.address] = service

    # -- IAM -----------------------------------------------------------------

    def add_role(self, res: RawResource, trust: Val | None) -> IamRole:
        role = IamRole(res.address, self.framework, res.loc, res.address,
                       assume_role_policy=trust)
        self.model.roles[res.address] = role
        return role

    def attach_policy(self, role: IamRole, source: str, name: str, loc: Location,
                      document: Val | None) -> None:
        """A policy document that applies to `role` (None: a document that is not known)."""
        from vpcsec_lint.policy import Policy, parse_policy

        policies = parse_policy(document, self.model, loc) if document is not None else []
        policy = policies[0] if len(policies) == 1 else Policy(loc, False)
        role.policies.append(RolePolicy(source, name, loc, policy))

    def attach_managed(self, role: IamRole, arn: Val, documents: dict[str, Val | None]) -> None:
        """A managed policy by ARN: one defined in the code (`documents`), an AWS-managed one
        (its statements from the shipped snapshot), or an unknown one."""
        from vpcsec_lint.iam import aws_managed_policy

        loc = arn.loc or role.loc
        key = self.named(arn, documents).key
        if key is not None:
            self.attach_policy(role, "customer_managed", key, loc, documents[key])
            return
        text = arn.value if isinstance(arn.value, str) else arn.partial
        managed = aws_managed_policy(text, loc) if text and not arn.alternatives else None
        if managed is not None:
            role.policies.append(managed)
            return
        role.policies.append(RolePolicy("unknown", str(arn.value) if arn.known else "?", loc))


def unique_names(names: list[tuple[object, str]]) -> dict[str, str]:
    """Literal name (lower case) -> address, for the names only one resource has."""
    seen: dict[str, list[str]] = {}
    for name, address in names:
        if isinstance(name, str):
            seen.setdefault(name.lower(), []).append(address)
    return {name: found[0] for name, found in seen.items() if len(found) == 1}


def dig(body: Val, path: str | None) -> Val | None:
    """The value at a dotted path (`vpc_options.subnet_ids`); a block list gives its first item."""
    if path is None:
        return None
    val: Val | None = body
    for name in path.split("."):
        val = _first(val)
        val = val.get(name) if val is not None else None
        if val is None:
            return None
    return val


def _first(val: Val | None) -> Val | None:
    """A mapping, or the first mapping of a block list; None otherwise."""
    if val is None:
        return None
    if isinstance(val.value, list):
        items = val.value
        return items[0] if len(items) == 1 and isinstance(items[0].value, dict) else None
    return val if isinstance(val.value, dict) else None


def _scheme(val: Val | None, fallback: Location) -> Setting:
    """`internal = true` (Terraform) or `Scheme: internal` (CloudFormation) as True; omitted is
    internet-facing (False) in both."""
    out = setting(val, False, fallback)
    if val is not None and isinstance(val.value, str):
        text = val.value.strip().lower()
        out.value = {"internal": True, "internet-facing": False}.get(text, out.value)
    return out


def _lower(found: Setting) -> Setting:
    if isinstance(found.value, str):
        found.value = found.value.lower()
    return found


def _upper(found: Setting) -> Setting:
    if isinstance(found.value, str):
        found.value = found.value.upper()
    return found


def _present(val: Val | None) -> bool:
    return val is not None and val.value not in (None, [], {})


def setting(val: Val | None, default: object, fallback: Location) -> Setting:
    """A setting as written, or its provider default (`explicit=False`) when omitted."""
    if val is None:
        return Setting(default, fallback, False)
    value = as_bool(val) if isinstance(default, bool) else val.value
    return Setting(value, setting_loc(val, fallback), True, val)


def setting_loc(val: Val | None, fallback: Location) -> Location:
    return val.loc if val is not None and val.loc is not None else fallback
