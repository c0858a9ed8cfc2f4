"""Reading source files as text, with clear errors for what cannot be read.

Memory is bounded: at most `MAX_FILE_BYTES` (+1) bytes of a file are ever read,
and only regular files are opened (a FIFO or device named `x.tf` would block or
never end).
"""

from __future__ import annotations

import codecs
import os
import stat
import sys
from typing import BinaryIO

MAX_FILE_BYTES = 5 * 1024 * 1024
"""Templates larger than this are refused (CloudFormation itself caps a template at 1 MB)."""

_BOMS = ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
         (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
         (codecs.BOM_UTF16_BE, "utf-16"))


class SourceError(Exception):
    """A file that cannot be read as text; the message says why.

    `sample` is what could be made out of the file's text regardless (decoded
    leniently), so that a caller can tell whether it was meant as a template.
    """

    def __init__(self, message: str, sample: str = "", line: int = 1, column: int = 1) -> None:
        super().__init__(message)
        self.sample = sample
        self.line = line
        self.column = column


DEPENDS_EVENT = "vpcsec_lint.depends"
"""The audit event by which a read, or a look that decided not to read, names its file."""


def depends_on(path: str) -> None:
    """Declare that the analysis depends on `path`, whether or not it is read.

    Call it before looking at a file that may be missing, too large, or not a
    regular file: the unit cache (`units.py`) records it with a digest that
    says so, and creating or shrinking the file later invalidates the entry.
    Reads are recorded anyway (the `open` audit event); this covers the looks.
    """
    sys.audit(DEPENDS_EVENT, path)


def read_source(path: str) -> str:
    """Read `path` as text (UTF-8, or UTF-16/32 with a byte-order mark)."""
    depends_on(path)
    try:
        mode = os.stat(path).st_mode
        if stat.S_ISDIR(mode):
            raise SourceError("is a directory, not a file")
        if not stat.S_ISREG(mode):
            raise SourceError("is not a regular file (a FIFO, socket or device)")
        with open_regular(path) as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except PermissionError:
        raise SourceError("cannot be read: permission denied") from None
    except OSError as exc:
        raise SourceError(f"cannot be read: {exc.strerror or exc}") from None
    if len(data) > MAX_FILE_BYTES:
        raise SourceError(f"larger than the {MAX_FILE_BYTES // (1024 * 1024)} MiB limit "
                          "for one file; exclude it or split it", _lenient(data[:65536]))
    return decode_source(data)


def open_regular(path: str, follow: bool = True) -> BinaryIO:
    """`path` opened for binary reading, only if it is a regular file.

    Opened without blocking (a FIFO put in its place after a `stat` cannot
    hang the run) and checked again on the open descriptor; anything else
    raises `OSError`. With `follow=False` a final symlink is refused too.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_NOCTTY", 0) \
        | getattr(os, "O_BINARY", 0) | (0 if follow else getattr(os, "O_NOFOLLOW", 0))
    fd = os.open(path, flags)
    try:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"{path}: not a regular file")
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        return os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise


def decode_source(data: bytes) -> str:
    """Decode file bytes; raise `SourceError` for binary data or invalid encodings."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise SourceError(f"invalid {encoding.upper().removesuffix('-SIG')} at byte "
                                  f"{exc.start}", _lenient(data)) from None
    if b"\x00" in data:
        head = data[:4096]
        if len(head) >= 4 and (head[1::2].count(0) > len(head) * 0.4
                               or head[0::2].count(0) > len(head) * 0.4):
            raise SourceError("UTF-16 text without a byte-order mark; save it as UTF-8",
                              _lenient(data))
        raise SourceError("binary data, not a text file", _lenient(data))
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        column = len(data[data.rfind(b"\n", 0, exc.start) + 1: exc.start].decode(
            "utf-8", "replace")) + 1
        raise SourceError(f"invalid UTF-8 at line {line}, column {column} (byte {exc.start}); "
                          "save the file as UTF-8", _lenient(data), line, column) from None


def _lenient(data: bytes) -> str:
    """The text a human would see in `data`, whatever its encoding problems."""
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            return data.decode(encoding, "replace")
    head = data[:4096]
    if head[1::2].count(0) > len(head) * 0.4:
        return data.decode("utf-16-le", "replace")
    if head[0::2].count(0) > len(head) * 0.4:
        return data.decode("utf-16-be", "replace")
    return data.decode("utf-8", "replace")


# -- The analysis root -----------------------------------------------------------

def analysis_root(start: str, given: str) -> str:
    """The directory no read may leave while analysing code under `start`.

    The nearest ancestor of `start` (a directory) that holds `.git` (the
    repository), else `given`: the PATH the user named (its directory when it
    is a file). Returned with symlinks resolved.
    """
    here = os.path.realpath(start)
    while True:
        if os.path.exists(os.path.join(here, ".git")):
            return here
        parent = os.path.dirname(here)
        if parent == here:
            break
        here = parent
    given = os.path.realpath(given)
    return given if os.path.isdir(given) else os.path.dirname(given)


def inside_root(path: str, root: str) -> bool:
    """Whether `path`, every symlink resolved, is `root` (already resolved) or lies under it."""
    real = os.path.realpath(path)
    try:
        return os.path.commonpath([real, root]) == root
    except ValueError:  # different drives
        return False


def read_inside_root(path: str, root: str, limit: int) -> str | None:
    """The UTF-8 text of `path` if it is a regular file of at most `limit` bytes inside
    `root` (see `analysis_root`), reached through no symlink that leaves it; else None.

    What the analysed code names is hostile: `/proc/self/environ`, `/dev/zero`,
    `/dev/stdin`, a FIFO, `../../secrets` or a symlink out of the tree are never
    opened. Only `inside_root` looks at the path before it is known to be inside.
    Once it is, the path is a dependency (`depends_on`) whether or not it can be
    read: a missing or oversized file that appears or shrinks later is seen.
    """
    if "\0" in path or not inside_root(path, root):
        return None
    depends_on(path)
    real = os.path.realpath(path)
    try:
        if not stat.S_ISREG(os.stat(real).st_mode):
            return None
        with open_regular(real, follow=False) as handle:
            # the size of what was opened, should the path have changed meanwhile
            if os.fstat(handle.fileno()).st_size > limit:
                return None
            data = handle.read(limit + 1)
    except (OSError, ValueError):
        return None
    if len(data) > limit:
        return None
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return None
