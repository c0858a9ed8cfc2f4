"""Terraform resources (aws provider) -> the common model."""

from __future__ import annotations

import re

from vpcsec_lint.builder import (
    BaseBuilder,
    EcsNames,
    setting,
    setting_loc,
    unique_names,
)
from vpcsec_lint.data_stores import TERRAFORM as TERRAFORM_STORES
from vpcsec_lint.model import (
    Attachment,
    Cache,
    InternetGateway,
    Model,
    Nacl,
    NaclEntry,
    Peering,
    PrefixList,
    Ref,
    Region,
    RolePolicy,
    Route,
    RouteTable,
    SecurityGroup,
    SgRule,
    SourceGroup,
    Subnet,
    Vpc,
    as_bool,
    as_int,
    normalise_protocol,
)
from vpcsec_lint.raw import RawResource
from vpcsec_lint.values import UNKNOWN, Location, Val

_MODULE_VPC_OUTPUTS = ("vpc_cidr_block", "vpc_secondary_cidr_blocks", "vpc_ipv6_cidr_block")
_MODULE_ADDRESS = re.compile(r"(^|\.)module\.[^.]+$")
_ROUTE_TARGETS = {"gateway_id": "gateway", "nat_gateway_id": "nat",
                  "vpc_peering_connection_id": "peering", "egress_only_gateway_id": "egress-igw",
                  "vpc_endpoint_id": "vpce", "transit_gateway_id": "other",
                  "network_interface_id": "other", "carrier_gateway_id": "other",
                  "local_gateway_id": "other", "core_network_arn": "other",
                  "instance_id": "other"}
_SUBNET_GROUPS = ("aws_db_subnet_group", "aws_elasticache_subnet_group",
                  "aws_memorydb_subnet_group", "aws_docdb_subnet_group",
                  "aws_neptune_subnet_group", "aws_redshift_subnet_group")
_PUBLIC_DEFAULT = {"aws_redshift_cluster": True}
"""Provider v5 defaults of `publicly_accessible` that are not `false`."""
_ECS = EcsNames(
    "network_mode", "requires_compatibilities", "container_definitions", "task_role_arn",
    "execution_role_arn", "task_definition", "launch_type", "capacity_provider_strategy",
    "network_configuration", None, "subnets", "security_groups", "assign_public_ip",
    "service_registries", "registry_arn", "container_name", "container_port", "port",
    "enable_execute_command")
_SECRET_POLICIES = {"aws_secretsmanager_secret_policy": "secret_arn"}
_SG_RULE_TYPES = {"aws_security_group_rule", "aws_vpc_security_group_ingress_rule",
                  "aws_vpc_security_group_egress_rule", "aws_security_group"}


def build_model(root: str, resources: list[RawResource]) -> Model:
    return TerraformBuilder(root, resources).build()


class TerraformBuilder(BaseBuilder):
    framework = "terraform"
    identity_attrs = frozenset({"id"})
    name_attrs = frozenset({"arn", "name", "id", "family"})

    def by_type(self, *types: str) -> list[RawResource]:
        return [r for r in self.raw if r.type in types and not r.is_data]

    def group_attachments(self) -> None:
        interface = self.interface_endpoints()
        self.attachments(_SG_RULE_TYPES | {"aws_vpc_endpoint_security_group_association"},
                         {"aws_vpc_endpoint"}, interface)
        # An endpoint created without groups gets the VPC's default group; an association
        # keeps it beside its own group unless `replace_default_association = true`.
        default_kept = {k for k, e in self.model.endpoints.items() if not e.security_groups}
        for res in self.by_type("aws_vpc_endpoint_security_group_association"):
            group = self.ref(res.body.get("security_group_id"), self.model.security_groups)
            endpoint = self.ref(res.body.get("vpc_endpoint_id"), self.model.endpoints)
            if endpoint.key is not None:
                self.model.endpoints[endpoint.key].security_groups.append(group)
                if as_bool(res.body.get("replace_default_association"), False) is True:
                    default_kept.discard(endpoint.key)
            if group.key is not None:
                self.model.attachments.setdefault(group.key, []).append(Attachment(
                    res.address, res.type, interface.get(endpoint.key or "", False)))
        for key in sorted(default_kept):
            if self.model.endpoints[key].security_groups:
                self.model.endpoints[key].security_groups.append(Ref(None, None))

    # -- networks ------------------------------------------------------------

    def vpcs(self) -> None:
        for res in self.by_type("aws_vpc", "aws_default_vpc"):
            default = res.type == "aws_default_vpc"
            body = res.body
            vpc = Vpc(res.address, self.framework, res.loc, res.address, is_default=default)
            cidr = body.get("cidr_block")
            vpc.cidrs.append(cidr if cidr is not None else Val(UNKNOWN, res.loc))
            if body.get("ipv6_cidr_block") is not None:
                vpc.ipv6_cidrs.append(body.get("ipv6_cidr_block"))  # type: ignore[arg-type]
            vpc.cidr_refs |= {(res.address, "cidr_block"), (res.address, "ipv6_cidr_block")}
            vpc.dns_support = setting(body.get("enable_dns_support"), True, res.loc)
            vpc.dns_hostnames = setting(body.get("enable_dns_hostnames"), default, res.loc)
            self.model.vpcs[res.address] = vpc
        for res in self.raw:
            if res.is_data and res.type == "aws_vpc":
                vpc = Vpc(res.address, self.framework, res.loc, res.address, known=False)
                vpc.cidr_refs |= {(res.address, "cidr_block"), (res.address, "ipv6_cidr_block"),
                                  (res.address, "cidr_block_associations")}
                self.model.vpcs[res.address] = vpc
        for res in self.by_type("aws_vpc_ipv4_cidr_block_association",
                                "aws_vpc_ipv6_cidr_block_association"):
            vpc_ref = self.vpc_ref(res.body.get("vpc_id"))
            owner = self.model.vpc(vpc_ref)
            if owner is None:
                continue
            if res.type.startswith("aws_vpc_ipv4"):
                owner.cidrs.append(res.body.get("cidr_block") or Val(UNKNOWN, res.loc))
                owner.cidr_refs.add((res.address, "cidr_block"))
            else:
                owner.ipv6_cidrs.append(res.body.get("ipv6_cidr_block") or Val(UNKNOWN, res.loc))
                owner.cidr_refs.add((res.address, "ipv6_cidr_block"))
        for vpc in self.model.vpcs.values():
            vpc.cidr_symbols = {v.symbol for v in [*vpc.cidrs, *vpc.ipv6_cidrs] if v.symbol}

    def vpc_ref(self, val: Val | None) -> Ref:
        """A VPC reference, including `module.M.vpc_id` of a module we cannot read."""
        key = self.target(val)
        if key in self.model.vpcs:
            return Ref(key, val)
        if val is not None and val.ref is not None and val.ref[1] == "vpc_id" \
                and _MODULE_ADDRESS.search(val.ref[0]):
            module_key = val.ref[0]
            if module_key not in self.model.vpcs:
                vpc = Vpc(module_key, self.framework, val.loc or Location("", 1), module_key,
                          known=False)
                vpc.cidr_refs = {(module_key, out) for out in _MODULE_VPC_OUTPUTS}
                self.model.vpcs[module_key] = vpc
            return Ref(module_key, val)
        return Ref(None, val)

    def subnets(self) -> None:
        for res in self.by_type("aws_subnet", "aws_default_subnet"):
            body = res.body
            self.model.subnets[res.address] = Subnet(
                res.address, self.framework, res.loc, res.address,
                vpc=self.vpc_ref(body.get("vpc_id")), cidr=body.get("cidr_block"),
                availability_zone=body.get("availability_zone") or body.get(
                    "availability_zone_id"),
                public_ip_on_launch=as_bool(body.get("map_public_ip_on_launch"),
                                            res.type == "aws_default_subnet"))

    def security_groups(self) -> None:
        for res in self.by_type("aws_security_group", "aws_default_security_group"):
            group = SecurityGroup(res.address, self.framework, res.loc, res.address,
                                  vpc=self.vpc_ref(res.body.get("vpc_id")),
                                  name=res.body.get("name"))
            for direction in ("ingress", "egress"):
                blocks = res.body.get(direction)
                if blocks is not None and not isinstance(blocks.value, list | dict):
                    group.unknown_rules.add(direction)
            self.model.security_groups[res.address] = group

    def prefix_lists(self) -> None:
        for res in self.by_type("aws_ec2_managed_prefix_list"):
            plist = PrefixList(res.address, self.framework, res.loc, res.address,
                               max_entries=as_int(res.body.get("max_entries")),
                               address_family=_plain(res.body.get("address_family")))
            entries = res.body.get("entry")
            if entries is not None and not entries.known:
                plist.complete = False
            for entry in (entries.items() if entries is not None else []):
                if entry.symbol == "dynamic":
                    plist.complete = False
                cidr = entry.get("cidr")
                plist.entries.append(cidr if cidr is not None else Val(UNKNOWN, entry.loc))
            self.model.prefix_lists[res.address] = plist
        for res in self.by_type("aws_ec2_managed_prefix_list_entry"):
            key = self.target(res.body.get("prefix_list_id"))
            if key in self.model.prefix_lists:
                self.model.prefix_lists[key].entries.append(
                    res.body.get("cidr") or Val(UNKNOWN, res.loc))

    def peerings(self) -> None:
        for res in self.by_type("aws_vpc_peering_connection"):
            peer = res.body.get("peer_vpc_id")
            self.model.peerings[res.address] = Peering(
                res.address, self.framework, res.loc, res.address,
                requester_vpc=self.vpc_ref(res.body.get("vpc_id")),
                accepter_vpc=self.vpc_ref(peer), peer_vpc_loc=setting_loc(peer, res.loc))
        for res in self.by_type("aws_vpc_peering_connection_accepter"):
            key = self.target(res.body.get("vpc_peering_connection_id"))
            if key in self.model.peerings:
                self.model.peerings[key].aliases.add(res.address)

    def route_tables(self) -> None:
        for res in self.by_type("aws_route_table"):
            routes = res.body.get("route")
            self.model.route_tables[res.address] = RouteTable(
                res.address, self.framework, res.loc, res.address,
                vpc=self.vpc_ref(res.body.get("vpc_id")),
                routes_unknown=routes is not None and not isinstance(routes.value, list | dict)
                or any(b.symbol == "dynamic" for b in (routes.items() if routes else [])))
        for res in self.by_type("aws_default_route_table"):
            default_id = res.body.get("default_route_table_id")
            vpc = Ref(None, default_id)
            if default_id is not None and default_id.ref and default_id.ref[0] in self.model.vpcs:
                vpc = Ref(default_id.ref[0], default_id)
            self.model.route_tables[res.address] = RouteTable(
                res.address, self.framework, res.loc, res.address, vpc=vpc)
            if vpc.key is not None:
                self.model.main_tables.setdefault(vpc.key, []).append(
                    (Ref(res.address, None), res.loc))

    # -- endpoints -----------------------------------------------------------

    def endpoints(self) -> None:
        for res in self.by_type("aws_vpc_endpoint"):
            body = res.body
            endpoint = self.add_endpoint(
                res, body.get("vpc_id"), body.get("vpc_endpoint_type"), body.get("service_name"),
                body.get("private_dns_enabled"), body.get("policy"),
                body.get("security_group_ids"), body.get("route_table_ids"),
                body.get("subnet_ids"))
            endpoint.service_region = body.get("service_region")
        for res in self.by_type("aws_vpc_endpoint_policy"):
            key = self.target(res.body.get("vpc_endpoint_id"))
            if key in self.model.endpoints:
                policy = res.body.get("policy")
                self.model.endpoints[key].policy_resources.append(
                    (res.address, setting_loc(policy, res.loc), policy))
        for res in self.by_type("aws_vpc_endpoint_route_table_association"):
            table = self.target(res.body.get("route_table_id"))
            endpoint_key = self.target(res.body.get("vpc_endpoint_id"))
            if table in self.model.route_tables and endpoint_key in self.model.endpoints:
                self.model.route_table_endpoints.setdefault(table, []).append(endpoint_key)
                self.model.endpoints[endpoint_key].route_tables.append(Ref(table, None))

    # -- security-group rules ------------------------------------------------

    def sg_rules(self) -> None:
        groups = self.model.security_groups
        for res in self.by_type("aws_security_group"):
            for direction in ("ingress", "egress"):
                blocks = res.body.get(direction)
                for block in (blocks.items() if blocks is not None else []):
                    if not isinstance(block.value, dict):
                        continue
                    self.model.sg_rules.append(self._classic_rule(
                        res, block, direction, Ref(res.address, None), True))
        for res in self.by_type("aws_security_group_rule"):
            kind = res.body.get("type")
            if kind is None or kind.value not in ("ingress", "egress"):
                continue
            group = self.ref(res.body.get("security_group_id"), groups)
            self.model.sg_rules.append(self._classic_rule(res, res.body, kind.value, group,
                                                          False))
        for res in self.by_type("aws_vpc_security_group_ingress_rule",
                                "aws_vpc_security_group_egress_rule"):
            body = res.body
            direction = "ingress" if res.type.endswith("ingress_rule") else "egress"
            group = self.ref(body.get("security_group_id"), groups)
            protocol = normalise_protocol(_plain(body.get("ip_protocol")))
            cidrs = [v for v in (body.get("cidr_ipv4"), body.get("cidr_ipv6")) if v is not None]
            rule = SgRule(self.framework, res.address, res.loc, group, direction, protocol,
                          as_int(body.get("from_port")), as_int(body.get("to_port")), cidrs,
                          cidrs[0].loc if cidrs else None)
            source = body.get("referenced_security_group_id")
            if source is not None:
                rule.source_groups.append(SourceGroup(self.target(source) if self.target(
                    source) in groups else None, source))
            if body.get("prefix_list_id") is not None:
                rule.prefix_lists.append(body.get("prefix_list_id"))  # type: ignore[arg-type]
            self.model.sg_rules.append(rule)

    def _classic_rule(self, res: RawResource, body: Val, direction: str, group: Ref,
                      inline: bool) -> SgRule:
        groups = self.model.security_groups
        protocol = normalise_protocol(_plain(body.get("protocol")))
        cidrs: list[Val] = []
        cidr_attr = None
        for name in ("cidr_blocks", "ipv6_cidr_blocks"):
            attr = body.get(name)
            if attr is None:
                continue
            cidr_attr = cidr_attr or attr.loc
            if isinstance(attr.value, list):
                cidrs.extend(_with_fallback_loc(item, attr) for item in attr.value)
            else:
                cidrs.append(attr)
        rule = SgRule(self.framework, res.address, body.loc or res.loc, group, direction,
                      protocol, as_int(body.get("from_port")), as_int(body.get("to_port")), cidrs,
                      cidr_attr, dynamic=body.symbol == "dynamic", inline=inline)
        if as_bool(body.get("self"), False) is True:
            rule.source_groups.append(SourceGroup(group.key, body.get("self"), is_self=True))
        for name in ("security_groups", "source_security_group_id"):
            attr = body.get(name)
            if attr is None:
                continue
            for item in (attr.value if isinstance(attr.value, list) else [attr]):
                key = self.target(item)
                rule.source_groups.append(SourceGroup(key if key in groups else None, item))
        plists = body.get("prefix_list_ids")
        if plists is not None:
            rule.prefix_lists.extend(plists.items() or [plists])
        return rule

    # -- caches --------------------------------------------------------------

    def caches(self) -> None:
        groups = self.model.security_groups
        for res in self.by_type("aws_elasticache_replication_group", "aws_memorydb_cluster"):
            body = _without_nulls(res.body)
            sg_val = body.get("security_group_ids")
            cache = Cache(res.address, self.framework, res.loc, res.address,
                          security_groups=self.refs(sg_val, groups), security_groups_val=sg_val,
                          security_groups_loc=setting_loc(sg_val, res.loc))
            cache.port = as_int(body.get("port"), 6379)
            if res.type == "aws_memorydb_cluster":
                cache.kind = "memorydb"
                cache.engine = _plain(body.get("engine")) if body.get("engine") else "redis"
                shards = as_int(body.get("num_shards"), 1)
                replicas = as_int(body.get("num_replicas_per_shard"), 1)
                cache.node_count = _product(shards, replicas)
                cache.cluster_mode = True
            else:
                cache.engine = _plain(body.get("engine")) if body.get("engine") else "redis"
                cache.node_count, cache.cluster_mode = _replication_group_nodes(body)
                legacy = body.get("security_group_names")  # CacheSecurityGroupNames
                cache.membership_unknown = body.get("global_replication_group_id") is not None \
                    or (legacy is not None and (not legacy.known or bool(legacy.items())))
            self.model.caches[res.address] = cache

    # -- routes --------------------------------------------------------------

    def routes(self) -> None:
        tables = self.model.route_tables
        for res in self.by_type("aws_route_table", "aws_default_route_table"):
            blocks = res.body.get("route")
            for block in (blocks.items() if blocks is not None else []):
                if isinstance(block.value, dict):
                    self.model.routes.append(self._route(res, block, Ref(res.address, None)))
        for res in self.by_type("aws_route"):
            table = self.ref(res.body.get("route_table_id"), tables)
            self.model.routes.append(self._route(res, res.body, table))

    def _route(self, res: RawResource, body: Val, table: Ref) -> Route:
        dest = None
        for name in ("destination_cidr_block", "cidr_block", "destination_ipv6_cidr_block",
                     "ipv6_cidr_block"):
            candidate = body.get(name)
            if candidate is not None and candidate.value not in ("", None):
                dest = candidate
                break
        plist_val = body.get("destination_prefix_list_id")
        peering_val = body.get("vpc_peering_connection_id")
        peering = None
        if peering_val is not None and peering_val.value not in ("", None):
            key = self.target(peering_val)
            peering = Ref(key, peering_val)
        nat = body.get("nat_gateway_id")
        route = Route(self.framework, res.address, body.loc or res.loc, table, dest,
                      self.ref(plist_val, self.model.prefix_lists)
                      if plist_val is not None and plist_val.value not in ("", None) else None,
                      peering, nat is not None and nat.value not in ("", None),
                      setting_loc(peering_val, body.loc or res.loc))
        self.route_target(route, body, _ROUTE_TARGETS)
        return route

    # -- network ACLs --------------------------------------------------------

    def nacls(self) -> None:
        for res in self.by_type("aws_network_acl", "aws_default_network_acl"):
            vpc = self.vpc_ref(res.body.get("vpc_id"))
            default_id = res.body.get("default_network_acl_id")
            if default_id is not None and default_id.ref and default_id.ref[0] in self.model.vpcs:
                vpc = Ref(default_id.ref[0], default_id)
            nacl = Nacl(res.address, self.framework, res.loc, res.address, vpc=vpc,
                        is_default=res.type == "aws_default_network_acl")
            self.model.nacls[res.address] = nacl
            for direction in ("ingress", "egress"):
                blocks = res.body.get(direction)
                for block in (blocks.items() if blocks is not None else []):
                    if isinstance(block.value, dict):
                        self.model.nacl_entries.append(self._nacl_entry(
                            res, block, Ref(res.address, None), direction == "egress", "rule_no",
                            "action"))
        for res in self.by_type("aws_network_acl_rule"):
            nacl_ref = self.ref(res.body.get("network_acl_id"), self.model.nacls)
            egress = as_bool(res.body.get("egress"), False)
            self.model.nacl_entries.append(self._nacl_entry(
                res, res.body, nacl_ref, egress, "rule_number", "rule_action"))

    def _nacl_entry(self, res: RawResource, body: Val, nacl: Ref, egress: object,
                    number: str, action: str) -> NaclEntry:
        cidr = body.get("cidr_block")
        if cidr is None or cidr.value in ("", None):  # `ingress = [{cidr_block = "", ...}]`
            cidr = body.get("ipv6_cidr_block") or cidr
        act = _plain(body.get(action))
        return NaclEntry(self.framework, res.address, body.loc or res.loc, nacl,
                         egress,  # type: ignore[arg-type]
                         as_int(body.get(number)), normalise_protocol(_plain(body.get("protocol"))),
                         act.lower() if isinstance(act, str) else UNKNOWN, cidr,
                         as_int(body.get("from_port")), as_int(body.get("to_port")))

    # -- compute -------------------------------------------------------------

    def lambdas(self) -> None:
        for res in self.by_type("aws_lambda_function"):
            configs = res.body.get("vpc_config")
            config = configs.items()[0] if configs is not None and configs.items() else None
            subnets = config.get("subnet_ids") if config is not None else None
            if subnets is not None and config is not None and config.symbol == "dynamic":
                subnets = Val(UNKNOWN, subnets.loc)
            groups = config.get("security_group_ids") if config is not None else None
            env = res.body.get("environment")
            env_block = env.items()[0] if env is not None and env.items() else None
            variables = env_block.get("variables") if env_block is not None else None
            fs = res.body.get("file_system_config")
            arns = [b.get("arn") for b in (fs.items() if fs is not None else [])
                    if isinstance(b.value, dict) and b.get("arn") is not None]
            self.add_lambda(res, config, subnets, groups, variables,
                            arns)  # type: ignore[arg-type]

    def instances(self) -> None:
        for res in self.by_type("aws_instance"):
            body = res.body
            groups = body.get("vpc_security_group_ids") or body.get("security_groups")
            self.add_instance(res, body.get("subnet_id"), groups,
                              body.get("associate_public_ip_address"),
                              body.get("network_interface") or body.get(
                                  "primary_network_interface"))

    # -- gateways and associations ------------------------------------------

    def gateways(self) -> None:
        for res in self.by_type("aws_internet_gateway", "aws_egress_only_internet_gateway"):
            vpc = res.body.get("vpc_id")
            self.model.internet_gateways[res.address] = InternetGateway(
                res.address, self.framework, res.loc, res.address,
                egress_only=res.type.startswith("aws_egress"),
                vpcs=[self.vpc_ref(vpc)] if vpc is not None else [])
        for res in self.by_type("aws_internet_gateway_attachment"):
            self.attach_internet_gateway(res.body.get("internet_gateway_id"),
                                         res.body.get("vpc_id"))
        for res in self.by_type("aws_nat_gateway"):
            self.add_nat_gateway(res, res.body.get("connectivity_type"),
                                 res.body.get("subnet_id"), res.body.get("vpc_id"))

    def associations(self) -> None:
        for res in self.by_type("aws_route_table_association"):
            if res.body.get("gateway_id") is not None:
                continue  # an edge association: for traffic entering through a gateway
            self.associate(self.model.subnet_tables, "route-table", res.body.get("subnet_id"),
                           self.ref(res.body.get("route_table_id"), self.model.route_tables),
                           res.loc)
        for res in self.by_type("aws_main_route_table_association"):
            vpc = self.vpc_ref(res.body.get("vpc_id"))
            if vpc.key is not None:
                self.model.main_tables.setdefault(vpc.key, []).append(
                    (self.ref(res.body.get("route_table_id"), self.model.route_tables), res.loc))
        for res in self.by_type("aws_network_acl", "aws_default_network_acl"):
            subnets = res.body.get("subnet_ids")
            if subnets is None:
                continue
            if not isinstance(subnets.value, list):
                self.model.loose_associations.add("nacl")
                continue
            for item in subnets.value:
                self.associate(self.model.subnet_nacls, "nacl", item,
                               Ref(res.address, None), item.loc or subnets.loc or res.loc)
        for res in self.by_type("aws_network_acl_association"):
            self.associate(self.model.subnet_nacls, "nacl", res.body.get("subnet_id"),
                           self.ref(res.body.get("network_acl_id"), self.model.nacls), res.loc)

    def dhcp_options(self) -> None:
        self.add_dhcp(self.by_type("aws_vpc_dhcp_options"), "domain_name_servers",
                      self.by_type("aws_vpc_dhcp_options_association"), "vpc_id",
                      "dhcp_options_id")

    def hosted_zones(self) -> None:
        for res in self.by_type("aws_route53_zone"):
            self.add_hosted_zone(res, res.body.get("name"), res.body.get("vpc"), "vpc_id")

    # -- data stores, IAM, ECS, regions --------------------------------------

    def data_stores(self) -> None:
        groups = self.by_type(*_SUBNET_GROUPS)
        subnet_groups = {r.address: r.body.get("subnet_ids") for r in groups}
        names = unique_names([(_plain(r.body.get("name")), r.address) for r in groups])
        for res in self.by_type(*TERRAFORM_STORES):
            self.add_data_store(res, TERRAFORM_STORES[res.type],
                                _PUBLIC_DEFAULT.get(res.type, False), subnet_groups, names)
        self.link_members()
        for store in self.model.data_stores.values():
            if store.kind == "efs_mount_target":
                fs = self.model.resources[store.key].body.get("file_system_id")
                if fs is not None and fs.ref is not None:
                    store.connection_attrs.add((fs.ref[0], "dns_name"))
        for res in self.by_type(*_SECRET_POLICIES):
            secret = res.body.get(_SECRET_POLICIES[res.type])
            self.model.resource_policies.add(secret.ref[0] if secret is not None
                                             and secret.ref is not None else "*")

    def roles(self) -> None:
        documents = {r.address: r.body.get("policy") for r in self.by_type("aws_iam_policy")}
        for res in self.by_type("aws_iam_role"):
            role = self.add_role(res, res.body.get("assume_role_policy"))
            for block in _items(res.body.get("inline_policy")):
                name = block.get("name")
                self.attach_policy(role, "inline", _text(name, res.address), block.loc or res.loc,
                                   block.get("policy") if block.symbol != "dynamic" else None)
            arns = res.body.get("managed_policy_arns")
            if arns is not None and not isinstance(arns.value, list):
                role.policies.append(RolePolicy("unknown", "managed_policy_arns",
                                                arns.loc or res.loc))
            for arn in _items(arns):
                self.attach_managed(role, arn, documents)
            role.exclusive = arns is not None and res.body.get("inline_policy") is not None
        roles = self.model.roles
        for res in self.by_type("aws_iam_role_policy"):
            role_ref = self.named(res.body.get("role"), roles)
            if role_ref.key is not None:
                self.attach_policy(roles[role_ref.key], "role_policy", res.address, res.loc,
                                   res.body.get("policy"))
        for res in self.by_type("aws_iam_role_policy_attachment"):
            role_ref = self.named(res.body.get("role"), roles)
            policy_arn = res.body.get("policy_arn")
            if role_ref.key is not None and policy_arn is not None:
                self.attach_managed(roles[role_ref.key], policy_arn, documents)
        for res in self.by_type("aws_iam_policy_attachment"):
            policy_arn = res.body.get("policy_arn")
            for role_val in _items(res.body.get("roles")):
                role_ref = self.named(role_val, roles)
                if role_ref.key is not None and policy_arn is not None:
                    self.attach_managed(roles[role_ref.key], policy_arn, documents)

    def ecs(self) -> None:
        for res in self.by_type("aws_service_discovery_service"):
            self.add_cloud_map_service(res, res.body.get("dns_config"), "dns_records", "type",
                                       "routing_policy", res.body.get("namespace_id"))
        for res in self.by_type("aws_ecs_task_definition"):
            self.add_task_definition(res, _ECS)
        for res in self.by_type("aws_ecs_service"):
            self.add_ecs_service(res, _ECS)

    # -- load balancers and Auto Scaling ------------------------------------

    def load_balancers(self) -> None:
        for res in self.by_type("aws_lb", "aws_alb"):
            body = res.body
            self.add_load_balancer(res, body.get("load_balancer_type"), "application",
                                   body.get("internal"), body.get("subnets"),
                                   body.get("subnet_mapping"), "subnet_id",
                                   body.get("security_groups"), "dns_name")
        for res in self.by_type("aws_lb_listener", "aws_alb_listener"):
            lb = self.load_balancer_named(res.body.get("load_balancer_arn"))
            if lb is not None:
                self.add_listener(lb, res.address, res.loc, res.body.get("port"),
                                  res.body.get("protocol"))
        for res in self.by_type("aws_elb"):
            body = res.body
            lb = self.add_load_balancer(res, None, "classic", body.get("internal"),
                                        body.get("subnets"), None, "", body.get(
                                            "security_groups"), "dns_name")
            for block in _items(body.get("listener")):
                if isinstance(block.value, dict) and block.symbol != "dynamic":
                    self.add_listener(lb, res.address, block.loc or res.loc,
                                      block.get("lb_port"), block.get("lb_protocol"))

    def auto_scaling(self) -> None:
        for res in self.by_type("aws_iam_instance_profile"):
            self.add_instance_profile(res, res.body.get("name"), res.body.get("role"))
        self.link_instance_profiles()
        for res in self.by_type("aws_launch_template"):
            body = res.body
            profile = _first_block(body.get("iam_instance_profile"))
            self.add_launch_template(
                res, body.get("name"), body.get("vpc_security_group_ids"),
                body.get("security_group_names"), body.get("network_interfaces"),
                "device_index", "security_groups", "associate_public_ip_address",
                (profile.get("arn") or profile.get("name")) if profile is not None else None)
        for res in self.by_type("aws_launch_configuration"):
            body = res.body
            self.add_launch_configuration(res, body.get("name"), body.get("security_groups"),
                                          body.get("associate_public_ip_address"),
                                          body.get("iam_instance_profile"))
        for res in self.by_type("aws_autoscaling_group"):
            body = res.body
            spec = _first_block(body.get("launch_template"))
            policy = _first_block(body.get("mixed_instances_policy"))
            mixed = _first_block(policy.get("launch_template")) if policy is not None else None
            overrides = False
            if spec is None and mixed is not None:
                spec = _first_block(mixed.get("launch_template_specification"))
                overrides = any(isinstance(o.value, dict) and (
                    o.get("launch_template_specification") is not None or o.symbol == "dynamic")
                    for o in _items(mixed.get("override")))
                ids = ("launch_template_id", "launch_template_name")
            else:
                ids = ("id", "name")
            template = (spec.get(ids[0]), spec.get(ids[1]), spec.get("version")) \
                if spec is not None else None
            self.add_autoscaling_group(
                res, body.get("vpc_zone_identifier"), template,
                spec.loc if spec is not None else None, overrides,
                body.get("launch_configuration"),
                frozenset({"latest_version", "default_version"}))

    def regions(self) -> None:
        """Each resource's region: its own `region` argument (provider v6), else its provider's."""
        providers = {r.address: r for r in self.raw if r.type == "provider"}
        for res in self.by_type(*{r.type for r in self.raw if r.type.startswith("aws_")}):
            prefix = res.address[:len(res.address) - len(res.type) - 1 - len(
                res.address.rsplit(".", 1)[-1])]
            meta = res.body.get("provider")
            name = meta.ref[0][len(prefix):] if meta is not None and meta.ref else "aws"
            own = res.body.get("region")
            config = providers.get(f"{prefix}provider.{name}")
            val = own if own is not None else config.body.get("region") if config else None
            if val is None:
                continue
            self.model.regions[res.address] = Region(
                val.value if isinstance(val.value, str) and not val.alternatives else UNKNOWN,
                val.loc, val.known and not val.alternatives and not _from_input(val),
                config.address if config is not None and own is None else None)


def _from_input(val: Val) -> bool:
    """The value comes from a variable (its default or tfvars can be changed at plan time)."""
    return val.symbol is not None and ("var." in val.symbol)


def _first_block(val: Val | None) -> Val | None:
    """The single block of a block list (or a mapping); None otherwise."""
    if val is None:
        return None
    if isinstance(val.value, dict):
        return val
    items = val.items()
    return items[0] if len(items) == 1 and isinstance(items[0].value, dict) \
        and items[0].symbol != "dynamic" else None


def _items(val: Val | None) -> list[Val]:
    return val.items() if val is not None else []


def _text(val: Val | None, fallback: str) -> str:
    return val.value if val is not None and isinstance(val.value, str) else fallback


def _without_nulls(body: Val) -> Val:
    """The attributes that are set: Terraform treats an attribute set to `null` as omitted."""
    if not isinstance(body.value, dict):
        return body
    return Val({k: v for k, v in body.value.items() if v.value is not None}, body.loc,
               body.origins, body.ref, body.symbol)


def _plain(val: Val | None) -> object:
    return val.value if val is not None else UNKNOWN


def _with_fallback_loc(item: Val, parent: Val) -> Val:
    if item.loc is None:
        item.loc = parent.loc
    return item


def _product(shards: object, replicas: object) -> object:
    if isinstance(shards, int) and isinstance(replicas, int):
        return shards * (1 + replicas)
    return UNKNOWN


def _replication_group_nodes(body: Val) -> tuple[object, object]:
    """Node count and cluster mode of an `aws_elasticache_replication_group`."""
    groups = body.get("node_group_configuration")
    num_groups = body.get("num_node_groups")
    replicas = as_int(body.get("replicas_per_node_group"), 0)
    legacy = body.get("cluster_mode")
    if legacy is not None and isinstance(legacy.value, list) and legacy.items():
        block = legacy.items()[0]  # provider < 5: a `cluster_mode { num_node_groups ... }` block
        num_groups = num_groups or block.get("num_node_groups")
        if body.get("replicas_per_node_group") is None:
            replicas = as_int(block.get("replicas_per_node_group"), 0)
    if groups is not None and groups.items():
        # Each shard's replica_count defaults to replicas_per_node_group.
        total: object = 0
        for group in groups.items():
            replica_count = as_int(group.get("replica_count"), replicas) if isinstance(
                group.value, dict) and group.symbol != "dynamic" else UNKNOWN
            total = total + 1 + replica_count if isinstance(total, int) and isinstance(
                replica_count, int) else UNKNOWN
        shards = as_int(num_groups, 0)
        count = len(groups.items())
        if any(g.symbol == "dynamic" for g in groups.items()):
            return UNKNOWN, UNKNOWN
        return total, count > 1 or (isinstance(shards, int) and shards > 1)
    if num_groups is not None:
        count = as_int(num_groups)
        if not isinstance(count, int):
            return UNKNOWN, UNKNOWN
        return _product(count, replicas), count > 1
    clusters = body.get("num_cache_clusters") or body.get("number_cache_clusters")
    mode = body.get("cluster_mode")
    cluster_mode = UNKNOWN if mode is not None and not mode.known else (
        isinstance(mode.value, str) and mode.value.lower() == "enabled" if mode else False)
    return as_int(clusters, 1), cluster_mode
