"""Settings declared once: typed YAML configuration (dataclass trees, `--set` overrides), command-line flags and
schemas generated from the same dataclasses and their field documentation. Imports nothing of ours: every layer may
use it."""

from .docs import class_doc, field_docs
from .flags import add_flags, from_flags
from .loader import ConfigError, build, load_config, merge, parse_overrides, to_dict, validate
from .schema import annotated_yaml, json_schema, label

__all__ = [
    "ConfigError",
    "add_flags",
    "annotated_yaml",
    "build",
    "class_doc",
    "field_docs",
    "from_flags",
    "json_schema",
    "label",
    "load_config",
    "merge",
    "parse_overrides",
    "to_dict",
    "validate",
]
