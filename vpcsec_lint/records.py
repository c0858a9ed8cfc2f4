"""Plain value classes for the start-up path.

`@dataclass` generates and `exec`s each class's methods when its module is
imported (about 0.5 ms a class, and `import dataclasses` pulls in `inspect`);
a class deriving from `Record` declares `__slots__` and writes its `__init__`,
and gets equality and a `repr` over its slots, as a dataclass would. A
`FrozenRecord` is also hashable (what `@dataclass(frozen=True)` gave; the
attributes are not guarded against assignment: nothing assigns them). A
class that also lists `"__dict__"` in its slots takes other attributes too
(memoised results), outside its equality and `repr`.
"""

from __future__ import annotations

from operator import attrgetter
from typing import Any, ClassVar, TypeVar

R = TypeVar("R", bound="Record")


class Record:
    """Equality and `repr` over the slots of the class and of its bases."""

    __slots__ = ()
    field_names: ClassVar[tuple[str, ...]] = ()
    _key: ClassVar[attrgetter[Any]]

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.field_names = tuple(name for klass in reversed(cls.__mro__)
                                for name in klass.__dict__.get("__slots__", ())
                                if name != "__dict__")
        if cls.field_names:  # not on the bases without fields of their own
            cls._key = attrgetter(*cls.field_names)

    def __eq__(self, other: object) -> bool:  # and so unhashable, as a mutable dataclass
        if other.__class__ is not self.__class__:
            return NotImplemented
        return bool(self._key(self) == self._key(other))

    def replaced(self: R, **changes: Any) -> R:
        """A copy with some attributes changed (what `dataclasses.replace` did)."""
        copy = object.__new__(type(self))
        for name in self.field_names:
            setattr(copy, name, changes.pop(name) if name in changes else getattr(self, name))
        if changes:
            raise TypeError(f"{type(self).__name__} has no attribute {next(iter(changes))!r}")
        return copy

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in self.field_names)
        return f"{type(self).__name__}({shown})"


class FrozenRecord(Record):
    """A `Record` that is hashable by value (a set member, a dictionary key)."""

    __slots__ = ()

    def __hash__(self) -> int:
        return hash(self._key(self))
