// The Slipway extension: starts `slipway lsp` (stdio) for *.slip files and tells it when spec
// files change on disk, so diagnostics always cover the whole directory a file belongs to.
"use strict";

const vscode = require("vscode");
const { LanguageClient, TransportKind } = require("vscode-languageclient/node");

let client;

function createClient() {
  const command = vscode.workspace.getConfiguration("slipway").get("server.path", "slipway");
  const serverOptions = { command, args: ["lsp"], transport: TransportKind.stdio };
  const clientOptions = {
    documentSelector: [
      { scheme: "file", language: "slipway" },
      { scheme: "untitled", language: "slipway" },
    ],
    synchronize: { fileEvents: vscode.workspace.createFileSystemWatcher("**/*.slip") },
  };
  return new LanguageClient("slipway", "Slipway", serverOptions, clientOptions);
}

async function activate(context) {
  client = createClient();
  context.subscriptions.push(
    vscode.commands.registerCommand("slipway.restartServer", async () => {
      if (client) {
        await client.stop();
      }
      client = createClient();
      await client.start();
    }),
  );
  await client.start();
}

async function deactivate() {
  if (client) {
    await client.stop();
  }
}

module.exports = { activate, deactivate };
