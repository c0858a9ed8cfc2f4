"""Reading source files as text, with clear errors for what cannot be read."""

from __future__ import annotations

import codecs

MAX_FILE_BYTES = 5 * 1024 * 1024
"""Templates larger than this are refused (CloudFormation itself caps a template at 1 MB)."""


class SourceError(Exception):
    """A file that cannot be read as text; the message says why."""


def read_source(path: str) -> str:
    """Read `path` as text (UTF-8, or UTF-16/32 with a byte-order mark)."""
    try:
        with open(path, "rb") as handle:
            data = handle.read(MAX_FILE_BYTES + 1)
    except IsADirectoryError:
        raise SourceError("is a directory, not a file") from None
    except PermissionError:
        raise SourceError("cannot be read: permission denied") from None
    except OSError as exc:
        raise SourceError(f"cannot be read: {exc.strerror or exc}") from None
    if len(data) > MAX_FILE_BYTES:
        raise SourceError(f"larger than the {MAX_FILE_BYTES // (1024 * 1024)} MiB limit; "
                          "exclude it or split it")
    return decode_source(data)


def decode_source(data: bytes) -> str:
    """Decode file bytes; raise `SourceError` for binary data or invalid encodings."""
    for bom, encoding in ((codecs.BOM_UTF32_LE, "utf-32"), (codecs.BOM_UTF32_BE, "utf-32"),
                          (codecs.BOM_UTF8, "utf-8-sig"), (codecs.BOM_UTF16_LE, "utf-16"),
                          (codecs.BOM_UTF16_BE, "utf-16")):
        if data.startswith(bom):
            try:
                return data.decode(encoding)
            except UnicodeDecodeError as exc:
                raise SourceError(f"invalid {encoding.upper()} at byte {exc.start}") from None
    if b"\x00" in data:
        raise SourceError("binary data, not a text template")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise SourceError(f"invalid UTF-8 at byte {exc.start} (line {line})") from None
