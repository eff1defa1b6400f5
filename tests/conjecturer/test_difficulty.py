"""The difficulty window in real Coq: mutations of a seed sorted into too easy (a cheap closer one-shot), in the
window (bounded portfolio search proves them) and too hard (not proved within the bound)."""

from __future__ import annotations

import random

import pytest

from stp_prover.conjecturer.difficulty import DifficultySettings, difficulty, in_window
from stp_prover.conjecturer.generate import mutation_conjectures
from stp_prover.itp import Theorem

HEADER = "From Coq Require Import Lia Lra Psatz Arith.\n"
SETTINGS = DifficultySettings(search_seconds=10, search_expansions=50)


def coq(statement: str) -> Theorem:
    return Theorem(statement.split()[1], "coq", HEADER, statement)


@pytest.mark.parametrize(
    "statement, verdict",
    [
        ("Theorem a (n m : nat) : n * m = m * n.", "too_easy"),  # lia, one shot
        ("Theorem b (n : nat) : n <= n * n.", "in_window"),  # past the cheap closers: nia, found by search
        ("Theorem c (n : nat) : n * n <= n.", "too_hard"),  # false: nothing proves it
        ("Theorem d (n : nat) : n <= undefined_thing.", "does_not_elaborate"),
    ],
)
def test_verdicts(coq_env, statement, verdict):
    got = difficulty(coq_env, coq(statement), SETTINGS)
    assert got.verdict == verdict, got
    assert (got.proof is not None) == (verdict == "in_window")


def test_mutations_of_a_seed_are_filtered_to_the_window(coq_env):
    seed = coq("Theorem seed (n m : nat) (h : n <= m) : n * n <= m * m.")
    made = mutation_conjectures(seed, 3, "m", random.Random(0))
    kept = in_window(coq_env, made, seed, SETTINGS)
    # The consequences (+1 both sides, doubling) need nia after the cheap closers; the dropped hypothesis is false.
    assert [c.edit for c, _ in kept] == [c.edit for c in made[:2]] and "drop" in made[2].edit
    assert all(d.verdict == "in_window" and d.proof for _, d in kept)


def test_bad_settings_are_refused():
    with pytest.raises(ValueError):
        DifficultySettings(cheap_timeout=0)
