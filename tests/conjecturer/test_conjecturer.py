"""The conjecturer: STP's prompt and parsing, and our checks run in real Coq (STP's selection is tested in
tests/selfplay/test_stp_algorithm.py)."""

from __future__ import annotations

import random

import pytest

from stp_prover.conjecturer import (
    ConjectureChecker,
    model_conjectures,
    mutation_conjectures,
    stp_conjecture_prompt,
    stp_conjecture_target,
    stp_conjecture_training_prompt,
    stp_parse_conjecture,
)
from stp_prover.itp import Theorem

HEADER = "From Coq Require Import Lia Lra Psatz.\nRequire Import Reals.\nOpen Scope R_scope.\n"
SEED = Theorem("seed", "coq", HEADER, "Theorem seed (x : R) (h0 : 2 * x = 6) : x = 3.")


def test_one_prompt_for_generation_and_training_in_stps_training_format():
    # RL/RL_step2_train.py:67-70 (STP's training bytes): the header, the tags, `<hard theorem>`; the target closes it.
    lemma = "Theorem Rmult_comm : forall r1 r2 : R, r1 * r2 = r2 * r1."
    prompt = stp_conjecture_prompt(SEED, "Proof. lra. Qed.", lemma)
    assert prompt == stp_conjecture_training_prompt(SEED, "Proof. lra. Qed.", lemma)
    assert prompt == (
        "Complete the following Coq code:\n\n```coq\n" + HEADER + "\n<lemma>\n" + lemma + "\n<easy theorem>\n"
        + SEED.statement + "\nProof. lra. Qed.\n<hard theorem>"
    )
    assert stp_conjecture_target("Theorem h : True.") == "\nTheorem h : True.\n</hard theorem>"
    # No lemma: STP's `theorem true: True` (RL_step2_train.py:55), in the dialect's keyword.
    assert "\n<lemma>\nTheorem true: True\n<easy theorem>\n" in stp_conjecture_prompt(SEED, "Proof. lra. Qed.", "")


@pytest.mark.parametrize(
    "generated,expected",
    [
        (" t (x : R) : x * x >= 0. Proof. nra. Qed.</hard theorem>", "Theorem t (x : R) : x * x >= 0."),
        (" u : forall n : nat, n + 0 = n.\n```", "Theorem u : forall n : nat, n + 0 = n."),
        ("no statement here", None),
        (" cut_off (x : R) : x", None),
    ],
)
def test_parse_conjecture_keeps_one_statement(generated, expected):
    # RL_utils.py:62-65: the keyword the prompt ended with, then the text before the closing tag, cut at the proof.
    assert stp_parse_conjecture(generated, SEED) == expected


def test_parse_lean_conjecture():
    seed = Theorem("s", "lean", "", "theorem s : 1 = 1 := by")
    text = " t (x : ℝ) (h : 0 < x) : 0 < x ^ 2 := by\n  positivity\n</hard theorem>"
    assert stp_parse_conjecture(text, seed) == "theorem t (x : ℝ) (h : 0 < x) : 0 < x ^ 2 := by"


def test_model_conjectures_are_renamed_and_unparsable_counted():
    outs = [" whatever (x : R) : x + 0 = x.</hard theorem>", "garbage ("]
    made, bad = model_conjectures(SEED, "Proof. lra. Qed.", None, "Theorem true: True", lambda p, n: outs[:n], 2, "c")
    assert bad == 1 and [c.statement for c in made] == ["Theorem c_0 (x : R) : x + 0 = x."]
    assert made[0].written == "Theorem whatever (x : R) : x + 0 = x."
    assert made[0].theorem(SEED).header == HEADER and made[0].source == "model"


def test_mutations_put_consequences_first():
    made = mutation_conjectures(SEED, 3, "m", random.Random(0))
    assert [c.edit for c in made] == ["add 1 to both sides", "double both sides", "square both sides"]
    assert made[2].statement == "Theorem m_m2 (x : R) (h0 : 2 * x = 6) : (x) ^ 2 = (3) ^ 2."


@pytest.mark.parametrize(
    "statement,reason",
    [
        ("Theorem k (x : R) (h : 0 < x) (h2 : x < 0) : x * x = 5.", "contradictory"),
        ("Theorem k : forall x : R, 0 < x -> x < 0 -> x * x = 5.", "contradictory"),
        ("Theorem k (x : R) (h0 : 2 * x = 6) : x = 3.", "trivial"),
        ("Theorem k (x : R) (h0 : 2 * x = 6) : x ^ 2 = 9.", "ok"),
        ("Theorem k : undefined_thing = 1.", "does_not_elaborate"),
        (None, "unparsable"),
    ],
)
def test_checks_run_in_coq(coq_env, statement, reason):
    checker = ConjectureChecker(coq_env)
    theorem = Theorem("k", "coq", HEADER, statement) if statement else None
    assert checker.check(theorem) == reason


def test_duplicates_of_known_statements_are_refused(coq_env):
    checker = ConjectureChecker(coq_env, known=[SEED.statement])
    renamed = Theorem("other", "coq", HEADER, "Theorem other (x : R)  (h0 : 2 * x = 6) :\n x = 3.")
    assert checker.check(renamed) == "duplicate"
