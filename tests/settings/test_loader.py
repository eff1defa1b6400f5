"""The typed-YAML loader: nested dataclasses, defaults from the parent's default, unknown keys named, `--set`
overrides read as YAML, validate() called; every bad input is a ConfigError naming the key."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Optional

import pytest

from stp_prover.settings import ConfigError, load_config, merge, parse_overrides, to_dict


@dataclass
class Inner:
    rate: float = 0.5
    steps: int = 10


@dataclass
class Model:
    name: str
    layers: int = 2


@dataclass
class Root:
    title: str = "run"
    inner: Inner = field(default_factory=lambda: Inner(rate=0.9))  # the parent's default differs from Inner's
    model: Optional[Model] = None
    tags: list[str] = field(default_factory=list)

    def validate(self) -> None:
        if self.inner.steps < 1:
            raise ConfigError("inner.steps: must be at least 1")
        if self.title == "plain":
            raise ValueError("title: a lower layer's settings raise plain ValueError")


def write(tmp_path, text: str):
    path = tmp_path / "c.yaml"
    path.write_text(text)
    return path


def test_a_nested_key_keeps_the_parents_other_defaults(tmp_path):
    config = load_config(write(tmp_path, "inner: {steps: 3}\nmodel: {name: m}\n"), cls=Root)
    assert config.inner == Inner(rate=0.9, steps=3)  # rate from Root's default, not Inner's 0.5
    assert config.model == Model("m", 2) and config.title == "run" and config.tags == []


def test_an_empty_file_is_the_defaults(tmp_path):
    assert load_config(write(tmp_path, ""), cls=Root) == Root()


@pytest.mark.parametrize(
    "text, message",
    [
        ("inner: {stpes: 3}\n", r"inner: unknown key\(s\) stpes; known: rate, steps"),
        ("colour: red\n", r"config: unknown key\(s\) colour; known: inner, model, tags, title"),
        ("inner: 3\n", "inner: expected a mapping, got int"),
        ("model: {layers: 3}\n", "model: .*name"),  # a required key left out
        ("inner: {steps: 0}\n", "inner.steps: must be at least 1"),
        ("title: plain\n", "title: a lower layer's settings raise plain ValueError"),
        ("inner: [\n", "not valid YAML"),
    ],
)
def test_bad_files_name_the_key(tmp_path, text, message):
    with pytest.raises(ConfigError, match=message):
        load_config(write(tmp_path, text), cls=Root)


def test_a_missing_file_is_a_config_error(tmp_path):
    with pytest.raises(ConfigError, match="no configuration file"):
        load_config(tmp_path / "nope.yaml", cls=Root)


def test_overrides_are_nested_yaml_values_and_replace_the_files_keys(tmp_path):
    overrides = parse_overrides(["inner.steps=7", "tags=[a, b]", "title=null", "model.name=x"])
    assert overrides == {"inner": {"steps": 7}, "tags": ["a", "b"], "title": None, "model": {"name": "x"}}
    path = write(tmp_path, "title: file\ninner: {rate: 0.1, steps: 2}\n")
    config = load_config(path, parse_overrides(["inner.steps=7", "title=cli"]), cls=Root)
    assert config.title == "cli" and config.inner == Inner(rate=0.1, steps=7)
    assert merge({"a": {"b": 1, "c": 2}}, {"a": {"b": 3}, "d": 4}) == {"a": {"b": 3, "c": 2}, "d": 4}


@pytest.mark.parametrize(
    "items, message",
    [
        (["rounds"], "expected KEY=VALUE"),
        (["=3"], "expected KEY=VALUE"),
        (["tags=[a"], "not valid YAML"),
        (["title=x", "title.sub=1"], "title is given a value and keys at once"),
    ],
)
def test_bad_overrides_are_config_errors(items, message):
    with pytest.raises(ConfigError, match=message):
        parse_overrides(items)


def test_to_dict_is_plain_data():
    assert to_dict(Root()) == {"title": "run", "inner": {"rate": 0.9, "steps": 10}, "model": None, "tags": []}
