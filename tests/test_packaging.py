"""The package as it would be published: `python -m build`, `twine check`, a clean install.

The sdist and wheel are built from a snapshot of this checkout (the files git
would commit), the wheel is installed into a new virtualenv with nothing else
of ours on the path, and the installed `vpcsec-lint` lints a copy of the
fixtures: the rules, the data files and the license must all be inside.
"""

from __future__ import annotations

import importlib.util
import os
import shutil
import subprocess
import sys
import tarfile
import zipfile
from pathlib import Path

import pytest
from helpers import FIXTURES, require, snapshot_checkout

from vpcsec_lint import __version__
from vpcsec_lint.registry import all_rules


def run(*args: str | os.PathLike, cwd: Path | None = None) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run([str(a) for a in args], cwd=cwd, capture_output=True, text=True,
                          env=env, timeout=900)


@pytest.fixture(scope="module")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """`python -m build` (sdist, then the wheel from the sdist) of a snapshot of the checkout."""
    require("build", importlib.util.find_spec("build"))
    snapshot = snapshot_checkout(tmp_path_factory.mktemp("checkout"))
    out = tmp_path_factory.mktemp("dist")
    result = run(sys.executable, "-m", "build", "--outdir", out, snapshot)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    return out


def artifact(dist: Path, pattern: str) -> Path:
    (found,) = dist.glob(pattern)
    return found


def test_build_gives_an_sdist_and_a_wheel_that_pass_twine_check(dist: Path) -> None:
    require("twine", importlib.util.find_spec("twine"))
    wheel = artifact(dist, f"vpcsec_lint-{__version__}-py3-none-any.whl")
    sdist = artifact(dist, f"vpcsec_lint-{__version__}.tar.gz")
    result = run(sys.executable, "-m", "twine", "check", "--strict", wheel, sdist)
    assert result.returncode == 0, result.stdout + result.stderr
    assert result.stdout.count("PASSED") == 2, result.stdout


def test_the_wheel_and_sdist_carry_rules_data_and_license(dist: Path) -> None:
    wheel = artifact(dist, "*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    info = f"vpcsec_lint-{__version__}.dist-info"
    rule_modules = {f"vpcsec_lint/rules/{cls.module_name()}.py" for cls in all_rules().values()
                    if cls.builtin}
    assert rule_modules and rule_modules <= names
    assert {"vpcsec_lint/data/endpoint_policy_services.json",
            "vpcsec_lint/data/report.schema.json", "vpcsec_lint/py.typed",
            f"{info}/licenses/LICENSE" if f"{info}/licenses/LICENSE" in names
            else f"{info}/LICENSE"} <= names
    metadata = zipfile.ZipFile(wheel).read(f"{info}/METADATA").decode()
    assert "License: Apache-2.0" in metadata or "License-Expression: Apache-2.0" in metadata
    with tarfile.open(artifact(dist, "*.tar.gz")) as sdist:
        members = {m.name.split("/", 1)[1] for m in sdist.getmembers() if "/" in m.name}
    assert {"LICENSE", "README.md", "pyproject.toml", "vpcsec_lint/data/report.schema.json",
            "rules/vsl101_sg_vpc_cidr_source.py"} <= members


def test_the_wheel_installs_into_a_clean_virtualenv_and_lints(dist: Path, tmp_path: Path) -> None:
    venv = tmp_path / "venv"
    assert run(sys.executable, "-m", "venv", venv).returncode == 0
    bin_dir = venv / ("Scripts" if os.name == "nt" else "bin")
    install = run(bin_dir / "python", "-m", "pip", "install", "--quiet",
                  artifact(dist, "*.whl"))
    assert install.returncode == 0, install.stdout + install.stderr
    work = tmp_path / "work"
    shutil.copytree(FIXTURES / "terraform" / "VSL203", work / "VSL203")  # needs the data file
    shutil.copytree(FIXTURES / "cloudformation" / "VSL101", work / "VSL101")

    version = run(bin_dir / "vpcsec-lint", "--version", cwd=work)
    assert version.stdout.strip() == f"vpcsec-lint {__version__}", version.stderr
    listed = run(bin_dir / "vpcsec-lint", "--list-rules", cwd=work).stdout
    assert {line.split()[0] for line in listed.splitlines()} == \
        {*all_rules(), "VSL000", "VSL999"}
    lint = run(bin_dir / "vpcsec-lint", "--no-cache", ".", cwd=work)
    assert lint.returncode == 1, lint.stderr
    assert {"VSL101", "VSL203"} <= {line.split()[2] for line in lint.stdout.splitlines()}
    assert lint.stdout == run(sys.executable, "-m", "vpcsec_lint", "--no-cache", ".",
                              cwd=work).stdout  # the same findings as this checkout
    located = run(bin_dir / "python", "-c",
                  "import vpcsec_lint, importlib.metadata as m; print(vpcsec_lint.__file__); "
                  "print(any(f.name == 'LICENSE' for f in m.files('vpcsec-lint')))", cwd=work)
    module_file, has_license = located.stdout.split()
    assert Path(module_file).is_relative_to(venv) and has_license == "True", located.stderr
