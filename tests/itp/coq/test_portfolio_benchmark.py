"""The miniF2F benchmark's kinds of problem (one classifier over the statement text) and its argument errors."""

from __future__ import annotations

import pytest

from benchmarks.minif2f_coq import KINDS, classify, main, sample


@pytest.mark.parametrize(
    "statement, kind",
    [
        ("Theorem t (y : C) : 7 * (3 * y + 2) = 21 * y + 14.", "complex"),
        ("Theorem t : forall q e : C, q = 2 - 2 * Ci -> q * e = 20.", "complex"),
        ("Theorem t : forall x : R, 0 < x -> ln (x * x) = 2 * ln x.", "sqrt/ln/exp/trig"),
        ("Theorem t (x : R) : sqrt (x ^ 2) = Rabs x.", "sqrt/ln/exp/trig"),
        ("Theorem t : exists n : nat, n * n = 49.", "existential"),
        ("Theorem t : sum_f_R0 (fun k => INR k) 10 = 55.", "sums"),
        ("Theorem t : forall n : nat, (5 * n mod 17 = 8) -> (n mod 17 = 5).", "divisibility"),
        ("Theorem t : Nat.gcd 180 168 = 12.", "divisibility"),
        ("Theorem t : forall a b : R, 0 < a -> (a + b) ^ 2 >= 0.", "reals"),
        ("Theorem t (a b : nat) : a + b = 20 -> a = 3 * b -> a - b = 10.", "other"),
    ],
)
def test_classify(statement, kind):
    assert classify(statement) == kind and kind in KINDS


def test_sample_spreads_over_kinds():
    class T:
        def __init__(self, s):
            self.statement = s

    ts = [T("Theorem a : 1 = 1."), T("Theorem b : 2 = 2."), T("Theorem c : exists n : nat, n = 1.")]
    assert [t.statement for t in sample(ts, 2)] == ["Theorem c : exists n : nat, n = 1.", "Theorem a : 1 = 1."]


def test_missing_split_and_unknown_method_exit_2(tmp_path, capsys):
    assert main(["--split", "nosuch", "--data-dir", str(tmp_path), "--out", str(tmp_path / "o.jsonl")]) == 2
    assert "error:" in capsys.readouterr().err
    assert main(["--methods", "lia,magic", "--data-dir", str(tmp_path)]) == 2
    assert "magic" in capsys.readouterr().err


def test_interval_is_loaded_only_before_headers_over_the_reals():
    from stp_prover.itp import tactic_prelude
    from stp_prover.itp.coq import COQ_INTERVAL_PRELUDE, has_library

    assert COQ_INTERVAL_PRELUDE not in tactic_prelude("coq", "Require Import Arith.\n")
    over_reals = tactic_prelude("coq", "Require Import Reals.\nRequire Import Coquelicot.Coquelicot.\n")
    assert (COQ_INTERVAL_PRELUDE in over_reals) == has_library("Interval")
