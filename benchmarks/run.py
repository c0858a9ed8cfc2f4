"""Benchmark vpcsec-lint against checkov and cfn-lint on the same files.

    python benchmarks/run.py                      # everything, 3 repetitions
    python benchmarks/run.py --repeat 5 --checkov /path/to/venv/bin/checkov
    python benchmarks/run.py --cases tf-file,cfn-file --skip-peers

Every case runs each tool `--repeat` times as a fresh process and reports the
median wall time, the ratio peer/ours and peak memory. Output: a Markdown
table (with the date and the machine) on standard output; `--json FILE` also
writes the raw samples. See docs/performance.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import asdict, dataclass, field

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from measure import Sample, run  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_CORPUS = os.path.join(os.path.dirname(REPO), "shared", "corpus")
TF_DIR = "terraform/terraform-aws-modules__terraform-aws-vpc"
CFN_DIR = "cloudformation/aws-cloudformation__aws-cloudformation-templates"
TF_FILE = ("terraform/bridgecrewio__checkov/terraform/graph/checks/resources/"
           "VPCHasRestrictedSG/main.tf")
TF_MODULE_FILE = f"{TF_DIR}/modules/vpc-endpoints/main.tf"
CFN_FILE = f"{CFN_DIR}/EC2/EC2InstanceWithSecurityGroupSample.yaml"
CFN_SUFFIXES = (".yaml", ".yml", ".json", ".template")


@dataclass
class Case:
    key: str
    title: str
    target: str
    """Path relative to the corpus."""
    peer: str | None
    """"checkov", "cfn-lint" or None."""
    cache: str = "off"
    """"off" (--no-cache), "cold" (a fresh cache directory), "warm" (a filled one) or
    "parser" (a fresh cache directory holding only the stored Terraform parser: every run
    but the first after installing; `--no-stored-parser` makes these "off")."""
    goal: float | None = None
    """The speed-up the issue asks for (peer / ours, or cold / warm)."""
    under: float | None = None
    """The wall time (s) ours should stay under."""


CASES = [
    Case("tf-dir", "Terraform VPC module directory (cold)", TF_DIR, "checkov", goal=50),
    Case("cfn-dir", "CloudFormation templates directory (cold)", CFN_DIR, "cfn-lint", goal=50),
    Case("tf-file", "one small .tf file (cold process)", TF_FILE, "checkov", cache="parser",
         goal=10),
    Case("tf-module-file", "one module file with its directory (cold process)", TF_MODULE_FILE,
         "checkov", cache="parser", under=0.15),
    Case("cfn-file", "one small template (cold process)", CFN_FILE, "cfn-lint", goal=10,
         under=0.08),
    Case("corpus-cold", "whole corpus, empty cache", ".", "checkov+cfn-lint", cache="cold"),
    Case("corpus-warm", "whole corpus, warm cache", ".", None, cache="warm", goal=5),
]


@dataclass
class Result:
    case: str
    tool: str
    samples: list[Sample] = field(default_factory=list)
    note: str = ""

    @property
    def median(self) -> float:
        return statistics.median(s.wall for s in self.samples)

    @property
    def cpu(self) -> float:
        return statistics.median(s.cpu for s in self.samples)

    @property
    def max_rss(self) -> float:
        return max(s.max_rss_mb for s in self.samples)

    @property
    def tree_rss(self) -> float:
        return max(s.tree_rss_mb for s in self.samples)


def _default_ours() -> list[str]:
    script = os.path.join(os.path.dirname(sys.executable), "vpcsec-lint")
    return [script] if os.path.exists(script) else [sys.executable, "-m", "vpcsec_lint"]


def _default_cfn_lint() -> str:
    script = os.path.join(os.path.dirname(sys.executable), "cfn-lint")
    return script if os.path.exists(script) else (shutil.which("cfn-lint") or "cfn-lint")


def templates_in(directory: str) -> list[str]:
    """Every template candidate under `directory` (what cfn-lint is given)."""
    out = []
    for root, dirs, files in os.walk(directory):
        dirs.sort()
        out += [os.path.join(root, f) for f in sorted(files) if f.endswith(CFN_SUFFIXES)]
    return out


class Bench:
    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self.ours = args.vpcsec.split() if args.vpcsec else _default_ours()
        self.cache_root = tempfile.mkdtemp(prefix="vpcsec-bench-")
        self.warm_cache = os.path.join(self.cache_root, "warm")
        self.stored_parser: str | None = None
        if args.no_stored_parser:
            for case in CASES:
                case.cache = "off" if case.cache == "parser" else case.cache

    def env(self, cache_dir: str) -> dict[str, str]:
        env = dict(os.environ)
        env["VPCSEC_LINT_CACHE_DIR"] = cache_dir
        return env

    def ours_argv(self, case: Case, target: str) -> list[str]:
        argv = [*self.ours, "--format", "json"]
        if case.cache == "off":
            argv.append("--no-cache")
        if self.args.jobs is not None:
            argv += ["--jobs", str(self.args.jobs)]
        return [*argv, target]

    def peer_argvs(self, case: Case, target: str) -> list[tuple[str, list[str]]]:
        out = []
        is_file = os.path.isfile(target)
        if "checkov" in (case.peer or ""):
            where = ["-f", target] if is_file else ["-d", target]
            frameworks = ["terraform"] if case.key.startswith("tf") else [
                "terraform", "cloudformation"]
            out.append(("checkov", [self.args.checkov, *where, "--framework", *frameworks,
                                    "--skip-download", "-o", "json", "--quiet"]))
        if "cfn-lint" in (case.peer or ""):
            files = [target] if is_file else templates_in(target)
            out.append(("cfn-lint", [self.args.cfn_lint, *files]))
        return out

    def warm_up(self) -> None:
        """One untimed run of each tool on each small file, allowed to write bytecode.

        An installed package has its `.pyc` files (pip compiles them); an
        editable checkout gets them on first use, unless PYTHONDONTWRITEBYTECODE
        is set. Without this, a tool whose bytecode is missing would be timed
        compiling itself. It also warms the file-system cache for every tool.
        """
        env = self.env(tempfile.mkdtemp(dir=self.cache_root))
        env.pop("PYTHONDONTWRITEBYTECODE", None)
        for case in CASES:
            if case.key in ("tf-file", "tf-module-file", "cfn-file"):
                target = os.path.join(self.args.corpus, case.target)
                argvs = [self.ours_argv(case, target)]
                if not self.args.skip_peers:
                    argvs += [a for _tool, a in self.peer_argvs(case, target)
                              if os.path.exists(a[0]) or shutil.which(a[0])]
                for argv in argvs:
                    run(argv, env=env)

    def measure(self, case: Case) -> list[Result]:
        """Each repetition runs ours then each peer, so they share the machine's load."""
        target = os.path.join(self.args.corpus, case.target)
        ours = Result(case.key, "vpcsec-lint")
        run_peers = case.peer and not self.args.skip_peers and (
            not case.key.startswith("corpus") or self.args.peers_on_corpus)
        peers: list[tuple[Result, list[str]]] = []
        for tool, argv in self.peer_argvs(case, target) if run_peers else []:
            found = os.path.exists(argv[0]) or shutil.which(argv[0])
            peers.append((Result(case.key, tool, note="" if found else f"not found: {argv[0]}"),
                          argv if found else []))
        peer_repeat = self.args.repeat if self.args.peer_repeat is None else self.args.peer_repeat
        repeat = self.args.repeat
        if case.key.startswith("corpus") and self.args.corpus_repeat is not None:
            repeat = self.args.corpus_repeat
        for i in range(repeat):
            ours.samples.append(self.run_ours(case, target, i))
            _progress(case, ours.tool, ours.samples[-1])
            for result, argv in peers:
                if argv and i < peer_repeat:
                    result.samples.append(run(argv, env=self.env(self.cache_root)))
                    _progress(case, result.tool, result.samples[-1])
        return [ours, *(r for r, _ in peers)]

    def run_ours(self, case: Case, target: str, i: int) -> Sample:
        argv = self.ours_argv(case, target)
        if case.cache == "warm":
            cache = self.warm_cache
            if i == 0 and not os.path.isdir(cache):  # fill it first, untimed
                run(self.ours_argv(Case("", "", "", None, cache="cold"), target),
                    env=self.env(cache))
        else:
            cache = tempfile.mkdtemp(dir=self.cache_root)
        if case.cache == "parser":
            shutil.copytree(self.parser_directory(target), os.path.join(cache, "parser"))
        sample = run(argv, env=self.env(cache))
        if case.cache == "cold" and not os.path.isdir(self.warm_cache):
            os.rename(cache, self.warm_cache)  # the warm case starts from this run's cache
        elif cache != self.warm_cache:
            shutil.rmtree(cache, ignore_errors=True)
        return sample


    def parser_directory(self, target: str) -> str:
        """The stored Terraform parser, from one untimed run (as a user's first run stores it)."""
        if self.stored_parser is None:
            cache = tempfile.mkdtemp(dir=self.cache_root)
            run([*self.ours, "--format", "json", target], env=self.env(cache))
            self.stored_parser = os.path.join(cache, "parser")
            if not os.path.isdir(self.stored_parser):
                raise SystemExit(f"vpcsec-lint stored no parser in {cache}: is it this version?")
        return self.stored_parser


def _progress(case: Case, tool: str, sample: Sample) -> None:
    print(f"  {case.key:<12} {tool:<12} {sample.wall:8.2f} s  cpu {sample.cpu:7.2f} s  "
          f"{sample.max_rss_mb:6.0f} MiB "
          f"(tree {sample.tree_rss_mb:.0f})  exit {sample.returncode}", file=sys.stderr)


def machine() -> dict[str, str]:
    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as handle:
            names = [ln.split(":", 1)[1].strip() for ln in handle if ln.startswith("model name")]
        cpu = names[0] if names else cpu
    except OSError:
        pass
    load = ", ".join(f"{x:.2f}" for x in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    return {"date": datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC"),
            "cpus": str(os.cpu_count()), "cpu": cpu, "python": platform.python_version(),
            "os": f"{platform.system()} {platform.release()}", "load": load}


def version(argv: list[str]) -> str:
    try:
        out = subprocess.run([*argv, "--version"], capture_output=True, text=True, timeout=120)
    except (OSError, subprocess.TimeoutExpired):
        return "unavailable"
    lines = (out.stdout or out.stderr).strip().splitlines()
    return lines[-1].split()[-1] if lines and lines[-1].split() else "?"


def markdown(results: list[Result], info: dict[str, str], versions: dict[str, str],
             repeat: int) -> str:
    by_case: dict[str, list[Result]] = {}
    for r in results:
        by_case.setdefault(r.case, []).append(r)
    lines = [f"Measured {info['date']} on {info['cpus']} x {info['cpu']}, {info['os']}, "
             f"Python {info['python']} (load average at start {info['load']}); "
             + ", ".join(f"{k} {v}" for k, v in versions.items())
             + "; median of the runs per tool (counts in the raw output).", "",
             "| case | tool | median wall (s) | median CPU (s) | ratio (wall) | goal | "
             "peak RSS, largest process (MiB) | peak RSS, process tree (MiB) |",
             "|---|---|---:|---:|---:|---|---:|---:|"]
    cold = next((r for r in by_case.get("corpus-cold", []) if r.tool == "vpcsec-lint"), None)
    for case in CASES:
        rows = by_case.get(case.key, [])
        ours = next((r for r in rows if r.tool == "vpcsec-lint" and r.samples), None)
        for r in rows:
            if not r.samples:
                lines.append(f"| {case.title} | {r.tool} | — | — | — | {r.note} | — | — |")
                continue
            ratio, goal = "", ""
            if r.tool != "vpcsec-lint" and ours:
                speedup = r.median / ours.median
                ratio = f"{speedup:.1f}x slower than ours (CPU {r.cpu / ours.cpu:.1f}x)"
                if case.goal:
                    goal = f"≥{case.goal:g}x: {'met' if speedup >= case.goal else 'NOT met'}"
            elif case.key == "corpus-warm" and cold and cold.samples:
                speedup = cold.median / r.median
                ratio = f"{speedup:.1f}x faster than cold (CPU {cold.cpu / r.cpu:.1f}x)"
                goal = f"≥{case.goal:g}x: {'met' if speedup >= (case.goal or 0) else 'NOT met'}"
            elif case.key.startswith("corpus"):
                goal = f"< 200 MiB: {'met' if r.tree_rss < 200 else 'NOT met'}"
            elif case.under:
                goal = f"≤{case.under:g} s: {'met' if r.median <= case.under else 'NOT met'}"
            lines.append(f"| {case.title} | {r.tool} ({len(r.samples)} runs) | {r.median:.2f} | "
                         f"{r.cpu:.2f} | {ratio} | "
                         f"{goal} | "
                         f"{r.max_rss:.0f} | {r.tree_rss:.0f} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--corpus", default=DEFAULT_CORPUS, help="the corpus directory")
    parser.add_argument("--repeat", type=int, default=3, help="runs per tool and case")
    parser.add_argument("--peer-repeat", type=int, default=None,
                        help="runs per peer and case (default: --repeat)")
    parser.add_argument("--corpus-repeat", type=int, default=None,
                        help="runs of the whole-corpus cases (default: --repeat)")
    parser.add_argument("--vpcsec", default=None,
                        help="command for vpcsec-lint (default: the one next to this Python)")
    parser.add_argument("--checkov", default=os.environ.get("CHECKOV", "/tmp/ckv/bin/checkov"),
                        help="checkov executable in its own virtualenv (env CHECKOV)")
    parser.add_argument("--cfn-lint", default=_default_cfn_lint(), help="cfn-lint executable")
    parser.add_argument("--jobs", type=int, default=None, help="pass --jobs N to vpcsec-lint")
    parser.add_argument("--cases", default=",".join(c.key for c in CASES),
                        help="comma-separated subset of: " + ", ".join(c.key for c in CASES))
    parser.add_argument("--skip-peers", action="store_true", help="time vpcsec-lint only")
    parser.add_argument("--peers-on-corpus", action="store_true",
                        help="also run checkov and cfn-lint on the whole corpus (slow)")
    parser.add_argument("--json", metavar="FILE", help="also write the raw samples as JSON")
    parser.add_argument("--no-stored-parser", action="store_true",
                        help="time the Terraform cases with --no-cache (python-hcl2 builds "
                             "its parser in every process)")
    parser.add_argument("--no-warm-up", action="store_true",
                        help="skip the untimed first run that writes each tool's bytecode")
    args = parser.parse_args(argv)
    wanted = set(args.cases.split(","))
    unknown = wanted - {c.key for c in CASES}
    if unknown:
        parser.error(f"unknown case(s): {', '.join(sorted(unknown))}")
    bench = Bench(args)
    info = machine()
    versions = {"vpcsec-lint": version(bench.ours)}
    if not args.skip_peers:
        versions["checkov"] = version([args.checkov])
        versions["cfn-lint"] = version([args.cfn_lint])
    results: list[Result] = []
    try:
        if not args.no_warm_up:
            bench.warm_up()
        for case in CASES:
            if case.key in wanted:
                results += bench.measure(case)
    finally:
        shutil.rmtree(bench.cache_root, ignore_errors=True)
    text = markdown(results, info, versions, args.repeat)
    if "corpus-cold" in wanted and (args.skip_peers or not args.peers_on_corpus):
        text += ("\nThe whole corpus is timed for vpcsec-lint only (`--peers-on-corpus` adds "
                 "checkov and cfn-lint, which take many minutes there).\n")
    sys.stdout.write(text)
    if args.json:
        with open(args.json, "w", encoding="utf-8") as handle:
            json.dump({"machine": info, "versions": versions,
                       "results": [{"case": r.case, "tool": r.tool, "note": r.note,
                                    "samples": [asdict(s) for s in r.samples]}
                                   for r in results]}, handle, indent=2)
    return 0


if __name__ == "__main__":
    sys.exit(main())
