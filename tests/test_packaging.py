"""The distribution installs one top-level package, `stp_prover`, holding every module of the layer folders, both
as a built wheel and as the editable install the README's command makes."""

import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from tests.test_layers import LAYERS, NAMESPACE

ROOT = Path(__file__).resolve().parents[1]
FOLDERS = (NAMESPACE, *LAYERS)


def _source_modules() -> set[str]:
    """`stp_prover/...` paths of every Python file in the mapped folders, as a wheel would hold them."""
    out = set()
    for folder in FOLDERS:
        for path in (ROOT / folder).rglob("*.py"):
            rel = path.relative_to(ROOT / folder).as_posix()
            out.add(f"{NAMESPACE}/{rel}" if folder == NAMESPACE else f"{NAMESPACE}/{folder}/{rel}")
    return out


@pytest.fixture(scope="module")
def wheel(tmp_path_factory) -> Path:
    """A wheel built offline from a copy of the sources (the build must not write into the checkout)."""
    src = tmp_path_factory.mktemp("src")
    for name in ("pyproject.toml", "README.md"):
        shutil.copy(ROOT / name, src / name)
    for folder in FOLDERS:
        shutil.copytree(ROOT / folder, src / folder, ignore=shutil.ignore_patterns("__pycache__"))
    out = tmp_path_factory.mktemp("dist")
    cmd = [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation", "-w", str(out), str(src)]
    subprocess.run(cmd, check=True, capture_output=True, timeout=300)
    (built,) = out.glob("stp_prover-*.whl")
    return built


def test_the_wheel_has_one_top_level_package_with_every_module(wheel):
    names = zipfile.ZipFile(wheel).namelist()
    tops = {n.split("/")[0] for n in names if not n.split("/")[0].endswith(".dist-info")}
    assert tops == {NAMESPACE}
    assert {n for n in names if n.endswith(".py")} == _source_modules()
    assert f"{NAMESPACE}/data/examples/coq_all.jsonl" in names  # the shipped example theorems come along
    top_level = next(n for n in names if n.endswith(".dist-info/top_level.txt"))
    assert zipfile.ZipFile(wheel).read(top_level).decode().split() == [NAMESPACE]


def test_a_fresh_install_imports_the_namespace_and_no_bare_layer(wheel, tmp_path):
    target = tmp_path / "site"
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "-q", "--no-deps", "--target", str(target), str(wheel)],
        check=True,
        capture_output=True,
        timeout=300,
    )
    assert {p.name for p in target.iterdir() if not p.name.endswith(".dist-info")} <= {NAMESPACE, "bin"}
    # -S: no site-packages, so neither the editable install of this checkout nor anything else can answer.
    probe = (
        "import importlib, sys\n"
        "import stp_prover.itp, stp_prover.data\n"
        "print(stp_prover.itp.__file__)\n"
        "for name in sys.argv[1:]:\n"
        "    try:\n"
        "        importlib.import_module(name)\n"
        "    except ImportError:\n"
        "        continue\n"
        "    print('importable:', name)\n"
    )
    run = subprocess.run(
        [sys.executable, "-S", "-c", probe, *LAYERS],
        cwd=tmp_path,
        env={"PYTHONPATH": str(target)},
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    lines = run.stdout.splitlines()
    assert lines[0].startswith(str(target / NAMESPACE / "itp"))
    assert lines[1:] == []


def test_the_editable_install_maps_each_layer_to_its_folder(tmp_path):
    probe = (
        "import importlib, json, sys\n"
        "found = {n: importlib.import_module('stp_prover.' + n).__file__ for n in sys.argv[1:]}\n"
        "bare = [n for n in sys.argv[1:] if importlib.util.find_spec(n) is not None]\n"
        "print(json.dumps([found, bare]))\n"
    )
    run = subprocess.run(
        [sys.executable, "-c", "import importlib.util\n" + probe, *LAYERS],
        cwd=tmp_path,  # not the checkout: only the install may answer
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert run.returncode == 0, run.stderr
    import json

    found, bare = json.loads(run.stdout)
    assert {n: Path(f) for n, f in found.items()} == {n: ROOT / n / "__init__.py" for n in LAYERS}
    assert bare == []


def test_pyproject_maps_every_package_folder():
    tomllib = pytest.importorskip("tomllib")  # Python 3.11+
    conf = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    folders = {
        NAMESPACE + ("" if p.parent == ROOT / NAMESPACE else "." + ".".join(p.parent.relative_to(ROOT).parts))
        for folder in FOLDERS
        for p in (ROOT / folder).rglob("__init__.py")
    }
    assert set(conf["packages"]) == folders
    assert conf["package-dir"] == {NAMESPACE: NAMESPACE, **{f"{NAMESPACE}.{n}": n for n in LAYERS}}
    scripts = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["scripts"]
    assert all(re.match(rf"{NAMESPACE}\.[\w.]+:\w+$", v) for v in scripts.values())
