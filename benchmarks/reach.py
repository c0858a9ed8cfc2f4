"""What reachability (the VSL6 rules) costs, and how fast one `reach --from/--to` answer is.

    python benchmarks/reach.py                    # tf-dir, the whole corpus, answers
    python benchmarks/reach.py --repeat 5 --cases tf-dir,answers

- `tf-dir`, `corpus`: `vpcsec-lint --no-cache --jobs 1` with every rule, and with
  `--ignore VSL6` (every rule but the reachability ones), alternated `--repeat` times
  as fresh processes; medians of wall and CPU time and their ratio (goal: at most 1.3x).
- `rules`: in one process, every rule on already-loaded units, with and without VSL6
  (what a language-server save costs once the buffer is parsed).
- `answers`: in one process, a loaded model (the corpus's VPC module directory and the
  bundled example applications); every workload -> target question of them is answered
  (`Session.resolve` + `evaluate`) `--repeat` times; the median and worst time of one
  answer (goal: at most 20 ms).

Run it (and the language server's `benchmarks/lsp_latency.py`) on a quiet machine;
`run.py` calls it with `--reach`. See docs/performance.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from measure import run  # noqa: E402

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
DEFAULT_CORPUS = os.path.join(os.path.dirname(REPO), "shared", "corpus")
TF_DIR = "terraform/terraform-aws-modules__terraform-aws-vpc"
EXAMPLES = [os.path.join(REPO, "fixtures", "terraform", "examples"),
            os.path.join(REPO, "fixtures", "terraform", "reach")]


def lint_overhead(args: argparse.Namespace, target: str, label: str) -> str:
    base = [sys.executable, "-m", "vpcsec_lint", "--no-cache", "--jobs", "1",
            "--format", "json"]
    samples: dict[str, list] = {"with VSL6": [], "without VSL6": []}
    if not os.path.exists(target):
        raise SystemExit(f"no such corpus path: {target} (give --corpus)")
    for _ in range(args.repeat):
        samples["with VSL6"].append(run([*base, target]))
        samples["without VSL6"].append(run([*base, "--ignore", "VSL6", target]))
    if any(s.returncode not in (0, 1) for v in samples.values() for s in v):
        raise SystemExit(f"vpcsec-lint failed on {target}")
    wall = {k: statistics.median(s.wall for s in v) for k, v in samples.items()}
    cpu = {k: statistics.median(s.cpu for s in v) for k, v in samples.items()}
    ratio_wall = wall["with VSL6"] / wall["without VSL6"]
    ratio_cpu = cpu["with VSL6"] / cpu["without VSL6"]
    status = "met" if ratio_cpu <= 1.3 else "NOT met"
    return (f"| {label} | {wall['with VSL6']:.2f} / {wall['without VSL6']:.2f} | "
            f"{cpu['with VSL6']:.2f} / {cpu['without VSL6']:.2f} | {ratio_wall:.2f}x | "
            f"{ratio_cpu:.2f}x | ≤1.3x: {status} |")


def answers(args: argparse.Namespace, targets: list[str]) -> str:
    sys.path.insert(0, REPO)
    from vpcsec_lint.reach.paths import evaluate
    from vpcsec_lint.reach.session import load_models, places

    times: list[float] = []
    questions = 0
    for target in targets:
        analysed = load_models([target])
        for model in analysed.models:
            found = places(model)
            sources = [p for p in found.values() if p.kind in ("lambda", "instance", "task")]
            ends = [p for p in found.values() if isinstance(p.port, int)]
            for source in sources:
                for end in [*ends, "aws:s3", "aws:secretsmanager"]:
                    name = end if isinstance(end, str) else end.resource
                    questions += 1
                    for _ in range(args.repeat):
                        start = time.perf_counter()
                        analysed.find(source.resource)
                        analysed.find(name)
                        port = 443 if isinstance(end, str) else end.port
                        evaluate(model, source, end, port)
                        times.append(time.perf_counter() - start)
    if not times:
        return "| one answer | no questions found | | |"
    median, worst = statistics.median(times) * 1000, max(times) * 1000
    status = "met" if median <= 20 else "NOT met"
    return (f"| one `--from/--to` answer ({questions} questions x {args.repeat}) | "
            f"median {median:.2f} ms | worst {worst:.2f} ms | ≤20 ms: {status} |")


def rule_cost(args: argparse.Namespace, targets: list[str]) -> list[str]:
    """In one process, the time of all rules on loaded units with and without VSL6: what
    the language server spends on a save once the buffer is parsed."""
    sys.path.insert(0, REPO)
    from vpcsec_lint.discovery import collect
    from vpcsec_lint.options import Options
    from vpcsec_lint.session import Session

    every = Session(Options())
    without = Session(Options(ignore={r.id for r in every.rules if r.id.startswith("VSL6")}))
    rows = []
    for target in targets:
        units = [u for u, _ in every.units(collect([target], None))]
        medians = []
        for session in (every, without):
            times = []
            for _ in range(max(args.repeat, 5)):
                start = time.perf_counter()
                for unit in units:
                    unit.notices = []
                    session.lint_unit(unit)
                times.append(time.perf_counter() - start)
            medians.append(statistics.median(times) * 1000)
        name = os.path.relpath(target, REPO) if target.startswith(REPO) else \
            os.path.basename(target)
        rows.append(f"| rules on `{name}` ({len(units)} units) | {medians[0]:.1f} ms | "
                    f"{medians[1]:.1f} ms | {medians[0] / medians[1]:.2f}x |")
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--corpus", default=DEFAULT_CORPUS)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--cases", default="tf-dir,corpus,answers,rules")
    args = parser.parse_args(argv)
    cases = set(args.cases.split(","))
    print("| case | wall with / without (s) | CPU with / without (s) | ratio wall | "
          "ratio CPU | goal |")
    print("|---|---:|---:|---:|---:|---|")
    if "tf-dir" in cases:
        print(lint_overhead(args, os.path.join(args.corpus, TF_DIR), "`tf-dir`"), flush=True)
    if "corpus" in cases:
        print(lint_overhead(args, args.corpus, "whole corpus"), flush=True)
    if "answers" in cases:
        print()
        print("| case | median | worst | goal |")
        print("|---|---:|---:|---|")
        print(answers(args, [os.path.join(args.corpus, TF_DIR), *EXAMPLES]))
    if "rules" in cases:
        print()
        print("| case | all rules | without VSL6 | ratio |")
        print("|---|---:|---:|---:|")
        for row in rule_cost(args, [os.path.join(args.corpus, TF_DIR), *EXAMPLES]):
            print(row)
    return 0


if __name__ == "__main__":
    sys.exit(main())
