"""Property: the functions that read model output or user statements never fail on any text."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stp_prover.itp import Theorem
from stp_prover.itp.dialect import declared_name, dialect, rename, top_level_indices
from stp_prover.prover.prompts import clean_tactic, cut_whole_proof, tactic_prompt, whole_proof_prompt

SETTINGS = settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
TEXT = st.one_of(
    st.text(max_size=300),
    st.lists(
        st.sampled_from(
            ["```", "```coq\n", "Theorem t : True.", "theorem t :", "(*", "*)", "/-", "-/", "\u2028", "\x85"]
        ),
        max_size=20,
    ).map("".join),
)
THEOREMS = [
    Theorem("t", "coq", "Require Import Arith.\n", "Theorem t : 1 + 1 = 2."),
    Theorem("t", "lean", "import Mathlib", "theorem t : 1 + 1 = 2 := by"),
]


@SETTINGS
@given(TEXT)
def test_reading_a_completion_never_fails(generated):
    for theorem in THEOREMS:
        proof = cut_whole_proof(theorem, generated)
        assert "```" not in proof
    tactic = clean_tactic(generated)
    assert "\n" not in tactic


@SETTINGS
@given(TEXT, TEXT)
def test_prompts_and_statement_helpers_take_any_text(statement, state):
    for system in ("coq", "lean"):
        theorem = Theorem("t", system, state, statement)
        assert whole_proof_prompt(theorem)
        dialect(system)
    assert tactic_prompt(state, [statement]).endswith(state)
    name = declared_name(statement)
    if name is not None:
        assert declared_name(rename(statement, "stp_renamed")) == "stp_renamed"
    indices = list(top_level_indices(statement))
    assert indices == sorted(set(indices)) and all(0 <= i < len(statement) for i in indices)
