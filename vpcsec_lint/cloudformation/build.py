"""CloudFormation resources (SAM included) -> the common model."""

from __future__ import annotations

from vpcsec_lint.builder import (
    BaseBuilder,
    EcsNames,
    setting,
    setting_loc,
    unique_names,
)
from vpcsec_lint.cloudformation.template import REGION_TYPE
from vpcsec_lint.data_stores import CLOUDFORMATION as CLOUDFORMATION_STORES
from vpcsec_lint.model import (
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
from vpcsec_lint.values import UNKNOWN, Val

# `Fn::GetAtt` attributes that name the resource itself, by type (`Ref` always does).
_IDENTITY = {
    "AWS::EC2::SecurityGroup": {"GroupId"},
    "AWS::EC2::VPC": {"VpcId"},
    "AWS::EC2::VPCPeeringConnection": {"Id"},
    "AWS::EC2::RouteTable": {"RouteTableId"},
    "AWS::EC2::NetworkAcl": {"Id"},
    "AWS::EC2::Subnet": {"SubnetId"},
    "AWS::EC2::PrefixList": {"PrefixListId"},
    "AWS::EC2::VPCEndpoint": {"Id"},
    "AWS::EC2::InternetGateway": {"InternetGatewayId"},
    "AWS::EC2::EgressOnlyInternetGateway": {"Id"},
    "AWS::EC2::NatGateway": {"NatGatewayId"},
    "AWS::EC2::Instance": {"InstanceId"},
    "AWS::EC2::DHCPOptions": {"DhcpOptionsId"},
    "AWS::EC2::LaunchTemplate": {"LaunchTemplateId"},
    "AWS::ElasticLoadBalancingV2::LoadBalancer": {"LoadBalancerArn"},
}
_ROUTE_TARGETS = {"GatewayId": "gateway", "NatGatewayId": "nat",
                  "VpcPeeringConnectionId": "peering", "EgressOnlyInternetGatewayId": "egress-igw",
                  "VpcEndpointId": "vpce", "TransitGatewayId": "other", "InstanceId": "other",
                  "NetworkInterfaceId": "other", "CarrierGatewayId": "other",
                  "LocalGatewayId": "other", "CoreNetworkArn": "other"}
_SUBNET_GROUPS = ("AWS::RDS::DBSubnetGroup", "AWS::ElastiCache::SubnetGroup",
                  "AWS::MemoryDB::SubnetGroup", "AWS::DocDB::DBSubnetGroup",
                  "AWS::Neptune::DBSubnetGroup", "AWS::Redshift::ClusterSubnetGroup")
_SUBNET_GROUP_NAMES = ("DBSubnetGroupName", "CacheSubnetGroupName", "SubnetGroupName")
_ECS = EcsNames(
    "NetworkMode", "RequiresCompatibilities", "ContainerDefinitions", "TaskRoleArn",
    "ExecutionRoleArn", "TaskDefinition", "LaunchType", "CapacityProviderStrategy",
    "NetworkConfiguration", "AwsvpcConfiguration", "Subnets", "SecurityGroups",
    "AssignPublicIp", "ServiceRegistries", "RegistryArn", "ContainerName", "ContainerPort",
    "Port", "EnableExecuteCommand")
_SG_RULE_TYPES = {"AWS::EC2::SecurityGroup", "AWS::EC2::SecurityGroupIngress",
                  "AWS::EC2::SecurityGroupEgress"}
_FUNCTION_TYPES = ("AWS::Lambda::Function", "AWS::Serverless::Function")


def build_model(root: str, resources: list[RawResource]) -> Model:
    return CloudFormationBuilder(root, resources).build()


class CloudFormationBuilder(BaseBuilder):
    framework = "cloudformation"
    name_attrs = frozenset({"Ref", "Arn", "Name", "Id", "PolicyArn"})

    def target(self, val: Val | None) -> str | None:
        if val is None or val.ref is None:
            return None
        logical_id, attr = val.ref
        res = self.model.resources.get(logical_id)
        if res is None:
            return None
        if attr == "Ref" or attr in _IDENTITY.get(res.type, ()):
            return logical_id
        return None

    def by_type(self, *types: str) -> list[RawResource]:
        return [r for r in self.raw if r.type in types]

    def group_attachments(self) -> None:
        self.attachments(_SG_RULE_TYPES, {"AWS::EC2::VPCEndpoint"}, self.interface_endpoints())

    def dhcp_options(self) -> None:
        self.add_dhcp(self.by_type("AWS::EC2::DHCPOptions"), "DomainNameServers",
                      self.by_type("AWS::EC2::VPCDHCPOptionsAssociation"), "VpcId",
                      "DhcpOptionsId")

    # -- networks ------------------------------------------------------------

    def vpcs(self) -> None:
        for res in self.by_type("AWS::EC2::VPC"):
            body = res.body
            vpc = Vpc(res.address, self.framework, res.loc, res.address)
            vpc.cidrs.append(body.get("CidrBlock") or Val(UNKNOWN, res.loc))
            vpc.cidr_refs |= {(res.address, "CidrBlock"), (res.address, "Ipv6CidrBlocks"),
                              (res.address, "CidrBlockAssociations")}
            vpc.dns_support = setting(body.get("EnableDnsSupport"), True, res.loc)
            vpc.dns_hostnames = setting(body.get("EnableDnsHostnames"), False, res.loc)
            self.model.vpcs[res.address] = vpc
        for res in self.by_type("AWS::EC2::VPCCidrBlock"):
            owner = self.model.vpc(self.ref(res.body.get("VpcId"), self.model.vpcs))
            if owner is None:
                continue
            cidr = res.body.get("CidrBlock")
            if cidr is not None:
                owner.cidrs.append(cidr)
            elif res.body.get("Ipv4IpamPoolId") is not None:  # an IPv4 range IPAM picks
                owner.cidrs.append(Val(UNKNOWN, res.loc))
            else:
                owner.ipv6_cidrs.append(res.body.get("Ipv6CidrBlock") or Val(UNKNOWN, res.loc))
            owner.cidr_refs |= {(res.address, "CidrBlock"), (res.address, "Ipv6CidrBlock")}
        for vpc in self.model.vpcs.values():
            vpc.cidr_symbols = {v.symbol for v in [*vpc.cidrs, *vpc.ipv6_cidrs] if v.symbol}

    def subnets(self) -> None:
        for res in self.by_type("AWS::EC2::Subnet"):
            body = res.body
            self.model.subnets[res.address] = Subnet(
                res.address, self.framework, res.loc, res.address,
                vpc=self.vpc_ref(body.get("VpcId")), cidr=body.get("CidrBlock"),
                availability_zone=body.get("AvailabilityZone") or body.get("AvailabilityZoneId"),
                public_ip_on_launch=as_bool(body.get("MapPublicIpOnLaunch"), False))

    def security_groups(self) -> None:
        for res in self.by_type("AWS::EC2::SecurityGroup"):
            group = SecurityGroup(res.address, self.framework, res.loc, res.address,
                                  vpc=self.vpc_ref(res.body.get("VpcId")),
                                  name=res.body.get("GroupName"))
            egress = res.body.get("SecurityGroupEgress")
            # Without SecurityGroupEgress, EC2's default allow-all egress rule stays.
            group.implicit_egress = egress is None or egress.value is None
            for prop, direction in (("SecurityGroupIngress", "ingress"), ("SecurityGroupEgress",
                                                                          "egress")):
                val = res.body.get(prop)
                if val is not None and not isinstance(val.value, list | None):
                    group.unknown_rules.add(direction)
            self.model.security_groups[res.address] = group

    def prefix_lists(self) -> None:
        for res in self.by_type("AWS::EC2::PrefixList"):
            plist = PrefixList(res.address, self.framework, res.loc, res.address,
                               max_entries=as_int(res.body.get("MaxEntries")),
                               address_family=_plain(res.body.get("AddressFamily")))
            entries = res.body.get("Entries")
            if entries is not None and not entries.known:
                plist.complete = False
            for entry in (entries.items() if entries is not None else []):
                cidr = entry.get("Cidr")
                plist.entries.append(cidr if cidr is not None else Val(UNKNOWN, entry.loc))
            self.model.prefix_lists[res.address] = plist

    def peerings(self) -> None:
        for res in self.by_type("AWS::EC2::VPCPeeringConnection"):
            peer = res.body.get("PeerVpcId")
            self.model.peerings[res.address] = Peering(
                res.address, self.framework, res.loc, res.address,
                requester_vpc=self.vpc_ref(res.body.get("VpcId")),
                accepter_vpc=self.vpc_ref(peer), peer_vpc_loc=setting_loc(peer, res.loc))

    def route_tables(self) -> None:
        for res in self.by_type("AWS::EC2::RouteTable"):
            self.model.route_tables[res.address] = RouteTable(
                res.address, self.framework, res.loc, res.address,
                vpc=self.vpc_ref(res.body.get("VpcId")))

    # -- endpoints -----------------------------------------------------------

    def endpoints(self) -> None:
        for res in self.by_type("AWS::EC2::VPCEndpoint"):
            body = res.body
            endpoint = self.add_endpoint(
                res, body.get("VpcId"), body.get("VpcEndpointType"), body.get("ServiceName"),
                body.get("PrivateDnsEnabled"), body.get("PolicyDocument"),
                body.get("SecurityGroupIds"), body.get("RouteTableIds"), body.get("SubnetIds"))
            endpoint.service_region = body.get("ServiceRegion")

    # -- security-group rules ------------------------------------------------

    def sg_rules(self) -> None:
        for res in self.by_type("AWS::EC2::SecurityGroup"):
            for prop, direction in (("SecurityGroupIngress", "ingress"),
                                    ("SecurityGroupEgress", "egress")):
                rules = res.body.get(prop)
                for item in (rules.items() if rules is not None else []):
                    if isinstance(item.value, dict):
                        self.model.sg_rules.append(self._rule(
                            res, item, direction, Ref(res.address, None), True))
        for res in self.by_type("AWS::EC2::SecurityGroupIngress", "AWS::EC2::SecurityGroupEgress"):
            direction = "ingress" if res.type.endswith("Ingress") else "egress"
            group = self.ref(res.body.get("GroupId"), self.model.security_groups)
            if group.val is None and res.body.get("GroupName") is not None:
                group = self._group_by_name(res.body.get("GroupName"))
            self.model.sg_rules.append(self._rule(res, res.body, direction, group, False))

    def _group_by_name(self, val: Val | None) -> Ref:
        ref = self.ref(val, self.model.security_groups)
        if ref.known or val is None or not isinstance(val.value, str):
            return ref
        for key, group in self.model.security_groups.items():
            if group.name is not None and group.name.value == val.value:
                return Ref(key, val)
        return Ref(None, val)

    def _rule(self, res: RawResource, body: Val, direction: str, group: Ref,
              inline: bool) -> SgRule:
        cidrs = [v for v in (body.get("CidrIp"), body.get("CidrIpv6")) if v is not None]
        ip_protocol = body.get("IpProtocol")
        protocol = normalise_protocol(ip_protocol.value if ip_protocol is not None else UNKNOWN)
        rule = SgRule(self.framework, res.address, body.loc or res.loc, group, direction,
                      protocol, as_int(body.get("FromPort")), as_int(body.get("ToPort")), cidrs,
                      cidrs[0].loc if cidrs else None, inline=inline)
        if protocol in ("icmp", "icmpv6") or protocol == "all":
            pass
        elif rule.from_port is UNKNOWN and body.get("FromPort") is None and protocol in (
                "tcp", "udp"):
            rule.from_port, rule.to_port = 0, 65535  # omitted ports: the whole range
        source_id = body.get("SourceSecurityGroupId") or body.get("DestinationSecurityGroupId")
        if source_id is not None:
            ref = self.ref(source_id, self.model.security_groups)
            rule.source_groups.append(SourceGroup(ref.key, source_id))
        source_name = body.get("SourceSecurityGroupName")
        if source_name is not None:
            ref = self._group_by_name(source_name)
            rule.source_groups.append(SourceGroup(ref.key, source_name))
        for name in ("SourcePrefixListId", "DestinationPrefixListId"):
            if body.get(name) is not None:
                rule.prefix_lists.append(body.get(name))  # type: ignore[arg-type]
        return rule

    # -- caches --------------------------------------------------------------

    def caches(self) -> None:
        groups = self.model.security_groups
        for res in self.by_type("AWS::ElastiCache::ReplicationGroup", "AWS::MemoryDB::Cluster"):
            body = res.body
            sg_val = body.get("SecurityGroupIds")
            cache = Cache(res.address, self.framework, res.loc, res.address,
                          security_groups=self.refs(sg_val, groups), security_groups_val=sg_val,
                          security_groups_loc=setting_loc(sg_val, res.loc))
            cache.port = as_int(body.get("Port"), 6379)
            engine = body.get("Engine")
            cache.engine = engine.value if engine is not None else "redis"
            if res.type == "AWS::MemoryDB::Cluster":
                cache.kind = "memorydb"
                shards = as_int(body.get("NumShards"), 1)
                replicas = as_int(body.get("NumReplicasPerShard"), 1)
                cache.node_count = shards * (1 + replicas) if isinstance(
                    shards, int) and isinstance(replicas, int) else UNKNOWN
                cache.cluster_mode = True
            else:
                cache.node_count, cache.cluster_mode = _replication_group_nodes(body)
                cache.membership_unknown = any(body.get(k) is not None for k in (
                    "GlobalReplicationGroupId", "PrimaryClusterId", "CacheSecurityGroupNames"))
            self.model.caches[res.address] = cache

    # -- routes --------------------------------------------------------------

    def routes(self) -> None:
        for res in self.by_type("AWS::EC2::Route"):
            body = res.body
            table = self.ref(body.get("RouteTableId"), self.model.route_tables)
            dest = body.get("DestinationCidrBlock") or body.get("DestinationIpv6CidrBlock")
            plist = body.get("DestinationPrefixListId")
            peering_val = body.get("VpcPeeringConnectionId")
            peering = Ref(self.target(peering_val), peering_val) if peering_val else None
            route = Route(
                self.framework, res.address, res.loc, table, dest,
                self.ref(plist, self.model.prefix_lists) if plist is not None else None,
                peering, body.get("NatGatewayId") is not None,
                setting_loc(peering_val, res.loc))
            self.route_target(route, body, _ROUTE_TARGETS)
            self.model.routes.append(route)

    # -- network ACLs --------------------------------------------------------

    def nacls(self) -> None:
        for res in self.by_type("AWS::EC2::NetworkAcl"):
            self.model.nacls[res.address] = Nacl(res.address, self.framework, res.loc,
                                                 res.address,
                                                 vpc=self.vpc_ref(res.body.get("VpcId")))
        for res in self.by_type("AWS::EC2::NetworkAclEntry"):
            body = res.body
            ports = body.get("PortRange")
            action = body.get("RuleAction")
            protocol = body.get("Protocol")
            act = action.value.lower() if action is not None and isinstance(
                action.value, str) else UNKNOWN
            self.model.nacl_entries.append(NaclEntry(
                self.framework, res.address, res.loc,
                self.ref(body.get("NetworkAclId"), self.model.nacls),
                as_bool(body.get("Egress"), False), as_int(body.get("RuleNumber")),
                normalise_protocol(protocol.value if protocol is not None else UNKNOWN), act,
                body.get("CidrBlock") or body.get("Ipv6CidrBlock"),
                as_int(ports.get("From")) if ports is not None else UNKNOWN,
                as_int(ports.get("To")) if ports is not None else UNKNOWN))

    # -- compute -------------------------------------------------------------

    def lambdas(self) -> None:
        for res in self.by_type(*_FUNCTION_TYPES):
            config = res.body.get("VpcConfig")
            mapping = config if config is not None and isinstance(config.value, dict) else None
            env = res.body.get("Environment")
            fs = res.body.get("FileSystemConfigs")
            arns = [b.get("Arn") for b in (fs.items() if fs is not None else [])
                    if isinstance(b.value, dict) and b.get("Arn") is not None]
            self.add_lambda(res, config, mapping.get("SubnetIds") if mapping is not None else None,
                            mapping.get("SecurityGroupIds") if mapping is not None else None,
                            env.get("Variables") if env is not None else None,
                            arns)  # type: ignore[arg-type]

    def instances(self) -> None:
        for res in self.by_type("AWS::EC2::Instance"):
            body = res.body
            interfaces = body.get("NetworkInterfaces")
            primary = None
            for item in (interfaces.items() if interfaces is not None else []):
                if isinstance(item.value, dict) and as_int(item.get("DeviceIndex")) == 0 \
                        and item.get("NetworkInterfaceId") is None:
                    primary = item
            if primary is not None:  # the primary interface declared inline
                self.add_instance(res, primary.get("SubnetId"), primary.get("GroupSet"),
                                  primary.get("AssociatePublicIpAddress"), None)
            else:
                self.add_instance(res, body.get("SubnetId"), body.get("SecurityGroupIds")
                                  or body.get("SecurityGroups"), None, interfaces)

    # -- gateways and associations ------------------------------------------

    def gateways(self) -> None:
        for res in self.by_type("AWS::EC2::InternetGateway"):
            self.model.internet_gateways[res.address] = InternetGateway(
                res.address, self.framework, res.loc, res.address)
        for res in self.by_type("AWS::EC2::EgressOnlyInternetGateway"):
            self.model.internet_gateways[res.address] = InternetGateway(
                res.address, self.framework, res.loc, res.address, egress_only=True,
                vpcs=[self.vpc_ref(res.body.get("VpcId"))])
        for res in self.by_type("AWS::EC2::VPCGatewayAttachment"):
            self.attach_internet_gateway(res.body.get("InternetGatewayId"),
                                         res.body.get("VpcId"))
        for res in self.by_type("AWS::EC2::NatGateway"):
            self.add_nat_gateway(res, res.body.get("ConnectivityType"),
                                 res.body.get("SubnetId"), res.body.get("VpcId"))

    def associations(self) -> None:
        for res in self.by_type("AWS::EC2::SubnetRouteTableAssociation"):
            self.associate(self.model.subnet_tables, "route-table", res.body.get("SubnetId"),
                           self.ref(res.body.get("RouteTableId"), self.model.route_tables),
                           res.loc)
        for res in self.by_type("AWS::EC2::SubnetNetworkAclAssociation"):
            self.associate(self.model.subnet_nacls, "nacl", res.body.get("SubnetId"),
                           self.ref(res.body.get("NetworkAclId"), self.model.nacls), res.loc)

    def hosted_zones(self) -> None:
        for res in self.by_type("AWS::Route53::HostedZone"):
            self.add_hosted_zone(res, res.body.get("Name"), res.body.get("VPCs"), "VPCId")

    # -- data stores, IAM, ECS -----------------------------------------------

    def data_stores(self) -> None:
        groups = self.by_type(*_SUBNET_GROUPS)
        subnet_groups = {r.address: r.body.get("SubnetIds") for r in groups}
        names = unique_names([(_plain(r.body.get(prop)), r.address) for r in groups
                              for prop in _SUBNET_GROUP_NAMES if r.body.get(prop) is not None])
        for res in self.by_type(*CLOUDFORMATION_STORES):
            # PubliclyAccessible's default depends on the subnet group and VPC: unknown.
            self.add_data_store(res, CLOUDFORMATION_STORES[res.type], UNKNOWN, subnet_groups, names)
        self.link_members()
        for store in self.model.data_stores.values():
            if store.kind == "efs_mount_target":
                fs = self.model.resources[store.key].body.get("FileSystemId")
                if fs is not None and fs.ref is not None:
                    store.connection_attrs.add((fs.ref[0], "Ref"))
        for res in self.by_type("AWS::SecretsManager::ResourcePolicy"):
            secret = res.body.get("SecretId")
            self.model.resource_policies.add(secret.ref[0] if secret is not None
                                             and secret.ref is not None else "*")

    def roles(self) -> None:
        documents = {r.address: r.body.get("PolicyDocument")
                     for r in self.by_type("AWS::IAM::ManagedPolicy")}
        for res in self.by_type("AWS::IAM::Role"):
            role = self.add_role(res, res.body.get("AssumeRolePolicyDocument"))
            policies = res.body.get("Policies")
            if policies is not None and not isinstance(policies.value, list):
                role.policies.append(RolePolicy("unknown", "Policies", policies.loc or res.loc))
            for item in (policies.items() if policies is not None else []):
                name = item.get("PolicyName")
                self.attach_policy(role, "inline", name.value if name is not None and isinstance(
                    name.value, str) else res.address, item.loc or res.loc,
                    item.get("PolicyDocument"))
            arns = res.body.get("ManagedPolicyArns")
            if arns is not None and not isinstance(arns.value, list):
                role.policies.append(RolePolicy("unknown", "ManagedPolicyArns",
                                                arns.loc or res.loc))
            for arn in (arns.items() if arns is not None else []):
                self.attach_managed(role, arn, documents)
        roles = self.model.roles
        for res in self.by_type("AWS::IAM::Policy", "AWS::IAM::RolePolicy"):
            names = res.body.get("Roles") if res.type == "AWS::IAM::Policy" else res.body.get(
                "RoleName")
            for role_val in (names.items() if names is not None else []):
                key = self.named(role_val, roles).key
                if key is not None:
                    self.attach_policy(roles[key], "role_policy", res.address, res.loc,
                                       res.body.get("PolicyDocument"))
        for res in self.by_type("AWS::IAM::ManagedPolicy"):
            role_vals = res.body.get("Roles")
            for role_val in (role_vals.items() if role_vals else []):
                key = self.named(role_val, roles).key
                if key is not None:
                    self.attach_policy(roles[key], "customer_managed", res.address, res.loc,
                                       documents[res.address])

    # -- load balancers and Auto Scaling ------------------------------------

    def load_balancers(self) -> None:
        for res in self.by_type("AWS::ElasticLoadBalancingV2::LoadBalancer"):
            body = res.body
            self.add_load_balancer(res, body.get("Type"), "application", body.get("Scheme"),
                                   body.get("Subnets"), body.get("SubnetMappings"), "SubnetId",
                                   body.get("SecurityGroups"), "DNSName")
        for res in self.by_type("AWS::ElasticLoadBalancingV2::Listener"):
            lb = self.load_balancer_named(res.body.get("LoadBalancerArn"))
            if lb is not None:
                self.add_listener(lb, res.address, res.loc, res.body.get("Port"),
                                  res.body.get("Protocol"))
        for res in self.by_type("AWS::ElasticLoadBalancing::LoadBalancer"):
            body = res.body
            lb = self.add_load_balancer(res, None, "classic", body.get("Scheme"),
                                        body.get("Subnets"), None, "",
                                        body.get("SecurityGroups"), "DNSName")
            listeners = body.get("Listeners")
            for item in (listeners.items() if listeners is not None else []):
                if isinstance(item.value, dict):
                    self.add_listener(lb, res.address, item.loc or res.loc,
                                      item.get("LoadBalancerPort"), item.get("Protocol"))

    def auto_scaling(self) -> None:
        for res in self.by_type("AWS::IAM::InstanceProfile"):
            roles = res.body.get("Roles")
            items = roles.items() if roles is not None else []
            self.add_instance_profile(res, res.body.get("InstanceProfileName"),
                                      items[0] if len(items) == 1 else roles)
        self.link_instance_profiles()
        for res in self.by_type("AWS::EC2::LaunchTemplate"):
            data = res.body.get("LaunchTemplateData")
            data = data if data is not None and isinstance(data.value, dict) else Val({}, res.loc)
            profile = data.get("IamInstanceProfile")
            if profile is not None and isinstance(profile.value, dict):
                profile = profile.get("Arn") or profile.get("Name")
            self.add_launch_template(
                res, res.body.get("LaunchTemplateName"), data.get("SecurityGroupIds"),
                data.get("SecurityGroups"), data.get("NetworkInterfaces"), "DeviceIndex",
                "Groups", "AssociatePublicIpAddress", profile)
        for res in self.by_type("AWS::AutoScaling::LaunchConfiguration"):
            body = res.body
            self.add_launch_configuration(
                res, body.get("LaunchConfigurationName"), body.get("SecurityGroups"),
                body.get("AssociatePublicIpAddress"), body.get("IamInstanceProfile"))
        for res in self.by_type("AWS::AutoScaling::AutoScalingGroup"):
            body = res.body
            spec = _mapping(body.get("LaunchTemplate"))
            overrides = False
            if spec is None:
                policy = _mapping(body.get("MixedInstancesPolicy"))
                mixed = _mapping(policy.get("LaunchTemplate")) if policy is not None else None
                if mixed is not None:
                    spec = _mapping(mixed.get("LaunchTemplateSpecification"))
                    found = mixed.get("Overrides")
                    overrides = found is not None and (not found.known or any(
                        not isinstance(o.value, dict)
                        or o.get("LaunchTemplateSpecification") is not None
                        for o in found.items()))
            template = (spec.get("LaunchTemplateId"), spec.get("LaunchTemplateName"),
                        spec.get("Version")) if spec is not None else None
            self.add_autoscaling_group(
                res, body.get("VPCZoneIdentifier"), template,
                spec.loc if spec is not None else None, overrides,
                body.get("LaunchConfigurationName"),
                frozenset({"LatestVersionNumber", "DefaultVersionNumber"}))

    def regions(self) -> None:
        """Every resource is in the stack's region: known only when `Rules` fix it."""
        fixed = next((r for r in self.raw if r.type == REGION_TYPE), None)
        if fixed is None:
            return
        region = Region(fixed.body.value, fixed.body.loc, True)
        for res in self.raw:
            if res.type != REGION_TYPE:
                self.model.regions[res.address] = region

    def ecs(self) -> None:
        for res in self.by_type("AWS::ServiceDiscovery::Service"):
            self.add_cloud_map_service(res, res.body.get("DnsConfig"), "DnsRecords", "Type",
                                       "RoutingPolicy", res.body.get("NamespaceId"))
        for res in self.by_type("AWS::ECS::TaskDefinition"):
            self.add_task_definition(res, _ECS)
        for res in self.by_type("AWS::ECS::Service"):
            self.add_ecs_service(res, _ECS)


def _replication_group_nodes(body: Val) -> tuple[object, object]:
    """Node count and cluster mode of an `AWS::ElastiCache::ReplicationGroup`."""
    num_groups = body.get("NumNodeGroups")
    groups = body.get("NodeGroupConfiguration")
    replicas = as_int(body.get("ReplicasPerNodeGroup"), 0)
    if groups is not None and groups.items():
        # Each shard's ReplicaCount defaults to ReplicasPerNodeGroup; NumNodeGroups may be
        # given as well (it then equals the number of configurations).
        total: object = 0
        for group in groups.items():
            count = as_int(group.get("ReplicaCount"), replicas) if isinstance(
                group.value, dict) else UNKNOWN
            total = total + 1 + count if isinstance(total, int) and isinstance(
                count, int) else UNKNOWN
        shards = as_int(num_groups, 0)
        return total, len(groups.items()) > 1 or (isinstance(shards, int) and shards > 1)
    if num_groups is not None:
        count = as_int(num_groups)
        if not isinstance(count, int):
            return UNKNOWN, UNKNOWN
        total = count * (1 + replicas) if isinstance(replicas, int) else UNKNOWN
        return total, count > 1
    mode = body.get("ClusterMode")
    cluster_mode = UNKNOWN if mode is not None and not mode.known else (
        isinstance(mode.value, str) and mode.value.lower() == "enabled" if mode else False)
    return as_int(body.get("NumCacheClusters"), 1), cluster_mode


def _mapping(val: Val | None) -> Val | None:
    return val if val is not None and isinstance(val.value, dict) else None


def _plain(val: Val | None) -> object:
    return val.value if val is not None else UNKNOWN
