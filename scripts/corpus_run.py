#!/usr/bin/env python3
"""Run vpcsec-lint over the real-world corpus and check that nothing was lost.

    python scripts/corpus_run.py [CORPUS_DIR] [--jobs N]

Pass means: the CLI exits 0 or 1 without a traceback; every Terraform and
CloudFormation file in the corpus (listed here independently of the tool, by
the definitions in CLI.md and RULES.md) is analysed or reported as VSL000 with
a position and a reason; no other file is analysed; and the summary's file count
matches. Prints the figures: files analysed, VSL000 by cause, wall time.
`tests/test_corpus.py` runs the same check on a deterministic sample in CI.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import subprocess
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parent.parent
DEFAULT_CORPUS = REPO.parent / "shared" / "corpus"

# CLI.md: directories not entered unless named, and the file kinds of each framework.
SKIPPED_DIRS = {".git", ".terraform", ".terragrunt-cache", "node_modules", ".aws-sam", "cdk.out"}
TEMPLATE_SUFFIXES = (".yaml", ".yml", ".json", ".template")
TEMPLATE_TYPE = re.compile(r"^(AWS|Alexa|Custom)::")


@dataclass
class Expected:
    """What the corpus holds, decided without the tool."""

    terraform: set[str] = field(default_factory=set)
    """`.tf`/`.tf.json` files and the tfvars files of their module directories."""
    templates: set[str] = field(default_factory=set)
    """Files that are CloudFormation templates (analysed, or VSL000 when the tool cannot)."""
    broken_templates: set[str] = field(default_factory=set)
    """Files that look like templates but did not parse here: analysed or VSL000."""

    @property
    def required(self) -> set[str]:
        return self.terraform | self.templates

    @property
    def allowed(self) -> set[str]:
        return self.required | self.broken_templates


@dataclass
class Result:
    """The outcome of one run, with every discrepancy spelt out."""

    exit_status: int
    files_reported: int
    files_read: set[str]
    findings: list[dict]
    wall_seconds: float
    expected: Expected
    problems: list[str] = field(default_factory=list)

    @property
    def vsl000(self) -> list[dict]:
        return [f for f in self.findings if f["rule_id"] == "VSL000"]


def is_tfvars(name: str) -> bool:
    return name in ("terraform.tfvars", "terraform.tfvars.json") or name.endswith(
        (".auto.tfvars", ".auto.tfvars.json"))


def expected_files(paths: list[str]) -> Expected:
    """Classify every file under `paths` (directories walked, files as named)."""
    expected = Expected()
    files: list[str] = []
    for path in paths:
        if not os.path.isdir(path):
            files.append(path)
            continue
        for directory, dirnames, filenames in os.walk(path):
            dirnames[:] = [d for d in dirnames if d not in SKIPPED_DIRS
                           and not os.path.isfile(os.path.join(directory, d, "pyvenv.cfg"))]
            files += [os.path.join(directory, n) for n in filenames
                      if not os.path.islink(os.path.join(directory, n))]
    for directory in {os.path.dirname(f) for f in files if f.endswith((".tf", ".tf.json"))}:
        # A module's tfvars files are its inputs, read whether named or not.
        for entry in os.scandir(directory or "."):
            if is_tfvars(entry.name) and entry.is_file(follow_symlinks=False):
                expected.terraform.add(os.path.join(directory, entry.name))
    for path in files:
        name = os.path.basename(path)
        if name.endswith((".tf", ".tf.json")):
            expected.terraform.add(path)
        elif name.endswith(TEMPLATE_SUFFIXES) and not is_tfvars(name):
            kind = classify_template(path)
            if kind == "template":
                expected.templates.add(path)
            elif kind == "broken":
                expected.broken_templates.add(path)
    return expected


class _AnyTagLoader(yaml.SafeLoader):
    """Safe YAML that reads CloudFormation's `!Ref`-style tags as plain data."""


def _plain(loader: yaml.SafeLoader, _suffix: str, node: yaml.Node) -> object:
    if isinstance(node, yaml.MappingNode):
        return loader.construct_mapping(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_scalar(node)


_AnyTagLoader.add_multi_constructor("!", _plain)
_AnyTagLoader.add_multi_constructor("tag:", _plain)


def classify_template(path: str) -> str:
    """'template', 'broken' (looks like one but does not parse) or 'other'."""
    try:
        raw = Path(path).read_bytes()
    except OSError:
        return "broken"
    text = raw.decode("utf-8", "replace").lstrip("\ufeff")
    if "AWSTemplateFormatVersion" not in text and not ("Resources" in text and "AWS::" in text):
        return "other"
    try:
        if text.lstrip().startswith("{"):
            doc = json.loads(text)
        else:
            doc = yaml.load(text, Loader=_AnyTagLoader)  # noqa: S506 - a safe loader
    except (ValueError, yaml.YAMLError, RecursionError):
        return "broken"
    if not isinstance(doc, dict):
        return "other"
    if "AWSTemplateFormatVersion" in doc:
        return "template"
    resources = doc.get("Resources")
    if isinstance(resources, dict) and any(
            isinstance(r, dict) and isinstance(r.get("Type"), str)
            and TEMPLATE_TYPE.match(r["Type"]) for r in resources.values()):
        return "template"
    return "other"


def files_read_by_tool(paths: list[str]) -> set[str]:
    """The files the tool reads for `paths` (its own discovery and loaders, in-process)."""
    from vpcsec_lint.discovery import collect
    from vpcsec_lint.session import Session

    read: set[str] = set()
    for unit, _only in Session(use_cache=False).units(collect(paths)):
        read.update(os.path.normpath(f) for f in unit.files)
    return read


def run(paths: list[str], jobs: int | None = None) -> Result:
    """Lint `paths` with the CLI (JSON report) and check the outcome."""
    command = [sys.executable, "-m", "vpcsec_lint", "--format", "json", "--no-cache", *paths]
    if jobs is not None:
        command[3:3] = ["--jobs", str(jobs)]
    started = time.monotonic()
    proc = subprocess.run(command, capture_output=True, text=True)
    wall = time.monotonic() - started
    expected = expected_files(paths)
    problems: list[str] = []
    if "Traceback" in proc.stderr or "Traceback" in proc.stdout:
        problems.append("a traceback was printed:\n" + proc.stderr[-3000:])
    if proc.returncode not in (0, 1):
        problems.append(f"exit status {proc.returncode} (expected 0 or 1): {proc.stderr[-2000:]}")
    try:
        report = json.loads(proc.stdout)
    except ValueError:
        problems.append(f"the JSON report does not parse: {proc.stdout[:500]!r}")
        report = {"findings": [], "summary": {"files": -1}}
    read = files_read_by_tool(paths)
    result = Result(proc.returncode, report["summary"]["files"], read, report["findings"],
                    wall, expected, problems)
    check(result)
    return result


def _norm(paths: set[str]) -> set[str]:
    return {os.path.normpath(p) for p in paths}


def check(result: Result) -> None:
    """Add a problem for every file lost, every file read that is not ours, every bad VSL000."""
    required, allowed = _norm(result.expected.required), _norm(result.expected.allowed)
    for path in sorted(required - result.files_read):
        result.problems.append(f"not analysed and not reported: {path}")
    for path in sorted(result.files_read - allowed):
        result.problems.append(f"analysed but not Terraform or CloudFormation: {path}")
    if result.files_reported != len(result.files_read):
        result.problems.append(f"summary counts {result.files_reported} files, "
                               f"the tool read {len(result.files_read)}")
    if result.files_reported != len(required) + len(result.files_read & (allowed - required)):
        result.problems.append(f"summary counts {result.files_reported} files, the corpus "
                               f"holds {len(required)} (+ templates that do not parse here)")
    ours = {os.path.abspath(p) for p in allowed}
    for finding in result.findings:
        if finding["rule_id"] == "VSL999":
            result.problems.append(f"internal error: {finding['path']}: {finding['message']}")
        if finding["rule_id"] != "VSL000":
            continue
        if os.path.abspath(finding["path"]) not in ours:
            result.problems.append(f"VSL000 on a file that is not ours: {finding['path']}")
        message = finding["message"]
        if not finding["line"] or not message.startswith("Cannot analyse this file: ") \
                or len(message) < len("Cannot analyse this file: ") + 10:
            result.problems.append(f"VSL000 without a position or reason: {finding}")


def cause(message: str) -> str:
    """A VSL000 message reduced to its cause (positions and quoted text generalised)."""
    text = message.removeprefix("Cannot analyse this file: ").rstrip(".")
    text = re.split(r"; | \(in the ", text)[0]
    text = re.sub(r"'[A-Za-z_][^']*'", "'…'", text)
    return re.sub(r"\d+", "N", text)


def print_figures(result: Result, out: object = sys.stdout) -> None:
    vsl000 = result.vsl000
    print(f"files analysed: {result.files_reported} "
          f"({len(_norm(result.expected.terraform))} Terraform, "
          f"{result.files_reported - len(_norm(result.expected.terraform))} CloudFormation)",
          file=out)
    print(f"findings: {len(result.findings)} (VSL000: {len(vsl000)}), exit status "
          f"{result.exit_status}, wall time {result.wall_seconds:.1f} s", file=out)
    for text, count in Counter(cause(f["message"]) for f in vsl000).most_common():
        print(f"  {count:4}  {text}", file=out)
    for finding in vsl000:
        print(f"    {finding['path']}:{finding['line']}:{finding['column']}: "
              f"{finding['message']}", file=out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("corpus", nargs="?", default=str(DEFAULT_CORPUS))
    parser.add_argument("--jobs", type=int, default=None, help="passed to vpcsec-lint")
    args = parser.parse_args(argv)
    if not os.path.isdir(args.corpus):
        print(f"corpus_run: no corpus at {args.corpus}", file=sys.stderr)
        return 2
    result = run([args.corpus], args.jobs)
    print_figures(result)
    for problem in result.problems:
        print(f"PROBLEM: {problem}")
    print("PASS" if not result.problems else f"FAIL ({len(result.problems)} problems)")
    return 0 if not result.problems else 1


if __name__ == "__main__":
    sys.exit(main())
