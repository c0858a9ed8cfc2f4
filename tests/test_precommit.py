"""The pre-commit hooks, end to end with the real `pre-commit`.

`pre-commit try-repo` builds a virtualenv and pip-installs vpcsec-lint from a
snapshot of this checkout (network access to PyPI is needed for the
dependencies). The snapshot is one clean commit, so every invocation below
reuses the same installed hook environment.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from helpers import REPO

GIT_ENV = {"GIT_AUTHOR_NAME": "t", "GIT_AUTHOR_EMAIL": "t@example.com",
           "GIT_COMMITTER_NAME": "t", "GIT_COMMITTER_EMAIL": "t@example.com",
           "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}

VPC_TF = """\
resource "aws_vpc" "main" {
  cidr_block = "10.42.0.0/16"
}
"""
GROUPS_TF = """\
resource "aws_security_group" "db" {
  vpc_id = aws_vpc.main.id
  ingress {
    from_port   = 5432
    to_port     = 5432
    protocol    = "tcp"
    cidr_blocks = [aws_vpc.main.cidr_block]
  }
}
"""
GOOD_TF = """\
resource "aws_vpc" "app" {
  cidr_block = "10.7.0.0/16"
}

resource "aws_security_group" "app" {
  vpc_id = aws_vpc.app.id
}

resource "aws_security_group" "db" {
  vpc_id = aws_vpc.app.id
  ingress {
    from_port       = 5432
    to_port         = 5432
    protocol        = "tcp"
    security_groups = [aws_security_group.app.id]
  }
}
"""
SERVERLESS_YML = """\
service: api
provider:
  name: aws
resources:
  Resources:
    Bucket:
      Type: AWS::S3::Bucket
"""
FINDING = ("infra/db/groups.tf:7:5: warning VSL101 Ingress on tcp/5432 allows the whole VPC "
           "CIDR (aws_vpc.main.cidr_block); allow the client's security group instead. "
           "[aws_security_group.db]")


def git(*args: str, cwd: Path) -> str:
    return subprocess.run(["git", *args], cwd=cwd, check=True, capture_output=True, text=True,
                          env={**os.environ, **GIT_ENV}).stdout


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """This checkout's files (committed or not, minus ignored ones) as one clean commit."""
    snapshot = tmp_path_factory.mktemp("hook-repo")
    listed = git("ls-files", "-z", "--cached", "--others", "--exclude-standard", cwd=REPO)
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_file():
            (snapshot / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, snapshot / name)
    git("init", "-q", cwd=snapshot)
    git("add", "-A", cwd=snapshot)
    git("commit", "-q", "-m", "snapshot", cwd=snapshot)
    return snapshot


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A user's repository: a committed VPC, good files, other YAML/JSON."""
    root = tmp_path_factory.mktemp("project")
    files = {
        "infra/db/vpc.tf": VPC_TF,
        "infra/ok/main.tf": GOOD_TF,
        "package.json": '{"name": "web", "version": "1.0.0"}\n',
        ".github/workflows/ci.yml": "on: [push]\njobs: {}\n",
        "serverless.yml": SERVERLESS_YML,
    }
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    git("init", "-q", cwd=root)
    git("add", "-A", cwd=root)
    git("commit", "-q", "-m", "base", cwd=root)
    return root


@pytest.fixture(scope="module")
def pre_commit_env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    return {**os.environ, **GIT_ENV,
            "PRE_COMMIT_HOME": str(tmp_path_factory.mktemp("pre-commit-home")),
            "PRE_COMMIT_COLOR": "never", "SKIP": ""}


def pre_commit(*args: str, cwd: Path, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pre_commit", *args], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=900)


def test_hook_fails_on_a_bad_staged_file_with_its_sibling_as_context(
        hook_repo: Path, project: Path, pre_commit_env: dict[str, str]) -> None:
    # Only groups.tf is staged; the VPC it trusts lives in the committed vpc.tf.
    (project / "infra/db/groups.tf").write_text(GROUPS_TF)
    git("add", "infra/db/groups.tf", cwd=project)
    try:
        result = pre_commit("try-repo", str(hook_repo), "vpcsec-lint", cwd=project,
                            env=pre_commit_env)
    finally:
        git("reset", "-q", "HEAD", "infra/db/groups.tf", cwd=project)
        (project / "infra/db/groups.tf").unlink()
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert re.search(r"^vpcsec-lint\.+Failed$", result.stdout, re.MULTILINE), output
    assert FINDING in output.splitlines(), output
    assert "- exit code: 1" in output


def test_hook_passes_good_files_and_skips_other_yaml_and_json(
        hook_repo: Path, project: Path, pre_commit_env: dict[str, str]) -> None:
    result = pre_commit("try-repo", str(hook_repo), "vpcsec-lint", "--files",
                        "infra/ok/main.tf", "infra/db/vpc.tf", "package.json",
                        ".github/workflows/ci.yml", "serverless.yml",
                        cwd=project, env=pre_commit_env)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert re.search(r"^vpcsec-lint\.+Passed$", result.stdout, re.MULTILINE), output


def test_documented_config_runs_both_hooks(hook_repo: Path, project: Path,
                                           pre_commit_env: dict[str, str]) -> None:
    """The `.pre-commit-config.yaml` of docs/ci.md, pointed at this checkout."""
    from test_ci_docs import doc_block

    config = yaml.safe_load(doc_block("pre-commit"))
    manifest = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    documented = [hook["id"] for repo in config["repos"] for hook in repo["hooks"]]
    assert documented == ["vpcsec-lint"]
    assert {hook["id"] for hook in manifest} == {"vpcsec-lint", "vpcsec-lint-all"}
    config["repos"][0]["repo"] = str(hook_repo)
    config["repos"][0]["rev"] = git("rev-parse", "HEAD", cwd=hook_repo).strip()
    config["repos"][0]["hooks"].append({"id": "vpcsec-lint-all"})
    (project / "infra/db/groups.tf").write_text(GROUPS_TF)
    git("add", "infra/db/groups.tf", cwd=project)
    (project / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    try:
        result = pre_commit("run", "--all-files", "--config", ".pre-commit-config.yaml",
                            cwd=project, env=pre_commit_env)
    finally:
        git("reset", "-q", "HEAD", "infra/db/groups.tf", cwd=project)
        (project / "infra/db/groups.tf").unlink()
        (project / ".pre-commit-config.yaml").unlink()
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert re.search(r"^vpcsec-lint\.+Failed$", result.stdout, re.MULTILINE), output
    assert re.search(r"^vpcsec-lint \(whole repository\)\.+Failed$", result.stdout,
                     re.MULTILINE), output
    assert output.splitlines().count(FINDING) == 2, output
