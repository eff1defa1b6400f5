"""Dependencies point downwards only (DESIGN.md's layer table): each package imports only the packages below it."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
OURS = {
    "itp",
    "policy",
    "generation",
    "data",
    "retrieval",
    "prover",
    "search",
    "conjecturer",
    "selfplay",
    "training",
    "stp",
}
# What each package must never import (directly or in a function body).
FORBIDDEN = {
    "itp": OURS - {"itp"},
    "policy": OURS - {"itp", "policy"},
    "generation": OURS - {"itp", "policy", "generation"},
    "search": {"prover", "conjecturer", "selfplay", "training", "stp"},
    "retrieval": {"prover", "search", "conjecturer", "selfplay", "training", "stp"},
    "training": {"prover", "search", "conjecturer", "selfplay", "stp"},
}


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name.split(".")[0] for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module.split(".")[0])
    return found


@pytest.mark.parametrize("package", sorted(FORBIDDEN))
def test_a_package_imports_nothing_above_it(package):
    bad = {
        f"{path.relative_to(ROOT)} imports {name}"
        for path in (ROOT / package).rglob("*.py")
        for name in _imports(path) & FORBIDDEN[package]
    }
    assert not bad, sorted(bad)


def test_the_check_sees_an_upward_import(tmp_path):
    bad = tmp_path / "m.py"
    bad.write_text("def f():\n    from prover.hf import HFModel\n")
    assert "prover" in _imports(bad)
