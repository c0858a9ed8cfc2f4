"""`endpoint_allows`: an endpoint policy judged for one role, action and resource, as AWS
evaluates it (explicit deny wins, no allow is an implicit deny), and unknown wherever a
part cannot be decided before deploy."""

from __future__ import annotations

import json

import pytest

from vpcsec_lint.documents import wrap
from vpcsec_lint.policy import endpoint_allows, parse_policy
from vpcsec_lint.values import UNKNOWN, Location, Val

LOC = Location("main.tf", 1)
ROLE = Val(UNKNOWN, LOC, ref=("aws_iam_role.app", "arn"))
OTHER_ROLE = Val(UNKNOWN, LOC, ref=("aws_iam_role.other", "arn"))
BUCKET = Val(UNKNOWN, LOC, ref=("aws_s3_bucket.data", "arn"))
ANY = Val(UNKNOWN)


def _val(data):
    """As `wrap`, keeping references (`Val`s) as they are."""
    if isinstance(data, Val):
        return data
    if isinstance(data, dict):
        return Val({k: _val(v) for k, v in data.items()}, LOC)
    if isinstance(data, list):
        return Val([_val(v) for v in data], LOC)
    return wrap(data, LOC)


def policy(*statements):
    return parse_policy(_val({"Statement": list(statements)}), None, LOC)[0]


def allow(**extra):
    return {"Effect": "Allow", "Principal": "*", "Action": "sqs:SendMessage",
            "Resource": "*", **extra}


CASES = [
    # (statements, action, resource, expected)
    ([allow()], "sqs:SendMessage", ANY, True),
    ([allow(Action="sqs:*")], "sqs:SendMessage", ANY, True),
    ([allow(Action="sqs:ReceiveMessage")], "sqs:SendMessage", ANY, False),
    ([], "sqs:SendMessage", ANY, False),
    ([allow(), {**allow(), "Effect": "Deny"}], "sqs:SendMessage", ANY, "deny"),
    # A deny with a condition may not apply; an allow with one may not either.
    ([allow(), {**allow(), "Effect": "Deny", "Condition": {"Bool": {"x": "true"}}}],
     "sqs:SendMessage", ANY, UNKNOWN),
    ([allow(Condition={"StringEquals": {"aws:PrincipalOrgID": "o-1"}})],
     "sqs:SendMessage", ANY, UNKNOWN),
    # Principals: the same role, another role of the code, a service, text, NotPrincipal.
    ([allow(Principal={"AWS": ROLE})], "sqs:SendMessage", ANY, True),
    ([allow(Principal={"AWS": OTHER_ROLE})], "sqs:SendMessage", ANY, False),
    ([allow(Principal={"Service": "lambda.amazonaws.com"})], "sqs:SendMessage", ANY, False),
    ([allow(Principal={"AWS": "arn:aws:iam::123456789012:root"})], "sqs:SendMessage", ANY,
     UNKNOWN),
    ([{k: v for k, v in allow().items() if k != "Principal"}
      | {"NotPrincipal": {"AWS": "arn:aws:iam::123456789012:root"}}],
     "sqs:SendMessage", ANY, UNKNOWN),
    # NotAction that excludes the action / that does not.
    ([{k: v for k, v in allow().items() if k != "Action"} | {"NotAction": "sqs:Send*"}],
     "sqs:SendMessage", ANY, False),
    ([{k: v for k, v in allow().items() if k != "Action"} | {"NotAction": "sqs:Delete*"}],
     "sqs:SendMessage", ANY, True),
    # Resources: the referenced resource, a pattern that cannot be compared, NotResource.
    ([allow(Action="s3:GetObject", Resource=BUCKET)], "s3:GetObject", BUCKET, True),
    ([allow(Action="s3:GetObject", Resource="arn:aws:s3:::data/*")], "s3:GetObject",
     BUCKET, UNKNOWN),
    ([{k: v for k, v in allow(Action="s3:GetObject").items() if k != "Resource"}
      | {"NotResource": "arn:aws:s3:::secret/*"}], "s3:GetObject", BUCKET, UNKNOWN),
    # The role's own wildcards: covered, disjoint, or possibly overlapping.
    ([allow(Action="sqs:*")], "sqs:Send*", ANY, True),
    ([allow(Action="sqs:ReceiveMessage")], "sqs:Send*", ANY, False),
    ([allow(Action="s3:GetObject")], "sqs:*", ANY, False),
    ([allow(Action="sqs:SendMessage")], "sqs:Send*", ANY, UNKNOWN),
    ([allow(Action="sqs:SendMessage")], "sqs:*", ANY, UNKNOWN),
]


@pytest.mark.parametrize("statements,action,resource,expected", CASES)
def test_endpoint_allows(statements, action, resource, expected):
    assert endpoint_allows(policy(*statements), action, resource, ROLE) == expected


def test_an_unknown_role_matches_only_anyone():
    named = policy(allow(Principal={"AWS": OTHER_ROLE}))
    assert endpoint_allows(named, "sqs:SendMessage", ANY, None) is UNKNOWN
    assert endpoint_allows(policy(allow()), "sqs:SendMessage", ANY, None) is True


def test_a_policy_from_json_text_is_judged_the_same():
    text = json.dumps({"Statement": [allow(Action="sqs:ReceiveMessage")]})
    parsed = parse_policy(Val(text, LOC), None, LOC)[0]
    assert endpoint_allows(parsed, "sqs:SendMessage", ANY, ROLE) is False


def test_a_role_that_allows_by_notaction_may_use_any_action(tmp_path):
    """`Allow` with `NotAction` names no action list: the hop is unknown, never blocked."""
    import shutil

    from helpers import FIXTURES

    from vpcsec_lint.reach.paths import evaluate
    from vpcsec_lint.reach.session import load_models

    shutil.copytree(FIXTURES / "terraform" / "reach" / "policies", tmp_path / "m")
    functions = tmp_path / "m" / "functions.tf"
    text = functions.read_text()
    assert 'Action   = ["sqs:Send*", "s3:*"]' in text
    functions.write_text(text.replace('Action   = ["sqs:Send*", "s3:*"]',
                                      'NotAction = ["iam:*"]'))
    analysed = load_models([str(tmp_path / "m")])
    model, fn = analysed.resolve("aws_lambda_function.fn_wild")
    result = evaluate(model, fn, "aws:sqs", 443)
    assert result.verdict == "unknown"
    assert [h.status for p in result.paths for h in p.hops if h.hop == "endpoint-policy"] == [
        "unknown"]
