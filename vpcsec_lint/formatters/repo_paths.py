"""Repository-relative paths for the formats that code hosts read (SARIF, GitHub, GitLab).

GitHub and GitLab place an annotation by its path from the repository root,
whatever directory the linter ran in. The root of a file is the nearest
directory above it holding `.git` (a directory, or a file in worktrees and
submodules); without one, `GITHUB_WORKSPACE` when the file is below it; else
the current directory. The result is always relative with `/` separators:
never absolute, never a URI scheme.
"""

from __future__ import annotations

import functools
import os
from collections.abc import Mapping

from vpcsec_lint.findings import printable


@functools.lru_cache(maxsize=1024)
def git_root(directory: str) -> str | None:
    """The nearest directory at or above `directory` (absolute) that holds `.git`."""
    current = directory
    while True:
        if os.path.exists(os.path.join(current, ".git")):
            return current
        parent = os.path.dirname(current)
        if parent == current:
            return None
        current = parent


def _below(path: str, root: str) -> bool:
    try:
        return os.path.commonpath([path, root]) == root
    except ValueError:  # different drives on Windows
        return False


def repo_root(path: str, cwd: str | None = None,
              environ: Mapping[str, str] | None = None) -> str:
    """The directory that `path` is reported relative to (see the module docstring)."""
    environ = os.environ if environ is None else environ
    cwd = os.path.abspath(cwd or os.getcwd())
    absolute = os.path.abspath(os.path.join(cwd, path))
    root = git_root(os.path.dirname(absolute))
    if root is not None:
        return root
    workspace = environ.get("GITHUB_WORKSPACE")
    if workspace and _below(absolute, os.path.abspath(workspace)):
        return os.path.abspath(workspace)
    return cwd


def repo_relative(path: str, cwd: str | None = None,
                  environ: Mapping[str, str] | None = None) -> str:
    """`path` relative to its repository root, with `/` separators.

    A file outside the root that applies (only possible without a repository
    and outside the current directory) keeps a relative path with `..` parts
    rather than becoming absolute. The result is printable (`findings.printable`):
    a name that is not valid UTF-8 shows its escapes rather than breaking the report.
    """
    cwd = os.path.abspath(cwd or os.getcwd())
    absolute = os.path.abspath(os.path.join(cwd, path))
    root = repo_root(absolute, cwd, environ)
    try:
        rel = os.path.relpath(absolute, root)
    except ValueError:  # another drive on Windows: the best we can do is the name
        rel = os.path.basename(absolute)
    return printable(rel.replace(os.sep, "/"))
