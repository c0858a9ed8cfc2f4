"""`vpcsec-lint lsp`: a language server that lints the editor's buffer.

Diagnostics are computed on `didOpen`, `didSave` and (debounced) `didChange`
from the text in the editor; the rest of a Terraform module is read from disk.
One long-lived `ParseCache` keeps every parsed file keyed by its text, so a
save re-parses only what changed (a sibling edited on disk included) and then
re-evaluates the module. CloudFormation templates are linted as themselves;
other YAML/JSON gets no diagnostics.

The module has three parts: `BufferLinter` (plain Python: findings per file and
the quick-fix edits that suppress them), `LintWorker` (runs a `BufferLinter` in
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
import re
import traceback
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from vpcsec_lint.findings import Finding, printable
from vpcsec_lint.findings import shown as bounded
from vpcsec_lint.raw import FileProblem, Unit
from vpcsec_lint.terraform.loader import ParseCache, is_tf_file, is_tfvars_file
from vpcsec_lint.values import Location, Val

if TYPE_CHECKING:
    from pygls.lsp.server import LanguageServer

    from vpcsec_lint.engine import Options
    from vpcsec_lint.registry import Rule
    from vpcsec_lint.terraform.syntax import Body

SOURCE = "vpcsec-lint"
REASON_PLACEHOLDER = "<reason>"
DEFAULT_DEBOUNCE_MS = 300
_LINE_BREAK = re.compile(r"\r\n|\r|\n")
_HEREDOC_START = re.compile(r"<<-?\s*([A-Za-z_][A-Za-z0-9_-]*)\s*$")


def split_lines(text: str) -> list[str]:
    """Lines as LSP counts them (`\\n`, `\\r\\n` or `\\r` end a line)."""
    return _LINE_BREAK.split(text)


# -- the linter (no protocol here) -------------------------------------------

@dataclass(frozen=True)
class Edit:
    """A quick fix: insert `text` before 0-based `line` of `path`."""

    path: str
    line: int
    text: str


@dataclass
class Shown:
    """A finding as shown in one file.

    `loc` is where it is drawn: the finding's own location, or for a finding
    reported elsewhere (`primary` false) the first of its related locations in
    this file (shown as a hint that links to where the finding is).
    """

    finding: Finding
    loc: Location
    primary: bool
    fix: Edit | None = None


@dataclass
class LintResult:
    """Every file of the linted unit with what to show in it, and the texts linted."""

    shown: dict[str, list[Shown]] = field(default_factory=dict)
    texts: dict[str, str] = field(default_factory=dict)


class BufferParseCache(ParseCache):
    """A `ParseCache` that keeps only the latest parse of each file.

    Open documents change on every keystroke: their texts are parsed without
    the on-disk cache (after the first, which usually matches the file on
    disk), and an older parse of the same path is dropped so memory stays flat.
    """

    def __init__(self, read: Callable[[str], str], is_buffer: Callable[[str], bool]) -> None:
        super().__init__(read)
        self.is_buffer = is_buffer
        self._latest: dict[str, tuple[str, Body | FileProblem]] = {}

    def parse(self, path: str) -> Body | FileProblem:
        from vpcsec_lint.sources import SourceError

        try:
            text = self.read(path)
        except SourceError as exc:
            return FileProblem(path, str(exc))
        self.texts[path] = text
        latest = self._latest.get(path)
        if latest is not None and latest[0] == text:
            return latest[1]
        if latest is not None and self.is_buffer(path):
            result = _parse_buffer(text, path, latest)
        else:
            result = self._parse_text(text, path)
        self._latest[path] = (text, result)
        return result


def _parse_buffer(text: str, path: str,
                  previous: tuple[str, Body | FileProblem]) -> Body | FileProblem:
    """Parse a new version of an open document, re-using its previous parse when it can."""
    from vpcsec_lint.terraform.loader import parse_tf_text
    from vpcsec_lint.terraform.syntax import Body, ParseFailure

    old_text, old_body = previous
    if path.endswith(".tf") and isinstance(old_body, Body):
        try:
            body = reparse_changed_block(old_text, old_body, text, path)
        except Exception:  # any doubt: the whole file is parsed below
            body = None
        if body is not None:
            return body
    try:
        return parse_tf_text(text, path)
    except ParseFailure as exc:
        return FileProblem(path, exc.message, exc.line, exc.column)


_INERT_LINE = re.compile(r"^\s*(?:(?:#|//).*)?$")


def reparse_changed_block(old_text: str, old: Body, new_text: str, path: str) -> Body | None:
    """The parse of `new_text` from the parse of `old_text`, or None to parse it all.

    python-hcl2 needs about half a second for a 1,500-line file; an editor
    changes one block at a time. When the changed lines lie inside one
    top-level block, only that block is parsed (after a comment as long as
    the lines above it, so positions stay absolute); when they are comments or blank lines between
    blocks, nothing is. The blocks below move by the number of lines added or
    removed. A block that does not parse on its own, or that parses into
    anything but one block over the same lines, means "parse it all".

    The blocks of `old` are re-used and moved in place: `old` must not be used
    afterwards.
    """
    from vpcsec_lint.terraform.loader import parse_tf_text
    from vpcsec_lint.terraform.syntax import Body, ParseFailure

    if old.attributes or "\r" in new_text or "\r" in old_text:
        return None  # top-level attributes (not a .tf file), or line ends the parser may keep
    before, after = split_lines(old_text), split_lines(new_text)
    prefix = 0
    limit = min(len(before), len(after))
    while prefix < limit and before[prefix] == after[prefix]:
        prefix += 1
    suffix = 0
    while suffix < limit - prefix and before[-1 - suffix] == after[-1 - suffix]:
        suffix += 1
    if prefix == len(before) == len(after):
        return Body({}, list(old.blocks))
    first = prefix + 1  # 1-based: old lines first..old_last became new lines first..new_last
    old_last, new_last = len(before) - suffix, len(after) - suffix
    delta = len(after) - len(before)
    blocks = list(old.blocks)
    if old_last >= first:  # old lines first..old_last were replaced
        touched = [i for i, b in enumerate(blocks) if b.loc.line <= old_last
                   and b.end_line >= first]
        within = len(touched) == 1 and blocks[touched[0]].loc.line <= first \
            and old_last <= blocks[touched[0]].end_line
    else:  # lines were only inserted, before old line `first`
        touched = [i for i, b in enumerate(blocks) if b.loc.line < first <= b.end_line]
        within = len(touched) == 1
    if within:
        index = touched[0]
        block = blocks[index]
        start, end = block.loc.line, block.end_line + delta
        # One comment token fills the lines above: positions stay absolute, and
        # lexing it costs far less than hundreds of newline tokens.
        padding = "" if start == 1 else "/*" + "\n" * (start - 2) + "*/\n"
        chunk = padding + "\n".join(after[start - 1:end]) + "\n"
        try:
            parsed = parse_tf_text(chunk, path)
        except ParseFailure:
            return None
        if parsed.attributes or len(parsed.blocks) != 1:
            return None
        new_block = parsed.blocks[0]
        if new_block.loc.line != start or new_block.end_line != end:
            return None
        blocks[index] = new_block
        below = blocks[index + 1:]
    elif not touched and all(_INERT_LINE.match(line) for line in
                             [*before[first - 1:old_last], *after[first - 1:new_last]]):
        below = [b for b in blocks if b.loc.line >= first]
    else:
        return None
    if delta:
        shift_lines(below, delta)
    return Body({}, blocks)


def shift_lines(nodes: list[Any], delta: int) -> None:
    """Move syntax nodes (and everything below them) down by `delta` lines, in place."""
    import dataclasses

    fields: dict[type, tuple[str, ...]] = {}
    moved: dict[int, tuple[Location, Location]] = {}  # keeps the old ones alive: ids stay unique
    seen: set[int] = set()
    stack: list[Any] = list(nodes)
    while stack:
        node = stack.pop()
        if isinstance(node, (list, tuple)):
            stack.extend(node)
            continue
        if isinstance(node, dict):
            stack.extend(node.values())
            continue
        cls = type(node)
        names = fields.get(cls)
        if names is None:
            names = fields[cls] = tuple(
                f.name for f in dataclasses.fields(cls)) if dataclasses.is_dataclass(cls) else ()
        if not names or id(node) in seen:
            continue
        seen.add(id(node))
        for name in names:
            value = getattr(node, name)
            if isinstance(value, Location):
                pair = moved.get(id(value))
                if pair is None:
                    pair = moved[id(value)] = (value, Location(
                        value.path, value.line + delta, value.column,
                        None if value.end_line is None else value.end_line + delta,
                        value.end_column))
                setattr(node, name, pair[1])
            elif name == "end_line" and isinstance(value, int):
                setattr(node, name, value + delta)  # Block.end_line
            elif isinstance(value, (list, tuple, dict)) or dataclasses.is_dataclass(value):
                stack.append(value)


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
        self._open: dict[str, str] = {}
        """The open documents as they were when the current lint started."""
        self.cache = BufferParseCache(self._read, lambda p: _norm(p) in self._open)
        self._options: dict[tuple, tuple[Options, list[Rule]]] = {}

    def _read(self, path: str) -> str:
        from vpcsec_lint.sources import SourceError, read_source

        text = self._open.get(_norm(path))
        if text is not None:
            if too_large(text):
                raise SourceError(TOO_LARGE)
            return text
        return read_source(path)

    def options_for(self, path: str) -> tuple[Options, list[Rule]]:
        """The options and rules for `path`; ValueError for an invalid config file."""
        from vpcsec_lint.config import find_config, resolve_options

        config = self.args.config or find_config(path)
        try:
            stat = os.stat(config) if config else None
            stamp = (stat.st_mtime_ns, stat.st_size) if stat else None
        except OSError:
            stamp = None
        key = (config, stamp)
        if key not in self._options:
            options, _settings = resolve_options(self.args, [path])
            self._options[key] = (options, options.enabled_rules())
        return self._options[key]

    def lint(self, path: str) -> LintResult | None:
        """What to show in `path` and the other files of its unit; None if it is not ours."""
        path = _norm(path)
        self._open = self.buffers()
        options, rules = self.options_for(path)
        if options.excluded is not None and options.excluded(path):
            return LintResult({path: []})
        if too_large(self._open.get(path, "")):
            from vpcsec_lint.engine import parse_error

            framework = "terraform" if path.endswith((".tf", ".tf.json", ".tfvars")) \
                else "cloudformation"
            finding = parse_error(path, TOO_LARGE, framework=framework)
            return LintResult({path: [Shown(finding, finding.loc, True)]})
        unit = self._load(path, options)
        if unit is None:
            return None
        from vpcsec_lint.engine import finalize, lint_unit

        findings = finalize(lint_unit(unit, rules, options), options)
        return self._place(path, unit, [f for f in findings if not f.suppressed])

    def _load(self, path: str, options: Options) -> Unit | None:
        name = os.path.basename(path)
        if is_tf_file(name) or is_tfvars_file(name) or path in map(_norm, options.var_files):
            from vpcsec_lint.terraform.loader import load_module

            # The document belongs to its module even when it is not on disk yet.
            return load_module(os.path.dirname(path), self.cache, options.var_files, extra=path)
        from vpcsec_lint.discovery import is_cfn_candidate

        if not is_cfn_candidate(name):
            return None
        from vpcsec_lint.cloudformation.loader import load_template

        text = self._read(path)
        unit = load_template(path, text, named=False)
        if unit is not None:
            unit.texts.setdefault(path, text)
        return unit

    def _place(self, path: str, unit: Unit, findings: list[Finding]) -> LintResult:
        """Findings per file of the unit; files of called modules are not the unit's.

        The texts cover called modules too (their parse is cached), so that
        ranges and quick fixes that point into them are exact.
        """
        texts = {_norm(p): t for p, t in [*self.cache.texts.items(), *unit.texts.items()]}
        result = LintResult({_norm(p): [] for p in [path, *unit.files]}, texts)
        for finding in findings:
            main = _norm(finding.loc.path)
            fix = self._fix(finding, unit, texts)
            if main in result.shown:
                result.shown[main].append(Shown(finding, finding.loc, True, fix))
            for related in finding.related:
                where = _norm(related.loc.path)
                if where == main or where not in result.shown:
                    continue
                if any(s.finding is finding for s in result.shown[where]):
                    continue  # once per file, at its first related location there
                result.shown[where].append(Shown(finding, related.loc, False, fix))
        return result

    def _fix(self, finding: Finding, unit: Unit, texts: dict[str, str]) -> Edit | None:
        from vpcsec_lint.suppressions import UNSUPPRESSIBLE

        if finding.rule_id in UNSUPPRESSIBLE:
            return None
        if unit.framework == "terraform":
            return terraform_fix(finding, unit, texts)
        path = _norm(finding.loc.path)
        text = texts.get(path)
        return cloudformation_fix(finding, unit, path, text) if text is not None else None


def _norm(path: str) -> str:
    return os.path.normpath(os.path.abspath(path))


def too_large(text: str) -> bool:
    """Whether a buffer is over the size limit of a file on disk (in UTF-8 bytes)."""
    from vpcsec_lint.sources import MAX_FILE_BYTES

    if len(text) * 4 <= MAX_FILE_BYTES:
        return False
    return len(text) > MAX_FILE_BYTES or \
        len(text.encode("utf-8", "surrogatepass")) > MAX_FILE_BYTES


TOO_LARGE = "the buffer is larger than the 5 MiB limit for one file"


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


def terraform_fix(finding: Finding, unit: Unit, texts: dict[str, str]) -> Edit | None:
    """A `# vpcsec-lint: ignore=ID -- <reason>` comment above the offending line.

    A finding inside a called module is suppressed above the `module` block
    of the module being edited (the called module may be shared or vendored).
    Inside a heredoc a comment would become part of the string, so there the
    comment goes above the resource's header instead.
    """
    resource = next((r for r in unit.resources if r.address == finding.resource), None)
    path, line = _norm(finding.loc.path), finding.loc.line
    own = {_norm(f) for f in unit.files}
    if path not in own and resource is not None and resource.call_sites:
        path, line = _norm(resource.call_sites[0].path), resource.call_sites[0].line
    text = texts.get(path)
    if text is None or path.endswith(".json"):
        return None  # JSON has no comments (CLI.md: use exclude or the config)
    lines = split_lines(text)
    if _in_heredoc(lines, line):
        header = resource.loc if resource is not None else None
        if header is None or _norm(header.path) != path or _in_heredoc(lines, header.line):
            return None
        line = header.line
    if not 1 <= line <= len(lines):
        return None
    target = lines[line - 1]
    indent = target[: len(target) - len(target.lstrip(" \t"))]
    comment = f"{indent}# vpcsec-lint: ignore={finding.rule_id} -- {REASON_PLACEHOLDER}\n"
    return Edit(path, line - 1, comment)


def _in_heredoc(lines: list[str], line: int) -> bool:
    """Whether 1-based `line` lies inside a heredoc's text (after its opening line)."""
    closing: str | None = None
    for number, text in enumerate(lines[: max(line - 1, 0)], start=1):
        if closing is not None:
            if text.strip() == closing:
                closing = None
            continue
        match = _HEREDOC_START.search(text)
        if match and number < line:
            closing = match.group(1)
    return closing is not None


def cloudformation_fix(finding: Finding, unit: Unit, path: str, text: str) -> Edit | None:
    """The resource's `Metadata: vpcsec-lint: ignore:` entry, in block-style YAML.

    Added at the deepest level that already exists (an `ignore` list, a
    `vpcsec-lint` mapping, a `Metadata` mapping or the resource itself), before
    that level's first line. JSON templates and flow-style YAML get no quick fix.
    """
    if path.endswith(".json") or text.lstrip("\ufeff \t\r\n").startswith("{"):
        return None
    resource = next((r for r in unit.resources if r.address == finding.resource), None)
    if resource is None:
        return None
    metadata = resource.metadata
    ours = metadata.get("vpcsec-lint") if _is_mapping(metadata) else None
    ignore = ours.get("ignore") if _is_mapping(ours) else None
    anchor: Location | None
    if metadata is None:
        anchor, keys = resource.loc, ["Metadata", "vpcsec-lint", "ignore"]
    elif not _is_mapping(metadata):
        return None
    elif ours is None:
        anchor, keys = metadata.loc, ["vpcsec-lint", "ignore"]
    elif not _is_mapping(ours):
        return None
    elif ignore is None:
        anchor, keys = ours.loc, ["ignore"]
    elif isinstance(ignore.value, list) and ignore.value:
        anchor, keys = ignore.loc, []
    else:
        return None
    lines = split_lines(text)
    if anchor is None or not 1 <= anchor.line <= len(lines):
        return None
    target = lines[anchor.line - 1]
    if target[: anchor.column - 1].strip() or target[anchor.column - 1: anchor.column] in (
            "{", "["):
        return None  # flow style, or a mapping that starts on its parent's line
    indent = " " * (anchor.column - 1)
    out = [f"{indent}{'  ' * depth}{key}:" for depth, key in enumerate(keys)]
    step = "  " * len(keys)
    out += [f"{indent}{step}- id: {finding.rule_id}",
            f'{indent}{step}  reason: "{REASON_PLACEHOLDER}"']
    return Edit(path, anchor.line - 1, "\n".join(out) + "\n")


def _is_mapping(val: Val | None) -> bool:
    return val is not None and isinstance(val.value, dict)


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
                out[_norm(path)] = document.source
        return out

    def log(message: str, kind: types.MessageType = types.MessageType.Error) -> None:
        server.window_log_message(types.LogMessageParams(type=kind, message=message))

    def uri_of(path: str) -> str:
        for document in list(server.workspace.text_documents.values()):
            if to_fs_path(document.uri) and _norm(to_fs_path(document.uri)) == path:
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
                types.Location(uri_of(_norm(finding.loc.path)),
                               to_range(finding.loc, lines(finding.loc.path))),
                f"{finding.rule_id} reported here"))
        for item in finding.related:
            if item.loc == shown.loc:
                continue
            related.append(types.DiagnosticRelatedInformation(
                types.Location(uri_of(_norm(item.loc.path)),
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
            running.discard(asyncio.current_task())  # type: ignore[arg-type]

    async def lint_and_publish(uri: str) -> None:
        from vpcsec_lint.units import unit_seconds

        path = to_fs_path(uri)
        if not path or uri not in server.workspace.text_documents:
            return
        path = _norm(path)
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
        open_paths = {_norm(to_fs_path(u) or u): u
                      for u in list(server.workspace.text_documents)}
        lines_of: dict[str, list[str] | None] = {}

        def lines(file: str) -> list[str] | None:
            file = _norm(file)
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
