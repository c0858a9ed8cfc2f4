"""Build and install small rule plugins, as a third party would ship them."""

from __future__ import annotations

import base64
import hashlib
import subprocess
import sys
import zipfile
from pathlib import Path

RULE_DOC = '''
    ## What it does
    {what}

    ## Why is this bad?
    A team convention.

    ## Example
    Any VPC.

    ## Use instead
    What the convention asks for.

    ## References
    The team's handbook.
'''


def build_wheel(directory: Path, dist: str, modules: dict[str, str],
                entry_points: dict[str, str]) -> Path:
    """A minimal valid wheel with `modules` (name -> source) and `vpcsec_lint.rules` entries."""
    info = f"{dist}-1.0.dist-info"
    files = dict(modules)
    files[f"{info}/METADATA"] = f"Metadata-Version: 2.1\nName: {dist}\nVersion: 1.0\n"
    files[f"{info}/WHEEL"] = ("Wheel-Version: 1.0\nGenerator: vpcsec-lint-tests\n"
                              "Root-Is-Purelib: true\nTag: py3-none-any\n")
    files[f"{info}/entry_points.txt"] = "[vpcsec_lint.rules]\n" + "".join(
        f"{name} = {target}\n" for name, target in entry_points.items())
    record = []
    for name, text in files.items():
        digest = base64.urlsafe_b64encode(hashlib.sha256(text.encode()).digest()).rstrip(b"=")
        record.append(f"{name},sha256={digest.decode()},{len(text.encode())}")
    files[f"{info}/RECORD"] = "\n".join([*record, f"{info}/RECORD,,"]) + "\n"
    path = directory / f"{dist}-1.0-py3-none-any.whl"
    with zipfile.ZipFile(path, "w") as archive:
        for name, text in files.items():
            archive.writestr(name, text)
    return path


def install(wheels: list[Path], target: Path) -> Path:
    """pip-install wheels into `target` (put it on PYTHONPATH) without the network."""
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--no-index",
                    "--disable-pip-version-check", "--target", str(target),
                    *map(str, wheels)], check=True, capture_output=True, timeout=300)
    return target
