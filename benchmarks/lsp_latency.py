"""How fast `vpcsec-lint lsp` answers a save, driven like an editor over stdio.

    python benchmarks/lsp_latency.py                 # main.tf of terraform-aws-vpc, 20 saves
    python benchmarks/lsp_latency.py --file PATH --repeat 30

The corpus is looked for beside the checkout (`../shared`), or under
`$VPCSEC_SHARED_DIR` when that is set (a worktree elsewhere).

A pygls client starts the server (with an empty parse cache), opens the file
and then edits and saves it the way an editor does. It reports the median and
worst time from sending `didSave` to receiving `publishDiagnostics`:

- `save after a pause`: an in-line edit, the debounced lint of the change has
  run, then the save (the usual case: the change was already parsed);
- `save right after an edit`: an in-line edit saved at once, before the debounce;
- `save right after a new line`: a line inserted and saved at once.

Next to it: the server's cold open and the cold CLI on the same file
(`vpcsec-lint --no-cache FILE`, a fresh process each time). Nothing is
written to disk except the temporary cache. Needs the `lsp` extra (pygls).

On Linux it also reports the CPU time the server and its lint process spent
per save (from `/proc`, clock ticks summed over the whole case): unlike the
wall time, it hardly moves with the load other work puts on the machine. In
`save after a pause` it includes the debounced lint before each save.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time

from lsprotocol import types
from pygls.lsp.client import LanguageClient

REPO = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SHARED = os.environ.get("VPCSEC_SHARED_DIR") or os.path.join(os.path.dirname(REPO), "shared")
DEFAULT_FILE = os.path.join(SHARED, "corpus", "terraform",
                            "terraform-aws-modules__terraform-aws-vpc", "main.tf")
ATTRIBUTE = re.compile(r"^(\s+\w+\s*=)(\s*)(\S.*)$")


class Editor:
    """A language client that records when each document's diagnostics arrive."""

    def __init__(self) -> None:
        self.client = LanguageClient("lsp-latency", "1")
        self.waiters: dict[str, asyncio.Future[float]] = {}
        self.version = 1

        @self.client.feature(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
        def published(params: types.PublishDiagnosticsParams) -> None:
            waiter = self.waiters.pop(params.uri, None)
            if waiter is not None and not waiter.done():
                waiter.set_result(time.perf_counter())

        @self.client.feature(types.WINDOW_LOG_MESSAGE)
        def logged(params: types.LogMessageParams) -> None:
            print(f"server: {params.message}", file=sys.stderr)

    def expect(self, uri: str) -> asyncio.Future[float]:
        future: asyncio.Future[float] = asyncio.get_running_loop().create_future()
        self.waiters[uri] = future
        return future

    async def start(self, env: dict[str, str], debounce: int) -> None:
        await self.client.start_io(sys.executable, "-m", "vpcsec_lint", "lsp",
                                   "--debounce", str(debounce), env=env)
        await self.client.initialize_async(types.InitializeParams(
            capabilities=types.ClientCapabilities(), process_id=os.getpid()))
        self.client.initialized(types.InitializedParams())

    def cpu_seconds(self) -> float | None:
        """CPU time (user + system) of the server and every process under it, or None."""
        server = getattr(self.client, "_server", None)
        if server is None or not os.path.isdir("/proc"):
            return None
        parents: dict[int, int] = {}
        ticks: dict[int, int] = {}
        for entry in os.listdir("/proc"):
            if not entry.isdigit():
                continue
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as handle:
                    fields = handle.read().rsplit(")", 1)[1].split()
            except OSError:
                continue
            parents[int(entry)] = int(fields[1])
            ticks[int(entry)] = int(fields[11]) + int(fields[12])
        ours = {server.pid}
        for _ in range(4):  # the server, its lint process, and what they start
            ours |= {pid for pid, parent in parents.items() if parent in ours}
        return sum(ticks.get(pid, 0) for pid in ours) / os.sysconf("SC_CLK_TCK")

    async def stop(self) -> None:
        await self.client.shutdown_async(None)
        self.client.exit(None)
        await self.client.stop()

    async def open(self, uri: str, text: str) -> float:
        future = self.expect(uri)
        start = time.perf_counter()
        self.client.text_document_did_open(types.DidOpenTextDocumentParams(
            types.TextDocumentItem(uri=uri, language_id="terraform", version=1, text=text)))
        return await asyncio.wait_for(future, 120) - start

    def change(self, uri: str, start: tuple[int, int], end: tuple[int, int], text: str) -> None:
        """Replace the text between two (line, character) positions, as a keystroke does."""
        self.version += 1
        self.client.text_document_did_change(types.DidChangeTextDocumentParams(
            text_document=types.VersionedTextDocumentIdentifier(uri=uri, version=self.version),
            content_changes=[types.TextDocumentContentChangePartial(
                range=types.Range(types.Position(*start), types.Position(*end)), text=text)]))

    def replace_line(self, uri: str, line: int, old: str, new: str) -> None:
        self.change(uri, (line, 0), (line, len(old)), new)

    async def save(self, uri: str) -> float:
        future = self.expect(uri)
        start = time.perf_counter()
        self.client.text_document_did_save(types.DidSaveTextDocumentParams(
            types.TextDocumentIdentifier(uri)))
        return await asyncio.wait_for(future, 120) - start


def edit_line(lines: list[str]) -> int:
    """An attribute line near the middle of the file (its spacing is what the edits toggle)."""
    middle = len(lines) // 2
    for offset in range(len(lines)):
        for index in (middle + offset, middle - offset):
            if 0 <= index < len(lines) and ATTRIBUTE.match(lines[index]):
                return index
    raise SystemExit("no attribute line to edit in this file")


async def measure(path: str, repeat: int,
                  debounce: int) -> tuple[dict[str, list[float]], dict[str, float]]:
    """The samples of each case, and the CPU seconds per save of each (where known)."""
    text = open(path, encoding="utf-8").read()
    lines = text.split("\n")
    line = edit_line(lines)
    original = lines[line]
    match = ATTRIBUTE.match(original)
    assert match is not None
    spaced = f"{match.group(1)}{match.group(2)} {match.group(3)}"
    uri = "file://" + os.path.abspath(path)
    results: dict[str, list[float]] = {"cold open": [], "save after a pause": [],
                                       "save right after an edit": [],
                                       "save right after a new line": []}
    cpu: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as cache:
        editor = Editor()
        await editor.start({**os.environ, "VPCSEC_LINT_CACHE_DIR": cache}, debounce)

        def spent(case: str, since: float | None) -> float | None:
            now = editor.cpu_seconds()
            if since is not None and now is not None:
                cpu[case] = (now - since) / repeat
            return now

        try:
            results["cold open"].append(await editor.open(uri, text))
            current = original
            since = spent("", None)
            for _ in range(repeat):
                new = spaced if current == original else original
                linted = editor.expect(uri)
                editor.replace_line(uri, line, current, new)
                current = new
                await asyncio.wait_for(linted, 120)  # the debounced lint of the change
                results["save after a pause"].append(await editor.save(uri))
            since = spent("save after a pause", since)
            for _ in range(repeat):
                new = spaced if current == original else original
                editor.replace_line(uri, line, current, new)
                current = new
                results["save right after an edit"].append(await editor.save(uri))
            since = spent("save right after an edit", since)
            for index in range(repeat):
                comment = f"  # edit {index}"
                editor.change(uri, (line, len(current)), (line, len(current)), "\n" + comment)
                results["save right after a new line"].append(await editor.save(uri))
                editor.change(uri, (line, len(current)), (line + 1, len(comment)), "")
            spent("save right after a new line", since)
        finally:
            await editor.stop()
    return results, cpu


def cold_cli(path: str, repeat: int) -> list[float]:
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        subprocess.run([sys.executable, "-m", "vpcsec_lint", "--no-cache", path],
                       stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
        samples.append(time.perf_counter() - start)
    return samples


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--file", default=DEFAULT_FILE, help="the .tf file to edit and save")
    parser.add_argument("--repeat", type=int, default=20, help="saves per scenario")
    parser.add_argument("--cli-repeat", type=int, default=3, help="cold CLI runs")
    parser.add_argument("--debounce", type=int, default=300, help="server debounce (ms)")
    args = parser.parse_args()
    if not os.path.isfile(args.file):
        print(f"no such file: {args.file}", file=sys.stderr)
        return 2
    started_load = os.getloadavg()[0]
    results, cpu = asyncio.run(measure(args.file, args.repeat, args.debounce))
    results["cold CLI (--no-cache)"] = cold_cli(args.file, args.cli_repeat)
    print(f"file: {os.path.relpath(args.file)}")
    load = os.getloadavg()
    print(f"machine: {os.cpu_count()} cores, load average {load[0]:.1f} at the end, "
          f"{started_load:.1f} at the start (other work on the machine inflates every figure)")
    print(f"{'case':<30} {'median ms':>10} {'max ms':>10} {'runs':>5} {'CPU ms/save':>12}")
    for case, samples in results.items():
        used = f"{1000 * cpu[case]:>12.1f}" if case in cpu else ""
        print(f"{case:<30} {1000 * statistics.median(samples):>10.1f} "
              f"{1000 * max(samples):>10.1f} {len(samples):>5} {used}".rstrip())
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
