"""Dependencies point downwards only (DESIGN.md's layer table): each layer imports only the layers below it, always
through the one namespace `stp_prover`."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
NAMESPACE = "stp_prover"
# Every layer, bottom-up; each is a folder at the repository root mapped to `stp_prover.<layer>` (pyproject.toml).
LAYERS = (
    "settings",
    "itp",
    "policy",
    "generation",
    "data",
    "retrieval",
    "prover",
    "search",
    "conjecturer",
    "training",
    "selfplay",
    "cli",
)
# What each layer must never import (directly or in a function body).
# `settings` (the configuration layer) sits at the bottom: it imports nothing of ours, every layer may import it.
FORBIDDEN = {
    "settings": set(LAYERS) - {"settings"},
    "itp": set(LAYERS) - {"settings", "itp"},
    "policy": set(LAYERS) - {"settings", "itp", "policy"},
    "generation": set(LAYERS) - {"settings", "itp", "policy", "generation"},
    "data": {"prover", "search", "conjecturer", "selfplay", "training", "cli", "generation", "retrieval"},
    "retrieval": {"prover", "search", "conjecturer", "selfplay", "training", "cli"},
    "prover": {"conjecturer", "selfplay", "training", "cli"},
    "search": {"prover", "conjecturer", "selfplay", "training", "cli"},
    "conjecturer": {"selfplay", "training", "cli"},
    "training": {"prover", "search", "conjecturer", "selfplay", "cli"},
    "selfplay": {"cli"},
    "cli": set(),
}
# The packages that are not layers: the namespace's own root and the code around the package.
OUTSIDE = ("stp_prover", "tests", "benchmarks")


def _imports(path: Path) -> set[str]:
    """The layers `path` imports (`stp_prover.<layer>...`); a bare layer name (`import data`) is reported as
    `bare:<name>`, since it would import someone else's `data` (or nothing) once installed."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    modules = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            modules += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            # `from stp_prover import itp` imports the layer as surely as `import stp_prover.itp`
            names = [alias.name for alias in node.names] if node.module == NAMESPACE else [""]
            modules += [f"{node.module}.{name}".rstrip(".") for name in names]
    for module in modules:
        parts = module.split(".")
        if parts[0] == NAMESPACE and len(parts) > 1:
            found.add(parts[1])
        elif parts[0] in LAYERS:
            found.add(f"bare:{parts[0]}")
    return found


def _sources(folder: str) -> list[Path]:
    return sorted((ROOT / folder).rglob("*.py"))


def test_every_layer_has_a_rule_and_a_folder():
    assert set(FORBIDDEN) == set(LAYERS)
    for layer in LAYERS:
        assert (ROOT / layer / "__init__.py").is_file(), layer


@pytest.mark.parametrize("layer", LAYERS)
def test_a_layer_imports_nothing_above_it(layer):
    bad = {
        f"{path.relative_to(ROOT)} imports {name}"
        for path in _sources(layer)
        for name in _imports(path) & FORBIDDEN[layer]
    }
    assert not bad, sorted(bad)


@pytest.mark.parametrize("folder", LAYERS + OUTSIDE)
def test_no_module_imports_a_layer_outside_the_namespace(folder):
    bad = {
        f"{path.relative_to(ROOT)}: {name}" for path in _sources(folder) for name in _imports(path) if ":" in name
    }
    assert not bad, sorted(bad)


@pytest.mark.parametrize("module", ["plugins.py", "lazy.py"])
def test_the_root_packages_helpers_import_nothing_of_ours(module):
    # itp uses them (plug-ins in its Ray actors, lazy exports in its backend packages): they stay below every layer.
    assert _imports(ROOT / NAMESPACE / module) == set()


def test_the_check_sees_an_upward_import_and_a_bare_one(tmp_path):
    bad = tmp_path / "m.py"
    bad.write_text("def f():\n    from stp_prover.prover.hf import HFModel\n    import data.jsonl\n")
    assert _imports(bad) == {"prover", "bare:data"}
    bad.write_text("from stp_prover import selfplay, settings\n")
    assert _imports(bad) == {"selfplay", "settings"}
