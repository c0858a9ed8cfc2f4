"""Addresses inside strings: a connection URL built around a database's address still
says the workload needs that database (both frameworks).

`DB_URL = "postgres://app@${aws_db_instance.orders.address}:5432/orders"`,
`!Sub "postgres://...${Orders.Endpoint.Address}..."` and `!Join` are how people write
it; the example app's three mistakes must be found the same way as with bare references.
"""

from __future__ import annotations

import json
import shutil

from helpers import FIXTURES, lint, run_cli, triples

from vpcsec_lint.values import MAX_PARTS, UNKNOWN, Val, referring_parts

VSL6 = {"VSL601", "VSL602", "VSL603", "VSL604", "VSL605"}


def _origins(report) -> set[tuple[str, str]]:
    """(rule, related message) for the intents' origins."""
    return {(f.rule_id, r.message) for f in report.findings for r in f.related
            if r.message.startswith("needed because")}


def test_terraform_templates_and_locals_keep_the_address(tmp_path):
    shutil.copytree(FIXTURES / "terraform" / "examples" / "lambda-app" / "broken", tmp_path,
                    dirs_exist_ok=True)
    app = tmp_path / "app.tf"
    text = app.read_text()
    for old, new in (
            ("DB_HOST    = aws_db_instance.orders.address",
             'DB_URL     = "postgres://app@${aws_db_instance.orders.address}:5432/orders"'),
            ("REDIS_HOST = aws_elasticache_replication_group.sessions.primary_endpoint_address",
             "REDIS_URL  = local.redis_url")):
        assert old in text
        text = text.replace(old, new)
    text += ('\nlocals {\n  redis_url = "rediss://${aws_elasticache_replication_group.sessions'
             '.primary_endpoint_address}:6379"\n}\n')
    app.write_text(text)
    report = lint(tmp_path, select=VSL6)
    assert triples(report, tmp_path) == {
        ("VSL601", "aws_security_group.db", "app.tf", 13),
        ("VSL601", "aws_security_group.cache", "app.tf", 25),
        ("VSL602", "aws_vpc_endpoint.secretsmanager", "network.tf", 64),
    }
    messages = {m for _, m in _origins(report)}
    assert any("DB_URL references aws_db_instance.orders.address" in m for m in messages)
    assert any("REDIS_URL references aws_elasticache_replication_group.sessions."
               "primary_endpoint_address" in m for m in messages)


def test_cloudformation_sub_and_join_keep_the_address(tmp_path):
    template = tmp_path / "broken.yaml"
    shutil.copy(FIXTURES / "cloudformation" / "examples" / "lambda-app" / "broken.yaml",
                template)
    text = template.read_text()
    for old, new in (
            ("DB_HOST: !GetAtt Orders.Endpoint.Address",
             'DB_URL: !Sub "postgres://app@${Orders.Endpoint.Address}:5432/orders"'),
            ("REDIS_HOST: !GetAtt Sessions.PrimaryEndPoint.Address",
             'REDIS_URL: !Join ["", ["rediss://", !GetAtt Sessions.PrimaryEndPoint.Address, '
             '":6379"]]')):
        assert old in text
        text = text.replace(old, new)
    template.write_text(text)
    report = lint(template, select=VSL6)
    assert triples(report, tmp_path) == {
        ("VSL601", "DbSg", "broken.yaml", 54),
        ("VSL601", "CacheSg", "broken.yaml", 64),
        ("VSL602", "SecretsEndpoint", "broken.yaml", 92),
    }
    messages = {m for _, m in _origins(report)}
    assert any("DB_URL references Orders.Endpoint.Address" in m for m in messages)
    assert any("REDIS_URL references Sessions.PrimaryEndPoint.Address" in m for m in messages)


def test_a_string_keeps_at_most_max_parts_references():
    parts = [Val(UNKNOWN, ref=(f"aws_db_instance.db{i}", "address")) for i in range(100)]
    built = Val(UNKNOWN, parts=referring_parts(parts))
    doubled = Val(UNKNOWN, parts=referring_parts([built, built]))
    assert len(built.parts) == MAX_PARTS
    assert len(doubled.parts) == MAX_PARTS
    assert [v.ref for v in doubled.references()] == [v.ref for v in parts[:MAX_PARTS]]
    assert referring_parts([Val("plain text")]) == ()


def _reach_list(path) -> set[tuple[str, int, str, str]]:
    result = run_cli("reach", "--format", "json", str(path))
    return {(i["to"], i["port"], i["verdict"], i["origin"]["detail"])
            for i in json.loads(result.stdout)["intents"]
            if i["to"].endswith(("aws_lb.api", "ApiLb"))}


def test_a_load_balancer_url_keeps_its_listeners(tmp_path):
    shutil.copytree(FIXTURES / "terraform" / "reach" / "compute", tmp_path / "tf")
    balancers = tmp_path / "tf" / "balancers.tf"
    text = balancers.read_text()
    old = "API_HOST    = aws_lb.api.dns_name"
    assert old in text
    balancers.write_text(text.replace(old, 'API_URL     = "http://${aws_lb.api.dns_name}/v1"'))
    template = tmp_path / "compute.yaml"
    text = (FIXTURES / "cloudformation" / "reach" / "compute.yaml").read_text()
    old = "API_HOST: !GetAtt ApiLb.DNSName"
    assert old in text
    template.write_text(text.replace(old, 'API_URL: !Sub "http://${ApiLb.DNSName}/v1"'))
    for path in (tmp_path / "tf", template):
        found = _reach_list(path)
        assert {(port, verdict) for _, port, verdict, _ in found} == {
            (443, "reachable"), (80, "blocked")}, found
        assert all("API_URL references" in why for *_, why in found), found
