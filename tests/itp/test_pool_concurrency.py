"""One warm Coq process hammered from many threads: every verdict is the proof's own, whatever the interleaving.

This is how the proving server drives the pool (one request thread per HTTP request), and it is where verdicts used
to leak from one check into another (a proof left open, an audit reading another check's output)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

from stp_prover.itp import PoolConfig, Theorem, VerdictKind, VerifierPool, VerifyJob, make_env

HEADER = "Require Import Arith Lia.\n"
PROOFS = {
    "good": ("Proof. intros; lia. Qed.", VerdictKind.PROVED),
    "rewrite": ("Proof. intros. rewrite Nat.add_comm. reflexivity. Qed.", VerdictKind.PROVED),
    "wrong": ("Proof. intros. reflexivity. Qed.", VerdictKind.REJECTED),
    "admitted": ("Proof. Admitted.", VerdictKind.UNTRUSTED),
    "fixpoint": (
        "Proof. intros. fix loop 1. exact loop. Qed.",
        None,  # Coq refuses the unguarded fixpoint at Qed: rejected, never proved
    ),
}


def _jobs(count: int) -> list[tuple[VerifyJob, str]]:
    kinds = list(PROOFS)
    out = []
    for i in range(count):
        kind = kinds[i % len(kinds)]
        name = f"comm_{i}"
        theorem = Theorem(name, "coq", HEADER, f"Theorem {name} : forall n : nat, n + {i} = {i} + n.")
        out.append((VerifyJob(theorem, PROOFS[kind][0]), kind))
    return out


def _assert_verdicts(results) -> None:
    for kind, verdict in results:
        expected = PROOFS[kind][1]
        if expected is None:
            assert not verdict.ok and verdict.kind is not VerdictKind.ERROR, verdict
        else:
            assert verdict.kind is expected, (kind, verdict)


def test_one_warm_process_many_threads_through_the_pool():
    jobs = _jobs(40)
    with VerifierPool(lambda: make_env("coq"), PoolConfig(workers=1), timeout=30) as pool:
        with ThreadPoolExecutor(max_workers=12) as ex:
            verdicts = list(ex.map(lambda jk: pool.verify([jk[0]])[0], jobs))
        assert pool.stats.infra_retries == 0
        assert pool.stats.stragglers == 0
    _assert_verdicts(zip([k for _, k in jobs], verdicts))


def test_one_environment_shared_by_many_threads_serves_them_one_at_a_time(coq_env):
    jobs = _jobs(20)
    with ThreadPoolExecutor(max_workers=8) as ex:
        verdicts = list(ex.map(lambda jk: coq_env.check(jk[0].theorem, jk[0].proof, 30), jobs))
    _assert_verdicts(zip([k for _, k in jobs], verdicts))


def test_concurrent_batches_share_two_slots():
    jobs = _jobs(30)
    batches = [jobs[i : i + 5] for i in range(0, len(jobs), 5)]
    with VerifierPool(lambda: make_env("coq"), PoolConfig(workers=2), timeout=30) as pool:
        with ThreadPoolExecutor(max_workers=6) as ex:
            per_batch = list(ex.map(lambda b: pool.verify([j for j, _ in b]), batches))
        assert pool.stats.infra_retries == 0
    _assert_verdicts((k, v) for batch, vs in zip(batches, per_batch) for (_, k), v in zip(batch, vs))
