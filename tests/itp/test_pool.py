"""The verifier pool with real Coq workers."""

from __future__ import annotations

import pytest

from stp_prover.itp import ItpConfig, PoolConfig, Theorem, Verdict, VerdictKind, VerifierPool, VerifyJob, make_env
from stp_prover.itp.env import ProofEnv

ARITH = "Require Import Arith Lia.\n"
REALS = "Require Import Reals Lra.\nOpen Scope R_scope.\n"


def thm(name: str, statement: str, header: str = ARITH) -> Theorem:
    return Theorem(name, "coq", header, f"Theorem {name} {statement}.")


def test_duplicates_are_checked_once_and_every_input_gets_its_verdict():
    a, b = thm("a", ": 2 + 2 = 4"), thm("b", "(x : R) : x * 1 = x", REALS)
    jobs = [
        VerifyJob(a, "Proof. reflexivity. Qed."),
        VerifyJob(a, "Proof. reflexivity. Qed."),
        VerifyJob(b, "Proof. intros. ring. Qed."),
        VerifyJob(a, "Proof. lia. Qed."),
        VerifyJob(b, "Proof. intros. ring. Qed."),
        VerifyJob(a, "Proof. Admitted."),
    ]
    seen = []
    with VerifierPool(lambda: make_env("coq"), PoolConfig(workers=2)) as pool:
        verdicts = pool.verify(jobs, on_result=lambda i, v: seen.append(i))
        assert pool.stats.unique == 4 and pool.stats.submitted == 6
    assert sorted(seen) == list(range(6))
    assert [v.kind for v in verdicts] == [VerdictKind.PROVED] * 5 + [VerdictKind.UNTRUSTED]
    assert verdicts[0] is verdicts[1]  # one check, multiplicity two


def test_stragglers_are_rerun_with_more_time():
    slow = thm("slow", ": True")
    config = PoolConfig(workers=2, straggler_timeout_factor=20.0)
    with VerifierPool(lambda: make_env("coq"), config, timeout=0.3) as pool:
        verdicts = pool.verify(
            [
                VerifyJob(slow, "Proof. do 5000000 idtac. exact I. Qed."),
                VerifyJob(slow, "Proof. do 2000000000 idtac. exact I. Qed."),
                VerifyJob(slow, "Proof. exact I. Qed."),
            ]
        )
        assert pool.stats.stragglers == 2 and pool.stats.straggler_recovered == 1
    assert [v.kind for v in verdicts] == [VerdictKind.PROVED, VerdictKind.TIMEOUT, VerdictKind.PROVED]


class FlakyEnvDouble(ProofEnv):
    """TEST DOUBLE: a Coq environment whose first check fails like a crashed process would."""

    system = "coq"
    failures = 0

    def __init__(self):
        self.inner = make_env("coq")
        self.config = self.inner.config

    def check(self, theorem, proof, timeout=None) -> Verdict:
        if FlakyEnvDouble.failures == 0:
            FlakyEnvDouble.failures += 1
            raise BrokenPipeError("worker lost")
        return self.inner.check(theorem, proof, timeout)

    def check_file(self, text, only=None):
        return self.inner.check_file(text, only)

    def start(self, theorem):
        return self.inner.start(theorem)

    def step(self, state, tactic, timeout=None):
        return self.inner.step(state, tactic, timeout)

    def automation(self, state):
        return self.inner.automation(state)

    def close(self):
        self.inner.close()


def test_infrastructure_failures_are_retried_on_a_fresh_worker_and_kept_apart():
    with VerifierPool(FlakyEnvDouble, PoolConfig(workers=1)) as pool:
        verdicts = pool.verify([VerifyJob(thm("c", ": 1 = 1"), "Proof. reflexivity. Qed.")])
        assert verdicts[0].ok and pool.stats.infra_retries == 1
    with VerifierPool(FlakyEnvDouble, PoolConfig(workers=1, retry_errors=0)) as pool:
        FlakyEnvDouble.failures = 0
        verdict = pool.verify([VerifyJob(thm("c", ": 1 = 1"), "Proof. reflexivity. Qed.")])[0]
        assert verdict.kind is VerdictKind.ERROR and "worker lost" in verdict.reason


def test_hostile_proofs_do_not_take_the_pool_down():
    t = thm("h", ": 1 = 2")
    hostile = [
        "Proof. Admitted.",
        'Proof. Declare ML Module "x". Qed.',
        "Proof. lia",
        "Proof. lia.Qed.",
        "Proof. exact_no_check (eq_refl 1). Qed.",
        "(* *)",
        "Proof. do 2000000000 idtac. Qed.",
    ]
    good = VerifyJob(thm("g", ": 1 = 1"), "Proof. reflexivity. Qed.")
    config = PoolConfig(workers=2, straggler_timeout_factor=1.0)
    with VerifierPool(lambda: make_env("coq"), config, timeout=1.0) as pool:
        verdicts = pool.verify([VerifyJob(t, p) for p in hostile] + [good])
    assert all(not v.ok for v in verdicts[:-1]) and verdicts[-1].ok


@pytest.mark.ray
def test_ray_pool_gives_the_same_verdicts_as_the_local_pool():
    ray = pytest.importorskip("ray")
    from stp_prover.itp.ray_pool import RayVerifierPool

    jobs = [
        VerifyJob(thm("r1", ": 3 * 3 = 9"), "Proof. reflexivity. Qed."),
        VerifyJob(thm("r2", "(x : R) : x + 0 = x", REALS), "Proof. intros. ring. Qed."),
        VerifyJob(thm("r3", ": 1 = 2"), "Proof. reflexivity. Qed."),
    ]
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False, ignore_reinit_error=True)
    try:
        pool = RayVerifierPool("coq", actors=2, cpus_per_actor=1)
        got = []
        verdicts = pool.verify(jobs, on_result=lambda i, v: got.append(i))
        assert [v.kind for v in verdicts] == [VerdictKind.PROVED, VerdictKind.PROVED, VerdictKind.REJECTED]
        assert sorted(got) == [0, 1, 2]
        assert sum(s["submitted"] for s in pool.stats()) == 3
        pool.close()
    finally:
        ray.shutdown()


@pytest.mark.ray
def test_ray_pool_spreads_one_header_over_every_actor():
    """miniF2F-Lean has one header: sharding by header would give all the work to one actor."""
    ray = pytest.importorskip("ray")
    from stp_prover.itp.ray_pool import RayVerifierPool

    jobs = [VerifyJob(thm(f"one_{i}", f": {i} + 0 = {i}"), "Proof. reflexivity. Qed.") for i in range(24)]
    jobs += jobs[:4]  # duplicates are checked once
    ray.init(num_cpus=4, include_dashboard=False, log_to_driver=False, ignore_reinit_error=True)
    try:
        pool = RayVerifierPool("coq", actors=4, config=ItpConfig(pool=PoolConfig(workers=1)), cpus_per_actor=1, chunk=2)
        verdicts = pool.verify(jobs)
        assert len(verdicts) == 28 and all(v.ok for v in verdicts)
        per_actor = [s["submitted"] for s in pool.stats()]
        assert sum(per_actor) == 24 and all(n > 0 for n in per_actor), per_actor
        pool.close()
    finally:
        ray.shutdown()
