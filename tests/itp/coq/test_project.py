"""Coq source sets: installed libraries by name, and a user's project from its `_CoqProject`, built and traced."""

import json
import os
import subprocess
import sys

import pytest

from stp_prover.data.traced import load_traced, trace_library
from stp_prover.itp import project_files, source_files
from stp_prover.itp.coq.env import library_dir
from stp_prover.itp.coq.project import ProjectError, read_project
from tests.conftest import ROOT

pytestmark = pytest.mark.skipif(not library_dir(), reason="needs Coq")

ARITH = """Require Import Arith.
Definition double (n : nat) := n + n.
Lemma double_add : forall n, double n = n + n.
Proof. intros n. unfold double. reflexivity. Qed.
"""
USE = """From MyProj Require Import Util.Arith.
Require Import Lia.
Theorem double_even : forall n, exists k, double n = 2 * k.
Proof. intros n. exists n. rewrite double_add. lia. Qed.
"""


def _project(root):
    (root / "theories" / "Util").mkdir(parents=True)
    (root / "theories" / "Util" / "Arith.v").write_text(ARITH)
    (root / "theories" / "Use.v").write_text(USE)
    (root / "_CoqProject").write_text("# a comment\n-R theories MyProj\n\ntheories/Util/Arith.v\ntheories/Use.v\n")
    return root


def test_a_project_is_built_and_traced_with_its_load_paths(tmp_path):
    root = _project(tmp_path / "proj")
    found = project_files("coq", root)
    assert found.files == [("theories/Use.v", "MyProj.Use"), ("theories/Util/Arith.v", "MyProj.Util.Arith")]
    assert found.config.coq.load_args == ("-R", str((root / "theories").resolve()), "MyProj")
    assert (root / "theories" / "Util" / "Arith.vo").exists()
    out = tmp_path / "traced"
    assert sorted(trace_library("coq", out, project=root)) == ["theories/Use.v", "theories/Util/Arith.v"]
    traced = {f.path: f for f in load_traced(out)}
    assert not any(f.error for f in traced.values())
    [theorem] = traced["theories/Use.v"].theorems
    assert theorem.ok and theorem.name == "double_even"
    assert [t.tactic for t in theorem.tactics][:2] == ["intros n.", "exists n."]


def test_project_errors_are_bad_input(tmp_path):
    with pytest.raises(ProjectError, match="cannot read"):
        read_project(tmp_path)
    (tmp_path / "_CoqProject").write_text("-R theories X\n../outside.v\n")
    with pytest.raises(ProjectError, match="outside the project"):
        read_project(tmp_path)
    (tmp_path / "_CoqProject").write_text("-R theories X\ntheories/Missing.v\n")
    with pytest.raises(ProjectError, match="do not exist"):
        project_files("coq", tmp_path)
    (tmp_path / "theories").mkdir()
    (tmp_path / "theories" / "Bad.v").write_text("Lemma x : True. Proof. exact I Qed.\n")
    (tmp_path / "_CoqProject").write_text("-R theories X\ntheories/Bad.v\n")
    with pytest.raises(ProjectError, match="failed"):
        project_files("coq", tmp_path)


def test_installed_libraries_by_name_and_files_by_path(tmp_path):
    stdlib = source_files("coq")
    assert ("theories/Arith/PeanoNat.v", "Coq.Arith.PeanoNat") in stdlib.files
    assert not any(rel.startswith("user-contrib") for rel, _ in stdlib.files)
    with pytest.raises(ValueError, match="installed:.*stdlib"):
        source_files("coq", library="NoSuchLibrary")
    if os.path.isdir(os.path.join(library_dir(), "user-contrib", "mathcomp")):
        mathcomp = source_files("coq", library="mathcomp")
        assert ("user-contrib/mathcomp/ssreflect/ssrnat.v", "mathcomp.ssreflect.ssrnat") in mathcomp.files
    # A plain path to a library file selects it (it used to answer "no library file matches").
    path = os.path.join(library_dir(), "theories", "Bool", "BoolOrder.v")
    out = tmp_path / "traced"
    assert trace_library("coq", out, [path]) == ["theories/Bool/BoolOrder.v"]
    outside = tmp_path / "Mine.v"
    outside.write_text("Lemma t : True. Proof. exact I. Qed.\n")
    with pytest.raises(ValueError, match="--project"):
        trace_library("coq", out, [str(outside)])


def test_stp_data_trace_project_from_the_command_line(tmp_path):
    root = _project(tmp_path / "proj")
    out = tmp_path / "traced"
    cmd = [sys.executable, "-m", "stp_prover", "data", "trace", "--project", str(root), "--out", str(out), "--json"]
    done = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT, timeout=600)
    assert done.returncode == 0, done.stderr
    summary = json.loads(done.stdout)
    assert summary["files"] == 2 and summary["theorems"] == 2
    bad = subprocess.run(
        [sys.executable, "-m", "stp_prover", "data", "trace", "--project", str(tmp_path / "none"), "--out", str(out)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        timeout=120,
    )
    assert bad.returncode == 2 and "no such project folder" in bad.stderr and "Traceback" not in bad.stderr
