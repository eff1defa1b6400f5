"""The backend registry (itp/backends.py): one spec per backend, no name if-chains, and what code above `itp` gets."""

from __future__ import annotations

import ast
import inspect

import pytest

from stp_prover.itp import backends
from stp_prover.itp.backends import (
    BACKENDS,
    CHECK_BACKENDS,
    SYSTEMS,
    TRACE_BACKENDS,
    BackendSpec,
    ItpConfig,
    backend_for_file,
    default_backend,
    ensure_available,
    make_env,
    prescreen,
    source_files,
    system_of,
    trace_source,
)
from stp_prover.itp.config import LeanConfig
from stp_prover.itp.env import BackendUnavailable
from stp_prover.itp.types import Theorem, VerdictKind


def test_the_registered_backends():
    assert BACKENDS == ("coq", "lean", "leandojo")
    assert CHECK_BACKENDS == ("coq", "lean")  # leandojo checks whole proofs through the Lean REPL only
    assert TRACE_BACKENDS == ("coq", "lean") and SYSTEMS == ("coq", "lean")
    assert [system_of(b) for b in BACKENDS] == ["coq", "lean", "lean"]
    assert backend_for_file("a/b.v") == "coq" and backend_for_file("x.lean") == "lean"
    assert backend_for_file("pyproject.toml") is None


def test_the_default_prefers_a_configured_lean():
    assert default_backend(ItpConfig(lean=LeanConfig(repl_command=None))) == "coq"
    assert default_backend(ItpConfig(lean=LeanConfig(repl_command=["repl"]))) == "lean"


def test_unknown_backends_name_the_known_ones():
    for call in (lambda: make_env("hol"), lambda: system_of("hol"), lambda: ensure_available("hol")):
        with pytest.raises(ValueError, match="coq, lean, leandojo"):
            call()


def test_missing_lean_is_unavailable_with_setup_steps():
    with pytest.raises(BackendUnavailable, match="STP_LEAN_REPL"):
        ensure_available("lean", ItpConfig(lean=LeanConfig(repl_command=None)))
    with pytest.raises(ValueError, match="no installed library"):
        source_files("lean")
    with pytest.raises(ValueError, match="cannot trace"):
        trace_source("leandojo", "", "", "")


def test_prescreen_needs_no_proof_assistant():
    thm = Theorem("X", "lean", "import Mathlib\n", "theorem X : True := by")
    assert prescreen("lean", thm, "  native_decide").kind is VerdictKind.UNTRUSTED
    assert prescreen("lean", thm, "  trivial") is None
    assert prescreen("coq", Theorem("X", "coq", "", "Theorem X : True."), "Proof. exact I. Qed.") is None


def test_one_more_backend_is_one_registry_entry(monkeypatch):
    made = []
    toy = BackendSpec(
        "toy", "toy", lambda config: made.append(config) or "ENV", lambda config: None, file_suffix=".toy"
    )
    monkeypatch.setitem(backends._REGISTRY, "toy", toy)
    assert make_env("toy") == "ENV" and system_of("toy") == "toy" and backend_for_file("a.toy") == "toy"
    ensure_available("toy")


def test_no_backend_name_comparisons_in_the_registry():
    # The registry dispatches through specs: no `backend == "..."` chains creep back in.
    tree = ast.parse(inspect.getsource(backends))
    compared = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Compare)
        and any(isinstance(c, ast.Constant) and c.value in BACKENDS for c in [node.left, *node.comparators])
    ]
    assert compared == []
