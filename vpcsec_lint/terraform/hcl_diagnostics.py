"""Messages for HCL that does not parse: what is wrong, and where it started.

The parser reports the token where it gave up; for a file that ends too early
that is the end of the file, so `unclosed` scans the text for the bracket,
string, heredoc or comment that was never closed and the message names it.
"""

from __future__ import annotations

import re
from typing import Any

_SYMBOLS = {"EQ": "'='", "COLON": "':'", "LBRACE": "'{'", "RBRACE": "'}'", "RSQB": "']'",
            "RPAR": "')'", "COMMA": "','", "DBLQUOTE": "'\"'", "NAME": "a name"}
_HEREDOC_START = re.compile(r"<<-?([A-Za-z_][A-Za-z0-9_-]*)[ \t]*\r?\n")
_CLOSERS = {"{": "}", "[": "]", "(": ")", "${": "}", "%{": "}"}


def describe(exc: Any, text: str) -> str:
    """A one-line message for a Lark `UnexpectedInput` raised on `text`."""
    token = getattr(exc, "token", None)
    expected = set(getattr(exc, "expected", None) or getattr(exc, "allowed", None) or ())
    if token is not None and getattr(token, "type", "") == "$END":
        opener = unclosed(text)
        if opener:
            return f"invalid HCL: unexpected end of file; {opener}"
        if {"LPAR", "LSQB", "NAME"} <= expected:
            return "invalid HCL: unexpected end of file; an expression is missing"
        return "invalid HCL: unexpected end of file" + _expected(expected)
    if token is None:
        char = getattr(exc, "char", None)
        return f"invalid HCL: unexpected character {char!r}" if char else "invalid HCL"
    value = str(token)
    if value.startswith("<<") and not token.type.startswith("HEREDOC"):
        return f"invalid HCL: heredoc {value.split()[0]} has no closing marker line"
    if value.startswith("/*"):
        return "invalid HCL: comment '/*' is never closed"
    words = value.split()
    shown = repr(words[0][:40]) if words else repr(value)
    if words and not words[0][0].isprintable():
        shown = f"character {words[0][0]!r}"
    message = f"invalid HCL: unexpected {shown}"
    if token.type == "INTERP_START":
        return message + ("; '${...}' can only be written inside a quoted string, not inside "
                          "another '${...}' or an expression")
    if token.type == "LBRACE" and expected & {"EQ", "COLON"}:
        return message + ("; a nested block cannot be written inside an expression (Terraform "
                          "0.11 syntax): write 'name = { ... }'")
    return message + _expected(expected)


def _expected(expected: set[str]) -> str:
    wanted = [_SYMBOLS[e] for e in sorted(expected) if e in _SYMBOLS]
    if wanted and len(wanted) == len(expected) and len(wanted) <= 3:
        return f", expected {' or '.join(wanted)}"
    return ""


def unclosed(text: str) -> str | None:
    """The innermost bracket, string, heredoc or comment left open at the end of `text`."""
    stack: list[tuple[str, int, int]] = []  # opener, line, column
    pos, line, line_start = 0, 1, 0
    in_string: tuple[int, int] | None = None
    length = len(text)
    while pos < length:
        char = text[pos]
        column = pos - line_start + 1
        if char == "\n":
            if in_string is not None:  # a quoted string cannot span lines
                break
            line, line_start = line + 1, pos + 1
            pos += 1
            continue
        if in_string is not None:
            if char == "\\":
                pos += 2
                continue
            if char == '"':
                in_string = None
            elif text.startswith(("${", "%{"), pos) and text[pos - 1:pos] != text[pos]:
                stack.append(('"', *in_string))  # the string resumes after the '}'
                stack.append((text[pos:pos + 2], line, column))
                in_string = None
                pos += 2
                continue
            pos += 1
            continue
        if char == '"':
            in_string = (line, column)
        elif char == "#" or text.startswith("//", pos):
            end = text.find("\n", pos)
            pos = length if end < 0 else end
            continue
        elif text.startswith("/*", pos):
            end = text.find("*/", pos + 2)
            if end < 0:
                return f"the comment at line {line}, column {column} is never closed"
            line += text.count("\n", pos, end)
            newline = text.rfind("\n", pos, end)
            line_start = newline + 1 if newline >= 0 else line_start
            pos = end + 2
            continue
        elif text.startswith("<<", pos) and (match := _HEREDOC_START.match(text, pos)):
            marker = match.group(1)
            closing = re.compile(rf"^[ \t]*{re.escape(marker)}[ \t]*\r?$", re.M).search(
                text, match.end())
            if closing is None:
                return f"the heredoc <<{marker} at line {line}, column {column} never ends"
            line += text.count("\n", pos, closing.end())
            line_start = text.rfind("\n", 0, closing.end()) + 1
            pos = closing.end()
            continue
        elif char in "{[(":
            stack.append((char, line, column))
        elif char in "}])" and stack:
            closed = stack.pop()
            if closed[0] in ("${", "%{") and stack and stack[-1][0] == '"':
                in_string = stack.pop()[1:]
        pos += 1
    if in_string is not None:
        return f"the string at line {in_string[0]}, column {in_string[1]} is never closed"
    if not stack:
        return None
    opener, at_line, at_column = stack[-1]
    return (f"the '{opener}' at line {at_line}, column {at_column} is never closed "
            f"(expected '{_CLOSERS[opener]}')")
