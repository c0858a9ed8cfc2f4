"""Registry modules through `.terraform/modules/modules.json`, offline; VSL000 and notices
for module calls from the root."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
from helpers import CORPUS, FIXTURES, lint, run_cli, triples

from vpcsec_lint.terraform.loader import load_module

REGISTRY_ROOT = FIXTURES / "terraform" / "examples" / "registry-modules"


def initialised(root: Path, modules: dict[str, tuple[str, Path]]) -> Path:
    """`root` as `terraform init` leaves it: each module key's source copied to
    `.terraform/modules/<key>` and recorded in `modules.json`."""
    entries = [{"Key": "", "Source": "", "Dir": "."}]
    for key, (source, directory) in sorted(modules.items()):
        target = root / ".terraform" / "modules" / key
        shutil.copytree(directory, target, ignore=shutil.ignore_patterns(
            "examples", "wrappers", ".git*"))
        entries.append({"Key": key, "Source": source, "Version": "5.0.0",
                        "Dir": f".terraform/modules/{key}"})
    (root / ".terraform" / "modules" / "modules.json").write_text(
        json.dumps({"Modules": entries}), encoding="utf-8")
    return root


@pytest.fixture
def registry_root(tmp_path: Path) -> Path:
    corpus = CORPUS / "terraform"
    if not (corpus / "terraform-aws-modules__terraform-aws-vpc").is_dir():
        pytest.skip(f"the shared corpus (real registry module sources) is not at {CORPUS}")
    (tmp_path / ".git").mkdir()
    shutil.copy(REGISTRY_ROOT / "main.tf", tmp_path / "main.tf")
    return initialised(tmp_path, {
        "vpc": ("registry.terraform.io/terraform-aws-modules/vpc/aws",
                corpus / "terraform-aws-modules__terraform-aws-vpc"),
        "db_sg": ("registry.terraform.io/terraform-aws-modules/security-group/aws",
                  corpus / "terraform-aws-modules__terraform-aws-security-group"),
    })


def test_registry_vpc_and_security_group_modules_are_seen_at_the_calls(registry_root):
    report = lint(registry_root)
    assert triples(report, registry_root) == {
        # The VPC's CIDR reaches the group through the modules' outputs and inputs: at the
        # argument that feeds it.
        ("VSL101", "module.db_sg.aws_security_group_rule.ingress_rules[0]", "main.tf", 28),
        # NAT route tables without S3/DynamoDB gateway endpoints: at the module block.
        ("VSL205", "module.vpc.aws_vpc.this[0]", "main.tf", 6),
    }
    vsl101 = next(f for f in report.findings if f.rule_id == "VSL101")
    assert vsl101.related[0].message == "inside the downloaded module, here"
    assert vsl101.related[0].loc.path.endswith("db_sg/main.tf")
    assert report.notices == []
    # Instances as Terraform plans them: two private subnets, one NAT gateway.
    addresses = {r.address for r in load_module(str(registry_root)).resources}
    assert {"module.vpc.aws_subnet.private[0]", "module.vpc.aws_subnet.private[1]",
            "module.vpc.aws_nat_gateway.this[0]"} <= addresses
    assert "module.vpc.aws_nat_gateway.this[1]" not in addresses


def test_a_suppression_above_the_module_block_covers_its_findings(registry_root):
    text = (registry_root / "main.tf").read_text(encoding="utf-8")
    (registry_root / "main.tf").write_text(text.replace(
        'module "db_sg" {', '# vpcsec-lint: ignore=VSL101 -- reviewed\nmodule "db_sg" {'),
        encoding="utf-8")
    report = lint(registry_root, select={"VSL101"})
    assert [(f.rule_id, f.suppressed, f.suppression_reason) for f in report.findings] == [
        ("VSL101", True, "reviewed")]


def test_without_init_the_calls_are_listed_as_not_followed():
    result = run_cli("--no-cache", "--format", "json", str(REGISTRY_ROOT))
    unresolved = json.loads(result.stdout)["summary"]["unresolved"]
    assert [(u["code"], u["line"]) for u in unresolved] == [("module-not-initialised", 6),
                                                           ("module-not-initialised", 20)]
    assert "run `terraform init`" in unresolved[0]["message"]
    text = run_cli("--no-cache", str(REGISTRY_ROOT))
    assert "2 not followed (run `terraform init` in the root module, or lint its plan; " \
        "see --format json: summary.unresolved)" in text.stderr


# -- A small hand-made registry module (no corpus needed) --------------------

OUTER = """\
variable "cidr" {
  type = string
}

resource "aws_vpc" "this" {
  count      = 1
  cidr_block = var.cidr
}

module "inner" {
  source  = "acme/inner/aws"
  version = "1.0.0"
  vpc_id  = aws_vpc.this[0].id
  cidr    = aws_vpc.this[0].cidr_block
}
"""

INNER = """\
variable "vpc_id" {
  type = string
}

variable "cidr" {
  type = string
}

resource "aws_security_group" "db" {
  vpc_id = var.vpc_id
  ingress {
    from_port   = 5432
    to_port     = 5432
    protocol    = "tcp"
    cidr_blocks = [var.cidr]
  }
}
"""

ROOT = """\
module "net" {
  source  = "git::https://example.com/acme/net.git?ref=v1"
  version = "this constraint is ignored"
  cidr    = "10.9.0.0/16"
}
"""


def small_registry(root: Path, manifest: str | None = None) -> Path:
    (root / ".git").mkdir()
    (root / "main.tf").write_text(ROOT, encoding="utf-8")
    installed = root / ".terraform" / "modules"
    (installed / "net").mkdir(parents=True)
    (installed / "net" / "main.tf").write_text(OUTER, encoding="utf-8")
    (installed / "net" / "inner").mkdir()
    (installed / "net" / "inner" / "main.tf").write_text(INNER, encoding="utf-8")
    (installed / "modules.json").write_text(manifest if manifest is not None else json.dumps(
        {"Modules": [{"Key": "", "Source": "", "Dir": "."},
                     {"Key": "net", "Source": "git::https://example.com/acme/net.git?ref=v1",
                      "Dir": ".terraform/modules/net"},
                     {"Key": "net.inner", "Source": "registry.terraform.io/acme/inner/aws",
                      "Version": "1.0.0", "Dir": ".terraform/modules/net/inner"}]}),
        encoding="utf-8")
    return root


def test_nested_keys_are_followed_and_reported_at_the_users_call(tmp_path):
    root = small_registry(tmp_path)
    report = lint(root)
    assert triples(report, root) == {
        ("VSL101", "module.net.module.inner.aws_security_group.db", "main.tf", 1)}
    (finding,) = report.findings
    assert finding.related[0].loc.path.endswith("net/inner/main.tf")
    assert finding.related[0].loc.line == 15


def test_a_malformed_manifest_is_vsl000_and_the_rest_is_analysed(tmp_path):
    root = small_registry(tmp_path, manifest='{"Modules": [')
    (root / "db.tf").write_text('resource "aws_vpc" "main" {\n  cidr_block = "10.1.0.0/16"\n}\n'
                                + INNER.split("\n", 8)[8].replace("var.vpc_id", "aws_vpc.main.id")
                                .replace("var.cidr", "aws_vpc.main.cidr_block"),
                                encoding="utf-8")
    report = lint(root)
    assert triples(report, root) == {
        ("VSL000", None, ".terraform/modules/modules.json", 1),
        ("VSL101", "aws_security_group.db", "db.tf", 10),
    }
    assert [n.code for n in report.notices] == ["module-not-installed"]


def test_a_manifest_entry_outside_the_analysis_root_is_not_followed(tmp_path):
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    (outside / "main.tf").write_text(OUTER, encoding="utf-8")
    root = tmp_path / "repo"
    root.mkdir()
    small_registry(root, manifest=json.dumps({"Modules": [
        {"Key": "net", "Source": "acme/net/aws", "Dir": "../elsewhere"}]}))
    report = lint(root)
    assert triples(report, root) == set()
    assert [(n.kind, n.code, n.line) for n in report.notices] == [
        ("unresolved", "module-outside-analysis-root", 1)]


def test_a_parse_error_in_a_called_local_module_is_vsl000_from_the_root(tmp_path):
    (tmp_path / ".git").mkdir()
    prod = tmp_path / "envs" / "prod"
    prod.mkdir(parents=True)
    (prod / "main.tf").write_text('module "db" {\n  source = "../../modules/db"\n}\n',
                                  encoding="utf-8")
    (tmp_path / "modules" / "db").mkdir(parents=True)
    (tmp_path / "modules" / "db" / "ok.tf").write_text(
        'resource "aws_vpc" "x" {\n  cidr_block = "10.0.0.0/16"\n}\n', encoding="utf-8")
    (tmp_path / "modules" / "db" / "broken.tf").write_text(
        'resource "aws_vpc" "y" {\n  cidr_block = \n}\n', encoding="utf-8")
    # Only the caller is linted: the called module's broken file is still reported.
    report = lint(prod)
    assert triples(report, tmp_path) == {("VSL000", None, "modules/db/broken.tf", 2)}
    assert "module.db.aws_vpc.x" in {r.address for r in load_module(str(prod)).resources}
