"""Reachability in the editor: code lens and hover through the real language server."""

from __future__ import annotations

import sys

import pytest
from helpers import FIXTURES

pytest.importorskip("pygls")
pytest_lsp = pytest.importorskip("pytest_lsp")

from lsprotocol import types  # noqa: E402
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities  # noqa: E402

SERVER = ClientServerConfig(
    server_command=[sys.executable, "-m", "vpcsec_lint", "lsp", "--debounce", "20"])
APP = FIXTURES / "terraform" / "VSL601" / "fire" / "app.tf"


@pytest_lsp.fixture(config=SERVER)
async def client(lsp_client: LanguageClient):
    await lsp_client.initialize_session(types.InitializeParams(
        capabilities=client_capabilities("visual-studio-code")))
    yield
    await lsp_client.shutdown_session()


@pytest.mark.asyncio(loop_scope="function")
async def test_code_lens_and_hover_on_each_workload(client: LanguageClient):
    uri = APP.as_uri()
    client.text_document_did_open(types.DidOpenTextDocumentParams(
        types.TextDocumentItem(uri=uri, language_id="terraform", version=1,
                               text=APP.read_text())))
    lenses = await client.text_document_code_lens_async(
        types.CodeLensParams(text_document=types.TextDocumentIdentifier(uri=uri)))
    got = [(lens.range.start.line + 1, lens.command.title) for lens in lenses]
    assert got == [
        (56, "reaches aws_db_instance.orders ✗ (blocked at source-sg-egress)"),
        (70, "reaches aws_db_instance.orders ✓ · aws_elasticache_replication_group.sessions "
             "✗ (blocked at target-sg-ingress)"),
        (86, "reaches aws_db_instance.orders ✗ (blocked at vpc-attachment)")]
    hover = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(55, 12)))
    text = hover.contents.value
    assert text.startswith("**aws\\_lambda\\_function.api** must reach:")
    assert f"- blocked source-sg-egress at aws\\_security\\_group.api [app.tf:2]({uri}#L2)" \
        in text
    none = await client.text_document_hover_async(types.HoverParams(
        text_document=types.TextDocumentIdentifier(uri=uri), position=types.Position(0, 0)))
    assert none is None
