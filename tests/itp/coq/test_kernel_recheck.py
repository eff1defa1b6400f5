"""`coqchk` re-checks accepted proofs on their compiled `.vo` (`kernel_recheck`): an honest proof passes, and a
proof resting on an unchecked fixpoint, smuggled past the header screen and the `Print Assumptions` audit by the
test, is refused by coqchk alone."""

from __future__ import annotations

from stp_prover.itp import Theorem, VerdictKind
from stp_prover.itp.coq import CoqConfig, CoqEnv
from stp_prover.itp.coq.coqc import kernel_recheck
from stp_prover.itp.coq.policy import ProofScript
from stp_prover.itp.coq.sentences import split_sentences

REALS = Theorem("r", "coq", "Require Import Reals Lra.\nOpen Scope R_scope.\n", "Theorem r (x : R) : x + 0 = x.")
UNGUARDED = Theorem(
    "bad",
    "coq",
    "Unset Guard Checking.\nFixpoint loop (n : nat) : False := loop n.\nSet Guard Checking.\n",
    "Theorem bad : False.",
)


def test_an_honest_proof_passes_the_kernel_recheck_in_the_env():
    with CoqEnv(CoqConfig(kernel_recheck=True)) as env:
        verdict = env.check(REALS, "Proof. lra. Qed.")
        assert verdict.kind is VerdictKind.PROVED and "kernel re-check (coqchk): ok" in verdict.messages
        cold = env.check_cold(REALS, "Proof. lra. Qed.")
        assert cold.kind is VerdictKind.PROVED and "kernel re-check (coqchk): ok" in cold.messages


def test_coqchk_refuses_what_rests_on_an_unchecked_fixpoint():
    # The header is passed to kernel_recheck directly: no header screen runs, and no Print Assumptions either.
    verdict = kernel_recheck(UNGUARDED, "Proof. exact (loop 0). Qed.", CoqConfig())
    assert verdict is not None and verdict.kind is VerdictKind.UNTRUSTED
    assert "unsafe (co)fixpoints" in verdict.reason and "Stp.Check.loop" in verdict.reason


def screen_off_double(proof: str, theorem_name: str) -> ProofScript:
    """TEST DOUBLE for the proof screen: cuts sentences, refuses nothing."""
    return ProofScript(sentences=split_sentences(proof))


def test_coqchk_refuses_an_axiom_the_header_did_not_declare(monkeypatch):
    monkeypatch.setattr("stp_prover.itp.coq.script.screen_proof", screen_off_double)
    thm = Theorem("c", "coq", "Axiom given : True.\n", "Theorem c : 1 = 2.")
    proof = "Proof. Abort. Axiom cheat : 1 = 2. Theorem c : 1 = 2. Proof. exact cheat. Qed."
    verdict = kernel_recheck(thm, proof, CoqConfig())
    assert verdict is not None and verdict.kind is VerdictKind.UNTRUSTED
    assert "axiom Stp.Check.cheat" in verdict.reason and "given" not in verdict.reason
