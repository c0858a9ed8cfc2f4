"""`vpcsec-lint graph`: the network picture of a tree (Mermaid, DOT or HTML).

Exit status: 0 when the picture was written (whatever it shows; `reach` and the
VSL6 rules are the checks), 2 on a usage error.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence

RENDERERS = {"mermaid": "graph_mermaid", "dot": "graph_dot", "html": "graph_html"}


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vpcsec-lint graph",
        description="Draw the workloads, what they must reach and whether they can.")
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files or directories "
                        "(default: .)")
    parser.add_argument("--format", choices=tuple(RENDERERS), default="mermaid")
    parser.add_argument("--output", metavar="FILE", help="write the picture to FILE")
    parser.add_argument("--config", metavar="FILE", help="explicit configuration file")
    parser.add_argument("--var-file", action="append", default=[], metavar="FILE",
                        help="a Terraform variables file to apply to every module")
    return parser


def render(fmt: str, graph: object) -> str:
    import importlib

    module = importlib.import_module(f"vpcsec_lint.formatters.{RENDERERS[fmt]}")
    text: str = module.render_graph(graph)
    return text


def graph_for(paths: list[str], config: str | None, var_files: list[str]) -> object:
    """The picture of `paths` under their configuration (raises `ConfigError`)."""
    from vpcsec_lint.config import resolve_options
    from vpcsec_lint.reach.graph import graph_of_paths

    lint_args = argparse.Namespace(select=None, ignore=None, fail_on=None, config=config,
                                   var_file=var_files, jobs=None)
    options, _ = resolve_options(lint_args, paths)
    return graph_of_paths(paths, options)


def main(argv: Sequence[str]) -> int:
    from vpcsec_lint.config import ConfigError

    args = _parser().parse_args(list(argv))
    paths = args.paths or ["."]
    missing = [p for p in paths if not os.path.lexists(p)]
    if missing:
        return _usage(f"no such file or directory: {missing[0]}")
    try:
        graph = graph_for(paths, args.config, args.var_file)
    except ConfigError as exc:
        return _usage(str(exc))
    text = render(args.format, graph)
    if args.output:
        with open(args.output, "w", encoding="utf-8") as handle:
            handle.write(text)
    else:
        sys.stdout.write(text)
    return 0


def _usage(message: str) -> int:
    from vpcsec_lint.findings import printable

    print(f"vpcsec-lint graph: error: {printable(message)}", file=sys.stderr)
    return 2
