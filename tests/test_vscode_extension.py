"""The VS Code extension (`editors/vscode`): its node test against the real language server,
and the `.vsix` that `npm ci && npm run package` builds (`.ci/run` does both before pytest)."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile

from helpers import REPO, require

EXTENSION = REPO / "editors" / "vscode"


def npm() -> str:
    found = shutil.which("npm")
    require("npm (Node.js)", found)
    require("the extension's packages (npm ci in editors/vscode)",
            (EXTENSION / "node_modules" / "vscode-jsonrpc").is_dir())
    return found  # type: ignore[return-value]


def test_node_test_drives_the_real_server_as_the_extension_starts_it() -> None:
    env = {**os.environ, "CI": "true",  # the node test must not skip the server here
           "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")}
    result = subprocess.run([npm(), "test"], cwd=EXTENSION, env=env, capture_output=True,
                            text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-2000:]
    assert "# pass 3" in result.stdout and "# skipped 0" in result.stdout, result.stdout


def test_the_vsix_holds_the_extension_its_client_library_and_the_license() -> None:
    vsix = EXTENSION / "vpcsec-lint.vsix"
    require("editors/vscode/vpcsec-lint.vsix (npm run package)", vsix.is_file())
    names = set(zipfile.ZipFile(vsix).namelist())
    assert {"extension/package.json", "extension/extension.js", "extension/server.js",
            "extension/readme.md", "extension/LICENSE.txt",
            "extension/node_modules/vscode-languageclient/node.js"} <= names
    assert not any(name.startswith("extension/test/") for name in names)
    packaged = json.loads(zipfile.ZipFile(vsix).read("extension/package.json"))
    assert packaged["version"] == json.loads((EXTENSION / "package.json").read_text())["version"]


def test_settings_are_declared_and_documented() -> None:
    manifest = json.loads((EXTENSION / "package.json").read_text())
    settings = set(manifest["contributes"]["configuration"]["properties"])
    assert settings == {"vpcsecLint.path", "vpcsecLint.interpreter", "vpcsecLint.args",
                        "vpcsecLint.config"}
    readme = (EXTENSION / "README.md").read_text()
    editors = (REPO / "docs" / "editors.md").read_text()
    assert all(f"`{name}`" in readme and f"`{name}`" in editors for name in settings)
    assert (EXTENSION / "package-lock.json").is_file()
