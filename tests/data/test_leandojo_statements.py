"""LeanDojo Benchmark 4 import: every theorem gets a real statement, from the traced checkout or its root goal."""

from __future__ import annotations

import json

from stp_prover.data.jsonl import read_jsonl
from stp_prover.data.leandojo import import_benchmark, statement_from_goal, statement_from_source, universe_names
from stp_prover.data.traced import traced_training_theorems
from stp_prover.itp.dialect import dialect
from tests.data.leandojo_fixture import write_benchmark


def _theorems(out):
    return {r["full_name"]: r for r in read_jsonl(out / "theorems.jsonl")}


def test_statements_come_from_the_source_when_the_checkout_is_given(tmp_path):
    root = write_benchmark(tmp_path)
    counts = import_benchmark(root / "bench", tmp_path / "out", repo=root / "repo")
    recs = _theorems(tmp_path / "out")
    assert counts["statements_from_source"] == 4 and counts["statements_from_goal"] == 0
    assert all(r["statement"] and r["statement_from"] == "source" for r in recs.values())
    # Attributes and the doc comment dropped, cut at the top-level `:=`, declared under its full name.
    assert recs["Demo.add_zero'"]["statement"] == "theorem Demo.add_zero' (n : ℕ) :\n    n + 0 = n := by"
    assert recs["Demo.by_term"]["statement"] == "theorem Demo.by_term (a : ℕ) : a = a := by"
    assert recs["Demo.le_succ'"]["statement"].startswith("lemma Demo.le_succ' {G : Type*} [Group G]")
    assert json.loads((tmp_path / "out" / "source.json").read_text())["repo"] == str((root / "repo").resolve())


def test_without_the_checkout_statements_are_rebuilt_from_the_root_goal(tmp_path):
    root = write_benchmark(tmp_path)
    counts = import_benchmark(root / "bench", tmp_path / "out")
    recs = _theorems(tmp_path / "out")
    assert counts["statements_from_goal"] == 3 and counts["no_statement"] == 1  # the term proof has no goal
    assert "Demo.by_term" not in recs
    assert recs["Demo.add_comm'"]["statement"] == "theorem Demo.add_comm' (a b : ℕ) (h : 0 < a) : a + b = b + a := by"
    # An inaccessible instance name gets a fresh one; a goal continued on an indented line is joined.
    assert recs["Demo.le_succ'"]["statement"] == (
        "theorem Demo.le_succ'.{u_1} (G : Type u_1) (x0_ : Group G) (x : G) (n : ℕ) : n ≤ n + 1 := by"
    )
    assert {r["statement_from"] for r in recs.values()} == {"goal"}


def test_imported_theorems_reach_training_with_module_headers(tmp_path):
    root = write_benchmark(tmp_path)
    import_benchmark(root / "bench", tmp_path / "out")
    got = {t.name: t for _, t in traced_training_theorems(tmp_path / "out", "lean")}
    assert set(got) == {"Demo.add_zero'", "Demo.add_comm'", "Demo.le_succ'"}
    assert "import Demo.Order\n" in got["Demo.le_succ'"].header  # the module, not the file path
    assert all(t.statement.strip() for t in got.values())


def test_import_command_takes_the_checkout(tmp_path):
    from tests.cli.test_cli import stp

    root = write_benchmark(tmp_path)
    proc = stp("data", "import-leandojo", root / "bench", "--out", tmp_path / "out", "--repo", root / "repo")
    assert proc.returncode == 0, proc.stderr
    assert "statements from source: 4, from the root goal: 0" in proc.stdout
    bad = stp("data", "import-leandojo", root / "bench", "--out", tmp_path / "x", "--repo", tmp_path / "none")
    assert bad.returncode == 2 and "not a folder" in bad.stderr


LEAN = dialect("lean")


def test_declaration_keywords_inside_comments_are_not_the_statement():
    # Lean comments: `--` to the line end, `/- -/` nested, `/-- -/` doc comments (a doc comment's prose often says
    # "lemma" or "theorem" before the declaration does).
    src = (
        "/-- The lemma below is a theorem about `n + 0`. -/\n"
        "@[simp] -- lemma in a line comment\n"
        "/- outer /- theorem nested -/ lemma still comment -/\n"
        "theorem foo.bar (n : ℕ) /- := not the end -/ : n + 0 = n := by\n  simp\n"
    )
    got = statement_from_source(src, "foo.bar", LEAN)
    assert got == "theorem foo.bar (n : ℕ) /- := not the end -/ : n + 0 = n := by"
    # a `-/` inside the nested comment does not end the outer one
    assert statement_from_source("/- a /- b -/ theorem x : True := c -/\nlemma y : True := trivial", "y", LEAN) == (
        "lemma y : True := by"
    )
    assert statement_from_source("/-- only a theorem in prose -/", "x", LEAN) is None


def test_goal_statements_declare_the_universes_they_use():
    # Under `autoImplicit false` (strict verdicts) `Type u_1` elaborates only when u_1 is declared: `name.{u_1}`.
    state = "α : Type u_1\nβ : Sort (max u_1 v)\nf : ULift.{w, 0} ℕ\nx : α\n⊢ x = x"
    got = statement_from_goal(state, "A.b", LEAN)
    assert got == (
        "theorem A.b.{u_1, v, w} (α : Type u_1) (β : Sort (max u_1 v)) (f : ULift.{w, 0} ℕ) (x : α) : x = x := by"
    )
    no_universe = statement_from_goal("n : ℕ\nT : Type\n⊢ n = n", "c", LEAN)
    assert no_universe == "theorem c (n : ℕ) (T : Type) : n = n := by"
    assert universe_names("Type* → Sort 1 → Type (u + 1)") == ["u"]
