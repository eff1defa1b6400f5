"""Typed configuration read from YAML: a dataclass tree, unknown keys named, `--set a.b=value` overrides read as YAML,
and the root's validate() called."""

from __future__ import annotations

import dataclasses
import typing
from pathlib import Path
from typing import Any, Optional

import yaml


class ConfigError(ValueError):
    """A configuration file that cannot be used; the message names the key."""


def build(cls: type, data: Any, where: str = "", base: Any = None) -> Any:
    """`cls` from a YAML mapping; keys it leaves out keep the defaults of `base` (the parent's default for this
    field: self-play's SFT defaults are STP's, not Hugging Face's)."""
    if data is None:
        return base if base is not None else cls()
    if not isinstance(data, dict):
        raise ConfigError(f"{where or 'config'}: expected a mapping, got {type(data).__name__}")
    hints = typing.get_type_hints(cls)
    names = {f.name for f in dataclasses.fields(cls)}
    unknown = sorted(set(data) - names)
    if unknown:
        raise ConfigError(
            f"{where or 'config'}: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(names))}"
        )
    kwargs = {}
    defaults = base
    for key, value in data.items():
        target = dataclass_of(hints[key])
        if target is not None and value is not None:
            if defaults is None:
                defaults = cls()
            inner = getattr(defaults, key, None)
            inner = inner if dataclasses.is_dataclass(inner) else None
            kwargs[key] = build(target, value, f"{where}.{key}" if where else key, inner)
        else:
            kwargs[key] = value
    try:
        if base is not None:
            return dataclasses.replace(base, **kwargs)
        return cls(**kwargs)
    except TypeError as exc:
        raise ConfigError(f"{where or 'config'}: {exc}") from None


def dataclass_of(hint: Any) -> Optional[type]:
    """The dataclass a field's type names (itself, or inside Optional[...]); None for any other type."""
    if dataclasses.is_dataclass(hint):
        return hint
    return next((a for a in typing.get_args(hint) if dataclasses.is_dataclass(a)), None)


def load_config(path: str | Path, overrides: Optional[dict] = None, *, cls: type) -> Any:
    """Read and validate a YAML configuration of type `cls`; `overrides` (nested dict) replace keys of the file."""
    try:
        data = yaml.safe_load(Path(path).read_text()) or {}
    except FileNotFoundError:
        raise ConfigError(f"no configuration file {path}") from None
    except yaml.YAMLError as exc:
        raise ConfigError(f"{path}: not valid YAML: {exc}") from None
    data = merge(data, overrides or {})
    config = build(cls, data, "")
    validate(config)
    return config


def validate(config: Any) -> None:
    """Call `config.validate()` where it has one; the ValueError it raises (naming the key) becomes a ConfigError."""
    check = getattr(config, "validate", None)
    if check is None:
        return
    try:
        check()
    except ConfigError:
        raise
    except ValueError as exc:  # settings of lower layers raise plain ValueError: the message already names the key
        raise ConfigError(str(exc)) from None


def parse_overrides(items: list[str], flag: str = "--set", example: str = "prover.samples=8") -> dict:
    """`a.b=value` pairs (values read as YAML) as a nested dict; errors name `flag` and show `example`."""
    out: dict = {}
    for item in items:
        key, sep, value = item.partition("=")
        key = key.strip()
        if not sep or not key:
            raise ConfigError(f"{flag} {item!r}: expected KEY=VALUE, e.g. {example}")
        try:
            parsed = yaml.safe_load(value)
        except yaml.YAMLError as exc:
            raise ConfigError(f"{flag} {item!r}: the value is not valid YAML: {exc}") from None
        node = out
        parts = key.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
            if not isinstance(node, dict):
                raise ConfigError(f"{flag} {item!r}: {part} is given a value and keys at once")
        node[parts[-1]] = parsed
    return out


def merge(base: dict, extra: dict) -> dict:
    """`base` with the keys of `extra` replacing its own, nested mappings merged key by key."""
    out = dict(base)
    for k, v in extra.items():
        out[k] = merge(out.get(k) or {}, v) if isinstance(v, dict) else v
    return out


def to_dict(config: Any) -> dict:
    """A configuration as plain data (nested dicts), as YAML and JSON write it."""
    return dataclasses.asdict(config)
