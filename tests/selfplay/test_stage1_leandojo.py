"""Stage 1 from a LeanDojo import: STP's SFT examples (construct_sft.ipynb cells 19-20) and its 115 steps."""

from __future__ import annotations

from stp_prover.data.leandojo import import_benchmark
from stp_prover.selfplay.config import stp_sft_settings
from stp_prover.selfplay.stage1 import (
    STP_STAGE1_STEPS,
    library_proof_examples,
    library_theorems,
    stage1_sft_settings,
)
from stp_prover.training.sft import training_arguments
from tests.data.leandojo_fixture import ALGEBRA, write_benchmark

PROMPT = "Complete the following Lean 4 code:\n\n```lean4\n"


def test_with_the_checkout_examples_are_the_file_so_far_then_the_theorem_as_written(tmp_path):
    root = write_benchmark(tmp_path)
    import_benchmark(root / "bench", tmp_path / "out", repo=root / "repo")
    library = library_theorems(tmp_path / "out", "lean")
    assert [t.theorem.name for t in library] == ["Demo.add_zero'", "Demo.add_comm'", "Demo.le_succ'"]
    examples = library_proof_examples(library, "stp")
    first, second = examples[0], examples[1]
    lines = ALGEBRA.splitlines(keepends=True)
    assert first.prompt == PROMPT + "".join(lines[:6])  # everything before line 7, doc comment included
    assert first.completion == "theorem add_zero' (n : ℕ) :\n    n + 0 = n := by\n  simp"
    assert second.prompt.endswith("  simp\n\n") and second.completion.startswith("theorem add_comm' (a b : ℕ)")
    assert all(e.role == "prover" and e.completion.strip() for e in examples)


def test_without_the_checkout_the_rebuilt_statement_and_tactics_are_the_target(tmp_path):
    root = write_benchmark(tmp_path)
    import_benchmark(root / "bench", tmp_path / "out")
    library = library_theorems(tmp_path / "out", "lean")
    assert len(library) == 3 and all(t.theorem.statement.strip() and not t.text for t in library)
    [ex] = library_proof_examples([t for t in library if t.theorem.name == "Demo.add_comm'"], "stp")
    assert ex.prompt.startswith(PROMPT) and ex.prompt.endswith("import Demo.Algebra\n")
    assert ex.completion == (
        "theorem Demo.add_comm' (a b : ℕ) (h : 0 < a) : a + b = b + a := by\n  rw [Nat.add_comm]"
    )
    ours = library_proof_examples(library, "ours")
    assert all("theorem Demo." in e.prompt and e.completion.rstrip().endswith("```") for e in ours)


def test_stage1_trains_stps_115_steps_whatever_the_data_size(tmp_path):
    sft = stage1_sft_settings(stp_sft_settings(), learning_rate=1e-4, warmup_steps=20)
    assert (sft.learning_rate, sft.warmup_steps, sft.lr_scheduler) == (1e-4, 20, "constant_with_warmup")
    for rows in (10, 1_000_000):
        args = training_arguments(sft, tmp_path, rows, 1)
        assert args.max_steps == STP_STAGE1_STEPS == 115 and args.warmup_steps == 20
    whole = stage1_sft_settings(stp_sft_settings(), 1e-4, 20, epochs=2.0, steps=None)
    assert whole.epochs == 2.0 and "max_steps" not in whole.extra
