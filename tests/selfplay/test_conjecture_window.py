"""Self-play's mutation window (conjecturer.mutation_window): passing mutations outside the window a deterministic
prover gives are relabelled, in real Coq, so they never reach the pool."""

from __future__ import annotations

import random
from types import SimpleNamespace

from stp_prover.conjecturer.generate import mutation_conjectures
from stp_prover.itp import Theorem
from stp_prover.selfplay.records import CheckedConjecture
from stp_prover.selfplay.stages.conjecture import _in_window


class OneEnvChecksDouble:
    """TEST DOUBLE for the context's check pool: every job on the one real Coq environment, in order."""

    def __init__(self, env):
        self.env = env

    def map(self, fn, items):
        return [fn(self.env, item) for item in items]


def test_mutations_outside_the_window_are_relabelled_and_earlier_checks_kept(coq_env):
    seed = Theorem(
        "seed", "coq", "From Coq Require Import Lia Arith.\n", "Theorem seed (n m : nat) (h : n <= m) : n * n <= m * m."
    )
    made = [mutation_conjectures(seed, 3, "m", random.Random(0))]
    checked = [[CheckedConjecture.of(x, "ok") for x in made[0][:2]] + [CheckedConjecture.of(made[0][2], "duplicate")]]
    ctx = SimpleNamespace(
        cfg=SimpleNamespace(conjecturer=SimpleNamespace(mutation_window_seconds=10.0)),
        checks=OneEnvChecksDouble(coq_env),
    )
    out = _in_window(ctx, checked, made, [seed])
    # The two consequences need nia after the cheap closers (in the window); a failed earlier check stays as it was.
    assert [x.check for x in out[0]] == ["ok", "ok", "duplicate"]
    easy = Theorem("easy", "coq", "From Coq Require Import Lia.\n", "Theorem easy (n : nat) : n + 0 = n.")
    trivial = [mutation_conjectures(easy, 1, "e", random.Random(0))]
    got = _in_window(ctx, [[CheckedConjecture.of(x, "ok") for x in trivial[0]]], trivial, [easy])
    assert [x.check for x in got[0]] == ["too_easy"] * len(trivial[0])
