"""Report formats. Each is a module with `render(report, context) -> str`."""

from __future__ import annotations

import importlib
import os
from collections.abc import Callable
from dataclasses import dataclass

FORMATS = ("text", "json", "sarif", "github", "gitlab")


@dataclass
class RenderContext:
    """What a formatter may need beyond the findings."""

    show_suppressed: bool = False
    cwd: str = ""


def renderer(name: str) -> Callable:
    module = importlib.import_module(f"vpcsec_lint.formatters.{name}_format")
    return module.render


def display_path(path: str, cwd: str | None = None) -> str:
    """Relative to the current directory when below it, else absolute; `/` separators."""
    cwd = cwd or os.getcwd()
    absolute = os.path.abspath(path)
    try:
        rel = os.path.relpath(absolute, cwd)
    except ValueError:
        rel = absolute
    if rel == os.pardir or rel.startswith(os.pardir + os.sep):
        rel = absolute
    return rel.replace(os.sep, "/")
