"""Command-line flags generated from a settings dataclass, so that a setting is declared once: `--tactic-timeout S`
for the field `tactic_timeout`, its help the field's documentation; `from_flags` reads the parsed flags back."""

from __future__ import annotations

import argparse
import dataclasses
import typing
from typing import Any, Iterable, Optional

from .docs import field_docs
from .hints import defaults, unwrap
from .loader import validate

SCALARS = (int, float, str)


def add_flags(
    parser: argparse.ArgumentParser,
    cls: type,
    *,
    only: Optional[Iterable[str]] = None,
    exclude: Iterable[str] = (),
    prefix: str = "",
    group: Optional[str] = None,
    metavars: Optional[dict[str, str]] = None,
):
    """One flag per field of dataclass `cls` (all, `only` these, less `exclude`), in argument group `group` if given;
    `prefix` goes before each flag and its dest. Returns the parser or group. A field whose type has no flag form (a
    nested dataclass, a mapping) raises TypeError naming it: leave it out."""
    target = parser.add_argument_group(group) if group else parser
    docs, values, hints = field_docs(cls), defaults(cls), typing.get_type_hints(cls)
    for f in _chosen(cls, only, exclude):
        inner, _ = unwrap(hints[f.name])
        default = values.get(f.name)
        kwargs: dict[str, Any] = {"dest": _dest(prefix, f.name), "help": docs.get(f.name, "").replace("%", "%%")}
        if inner is bool:  # --x / --no-x; argparse adds "(default: ...)" itself
            kwargs.update(action=argparse.BooleanOptionalAction, default=default)
        elif typing.get_origin(inner) is typing.Literal:
            choices = typing.get_args(inner)
            kwargs.update(choices=choices, type=type(choices[0]), default=default)
        elif typing.get_origin(inner) is list and typing.get_args(inner)[:1] and typing.get_args(inner)[0] in SCALARS:
            # repeatable; None when not given, so that from_flags keeps the field's own default
            kwargs.update(action="append", type=typing.get_args(inner)[0], default=None)
        elif inner in SCALARS:
            kwargs.update(type=inner, default=default)
        else:
            raise TypeError(f"{cls.__name__}.{f.name} ({hints[f.name]}) has no flag form; leave it out (exclude=...)")
        if default is not None and inner is not bool:
            kwargs["help"] = (kwargs["help"] + " " if kwargs["help"] else "") + "(default: %(default)s)"
        if metavars and f.name in metavars:
            kwargs["metavar"] = metavars[f.name]
        target.add_argument("--" + _dest(prefix, f.name).replace("_", "-"), **kwargs)
    return target


def from_flags(args: argparse.Namespace, cls: type, *, prefix: str = "", **values: Any) -> Any:
    """The `cls` the flags of `add_flags` gave (fields without a flag in `args` keep their defaults; `values` set
    fields directly), validated: a ConfigError names the bad setting."""
    hints = typing.get_type_hints(cls)
    kwargs = dict(values)
    for f in dataclasses.fields(cls):
        dest = _dest(prefix, f.name)
        if f.name in values or not hasattr(args, dest):
            continue
        value = getattr(args, dest)
        if value is None and not unwrap(hints[f.name])[1]:
            continue  # a repeatable flag not given, for a field that cannot be None: its default stands
        kwargs[f.name] = value
    config = cls(**kwargs)
    validate(config)
    return config


def _chosen(cls: type, only: Optional[Iterable[str]], exclude: Iterable[str]) -> list[dataclasses.Field]:
    fields = dataclasses.fields(cls)
    names = {f.name for f in fields}
    wanted, left_out = set(names if only is None else only), set(exclude)
    unknown = (wanted | left_out) - names
    if unknown:
        raise TypeError(f"{cls.__name__} has no field(s) {', '.join(sorted(unknown))}")
    return [f for f in fields if f.name in wanted - left_out]


def _dest(prefix: str, name: str) -> str:
    return (prefix + name).replace("-", "_")
