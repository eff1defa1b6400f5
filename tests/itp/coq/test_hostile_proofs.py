"""Cheating and hostile proofs against the checker: none may be accepted, none may take the checker down.
Each runs through the warm check (coqtop) and the cold check (coqc)."""

from __future__ import annotations

import pytest

from stp_prover.itp import Theorem, VerdictKind

HEADER = "Require Import Arith Lia.\n"
FALSE = Theorem("bad", "coq", HEADER, "Theorem bad : 1 = 2.")
ACCEPTED = {VerdictKind.PROVED}

HOSTILE = {
    "admitted": "Proof. Admitted.",
    "admit tactic": "Proof. admit. Qed.",
    "abort and restate": "Proof. Abort. Theorem bad : True. Proof. exact I. Qed.",
    "new axiom": "Proof. Qed. Axiom cheat : 1 = 2.",
    "local axiom attribute": "Proof. #[local] Axiom cheat : 1 = 2. exact cheat. Qed.",
    "guard checking off": "Proof. Unset Guard Checking. Qed.",
    "exact_no_check": "Proof. exact_no_check (eq_refl 1). Qed.",
    "give_up": "Proof. give_up. Qed.",
    "restated different statement": "Theorem bad : 1 = 1. Proof. reflexivity. Qed.",
    "redirect": 'Proof. Redirect "pwned" Print nat. Qed.',
    "load": "Proof. Load evil. Qed.",
    "ml module": 'Proof. Declare ML Module "evil". Qed.',
    "cd": 'Proof. Cd "/tmp". Qed.',
    "reset": "Proof. Reset bad. Qed.",
    "comment hides qed": "Proof. (* Qed. *) lia. Qed.",
    "string hides period": 'Proof. idtac "Qed. Axiom x : False.". Qed.',
    "spoofed audit output": 'Proof. idtac "Closed under the global context". Qed.',
    "unfinished": "Proof. lia",
    "native compute": "Proof. native_compute. reflexivity. Qed.",
    "two sentences glued": "Proof. lia.Qed.",
    "empty": "",
}


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_proof_is_refused_warm(coq_env, name):
    verdict = coq_env.check(FALSE, HOSTILE[name], timeout=10)
    assert verdict.kind not in ACCEPTED, verdict
    assert verdict.reason


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_hostile_proof_is_refused_cold(coq_env, name):
    verdict = coq_env.check_cold(FALSE, HOSTILE[name], timeout=10)
    assert verdict.kind not in ACCEPTED, verdict


def test_checker_still_accepts_honest_proofs_after_the_hostile_ones(coq_env):
    for proof in HOSTILE.values():
        coq_env.check(FALSE, proof, timeout=10)
    honest = Theorem("good", "coq", HEADER, "Theorem good : 1 + 1 = 2.")
    assert coq_env.check(honest, "Proof. reflexivity. Qed.").ok


def test_admitted_lemma_in_the_header_is_refused_and_caught_by_the_audit_too(coq_env):
    header = HEADER + "Lemma helper : 1 = 2. Admitted.\n"
    thm = Theorem("uses_helper", "coq", header, "Theorem uses_helper : 1 = 2.")
    proof = 'Proof. idtac "Closed under the global context". exact helper. Qed.'
    for check in (coq_env.check, coq_env.check_cold):
        verdict = check(thm, proof)
        assert verdict.kind is VerdictKind.UNTRUSTED and "Admitted" in verdict.reason
    # The header screen is a first line only: past it, the axiom audit refuses the proof on its own.
    verdict = _session_without_header_screen(thm).check(thm, proof, 30)
    assert verdict.kind is VerdictKind.UNTRUSTED and "helper" in verdict.reason


def test_unguarded_fixpoint_from_the_header_is_refused_and_caught_by_the_audit_too(coq_env):
    header = HEADER + "Unset Guard Checking.\nFixpoint loop (n : nat) : False := loop n.\nSet Guard Checking.\n"
    thm = Theorem("falso", "coq", header, "Theorem falso : False.")
    for check in (coq_env.check, coq_env.check_cold):
        verdict = check(thm, "Proof. exact (loop 0). Qed.")
        assert verdict.kind is VerdictKind.UNTRUSTED and "Guard Checking" in verdict.reason
    verdict = _session_without_header_screen(thm).check(thm, "Proof. exact (loop 0). Qed.", 30)
    assert verdict.kind is VerdictKind.UNTRUSTED and "guarded" in verdict.reason


def _session_without_header_screen(thm: Theorem):
    """A warm session opened directly, below the environment's header screen (closed when the test ends)."""
    from stp_prover.itp.coq import CoqConfig
    from stp_prover.itp.coq.script import split_header
    from stp_prover.itp.coq.session import CoqSession

    session = CoqSession(split_header(thm.header)[0], CoqConfig())
    _OPEN.append(session)
    return session


_OPEN: list = []


@pytest.fixture(autouse=True)
def _close_sessions():
    yield
    while _OPEN:
        _OPEN.pop().close()


def test_axioms_the_header_declares_are_part_of_the_problem_and_listed_apart(coq_env):
    header = (
        "Require Import Reals.\nOpen Scope R_scope.\nParameter Rfloor : R -> Z.\n"
        "Axiom Rfloor_spec : forall x : R, IZR (Rfloor x) <= x.\n"
    )
    thm = Theorem("fl", "coq", header, "Theorem fl : IZR (Rfloor 1) <= 1.")
    for check in (coq_env.check, coq_env.check_cold):
        verdict = check(thm, "Proof. apply Rfloor_spec. Qed.")
        assert verdict.ok and "Rfloor_spec" in verdict.header_axioms and "Rfloor_spec" not in verdict.axioms
        assert verdict.to_dict()["header_axioms"] == verdict.header_axioms


@pytest.mark.parametrize(
    "path, name",
    [("Floats FloatAxioms", "add_spec"), ("Logic Classical_Prop", "classic")],
)
def test_a_header_axiom_named_like_a_standard_one_is_still_the_headers(coq_env, path, name):
    # Nested modules make Coq print the header's axiom as `Coq.<path>.<name>`, a name on the standard list.
    modules = ["Coq", *path.split()]
    header = "".join(f"Module {m}.\n" for m in modules) + f"Axiom {name} : False.\n"
    header += "".join(f"End {m}.\n" for m in reversed(modules))
    thm = Theorem("t", "coq", header, "Theorem t : 1 = 2.")
    full = ".".join([*modules, name])
    for check in (coq_env.check, coq_env.check_cold):
        verdict = check(thm, f"Proof. destruct {full}. Qed.")
        assert verdict.header_axioms == [full] and full not in verdict.axioms, verdict


def test_restating_the_same_statement_is_accepted(coq_env):
    thm = Theorem("same", "coq", HEADER, "Theorem same (n : nat) : n + 0 = n.")
    for check in (coq_env.check, coq_env.check_cold):
        assert check(thm, "Theorem same (n : nat) : n + 0 = n. Proof. lia. Qed.").ok


def test_runaway_computation_times_out_and_the_checker_recovers(coq_env):
    thm = Theorem("slow", "coq", HEADER, "Theorem slow : True.")
    verdict = coq_env.check(thm, "Proof. do 2000000000 idtac. exact I. Qed.", timeout=1.5)
    assert verdict.kind is VerdictKind.TIMEOUT
    assert coq_env.check_cold(thm, "Proof. do 2000000000 idtac. exact I. Qed.", timeout=1.5).kind is VerdictKind.TIMEOUT
    assert coq_env.check(thm, "Proof. exact I. Qed.").ok


def test_memory_exhaustion_is_contained():
    from stp_prover.itp.config import ResourceLimits
    from stp_prover.itp.coq import CoqConfig, CoqEnv

    env = CoqEnv(CoqConfig(limits=ResourceLimits(memory_mb=1200)))
    try:
        thm = Theorem("big", "coq", HEADER, "Theorem big : Nat.pow 3 25 = 0.")
        verdict = env.check(thm, "Proof. vm_compute. reflexivity. Qed.", timeout=60)
        assert verdict.kind is not VerdictKind.PROVED
        assert env.check(Theorem("ok", "coq", HEADER, "Theorem ok : True."), "Proof. exact I. Qed.").ok
    finally:
        env.close()
