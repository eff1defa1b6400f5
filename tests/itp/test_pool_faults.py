"""A proof-assistant process SIGKILLed in the middle of a check: the pool replaces it and checks again, so the
verdict is the proof's own, never `rejected` or `error` for our fault."""

from __future__ import annotations

import os
import signal
import threading
import time

from stp_prover.itp import PoolConfig, Theorem, VerdictKind, VerifierPool, VerifyJob, make_env


def coqtop_pids(pool: VerifierPool) -> set[int]:
    """The pids of the pool's own warm coqtop processes (not those of other tests in this process)."""
    return {s.top.proc.pid for env in pool._envs if env is not None for s in env.sessions.sessions()}


def test_a_checker_killed_mid_check_is_replaced_and_the_proof_gets_its_own_verdict():
    thm = Theorem("slow_true", "coq", "Require Import Arith.\n", "Theorem slow_true : True.")
    slow = VerifyJob(thm, "Proof. do 3000000 idtac. exact I. Qed.")
    with VerifierPool(lambda: make_env("coq"), PoolConfig(workers=1), timeout=120) as pool:
        assert pool.verify([VerifyJob(thm, "Proof. exact I. Qed.")])[0].ok  # the session is warm now
        before = coqtop_pids(pool)
        assert before
        result = []
        worker = threading.Thread(target=lambda: result.extend(pool.verify([slow])))
        worker.start()
        time.sleep(0.5)  # inside the slow tactic
        for pid in before:
            os.kill(pid, signal.SIGKILL)
        worker.join(timeout=300)
        assert result and result[0].kind is VerdictKind.PROVED, result
        assert pool.stats.infra_retries == 1
        assert coqtop_pids(pool).isdisjoint(before)
