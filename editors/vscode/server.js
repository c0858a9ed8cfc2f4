"use strict";
// How the extension starts `vpcsec-lint lsp` and what it tells it. Plain Node (no `vscode`
// import), so the node test starts the server exactly as the extension does.

const fs = require("node:fs");
const path = require("node:path");

/** The files the server lints: Terraform by name (VS Code needs an extension to know `.tf`),
 * and YAML/JSON, of which the server itself keeps only CloudFormation templates. */
const DOCUMENT_SELECTOR = [
  { scheme: "file", language: "terraform" },
  { scheme: "file", language: "terraform-vars" },
  { scheme: "file", pattern: "**/*.{tf,tfvars}" },
  { scheme: "file", pattern: "**/*.{tf,tfvars}.json" },
  { scheme: "file", language: "yaml" },
  { scheme: "file", language: "json" },
  { scheme: "file", pattern: "**/*.template" },
];

/** The settings under `vpcsecLint.*`, with their defaults. */
function readSettings(get) {
  return {
    path: get("path", "") || "",
    interpreter: get("interpreter", "") || "",
    args: Array.isArray(get("args", [])) ? get("args", []).map(String) : [],
    config: get("config", "") || "",
  };
}

/** The command line: `vpcsecLint.path`, else `vpcsecLint.interpreter -m vpcsec_lint`, else
 * `vpcsec-lint` from PATH; then `lsp`, `--config FILE` and the extra arguments. */
function serverCommand(settings) {
  const lsp = ["lsp", ...(settings.config ? ["--config", settings.config] : []), ...settings.args];
  if (settings.path) return { command: settings.path, args: lsp };
  if (settings.interpreter) return { command: settings.interpreter, args: ["-m", "vpcsec_lint", ...lsp] };
  return { command: "vpcsec-lint", args: lsp };
}

/** The absolute path of `command` (a path, or a name looked up on PATH), or null. */
function findExecutable(command, env = process.env) {
  const candidates = command.includes("/") || command.includes("\\")
    ? [command]
    : (env.PATH || "").split(path.delimiter).filter(Boolean).flatMap((dir) =>
        process.platform === "win32"
          ? [".exe", ".cmd", ""].map((ext) => path.join(dir, command + ext))
          : [path.join(dir, command)]);
  for (const candidate of candidates) {
    try {
      fs.accessSync(candidate, fs.constants.X_OK);
      if (fs.statSync(candidate).isFile()) return path.resolve(candidate);
    } catch {
      // not this one
    }
  }
  return null;
}

/** What the user reads when the server cannot be found. */
function missingServerMessage(command) {
  return `vpcsec-lint: cannot start the language server: \`${command}\` was not found. ` +
    "Install vpcsec-lint with its language server (in a checkout: pip install '.[lsp]'), " +
    "then set vpcsecLint.path to its vpcsec-lint executable or vpcsecLint.interpreter " +
    "to its Python, or put vpcsec-lint on PATH.";
}

/** The LSP `initializationOptions` the extension sends (the server reads its options from the
 * command line; the client's name and version go in `clientInfo`). */
function initializationOptions(settings) {
  return { settings: { config: settings.config || null, args: settings.args } };
}

module.exports = {
  DOCUMENT_SELECTOR, findExecutable, initializationOptions, missingServerMessage, readSettings,
  serverCommand,
};
