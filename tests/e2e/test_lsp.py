"""End-to-end test of `slipway lsp`: the real binary, driven over stdio by an independent
client (pytest-lsp, built on pygls and lsprotocol), as VS Code and Neovim would drive it.

Run through `.ci/lsp-e2e.sh`, which builds the binary and sets SLIPWAY_BIN.
"""

import asyncio
import json
import os
import pathlib
import subprocess
import urllib.parse

import pytest
import pytest_lsp
from lsprotocol import types
from pytest_lsp import ClientServerConfig, LanguageClient, client_capabilities

SLIPWAY = os.environ.get("SLIPWAY_BIN", "target/debug/slipway")

APP = 'app shop { registry = "ghcr.io/acme" }\n'

SERVICES = """service web {
  image   = "ghcr.io/acme/web:1.2.0"
  replica = 3
  ports { http = 8080 }
}
"""

ENVIRONMENTS = """environment staging {
  cluster   = "staging"
  namespace = "shop-staging"
  trigger   = manual
}

environment prod {
  cluster   = "prod"
  namespace = "shop-prod"
  after     = stagign
}
"""


@pytest_lsp.fixture(
    config=ClientServerConfig(server_command=[SLIPWAY, "lsp"]),
    params=["visual-studio-code", "neovim"],
)
async def client(lsp_client: LanguageClient, request):
    """A client with the capabilities of a real editor (UTF-16 for VS Code, UTF-8 offered by
    Neovim), initialised, and shut down after the test."""
    capabilities = client_capabilities(request.param)
    await lsp_client.initialize_session(types.InitializeParams(capabilities=capabilities))
    yield
    await lsp_client.shutdown_session()


@pytest.fixture
def spec(tmp_path: pathlib.Path) -> pathlib.Path:
    """A spec directory with two mistakes: a misspelt field and a misspelt environment."""
    (tmp_path / "app.slip").write_text(APP)
    (tmp_path / "services.slip").write_text(SERVICES)
    (tmp_path / "environments.slip").write_text(ENVIRONMENTS)
    return tmp_path


async def eventually(condition, what: str, timeout: float = 15.0):
    """Waits until `condition()` holds, polling the notifications the client collected."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while not condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.05)


def open_document(client: LanguageClient, path: pathlib.Path, text: str | None = None):
    item = types.TextDocumentItem(
        uri=path.as_uri(), language_id="slipway", version=1, text=text if text is not None else path.read_text()
    )
    client.text_document_did_open(types.DidOpenTextDocumentParams(text_document=item))


def change_document(client: LanguageClient, path: pathlib.Path, version: int, text: str):
    client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=path.as_uri(), version=version),
            content_changes=[types.TextDocumentContentChangeWholeDocument(text=text)],
        )
    )


def at(path: pathlib.Path, line: int, character: int) -> types.TextDocumentPositionParams:
    return types.TextDocumentPositionParams(
        text_document=types.TextDocumentIdentifier(uri=path.as_uri()),
        position=types.Position(line=line, character=character),
    )


async def test_diagnostics_at_the_right_ranges_then_cleared_when_fixed(client: LanguageClient, spec):
    services = spec / "services.slip"
    environments = spec / "environments.slip"
    open_document(client, services)
    await eventually(lambda: services.as_uri() in client.diagnostics, "diagnostics for services.slip")
    await eventually(lambda: environments.as_uri() in client.diagnostics, "diagnostics for environments.slip")

    [typo] = client.diagnostics[services.as_uri()]
    assert typo.code == "SW0201"
    assert typo.severity == types.DiagnosticSeverity.Error
    assert typo.range == types.Range(start=types.Position(2, 2), end=types.Position(2, 9))
    assert "did you mean `replicas`?" in typo.message

    [unknown] = client.diagnostics[environments.as_uri()]
    assert unknown.code == "SW0103"
    assert unknown.range == types.Range(start=types.Position(9, 14), end=types.Position(9, 21))

    change_document(client, services, 2, SERVICES.replace("replica =", "replicas ="))
    await eventually(lambda: len(client.diagnostics[services.as_uri()]) == 0, "the fixed field to be cleared")
    assert len(client.diagnostics[environments.as_uri()]) == 1, "the other file keeps its problem"

    open_document(client, environments)
    change_document(client, environments, 2, ENVIRONMENTS.replace("stagign", "staging"))
    await eventually(lambda: len(client.diagnostics[environments.as_uri()]) == 0, "the fixed reference to be cleared")


async def test_hover_shows_the_field_type_and_the_reference_target(client: LanguageClient, spec):
    services = spec / "services.slip"
    environments = spec / "environments.slip"
    open_document(client, services)
    hover = await client.text_document_hover_async(types.HoverParams(**vars_of(at(services, 1, 3))))
    assert hover is not None
    assert "image: string" in hover.contents.value
    assert hover.range == types.Range(start=types.Position(1, 2), end=types.Position(1, 7))

    open_document(client, environments)
    hover = await client.text_document_hover_async(types.HoverParams(**vars_of(at(environments, 9, 16))))
    assert hover is not None and "environment" in hover.contents.value


async def test_definition_across_files(client: LanguageClient, spec):
    environments = spec / "environments.slip"
    text = ENVIRONMENTS.replace("stagign", "staging").replace("}\n\nenvironment prod", "  override web {}\n}\n\nenvironment prod")
    environments.write_text(text)
    open_document(client, environments)
    line = text.splitlines().index("  override web {}")
    result = await client.text_document_definition_async(types.DefinitionParams(**vars_of(at(environments, line, 12))))
    location = result[0] if isinstance(result, list) else result
    assert location.uri == (spec / "services.slip").as_uri()
    assert location.range.start == types.Position(0, 8)


async def test_completion_offers_the_fields_of_the_block(client: LanguageClient, spec):
    services = spec / "services.slip"
    text = SERVICES.replace("  ports { http = 8080 }\n", "  resources {\n    limits {  }\n  }\n")
    open_document(client, services, text)
    line = text.splitlines().index("    limits {  }")
    result = await client.text_document_completion_async(types.CompletionParams(**vars_of(at(services, line, 13))))
    items = result.items if isinstance(result, types.CompletionList) else result
    assert {item.label for item in items} == {"cpu", "memory"}


async def test_formatting_answers_with_the_formatted_text(client: LanguageClient, spec):
    messy = spec / "messy.slip"
    messy.write_text('service web {\nimage="ghcr.io/acme/web:1"\n      replicas   =  2\n}\n')
    open_document(client, messy)
    edits = await client.text_document_formatting_async(
        types.DocumentFormattingParams(
            text_document=types.TextDocumentIdentifier(uri=messy.as_uri()),
            options=types.FormattingOptions(tab_size=2, insert_spaces=True),
        )
    )
    assert len(edits) == 1
    assert edits[0].new_text == 'service web {\n  image    = "ghcr.io/acme/web:1"\n  replicas = 2\n}\n'


# The standard library in the editor: imported names work like the spec's own.

STANDARD = """import std/strategies

environment canary {
  cluster   = "prod"
  namespace = "shop-canary"
  after     = staging
  strategy  = strategies.progressive-canary
}
"""

STRATEGY_LINE = STANDARD.splitlines().index("  strategy  = strategies.progressive-canary")


def path_of(uri: str) -> pathlib.Path:
    return pathlib.Path(urllib.parse.unquote(urllib.parse.urlparse(uri).path))


async def test_definition_of_a_standard_strategy_opens_the_library_source(client: LanguageClient, spec):
    canary = spec / "canary.slip"
    canary.write_text(STANDARD)
    open_document(client, canary)
    position = at(canary, STRATEGY_LINE, len("  strategy  = strategies.progr"))
    result = await client.text_document_definition_async(types.DefinitionParams(**vars_of(position)))
    location = result[0] if isinstance(result, list) else result
    source = path_of(location.uri)
    assert source.name == "strategies.slip" and source.parent.name == "std"
    assert source.stat().st_mode & 0o222 == 0, "the copy of the library is read-only"
    line = source.read_text().splitlines()[location.range.start.line]
    assert line[location.range.start.character : location.range.end.character] == "progressive-canary"
    assert line.startswith("strategy progressive-canary = canary")

    hover = await client.text_document_hover_async(types.HoverParams(**vars_of(position)))
    assert "From `import std/strategies`" in hover.contents.value
    assert "A progressive canary" in hover.contents.value


async def completion_labels(client: LanguageClient, path: pathlib.Path, line: int, character: int, trigger: str):
    context = types.CompletionContext(
        trigger_kind=types.CompletionTriggerKind.TriggerCharacter, trigger_character=trigger
    )
    params = types.CompletionParams(**vars_of(at(path, line, character)), context=context)
    result = await client.text_document_completion_async(params)
    items = result.items if isinstance(result, types.CompletionList) else (result or [])
    return {item.label for item in items}


async def test_completion_offers_the_standard_strategies(client: LanguageClient, spec):
    canary = spec / "canary.slip"
    after_alias = STANDARD.replace("strategies.progressive-canary", "strategies.")
    canary.write_text(after_alias)
    open_document(client, canary)
    labels = await completion_labels(client, canary, STRATEGY_LINE, len("  strategy  = strategies."), ".")
    assert labels == {"blue-green-approval", "progressive-canary", "rolling-defaults"}

    after_equals = STANDARD.replace("strategies.progressive-canary", "")
    change_document(client, canary, 2, after_equals)
    labels = await completion_labels(client, canary, STRATEGY_LINE, len("  strategy  = "), " ")
    assert {"strategies.progressive-canary", "strategies.blue-green-approval", "canary", "rolling"} <= labels

    labels = await completion_labels(client, canary, 1, 0, " ")
    assert labels == set(), "a space where nothing is completed opens no list"


def vars_of(position: types.TextDocumentPositionParams) -> dict:
    return {"text_document": position.text_document, "position": position.position}


# Hostile input (docs/reliability.md, "Language server"): sizes, framing mistakes, bursts.

EDIT = '/// Edit {}.\nservice web {{\n  image = "ghcr.io/acme/web:1"\n}}\n'


async def test_a_burst_of_edits_then_a_hover_sees_the_last_edit(client: LanguageClient, spec):
    web = spec / "web.slip"
    open_document(client, web, EDIT.format(1))
    for version in range(2, 1002):
        change_document(client, web, version, EDIT.format(version))
    hover = await client.text_document_hover_async(types.HoverParams(**vars_of(at(web, 1, 9))))
    assert hover is not None and "Edit 1001." in hover.contents.value


async def test_a_document_over_the_size_limit_is_marked_and_not_checked(client: LanguageClient, spec):
    big = spec / "big.slip"
    open_document(client, big, "// filler\n" * 110_000)
    await eventually(lambda: big.as_uri() in client.diagnostics, "diagnostics for big.slip")
    [too_large] = client.diagnostics[big.as_uri()]
    assert too_large.code == "SW0005"
    assert "larger than 1 MiB" in too_large.message


def frame(message: dict) -> bytes:
    body = json.dumps(message).encode()
    return b"Content-Length: %d\r\n\r\n" % len(body) + body


class RawServer:
    """`slipway lsp` driven byte by byte, for frames no real client would write."""

    def __init__(self):
        self.process = subprocess.Popen(
            [SLIPWAY, "lsp"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL
        )

    def write(self, data: bytes):
        self.process.stdin.write(data)
        self.process.stdin.flush()

    def response(self, id: int) -> dict:
        while True:
            length = None
            while (line := self.process.stdout.readline().strip()) != b"":
                if line.lower().startswith(b"content-length:"):
                    length = int(line.split(b":")[1])
            message = json.loads(self.process.stdout.read(length))
            if message.get("id") == id and "method" not in message:
                return message

    def request(self, id: int, method: str, params=None) -> dict:
        self.write(frame({"jsonrpc": "2.0", "id": id, "method": method, "params": params}))
        return self.response(id)

    def peak_rss_mib(self) -> int:
        status = pathlib.Path(f"/proc/{self.process.pid}/status").read_text()
        line = next(line for line in status.splitlines() if line.startswith("VmHWM:"))
        return int(line.split()[1]) // 1024

    def stop(self) -> int:
        assert self.request(900, "shutdown")["result"] is None
        self.write(frame({"jsonrpc": "2.0", "method": "exit"}))
        return self.process.wait(timeout=60)


@pytest.mark.parametrize("length", [b"1000000000000", b"2000000000", b"18446744073709551615"])
def test_a_huge_content_length_costs_no_memory(length):
    server = RawServer()
    server.write(b"Content-Length: " + length + b"\r\n\r\n{}")
    assert "capabilities" in server.request(1, "initialize", {"capabilities": {}})["result"]
    assert server.peak_rss_mib() < 100
    assert server.stop() == 0


HOVER = b'{"jsonrpc":"2.0","id":50,"method":"textDocument/hover","params":{}}'


@pytest.mark.parametrize(
    "broken",
    [
        b"Content-Length: %d\r\n\r\n" % (len(HOVER) - 5) + HOVER,
        b"Content-Length: %d\r\n\r\n" % (len(HOVER) + 5) + HOVER,
        b"Content-Length: abc\r\n\r\n" + HOVER,
        b"Content-Length: -5\r\n\r\n" + HOVER,
        b"Content-Length: %d\n\n" % len(HOVER) + HOVER,
    ],
    ids=["5-short", "5-long", "not-a-number", "negative", "lf-only"],
)
def test_after_a_framing_mistake_the_server_still_answers(broken):
    server = RawServer()
    assert "capabilities" in server.request(1, "initialize", {"capabilities": {}})["result"]
    server.write(broken)
    symbols = server.request(2, "textDocument/documentSymbol", {"textDocument": {"uri": "untitled:x"}})
    assert symbols["result"] == []
    assert server.stop() == 0
