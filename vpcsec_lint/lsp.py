"""`vpcsec-lint lsp`: a language server that lints the editor's buffer.

Diagnostics are computed on `didOpen`, `didSave` and (debounced) `didChange`
from the text in the editor; the rest of a Terraform module is read from disk.
Each lint is a `session.Session` with the open buffers as its overlay, so the
editor applies the configuration exactly as the CLI does. One long-lived
`terraform.reparse.BufferParseCache` keeps every parsed file keyed by its text,
so a save re-parses only what changed (a sibling edited on disk included) and
then re-evaluates the module. CloudFormation templates are linted as
themselves; other YAML/JSON gets no diagnostics.

The module has three parts: `BufferLinter` (plain Python: findings per file and
the quick-fix edits from `quick_fixes` that suppress them), `LintWorker` (runs a `BufferLinter` in
a child process, so analysis never blocks the server's event loop and a lint
past its deadline is stopped by ending that process) and `create_server` (the
protocol, on pygls 2). pygls is imported only when the server starts, so the
plain CLI never pays for it.

Limits are the CLI's: a buffer over the file size limit gets one VSL000, and a
lint gets the unit time limit (`units.unit_seconds()`); past it, the file gets
one VSL999 diagnostic and the next lint starts a fresh child.
"""

from __future__ import annotations

import argparse
import os
import traceback
from collections.abc import Callable, Sequence
from typing import TYPE_CHECKING, Any

from vpcsec_lint.findings import Finding, printable
from vpcsec_lint.findings import shown as bounded
from vpcsec_lint.quick_fixes import Edit, cloudformation_fix, split_lines, terraform_fix
from vpcsec_lint.raw import Unit
from vpcsec_lint.records import Record
from vpcsec_lint.session import TOO_LARGE, Overlay, Session, norm, too_large
from vpcsec_lint.terraform.loader import is_tf_file, is_tfvars_file
from vpcsec_lint.terraform.reparse import BufferParseCache
from vpcsec_lint.values import Location

if TYPE_CHECKING:
    from pygls.lsp.server import LanguageServer

    from vpcsec_lint.unit_cache import Reads, Snapshot


SOURCE = "vpcsec-lint"
DEFAULT_DEBOUNCE_MS = 300


# -- the linter (no protocol here) -------------------------------------------

class Shown(Record):
    """A finding as shown in one file.

    `loc` is where it is drawn: the finding's own location, or for a finding
    reported elsewhere (`primary` false) the first of its related locations in
    this file (shown as a hint that links to where the finding is).
    """

    __slots__ = ("finding", "loc", "primary", "fix")

    def __init__(self, finding: Finding, loc: Location, primary: bool,
                 fix: Edit | None = None) -> None:
        self.finding = finding
        self.loc = loc
        self.primary = primary
        self.fix = fix


class LintResult(Record):
    """Every file of the linted unit with what to show in it, and the texts of the files
    its findings point into (to place their ranges: all that crosses the pipe)."""

    __slots__ = ("shown", "texts")

    def __init__(self, shown: dict[str, list[Shown]] | None = None,
                 texts: dict[str, str] | None = None) -> None:
        self.shown = {} if shown is None else shown
        self.texts = {} if texts is None else texts

def lint_arguments(argv: Sequence[str] = ()) -> argparse.Namespace:
    """The server's command line, as the Namespace `config.resolve_options` expects."""
    parser = argparse.ArgumentParser(
        prog="vpcsec-lint lsp",
        description="Language server on stdio: lints Terraform and CloudFormation buffers.")
    parser.add_argument("--config", metavar="FILE", help="explicit configuration file")
    parser.add_argument("--select", metavar="IDS", help="rule IDs or prefixes to run")
    parser.add_argument("--ignore", metavar="IDS", help="rule IDs or prefixes to skip")
    parser.add_argument("--var-file", action="append", default=[], metavar="FILE",
                        help="a Terraform variables file to apply to every module")
    parser.add_argument("--debounce", type=int, default=DEFAULT_DEBOUNCE_MS, metavar="MS",
                        help="delay after the last change before linting the buffer "
                             f"(default: {DEFAULT_DEBOUNCE_MS} ms)")
    args = parser.parse_args(list(argv))
    args.fail_on = None
    args.jobs = None
    args.var_file = [os.path.abspath(p) for p in args.var_file]
    return args


class BufferLinter:
    """Lints one file at a time with the editor's open buffers overlaid on the disk."""

    def __init__(self, args: argparse.Namespace, buffers: Callable[[], dict[str, str]]) -> None:
        self.args = args
        self.buffers = buffers
        """Open documents: absolute normalised path -> text."""
        self.overlay = Overlay()
        """The open documents as they were when the current lint started."""
        self.cache = BufferParseCache(self.overlay.read, self.overlay.__contains__)
        self._sessions: dict[tuple, Session] = {}
        self._last: dict[str, LastLint] = {}
        """Each path's latest lint, re-used while nothing it read has changed."""

    def session_for(self, path: str) -> Session:
        """The session of `path`'s config file; ValueError for an invalid one."""
        from vpcsec_lint.config import find_config, resolve_options

        config = self.args.config or find_config(path)
        try:
            stat = os.stat(config) if config else None
            stamp = (stat.st_mtime_ns, stat.st_size) if stat else None
        except OSError:
            stamp = None
        key = (config, stamp)
        if key not in self._sessions:
            options, settings = resolve_options(self.args, [path])
            session = Session(options, settings, self.overlay)
            session.parse_cache = self.cache  # one parse cache for every config file
            self._sessions[key] = session
        return self._sessions[key]

    def lint(self, path: str) -> LintResult | None:
        """What to show in `path` and the other files of its unit; None if it is not ours.

        A save right after the debounced lint of the same text (the usual case)
        re-uses that lint when the open buffers are the same and every file and
        directory it read is unchanged on disk.
        """
        import time

        from vpcsec_lint.unit_cache import Reads, recording

        path = norm(path)
        self.overlay.replace(self.buffers())
        session = self.session_for(path)
        last = self._last.pop(path, None)
        if last is not None and last.holds(session, self.overlay.texts):
            self._last[path] = last
            return last.result
        reads, started = Reads(), time.time_ns()
        with recording(reads):
            result = self._lint(path, session)
        last = LastLint.of(session, self.overlay.texts, reads, started, result)
        if last is not None:
            if len(self._last) >= MAX_REMEMBERED_LINTS:
                del self._last[next(iter(self._last))]  # the least recently used
            self._last[path] = last
        return result

    def _lint(self, path: str, session: Session) -> LintResult | None:
        if session.excluded(path):
            return LintResult({path: []})
        if too_large(self.overlay.get(path) or ""):
            from vpcsec_lint.engine import parse_error

            framework = "terraform" if path.endswith((".tf", ".tf.json", ".tfvars")) \
                else "cloudformation"
            finding = parse_error(path, TOO_LARGE, framework=framework)
            return LintResult({path: [Shown(finding, finding.loc, True)]})
        unit = self._load(path, session)
        if unit is None:
            return None
        findings = session.finish(session.lint_unit(unit))
        return self._place(path, unit, [f for f in findings if not f.suppressed])

    def _load(self, path: str, session: Session) -> Unit | None:
        from vpcsec_lint.tasks import Task

        name = os.path.basename(path)
        if is_tf_file(name) or is_tfvars_file(name) or \
                path in map(norm, session.options.var_files):
            # The document belongs to its module even when it is not on disk yet.
            return session.load(Task("terraform", os.path.dirname(path)), extra=path)
        from vpcsec_lint.discovery import is_cfn_candidate

        if not is_cfn_candidate(name):
            return None
        unit = session.load(Task("cloudformation", path))
        text = self.overlay.get(path)
        if unit is not None and text is not None:
            unit.texts.setdefault(path, text)
        return unit

    def _place(self, path: str, unit: Unit, findings: list[Finding]) -> LintResult:
        """Findings per file of the unit; files of called modules are not the unit's.

        The texts cover called modules too (their parse is cached), so that
        ranges and quick fixes that point into them are exact.
        """
        texts = {norm(p): t for p, t in [*self.cache.texts.items(), *unit.texts.items()]}
        result = LintResult({norm(p): [] for p in [path, *unit.files]})
        for finding in findings:
            for where in [finding.loc.path, *(r.loc.path for r in finding.related)]:
                where = norm(where)
                if where in texts:
                    result.texts[where] = texts[where]
            main = norm(finding.loc.path)
            fix = self._fix(finding, unit, texts)
            if main in result.shown:
                result.shown[main].append(Shown(finding, finding.loc, True, fix))
            for related in finding.related:
                where = norm(related.loc.path)
                if where == main or where not in result.shown:
                    continue
                if any(s.finding is finding for s in result.shown[where]):
                    continue  # once per file, at its first related location there
                result.shown[where].append(Shown(finding, related.loc, False, fix))
        return result

    def _fix(self, finding: Finding, unit: Unit, texts: dict[str, str]) -> Edit | None:
        from vpcsec_lint.registry import PSEUDO_RULES

        if finding.rule_id in PSEUDO_RULES:
            return None
        if unit.framework == "terraform":
            return terraform_fix(finding, unit, texts)
        path = norm(finding.loc.path)
        text = texts.get(path)
        return cloudformation_fix(finding, unit, path, text) if text is not None else None


MAX_REMEMBERED_LINTS = 64
"""Paths whose latest lint `BufferLinter` keeps for re-use."""


class LastLint(Record):
    """A lint's result with what it depended on: the session, the open buffers, and the
    files, directories and derived values it read (a `unit_cache.Snapshot`, checked as the
    unit cache checks its entries)."""

    __slots__ = ("session", "buffers", "read", "result")

    def __init__(self, session: Session, buffers: dict[str, str], read: Snapshot,
                 result: LintResult | None) -> None:
        self.session = session
        self.buffers = buffers
        self.read = read
        self.result = result

    @classmethod
    def of(cls, session: Session, buffers: dict[str, str], reads: Reads, started_ns: int,
           result: LintResult | None) -> LastLint | None:
        """None when a file it read changed too recently to tell a later change by its
        digest alone (`unit_cache.RACY_NS`, as for the unit cache)."""
        from vpcsec_lint.unit_cache import Snapshot

        read = Snapshot.taken(reads, started_ns)
        return None if read is None else cls(session, dict(buffers), read, result)

    def holds(self, session: Session, buffers: dict[str, str]) -> bool:
        """Whether linting again now would read exactly what this lint read."""
        return session is self.session and buffers == self.buffers and self.read.holds()


# -- linting in a child process ------------------------------------------------------

class LintWorker:
    """A `BufferLinter` in a child process, asked one lint at a time.

    The child keeps the parse cache between lints. `lint` blocks (call it off
    the event loop) for at most `seconds`; past that, the child is killed and
    the next lint starts a new one. The child's standard output is its standard
    error: nothing it prints can reach the JSON-RPC stream.
    """

    def __init__(self, args: argparse.Namespace) -> None:
        self.args = args
        self._process: Any = None
        self._conn: Any = None

    def lint(self, path: str, buffers: dict[str, str], seconds: float) -> tuple[str, Any]:
        """`("result", LintResult | None)`, `("config", message)` for an invalid config
        file, `("failed", text)` for a bug, or `("timeout", seconds)`."""
        if self._process is None or not self._process.is_alive():
            self._start()
        try:
            self._conn.send((path, buffers))
            if self._conn.poll(seconds if seconds > 0 else None):
                return self._conn.recv()
        except (EOFError, OSError) as exc:
            self.stop()
            return "failed", f"the lint process ended ({exc or type(exc).__name__})"
        self.stop()
        return "timeout", seconds

    def _start(self) -> None:
        import multiprocessing

        context = multiprocessing.get_context("spawn")  # the server runs threads: no fork
        self._conn, child = context.Pipe()
        self._process = context.Process(target=_lint_worker, args=(child, self.args),
                                        daemon=True, name="vpcsec-lint-lsp-worker")
        self._process.start()
        child.close()

    def stop(self) -> None:
        if self._process is not None:
            self._process.kill()
            self._process.join(5)
            self._conn.close()
        self._process = self._conn = None


def _lint_worker(conn: Any, args: argparse.Namespace) -> None:
    """The child's loop: `(path, buffers)` in, `LintWorker.lint`'s answer out.

    Its standard input is /dev/null and its standard output goes to standard
    error: the JSON-RPC stream is neither readable (`file("/dev/stdin")`) nor
    writable from here.
    """
    null = os.open(os.devnull, os.O_RDONLY)
    os.dup2(null, 0)
    os.close(null)
    os.dup2(2, 1)
    buffers: dict[str, str] = {}
    linter = BufferLinter(args, lambda: dict(buffers))
    while True:
        try:
            path, current = conn.recv()
        except (EOFError, OSError):
            return
        buffers.clear()
        buffers.update(current)
        try:
            reply: tuple[str, Any] = ("result", linter.lint(path))
        except ValueError as exc:  # an invalid configuration file
            reply = ("config", str(exc))
        except Exception:
            reply = ("failed", traceback.format_exc())
        conn.send(reply)

# -- the protocol ---------------------------------------------------------------

LSP_SEVERITY = {"error": 1, "warning": 2, "note": 3}
"""Ours -> `DiagnosticSeverity` (Error, Warning, Information)."""


def serve(argv: Sequence[str] = ()) -> int:
    """Run the language server on stdio until the client says `exit`."""
    args = lint_arguments(argv)
    try:
        server = create_server(args)
    except ImportError as exc:
        import sys

        print(f"vpcsec-lint: error: the language server needs pygls 2 ({exc}); "
              "install it into this environment with: pip install 'pygls>=2,<3'", file=sys.stderr)
        return 2
    server.start_io()
    return 0


async def off_loop(function: Callable[..., Any], *args: Any) -> Any:
    """`function(*args)` in a daemon thread, awaited: the event loop keeps answering
    (`shutdown` included) and, unlike an executor's, the thread never delays exit."""
    import asyncio
    import threading

    loop = asyncio.get_running_loop()
    future = loop.create_future()

    def settle(outcome: Any, failed: bool) -> None:
        if not future.done():
            (future.set_exception if failed else future.set_result)(outcome)

    def target() -> None:
        try:
            outcome, failed = function(*args), False
        except BaseException as exc:  # handed to the awaiting coroutine
            outcome, failed = exc, True
        loop.call_soon_threadsafe(settle, outcome, failed)

    threading.Thread(target=target, daemon=True, name="vpcsec-lint-lint").start()
    return await future


def create_server(args: argparse.Namespace) -> LanguageServer:
    """The pygls server with its handlers."""
    import asyncio

    from lsprotocol import types
    from pygls.lsp.server import LanguageServer
    from pygls.uris import from_fs_path, to_fs_path

    from vpcsec_lint import __version__

    server = LanguageServer(SOURCE, __version__,
                            text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
    published: dict[str, list[tuple[types.Diagnostic, Edit | None]]] = {}
    pending: dict[str, asyncio.TimerHandle] = {}
    reported_config_errors: set[str] = set()

    def open_buffers() -> dict[str, str]:
        out = {}
        for document in list(server.workspace.text_documents.values()):
            path = to_fs_path(document.uri)
            if path:
                out[norm(path)] = document.source
        return out

    def log(message: str, kind: types.MessageType = types.MessageType.Error) -> None:
        server.window_log_message(types.LogMessageParams(type=kind, message=message))

    def uri_of(path: str) -> str:
        for document in list(server.workspace.text_documents.values()):
            fs_path = to_fs_path(document.uri)
            if fs_path and norm(fs_path) == path:
                return document.uri
        return from_fs_path(path) or path

    def to_range(loc: Location, lines: list[str] | None) -> types.Range:
        """0-based positions in the client's units (UTF-16 unless negotiated otherwise)."""
        if lines is None:  # a file whose text was not read: positions as they are
            end = types.Position(max((loc.end_line or loc.line) - 1, 0),
                                 max((loc.end_column or loc.column) - 1, 0))
            return types.Range(types.Position(max(loc.line - 1, 0), max(loc.column - 1, 0)),
                               end)
        units = server.workspace.position_codec.client_num_units
        last = max(len(lines) - 1, 0)
        line = min(max(loc.line - 1, 0), last)
        text = lines[line] if lines else ""
        column = min(max(loc.column - 1, 0), len(text))
        if loc.end_line is None or loc.end_column is None:
            end_line, end_column = line, max(len(text.rstrip()), column)
        else:
            end_line = min(max(loc.end_line - 1, line), last)
            end_text = lines[end_line] if lines else ""
            end_column = min(max(loc.end_column - 1, 0), len(end_text))
            if end_line == line:
                end_column = max(end_column, column)
        end_text = lines[end_line] if lines else ""
        return types.Range(types.Position(line, units(text[:column])),
                           types.Position(end_line, units(end_text[:end_column])))

    def diagnostic(shown: Shown, lines: Callable[[str], list[str] | None]) -> types.Diagnostic:
        from vpcsec_lint.registry import all_rules

        finding = shown.finding
        related = []
        message = printable(finding.message)
        if finding.resource and finding.resource.endswith("]"):
            # One instance of a count/for_each expansion: the line alone does not say which.
            message = f"{message} [{bounded(finding.resource, 200)}]"
        severity = LSP_SEVERITY[finding.severity]
        if not shown.primary:
            where = f"{os.path.basename(finding.loc.path)}:{finding.loc.line}"
            message = f"{finding.message} (reported at {where})"
            severity = types.DiagnosticSeverity.Hint  # context here, not the thing to change
            related.append(types.DiagnosticRelatedInformation(
                types.Location(uri_of(norm(finding.loc.path)),
                               to_range(finding.loc, lines(finding.loc.path))),
                f"{finding.rule_id} reported here"))
        for item in finding.related:
            if item.loc == shown.loc:
                continue
            related.append(types.DiagnosticRelatedInformation(
                types.Location(uri_of(norm(item.loc.path)),
                               to_range(item.loc, lines(item.loc.path))), item.message))
        rule = all_rules().get(finding.rule_id)
        return types.Diagnostic(
            range=to_range(shown.loc, lines(shown.loc.path)),
            message=message,
            severity=types.DiagnosticSeverity(severity),
            code=finding.rule_id,
            code_description=types.CodeDescription(href=rule.help_uri()) if rule else None,
            source=SOURCE,
            related_information=related or None,
        )

    def publish(uri: str, entries: list[tuple[types.Diagnostic, Edit | None]]) -> None:
        published[uri] = entries
        document = server.workspace.text_documents.get(uri)
        server.text_document_publish_diagnostics(types.PublishDiagnosticsParams(
            uri=uri, diagnostics=[d for d, _ in entries],
            version=document.version if document is not None else None))

    worker = LintWorker(args)
    one_at_a_time = asyncio.Lock()

    running: set[asyncio.Future] = set()

    def lint(uri: str) -> None:
        """Start linting one document (the work runs in `worker`, off the event loop)."""
        pending.pop(uri, None)
        running.add(asyncio.ensure_future(lint_async(uri)))

    async def lint_async(uri: str) -> None:
        """Lint one document and publish for it and the open documents of its unit."""
        try:
            await lint_and_publish(uri)
        finally:
            running.discard(asyncio.current_task())

    async def lint_and_publish(uri: str) -> None:
        from vpcsec_lint.units import unit_seconds

        path = to_fs_path(uri)
        if not path or uri not in server.workspace.text_documents:
            return
        path = norm(path)
        async with one_at_a_time:
            if uri not in server.workspace.text_documents:
                return  # closed while waiting
            kind, value = await off_loop(worker.lint, path, open_buffers(), unit_seconds())
        if kind == "config":
            if value not in reported_config_errors:
                reported_config_errors.add(value)
                server.window_show_message(types.ShowMessageParams(
                    type=types.MessageType.Error, message=f"vpcsec-lint: {value}"))
            log(f"vpcsec-lint: {value}")
            return
        if kind == "failed":
            log(f"vpcsec-lint: linting {path} failed; the server keeps running.\n{value}")
            return
        if kind == "timeout":
            from vpcsec_lint.engine import run_problem

            framework = "terraform" if path.endswith((".tf", ".tf.json", ".tfvars")) \
                else "cloudformation"
            finding = run_problem(path, framework, (
                f"This file was not analysed: its analysis took longer than {value:g} s and "
                "was stopped; its findings are missing. It is tried again on the next change."))
            publish(uri, [(diagnostic(Shown(finding, finding.loc, True), lambda _p: None),
                           None)])
            return
        result = value
        if result is None:
            publish(uri, [])
            return
        open_paths = {norm(to_fs_path(u) or u): u
                      for u in list(server.workspace.text_documents)}
        lines_of: dict[str, list[str] | None] = {}

        def lines(file: str) -> list[str] | None:
            file = norm(file)
            if file not in lines_of:
                text = result.texts.get(file)
                lines_of[file] = split_lines(text) if text is not None else None
            return lines_of[file]

        order = [path, *sorted(p for p in result.shown if p != path)]
        for shown_path in order:
            target = open_paths.get(shown_path)
            if target is None:
                continue
            try:
                shown = sorted(result.shown.get(shown_path, []),
                               key=lambda s: (s.loc.line, s.loc.column, s.finding.rule_id))
                publish(target, [(diagnostic(s, lines), s.fix) for s in shown])
            except Exception:
                log(f"vpcsec-lint: reporting on {shown_path} failed.\n"
                    f"{traceback.format_exc()}")

    def schedule(uri: str, delay_ms: int) -> None:
        handle = pending.pop(uri, None)
        if handle is not None:
            handle.cancel()
        if delay_ms <= 0:
            lint(uri)
            return
        loop = asyncio.get_running_loop()
        pending[uri] = loop.call_later(delay_ms / 1000, lint, uri)

    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: LanguageServer, params: types.DidOpenTextDocumentParams) -> None:
        schedule(params.text_document.uri, 0)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: LanguageServer, params: types.DidChangeTextDocumentParams) -> None:
        schedule(params.text_document.uri, args.debounce)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE)
    def did_save(ls: LanguageServer, params: types.DidSaveTextDocumentParams) -> None:
        schedule(params.text_document.uri, 0)
        reach_lenses.clear()  # a save may change any lens of its unit

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: LanguageServer, params: types.DidCloseTextDocumentParams) -> None:
        uri = params.text_document.uri
        handle = pending.pop(uri, None)
        if handle is not None:
            handle.cancel()
        published.pop(uri, None)
        server.text_document_publish_diagnostics(
            types.PublishDiagnosticsParams(uri=uri, diagnostics=[]))

    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION,
                    types.CodeActionOptions(code_action_kinds=[types.CodeActionKind.QuickFix]))
    def code_action(ls: LanguageServer,
                    params: types.CodeActionParams) -> list[types.CodeAction] | None:
        only = params.context.only
        if only and not any(types.CodeActionKind.QuickFix.value.startswith(kind)
                            for kind in only):
            return []
        entries = published.get(params.text_document.uri, [])
        asked = [d for d in params.context.diagnostics if d.source == SOURCE]
        if asked:
            chosen = [(d, fix) for d, fix in entries
                      if any(_same(d, a) for a in asked)]
        else:
            first, last = params.range.start.line, params.range.end.line
            chosen = [(d, fix) for d, fix in entries
                      if d.range.start.line <= last and d.range.end.line >= first]
        actions: list[types.CodeAction] = []
        seen: set[tuple[str, Edit]] = set()
        for diag, fix in chosen:
            if fix is None or (str(diag.code), fix) in seen:
                continue
            seen.add((str(diag.code), fix))
            position = types.Position(fix.line, 0)
            edit = types.TextEdit(types.Range(position, position), fix.text)
            actions.append(types.CodeAction(
                title=f"Suppress {diag.code} here (add a vpcsec-lint ignore with a reason)",
                kind=types.CodeActionKind.QuickFix,
                diagnostics=[diag],
                edit=types.WorkspaceEdit(changes={uri_of(fix.path): [edit]})))
        return actions

    reach_lenses: dict[str, list[Any]] = {}

    async def lenses_of(uri: str) -> list[Any]:
        """The workloads' reach lenses of a file, computed off the loop, kept until a save."""
        from vpcsec_lint.lsp_reach import workload_lenses

        path = to_fs_path(uri)
        if not path:
            return []
        if uri not in reach_lenses:
            try:
                reach_lenses[uri] = await off_loop(workload_lenses, path)
            except Exception as exc:  # a lens never takes the server down
                log(f"vpcsec-lint: reach lenses of {printable(path)}: {exc}")
                reach_lenses[uri] = []
        return reach_lenses[uri]

    @server.feature(types.TEXT_DOCUMENT_CODE_LENS)
    async def code_lens(ls: LanguageServer, params: types.CodeLensParams) -> list[types.CodeLens]:
        return [types.CodeLens(range=to_range(lens.loc, None),
                               command=types.Command(title=lens.title, command=""))
                for lens in await lenses_of(params.text_document.uri)]

    @server.feature(types.TEXT_DOCUMENT_HOVER)
    async def hover(ls: LanguageServer, params: types.HoverParams) -> types.Hover | None:
        line = params.position.line + 1
        for lens in await lenses_of(params.text_document.uri):
            if lens.loc.line <= line <= (lens.loc.end_line or lens.loc.line):
                return types.Hover(contents=types.MarkupContent(
                    kind=types.MarkupKind.Markdown, value=lens.hover))
        return None

    return server


def _same(ours: Any, theirs: Any) -> bool:
    """Whether a diagnostic the client sent back is one we published."""
    return (str(ours.code) == str(theirs.code) and ours.message == theirs.message
            and ours.range == theirs.range)
