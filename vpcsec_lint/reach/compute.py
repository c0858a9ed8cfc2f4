"""Load balancers (targets) and Auto Scaling groups (workloads) as places, built like the
other places in `network.py` and with its helpers."""

from __future__ import annotations

from typing import Any

from vpcsec_lint.model import AutoScalingGroup, LoadBalancer, Model, Ref
from vpcsec_lint.reach.network import Place, _groups, _subnets, default_groups
from vpcsec_lint.values import UNKNOWN, Location


def load_balancer_place(model: Model, lb: LoadBalancer) -> Place:
    """A load balancer as a target: its nodes sit in each of its subnets and listen on its
    listeners' ports (one known port, else unknown: one question per listener).

    - An internal load balancer's nodes have only private addresses; an internet-facing
      one's have public ones: https://docs.aws.amazon.com/elasticloadbalancing/latest/APIReference/API_CreateLoadBalancer.html
    - A listener checks for connections on its protocol and port:
      https://docs.aws.amazon.com/elasticloadbalancing/latest/application/load-balancer-listeners.html
    - A Network Load Balancer created without security groups filters nothing: all client
      traffic reaches its listeners (the targets' groups see it):
      https://docs.aws.amazon.com/elasticloadbalancing/latest/network/load-balancer-security-groups.html
    - A load balancer created without security groups in a nondefault VPC gets the VPC's
      default group (in the default VPC, a group of ELB's own: unknown):
      https://docs.aws.amazon.com/elasticloadbalancing/latest/classic/elb-security-groups.html
    """
    subnets = _subnets(model, lb.subnets, lb.subnets_known)
    internal = lb.internal.value if lb.internal is not None else UNKNOWN
    ports = {x.port.value for x in lb.listeners}
    place = Place(lb.resource, "load-balancer", lb.loc, lb.framework, subnets=subnets,
                  subnets_loc=lb.subnets_loc or lb.loc, groups_loc=lb.security_groups_loc,
                  public_ip=(not internal) if isinstance(internal, bool) else UNKNOWN,
                  port=ports.pop() if len(ports) == 1 and UNKNOWN not in ports else UNKNOWN,
                  has_dns_name=True)
    lb_type = lb.lb_type.value if lb.lb_type is not None else UNKNOWN
    in_default_vpc = any(s is not None and (vpc := model.vpc(s.vpc)) is not None
                         and vpc.is_default for s in subnets or [])
    place.groups, place.groups_complete = _groups(model, lb.security_groups)
    if lb.security_groups_val is None and lb_type == "network":
        place.no_groups = (f"{lb.resource} is a Network Load Balancer without security "
                           "groups: client traffic reaches its listeners unfiltered")
    elif lb.security_groups_val is None and not in_default_vpc:  # (there: ELB's own group)
        place.groups, place.groups_complete = default_groups(model, subnets)
    return place


def autoscaling_place(model: Model, group: AutoScalingGroup) -> Place:
    """An Auto Scaling group as a workload: its instances launch in the group's subnets
    (`vpc_zone_identifier`/`VPCZoneIdentifier`) with the security groups of its launch
    template or launch configuration.

    - The group's subnets are where its instances are created:
      https://docs.aws.amazon.com/autoscaling/ec2/APIReference/API_CreateAutoScalingGroup.html
    - A launch template that specifies a network interface must name the security groups on
      the interface, not at the template level:
      https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_RequestLaunchTemplateData.html
    - Without an explicit setting, an instance gets a public IPv4 address when its subnet's
      `MapPublicIpOnLaunch` is on:
      https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_Subnet.html
    """
    listed = group.subnets_val is not None and isinstance(group.subnets_val.value, list) \
        and not group.subnets_val.alternatives
    subnets = _subnets(model, group.subnets, listed)
    place = Place(group.resource, "autoscaling-group", group.loc, group.framework,
                  subnets=subnets, subnets_loc=group.subnets_loc or group.loc,
                  public_ip=UNKNOWN)
    refs, public, loc = _launch_groups(model, group)
    if refs is None:
        place.groups, place.groups_complete = [], False
    elif refs:
        place.groups, place.groups_complete = _groups(model, refs)
    else:  # no group named: the VPC's default group
        place.groups, place.groups_complete = default_groups(model, subnets)
    place.groups_loc = loc or group.launch_template_loc or group.loc
    if isinstance(public, bool):
        place.public_ip = public
    elif subnets and None not in subnets:
        launch = {s.public_ip_on_launch for s in subnets if s is not None}
        place.public_ip = launch.pop() if len(launch) == 1 else UNKNOWN
    return place


def _launch_groups(model: Model, group: AutoScalingGroup) \
        -> tuple[list[Ref] | None, Any, Location | None]:
    """The security groups (None: unknown; empty: none named), the public-IP setting and
    where the groups are set, from the group's launch template or launch configuration."""
    if group.launch_template is not None:
        template = model.launch_templates.get(group.launch_template.key or "")
        if template is None or not group.version_current or group.overrides \
                or template.interfaces_unknown:
            return None, UNKNOWN, None
        iface = template.interface
        if iface is not None:
            if iface.security_groups_val is not None:
                return iface.security_groups, iface.public_ip, \
                    iface.security_groups_val.loc or iface.loc
            if template.security_groups_val is not None or template.group_names:
                return None, UNKNOWN, None  # both places: EC2 refuses the launch
            return [], iface.public_ip, iface.loc
        if template.group_names:
            return None, UNKNOWN, None  # groups by name (default VPC): not followed
        return template.security_groups, UNKNOWN, template.security_groups_loc \
            if template.security_groups_val is not None else template.loc
    if group.launch_configuration is not None:
        config = model.launch_configurations.get(group.launch_configuration.key or "")
        if config is None:
            return None, UNKNOWN, None
        return config.security_groups, config.public_ip, config.security_groups_loc \
            if config.security_groups_val is not None else config.loc
    return None, UNKNOWN, None
