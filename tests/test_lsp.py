"""The language server end to end: a real LSP client talks to `vpcsec-lint lsp` over stdio."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import sys
import tempfile
from collections.abc import Awaitable
from pathlib import Path

import pytest
from plugin_wheel import build_wheel, install

pytest.importorskip("pygls")
pytest_lsp = pytest.importorskip("pytest_lsp")

from lsprotocol import types  # noqa: E402
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities  # noqa: E402

from vpcsec_lint.quick_fixes import split_lines  # noqa: E402
from vpcsec_lint.registry import all_rules  # noqa: E402
from vpcsec_lint.terraform.loader import parse_tf_text  # noqa: E402
from vpcsec_lint.terraform.reparse import reparse_changed_block  # noqa: E402
from vpcsec_lint.terraform.syntax import Body, ParseFailure  # noqa: E402

lsp_test = pytest.mark.asyncio(loop_scope="function")

WAIT_SECONDS = 60

SERVER = ClientServerConfig(
    server_command=[sys.executable, "-m", "vpcsec_lint", "lsp", "--debounce", "20"])


class PublishLog(dict):
    """`client.diagnostics` that also keeps every publication in order.

    Waiting for one notification at a time can miss the second of two sent
    back to back; the log cannot.
    """

    def __init__(self) -> None:
        super().__init__()
        self.log: list[tuple[str, list[types.Diagnostic]]] = []

    def __setitem__(self, uri: str, diagnostics: list[types.Diagnostic]) -> None:
        super().__setitem__(uri, diagnostics)
        self.log.append((uri, list(diagnostics)))


@pytest_lsp.fixture(config=SERVER)
async def client(lsp_client: LanguageClient):
    lsp_client.diagnostics = PublishLog()
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code")))
    yield
    await lsp_client.shutdown_session()


VPC_TF = """\
resource "aws_vpc" "main" {
  cidr_block = "10.42.0.0/16"
}
"""

DB_TF = """\
resource "aws_security_group" "db" {
  vpc_id = aws_vpc.main.id

  ingress {
    from_port   = 5432
    to_port     = 5432
    protocol    = "tcp"
    cidr_blocks = [aws_vpc.main.cidr_block]
  }
}
"""


def project(root: Path, files: dict[str, str]) -> Path:
    """A repository with a config that runs VSL101 only (rules added later stay out)."""
    (root / ".git").mkdir()
    (root / ".vpcsec-lint.yaml").write_text("select: [VSL101]\n")
    for name, text in files.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text, encoding="utf-8")
    return root


def diagnostics_for(client: LanguageClient, uri: str) -> Awaitable[list[types.Diagnostic]]:
    """The first diagnostics published for `uri` from now on (await it after acting)."""
    log = client.diagnostics.log  # type: ignore[attr-defined]
    since = len(log)

    async def wait() -> list[types.Diagnostic]:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + WAIT_SECONDS
        while loop.time() < deadline:
            for published_uri, diagnostics in log[since:]:
                if published_uri == uri:
                    return diagnostics
            await asyncio.sleep(0.01)
        raise TimeoutError(f"no diagnostics for {uri} within {WAIT_SECONDS} s")

    return wait()


async def open_document(client: LanguageClient, path: Path, language: str = "terraform",
                        text: str | None = None) -> list[types.Diagnostic]:
    uri = path.as_uri()
    waiting = diagnostics_for(client, uri)
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(
        uri=uri, language_id=language, version=1,
        text=path.read_text(encoding="utf-8") if text is None else text)))
    return await waiting


def summary(diagnostics: list[types.Diagnostic]) -> set[tuple[str, int, int, int, int]]:
    return {(str(d.code), d.range.start.line, d.range.start.character,
             d.range.end.line, d.range.end.character) for d in diagnostics}


def replace(text: str, old: str, new: str) -> str:
    assert old in text
    return text.replace(old, new)


@lsp_test
async def test_violation_has_exact_range_code_and_link(client: LanguageClient,
                                                        tmp_path: Path) -> None:
    root = project(tmp_path, {"vpc.tf": VPC_TF, "db.tf": DB_TF})
    diagnostics = await open_document(client, root / "db.tf")
    # cidr_blocks = [aws_vpc.main.cidr_block] is line 8, columns 5..44 (1-based, exclusive).
    assert summary(diagnostics) == {("VSL101", 7, 4, 7, 43)}
    (diag,) = diagnostics
    assert diag.severity == types.DiagnosticSeverity.Warning
    assert diag.source == "vpcsec-lint"
    assert diag.code_description is not None
    assert diag.code_description.href == all_rules()["VSL101"].help_uri()
    assert diag.message.startswith("Ingress on tcp/5432 allows the whole VPC CIDR")
    related = {(r.location.uri, r.location.range.start.line, r.message)
               for r in diag.related_information or []}
    assert related == {((root / "vpc.tf").as_uri(), 0, "VPC aws_vpc.main"),
                       ((root / "vpc.tf").as_uri(), 1, "CIDR defined here")}


@lsp_test
async def test_utf16_columns(client: LanguageClient, tmp_path: Path) -> None:
    # The line has 49 characters; "𝄞" is two UTF-16 units, so the range ends at 50.
    text = replace(DB_TF, "[aws_vpc.main.cidr_block]", '[aws_vpc.main.cidr_block, "é𝄞"]')
    root = project(tmp_path, {"vpc.tf": VPC_TF, "db.tf": text})
    diagnostics = await open_document(client, root / "db.tf")
    assert summary(diagnostics) == {("VSL101", 7, 4, 7, 50)}


@lsp_test
async def test_fix_in_buffer_then_save_clears_diagnostic(client: LanguageClient,
                                                         tmp_path: Path) -> None:
    root = project(tmp_path, {"vpc.tf": VPC_TF, "db.tf": DB_TF})
    uri = (root / "db.tf").as_uri()
    assert summary(await open_document(client, root / "db.tf")) == {("VSL101", 7, 4, 7, 43)}
    # Incremental change: replace the reference with a subnet-sized literal, unsaved.
    start, end = types.Position(7, 19), types.Position(7, 42)
    waiting = diagnostics_for(client, uri)
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[types.TextDocumentContentChangePartial(
            range=types.Range(start, end), text='"10.42.1.0/24"')]))
    assert await waiting == []
    waiting = diagnostics_for(client, uri)
    client.text_document_did_save(types.DidSaveTextDocumentParams(
        types.TextDocumentIdentifier(uri)))
    assert await waiting == []
    assert (root / "db.tf").read_text() == DB_TF  # the disk was never written


@lsp_test
async def test_full_sync_change_reintroduces_violation(client: LanguageClient,
                                                       tmp_path: Path) -> None:
    quiet = replace(DB_TF, "[aws_vpc.main.cidr_block]", '["10.42.1.0/24"]')
    root = project(tmp_path, {"vpc.tf": VPC_TF, "db.tf": quiet})
    uri = (root / "db.tf").as_uri()
    assert await open_document(client, root / "db.tf") == []
    waiting = diagnostics_for(client, uri)
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=DB_TF)]))
    assert summary(await waiting) == {("VSL101", 7, 4, 7, 43)}


@lsp_test
async def test_syntax_error_is_vsl000_at_its_line(client: LanguageClient,
                                                  tmp_path: Path) -> None:
    broken = replace(DB_TF, "    protocol    = \"tcp\"", "    protocol    = = \"tcp\"")
    root = project(tmp_path, {"vpc.tf": VPC_TF, "db.tf": broken})
    diagnostics = await open_document(client, root / "db.tf")
    assert [(str(d.code), d.range.start.line, d.severity) for d in diagnostics] == [
        ("VSL000", 6, types.DiagnosticSeverity.Error)]
    assert diagnostics[0].message.startswith("Cannot analyse this file")


@lsp_test
async def test_suppression_comment_hides_the_diagnostic(client: LanguageClient,
                                                        tmp_path: Path) -> None:
    suppressed = replace(DB_TF, "    cidr_blocks",
                         "    # vpcsec-lint: ignore=VSL101 -- the VPC is a single app\n"
                         "    cidr_blocks")
    root = project(tmp_path, {"vpc.tf": VPC_TF, "db.tf": suppressed})
    assert await open_document(client, root / "db.tf") == []


@lsp_test
async def test_code_action_inserts_terraform_suppression(client: LanguageClient,
                                                         tmp_path: Path) -> None:
    root = project(tmp_path, {"vpc.tf": VPC_TF, "db.tf": DB_TF})
    uri = (root / "db.tf").as_uri()
    diagnostics = await open_document(client, root / "db.tf")
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri),
        range=diagnostics[0].range,
        context=types.CodeActionContext(diagnostics=diagnostics)))
    assert actions is not None and len(actions) == 1
    (action,) = actions
    assert action.kind == types.CodeActionKind.QuickFix
    assert action.edit is not None and action.edit.changes is not None
    assert {u: list(e) for u, e in action.edit.changes.items()} == {uri: [types.TextEdit(
        types.Range(types.Position(7, 0), types.Position(7, 0)),
        "    # vpcsec-lint: ignore=VSL101 -- <reason>\n")]}
    only_source = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri), range=diagnostics[0].range,
        context=types.CodeActionContext(diagnostics=diagnostics,
                                        only=[types.CodeActionKind.Source])))
    assert not only_source
    # Applying it (in the buffer) silences the finding.
    waiting = diagnostics_for(client, uri)
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[types.TextDocumentContentChangePartial(
            range=action.edit.changes[uri][0].range,
            text=action.edit.changes[uri][0].new_text)]))
    assert await waiting == []


STACK_YAML = """\
AWSTemplateFormatVersion: "2010-09-09"
Parameters:
  VpcCidr:
    Type: String
    Default: 10.42.0.0/16
Resources:
  Vpc:
    Type: AWS::EC2::VPC
    Properties:
      CidrBlock: !Ref VpcCidr
  DbSecurityGroup:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: database
      VpcId: !Ref Vpc
      SecurityGroupIngress:
        - IpProtocol: tcp
          FromPort: 5432
          ToPort: 5432
          CidrIp: !GetAtt Vpc.CidrBlock
  CacheSecurityGroup:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: cache
      VpcId: !Ref Vpc
  CacheIngress:
    Type: AWS::EC2::SecurityGroupIngress
    Metadata:
      vpcsec-lint:
        ignore:
          - id: VSL2
            reason: another family of rules
    Properties:
      GroupId: !GetAtt CacheSecurityGroup.GroupId
      IpProtocol: tcp
      FromPort: 6379
      ToPort: 6379
      CidrIp: !Ref VpcCidr
"""


@lsp_test
async def test_cloudformation_template_and_its_quick_fixes(client: LanguageClient,
                                                           tmp_path: Path) -> None:
    root = project(tmp_path, {"stack.yaml": STACK_YAML})
    uri = (root / "stack.yaml").as_uri()
    diagnostics = await open_document(client, root / "stack.yaml", "yaml")
    assert summary(diagnostics) == {("VSL101", 19, 18, 19, 39), ("VSL101", 37, 14, 37, 26)}
    edits = []
    for diag in sorted(diagnostics, key=lambda d: d.range.start.line):
        actions = await client.text_document_code_action_async(types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri), range=diag.range,
            context=types.CodeActionContext(diagnostics=[diag])))
        assert actions is not None and len(actions) == 1
        (edit,) = actions[0].edit.changes[uri]
        edits.append((edit.range.start.line, edit.range.start.character, edit.new_text))
    assert edits == [
        # DbSecurityGroup has no Metadata: it goes before the resource's first key.
        (11, 0, "    Metadata:\n"
                "      vpcsec-lint:\n"
                "        ignore:\n"
                "          - id: VSL101\n"
                "            reason: \"<reason>\"\n"),
        # CacheIngress already has an ignore list: one more entry.
        (30, 0, "          - id: VSL101\n"
                "            reason: \"<reason>\"\n"),
    ]
    lines = STACK_YAML.splitlines(keepends=True)
    for line, _, text in reversed(edits):
        lines.insert(line, text)
    waiting = diagnostics_for(client, uri)
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=2),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text="".join(lines))]))
    assert await waiting == []


@lsp_test
async def test_non_template_yaml_gets_empty_diagnostics(client: LanguageClient,
                                                        tmp_path: Path) -> None:
    root = project(tmp_path, {"docker-compose.yaml": "services:\n  web:\n    image: nginx\n"})
    assert await open_document(client, root / "docker-compose.yaml", "yaml") == []
    assert [m for m in client.log_messages if m.type == types.MessageType.Error] == []


@lsp_test
async def test_changed_sibling_on_disk_is_picked_up(client: LanguageClient,
                                                    tmp_path: Path) -> None:
    other_vpc = replace(VPC_TF, "10.42.0.0/16", "10.43.0.0/16")
    literal = replace(DB_TF, "[aws_vpc.main.cidr_block]", '["10.42.0.0/16"]')
    root = project(tmp_path, {"vpc.tf": other_vpc, "db.tf": literal})
    uri = (root / "db.tf").as_uri()
    assert await open_document(client, root / "db.tf") == []
    (root / "vpc.tf").write_text(VPC_TF)  # another tool changes the VPC's CIDR on disk
    waiting = diagnostics_for(client, uri)
    client.text_document_did_save(types.DidSaveTextDocumentParams(
        types.TextDocumentIdentifier(uri)))
    assert summary(await waiting) == {("VSL101", 7, 4, 7, 34)}


@lsp_test
async def test_config_severity_override_and_exclude(client: LanguageClient,
                                                    tmp_path: Path) -> None:
    root = project(tmp_path, {"vpc.tf": VPC_TF, "db.tf": DB_TF,
                              "vendored/vpc.tf": VPC_TF, "vendored/db.tf": DB_TF})
    (root / ".vpcsec-lint.yaml").write_text(
        "select: [VSL101]\nseverity: {VSL101: error}\nexclude: [vendored]\n")
    diagnostics = await open_document(client, root / "db.tf")
    assert [(str(d.code), d.severity) for d in diagnostics] == [
        ("VSL101", types.DiagnosticSeverity.Error)]
    assert await open_document(client, root / "vendored" / "db.tf") == []


@lsp_test
async def test_per_path_ignore_suppresses_as_in_the_cli(client: LanguageClient,
                                                       tmp_path: Path) -> None:
    root = project(tmp_path, {"infra/vpc.tf": VPC_TF, "infra/db.tf": DB_TF,
                              "other/vpc.tf": VPC_TF, "other/db.tf": DB_TF})
    (root / ".vpcsec-lint.yaml").write_text(
        "select: [VSL101]\nper-path-ignore: {\"infra/db.tf\": {ignore: [VSL101]}}\n")
    assert await open_document(client, root / "infra" / "db.tf") == []
    assert summary(await open_document(client, root / "other" / "db.tf")) == {
        ("VSL101", 7, 4, 7, 43)}
    cli = subprocess.run([sys.executable, "-m", "vpcsec_lint", "--no-cache", "infra"],
                         cwd=root, capture_output=True, text=True, timeout=600)
    assert cli.returncode == 0 and "1 suppressed" in cli.stderr, cli.stderr


def test_a_sibling_that_is_not_utf8_is_vsl000_at_its_line_as_in_the_cli(
        tmp_path: Path) -> None:
    # A sibling's diagnostics are published only while it is open, and then the editor's
    # text stands in for it: the server's linter itself is asked where the problem is.
    from vpcsec_lint.lsp import BufferLinter, lint_arguments

    root = project(tmp_path, {"vpc.tf": VPC_TF, "db.tf": DB_TF})
    (root / "other.tf").write_bytes(b'locals {\n  a = 1\n  name = "d\xe9"\n}\n')
    db = str(root / "db.tf")
    result = BufferLinter(lint_arguments(), lambda: {db: DB_TF}).lint(db)
    assert result is not None
    shown = [(s.finding.rule_id, s.finding.loc.line, s.finding.loc.column)
             for s in result.shown[str(root / "other.tf")]]
    cli = subprocess.run([sys.executable, "-m", "vpcsec_lint", "--no-cache", "--format", "json",
                          "."], cwd=root, capture_output=True, text=True, timeout=600)
    expected = [(f["rule_id"], f["line"], f["column"]) for f in json.loads(cli.stdout)["findings"]
                if f["path"] == "other.tf"]
    assert shown == expected == [("VSL000", 3, 12)]


def test_a_lint_is_reused_only_while_nothing_it_read_changed(tmp_path: Path) -> None:
    # A save right after the debounced lint re-uses it; any change it could see does not.
    from vpcsec_lint.lsp import BufferLinter, lint_arguments

    other_vpc = replace(VPC_TF, "10.42.0.0/16", "10.43.0.0/16")
    literal = replace(DB_TF, "[aws_vpc.main.cidr_block]", '["10.42.0.0/16"]')
    root = project(tmp_path, {"vpc.tf": other_vpc, "db.tf": literal})
    db = str(root / "db.tf")
    buffers = {db: literal}
    linter = BufferLinter(lint_arguments(), lambda: dict(buffers))

    def write_settled(name: str, text: str) -> None:
        """Written long ago: a later change of the same size is told by its digest."""
        (root / name).write_text(text)
        os.utime(root / name, (1_000_000_000, 1_000_000_000))

    def found(result: object) -> set[tuple[str, int]]:
        assert result is not None
        return {(s.finding.rule_id, s.finding.loc.line) for s in result.shown[db]}

    write_settled("vpc.tf", other_vpc)
    first = linter.lint(db)
    assert found(first) == set() and linter.lint(db) is first
    write_settled("vpc.tf", VPC_TF)  # a sibling changed on disk
    second = linter.lint(db)
    assert found(second) == {("VSL101", 8)} and linter.lint(db) is second
    write_settled("zz.tf", "# nothing yet\n")  # a new file in the module
    third = linter.lint(db)
    assert third is not second and linter.lint(db) is third
    buffers[db] = literal + "\n"  # the buffer changed
    fourth = linter.lint(db)
    assert fourth is not third and found(fourth) == {("VSL101", 8)}
    (root / "vpc.tf").write_text(other_vpc)  # just written: its digest may lag a change
    assert found(linter.lint(db)) == set()
    assert linter.lint(db) is not linter.lint(db)


def test_a_reused_template_lint_follows_its_directory_s_exports(tmp_path: Path) -> None:
    # The exports of sibling stacks are one derived dependency (the unit cache's), not
    # files the lint opened or listed: a new export must still make the next save lint again.
    from vpcsec_lint.lsp import BufferLinter, lint_arguments

    network = ("Resources:\n  Vpc:\n    Type: AWS::EC2::VPC\n    Properties:\n"
               "      CidrBlock: 10.0.0.0/16\nOutputs:\n  VpcId:\n    Value: !Ref Vpc\n"
               "    Export:\n      Name: network-vpc\n")
    app = ("Resources:\n  Sg:\n    Type: AWS::EC2::SecurityGroup\n    Properties:\n"
           "      GroupDescription: app\n      VpcId: !ImportValue network-vpc\n")
    root = project(tmp_path, {"app.yaml": app})
    os.utime(root / "app.yaml", (1_000_000_000, 1_000_000_000))
    path = str(root / "app.yaml")
    linter = BufferLinter(lint_arguments(), lambda: {path: app})
    first = linter.lint(path)
    assert first is not None and linter.lint(path) is first
    (root / "network.yaml").write_text(network)  # the stack that exports it appears
    os.utime(root / "network.yaml", (1_000_000_000, 1_000_000_000))
    assert linter.lint(path) is not first


@lsp_test
async def test_a_failing_lint_is_logged_and_the_server_keeps_serving(
        client: LanguageClient, tmp_path: Path) -> None:
    root = project(tmp_path, {"vpc.tf": VPC_TF, "db.tf": DB_TF})
    (root / ".vpcsec-lint.yaml").write_text("select: [VSL101]\nunknown-key: 1\n")
    uri = (root / "db.tf").as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(
        uri=uri, language_id="terraform", version=1, text=DB_TF)))
    message = await asyncio.wait_for(
        client.wait_for_notification(types.WINDOW_SHOW_MESSAGE), WAIT_SECONDS)
    assert "unknown key 'unknown-key'" in message.message
    (root / ".vpcsec-lint.yaml").write_text("select: [VSL101]\n")
    waiting = diagnostics_for(client, uri)
    client.text_document_did_save(types.DidSaveTextDocumentParams(
        types.TextDocumentIdentifier(uri)))
    assert summary(await waiting) == {("VSL101", 7, 4, 7, 43)}


@lsp_test
async def test_related_file_gets_a_hint_and_is_republished(client: LanguageClient,
                                                           tmp_path: Path) -> None:
    root = project(tmp_path, {"vpc.tf": VPC_TF, "db.tf": DB_TF})
    db_uri, vpc_uri = (root / "db.tf").as_uri(), (root / "vpc.tf").as_uri()
    await open_document(client, root / "db.tf")
    db_again = diagnostics_for(client, db_uri)
    hints = await open_document(client, root / "vpc.tf")
    assert summary(await db_again) == {("VSL101", 7, 4, 7, 43)}  # re-published with vpc.tf
    # The VPC's header (the first related location in vpc.tf), linking back to db.tf.
    assert [(str(d.code), d.severity, d.range.start.line) for d in hints] == [
        ("VSL101", types.DiagnosticSeverity.Hint, 0)]
    assert hints[0].message.endswith("(reported at db.tf:8)")
    assert (hints[0].related_information or [])[0].location.uri == db_uri
    # Renaming the VPC in the vpc.tf buffer (unsaved) re-lints db.tf too: its reference
    # no longer resolves, and unknown is never a finding.
    waiting_db = diagnostics_for(client, db_uri)
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=vpc_uri, version=2),
        content_changes=[types.TextDocumentContentChangeWholeDocument(
            text=replace(VPC_TF, '"main"', '"other"'))]))
    assert await waiting_db == []
    assert list(client.diagnostics[vpc_uri]) == []


# -- re-parsing only the changed block equals parsing the whole file ----------------

TRICKY_TF = """\
# A header comment.
terraform {
  required_version = ">= 1.5"
}

/* A block comment
   between blocks { not code } */
locals {
  cidr  = "10.0.0.0/16"
  ports = [for p in [80, 443] : p if p > 0]
  tags = {
    Name = "x${var.env}y"
  }
}

resource "aws_iam_policy" "p" {
  policy = <<-EOT
    { "Statement": [ { "Effect": "Allow" } ] }
    }
  EOT
}
resource "aws_security_group" "a" { name = "a" }
resource "aws_security_group" "b" {
  dynamic "ingress" {
    for_each = local.ports
    content {
      from_port = ingress.value // trailing comment
    }
  }
}
"""


def _full(text: str) -> Body | None:
    try:
        return parse_tf_text(text, "/m/main.tf")
    except ParseFailure:
        return None


def _variants(lines: list[str]) -> list[tuple[str, str]]:
    out = []
    for i, line in enumerate(lines):
        changed = lines.copy()
        changed[i] = line + "  "
        out.append(("space", "\n".join(changed)))
        changed = lines.copy()
        changed[i] = line.replace("0", "1", 1).replace("a", "b", 1)
        out.append(("value", "\n".join(changed)))
        out.append(("new line", "\n".join([*lines[: i + 1], "  # added", *lines[i + 1:]])))
        out.append(("comment", "\n".join([*lines[:i], "  # edited", *lines[i + 1:]])))
        # Inside a block comment, this line ends it: never an inert line.
        out.append(("comment end", "\n".join([*lines[: i + 1], "  # */", *lines[i + 1:]])))
        out.append(("deleted", "\n".join([*lines[:i], *lines[i + 1:]])))
    return out


@pytest.mark.parametrize("source", ["tricky", "db"])
def test_reparsing_the_changed_block_equals_a_full_parse(source: str) -> None:
    text = TRICKY_TF if source == "tricky" else VPC_TF + "\n" + DB_TF
    old = _full(text)
    assert old is not None
    reused = 0
    for kind, new_text in _variants(split_lines(text)):
        previous = _full(text)  # re-used blocks are moved in place: a fresh parse each time
        assert previous is not None
        fast = reparse_changed_block(text, previous, new_text, "/m/main.tf")
        if fast is None:
            continue
        reused += 1
        assert fast == _full(new_text), (kind, new_text)
    assert reused >= len(split_lines(text)) * 2  # most edits take the fast path


def test_edits_inside_a_block_or_between_blocks_take_the_fast_path() -> None:
    old = _full(TRICKY_TF)
    assert old is not None
    inside = TRICKY_TF.replace('  cidr  = "10.0.0.0/16"', '  cidr  = "10.9.0.0/16"\n  x = 1')
    fast = reparse_changed_block(TRICKY_TF, old, inside, "/m/main.tf")
    assert fast is not None and fast == _full(inside)
    old = _full(TRICKY_TF)
    assert old is not None
    between = TRICKY_TF.replace("# A header comment.", "# A header comment.\n\n# More.")
    fast = reparse_changed_block(TRICKY_TF, old, between, "/m/main.tf")
    assert fast is not None and fast == _full(between)
    assert fast.blocks[-1].loc.line == _full(TRICKY_TF).blocks[-1].loc.line + 2


def test_an_edit_inside_one_attribute_parses_only_that_attribute() -> None:
    old = _full(TRICKY_TF)
    assert old is not None
    locals_block = next(b for b in old.blocks if b.type == "locals")
    ports, tags = locals_block.body.attributes["ports"], locals_block.body.attributes["tags"]
    edited = TRICKY_TF.replace('  cidr  = "10.0.0.0/16"', '  cidr  = "10.9.0.0/16"')
    fast = reparse_changed_block(TRICKY_TF, old, edited, "/m/main.tf")
    assert fast is not None and fast == _full(edited)
    new_locals = next(b for b in fast.blocks if b.type == "locals")
    assert new_locals.body.attributes["ports"] is ports  # not parsed again
    assert new_locals.body.attributes["tags"] is tags
    # A comment added inside a nested block: nothing is parsed, what follows moves down.
    old = _full(TRICKY_TF)
    assert old is not None
    nested = old.blocks[-1].body.blocks[0]
    from_port = nested.body.blocks[0].body.attributes["from_port"]
    commented = TRICKY_TF.replace("    for_each = local.ports\n",
                                  "    for_each = local.ports\n    # why\n")
    fast = reparse_changed_block(TRICKY_TF, old, commented, "/m/main.tf")
    assert fast is not None and fast == _full(commented)
    assert fast.blocks[-1].body.blocks[0].body.blocks[0].body.attributes["from_port"] \
        is from_port


MODULE_CALL_TF = """\
resource "aws_vpc" "main" {
  cidr_block = "10.42.0.0/16"
}

module "db" {
  source   = "./db"
  vpc_id   = aws_vpc.main.id
  vpc_cidr = aws_vpc.main.cidr_block
}
"""

CHILD_TF = """\
variable "vpc_id" {}
variable "vpc_cidr" {}

resource "aws_security_group" "db" {
  vpc_id = var.vpc_id
  ingress {
    from_port   = 5432
    to_port     = 5432
    protocol    = "tcp"
    cidr_blocks = [var.vpc_cidr]
  }
}
"""


@lsp_test
async def test_finding_in_a_called_module_is_suppressed_at_the_module_block(
        client: LanguageClient, tmp_path: Path) -> None:
    root = project(tmp_path, {"main.tf": MODULE_CALL_TF, "db/main.tf": CHILD_TF})
    uri = (root / "main.tf").as_uri()
    diagnostics = await open_document(client, root / "main.tf")
    # The finding is in db/main.tf:10; main.tf holds its VPC (line 1): a hint there.
    assert [(str(d.code), d.severity, d.range.start.line) for d in diagnostics] == [
        ("VSL101", types.DiagnosticSeverity.Hint, 0)]
    actions = await client.text_document_code_action_async(types.CodeActionParams(
        text_document=types.TextDocumentIdentifier(uri), range=diagnostics[0].range,
        context=types.CodeActionContext(diagnostics=diagnostics)))
    assert actions is not None and len(actions) == 1
    assert {u: list(e) for u, e in (actions[0].edit.changes or {}).items()} == {uri: [
        types.TextEdit(types.Range(types.Position(4, 0), types.Position(4, 0)),
                       "# vpcsec-lint: ignore=VSL101 -- <reason>\n")]}


@lsp_test
async def test_new_file_not_yet_on_disk_is_linted_with_its_module(client: LanguageClient,
                                                                  tmp_path: Path) -> None:
    root = project(tmp_path, {"vpc.tf": VPC_TF})
    diagnostics = await open_document(client, root / "db.tf", text=DB_TF)
    assert not (root / "db.tf").exists()
    assert summary(diagnostics) == {("VSL101", 7, 4, 7, 43)}


# -- Limits: a lint that never ends, a buffer too large (issue 13) -------------------

STALL_SITE = Path(tempfile.mkdtemp(prefix="vsl-lsp-stall-"))
"""Where the stalling plugin is installed (known before the servers below start)."""

STALL_PLUGIN = '''\
import time

from vpcsec_lint.registry import Rule


class Sleeps(Rule):
    """Loops for ten minutes on modules whose path contains 'slow'.

    ## What it does
    Stands for a buffer that is pathological to analyse.

    ## Why is this bad?
    It is not.

    ## Example
    Any VPC.

    ## Use instead
    Nothing.

    ## References
    None.
    """

    id = "STALL002"
    name = "sleeps"
    severity = "note"
    summary = "Loops for ten minutes on paths containing 'slow'."

    def check(self, model):
        if "/slow" in model.root:
            end = time.monotonic() + 600
            while time.monotonic() < end:
                time.sleep(0.05)
        return iter(())
'''


def _stall_server(seconds: int) -> ClientServerConfig:
    return ClientServerConfig(
        server_command=[sys.executable, "-m", "vpcsec_lint", "lsp", "--debounce", "20"],
        server_env={**os.environ, "PYTHONPATH": str(STALL_SITE),
                    "VPCSEC_LINT_UNIT_SECONDS": str(seconds)})


@pytest.fixture(scope="module")
def stall_plugin() -> Path:
    """Install the plugin where `STALL_SITE` says (request it before the client)."""
    if not (STALL_SITE / "vsl_lsp_stall.py").exists():
        wheel = build_wheel(STALL_SITE, "vsl_lsp_stall", {"vsl_lsp_stall.py": STALL_PLUGIN},
                            {"sleeps": "vsl_lsp_stall:Sleeps"})
        install([wheel], STALL_SITE)
    return STALL_SITE


@pytest_lsp.fixture(config=_stall_server(3))
async def short_deadline(lsp_client: LanguageClient):
    lsp_client.diagnostics = PublishLog()
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code")))
    yield
    await lsp_client.shutdown_session()


@pytest_lsp.fixture(config=_stall_server(600))
async def long_deadline(lsp_client: LanguageClient):
    lsp_client.diagnostics = PublishLog()
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code")))
    yield


def _stall_project(root: Path) -> Path:
    project(root, {"slow/main.tf": VPC_TF + DB_TF, "fine/main.tf": VPC_TF + DB_TF})
    (root / ".vpcsec-lint.yaml").write_text("select: [VSL101, STALL002]\n")
    return root


@lsp_test
async def test_a_lint_past_its_deadline_is_stopped_and_later_files_are_linted(
        stall_plugin: Path, short_deadline: LanguageClient, tmp_path: Path) -> None:
    client = short_deadline
    root = _stall_project(tmp_path)
    slow = await open_document(client, root / "slow" / "main.tf")
    assert [(d.code, d.severity, d.message) for d in slow] == [(
        "VSL999", types.DiagnosticSeverity.Error,
        "This file was not analysed: its analysis took longer than 3 s and was stopped; its "
        "findings are missing. It is tried again on the next change.")]
    fine = await open_document(client, root / "fine" / "main.tf")
    assert summary(fine) == {("VSL101", 10, 4, 10, 43)}


@lsp_test
async def test_shutdown_is_answered_while_a_lint_runs(
        stall_plugin: Path, long_deadline: LanguageClient, tmp_path: Path) -> None:
    client = long_deadline
    root = _stall_project(tmp_path)
    path = root / "slow" / "main.tf"
    client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(
        uri=path.as_uri(), language_id="terraform", version=1, text=path.read_text())))
    await asyncio.sleep(1)  # the lint has started; it would run for ten minutes
    # A blocked event loop would answer after the lint (600 s): the wait gives up long before.
    assert await asyncio.wait_for(client.shutdown_async(None), WAIT_SECONDS) is None
    client.exit(None)


@lsp_test
async def test_a_buffer_over_the_size_limit_gets_one_vsl000(client: LanguageClient,
                                                            tmp_path: Path) -> None:
    from vpcsec_lint.sources import MAX_FILE_BYTES

    root = project(tmp_path, {"vpc.tf": VPC_TF, "db.tf": DB_TF})
    huge = DB_TF + "#" * MAX_FILE_BYTES + "\n"
    diagnostics = await open_document(client, root / "db.tf", text=huge)
    assert [(d.code, d.range.start.line, d.message) for d in diagnostics] == [
        ("VSL000", 0, "Cannot analyse this file: the buffer is larger than the 5 MiB limit "
                      "for one file.")]
    assert summary(await open_document(client, root / "vpc.tf")) == set()


OVERRIDE_TF = """\
resource "aws_security_group" "db" {
  ingress {
    from_port   = 5432
    to_port     = 5432
    protocol    = "tcp"
    cidr_blocks = ["10.42.1.0/24"]
  }
}
"""


@lsp_test
async def test_editing_an_override_file_never_changes_the_cached_trees(
        client: LanguageClient, tmp_path: Path) -> None:
    root = project(tmp_path, {"vpc.tf": VPC_TF, "db.tf": DB_TF, "db_override.tf": OVERRIDE_TF})
    db_uri, override_uri = (root / "db.tf").as_uri(), (root / "db_override.tf").as_uri()
    assert await open_document(client, root / "db.tf") == []  # the override's ingress wins
    await open_document(client, root / "db_override.tf")
    # The override no longer replaces the ingress blocks: db.tf's own one is back, from
    # the same (cached) parse of db.tf, which merging the override must not have changed.
    waiting = diagnostics_for(client, override_uri)
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=override_uri, version=2),
        content_changes=[types.TextDocumentContentChangeWholeDocument(
            text='resource "aws_security_group" "db" {\n  description = "db"\n}\n')]))
    await waiting
    waiting = diagnostics_for(client, db_uri)
    client.text_document_did_change(types.DidChangeTextDocumentParams(
        text_document=types.VersionedTextDocumentIdentifier(uri=db_uri, version=2),
        content_changes=[types.TextDocumentContentChangeWholeDocument(text=DB_TF)]))
    assert summary(await waiting) == {("VSL101", 7, 4, 7, 43)}


@lsp_test
async def test_each_instance_of_an_expansion_is_its_own_diagnostic(client: LanguageClient,
                                                                   tmp_path: Path) -> None:
    counted = DB_TF.replace('"db" {\n', '"db" {\n  count = 2\n', 1)
    root = project(tmp_path, {"vpc.tf": VPC_TF, "db.tf": counted})
    diagnostics = await open_document(client, root / "db.tf")
    assert sorted((d.range.start.line, d.message.rsplit(" ", 1)[-1]) for d in diagnostics) == [
        (8, "[aws_security_group.db[0]]"), (8, "[aws_security_group.db[1]]")]
