"""`vpcsec-lint reach`: every intent of a tree with its verdict, or one question hop by hop.

Exit status for one question: 0 reachable, 1 blocked or partial, 2 usage error,
3 unknown; for the list: 1 if any intent is blocked or partial, else 3 if any
is unknown, else 0.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections.abc import Sequence
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from vpcsec_lint.reach.session import ModelSet

EXIT_REACHABLE, EXIT_BLOCKED, EXIT_USAGE, EXIT_UNKNOWN = 0, 1, 2, 3


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="vpcsec-lint reach",
        description="Can a workload reach what it needs, and if not, which hop blocks it?")
    parser.add_argument("paths", nargs="*", metavar="PATH", help="files or directories "
                        "(default: .)")
    parser.add_argument("--from", dest="source", metavar="ADDR",
                        help="the workload (an address as findings name it, or 'internet')")
    parser.add_argument("--to", dest="target", metavar="TARGET",
                        help="a resource address, 'aws:<service>' or 'internet'")
    parser.add_argument("--port", type=int, help="the port (default: the target's own)")
    parser.add_argument("--protocol", choices=("tcp", "udp"), default="tcp")
    parser.add_argument("--format", choices=("text", "json"), default="text")
    parser.add_argument("--config", metavar="FILE", help="explicit configuration file")
    parser.add_argument("--var-file", action="append", default=[], metavar="FILE",
                        help="a Terraform variables file to apply to every module")
    return parser


class UsageError(Exception):
    pass


def main(argv: Sequence[str]) -> int:
    args = _parser().parse_args(list(argv))
    try:
        return _run(args)
    except UsageError as exc:
        print(f"vpcsec-lint reach: error: {exc}", file=sys.stderr)
        return EXIT_USAGE


def _run(args: argparse.Namespace) -> int:
    from vpcsec_lint.config import ConfigError, resolve_options
    from vpcsec_lint.reach.session import AddressError, load_models

    if (args.source is None) != (args.target is None):
        raise UsageError("--from and --to go together")
    if args.port is not None and not 0 <= args.port <= 65535:
        raise UsageError(f"--port {args.port} is not a port number")
    paths = args.paths or ["."]
    missing = [p for p in paths if not os.path.lexists(p)]
    if missing:
        raise UsageError(f"no such file or directory: {missing[0]}")
    lint_args = argparse.Namespace(select=None, ignore=None, fail_on=None, config=args.config,
                                   var_file=args.var_file, jobs=None)
    try:
        options, settings = resolve_options(lint_args, paths)
    except ConfigError as exc:
        raise UsageError(str(exc)) from None
    analysed = load_models(paths, options)
    if args.source is not None:
        try:
            return _question(analysed, args)
        except AddressError as exc:
            raise UsageError(str(exc)) from None
    from vpcsec_lint.reach.intents import all_intents, declared_intents

    intents = [i for model in analysed.models for i in all_intents(model)]
    declared, unresolved = declared_intents(analysed, options.reach)
    intents.extend(declared)
    answers = [(intent, intent.evaluate()) for intent in intents]
    verdicts = {a.verdict for _, a in answers}
    budgets = [n for model in analysed.models for n in getattr(model, "reach_notices", ())]
    if args.format == "json":
        from vpcsec_lint.reach.paths import budget_json

        doc = {"intents": [{**a.as_json(), "origin": i.origin_json()} for i, a in answers]}
        if unresolved:
            doc["unresolved"] = unresolved
        if budgets:
            doc["budgets"] = [budget_json(n) for n in budgets]
        sys.stdout.write(json.dumps(doc, indent=2) + "\n")
    else:
        from vpcsec_lint.reach.explain import budget_line

        sys.stdout.write(_table(answers, unresolved)
                         + "".join(budget_line(n) + "\n" for n in budgets))
    if verdicts & {"blocked", "partial"}:
        return EXIT_BLOCKED
    return EXIT_UNKNOWN if "unknown" in verdicts else EXIT_REACHABLE


def _question(analysed: ModelSet, args: argparse.Namespace) -> int:
    from vpcsec_lint.reach.explain import render_json, render_text
    from vpcsec_lint.reach.network import Place
    from vpcsec_lint.reach.paths import evaluate

    source_model, source = analysed.resolve(args.source)
    target_model, target = analysed.resolve(args.target)
    if isinstance(source, str) and source != "internet":
        raise UsageError(f"--from {args.source!r} is not a workload")
    if source == "internet":
        if not isinstance(target, Place):
            raise UsageError("--from internet needs a resource --to")
        source, source_model = Place("internet", "internet", target.loc), target_model
    elif isinstance(target, Place) and target_model is not source_model:
        raise UsageError(f"{args.source} and {args.target} are in different units of analysis")
    assert isinstance(source, Place) and source_model is not None  # by the checks above
    port = args.port
    if port is None:
        port = 443 if isinstance(target, str) else target.port
    if not isinstance(port, int):
        raise UsageError(f"the port of {args.target} is not known: give --port")
    answer = evaluate(source_model, source, target, port, args.protocol)
    if args.format == "json":
        sys.stdout.write(json.dumps(render_json(answer), indent=2) + "\n")
    else:
        sys.stdout.write(render_text(answer))
    return {"reachable": EXIT_REACHABLE, "unknown": EXIT_UNKNOWN}.get(answer.verdict,
                                                                       EXIT_BLOCKED)


def _table(answers: list, unresolved: list) -> str:
    """One line per intent, read like a map of who needs what."""
    from vpcsec_lint.findings import shown

    if not answers:
        return "No reachability intents found (no workload references a target).\n"
    rows = [("FROM", "TO", "PORT", "VERDICT", "WHY")]
    for intent, answer in answers:
        rows.append((answer.source, answer.target, f"{answer.protocol}/{answer.port}",
                     answer.verdict, shown(intent.why, 70)))
    widths = [max(len(r[i]) for r in rows) for i in range(4)]
    lines = ["  ".join(c.ljust(w) for c, w in zip(r[:4], widths, strict=True)) + "  " + r[4]
             for r in rows]
    for _, answer in answers:
        if answer.verdict in ("blocked", "partial") and answer.fix:
            lines.append(f"{answer.source} -> {answer.target}: {answer.fix}")
    for entry in unresolved:
        lines.append(f"not analysed: reach entry {entry['from']} -> {entry['to']} "
                     f"({entry['path']}:{entry['line']}): its resources are not in these files")
    return "\n".join(lines) + "\n"
