"use strict";
// Drives the real `vpcsec-lint lsp`, started with the command line and initialization options
// the extension uses (server.js), over JSON-RPC, and checks the diagnostics of a known finding.

const assert = require("node:assert/strict");
const { spawn } = require("node:child_process");
const fs = require("node:fs");
const os = require("node:os");
const path = require("node:path");
const { pathToFileURL } = require("node:url");
const { test } = require("node:test");
const rpc = require("vscode-jsonrpc/node");
const manifest = require("../package.json");
const {
  DOCUMENT_SELECTOR, findExecutable, initializationOptions, missingServerMessage, readSettings,
  serverCommand,
} = require("../server");

const MAIN_TF = `resource "aws_vpc" "main" {
  cidr_block = "10.42.0.0/16"
}

resource "aws_security_group" "db" {
  vpc_id = aws_vpc.main.id
  ingress {
    from_port   = 5432
    to_port     = 5432
    protocol    = "tcp"
    cidr_blocks = [aws_vpc.main.cidr_block]
  }
}
`;

/** The settings as VS Code would return them: the manifest's defaults, then `overrides`. */
function settingsWith(overrides) {
  const properties = manifest.contributes.configuration.properties;
  return readSettings((key, fallback) => {
    if (key in overrides) return overrides[key];
    const declared = properties[`vpcsecLint.${key}`];
    assert.ok(declared, `vpcsecLint.${key} is not declared in package.json`);
    return declared.default ?? fallback;
  });
}

test("the command line follows the settings", () => {
  assert.deepEqual(serverCommand(settingsWith({})), { command: "vpcsec-lint", args: ["lsp"] });
  assert.deepEqual(serverCommand(settingsWith({ interpreter: "/v/bin/python", config: "c.yaml" })),
    { command: "/v/bin/python", args: ["-m", "vpcsec_lint", "lsp", "--config", "c.yaml"] });
  assert.deepEqual(serverCommand(settingsWith({ path: "/v/bin/vpcsec-lint", interpreter: "/x",
    args: ["--debounce", "50"] })), { command: "/v/bin/vpcsec-lint", args: ["lsp", "--debounce", "50"] });
});

test("a missing server is found missing, with a message naming the settings", () => {
  assert.equal(findExecutable("/nonexistent/vpcsec-lint"), null);
  assert.equal(findExecutable("vpcsec-lint", { PATH: os.tmpdir() + path.delimiter }), null);
  const message = missingServerMessage("vpcsec-lint");
  for (const needle of ["`vpcsec-lint` was not found", "vpcsecLint.path", "vpcsecLint.interpreter", "PATH"]) {
    assert.ok(message.includes(needle), needle);
  }
});

test("the real server publishes the finding of a Terraform file", { timeout: 120000 }, async (t) => {
  const settings = settingsWith(process.env.VPCSEC_LINT ? { path: process.env.VPCSEC_LINT } : {});
  const { command, args } = serverCommand(settings);
  const executable = findExecutable(command);
  if (!executable) {
    if (process.env.CI === "true") assert.fail(missingServerMessage(command));
    t.skip(`${command} is not installed`);
    return;
  }
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "vpcsec-vscode-"));
  fs.writeFileSync(path.join(root, "main.tf"), MAIN_TF);
  const uri = pathToFileURL(path.join(root, "main.tf")).href;
  const server = spawn(executable, args, { cwd: root, stdio: ["pipe", "pipe", "inherit"] });
  const connection = rpc.createMessageConnection(
    new rpc.StreamMessageReader(server.stdout), new rpc.StreamMessageWriter(server.stdin));
  const published = new Promise((resolve) => {
    connection.onNotification("textDocument/publishDiagnostics", (params) => {
      if (params.uri === uri && params.diagnostics.length > 0) resolve(params.diagnostics);
    });
  });
  connection.listen();
  try {
    const result = await connection.sendRequest("initialize", {
      processId: process.pid,
      clientInfo: { name: "vscode-vpcsec-lint-test" },
      rootUri: pathToFileURL(root).href,
      workspaceFolders: [{ uri: pathToFileURL(root).href, name: "root" }],
      capabilities: { textDocument: { publishDiagnostics: { relatedInformation: true } } },
      initializationOptions: initializationOptions(settings),
    });
    assert.ok(result.capabilities.textDocumentSync, "the server declares text document sync");
    await connection.sendNotification("initialized", {});
    assert.ok(DOCUMENT_SELECTOR.some((s) => s.language === "terraform"));
    await connection.sendNotification("textDocument/didOpen", {
      textDocument: { uri, languageId: "terraform", version: 1, text: MAIN_TF },
    });
    const diagnostics = await published;
    assert.deepEqual(diagnostics.map((d) => [d.code, d.range.start.line, d.range.start.character, d.severity]),
      [["VSL101", 10, 4, 2]]);
    assert.match(diagnostics[0].message, /whole VPC CIDR/);
    await connection.sendRequest("shutdown");
    await connection.sendNotification("exit");
  } finally {
    connection.dispose();
    server.kill();
    fs.rmSync(root, { recursive: true, force: true });
  }
});
