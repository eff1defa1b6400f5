"""Computer-algebra hints as text: what sympy suggests for small goals, and no hints (never an exception) for what
does not parse. That Coq accepts the hints is checked in test_portfolio.py."""

from __future__ import annotations

import pytest

from stp_prover.itp.coq.goals import applications, first_goal, split_top
from stp_prover.itp.coq.hints import comparisons, hints, relation, square_hints, to_sympy, witness_hints


def test_goal_text_is_read_into_hypotheses_and_conclusion():
    hyps, concl = first_goal("x, y : R\nh0 : x + y = 5\n============================\nx * y <= 25 / 4\n\nother")
    assert hyps == {"x": "R", "y": "R", "h0": "x + y = 5"} and concl == "x * y <= 25 / 4"


def test_top_level_splitting_and_applications():
    assert split_top("(a /\\ b) /\\ c", "/\\") == ["(a /\\ b)", "c"]
    assert applications("sqrt (x + 1) + sqrt 2 * sqrt x", "sqrt") == ["x + 1", "2", "x"]
    assert relation("(x + 1 <= y)%R") == ("x + 1", "<=", "y")
    assert comparisons("(0 <= a < 7)%Z /\\ a <> 3") == [("0", "<=", "a"), ("a", "<", "7"), ("a", "<>", "3")]


def test_coq_terms_become_sympy_expressions():
    import sympy

    e = to_sympy("IZR a ^ 2 + / b + Rsqr a", {"a": "R", "b": "R"})
    a, b = sorted(e.free_symbols, key=str)
    assert sympy.simplify(e - (2 * a**2 + 1 / b)) == 0


def test_completed_square_for_a_quadratic_inequality():
    out = square_hints({"z": "R", "a": "R"}, "36 * (a * z) - 9 * a ^ 2 <= 36 * z ^ 2")
    assert out[0].endswith("; nra") and "pow2_ge_0 (2*z - a)" in out[0]


def test_squared_factor_of_the_difference():
    assert "pose proof (pow2_ge_0 (x - 1)); nra" in hints({"x": "R"}, "x ^ 2 - 2 * x + 1 >= 0")


def test_witnesses_solve_equations_and_search_small_integers():
    assert hints({"x": "R"}, "exists y : R, 2 * y + 1 = x /\\ y = 3") == ["exists (3)%R"]
    assert "exists 7%nat" in hints({}, "exists n : nat, n * n = 49 /\\ n > 3")
    goal = "exists a b : Z, (0 <= a < 7)%Z /\\ (0 <= b < 7)%Z /\\ (a * 2 mod 7 = 1)%Z /\\ (b * 3 mod 7 = 1)%Z"
    assert witness_hints({}, goal, []) == ["exists (4)%Z, (5)%Z"]


def test_function_witness_from_its_defining_equation():
    goal = "exists g : R -> R, (forall x : R, g x = (x + 12) / 5) -> g 3 = 3"
    assert "exists (fun x => (x + 12) / 5)" in hints({}, goal)


def test_square_roots_closed_and_open():
    out = hints({"x": "R", "H": "0 <= x"}, "sqrt 16 + sqrt (x + 1) >= 4")
    assert "rewrite (sqrt_lem_1 16 ((4)%R)) in * by lra" in out
    assert any("sqrt_sqrt" in t and t.endswith("nra") for t in out)


@pytest.mark.parametrize(
    "hyps, concl",
    [
        ({"f": "R -> R"}, "f (f 2) <= 3"),
        ({"l": "list nat"}, "length l = 3"),
        ({"x": "R"}, "x <= "),
        ({}, "exists f : nat -> nat, forall n, f (f n) = f n + n"),
        ({"x": "R"}, "(((x"),
        ({"n": "nat"}, "exists k, n =? k = true"),
    ],
)
def test_what_does_not_parse_gets_no_hints(hyps, concl):
    assert hints(hyps, concl) == []
