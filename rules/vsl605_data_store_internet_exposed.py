"""VSL605 data-store-internet-exposed."""

from __future__ import annotations

from collections.abc import Iterator

from vpcsec_lint.findings import Finding, Related
from vpcsec_lint.model import Model
from vpcsec_lint.registry import Rule


class DataStoreInternetExposed(Rule):
    """
    ## What it does
    Flags a data store (database, cache, search domain, broker, file system)
    that the internet reaches on its port: it has a public address
    (`publicly_accessible`/`PubliclyAccessible`), the route tables of its
    subnets send `0.0.0.0/0` to an internet gateway attached to the VPC,
    their network ACLs admit the port from anywhere, and one of its security
    groups allows the port from `0.0.0.0/0` or `::/0`. The finding is on the
    public-access setting (the one change that closes every path), with the
    open group and the route as related locations. Every hop must be known to
    pass: a public address with an unknown route or group is silence.
    Omitted, `publicly_accessible` is `false` in Terraform and unknown in
    CloudFormation (it depends on the subnet group).

    ## Why is this bad?
    The database answers anyone on the internet: only its password stands
    between the data and every scanner. Data stores belong in private
    subnets, reached by the application's security group.

    ## Example
    ```hcl
    resource "aws_db_instance" "orders" {
      publicly_accessible    = true
      db_subnet_group_name   = aws_db_subnet_group.public.name
      vpc_security_group_ids = [aws_security_group.db_open.id]   # 5432 from 0.0.0.0/0
    }
    ```

    ## Use instead
    ```hcl
    resource "aws_db_instance" "orders" {
      publicly_accessible    = false
      db_subnet_group_name   = aws_db_subnet_group.private.name
      vpc_security_group_ids = [aws_security_group.db.id]   # 5432 from the app's group
    }
    ```

    ## References
    - https://docs.aws.amazon.com/AmazonRDS/latest/UserGuide/USER_VPC.WorkingWithRDSInstanceinaVPC.html#USER_VPC.Hiding
    - https://docs.aws.amazon.com/vpc/latest/userguide/VPC_Internet_Gateway.html
    - https://docs.aws.amazon.com/AWSCloudFormation/latest/TemplateReference/aws-resource-rds-dbinstance.html#cfn-rds-dbinstance-publiclyaccessible
    """

    id = "VSL605"
    name = "data-store-internet-exposed"
    severity = "error"
    summary = "The internet reaches a data store on its port."
    terraform_types = ()  # silent where reachability is unknown: no store passes by default
    cloudformation_types = ()

    def check(self, model: Model) -> Iterator[Finding]:
        from vpcsec_lint.reach.flows import path_flows
        from vpcsec_lint.reach.network import Place
        from vpcsec_lint.reach.paths import evaluate
        from vpcsec_lint.reach.targets import target_places

        places = target_places(model)
        for store in model.data_stores.values():
            place = places.get(store.resource)
            if place is None or not isinstance(place.port, int) or place.public_ip is not True:
                continue
            answer = evaluate(model, Place("internet", "internet", store.loc), place,
                              place.port)
            if answer.verdict != "reachable":
                continue
            setting = store.publicly_accessible
            loc = setting.loc if setting is not None else store.loc
            related = [Related(h.loc, h.detail) for p in answer.paths[:1] for h in p.hops
                       if h.hop in ("route", "target-sg-ingress") and h.loc is not None]
            message = (f"{store.resource} is reachable from the internet on tcp/{place.port}: "
                       "it has a public address, its subnets route to an internet gateway and "
                       "its security group admits the port from anywhere. Set it not publicly "
                       "accessible, in private subnets, and admit only the application's "
                       "security group.")
            finding = self.finding(model, loc, store.resource, message, related)
            finding.flows = path_flows("internet", store.resource, answer.paths)
            yield finding
