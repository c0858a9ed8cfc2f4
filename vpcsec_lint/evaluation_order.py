"""The order in which the evaluators compute named values: each after what it refers to.

Both evaluators compute every named value they need (a Terraform resource or
module call and what it refers to; a CloudFormation resource or condition)
once, up front, in this order, and memoise it. A chain of references then
never nests the evaluation (each value finds what it refers to already
computed), so a value is the same whichever resource asks for it first and no
chain a user can write reaches Python's recursion limit.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator


def dependency_order(graph: dict[str, list[str]],
                     starts: Iterable[str] | None = None) -> Iterator[str]:
    """The keys of `graph` (key -> the keys it refers to), each after its references.

    A depth-first walk, iterative, starting from `starts` (default: every key)
    in their order; a key is yielded when the walk leaves it, so only the keys
    `starts` lead to are yielded. In a cycle (which neither Terraform nor
    CloudFormation accepts) the key the walk entered first comes last; the
    evaluators read a reference to a value not computed yet as unknown.
    References to keys not in `graph` are ignored.
    """
    visited: set[str] = set()
    for start in graph if starts is None else starts:
        if start in visited:
            continue
        visited.add(start)
        stack = [(start, iter(graph[start]))]
        while stack:
            key, references = stack[-1]
            for reference in references:
                if reference in graph and reference not in visited:
                    visited.add(reference)
                    stack.append((reference, iter(graph[reference])))
                    break
            else:
                stack.pop()
                yield key
