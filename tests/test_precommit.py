"""The pre-commit hooks, end to end with the real `pre-commit`.

`pre-commit try-repo` builds a virtualenv and pip-installs vpcsec-lint from a
snapshot of this checkout (network access to PyPI is needed for the
dependencies). The snapshot is one clean commit, so every invocation below
reuses the same installed hook environment, except `try-repo`, which
always installs into a fresh store (one invocation here).
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


@pytest.fixture(scope="module")
def configured(hook_repo: Path, project: Path) -> Path:
    """The project with the `.pre-commit-config.yaml` of docs/ci.md, as a user fills it in.

    The repository is a `file://` clone of this checkout's snapshot (standing in
    for the documented URL), and `rev` is the commit the documented
    `git ls-remote URL HEAD` prints. Both hooks are configured; `pre-commit
    run` installs them once into the module's PRE_COMMIT_HOME (`try-repo` uses
    a fresh store every time).
    """
    from test_ci_docs import REPOSITORY, doc_block

    block = doc_block("pre-commit")
    config = yaml.safe_load(block)
    manifest = yaml.safe_load((REPO / ".pre-commit-hooks.yaml").read_text())
    documented = [hook["id"] for repo in config["repos"] for hook in repo["hooks"]]
    assert documented == ["vpcsec-lint"]
    assert {hook["id"] for hook in manifest} == {"vpcsec-lint", "vpcsec-lint-all"}
    (ls_remote,) = re.findall(r"# (git ls-remote \S+ HEAD)", block)
    assert config["repos"][0]["repo"] == REPOSITORY and config["repos"][0]["rev"] == "<commit-sha>"
    clone = hook_repo.parent / "vpcsec-lint-clone.git"
    git("clone", "-q", "--bare", hook_repo.as_uri(), str(clone), cwd=hook_repo.parent)
    url = clone.as_uri()
    listed = subprocess.run(ls_remote.replace(REPOSITORY, url).split(), check=True,
                            capture_output=True, text=True).stdout
    config["repos"][0]["repo"] = url
    config["repos"][0]["rev"] = listed.split()[0]
    assert re.fullmatch(r"[0-9a-f]{40}", config["repos"][0]["rev"])
    config["repos"][0]["hooks"].append({"id": "vpcsec-lint-all"})
    (project / ".pre-commit-config.yaml").write_text(yaml.safe_dump(config))
    git("add", ".pre-commit-config.yaml", cwd=project)
    git("commit", "-q", "-m", "pre-commit", cwd=project)
    return project


def staged_bad_file(project: Path) -> None:
    """Stage groups.tf: a group trusting the CIDR of the VPC in the committed vpc.tf."""
    (project / "infra/db/groups.tf").write_text(GROUPS_TF)
    git("add", "infra/db/groups.tf", cwd=project)


def unstage_bad_file(project: Path) -> None:
    git("reset", "-q", "HEAD", "infra/db/groups.tf", cwd=project)
    (project / "infra/db/groups.tf").unlink()


def hook_line(name: str, verdict: str) -> re.Pattern[str]:
    return re.compile(rf"^{re.escape(name)}\.+{verdict}$", re.MULTILINE)


def test_try_repo_fails_on_a_bad_file_with_its_sibling_as_context(
        hook_repo: Path, project: Path, pre_commit_env: dict[str, str]) -> None:
    # Only groups.tf is named; the VPC it trusts lives in the sibling vpc.tf.
    staged_bad_file(project)
    try:
        result = pre_commit("try-repo", str(hook_repo), "vpcsec-lint", "--files",
                            "infra/db/groups.tf", cwd=project, env=pre_commit_env)
    finally:
        unstage_bad_file(project)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert hook_line("vpcsec-lint", "Failed").search(result.stdout), output
    assert FINDING in output.splitlines(), output
    assert "- exit code: 1" in output


def test_commit_hook_fails_on_the_staged_bad_file(configured: Path,
                                                  pre_commit_env: dict[str, str]) -> None:
    staged_bad_file(configured)
    try:
        result = pre_commit("run", cwd=configured, env=pre_commit_env)
    finally:
        unstage_bad_file(configured)
    output = result.stdout + result.stderr
    assert result.returncode == 1, output
    assert hook_line("vpcsec-lint", "Failed").search(result.stdout), output
    assert hook_line("vpcsec-lint (whole repository)", "Failed").search(result.stdout), output
    assert output.splitlines().count(FINDING) == 2, output


def test_hooks_pass_good_files_and_skip_other_yaml_and_json(
        configured: Path, pre_commit_env: dict[str, str]) -> None:
    result = pre_commit("run", "--files", "infra/ok/main.tf", "infra/db/vpc.tf", "package.json",
                        ".github/workflows/ci.yml", "serverless.yml",
                        cwd=configured, env=pre_commit_env)
    output = result.stdout + result.stderr
    assert result.returncode == 0, output
    assert hook_line("vpcsec-lint", "Passed").search(result.stdout), output
    assert hook_line("vpcsec-lint (whole repository)", "Passed").search(result.stdout), output
