"""`vpcsec-lint reach`: the text and JSON contract of REACH.md section 5 and its exit codes."""

import json

from helpers import REPO, run_cli

APIS = "fixtures/terraform/reach/apis"
ONE_VPC_CFN = "fixtures/cloudformation/reach/one-vpc.yaml"


def test_one_question_in_text_hop_by_hop_with_the_fix():
    result = run_cli("reach", "--from", "aws_lambda_function.fn_isolated", "--to", "aws:kms",
                     APIS, cwd=REPO)
    assert result.returncode == 1
    lines = result.stdout.splitlines()
    assert lines[0] == "aws_lambda_function.fn_isolated -> aws:kms (tcp/443): blocked"
    assert lines[1] == ("  path aws_subnet.isolated -> aws_subnet.endpoints via "
                        "interface-endpoint: blocked")
    assert ("    blocked  target-sg-ingress ENI_SG_RULES_MISMATCH "
            "aws_security_group.endpoints_http fixtures/terraform/reach/apis/endpoints.tf:12: "
            "no ingress rule of aws_security_group.endpoints_http allows tcp/443 from "
            "aws_security_group.fn or aws_subnet.isolated (10.0.3.0/24)") in lines
    assert lines[-1].startswith("  fix: allow ingress tcp/443 on "
                                "aws_security_group.endpoints_http from aws_security_group.fn")


def test_one_question_in_json_exactly_as_specified():
    result = run_cli("reach", "--from", "FnOk", "--to", "DbCidr", "--port", "5432",
                     "--format", "json", ONE_VPC_CFN, cwd=REPO)
    assert result.returncode == 1  # partial
    doc = json.loads(result.stdout)
    assert list(doc) == ["from", "to", "protocol", "port", "verdict", "paths", "fix"]
    assert (doc["from"], doc["to"], doc["protocol"], doc["port"], doc["verdict"]) == (
        "FnOk", "DbCidr", "tcp", 5432, "partial")
    assert [(p["source_subnet"], p["target_subnet"], p["via"], p["verdict"])
            for p in doc["paths"]] == [("AppA", "Data", "local", "reachable"),
                                       ("AppB", "Data", "local", "blocked")]
    hop = doc["paths"][1]["hops"][-2]
    assert hop == {"hop": "target-sg-ingress", "status": "blocked",
                   "code": "ENI_SG_RULES_MISMATCH", "resource": "DbFromAppA",
                   "path": ONE_VPC_CFN, "line": 174,
                   "detail": "no ingress rule of DbFromAppA allows tcp/5432 from OpenEgress or "
                             "AppB (10.0.2.0/24)"}
    assert doc["fix"] == "allow ingress tcp/5432 on DbFromAppA from OpenEgress (the group of " \
                         "FnOk)."


def test_exit_codes_reachable_and_unknown():
    assert run_cli("reach", "--from", "FnOk", "--to", "DbOk", "--port", "5432", ONE_VPC_CFN,
                   cwd=REPO).returncode == 0
    assert run_cli("reach", "--from", "FnUnknown", "--to", "DbOk", "--port", "5432",
                   ONE_VPC_CFN, cwd=REPO).returncode == 3


def test_an_unknown_address_is_exit_2_with_the_closest_names():
    result = run_cli("reach", "--from", "aws_lambda_function.fn_isolatd", "--to", "aws:s3",
                     APIS, cwd=REPO)
    assert result.returncode == 2
    assert result.stdout == ""
    assert "unknown address 'aws_lambda_function.fn_isolatd'; closest: " \
           "aws_lambda_function.fn_isolated" in result.stderr


def test_usage_errors_are_exit_2():
    assert run_cli("reach", "--from", "FnOk", ONE_VPC_CFN, cwd=REPO).returncode == 2
    no_port = run_cli("reach", "--from", "FnOk", "--to", "DbOk", ONE_VPC_CFN, cwd=REPO)
    assert (no_port.returncode, "give --port" in no_port.stderr) == (2, True)


def test_the_list_of_intents_in_json_and_its_exit_code():
    result = run_cli("reach", "--format", "json", "fixtures/terraform/VSL601/fire", cwd=REPO)
    assert result.returncode == 1
    doc = json.loads(result.stdout)
    assert list(doc) == ["intents"]
    rows = {(i["from"], i["to"], i["port"], i["verdict"], i["origin"]["kind"],
             i["origin"]["line"]) for i in doc["intents"]}
    assert rows == {
        ("aws_lambda_function.api", "aws_db_instance.orders", 5432, "blocked", "address", 65),
        ("aws_lambda_function.worker", "aws_db_instance.orders", 5432, "reachable", "address",
         79),
        ("aws_lambda_function.worker", "aws_elasticache_replication_group.sessions", 6379,
         "partial", "address", 80),
        ("aws_lambda_function.report", "aws_db_instance.orders", 5432, "blocked", "address",
         91)}


def test_the_list_in_text_reads_like_a_map():
    result = run_cli("reach", "fixtures/terraform/VSL601/quiet", cwd=REPO)
    assert result.returncode == 3  # one intent is unknown, none blocked
    header, *rows = result.stdout.splitlines()
    assert header.split() == ["FROM", "TO", "PORT", "VERDICT", "WHY"]
    assert [r.split()[3] for r in rows] == ["reachable", "unknown", "reachable"]
