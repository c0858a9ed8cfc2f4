"use strict";
// VS Code extension: starts `vpcsec-lint lsp` for Terraform and CloudFormation files.

const vscode = require("vscode");
const { LanguageClient } = require("vscode-languageclient/node");
const {
  DOCUMENT_SELECTOR, findExecutable, initializationOptions, missingServerMessage, readSettings,
  serverCommand,
} = require("./server");

let client = null;

async function start() {
  const settings = readSettings((key, fallback) =>
    vscode.workspace.getConfiguration("vpcsecLint").get(key, fallback));
  const { command, args } = serverCommand(settings);
  if (!findExecutable(command)) {
    const choice = await vscode.window.showErrorMessage(missingServerMessage(command),
      "Open Settings");
    if (choice === "Open Settings") {
      vscode.commands.executeCommand("workbench.action.openSettings", "vpcsecLint");
    }
    return;
  }
  const cwd = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  client = new LanguageClient("vpcsecLint", "vpcsec-lint",
    { command, args, options: cwd ? { cwd } : {} },
    { documentSelector: DOCUMENT_SELECTOR, initializationOptions: initializationOptions(settings) });
  try {
    await client.start();
  } catch (error) {
    client = null;
    vscode.window.showErrorMessage(`vpcsec-lint: the language server failed to start: ${error}`);
  }
}

async function stop() {
  if (client) {
    const running = client;
    client = null;
    await running.stop();
  }
}

function activate(context) {
  context.subscriptions.push(
    vscode.commands.registerCommand("vpcsecLint.restart", async () => { await stop(); await start(); }),
    vscode.workspace.onDidChangeConfiguration(async (event) => {
      if (event.affectsConfiguration("vpcsecLint")) { await stop(); await start(); }
    }),
  );
  return start();
}

function deactivate() {
  return stop();
}

module.exports = { activate, deactivate };
