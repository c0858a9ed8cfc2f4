"""`parses_to_tree` from python-hcl2's grammar, for the checkov bundle.

`vpcsec-lint checkov-checks` copies this file as `_vpcsec_hcl2/__init__.py`
into its bundle, next to python-hcl2's `hcl2.lark` grammar and `postlexer.py`
(copied from the installed python-hcl2 at export time). checkov's environment
has lark but its own package under the import name `hcl2`; this private
package builds the same parser python-hcl2 builds (`hcl2/parser.py`: LALR,
positions propagated, its post-lexer) with checkov's lark.
"""

from __future__ import annotations

import functools
import importlib.resources
from typing import Any

from lark import Lark


@functools.lru_cache(maxsize=1)
def parser() -> Lark:
    """The LALR parser, cached by lark in the temporary directory (building it takes seconds).

    A grammar this lark cannot build is a RuntimeError, not a LarkError, so that it
    surfaces as a failed check instead of passing as an unparsable file.
    """
    from .postlexer import PostLexer  # type: ignore[import-not-found]

    grammar = importlib.resources.files(__name__).joinpath("hcl2.lark").read_text("utf-8")
    try:
        return Lark(grammar, parser="lalr", propagate_positions=True, postlex=PostLexer(),
                    cache=True)
    except Exception as exc:
        raise RuntimeError(f"python-hcl2's grammar does not build with this lark: {exc}") \
            from exc


def parses_to_tree(text: str) -> Any:
    """Parse HCL2 text into python-hcl2's Lark tree (as `hcl2.parses_to_tree` does)."""
    return parser().parse(text + "\n")
