"""`.gitignore`-style globs over `/`-separated relative paths, matched in linear time.

A pattern without `/` matches a file or directory name at any depth, one with
`/` is anchored; `*` and `?` stay within a segment, `[abc]`, `[a-z]` and
`[!a]` match one character of a segment, `**/` is any number of directories,
`**` anything, and a pattern matching a directory covers everything below it.

Patterns come from configuration files in the repository being linted, so
they are not translated into a backtracking regular expression (`*a*a*a…b` on
a long name would take exponential time): `Glob.match` runs the pattern as a
set of positions over the path, at most `len(path) × len(pattern)` steps, and
a pattern is at most `MAX_PATTERN` characters.
"""

from __future__ import annotations

MAX_PATTERN = 256
"""Characters in one pattern: a longer one is refused (the match costs path × pattern)."""
_SEGMENT, _ANY_DIRS, _ANYTHING, _ONE = "*", "**/", "**", "?"


class Glob:
    """One compiled pattern; picklable. Raises `ValueError` for an invalid pattern."""

    __slots__ = ("pattern", "_tokens")

    def __init__(self, pattern: str) -> None:
        if len(pattern) > MAX_PATTERN:
            raise ValueError(f"a glob is longer than {MAX_PATTERN} characters")
        self.pattern = pattern
        anchored = "/" in pattern.strip("/") or pattern.startswith("/")
        tokens = _tokens(pattern.strip("/"))
        self._tokens = tokens if anchored else [_ANY_DIRS, *tokens]

    def __reduce__(self) -> tuple:
        return (Glob, (self.pattern,))

    def __repr__(self) -> str:
        return f"Glob({self.pattern!r})"

    def match(self, path: str) -> bool:
        """Whether `path` (relative, `/` separators) or a directory above it matches."""
        tokens = self._tokens
        end = len(tokens)
        below = end + 1  # the pattern matched a directory: anything below it matches
        states = self._skip({0})
        for char in path:
            following: set[int] = set()
            for state in states:
                if state == below or (state == end and char == "/"):
                    following.add(below)
                elif state < 0 or (state < end and tokens[state] == _ANY_DIRS):
                    # Inside `**/` (state ~i): anything, and each `/` may end it.
                    inside = state if state < 0 else ~state
                    following.add(inside)
                    if char == "/":
                        following.add(~inside)
                elif state < end:
                    token = tokens[state]
                    if token == _ANYTHING or (token == _SEGMENT and char != "/"):
                        following.add(state)
                    elif token != _SEGMENT and _matches_one(token, char):
                        following.add(state + 1)
            states = self._skip(following)
            if not states:
                return False
        return end in states or below in states

    def _skip(self, states: set[int]) -> set[int]:
        """`states` with every wildcard that may match nothing stepped over."""
        out = set(states)
        for state in states:
            while 0 <= state < len(self._tokens) and self._tokens[state] in (
                    _SEGMENT, _ANY_DIRS, _ANYTHING):
                state += 1
                out.add(state)
        return out


def _matches_one(token: str | tuple, char: str) -> bool:
    if token == _ONE:
        return char != "/"
    if isinstance(token, tuple):
        if char == "/":
            return False
        negated, members = token
        return any(low <= char <= high for low, high in members) != negated
    return token == char


def _tokens(body: str) -> list:
    """The pattern as literal characters, `?`, classes `(negated, ranges)` and wildcards."""
    out: list = []
    i = 0
    while i < len(body):
        if body.startswith("**/", i):
            out.append(_ANY_DIRS)
            i += 3
            continue
        if body.startswith("**", i):
            out.append(_ANYTHING)
            i += 2
            continue
        char = body[i]
        if char == "*":
            if not out or out[-1] != _SEGMENT:  # `**` is handled above; `*` runs are one
                out.append(_SEGMENT)
        elif char == "[":
            start = i + 2 if body[i + 1:i + 2] in ("!", "^", "]") else i + 1
            close = body.find("]", start)
            if close == -1:
                out.append("[")
            else:
                out.append(_char_class(body[i + 1:close]))
                i = close
        else:
            out.append(char)
        i += 1
    return out


def _char_class(inner: str) -> tuple[bool, tuple[tuple[str, str], ...]]:
    negated = inner[:1] in ("!", "^")
    if negated:
        inner = inner[1:]
    ranges = []
    i = 0
    while i < len(inner):
        if i + 2 < len(inner) and inner[i + 1] == "-":
            low, high = inner[i], inner[i + 2]
            if low > high:
                raise ValueError(f"invalid range '{low}-{high}' in '[{inner}]'")
            ranges.append((low, high))
            i += 3
        else:
            ranges.append((inner[i], inner[i]))
            i += 1
    return negated, tuple(ranges)
