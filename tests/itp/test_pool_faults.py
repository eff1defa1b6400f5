"""A proof-assistant process SIGKILLed in the middle of a check: the pool replaces it and checks again, so the
verdict is the proof's own, never `rejected` or `error` for our fault."""

from __future__ import annotations

import os
import signal
import threading
import time

from itp import PoolConfig, Theorem, VerdictKind, VerifierPool, VerifyJob, make_env


def coqtop_children() -> list[int]:
    """Our own coqtop processes (their parent is this process)."""
    pids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as fh:
                stat = fh.read()
        except OSError:
            continue
        comm = stat[stat.index("(") + 1 : stat.rindex(")")]
        ppid = int(stat[stat.rindex(")") + 2 :].split()[1])
        if ppid == os.getpid() and comm.startswith("coqtop"):
            pids.append(int(entry))
    return pids


def test_a_checker_killed_mid_check_is_replaced_and_the_proof_gets_its_own_verdict():
    thm = Theorem("slow_true", "coq", "Require Import Arith.\n", "Theorem slow_true : True.")
    slow = VerifyJob(thm, "Proof. do 3000000 idtac. exact I. Qed.")
    with VerifierPool(lambda: make_env("coq"), PoolConfig(workers=1), timeout=120) as pool:
        assert pool.verify([VerifyJob(thm, "Proof. exact I. Qed.")])[0].ok  # the session is warm now
        before = set(coqtop_children())
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
        assert set(coqtop_children()).isdisjoint(before)
