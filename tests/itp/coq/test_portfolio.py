"""Each tactic source of the Coq portfolio proves a small goal of its kind in real Coq: the candidate is offered
for the goal after `intros`, and the whole proof passes the checker (axioms included)."""

from __future__ import annotations

import pytest

from stp_prover.itp import Theorem, VerdictKind, tactic_prelude
from stp_prover.itp.coq import has_library
from stp_prover.itp.coq.portfolio import COMPLEX_SPLIT, DIV_MOD, portfolio

REALS = "Require Import Reals.\nOpen Scope R_scope.\n"
COMPLEX = "Require Import Reals.\nRequire Import Coquelicot.Coquelicot.\nOpen Scope C_scope.\n"
INTEGERS = "Require Import ZArith.\nOpen Scope Z_scope.\n"


def theorem(name: str, imports: str, statement: str) -> Theorem:
    return Theorem(name, "coq", tactic_prelude("coq", imports) + imports, f"Theorem {name} : {statement}.")


def offered_and_proves(env, thm: Theorem, tactic: str, after: str = "", then: str = "", timeout: float = 30.0) -> None:
    """`tactic` is among the candidates after `intros` (and `after`), and proves the theorem (followed by `then`)."""
    state = env.start(thm)
    for step in ["intros"] + ([after] if after else []):
        state = env.step(state, step).state
    candidates = portfolio(state)
    assert tactic in candidates, candidates
    proof = "Proof. intros. " + (after + ". " if after else "") + tactic + ". " + (then + ". " if then else "") + "Qed."
    verdict = env.check(thm, proof, timeout=timeout)
    assert verdict.kind is VerdictKind.PROVED, verdict.reason


@pytest.fixture(scope="module")
def patient_env():
    """An environment whose audit may take minutes: `Print Assumptions` of an Interval proof walks the opaque proofs
    of Interval, Flocq and Coquelicot (about 8 s of CPU here, far more wall time on a loaded machine)."""
    from stp_prover.itp.coq import CoqConfig, CoqEnv

    env = CoqEnv(CoqConfig(check_timeout=600))
    yield env
    env.close()


@pytest.mark.skipif(not has_library("Interval"), reason="libcoq-interval is not installed (scripts/install.sh)")
def test_interval_proves_a_bound_on_a_square_root(patient_env):
    thm = theorem("t_interval", REALS, "forall x : R, 1 <= x <= 2 -> sqrt x <= 3/2")
    offered_and_proves(patient_env, thm, "interval", timeout=600)


@pytest.mark.skipif(not has_library("Interval"), reason="libcoq-interval is not installed (scripts/install.sh)")
def test_interval_intro_bounds_a_closed_term(patient_env):
    thm = theorem("t_interval_intro", REALS, "forall y : R, y = 10 * sqrt 2 -> 14 < y")
    state = patient_env.start(thm)
    state = patient_env.step(state, "intros").state
    assert "interval_intro (sqrt 2)" in portfolio(state)
    verdict = patient_env.check(thm, "Proof. intros. interval_intro (sqrt 2). lra. Qed.", timeout=600)
    assert verdict.kind is VerdictKind.PROVED, verdict.reason


def test_zify_with_division_facts_proves_a_remainder(coq_env):
    thm = theorem("t_zify", INTEGERS, "forall n : Z, n mod 4 = 3 -> (n + 5) mod 4 = 0")
    offered_and_proves(coq_env, thm, DIV_MOD + "; lia")


def test_nat_remainders_become_integer_division_facts(coq_env):
    thm = theorem("t_nat_mod", "Require Import Arith.\n", "forall n : nat, n mod 7 = 5 -> (5 * n) mod 7 = 4")
    offered_and_proves(coq_env, thm, DIV_MOD + "; lia")


def test_complex_equality_split_into_real_and_imaginary_parts(coq_env):
    thm = theorem("t_complex", COMPLEX, "forall y : C, 7 * (3 * y + 2) = 21 * y + 14")
    offered_and_proves(coq_env, thm, "apply injective_projections; simpl; ring")


def test_complex_hypotheses_split_into_pairs(coq_env):
    thm = theorem("t_complex_hyps", COMPLEX, "forall x e : C, x + e = 7 -> 2 * x + e = 3 -> e = 11")
    offered_and_proves(coq_env, thm, "apply injective_projections; simpl; lra", after=COMPLEX_SPLIT)


def test_existential_witness_from_sympy(coq_env):
    thm = theorem(
        "t_exists", INTEGERS, "exists a b : Z, 0 <= a < 7 /\\ 0 <= b < 7 /\\ a * 2 mod 7 = 1 /\\ b * 3 mod 7 = 1"
    )
    state = coq_env.start(thm)
    assert "exists (4)%Z, (5)%Z" in portfolio(state)
    verdict = coq_env.check(thm, "Proof. exists (4)%Z, (5)%Z. vm_compute; intuition discriminate. Qed.")
    assert verdict.kind is VerdictKind.PROVED, verdict.reason


def test_nra_with_a_completed_square(coq_env):
    thm = theorem("t_square", REALS, "forall z a : R, 36 * (a * z) - 9 * a ^ 2 <= 36 * z ^ 2")
    offered_and_proves(coq_env, thm, "pose proof (pow2_ge_0 (z - a/2)); pose proof (pow2_ge_0 (2*z - a)); nra")


def test_psatz_at_degree_three(coq_env):
    thm = theorem("t_psatz", REALS, "forall a b : R, 0 < a -> 0 < b -> (a + b) ^ 4 <= 8 * (a ^ 4 + b ^ 4)")
    offered_and_proves(coq_env, thm, "psatz R 3")


def test_square_root_sign_facts(coq_env):
    thm = theorem("t_sqrt", REALS, "forall x : R, 0 <= x -> sqrt x * sqrt x + sqrt x >= x")
    offered_and_proves(
        coq_env,
        thm,
        "pose proof (sqrt_pos (x)); assert (sqrt (x) * sqrt (x) = x) by (apply sqrt_sqrt; nra); nra",
    )


def test_functions_given_by_defining_equations_are_rewritten(coq_env):
    thm = theorem(
        "t_defs", REALS, "forall (a b : R) (f : R -> R), (forall x, f x = a * x + b) -> f 7 = 4 -> f 6 = 3 -> f 3 = 0"
    )
    offered_and_proves(coq_env, thm, "rewrite ?H in *; lra")


def test_square_root_of_a_closed_perfect_square_rewritten_to_its_value(coq_env):
    thm = theorem("t_sqrt_value", REALS, "forall f : R -> R, (forall x, f x = 3 * sqrt (2 * x - 7) - 8) -> f 8 = 1")
    offered_and_proves(
        coq_env, thm, "rewrite (sqrt_lem_1 (2 * 8 - 7) ((3)%R)) in * by lra", after="rewrite ?H in *", then="lra"
    )


def test_square_root_equation_by_its_definition(coq_env):
    thm = theorem("t_sqrt_def", REALS, "forall x y : R, x + y = 13 -> x * y = 24 -> sqrt (x ^ 2 + y ^ 2) = 11")
    offered_and_proves(coq_env, thm, "apply sqrt_lem_1; nra")
