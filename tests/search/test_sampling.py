"""Whole-proof sampling through the real verifier pool."""

from __future__ import annotations

import pytest

from stp_prover.itp import PoolConfig, Theorem, VerifierPool
from stp_prover.prover import Candidate, ProofPolicy
from stp_prover.search import SamplingConfig, pass_at_k, sample_proofs

THM = Theorem("s", "coq", "From Coq Require Import Lia.\n", "Theorem s (n : nat) : n + 0 = n.")


class CyclingProofsDouble(ProofPolicy):
    """TEST DOUBLE: returns proofs from a fixed list, cycling, so duplicates occur as they do when sampling."""

    def __init__(self, proofs):
        self.proofs, self.i = proofs, 0

    def sample(self, theorem, n):
        out = []
        for _ in range(n):
            out.append(Candidate(self.proofs[self.i % len(self.proofs)], -1.0))
            self.i += 1
        return out


def test_pass_at_k_estimator():
    assert pass_at_k(10, 3, 1) == pytest.approx(0.3)
    assert pass_at_k(10, 0, 5) == 0.0
    assert pass_at_k(10, 8, 3) == 1.0
    assert pass_at_k(4, 1, 2) == pytest.approx(0.5)
    with pytest.raises(ValueError):
        pass_at_k(2, 1, 4)


def test_identical_samples_are_verified_once_and_counted_with_multiplicity(coq_env):
    policy = CyclingProofsDouble(
        ["Proof. lia. Qed.", "Proof. reflexivity. Qed.", "Proof. reflexivity. Qed.", "Proof. Admitted."]
    )
    pool = VerifierPool(lambda: coq_env, PoolConfig(workers=1), owns_envs=False)
    result = sample_proofs(THM, policy, pool, SamplingConfig(samples=8, batch=4, stop_at_first=False, ks=(1, 4)))
    assert result.samples == 8 and result.correct_samples == 2
    assert pool.stats.unique == 3  # three distinct texts, checked once each
    assert result.pass_at["pass@1"] == pytest.approx(0.25)
    assert result.proved and result.proof == "Proof. lia. Qed."


def test_stop_at_first_verified_proof(coq_env):
    policy = CyclingProofsDouble(["Proof. lia. Qed."])
    pool = VerifierPool(lambda: coq_env, PoolConfig(workers=1), owns_envs=False)
    result = sample_proofs(THM, policy, pool, SamplingConfig(samples=32, batch=4, stop_at_first=True))
    assert result.proved and result.samples == 4


def test_pipeline_counts_every_sample_and_checks_each_distinct_text_once(coq_env):
    """sample -> deduplicate -> verify -> count, as self-play and `sample_proofs` both run it."""
    from stp_prover.search.pipeline import EMPTY_REASON, sample_verify_count

    other = Theorem("t", "coq", "From Coq Require Import Lia.\n", "Theorem t (n : nat) : n * 1 = n.")
    good, bad = "Proof. lia. Qed.", "Proof. reflexivity. Qed."
    pool = VerifierPool(lambda: coq_env, PoolConfig(workers=1), owns_envs=False)
    s, t = sample_verify_count(
        [
            (THM, [(good, "model"), (bad, "model"), (good, "portfolio"), ("  ", "model")]),
            (other, [(bad, "model"), (bad, "model")]),
        ],
        pool,
    )
    assert (s.samples, s.distinct, s.correct, s.pass_rate) == (4, 3, 2, 0.5)
    assert s.best.text == good and s.best.source == "model" and s.best.count == 2
    blank = next(p for p in s.proofs if not p.text.strip())
    assert blank.verdict is None and blank.reason == EMPTY_REASON and not blank.ok
    assert (t.samples, t.distinct, t.correct, t.best) == (2, 1, 0, None)
    assert pool.stats.unique == 3  # good and bad for s, bad for t; the blank text never reaches Coq
