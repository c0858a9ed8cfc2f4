"""Property-based tests (hypothesis) on mutations of our own fixtures.

- The linter never raises and no rule fails (no VSL999), whatever the mutation:
  truncation, byte flips, inserted or deleted lines, random intrinsics, random
  attribute values.
- Findings are deterministic: the same input gives the same findings in one
  process, and byte-identical JSON from the CLI across runs and PYTHONHASHSEED values.
- A file linted alone gives the same findings for it as when linted with its directory.

Examples are derandomized (the same ones on every run, so CI is reproducible) and
few, so the module stays fast.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from helpers import FIXTURES, json_report
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from vpcsec_lint.engine import Options, lint_paths
from vpcsec_lint.findings import Finding


def bounded(examples: int) -> settings:
    """Modest, reproducible runs: the same examples every time, no example database."""
    return settings(max_examples=examples, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow])

TF_FILES = sorted(p for p in (FIXTURES / "terraform").rglob("*") if p.is_file())
"""`.tf`, `.tf.json`, and files they read (`file("policies/x.json")`)."""
CFN_FILES = sorted(p for p in (FIXTURES / "cloudformation").rglob("*") if p.is_file()
                   and p.suffix in (".yaml", ".json"))
FILES = TF_FILES + CFN_FILES
LINTABLE = CFN_FILES + [p for p in TF_FILES if p.name.endswith((".tf", ".tf.json"))]

TF_VALUES = [
    'null', '[]', '{}', '-1', '"0.0.0.0/0"', '"::/0"', 'var.nope', 'local.nope', 'each.value',
    'count.index', 'aws_vpc.main.cidr_block', 'aws_vpc.nope.cidr_block', 'module.m.vpc_id',
    'data.aws_vpc.x.cidr_block', 'cidrsubnet("10.0.0.0/16", 8, 1)', 'cidrsubnet(var.x, 300, 1)',
    'true ? "10.0.0.0/8" : 1', '[for x in [1, 2] : x]', '{for k, v in {a = 1} : k => v}',
    'provider::aws::arn_parse("x").account_id', 'jsondecode("{")', 'file("nope")',
    'lookup({}, "a")', '"${var.a}-x"', 'element([], 5)', '1 / 0', 'tolist(1)', '"%{if x}y"',
    'aws_security_group.x[*].id', 'merge(1, 2)', '<<EOF\n${1}\nEOF', '"\\u00e9"', '1e400',
]
CFN_VALUES = [
    '!Ref Nope', '!Ref AWS::NoValue', '!Ref AWS::Region', '!GetAtt A.B', '!GetAtt [Vpc]',
    '!Sub "${X}-${AWS::Region}"', '!Sub ["${A}", {A: !Ref B}]', '!If [C, a, b]', '!If [C]',
    '!Select [5, []]', '!Select [0, !GetAZs ""]', '{"Fn::Bogus": 1}', '!Join ["", [a, !Ref B]]',
    '!FindInMap [M, a, b]', '!Cidr [!GetAtt Vpc.CidrBlock, 3, 8]', '!Split [",", 1]',
    '!ImportValue x', '!Base64 1', '!Condition C', '!Equals [1]', '!Not [!Bogus x]', '[]', '{}',
    'null', '-1', '"0.0.0.0/0"', '10.0.0.0/8', '!Transform {Name: x}', '*nope', '&a [*a]',
    '!Length [1, 2]', '!ToJsonString {a: 1}', '"\\xe9"', '1e400',
]
TF_LINES = ['}', '{', '"', 'resource "aws_security_group" "x" {', 'cidr_blocks = ["0.0.0.0/0"]',
            'count = 0', 'dynamic "ingress" {', 'x = "${', '<<EOF', '# vpcsec-lint: ignore=VSL101',
            'ingress {', 'for_each = {}', 'locals {', 'a = b', '\t']
CFN_LINES = ['  - !Ref', 'Type: 5', '  !GetAtt', '- [', 'Fn::If: [a]', '&a', '*a', '? x', '\t',
             'Resources: []', '    Type: AWS::EC2::SecurityGroupIngress', '  X:', '---', '%YAML',
             '      CidrIp: !GetAtt Vpc.CidrBlock', 'Conditions: {C: !Equals [1, 1]}']


@dataclass(frozen=True)
class Mutation:
    """One edit of one fixture file; `apply` is pure, so examples shrink and replay."""

    kind: str
    where: float
    payload: str = ""
    flip: int = 1

    def apply(self, data: bytes, cfn: bool) -> bytes:
        if self.kind == "truncate":
            return data[: int(len(data) * self.where)]
        if self.kind == "flip":
            if not data:
                return data
            i = min(int(len(data) * self.where), len(data) - 1)
            return data[:i] + bytes([data[i] ^ self.flip]) + data[i + 1:]
        lines = data.decode("utf-8", "replace").split("\n")
        i = min(int(len(lines) * self.where), len(lines) - 1)
        if self.kind == "insert":
            lines.insert(i, self.payload)
        elif self.kind == "delete":
            del lines[i]
        else:  # "value": a new right-hand side for the nearest attribute line below
            separator = ": " if cfn else " = "
            for j in [*range(i, len(lines)), *range(0, i)]:
                if separator in lines[j] and not lines[j].lstrip().startswith("#"):
                    head = lines[j].split(separator, 1)[0]
                    lines[j] = head + separator + self.payload
                    break
        return "\n".join(lines).encode("utf-8")


def mutations(cfn: bool) -> st.SearchStrategy[Mutation]:
    where = st.floats(0, 1, allow_nan=False)
    values = CFN_VALUES if cfn else TF_VALUES
    lines = CFN_LINES if cfn else TF_LINES
    return st.one_of(
        st.builds(Mutation, st.just("truncate"), where),
        st.builds(Mutation, st.just("flip"), where, flip=st.integers(1, 255)),
        st.builds(Mutation, st.just("insert"), where, st.sampled_from(lines)),
        st.builds(Mutation, st.just("delete"), where),
        st.builds(Mutation, st.just("value"), where, st.sampled_from(values)),
    )


def mapping_syntax(path: Path) -> bool:
    """YAML and JSON files take `key: value` edits; HCL takes `name = value`."""
    return path.suffix in (".yaml", ".json")


@st.composite
def mutated_fixture(draw: st.DrawFn, files: list[Path] = FILES) -> tuple[Path, list[Mutation]]:
    source = draw(st.sampled_from(files))
    return source, draw(st.lists(mutations(mapping_syntax(source)), min_size=1, max_size=3))


def case_directory(source: Path) -> Path:
    """The fixture case a file belongs to: a Terraform case with its child modules and
    the files it reads, or just the template's own directory."""
    relative = source.relative_to(FIXTURES)
    if relative.parts[0] == "terraform":
        return FIXTURES.joinpath(*relative.parts[:3])
    return source.parent


def materialise(root: Path, source: Path, edits: list[Mutation]) -> Path:
    """Copy the fixture's case (its context) under `root` and mutate the file there."""
    case = case_directory(source)
    target_case = root / case.relative_to(FIXTURES)
    if source in CFN_FILES:
        target_case.mkdir(parents=True, exist_ok=True)  # a template alone
    else:
        shutil.copytree(case, target_case, dirs_exist_ok=True)
    data = source.read_bytes()
    for edit in edits:
        data = edit.apply(data, cfn=mapping_syntax(source))
    target = root / source.relative_to(FIXTURES)
    target.write_bytes(data)
    return target


def key(f: Finding) -> tuple:
    return (f.rule_id, f.loc.path, f.loc.line, f.loc.column, f.loc.end_line, f.loc.end_column,
            f.resource, f.message, f.framework, f.suppressed,
            tuple((r.loc.path, r.loc.line, r.message) for r in f.related))


def lint(*paths: str) -> list[tuple]:
    report = lint_paths(list(paths), Options(jobs=1), use_cache=False)
    return [key(f) for f in report.findings]


@bounded(150)
@given(mutated_fixture())
def test_mutations_never_make_the_linter_raise(case: tuple[Path, list[Mutation]]) -> None:
    source, edits = case
    with tempfile.TemporaryDirectory() as tmp:
        materialise(Path(tmp), source, edits)
        where = Path(tmp) / case_directory(source).relative_to(FIXTURES)
        first = lint(str(where))
        assert not [f for f in first if f[0] == "VSL999"], first
        assert lint(str(where)) == first  # deterministic within one process


@bounded(60)
@given(mutated_fixture(LINTABLE))
def test_a_file_alone_and_in_its_directory_gives_the_same_findings(
        case: tuple[Path, list[Mutation]]) -> None:
    source, edits = case
    with tempfile.TemporaryDirectory() as tmp:
        target = materialise(Path(tmp), source, edits)
        alone = lint(str(target))
        in_directory = lint(str(target.parent))
    path = str(target)
    # CLI.md: a named .tf file reports findings located, or with a related location, in it.
    mine = [f for f in in_directory if f[1] == path or any(r[0] == path for r in f[10])]
    assert alone == mine


@bounded(3)
@given(st.lists(mutated_fixture(), min_size=4, max_size=6))
def test_cli_json_is_byte_identical_across_runs_and_hash_seeds(
        cases: list[tuple[Path, list[Mutation]]]) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        for n, (source, edits) in enumerate(cases):
            materialise(Path(tmp) / f"case{n}", source, edits)
        outputs = set()
        for seed in ("0", "1", "4242", "0"):
            proc = subprocess.run(
                [sys.executable, "-m", "vpcsec_lint", "--format", "json", "--no-cache", "."],
                cwd=tmp, capture_output=True, timeout=600,
                env={**os.environ, "PYTHONHASHSEED": seed})
            assert proc.returncode in (0, 1), proc.stderr
            json_report(proc.stdout.decode("utf-8"))
            outputs.add(proc.stdout)
    assert len(outputs) == 1
