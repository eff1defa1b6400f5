"""The Lean header, statement and file policy (itp/lean/policy.py), and the token-level helpers the check uses."""

from __future__ import annotations

import json

import pytest

from stp_prover.data.benchmarks import load_benchmark
from stp_prover.itp.lean.policy import (
    PolicyViolation,
    declared_names,
    header_axioms,
    rename_declaration,
    restated_name,
    screen_file,
    screen_header,
    screen_statement,
)

MINIF2F_HEADER = (
    "import Mathlib\nimport Aesop\n\nset_option maxHeartbeats 400000\n\nopen BigOperators Real Nat Topology Rat\n"
)


@pytest.mark.parametrize(
    "path", ["minif2f/lean4_valid.jsonl", "minif2f/lean4_deepseek_v15_valid.jsonl", "proofnet/lean4_verified.jsonl"]
)
def test_every_shipped_header_passes(shared_data, path):
    n = 0
    with open(shared_data / path, encoding="utf-8") as fh:
        for line in fh:
            rec = json.loads(line)
            # ProofNet's helper definitions are part of the header (itp/lean/benchmarks.py, proofnet_theorem).
            screen_header(rec["header"].rstrip() + "\n\n" + (rec.get("helper") or ""))
            n += 1
    assert n > 200


@pytest.mark.parametrize("name,split", [("minif2f", "valid"), ("proofnet", "verified")])
def test_every_benchmark_statement_passes(shared_data, name, split):
    theorems = load_benchmark(name, split, "lean", str(shared_data))
    assert len(theorems) > 200
    for theorem in theorems:
        screen_header(theorem.header)
        screen_statement(theorem.statement)


@pytest.mark.parametrize(
    "header",
    [
        MINIF2F_HEADER + "#eval IO.println 1\n",
        MINIF2F_HEADER + "#exit\n",
        MINIF2F_HEADER + 'run_cmd Lean.logInfo "x"\n',
        MINIF2F_HEADER + "run_elab pure ()\n",
        MINIF2F_HEADER + "run_meta pure ()\n",
        MINIF2F_HEADER + 'initialize IO.println "x"\n',
        MINIF2F_HEADER + 'builtin_initialize IO.println "x"\n',
        MINIF2F_HEADER + 'elab "cheat" : tactic => pure ()\n',
        MINIF2F_HEADER + "elab_rules : tactic | `(tactic| simp) => pure ()\n",
        MINIF2F_HEADER + 'macro "linarith" : tactic => `(tactic| sorry)\n',
        MINIF2F_HEADER + "macro_rules | `(tactic| linarith) => `(tactic| sorry)\n",
        MINIF2F_HEADER + 'syntax "cheat" : tactic\n',
        MINIF2F_HEADER + "set_option debug.skipKernelTC true\n",
        MINIF2F_HEADER + "set_option «debug».skipKernelTC true\n",
        MINIF2F_HEADER + "set_option allowUnsafeReducibility true\n",
        MINIF2F_HEADER + "@[implemented_by g] def f : ℕ := 4\n",
        MINIF2F_HEADER + '@[extern "c"] opaque f : ℕ\n',
        MINIF2F_HEADER + "unsafe def f : ℕ := 4\n",
        MINIF2F_HEADER + "@[norm_num _] def evalCheat : Mathlib.Meta.NormNum.NormNumExt := cheatImpl\n",
        MINIF2F_HEADER + "attribute [csimp] foo\n",
        MINIF2F_HEADER + "@[aesop safe tactic] def cheat : TacticM Unit := pure ()\n",  # Aesop runs tactic rules
        MINIF2F_HEADER + "@[positivity _] def ext : PositivityExt := ext0\n",
        MINIF2F_HEADER + "attribute [local tactic] foo\n",
        MINIF2F_HEADER + "theorem helper : False := sorry\n",
        MINIF2F_HEADER + 'def f : IO Unit := IO.println "x"\n',
        MINIF2F_HEADER + 'def s := s!"{1}"\n',
        MINIF2F_HEADER + "import Mathlib.Tactic\n",
        MINIF2F_HEADER + "/- unterminated",
    ],
)
def test_headers_that_act_outside_the_document_are_refused(header):
    with pytest.raises(PolicyViolation):
        screen_header(header)


@pytest.mark.parametrize(
    "header",
    [
        MINIF2F_HEADER,
        (
            "import Mathlib\n\nopen Function Fintype\nopen scoped BigOperators\n\nnoncomputable def f : ℕ → ℝ\n"
            "| 0 => 1\n| (n + 1) => f n / 2\n"
        ),
        "import Mathlib\n\naxiom cheat : 1 = 2\n",  # axioms stay part of the problem: listed apart by the check
        'import Mathlib\nlocal notation "limsup" => fun u : ℕ → EReal => Filter.limsup u Filter.atTop\n',
        "import Mathlib\nset_option checkBinderAnnotations false\nset_option maxRecDepth 8000\n",
        "import Mathlib\nnamespace Foo\n@[simp] lemma bar : True := trivial\nend Foo\n",
    ],
)
def test_ordinary_headers_pass(header):
    screen_header(header)


def test_statements_declare_one_theorem_first():
    screen_statement("set_option maxRecDepth 2048 in\ntheorem t : True := by")
    for bad in (
        "instance : Add ℕ := ⟨fun _ _ => 5⟩\ntheorem t : 2 + 2 = 5 := by",
        "theorem t : True := by trivial\ntheorem u : True := by",
        "#eval 1\ntheorem t : True := by",
        "theorem t : True := by\n  native_decide",
    ):
        with pytest.raises(PolicyViolation):
            screen_statement(bad)


def test_files_may_declare_but_not_cheat():
    screen_file("open Nat\n\ndef f := 2\n\ntheorem t : f = 2 := rfl\n")
    for bad in ("theorem t : False := sorry", "axiom a : False", "#eval 1", "theorem t : 2 = 2 := by native_decide"):
        with pytest.raises(PolicyViolation):
            screen_file(bad)


def test_header_axioms_follow_namespaces():
    header = "import Mathlib\naxiom a : False\nnamespace Foo\naxiom b : True\nsection\naxiom c : True\nend\nend Foo\n"
    assert header_axioms(header) == ["a", "Foo.b", "Foo.c"]
    assert header_axioms("-- axiom fake : False\n") == []


def test_rename_touches_the_declared_name_only():
    # The old `str.replace(name, ..., 1)` hit a docstring or a longer name first.
    statement = "/-- about foo -/\ntheorem foo (foo_pos : 0 < 1) : foo_pos = foo_pos := by"
    assert (
        rename_declaration(statement, "ref")
        == "/-- about foo -/\ntheorem ref (foo_pos : 0 < 1) : foo_pos = foo_pos := by"
    )


def test_names_come_from_tokens_not_comments():
    text = "/- theorem fake : False -/\ntheorem a : True := trivial\n-- lemma b\nlemma «c d» : True := trivial\n"
    assert declared_names(text) == ["a", "c d"]
    assert restated_name("/-- doc -/\ntheorem a : True := trivial") == "a"
    assert restated_name("  simp\ntheorem a : True := trivial") is None
