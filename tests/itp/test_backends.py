"""The backend registry (itp/backends.py): one spec per backend, no name if-chains, and what code above `itp` gets."""

from __future__ import annotations

import ast
import inspect
import pickle

import pytest

from stp_prover.itp import backends
from stp_prover.itp.backends import (
    BackendSpec,
    ItpConfig,
    backend_for_file,
    backend_names,
    default_backend,
    ensure_available,
    make_env,
    prescreen,
    register,
    source_files,
    system_names,
    system_of,
    trace_source,
)
from stp_prover.itp.config import BackendConfig
from stp_prover.itp.coq import CoqConfig
from stp_prover.itp.env import BackendUnavailable
from stp_prover.itp.lean import LeanConfig
from stp_prover.itp.types import Theorem, VerdictKind


def test_the_registered_backends():
    assert backend_names() == ("coq", "lean", "leandojo")
    assert backend_names(checks=True) == ("coq", "lean")  # leandojo checks whole proofs through the Lean REPL only
    assert backend_names(traces=True) == ("coq", "lean") and system_names() == ("coq", "lean")
    assert [system_of(b) for b in backend_names()] == ["coq", "lean", "lean"]
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


def test_the_registry_refuses_a_taken_name_a_reserved_system_and_an_env_without_config(monkeypatch):
    # A whole plug-in proof assistant is tests/itp/test_plugin_backend.py; these are the registry's own refusals.
    class NoConfigEnvDouble:
        closed = False

        def close(self):
            NoConfigEnvDouble.closed = True

    coq = backends.spec("coq")
    with pytest.raises(ValueError, match="registered already"):
        register(coq)
    with pytest.raises(ValueError, match="cannot name a proof assistant"):
        register(BackendSpec("pooled", "pool", coq.make, coq.require, config=CoqConfig))
    bare = BackendSpec("bare", "coq", lambda config: NoConfigEnvDouble(), lambda config: None)
    monkeypatch.setitem(backends._REGISTRY, "bare", bare)
    with pytest.raises(TypeError, match="without a BackendConfig"):
        make_env("bare")
    assert NoConfigEnvDouble.closed  # refused, and not left running


def test_no_backend_name_comparisons_in_the_registry():
    # The registry dispatches through specs: no `backend == "..."` chains creep back in.
    tree = ast.parse(inspect.getsource(backends))
    compared = [
        node
        for node in ast.walk(tree)
        if isinstance(node, ast.Compare)
        and any(isinstance(c, ast.Constant) and c.value in backend_names() for c in [node.left, *node.comparators])
    ]
    assert compared == []


def test_the_config_holds_one_part_per_registered_proof_assistant():
    config = ItpConfig(lean=LeanConfig(repl_command=["repl"]))
    assert list(config.systems) == list(system_names()) and config.coq is config.systems["coq"]
    assert isinstance(config.coq, CoqConfig) and config.lean.repl_command == ["repl"]
    assert all(isinstance(c, BackendConfig) for c in config.systems.values())
    assert pickle.loads(pickle.dumps(config)) == config  # Ray actors receive it
    with pytest.raises(ValueError, match="no proof assistant hol; registered: coq, lean"):
        ItpConfig(hol=BackendConfig())
    with pytest.raises(AttributeError, match="hol"):
        config.hol
