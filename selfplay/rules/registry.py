"""One registry per kind of self-play rule: entries looked up by the name a configuration gives."""

from __future__ import annotations

from typing import Callable, Generic, Iterator, Optional, TypeVar

T = TypeVar("T")


class UnknownRule(ValueError):
    """A configuration names a rule nobody registered; the message lists the names that are."""


class Registry(Generic[T]):
    """Rules of one kind by name. `register(name)` decorates a function; `add(name, entry)` registers a value."""

    def __init__(self, kind: str):
        self.kind = kind
        self._entries: dict[str, T] = {}

    def add(self, name: str, entry: T) -> T:
        """Register `entry` under `name`; a name is taken once (a plug-in cannot silently replace a built-in)."""
        if not name or name in self._entries:
            raise ValueError(f"a {self.kind} needs a new name, got {name!r}")
        self._entries[name] = entry
        return entry

    def register(self, name: str) -> Callable[[T], T]:
        """Decorator: register the decorated function under `name`."""
        return lambda entry: self.add(name, entry)

    def remove(self, name: str) -> Optional[T]:
        """Unregister `name` (a plug-in's test undoes its registration); returns what was there."""
        return self._entries.pop(name, None)

    def get(self, name: str) -> T:
        try:
            return self._entries[name]
        except KeyError:
            raise UnknownRule(f"unknown {self.kind} {name!r}; choose one of {', '.join(self._entries)}") from None

    def names(self) -> tuple[str, ...]:
        return tuple(self._entries)

    def __contains__(self, name: object) -> bool:
        return name in self._entries

    def __iter__(self) -> Iterator[str]:
        return iter(self._entries)
