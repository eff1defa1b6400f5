"""The conjecturer: STP prompt and parsing, checks run in real Coq, and the selection rules."""

from __future__ import annotations

import random

import pytest

from conjecturer import (
    ConjectureChecker,
    Outcome,
    SelectionSettings,
    conjecture_completion,
    conjecture_prompt,
    model_conjectures,
    mutation_conjectures,
    parse_conjecture,
    select_conjectures,
)
from itp import Theorem

HEADER = "From Coq Require Import Lia Lra Psatz.\nRequire Import Reals.\nOpen Scope R_scope.\n"
SEED = Theorem("seed", "coq", HEADER, "Theorem seed (x : R) (h0 : 2 * x = 6) : x = 3.")


def test_prompt_has_the_stp_tags_and_the_completion_closes_them():
    prompt = conjecture_prompt(SEED, "Proof. lra. Qed.", "Rmult_comm")
    for tag in (
        "<lemma>\nRmult_comm\n</lemma>",
        "<easy theorem>\n" + SEED.statement,
        "Proof. lra. Qed.\n</easy theorem>",
    ):
        assert tag in prompt
    assert prompt.endswith("<hard theorem>\n") and "```coq\n" + HEADER in prompt
    completion = conjecture_completion("Theorem h : True.")
    assert parse_conjecture(completion + "\njunk", "coq") == "Theorem h : True."


@pytest.mark.parametrize(
    "generated,expected",
    [
        ("Theorem t (x : R) : x * x >= 0. Proof. nra. Qed.</hard theorem>", "Theorem t (x : R) : x * x >= 0."),
        ("```coq\nLemma u : forall n : nat, n + 0 = n.\n```", "Lemma u : forall n : nat, n + 0 = n."),
        ("no statement here", None),
        ("Theorem cut_off (x : R) : x", None),
    ],
)
def test_parse_conjecture_keeps_one_statement(generated, expected):
    assert parse_conjecture(generated, "coq") == expected


def test_parse_lean_conjecture():
    text = "theorem t (x : ℝ) (h : 0 < x) : 0 < x ^ 2 := by\n  positivity\n</hard theorem>"
    assert parse_conjecture(text, "lean") == "theorem t (x : ℝ) (h : 0 < x) : 0 < x ^ 2 := by"


def test_model_conjectures_are_renamed_and_unparsable_counted():
    outs = ["Theorem whatever (x : R) : x + 0 = x.</hard theorem>", "garbage"]
    made, bad = model_conjectures(SEED, "Proof. lra. Qed.", None, lambda p, n: outs[:n], 2, "c")
    assert bad == 1 and [c.statement for c in made] == ["Theorem c_0 (x : R) : x + 0 = x."]
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


def _o(name, correct, lemma=None, proof="Proof. nra. Qed.", statement="Theorem s : 1 = 1.", samples=16):
    return Outcome(name, statement, lemma, samples, correct, [proof] if correct else [])


def test_selection_keeps_barely_provable_conjectures_that_use_their_lemma():
    outcomes = [
        _o("unproved", 0),
        _o("easy", 8),
        _o("barely", 2),
        _o("lemma_used", 1, lemma="Nat.add_comm", proof="Proof. rewrite Nat.add_comm. lia. Qed."),
        _o("lemma_unused", 1, lemma="Nat.add_comm"),
    ]
    selected, dropped = select_conjectures(outcomes, SelectionSettings(elegance_drop=0.0))
    assert sorted(s.outcome.name for s in selected) == ["barely", "lemma_used"]
    assert dropped == {"unproved": 1, "too_easy": 1, "lemma_unused": 1, "inelegant": 0}


def test_elegance_filter_drops_the_lowest_ratio_fifth_per_lemma_group():
    outcomes = [_o(f"c{i}", 1, proof="p" * (10 + i), statement="s" * 20) for i in range(5)]
    selected, dropped = select_conjectures(outcomes, SelectionSettings())
    assert dropped["inelegant"] == 1 and "c0" not in {s.outcome.name for s in selected}


def test_weights_favour_conjectures_near_unsolved_targets_and_are_capped():
    outcomes = [_o("near", 1, statement="near"), _o("far", 1, statement="far"), _o("mid", 1, statement="mid")]
    sims = {"near": 0.9, "far": 0.1, "mid": 0.5}
    selected, _ = select_conjectures(
        outcomes,
        SelectionSettings(elegance_drop=0.0, weight_cap=2.0),
        ["target"],
        lambda cs, ts: [sims[c] for c in cs],
    )
    w = {s.outcome.name: s.weight for s in selected}
    assert w["near"] == 2.0 and w["far"] < w["mid"] < w["near"]
