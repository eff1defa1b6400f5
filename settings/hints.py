"""What a settings field's type annotation says: its type without Optional, and the field's default value."""

from __future__ import annotations

import dataclasses
import types
import typing
from typing import Any


def unwrap(hint: Any) -> tuple[Any, bool]:
    """(the type inside Optional[...] / `X | None`, whether None is allowed)."""
    if typing.get_origin(hint) in (typing.Union, types.UnionType):
        args = [a for a in typing.get_args(hint) if a is not type(None)]
        if len(args) < len(typing.get_args(hint)):
            return (args[0] if len(args) == 1 else typing.Union[tuple(args)]), True
    return hint, False


def defaults(cls: type) -> dict[str, Any]:
    """Each field's default: the value a default-built `cls()` holds (so a default_factory's choice shows), or the
    declared default where `cls` has a required field; required fields are left out."""
    try:
        instance = cls()
    except TypeError:
        instance = None
    out = {}
    for f in dataclasses.fields(cls):
        if instance is not None:
            out[f.name] = getattr(instance, f.name)
        elif f.default is not dataclasses.MISSING:
            out[f.name] = f.default
        elif f.default_factory is not dataclasses.MISSING:
            out[f.name] = f.default_factory()
    return out
