"""Coq's input limits, for real: a proof of a million sentences is refused at once by its length (warm, cold and
through the verifier pool, as `stp verify` and the server check), and with the limits raised a long proof stops at
its check's time with `timeout`, on a worker that is then replaced."""

from __future__ import annotations

from stp_prover.itp import PoolConfig, Theorem, VerdictKind, VerifierPool, VerifyJob
from stp_prover.itp.coq import CoqConfig, CoqEnv

THM = Theorem("t", "coq", "Require Import Arith.\n", "Theorem t : True.")
MILLION = "Proof. " + "idtac. " * 1_000_000 + "exact I. Qed."


def test_a_million_sentences_are_refused_by_length_everywhere(coq_env):
    for verdict in (coq_env.check(THM, MILLION), coq_env.check_cold(THM, MILLION)):
        assert verdict.kind is VerdictKind.UNTRUSTED and "max_proof_bytes" in verdict.reason, verdict
    with VerifierPool(lambda: CoqEnv(CoqConfig()), PoolConfig(workers=1)) as pool:
        verdict = pool.verify([VerifyJob(THM, MILLION)])[0]
    assert verdict.kind is VerdictKind.UNTRUSTED and "max_proof_bytes" in verdict.reason


def test_the_sentence_limit_holds_under_the_byte_limit():
    env = CoqEnv(CoqConfig(max_proof_sentences=100))
    with env:
        verdict = env.check(THM, "Proof. " + "idtac. " * 200 + "exact I. Qed.")
        assert verdict.kind is VerdictKind.UNTRUSTED and "max_proof_sentences" in verdict.reason
        assert env.check(THM, "Proof. " + "idtac. " * 50 + "exact I. Qed.").ok


def test_a_long_proof_stops_at_the_check_timeout_and_its_worker_is_replaced():
    # Every sentence answers in about a millisecond: only the check's own deadline stops the whole.
    config = CoqConfig(max_proof_bytes=10**8, max_proof_sentences=10**7)
    with CoqEnv(config) as env:
        long = "Proof. " + "idtac. " * 100_000 + "exact I. Qed."
        assert env.check(THM, "Proof. exact I. Qed.").ok
        before = env.session(THM.header)
        verdict = env.check(THM, long, timeout=2.0)
        assert verdict.kind is VerdictKind.TIMEOUT, verdict
        assert not before.alive()  # recycled
        assert env.check(THM, "Proof. exact I. Qed.").ok
        assert env.session(THM.header) is not before
