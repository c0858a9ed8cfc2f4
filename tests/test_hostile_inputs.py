"""Hostile and broken inputs: never a crash, a clear VSL000, and the other files still analysed.

Every test lints a project that holds the VSL101 `fire` fixtures of both frameworks
(`good/`, `good.yaml`) next to the hostile input, through the real CLI, and checks
the exact findings: the good files' findings are unchanged and the hostile file
gets exactly the VSL000 (or the findings) it should.

Every test runs twice: with `--no-cache`, and with the cache on (a cache
directory of its own, files dated an hour back so that entries are written,
and two runs that must report the same: the first writes, the second reads).
"""

from __future__ import annotations

import json
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import pytest
from helpers import FIXTURES, VPC_AND_DB_SG_TF, json_report

TF_FIRE = FIXTURES / "terraform" / "VSL101" / "fire"
CFN_FIRE = FIXTURES / "cloudformation" / "VSL101" / "fire.yaml"
MEMORY_LIMIT = 1024 * 1024 * 1024
"""Address space of a linter run fed a bomb or a huge file: exceeding it is a MemoryError."""
CPU_LIMIT = 120
"""CPU seconds of such a run: exceeding it kills the run, and the test fails."""

Triple = tuple[str, "str | None", str, int]


@dataclass
class Run:
    status: int
    stderr: str
    findings: list[dict]
    files: int
    output: str
    """The report as printed, when it is not the JSON one."""

    @property
    def triples(self) -> set[Triple]:
        return {(f["rule_id"], f["resource"], f["path"], f["line"]) for f in self.findings}

    def messages(self, path: str) -> list[str]:
        return [f["message"] for f in self.findings if f["path"] == path]


def _limits() -> None:
    resource.setrlimit(resource.RLIMIT_AS, (MEMORY_LIMIT, MEMORY_LIMIT))
    resource.setrlimit(resource.RLIMIT_CPU, (CPU_LIMIT, CPU_LIMIT))


_CACHE = {"on": False}
"""Whether `lint` runs with the cache (set per test by `cache_mode`)."""


@pytest.fixture(autouse=True, params=["no-cache", "cache"])
def cache_mode(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory,
               monkeypatch: pytest.MonkeyPatch) -> str:
    """Each test uncached, then cached in a cache directory of its own."""
    monkeypatch.setenv("VPCSEC_LINT_CACHE_DIR", str(tmp_path_factory.mktemp("cache")))
    monkeypatch.setitem(_CACHE, "on", request.param == "cache")
    return request.param


def age(root: Path) -> None:
    """Date every file under `root` an hour back: the cache does not store a unit whose
    files changed within the last two seconds."""
    past = time.time() - 3600
    for directory, dirs, files in os.walk(root):
        for name in dirs + files:
            os.utime(os.path.join(directory, name), (past, past), follow_symlinks=False)


def lint(root: Path, *paths: str, bounded: bool = False,
         preexec: Callable[[], None] | None = None, args: tuple[str, ...] = (),
         fmt: str = "json") -> Run:
    """`vpcsec-lint --format json --select VSL101 PATHS` in `root` (default PATH: `.`).

    With the cache on, the run is made twice and both must print the same.
    """
    command = [sys.executable, "-m", "vpcsec_lint", "--format", fmt, "--select", "VSL101",
               *args, *(paths or (".",))]
    if not _CACHE["on"]:
        command.insert(3, "--no-cache")
    else:
        age(root)
    runs = []
    for _ in range(2 if _CACHE["on"] else 1):
        proc = subprocess.run(command, cwd=root, capture_output=True, timeout=300,
                              preexec_fn=_limits if bounded else preexec)
        stderr = proc.stderr.decode("utf-8")
        assert "Traceback" not in stderr, stderr
        assert proc.returncode in (0, 1), stderr
        runs.append((proc.returncode, proc.stdout))
    if _CACHE["on"]:
        entries = Path(os.environ["VPCSEC_LINT_CACHE_DIR"]) / "unit"
        assert any(entries.glob("*/*.pickle")), "nothing was cached: the test proves nothing"
    assert all(run == runs[0] for run in runs), "the cached run reported something else"
    status, stdout = runs[-1]
    if fmt != "json":
        return Run(status, stderr, [], 0, stdout.decode("utf-8"))
    doc = json_report(stdout.decode("utf-8"))
    return Run(status, stderr, doc["findings"], doc["summary"]["files"], "")


def project(root: Path) -> Path:
    """The good files every test keeps beside its hostile input."""
    shutil.copytree(TF_FIRE, root / "good")
    shutil.copy(CFN_FIRE, root / "good.yaml")
    return root


@pytest.fixture(scope="module")
def good(tmp_path_factory: pytest.TempPathFactory) -> set[Triple]:
    """The findings of the good files alone (2 .tf files + 1 template)."""
    run = lint(project(tmp_path_factory.mktemp("good")))
    assert run.files == 3
    assert len(run.triples) == 11 and {t[0] for t in run.triples} == {"VSL101"}
    return run.triples


def vsl000(path: str, line: int = 1) -> Triple:
    return ("VSL000", None, path, line)


def tf_text() -> str:
    return (TF_FIRE / "groups.tf").read_text()


def cfn_text() -> str:
    return CFN_FIRE.read_text()


# -- Malformed and truncated files ----------------------------------------------------


def test_malformed_hcl_yaml_json(tmp_path: Path, good: set[Triple]) -> None:
    root = project(tmp_path)
    (root / "bad").mkdir()
    (root / "bad" / "main.tf").write_text('resource "aws_vpc" "x" {\n  cidr_block = = 1\n}\n')
    (root / "bad.yaml").write_text("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n"
                                   "  A: [1, 2\n  B: {\n")
    (root / "bad.json").write_text('{"AWSTemplateFormatVersion": "2010-09-09",\n'
                                   ' "Resources": {"A": {"Type" "AWS::EC2::VPC"}}}\n')
    (root / "notes.yaml").write_text("this: is: not: yaml: [\n")  # not a template: skipped
    run = lint(root)
    assert run.triples == good | {vsl000("bad/main.tf", 2), vsl000("bad.yaml", 4),
                                  vsl000("bad.json", 2)}
    assert run.messages("bad/main.tf") == [
        "Cannot analyse this file: invalid HCL: unexpected '='."]
    assert run.messages("bad.yaml") == [
        "Cannot analyse this file: invalid YAML: did not find expected ',' or ']' "
        "(in the flow sequence that starts at line 3)."]
    assert run.messages("bad.json")[0].startswith("Cannot analyse this file: invalid JSON: ")
    assert run.files == 3 + 3


def test_control_characters(tmp_path: Path, good: set[Triple]) -> None:
    root = project(tmp_path)
    (root / "ctrl.yaml").write_text(cfn_text().replace("GroupDescription: database",
                                                       "GroupDescription: data\x01base"))
    (root / "ctrl").mkdir()
    (root / "ctrl" / "main.tf").write_text('x = 1\n\x1b[31m = 2\n')
    run = lint(root)
    assert run.triples == good | {vsl000("ctrl.yaml", 25), vsl000("ctrl/main.tf", 2)}
    assert run.messages("ctrl.yaml") == [
        "Cannot analyse this file: invalid YAML: character U+0001 is not allowed."]
    assert [f["column"] for f in run.findings if f["path"] == "ctrl.yaml"] == [29]
    assert run.messages("ctrl/main.tf") == [
        "Cannot analyse this file: invalid HCL: unexpected character '\\x1b'."]


@pytest.mark.parametrize("cut", [0.25, 0.5, 0.9])
def test_truncated_files(tmp_path: Path, good: set[Triple], cut: float) -> None:
    root = project(tmp_path)
    (root / "cut").mkdir()
    tf, cfn = tf_text(), cfn_text()
    (root / "cut" / "groups.tf").write_text(tf[: int(len(tf) * cut)])
    (root / "cut.yaml").write_text(cfn[: int(len(cfn) * cut)])
    json_doc = json.dumps({"AWSTemplateFormatVersion": "2010-09-09", "Resources": {
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}}}},
        indent=1)
    (root / "cut.json").write_text(json_doc[: int(len(json_doc) * cut)])
    run = lint(root)
    extra = run.triples - good
    assert good <= run.triples
    # A truncated .tf or JSON file never parses; cut YAML may still be a valid template.
    assert {t for t in extra if t[2] != "cut.yaml"} == {
        vsl000("cut/groups.tf", t[3]) for t in extra if t[2] == "cut/groups.tf"} | {
        vsl000("cut.json", t[3]) for t in extra if t[2] == "cut.json"}
    assert {t[2] for t in extra if t[0] == "VSL000"} >= {"cut/groups.tf", "cut.json"}
    tf_message = run.messages("cut/groups.tf")[0]
    assert "never closed" in tf_message or "unexpected end of file" in tf_message


# -- Binary data and encodings ------------------------------------------------------


def test_random_binary_files_walked_and_named(tmp_path: Path, good: set[Triple]) -> None:
    root = project(tmp_path)
    noise = bytes((i * 7919 + 13) % 256 for i in range(4096))  # fixed "random" bytes, with NULs
    (root / "blob").mkdir()
    (root / "blob" / "main.tf").write_bytes(noise)
    (root / "blob.yaml").write_bytes(noise)
    walked = lint(root)
    # A .tf file is always ours; a .yaml that is not visibly a template is skipped.
    assert walked.triples == good | {vsl000("blob/main.tf")}
    assert walked.messages("blob/main.tf") == [
        "Cannot analyse this file: binary data, not a text file."]
    # Named, the same: pre-commit names every .yaml it stages, template or not.
    named = lint(root, "good", "good.yaml", "blob/main.tf", "blob.yaml")
    assert named.triples == walked.triples
    # Undecodable data that visibly is a template is reported, walked or named.
    (root / "blob.yaml").write_bytes(b"AWSTemplateFormatVersion: '2010-09-09'\n" + noise)
    assert lint(root).triples == lint(root, "good", "good.yaml", "blob/main.tf",
                                      "blob.yaml").triples == walked.triples | {
        vsl000("blob.yaml")}


def test_invalid_utf8_and_utf16(tmp_path: Path, good: set[Triple]) -> None:
    root = project(tmp_path)
    for name in ("latin1", "utf16", "utf16_bad", "utf16_nobom"):
        (root / name).mkdir()
    tf = tf_text()
    (root / "latin1" / "main.tf").write_bytes(
        tf.replace('name   = "db"', 'name   = "d\u00e9"').encode("latin-1"))
    (root / "latin1.yaml").write_bytes(cfn_text().replace("database", "caf\u00e9").encode(
        "latin-1"))
    for path in TF_FIRE.iterdir():  # with a BOM: readable
        (root / "utf16" / path.name).write_text(path.read_text(), encoding="utf-16")
    (root / "utf16_bad" / "main.tf").write_bytes("x = 1\n".encode("utf-16") + b"\x00\xd8a\x00")
    (root / "utf16_nobom" / "main.tf").write_bytes("x = 1\n".encode("utf-16-le"))
    run = lint(root)
    utf16 = {(r, res, "utf16/groups.tf", line) for r, res, p, line in good
             if p == "good/groups.tf"}
    assert run.triples == good | utf16 | {vsl000("latin1/main.tf", 3), vsl000("latin1.yaml", 25),
                                  vsl000("utf16_bad/main.tf"), vsl000("utf16_nobom/main.tf")}
    assert run.messages("latin1/main.tf") == [
        "Cannot analyse this file: invalid UTF-8 at line 3, column 14 (byte 104); "
        "save the file as UTF-8."]
    assert run.messages("utf16_bad/main.tf") == [
        "Cannot analyse this file: invalid UTF-16 at byte 14."]
    assert run.messages("utf16_nobom/main.tf") == [
        "Cannot analyse this file: UTF-16 text without a byte-order mark; save it as UTF-8."]


def test_undecodable_standard_input(tmp_path: Path, good: set[Triple]) -> None:
    # Editors pipe unsaved buffers in; a strict locale once made this a UnicodeDecodeError.
    root = project(tmp_path)
    buffer = tf_text().replace('name   = "db"', 'name   = "d\xe9"').encode("latin-1")
    proc = subprocess.run(
        [sys.executable, "-m", "vpcsec_lint", "--format", "json", "--no-cache", "--select",
         "VSL101", "--stdin-filename", "good/groups.tf"],
        cwd=root, input=buffer, capture_output=True, timeout=600,
        env={**os.environ, "PYTHONIOENCODING": "utf-8:strict"})
    assert b"Traceback" not in proc.stderr and proc.returncode == 1, proc.stderr
    findings = json_report(proc.stdout)["findings"]
    assert {(f["rule_id"], f["resource"], f["path"], f["line"]) for f in findings} == {
        t for t in good if t[2] == "good/groups.tf"}


def test_utf8_bom_changes_nothing(tmp_path: Path, good: set[Triple]) -> None:
    root = tmp_path
    shutil.copytree(TF_FIRE, root / "good")
    for path in (root / "good").iterdir():
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    (root / "good.yaml").write_bytes(b"\xef\xbb\xbf" + CFN_FIRE.read_bytes())
    run = lint(root)
    assert run.triples == good


def test_crlf_line_endings_keep_exact_locations(tmp_path: Path) -> None:
    lf = project(tmp_path / "lf")
    json_template = json.dumps({"AWSTemplateFormatVersion": "2010-09-09", "Resources": {
        "Vpc": {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.0.0.0/16"}},
        "Sg": {"Type": "AWS::EC2::SecurityGroup", "Properties": {
            "GroupDescription": "x", "VpcId": {"Ref": "Vpc"}, "SecurityGroupIngress": [
                {"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                 "CidrIp": {"Fn::GetAtt": ["Vpc", "CidrBlock"]}}]}}}}, indent=2)
    (lf / "t.json").write_text(json_template + "\n")
    crlf = tmp_path / "crlf"
    shutil.copytree(lf, crlf)
    for path in crlf.rglob("*.*"):
        path.write_bytes(path.read_bytes().replace(b"\n", b"\r\n"))
    assert b"\r\n" in (crlf / "good" / "groups.tf").read_bytes()
    spans = [[(f["path"], f["line"], f["column"], f["end_line"], f["end_column"],
               [(r["path"], r["line"]) for r in f["related"]]) for f in lint(root).findings]
             for root in (lf, crlf)]
    assert spans[0] == spans[1]
    assert len(spans[0]) == 12  # 11 from the fixtures, 1 from t.json


def test_empty_files(tmp_path: Path, good: set[Triple]) -> None:
    root = project(tmp_path)
    (root / "empty").mkdir()
    for name in ("empty/main.tf", "empty/more.tf.json", "empty.yaml", "empty.json",
                 "empty.template"):
        (root / name).write_bytes(b"")
    run = lint(root)
    assert run.triples == good
    assert run.files == 3 + 2  # the two Terraform files are read; empty YAML/JSON is not ours
    assert lint(root, "empty/main.tf", "empty.yaml").findings == []


# -- The file system ----------------------------------------------------------------


def test_directory_named_like_a_tf_file(tmp_path: Path, good: set[Triple]) -> None:
    root = project(tmp_path)
    (root / "mod" / "x.tf").mkdir(parents=True)
    (root / "mod" / "x.tf" / "inner.txt").write_text("not terraform")
    (root / "dir.yaml").mkdir()
    run = lint(root)
    assert run.triples == good | {vsl000("mod/x.tf")}
    assert run.messages("mod/x.tf") == [
        "Cannot analyse this file: is a directory, not a file."]


def test_fifo_named_like_a_tf_file_does_not_block(tmp_path: Path, good: set[Triple]) -> None:
    root = project(tmp_path)
    (root / "pipe").mkdir()
    os.mkfifo(root / "pipe" / "main.tf")
    run = lint(root)
    assert run.triples == good | {vsl000("pipe/main.tf")}
    assert run.messages("pipe/main.tf") == [
        "Cannot analyse this file: is not a regular file (a FIFO, socket or device)."]


def test_symlink_loops_and_links_outside_are_not_followed(tmp_path: Path,
                                                          good: set[Triple]) -> None:
    outside = project(tmp_path / "outside")  # would add findings if it were followed
    root = project(tmp_path / "root")
    (root / "loop").symlink_to("loop")
    (root / "good" / "self").symlink_to(".")
    (root / "up").symlink_to("..")
    (root / "elsewhere").symlink_to(outside)
    (root / "good" / "linked.tf").symlink_to(outside / "good" / "groups.tf")
    (root / "linked.yaml").symlink_to(outside / "good.yaml")
    run = lint(root)
    assert run.triples == good
    assert run.files == 3
    # A symlink named on the command line is followed; a loop cannot be read.
    named = lint(root, "linked.yaml", "loop")
    assert named.triples == {(r, res, "linked.yaml", line)
                             for r, res, p, line in good if p == "good.yaml"} | {
        vsl000("loop")}
    assert named.messages("loop") == [
        "Cannot analyse this file: cannot be read: Too many levels of symbolic links."]


CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH = 1, 2


def _drop_file_permission_override() -> None:
    """In the child: stay root, but lose (for good, across exec) the capabilities that
    bypass file permissions."""
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)
    for cap in (CAP_DAC_OVERRIDE, CAP_DAC_READ_SEARCH):
        if libc.prctl(24, cap, 0, 0, 0) != 0:  # PR_CAPBSET_DROP
            raise OSError(ctypes.get_errno(), "prctl(PR_CAPBSET_DROP)")


def test_unreadable_files(good: set[Triple]) -> None:
    # Root reads files whatever their permissions: as root (CI), the linter runs without
    # the capabilities that allow that. A directory that cannot be listed is not entered.
    demote = _drop_file_permission_override if os.geteuid() == 0 else None
    root = Path(tempfile.mkdtemp(prefix="vpcsec-unreadable-"))
    try:
        if demote is not None:
            try:
                probe = subprocess.run([sys.executable, "-c", "import vpcsec_lint"], cwd=root,
                                       capture_output=True, preexec_fn=demote).returncode
            except (OSError, subprocess.SubprocessError):
                probe = -1
            if probe != 0:
                pytest.skip("running as root without a way to drop CAP_DAC_OVERRIDE, so "
                            "file permissions cannot be tested")
        project(root)
        (root / "locked").mkdir()
        (root / "locked" / "main.tf").write_text(tf_text())
        (root / "locked.yaml").write_text(cfn_text())
        (root / "closed").mkdir()
        (root / "closed" / "main.tf").write_text(tf_text())
        os.chmod(root / "locked" / "main.tf", 0)
        os.chmod(root / "locked.yaml", 0)
        os.chmod(root / "closed", 0)  # a directory that cannot be listed
        run = lint(root, preexec=demote)
        assert run.triples == good | {vsl000("locked/main.tf"), vsl000("locked.yaml")}
        assert run.messages("locked.yaml") == [
            "Cannot analyse this file: cannot be read: permission denied."]
        assert run.messages("locked/main.tf") == run.messages("locked.yaml")
    finally:
        os.chmod(root / "closed", 0o755) if (root / "closed").exists() else None
        shutil.rmtree(root)


# -- Bombs, code execution, depth, size -----------------------------------------------


def test_yaml_alias_bomb_is_refused_within_bounds(tmp_path: Path, good: set[Triple]) -> None:
    root = project(tmp_path)
    lines = ["AWSTemplateFormatVersion: '2010-09-09'", 'a0: &a0 ["lol", "lol", "lol", "lol", '
             '"lol", "lol", "lol", "lol", "lol", "lol"]']
    for level in range(1, 10):
        lines.append(f"a{level}: &a{level} [" + ", ".join([f"*a{level - 1}"] * 10) + "]")
    lines.append("Resources: {}")
    (root / "bomb.yaml").write_text("\n".join(lines) + "\n")  # 10**10 strings if expanded
    run = lint(root, bounded=True)
    assert run.triples == good | {vsl000("bomb.yaml", 6)}
    assert run.messages("bomb.yaml") == [
        "Cannot analyse this file: aliases expand to more than 100,000 values "
        "(a YAML alias bomb?)."]


def test_python_tags_never_execute(tmp_path: Path, good: set[Triple]) -> None:
    root = project(tmp_path)
    marker = tmp_path / "MARKER"
    payload = [
        f"  A: !!python/object/apply:os.system ['touch {marker}']",
        f"  B: !!python/object/apply:subprocess.call [['touch', '{marker}']]",
        f"  C: !!python/object/new:subprocess.Popen [['touch', '{marker}']]",
        "  D: !!python/name:os.system",
        "  E: !!python/module:os",
    ]
    text = cfn_text().replace("Resources:\n", "Metadata:\n" + "\n".join(payload) + "\nResources:\n")
    (root / "good.yaml").write_text(text)
    run = lint(root)
    assert not marker.exists()
    shift = len(payload) + 1
    assert run.triples == {(r, res, p, line + shift if p == "good.yaml" else line)
                           for r, res, p, line in good}


@pytest.mark.parametrize(("name", "depth"), [
    ("deep.json", 50_000), ("deep.yaml", 50_000), ("deep/main.tf.json", 50_000),
    # Deeper than we analyse, shallower than the YAML parser's own limit: this one used to
    # exhaust the recursion of the Terraform JSON reader and crash the whole run.
    ("deep/main.tf.json", 500), ("deep.yaml", 500)])
def test_deep_nesting(tmp_path: Path, good: set[Triple], name: str, depth: int) -> None:
    root = project(tmp_path)
    if name.endswith(".json"):
        text = ('{"AWSTemplateFormatVersion": "2010-09-09", "Resources": {"X": '
                + "[" * depth + "]" * depth + "}}\n")
    else:
        text = "AWSTemplateFormatVersion: '2010-09-09'\nResources:\n  X: " + \
            "{a: " * depth + "1" + "}" * depth + "\n"
    (root / name).parent.mkdir(exist_ok=True)
    (root / name).write_text(text)
    run = lint(root, bounded=True)
    line = 3 if name == "deep.yaml" else 1
    assert run.triples == good | {vsl000(name, line)}
    # Whichever limit comes first: ours (200 levels) or the YAML parser's (1,000).
    kind = "YAML" if name.endswith(".yaml") else "JSON"
    assert run.messages(name)[0] in (
        f"Cannot analyse this file: invalid {kind}: nested too deeply to analyse.",
        "Cannot analyse this file: nested too deeply to analyse (more than 200 levels).")
    assert len(run.messages(name)) == 1


def test_very_large_files_are_refused_with_bounded_memory(tmp_path: Path,
                                                          good: set[Triple]) -> None:
    from vpcsec_lint.sources import MAX_FILE_BYTES

    root = project(tmp_path)
    size = 20 * 1024 * 1024
    block = 'resource "aws_vpc" "v%d" {\n  cidr_block = "10.0.0.0/16"\n}\n'
    (root / "big").mkdir()
    with open(root / "big" / "main.tf", "w") as handle:
        written, i = 0, 0
        while written < size:
            written += handle.write(block % i)
            i += 1
    with open(root / "big.yaml", "w") as handle:
        handle.write("AWSTemplateFormatVersion: '2010-09-09'\nResources:\n")
        handle.write("  Vpc:\n    Type: AWS::EC2::VPC\n" * (size // 30))
    assert os.path.getsize(root / "big.yaml") > size > MAX_FILE_BYTES
    run = lint(root, bounded=True)
    assert run.triples == good | {vsl000("big/main.tf"), vsl000("big.yaml")}
    assert run.messages("big.yaml") == [
        "Cannot analyse this file: larger than the 5 MiB limit for one file; "
        "exclude it or split it."]


def test_dense_document_under_the_size_limit_stays_bounded(tmp_path: Path,
                                                          good: set[Triple]) -> None:
    root = project(tmp_path)
    items = ",".join(["1"] * 2_000_000)  # 4 MB: under the file limit, 2 million values
    (root / "dense.json").write_text('{"AWSTemplateFormatVersion": "2010-09-09", '
                                     f'"Metadata": [{items}], "Resources": {{}}}}\n')
    run = lint(root, bounded=True)
    assert run.triples == good | {vsl000("dense.json")}
    assert run.messages("dense.json") == [
        "Cannot analyse this file: document has more than 500,000 values; too large to "
        "analyse."]


# -- CloudFormation oddities --------------------------------------------------------


def test_unknown_tags_and_intrinsics(tmp_path: Path, good: set[Triple]) -> None:
    root = project(tmp_path)
    (root / "odd.yaml").write_text("""\
AWSTemplateFormatVersion: "2010-09-09"
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: !Bogus 10.0.0.0/16
  Group:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: !Sub [!Unknown {a: b}, {}]
      VpcId: {"Fn::NoSuchFunction": [1, 2]}
      SecurityGroupIngress:
        - IpProtocol: tcp
          FromPort: !GetAtt
          ToPort: !Ref [a, b]
          CidrIp: !GetAtt Vpc.CidrBlock.Extra
        - CidrIp: !Select [99, !GetAZs ""]
        - !If [Nope, {CidrIp: 10.0.0.0/8}, !Ref AWS::NoValue]
        - !Join
  Rule:
    Type: AWS::EC2::SecurityGroupIngress
    Properties:
      GroupId: !Ref Group
      CidrIp: {"Fn::If": ["Missing"]}
      IpProtocol: {"Fn::Transform": {"Name": "AWS::Include"}}
""")
    run = lint(root)
    assert run.triples == good


def test_resource_type_that_is_not_a_string(tmp_path: Path, good: set[Triple]) -> None:
    root = project(tmp_path)
    bad_types = ("[AWS::EC2::SecurityGroup]", "{Ref: T}", "5", "null", "!Ref T")
    resources = "".join(f"  Odd{i}:\n    Type: {t}\n    Properties: {{VpcId: x}}\n"
                        for i, t in enumerate(bad_types))
    (root / "types.yaml").write_text(
        cfn_text().replace("Resources:\n", "Resources:\n" + resources
                           + "  NoType:\n    Properties: {}\n  Scalar: just a string\n"
                           + "  List: [1, 2]\n  Nothing:\n"))
    run = lint(root)
    shift = 3 * len(bad_types) + 5
    assert run.triples == good | {(r, res, "types.yaml", line + shift)
                                  for r, res, p, line in good if p == "good.yaml"}


# -- Terraform oddities -------------------------------------------------------------


def test_terraform_language_features(tmp_path: Path, good: set[Triple]) -> None:
    root = project(tmp_path)
    (root / "features").mkdir()
    (root / "features" / "main.tf").write_text("""\
resource "aws_vpc" "main" {
  cidr_block = "10.7.0.0/16"
}

resource "aws_vpc" "main" {
  cidr_block = "10.8.0.0/16"
}

resource "aws_security_group" "dynamic" {
  vpc_id = aws_vpc.main.id
  dynamic "ingress" {
    for_each = [5432, 6379]
    content {
      from_port   = ingress.value
      to_port     = ingress.value
      protocol    = "tcp"
      cidr_blocks = [aws_vpc.main.cidr_block]
    }
  }
}

resource "aws_security_group" "counted" {
  count  = 2
  vpc_id = aws_vpc.main.id
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = [aws_vpc.main.cidr_block]
  }
}

resource "aws_security_group" "none" {
  count  = 0
  vpc_id = aws_vpc.main.id
  ingress {
    from_port   = 22
    to_port     = 22
    protocol    = "tcp"
    cidr_blocks = [aws_vpc.main.cidr_block]
  }
}

resource "aws_security_group" "each" {
  for_each = toset(["a", "b"])
  vpc_id   = aws_vpc.main.id
  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = [aws_vpc.main.cidr_block]
  }
}

resource "aws_security_group" "empty_each" {
  for_each = {}
  vpc_id   = aws_vpc.main.id
  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = [aws_vpc.main.cidr_block]
  }
}

resource "aws_security_group" "provider_function" {
  vpc_id = aws_vpc.main.id
  ingress {
    from_port   = 443
    to_port     = 443
    protocol    = "tcp"
    cidr_blocks = [provider::aws::arn_parse("arn:aws:iam::444455556666:role/x").account_id]
  }
}
""")
    run = lint(root)
    assert run.triples == good | {
        ("VSL101", "aws_security_group.dynamic", "features/main.tf", 17),
        ("VSL101", "aws_security_group.counted[0]", "features/main.tf", 29),
        ("VSL101", "aws_security_group.counted[1]", "features/main.tf", 29),
        ("VSL101", 'aws_security_group.each["a"]', "features/main.tf", 51),
        ("VSL101", 'aws_security_group.each["b"]', "features/main.tf", 51),
    }


# -- Reports: untrusted text in every format (issue 13) ------------------------------

EVIL = "V\x1b[31m\n::add-mask::x`<img src=x>](http://e.com)|</details>" + "A" * 200
"""A CloudFormation logical ID that tries every output medium: ESC, a workflow command,
Markdown and HTML, and a length."""


def _hostile_template() -> str:
    """A VPC and a group named `EVIL`: one VSL101 that echoes the VPC's name."""
    return json.dumps({"AWSTemplateFormatVersion": "2010-09-09", "Resources": {
        EVIL: {"Type": "AWS::EC2::VPC", "Properties": {"CidrBlock": "10.42.0.0/16"}},
        "Sg" + EVIL: {"Type": "AWS::EC2::SecurityGroup", "Properties": {
            "GroupDescription": "d", "VpcId": {"Ref": EVIL},
            "SecurityGroupIngress": [{"IpProtocol": "tcp", "FromPort": 5432, "ToPort": 5432,
                                      "CidrIp": {"Fn::GetAtt": [EVIL, "CidrBlock"]}}]}}}})


PEERING_TF = """\
resource "aws_vpc" "a" {
  cidr_block = "10.0.0.0/16"
}

resource "aws_vpc" "b" {
  cidr_block = "10.1.0.0/16"
}

resource "aws_vpc_peering_connection" "p" {
  vpc_id      = aws_vpc.a.id
  peer_vpc_id = aws_vpc.b.id
}

resource "aws_route" "r" {
  route_table_id            = "rtb-1"
  destination_cidr_block    = "0.0.0.0/0"
  vpc_peering_connection_id = "pcx-\\ud800\\u001b[2J\\n::stop-commands::x%s"
}
""" % ("B" * 300)
"""A default route into a peering whose ID holds a lone surrogate, ESC, a line break and
a workflow command (VSL301 echoes the ID)."""


def hostile_project(root: Path) -> Path:
    """`good` + the hostile template under a file name that is not UTF-8 + `PEERING_TF`."""
    project(root)
    with open(os.path.join(os.fsencode(root), b"t\xff.json"), "w") as handle:
        handle.write(_hostile_template())
    (root / "peer").mkdir()
    (root / "peer" / "main.tf").write_text(PEERING_TF)
    return root


def test_untrusted_text_is_bounded_and_printable_in_the_json_report(
        tmp_path: Path, good: set[Triple]) -> None:
    run = lint(hostile_project(tmp_path), args=("--select", "VSL301"))  # --select accumulates
    assert run.triples == good | {("VSL101", run.findings[-1]["resource"], "t\\udcff.json", 1),
                                  ("VSL301", "aws_route.r", "peer/main.tf", 16)}
    hostile = [f for f in run.findings if f["path"] in ("t\\udcff.json", "peer/main.tf")]
    for finding in hostile:
        text = finding["message"] + (finding["resource"] or "")
        assert text.isprintable() and "\x1b" not in text, text
    vsl301, vsl101 = sorted(hostile, key=lambda f: f["rule_id"], reverse=True)
    assert "pcx-\\ud800\\x1b[2J\\x0a::stop-commands::xBBB" in vsl301["message"]
    assert "BBBB\u2026" in vsl301["message"] and "B" * 100 not in vsl301["message"]
    assert "V\\x1b[31m\\x0a::add-mask::x`<img" in vsl101["message"]
    assert "A" * 100 not in vsl101["message"]
    assert len(vsl101["resource"]) == 200 and vsl101["resource"].endswith("\u2026")


def test_text_report_forges_no_line_and_no_workflow_command(tmp_path: Path) -> None:
    root = hostile_project(tmp_path)
    (root / "::warning x").mkdir()
    (root / "::warning x" / "main.tf").write_text(PEERING_TF.replace("::stop", "##[add-mask]"))
    run = lint(root, args=("--select", "VSL301"), fmt="text")
    lines = run.output.splitlines()
    assert len(lines) == 11 + 1 + 2  # good, the template, the two routes
    assert not any(line.lstrip().startswith("::") or "##[" in line or "\x1b" in line
                   for line in lines)
    assert any(line.startswith("./::warning x/main.tf:16:3: error VSL301 ") for line in lines)
    assert any(line.startswith("t\\udcff.json:1:") for line in lines)


@pytest.mark.parametrize("fmt", ["sarif", "gitlab"])
def test_code_host_reports_are_valid_utf8(tmp_path: Path, fmt: str) -> None:
    run = lint(hostile_project(tmp_path), args=("--select", "VSL301"), fmt=fmt)
    text = json.dumps(json.loads(run.output), ensure_ascii=False)
    text.encode("utf-8")  # no lone surrogate survives
    assert "\\u001b" not in text and "\x1b" not in text
    if fmt == "sarif":
        uris = {loc["physicalLocation"]["artifactLocation"]["uri"]
                for r in json.loads(run.output)["runs"][0]["results"] for loc in r["locations"]}
        assert "t%5Cudcff.json" in uris


def test_github_annotations_and_job_summary_are_escaped(tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    summary = tmp_path / "summary.md"
    monkeypatch.setenv("GITHUB_STEP_SUMMARY", str(summary))
    run = lint(hostile_project(tmp_path / "repo"), args=("--select", "VSL301"), fmt="github")
    lines = run.output.splitlines()
    assert len(lines) == 13 + 1  # the annotations, and the note that there are over ten
    assert all(line.startswith(("::error ", "::warning ")) for line in lines[:-1])
    assert lines[-1].startswith("vpcsec-lint: 12 warning annotations; ")
    assert not any("\x1b" in line for line in lines)
    table = summary.read_text(encoding="utf-8")
    rows = [row for row in table.splitlines() if row.startswith("| warning | VSL101")
            and "udcff" in row]
    assert rows
    for row in rows:
        bare = row.replace("<code>", "").replace("</code>", "")
        assert "<" not in bare and "`" not in bare.replace("\\`", "")
        assert "](" not in bare.replace("\\]\\(", "")
        assert "&lt;img src=x&gt;" in row and "&lt;/details&gt;" in row
        assert row.count(" | ") == 4  # no cell break from the input


# -- The cache (issue 13) -------------------------------------------------------------

FILE_CIDR_TF = VPC_AND_DB_SG_TF.replace("[aws_vpc.main.cidr_block]",
                                        '[trimspace(file("cidr.txt"))]')
"""VSL101 fires only when `cidr.txt` holds the VPC's CIDR."""
DB_FINDING = ("VSL101", "aws_security_group.db", "mod/main.tf", 11)


def test_file_target_created_later_is_seen(tmp_path: Path, good: set[Triple]) -> None:
    root = project(tmp_path)
    (root / "mod").mkdir()
    (root / "mod" / "main.tf").write_text(FILE_CIDR_TF)
    assert lint(root).triples == good
    (root / "mod" / "cidr.txt").write_text("10.42.0.0/16\n")
    assert lint(root).triples == good | {DB_FINDING}


def test_file_target_over_the_size_limit_that_shrinks_is_seen(tmp_path: Path,
                                                                good: set[Triple]) -> None:
    root = project(tmp_path)
    (root / "mod").mkdir()
    (root / "mod" / "main.tf").write_text(FILE_CIDR_TF)
    (root / "mod" / "cidr.txt").write_text("10.42.0.0/16" + " " * 2_000_000)
    assert lint(root).triples == good
    (root / "mod" / "cidr.txt").write_text("10.42.0.0/16\n")
    assert lint(root).triples == good | {DB_FINDING}


def test_dependency_replaced_by_a_fifo_does_not_hang(tmp_path: Path,
                                                     good: set[Triple]) -> None:
    root = project(tmp_path)
    (root / "mod").mkdir()
    (root / "mod" / "main.tf").write_text(FILE_CIDR_TF)
    (root / "mod" / "cidr.txt").write_text("10.42.0.0/16\n")
    assert lint(root).triples == good | {DB_FINDING}
    (root / "mod" / "cidr.txt").unlink()
    os.mkfifo(root / "mod" / "cidr.txt")
    assert lint(root).triples == good  # the run ends (lint's timeout), the value is unknown


def test_huge_sparse_file_is_refused_with_bounded_memory(tmp_path: Path,
                                                         good: set[Triple]) -> None:
    root = project(tmp_path)
    (root / "sparse").mkdir()
    big = root / "sparse" / "main.tf"
    with open(big, "wb") as handle:
        handle.truncate(8 * 1024 ** 3)
    if os.stat(big).st_blocks * 512 > 1024 ** 2:
        pytest.skip("this file system does not make sparse files")
    run = lint(root, bounded=True)
    assert run.triples == good | {vsl000("sparse/main.tf")}


# -- Linear time on adversarial text (issue 13) ------------------------------------


def test_suppression_comment_with_a_flood_of_blanks(tmp_path: Path, good: set[Triple]) -> None:
    root = project(tmp_path)
    (root / "blank").mkdir()
    # Em spaces: blanks to a regex's \s, not to the parser's own trailing-blank pass.
    flood = "# vpcsec-lint: ignore=VSL101" + "\u2003" * 200_000 + "x\n"
    text = VPC_AND_DB_SG_TF.replace('resource "aws_security_group"',
                                    flood + 'resource "aws_security_group"')
    (root / "blank" / "main.tf").write_text(text, encoding="utf-8")
    run = lint(root, bounded=True)  # the old pattern: minutes of CPU, past the limit
    assert run.triples == good | {("VSL101", "aws_security_group.db", "blank/main.tf", 12)}


def test_exclude_glob_that_backtracks(tmp_path: Path, good: set[Triple]) -> None:
    root = project(tmp_path)
    name = "a" * 200
    (root / name).mkdir()
    (root / name / f"{name}.tf").write_text(VPC_AND_DB_SG_TF)
    (root / ".vpcsec-lint.yaml").write_text('exclude: ["' + "*a" * 120 + 'b"]\n')
    run = lint(root, bounded=True)  # as a regex: exponential in the stars
    assert run.triples == good | {("VSL101", "aws_security_group.db", f"{name}/{name}.tf", 11)}


# -- Usage errors are exit 2 with a message (issue 13) ----------------------------------


def cli(root: Path, *args: str) -> subprocess.CompletedProcess:
    """The CLI in `root`, in the test's cache mode; asserts there is no traceback."""
    command = [sys.executable, "-m", "vpcsec_lint", *([] if _CACHE["on"] else ["--no-cache"]),
               *args]
    proc = subprocess.run(command, cwd=root, capture_output=True, text=True, timeout=600)
    assert "Traceback" not in proc.stderr, proc.stderr
    return proc


def test_invalid_exclude_glob_is_a_config_error(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / ".vpcsec-lint.yaml").write_text('exclude: ["[z-a]"]\n')
    proc = cli(root, ".")
    assert proc.returncode == 2
    assert proc.stderr == (f"vpcsec-lint: error: {root / '.vpcsec-lint.yaml'}: key 'exclude': "
                           "invalid range 'z-a' in '[z-a]'\n")


def test_output_into_a_missing_directory_and_onto_a_directory(tmp_path: Path,
                                                              good: set[Triple]) -> None:
    root = project(tmp_path)
    proc = cli(root, "--format", "json", "--select", "VSL101", "--output", "reports/x/r.json",
               ".")
    assert proc.returncode == 1 and proc.stdout == ""
    findings = json_report((root / "reports" / "x" / "r.json").read_text())["findings"]
    assert {(f["rule_id"], f["resource"], f["path"], f["line"]) for f in findings} == good
    onto_dir = cli(root, "--output", "reports", ".")
    assert (onto_dir.returncode, onto_dir.stderr) == (
        2, "vpcsec-lint: error: --output reports: is a directory\n")


def test_missing_var_file_is_a_usage_error(tmp_path: Path) -> None:
    proc = cli(project(tmp_path), "--var-file", "nope.tfvars", ".")
    assert (proc.returncode, proc.stdout, proc.stderr) == (
        2, "", "vpcsec-lint: error: --var-file nope.tfvars: no such file\n")


def test_repeated_select_and_ignore_accumulate(tmp_path: Path) -> None:
    root = project(tmp_path)
    (root / "peer").mkdir()
    (root / "peer" / "main.tf").write_text(PEERING_TF)
    both = cli(root, "--format", "json", "--select", "VSL101", "--select", "VSL301", ".")
    assert {f["rule_id"] for f in json_report(both.stdout)["findings"]} == {"VSL101", "VSL301"}
    neither = cli(root, "--format", "json", "--ignore", "VSL101", "--ignore", "VSL301",
                  "--select", "VSL101,VSL301", ".")
    assert (neither.returncode, json_report(neither.stdout)["findings"]) == (0, [])


def test_list_rules_in_each_format(tmp_path: Path) -> None:
    sarif = json.loads(cli(tmp_path, "--list-rules", "--format", "sarif").stdout)
    run = sarif["runs"][0]
    assert sarif["version"] == "2.1.0" and run["results"] == []
    ids = [r["id"] for r in run["tool"]["driver"]["rules"]]
    assert {"VSL101", "VSL301", "VSL000", "VSL999"} <= set(ids)
    listed = json.loads(cli(tmp_path, "--list-rules", "--format", "json").stdout)["rules"]
    assert [r["id"] for r in listed] == ids
    for fmt in ("github", "gitlab"):
        refused = cli(tmp_path, "--list-rules", "--format", fmt)
        assert (refused.returncode, refused.stdout, refused.stderr) == (
            2, "", f"vpcsec-lint: error: --list-rules prints text, json, sarif, not --format "
                   f"{fmt}\n")
