"""count/for_each expansion: instance addresses, count.index/each.*, splats, element(), for."""

from __future__ import annotations

import json
from pathlib import Path

from helpers import FIXTURES, lint, run_cli, triples

from vpcsec_lint.terraform.loader import load_module

EXAMPLE = FIXTURES / "terraform" / "examples" / "for-each"

INTERFACE = ['aws_vpc_endpoint.interface["logs"]', 'aws_vpc_endpoint.interface["secretsmanager"]',
             'aws_vpc_endpoint.interface["ssm"]']


def test_for_each_endpoints_get_every_endpoint_finding_per_instance():
    report = lint(EXAMPLE)
    assert triples(report, EXAMPLE) == {
        *{("VSL201", r, "endpoints.tf", 23) for r in INTERFACE},
        *{("VSL204", r, "endpoints.tf", 23) for r in INTERFACE},
        *{("VSL104", r, "endpoints.tf", 29) for r in INTERFACE},
        ("VSL101", 'module.service_sg["api"].aws_security_group.this',
         "modules/service-sg/main.tf", 24),
        ("VSL101", 'module.service_sg["worker"].aws_security_group.this',
         "modules/service-sg/main.tf", 24),
        # Reached only through element(aws_route_table.private.*.id, count.index).
        ("VSL205", "aws_vpc.main", "network.tf", 11),
        # The example has no internet gateway: each NAT gateway's public subnet uses the
        # main route table, local route only (issue 16's reachability).
        ("VSL603", "aws_subnet.public[0]", "network.tf", 24),
        ("VSL603", "aws_subnet.public[1]", "network.tf", 24),
    }
    vsl201 = sorted(f.message for f in report.findings if f.rule_id == "VSL201")
    assert "logs.eu-west-1.amazonaws.com" in vsl201[0]
    vsl101 = sorted(f.message for f in report.findings if f.rule_id == "VSL101")
    assert [m.split(" allows")[0] for m in vsl101] == ["Ingress on tcp/8080",
                                                       "Ingress on tcp/9090"]


def test_instances_and_their_bound_values():
    unit = load_module(str(EXAMPLE))
    by_address = {r.address: r for r in unit.resources}
    assert {a for a in by_address if a.startswith("aws_subnet.private")} == {
        "aws_subnet.private[0]", "aws_subnet.private[1]"}
    subnet = by_address["aws_subnet.private[1]"].body
    assert subnet.get("cidr_block").value == "10.20.1.0/24"
    assert subnet.get("availability_zone").value == "eu-west-1b"
    # A splat over an expanded resource: one reference per instance.
    s3 = by_address["aws_vpc_endpoint.s3"].body.get("route_table_ids")
    assert [v.ref for v in s3.value] == [("aws_route_table.private[0]", "id"),
                                         ("aws_route_table.private[1]", "id")]
    # element() over the legacy splat picks the instance of the same index.
    route = by_address["aws_route.private_nat[1]"].body.get("route_table_id")
    assert route.ref == ("aws_route_table.private[1]", "id")
    # A for expression over the instances.
    sg = by_address["aws_security_group.endpoints"].body.get("ingress").value[0]
    assert [v.value for v in sg.get("cidr_blocks").value] == ["10.20.0.0/24", "10.20.1.0/24"]
    # each.value of a map built by a for expression.
    kms = by_address['aws_vpc_endpoint.private["kms"]'].body
    assert kms.get("service_name").value == "com.amazonaws.eu-west-1.kms"
    assert 'module.service_sg["worker"].aws_security_group.this' in by_address


def write(root: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


ENDPOINT = """\
variable "services" {{
  type    = set(string)
  {default}
}}

resource "aws_vpc" "main" {{
  cidr_block = "10.0.0.0/16"
}}

{comment}resource "aws_vpc_endpoint" "e" {{
  for_each          = var.services
  vpc_id            = aws_vpc.main.id
  service_name      = "com.amazonaws.eu-west-1.${{each.key}}"
  vpc_endpoint_type = "Interface"
}}
"""


def test_unknown_for_each_is_analysed_once_as_written(tmp_path):
    write(tmp_path, {"main.tf": ENDPOINT.format(default="", comment="")})
    unit = load_module(str(tmp_path))
    assert "aws_vpc_endpoint.e" in {r.address for r in unit.resources}
    # The service is unknown: no VSL201 and no VSL204 on a guess.
    assert triples(lint(tmp_path, select={"VSL201", "VSL204"}), tmp_path) == set()


def test_a_suppression_on_the_block_covers_every_instance(tmp_path):
    write(tmp_path, {"main.tf": ENDPOINT.format(
        default='default = ["ssm", "logs"]',
        comment="# vpcsec-lint: ignore=VSL201 -- DNS comes from a resolver rule\n")})
    report = lint(tmp_path, select={"VSL201", "VSL204"})
    suppressed = {(f.rule_id, f.resource) for f in report.findings if f.suppressed}
    assert suppressed == {("VSL201", 'aws_vpc_endpoint.e["logs"]'),
                          ("VSL201", 'aws_vpc_endpoint.e["ssm"]')}
    assert triples(report, tmp_path) == {("VSL204", 'aws_vpc_endpoint.e["logs"]', "main.tf", 11),
                                         ("VSL204", 'aws_vpc_endpoint.e["ssm"]', "main.tf", 11)}


def test_an_expansion_past_the_budget_is_analysed_up_to_it_and_says_so(tmp_path):
    write(tmp_path, {"main.tf": """\
resource "aws_vpc" "main" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_security_group" "many" {
  count  = 1500
  vpc_id = aws_vpc.main.id
  ingress {
    from_port   = 5432
    to_port     = 5432
    protocol    = "tcp"
    cidr_blocks = [aws_vpc.main.cidr_block]
  }
}
"""})
    result = run_cli("--no-cache", "--format", "json", "--select", "VSL101", str(tmp_path))
    data = json.loads(result.stdout)
    resources = {f["resource"] for f in data["findings"]}
    assert len(resources) == 1000
    assert "aws_security_group.many[999]" in resources
    assert "aws_security_group.many[1000]" not in resources
    (budget,) = data["summary"]["budgets"]
    assert budget["code"] == "instances" and budget["line"] == 5
    assert "1500 instances" in budget["message"] and "first 1000" in budget["message"]


def test_sarif_names_the_instance(tmp_path):
    result = run_cli("--no-cache", "--format", "sarif", "--select", "VSL201", str(EXAMPLE))
    sarif = json.loads(result.stdout)
    names = sorted(loc["fullyQualifiedName"] for r in sarif["runs"][0]["results"]
                   for loc in r["locations"][0].get("logicalLocations", []))
    assert names == INTERFACE
    fingerprints = {json.dumps(r["partialFingerprints"]) for r in sarif["runs"][0]["results"]}
    assert len(fingerprints) == 3


def test_module_instances_share_one_budget_of_resource_instances(tmp_path):
    write(tmp_path, {
        "main.tf": 'module "m" {\n  source = "./m"\n  count  = 30\n}\n',
        "m/main.tf": 'resource "aws_vpc" "v" {\n  count      = 1000\n'
                     '  cidr_block = "10.0.0.0/16"\n}\n'})
    unit = load_module(str(tmp_path))
    assert len(unit.resources) == 20_000
    assert {n.code for n in unit.notices} == {"unit-instances"}


def test_deeply_nested_plan_and_manifests_are_vsl000_not_a_crash(tmp_path):
    deep = "[" * 100_000 + "]" * 100_000
    (tmp_path / "plan.json").write_text('{"format_version": "1.2", "planned_values": ' + deep
                                        + "}", encoding="utf-8")
    (tmp_path / ".terraform" / "modules").mkdir(parents=True)
    (tmp_path / ".terraform" / "modules" / "modules.json").write_text(deep, encoding="utf-8")
    (tmp_path / "main.tf").write_text('module "x" {\n  source = "acme/x/aws"\n}\n',
                                      encoding="utf-8")
    result = run_cli("--no-cache", "--format", "json", str(tmp_path))
    assert result.returncode == 1, result.stderr
    found = {(f["rule_id"], f["path"].rsplit("/", 1)[-1]) for f in
             json.loads(result.stdout)["findings"]}
    assert found == {("VSL000", "plan.json"), ("VSL000", "modules.json")}
