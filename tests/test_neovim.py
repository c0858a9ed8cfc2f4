"""docs/editors.md's Neovim 0.7+ setup, loaded as written into a real headless Neovim.

The `neovim-0.7` block of the doc is the whole `init.lua`; Neovim opens a
Terraform file with a known finding, and a small probe waits for the
diagnostics the language server publishes and writes them to a file.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from helpers import REPO, VPC_AND_DB_SG_TF, require

PROBE = """\
local ok = vim.wait(60000, function() return #vim.diagnostic.get(0) > 0 end, 100)
local found = {}
for _, d in ipairs(vim.diagnostic.get(0)) do
  table.insert(found, { code = d.code, lnum = d.lnum, col = d.col, severity = d.severity,
                        source = d.source, message = d.message })
end
local clients = {}
for _, c in pairs(vim.lsp.get_active_clients()) do table.insert(clients, c.name) end
vim.fn.writefile({ vim.fn.json_encode({ ok = ok, diagnostics = found, clients = clients }) },
                 vim.env.PROBE_OUT)
vim.cmd("qall!")
"""


def editors_block(name: str) -> str:
    """The fenced Lua block after `<!-- block: name -->` in docs/editors.md, as written."""
    text = (REPO / "docs" / "editors.md").read_text(encoding="utf-8")
    match = re.search(rf"<!-- block: {re.escape(name)} -->\n```lua\n(.*?)\n```", text, re.DOTALL)
    assert match, f"docs/editors.md has no block {name!r}"
    return match.group(1) + "\n"


def test_neovim_07_snippet_shows_the_finding(tmp_path: Path) -> None:
    nvim = shutil.which("nvim")
    require("nvim (Debian's neovim package)", nvim)
    version = subprocess.run([nvim, "--version"], capture_output=True, text=True).stdout
    assert version.startswith("NVIM v0."), version
    init = tmp_path / "init.lua"
    init.write_text(editors_block("neovim-0.7"), encoding="utf-8")
    probe = tmp_path / "probe.lua"
    probe.write_text(PROBE, encoding="utf-8")
    project = tmp_path / "project"
    project.mkdir()
    (project / "main.tf").write_text(VPC_AND_DB_SG_TF)
    out = tmp_path / "diagnostics.json"
    home = tmp_path / "home"
    env = {**os.environ, "PROBE_OUT": str(out), "HOME": str(home),
           "XDG_CONFIG_HOME": str(home / "config"), "XDG_DATA_HOME": str(home / "data"),
           "XDG_STATE_HOME": str(home / "state"), "XDG_CACHE_HOME": str(home / "cache"),
           "NVIM_LOG_FILE": str(home / "nvim.log"),
           # `vpcsec-lint` is found on PATH, as the snippet expects
           "PATH": os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", "")}
    result = subprocess.run([nvim, "--headless", "-n", "-i", "NONE", "-u", str(init), "main.tf",
                             "-c", f"luafile {probe}"],
                            cwd=project, env=env, capture_output=True, text=True, timeout=180,
                            stdin=subprocess.DEVNULL)
    assert out.exists(), result.stdout + result.stderr
    report = json.loads(out.read_text())
    assert report["clients"] == ["vpcsec-lint"], report
    assert report["ok"], report
    assert [(d["code"], d["lnum"], d["col"], d["severity"]) for d in report["diagnostics"]] == [
        ("VSL101", 10, 4, 2)], report  # 0-based line 11, column 5; 2 = Warning
    assert "whole VPC CIDR" in report["diagnostics"][0]["message"]
