"""The `strict` and `stp` verdict modes on Coq, with real coqtop/coqc/coqchk. STP has no Coq verifier; its nearest
analogue here (docs/trust-policy.md) keeps what STP checks on Lean (kfdong/STP RL/utils/prover/lean/verifier.py:
no error, no hole) and drops what it does not: the axiom audit, the kernel re-check, restated proofs."""

from __future__ import annotations

from stp_prover.itp import Theorem, VerdictKind
from stp_prover.itp.coq import CoqConfig, CoqEnv

ENSEMBLES = Theorem(
    "same_ext",
    "coq",
    "Require Import Coq.Sets.Ensembles.\n",
    "Theorem same_ext (U : Type) (A B : Ensemble U) : Included U A B -> Included U B A -> A = B.",
)
EXT_PROOF = "Proof. intros h1 h2. apply Extensionality_Ensembles. split; assumption. Qed."
REALS = Theorem("r", "coq", "Require Import Reals Lra.\nOpen Scope R_scope.\n", "Theorem r (x : R) : x + 0 = x.")


def test_a_non_standard_library_axiom_passes_only_in_stp_mode():
    # STP verifier.py:53-54: `pass` is "no error message", `complete` adds "no sorry": nothing asks which axioms a
    # proof rests on (no `#print axioms`). The standard library's `Extensionality_Ensembles` is an `Axiom` outside
    # the standard set of the trust policy.
    with CoqEnv(CoqConfig()) as env:
        strict = env.check(ENSEMBLES, EXT_PROOF)
    assert strict.kind is VerdictKind.UNTRUSTED and "Extensionality_Ensembles" in strict.reason
    with CoqEnv(CoqConfig(verdicts="stp")) as env:
        stp = env.check(ENSEMBLES, EXT_PROOF)
        cold = env.check_cold(ENSEMBLES, EXT_PROOF)
    assert stp.kind is VerdictKind.PROVED and stp.verdicts == "stp", stp
    assert any(a.endswith("Extensionality_Ensembles") for a in stp.axioms)  # listed, not judged
    assert cold.kind is VerdictKind.PROVED and cold.verdicts == "stp", cold


def test_a_restated_proof_passes_only_in_strict_mode():
    # STP verifier.py:232 sends `test_info['statement'] + '\n' + test_info['proof']`: the statement always comes
    # first, so a proof that restates it opens a second theorem inside the first (Coq: nested proofs refused).
    proof = "Theorem r (x : R) : x + 0 = x.\nProof. lra. Qed."
    with CoqEnv(CoqConfig()) as env:
        assert env.check(REALS, proof).kind is VerdictKind.PROVED
    with CoqEnv(CoqConfig(verdicts="stp")) as env:
        stp = env.check(REALS, proof)
        honest = env.check(REALS, "Proof. lra. Qed.")
    assert stp.kind is VerdictKind.REJECTED, stp
    assert honest.kind is VerdictKind.PROVED


def test_stp_mode_runs_no_kernel_recheck():
    # STP trusts the REPL's answer (verifier.py:153-155) and re-checks nothing; `kernel_recheck` is ignored there.
    with CoqEnv(CoqConfig(kernel_recheck=True)) as env:
        assert "kernel re-check (coqchk): ok" in env.check(REALS, "Proof. lra. Qed.").messages
    with CoqEnv(CoqConfig(kernel_recheck=True, verdicts="stp")) as env:
        verdict = env.check(REALS, "Proof. lra. Qed.")
    assert verdict.kind is VerdictKind.PROVED and not any("coqchk" in m for m in verdict.messages)


def test_without_the_header_screen_only_strict_refuses_an_unchecked_fixpoint(monkeypatch):
    # What stp mode gives up: the checks on the result. With the header screen switched off by a TEST DOUBLE (a
    # no-op standing in for screen_header), a proof resting on a fixpoint Coq never guard-checked is refused by the
    # strict audit (and coqchk), and accepted in stp mode, which, like STP, reads only the error messages.
    monkeypatch.setattr("stp_prover.itp.coq.env.screen_header", lambda header: None)
    unguarded = Theorem(
        "bad",
        "coq",
        "Unset Guard Checking.\nFixpoint loop (n : nat) : False := loop n.\nSet Guard Checking.\n",
        "Theorem bad : False.",
    )
    with CoqEnv(CoqConfig(kernel_recheck=True)) as env:
        strict = env.check(unguarded, "Proof. exact (loop 0). Qed.")
    assert strict.kind is VerdictKind.UNTRUSTED, strict
    with CoqEnv(CoqConfig(kernel_recheck=True, verdicts="stp")) as env:
        assert env.check(unguarded, "Proof. exact (loop 0). Qed.").kind is VerdictKind.PROVED


def test_holes_are_refused_in_both_modes():
    # STP verifier.py:54 refuses `sorry`; Coq's holes (`admit`, `Admitted`) stay refused in stp mode.
    with CoqEnv(CoqConfig(verdicts="stp")) as env:
        for proof in ("Proof. admit. Admitted.", "Proof. Admitted."):
            assert env.check(REALS, proof).kind in (VerdictKind.UNTRUSTED, VerdictKind.REJECTED), proof


def test_stp_mode_does_not_rerun_timeouts_with_more_time():
    # STP verifier.py:157-160: a query past its timeout gives `complete: False`, and its second stage re-runs only
    # results without `complete` (:430-431). Strict's pool gives a timed-out proof a second, longer try.
    from stp_prover.itp import ItpConfig, ItpSettings, PoolConfig, VerifierPool, VerifyJob, make_env

    slow = Theorem("slow", "coq", "", "Theorem slow : True.")
    job = VerifyJob(slow, "Proof. do 5000000 idtac. exact I. Qed.")
    for mode, kind in (("strict", VerdictKind.PROVED), ("stp", VerdictKind.TIMEOUT)):
        config = ItpSettings(verdicts=mode).apply(ItpConfig())
        pool_config = PoolConfig(workers=1, straggler_timeout_factor=100.0)
        with VerifierPool(lambda: make_env("coq", config), pool_config, timeout=0.3) as pool:
            verdict = pool.verify([job])[0]
        assert verdict.kind is kind and verdict.verdicts == mode, (mode, verdict)
