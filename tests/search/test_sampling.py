"""Whole-proof sampling through the real verifier pool."""

from __future__ import annotations

import pytest

from itp import PoolConfig, Theorem, VerifierPool
from prover import Candidate, ProofPolicy
from search import SamplingConfig, pass_at_k, sample_proofs

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
