"""The schema of a configuration class, from its fields' types, defaults and documentation: as JSON Schema (for
editors and tools) and as an annotated YAML file of the defaults (for people: a configuration to start from)."""

from __future__ import annotations

import dataclasses
import textwrap
import typing
from typing import Any

import yaml

from .docs import class_doc, field_docs
from .hints import defaults, unwrap

JSON_TYPES = {str: "string", int: "integer", float: "number", bool: "boolean"}
JSON_SCHEMA = "https://json-schema.org/draft/2020-12/schema"


def json_schema(cls: type) -> dict:
    """JSON Schema of dataclass `cls`: every field's type, default and documentation, nested dataclasses nested;
    unknown keys are refused, as the loader refuses them."""
    return {"$schema": JSON_SCHEMA, **_object(cls, None)}


def _object(cls: type, instance: Any) -> dict:
    docs, hints, values = field_docs(cls), typing.get_type_hints(cls), _values(cls, instance)
    properties = {}
    for f in dataclasses.fields(cls):
        prop = _type(hints[f.name], values.get(f.name))
        if f.name in values and not (dataclasses.is_dataclass(values[f.name]) and "properties" in prop):
            prop["default"] = plain(values[f.name])
        if f.name in docs:
            prop["description"] = docs[f.name]
        properties[f.name] = prop
    out = {"title": cls.__name__, "type": "object", "properties": properties, "additionalProperties": False}
    required = [f.name for f in dataclasses.fields(cls) if f.name not in values]
    if required:
        out["required"] = required
    if class_doc(cls):
        out["description"] = class_doc(cls)
    return out


def _type(hint: Any, value: Any) -> dict:
    inner, optional = unwrap(hint)
    origin, args = typing.get_origin(inner), typing.get_args(inner)
    if dataclasses.is_dataclass(inner):
        nested = _object(inner, value if dataclasses.is_dataclass(value) else None)
        return {"anyOf": [nested, {"type": "null"}]} if optional else nested
    if origin is typing.Literal:
        out: dict = {"enum": [*args, *([None] if optional else [])]}
        return out
    if inner in JSON_TYPES:
        out = {"type": JSON_TYPES[inner]}
    elif origin in (list, tuple) or inner in (list, tuple):
        items = [a for a in args if a is not Ellipsis]
        out = {"type": "array", **({"items": _type(items[0], None)} if len(set(items)) == 1 else {})}
    elif origin is dict or inner is dict:
        out = {"type": "object"}
    else:  # Any, or a type JSON has no word for: any value
        return {}
    if optional:
        out["type"] = [out["type"], "null"]
    return out


def annotated_yaml(cls: type) -> str:
    """The defaults of `cls` as a YAML configuration, each key followed by its type and documentation in a comment;
    an optional section that is off by default is shown commented out. `yaml.safe_load` of it gives the defaults."""
    lines = [f"# {line}" for line in textwrap.wrap(class_doc(cls), 116)]
    _yaml_lines(cls, None, "", lines)
    return "\n".join(lines) + "\n"


def _yaml_lines(cls: type, instance: Any, pad: str, lines: list[str]) -> None:
    docs, hints, values = field_docs(cls), typing.get_type_hints(cls), _values(cls, instance)
    for f in dataclasses.fields(cls):
        hint, value = hints[f.name], values.get(f.name)
        note = label(hint) + (f" — {docs[f.name]}" if f.name in docs else "")
        inner = unwrap(hint)[0]
        if dataclasses.is_dataclass(inner) and dataclasses.is_dataclass(value):
            lines.append(f"{pad}{f.name}:  # {note}")
            _yaml_lines(inner, value, pad + "  ", lines)
            continue
        lines.append(f"{pad}{f.name}: {_flow(value)}  # {note}")
        if dataclasses.is_dataclass(inner):  # a section that is off (None) by default: its keys, as comments
            lines.append(f"{pad}# {f.name}:")
            _yaml_lines(inner, None, pad + "#   ", lines)


def _values(cls: type, instance: Any) -> dict[str, Any]:
    if instance is None:
        return defaults(cls)
    return {f.name: getattr(instance, f.name) for f in dataclasses.fields(cls)}


def _flow(value: Any) -> str:
    text = yaml.safe_dump(plain(value), default_flow_style=True, width=10**9, allow_unicode=True).strip()
    return text.removesuffix("\n...").strip()


def label(hint: Any) -> str:
    """A type annotation as people read it: `float | None`, `list[str]`, `SFTSettings`."""
    inner, optional = unwrap(hint)
    origin, args = typing.get_origin(inner), typing.get_args(inner)
    if origin is typing.Literal:
        text = " | ".join(repr(a) for a in args)
    elif origin is not None and args:
        name = getattr(origin, "__name__", str(origin).replace("typing.", ""))
        text = f"{name}[{', '.join('...' if a is Ellipsis else label(a) for a in args)}]"
    else:
        text = getattr(inner, "__name__", str(inner).replace("typing.", ""))
    return f"{text} | None" if optional else text


def plain(value: Any) -> Any:
    """`value` as YAML and JSON hold it: dataclasses as mappings, tuples as lists."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: plain(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    return value
