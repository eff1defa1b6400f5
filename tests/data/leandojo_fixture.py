"""A small LeanDojo Benchmark 4 (its documented JSON shape) and the checkout it was traced from: two files, four
theorems, one proved by a term (no traced tactics)."""

from __future__ import annotations

import json
from pathlib import Path

ALGEBRA = """import Mathlib.Logic.Basic

namespace Demo

/-- Adding zero. -/
@[simp]
theorem add_zero' (n : ℕ) :
    n + 0 = n := by
  simp

theorem add_comm' (a b : ℕ) (h : 0 < a) : a + b = b + a := by
  rw [Nat.add_comm]

theorem by_term (a : ℕ) : a = a := rfl

end Demo
"""

ORDER = """import Demo.Algebra

lemma Demo.le_succ' {G : Type*} [Group G] (x : G) (n : ℕ) : n ≤ n + 1 := by
  exact Nat.le_succ n
"""


def _tactic(tactic, before, premises=()):
    marked = tactic
    for p in premises:
        marked = marked.replace(p, f"<a>{p}</a>")
    return {
        "tactic": tactic,
        "annotated_tactic": [marked, [{"full_name": p, "def_path": "x"} for p in premises]],
        "state_before": before,
        "state_after": "no goals",
    }


THEOREMS = [
    {
        "full_name": "Demo.add_zero'",
        "file_path": "Demo/Algebra.lean",
        "start": [7, 1],
        "end": [9, 7],
        "traced_tactics": [_tactic("simp", "n : ℕ\n⊢ n + 0 = n")],
    },
    {
        "full_name": "Demo.add_comm'",
        "file_path": "Demo/Algebra.lean",
        "start": [11, 1],
        "end": [12, 20],
        "traced_tactics": [
            _tactic("rw [Nat.add_comm]", "a b : ℕ\nh : 0 < a\n⊢ a + b = b + a", ["Nat.add_comm", "Demo.add_zero'"])
        ],
    },
    {
        "full_name": "Demo.by_term",
        "file_path": "Demo/Algebra.lean",
        "start": [14, 1],
        "end": [14, 40],
        "traced_tactics": [],
    },
    {
        "full_name": "Demo.le_succ'",
        "file_path": "Demo/Order.lean",
        "start": [3, 1],
        "end": [4, 22],
        "traced_tactics": [
            _tactic(
                "exact Nat.le_succ n",
                "G : Type u_1\ninst✝ : Group G\nx : G\nn : ℕ\n⊢ n ≤\n    n + 1",
                ["Nat.le_succ"],
            )
        ],
    },
]


def write_benchmark(root: Path) -> Path:
    """The benchmark under root/bench (every theorem in each split's train part), the checkout under root/repo."""
    bench, repo = root / "bench", root / "repo"
    (repo / "Demo").mkdir(parents=True)
    (repo / "Demo" / "Algebra.lean").write_text(ALGEBRA)
    (repo / "Demo" / "Order.lean").write_text(ORDER)
    bench.mkdir()
    corpus = [
        {"path": "Demo/Algebra.lean", "imports": [], "premises": []},
        {"path": "Demo/Order.lean", "imports": ["Demo/Algebra.lean"], "premises": []},
    ]
    (bench / "corpus.jsonl").write_text("".join(json.dumps(c) + "\n" for c in corpus))
    for split in ("random", "novel_premises"):
        (bench / split).mkdir()
        for part in ("train", "val", "test"):
            (bench / split / f"{part}.json").write_text(json.dumps(THEOREMS if part == "train" else []))
    return root
