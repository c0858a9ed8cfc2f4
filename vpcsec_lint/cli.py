"""The `vpcsec-lint` command line (see CLI.md). Imports stay lazy: start-up is the budget."""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vpcsec_lint.findings import Report

EXIT_OK, EXIT_USAGE = 0, 2


class UsageError(Exception):
    """Bad command line or configuration: exit status 2."""


def _parser() -> argparse.ArgumentParser:
    from vpcsec_lint import __version__
    from vpcsec_lint.formatters import FORMATS

    parser = argparse.ArgumentParser(
        prog="vpcsec-lint",
        description="Find AWS VPC security mistakes in Terraform and CloudFormation.",
        epilog="Subcommands: 'vpcsec-lint reach' (can a workload reach its dependencies?), "
               "'vpcsec-lint lsp' (language server), "
               "'vpcsec-lint checkov-checks DIR' (checks for checkov).")
    parser.add_argument("paths", nargs="*", metavar="PATH",
                        help="files or directories to lint (default: .); '-' reads stdin")
    parser.add_argument("--format", choices=FORMATS, default=None, help="report format")
    parser.add_argument("--output", metavar="FILE", help="write the report to FILE")
    parser.add_argument("--select", action="append", metavar="IDS",
                        help="rule IDs or prefixes to run (repeatable)")
    parser.add_argument("--ignore", action="append", metavar="IDS",
                        help="rule IDs or prefixes to skip (repeatable)")
    parser.add_argument("--fail-on", choices=("error", "warning", "note"), default=None,
                        help="lowest severity that fails the run (default: warning)")
    parser.add_argument("--stdin-filename", metavar="PATH",
                        help="lint standard input as if it were the file PATH")
    parser.add_argument("--config", metavar="FILE", help="explicit configuration file")
    parser.add_argument("--show-suppressed", action="store_true",
                        help="include suppressed findings in text, github and SARIF output")
    parser.add_argument("--list-rules", action="store_true", help="print the rule catalog")
    parser.add_argument("--explain", metavar="ID", help="print one rule's documentation")
    parser.add_argument("--var-file", action="append", default=[], metavar="FILE",
                        help="a Terraform variables file to apply to every module")
    parser.add_argument("--no-cache", action="store_true", help="do not use the parse cache")
    parser.add_argument("--jobs", type=int, default=None, metavar="N",
                        help="parallel worker processes (default, or 0: the number of cores)")
    parser.add_argument("--version", action="version", version=f"vpcsec-lint {__version__}")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    if args_list and args_list[0] == "lsp":
        from vpcsec_lint.lsp import serve

        return serve(args_list[1:])
    if args_list and args_list[0] == "reach":
        from vpcsec_lint.reach.command import main as reach_main

        return reach_main(args_list[1:])
    if args_list and args_list[0] == "graph":
        from vpcsec_lint.reach.graph_command import main as graph_main

        return graph_main(args_list[1:])
    if args_list and args_list[0] == "checkov-checks":
        from vpcsec_lint.integrations.checkov_export import main as export_main

        return export_main(args_list[1:])
    for stream in (sys.stdout, sys.stderr):  # a narrow console encoding never crashes a report
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="backslashreplace")
    parser = _parser()
    args = parser.parse_args(args_list)
    # Repeated --select/--ignore accumulate, as comma-separated lists do.
    args.select = None if args.select is None else ",".join(args.select)
    args.ignore = None if args.ignore is None else ",".join(args.ignore)
    try:
        return _run(args)
    except UsageError as exc:  # may quote a config file or a path: printable
        from vpcsec_lint.findings import printable

        print(f"vpcsec-lint: error: {printable(str(exc))}", file=sys.stderr)
        return EXIT_USAGE
    except BrokenPipeError:
        return EXIT_OK
    except Exception as exc:
        from vpcsec_lint.registry import RuleError

        if not isinstance(exc, RuleError):
            raise
        print(f"vpcsec-lint: error: a rule plugin is invalid: {exc}", file=sys.stderr)
        return EXIT_USAGE


def _run(args: argparse.Namespace) -> int:
    _check_output(args.output)
    if args.list_rules or args.explain:
        from vpcsec_lint.catalog import LIST_FORMATS, explain, list_rules

        if args.explain:
            text = explain(args.explain)
            if text is None:
                raise UsageError(f"unknown rule ID {args.explain!r}")
        elif (args.format or "text") not in LIST_FORMATS:
            raise UsageError(f"--list-rules prints {', '.join(LIST_FORMATS)}, "
                             f"not --format {args.format}")
        else:
            text = list_rules(args.format or "text")
        _write(text, args.output)
        return EXIT_OK

    stdin = None
    paths = list(args.paths)
    if args.stdin_filename:
        if paths and paths != ["-"]:
            raise UsageError("--stdin-filename cannot be combined with other PATHs")
        stdin = (args.stdin_filename, _read_stdin())
        paths = []
    elif "-" in paths:
        raise UsageError("'-' (standard input) needs --stdin-filename")
    else:
        paths = paths or ["."]
        missing = [p for p in paths if not os.path.lexists(p)]
        if missing:
            raise UsageError(f"no such file or directory: {missing[0]}")
    for var_file in args.var_file:
        if not os.path.isfile(var_file):
            raise UsageError(f"--var-file {var_file}: no such file")

    from vpcsec_lint.config import ConfigError
    from vpcsec_lint.progress import Progress
    from vpcsec_lint.session import lint_with_config
    from vpcsec_lint.units import default_jobs

    jobs = default_jobs() if args.jobs is None or args.jobs < 1 else None
    fmt = args.format or "text"
    progress = Progress() if fmt == "text" and sys.stderr.isatty() else None
    chart = None
    if fmt in ("github", "gitlab") and stdin is None:
        from vpcsec_lint.formatters.reach_markdown import wanted

        if wanted(fmt, os.environ):  # the picture comes from this run's own analysis
            from vpcsec_lint.reach.graph import ChartParts

            chart = ChartParts()
    try:  # each PATH under its own config file (CLI.md), exclusions and per-path ignores
        report, status = lint_with_config(args, paths, stdin, use_cache=not args.no_cache,
                                          jobs=jobs, progress=progress, chart=chart)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    if progress is not None:
        progress.clear()
    from vpcsec_lint.formatters import RenderContext, renderer

    context = RenderContext(show_suppressed=args.show_suppressed, cwd=os.getcwd(),
                            chart=chart.graph() if chart is not None else None)
    _write(renderer(fmt)(report, context), args.output)
    _print_budgets(report)
    if fmt == "text":
        from vpcsec_lint.formatters.text_format import summary_line

        print(summary_line(report), file=sys.stderr)
    from vpcsec_lint.findings import shown

    for path in report.excluded:
        print(f"vpcsec-lint: note: {shown(path)} is excluded by the configuration (exclude); "
              "not linted", file=sys.stderr)
    if report.files == 0 and not report.findings:
        print("vpcsec-lint: note: no Terraform or CloudFormation files found", file=sys.stderr)
    return status


def _print_budgets(report: Report) -> None:
    """One line on standard error for each budget hit, whatever the format: a run that
    gave up on part of its input never passes silently."""
    from vpcsec_lint.findings import shown
    from vpcsec_lint.formatters import display_path

    for notice in report.notices_of("budget"):
        where = display_path(notice.path, os.getcwd())
        print(f"vpcsec-lint: budget hit: {shown(where, 200)}:{notice.line}: "
              f"{shown(notice.message, 300)} [{notice.code}]", file=sys.stderr)


def _read_stdin() -> str:
    """Standard input as text, whatever the locale: bytes that are not text never crash
    the run (the parsers report what is wrong with them)."""
    from vpcsec_lint.sources import SourceError, decode_source

    data = sys.stdin.buffer.read()
    try:
        return decode_source(data)
    except SourceError:
        return data.decode("utf-8", "replace")


def _check_output(output: str | None) -> None:
    """Refuse an `--output` that cannot be a file before any work is done."""
    if output and os.path.isdir(output):
        raise UsageError(f"--output {output}: is a directory")


def _write(text: str, output: str | None) -> None:
    if output:
        parent = os.path.dirname(output)
        try:
            if parent:
                os.makedirs(parent, exist_ok=True)
            with open(output, "w", encoding="utf-8", errors="backslashreplace",
                      newline="\n") as handle:
                handle.write(text)
        except OSError as exc:
            raise UsageError(f"--output {output}: {exc.strerror or exc}") from None
    else:
        sys.stdout.write(text)
        sys.stdout.flush()
