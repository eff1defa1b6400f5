"""The schema of a configuration class: JSON Schema that real configuration files validate against (and that
refuses what the loader refuses), and an annotated YAML file of the defaults that loads back to the defaults."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, Optional

import pytest
import yaml

from stp_prover.settings import annotated_yaml, json_schema, label, load_config
from stp_prover.settings.schema import plain
from tests.conftest import ROOT


@dataclass
class Part:
    """A part."""

    size: int = 1  # how big


@dataclass
class Whole:
    """A test configuration."""

    name: str = "w"  # its name
    mode: Literal["a", "b"] = "a"
    part: Part = field(default_factory=lambda: Part(size=5))
    spare: Optional[Part] = None  # off by default
    ratio: Optional[float] = None
    names: list[str] = field(default_factory=list)
    pairs: tuple[int, ...] = (1, 2)
    extra: dict = field(default_factory=dict)


def test_types_defaults_and_documentation():
    schema = json_schema(Whole)
    props = schema["properties"]
    assert schema["title"] == "Whole" and schema["description"] == "A test configuration."
    assert schema["additionalProperties"] is False and "required" not in schema
    assert props["name"] == {"type": "string", "default": "w", "description": "its name"}
    assert props["mode"] == {"enum": ["a", "b"], "default": "a"}
    assert props["ratio"] == {"type": ["number", "null"], "default": None}
    assert props["names"] == {"type": "array", "items": {"type": "string"}, "default": []}
    assert props["pairs"] == {"type": "array", "items": {"type": "integer"}, "default": [1, 2]}
    assert props["extra"] == {"type": "object", "default": {}}
    # a section's keys default to what the parent's default holds (5), not the section class's own (1)
    assert props["part"]["properties"]["size"] == {"type": "integer", "default": 5, "description": "how big"}
    spare = props["spare"]
    assert spare["anyOf"][1] == {"type": "null"} and spare["default"] is None
    assert spare["anyOf"][0]["properties"]["size"]["default"] == 1


def test_labels_read_as_people_write_types():
    assert label(Optional[float]) == "float | None"
    assert label(list[str]) == "list[str]" and label(tuple[int, ...]) == "tuple[int, ...]"
    assert label(Literal["a", "b"]) == "'a' | 'b'" and label(Part) == "Part"


def test_the_annotated_yaml_loads_back_to_the_defaults(tmp_path):
    text = annotated_yaml(Whole)
    assert text.startswith("# A test configuration.\n")
    assert "name: w  # str — its name\n" in text
    assert "part:  # Part\n  size: 5  # int — how big\n" in text
    assert "spare: null  # Part | None — off by default\n# spare:\n#   size: 1  # int — how big\n" in text
    assert yaml.safe_load(text) == plain(Whole())
    path = tmp_path / "w.yaml"
    path.write_text(text)
    assert load_config(path, cls=Whole) == Whole(pairs=[1, 2])  # YAML has lists, not tuples


@pytest.mark.parametrize("name", ["selfplay", "train", "pretrain"])
def test_every_commands_annotated_defaults_load_back(name):
    from stp_prover.cli.commands.config_cmd import config_class

    cls = config_class(name)
    assert yaml.safe_load(annotated_yaml(cls)) == plain(cls())


@pytest.mark.parametrize(
    "name, path",
    [
        ("selfplay", "configs/selfplay_tiny_coq.yaml"),
        ("selfplay", "configs/selfplay_base_coq.yaml"),
        ("selfplay", "configs/selfplay_gpu_lean.yaml"),
        ("pretrain", "configs/pretrain_coq.yaml"),
        ("pretrain", "configs/pretrain_coq_gpu.yaml"),
    ],
)
def test_the_shipped_configurations_validate_against_their_schema(name, path):
    import jsonschema  # the test extra installs it

    from stp_prover.cli.commands.config_cmd import config_class

    schema = json_schema(config_class(name))
    data = yaml.safe_load((ROOT / path).read_text())
    jsonschema.validate(data, schema)
    bad = {**data, "prover": {**data.get("prover", {}), "sampels": 3}} if name == "selfplay" else {**data, "vocab": 1}
    with pytest.raises(jsonschema.ValidationError):  # an unknown key, as the loader refuses it
        jsonschema.validate(bad, schema)
