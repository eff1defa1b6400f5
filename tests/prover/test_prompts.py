from stp_prover.itp import Theorem
from stp_prover.prover import clean_tactic, cut_whole_proof, tactic_prompt, whole_proof_prompt

LEAN = Theorem(
    "t",
    "lean",
    "import Mathlib\n\n",
    "theorem t (a : ℕ) : a + 0 = a := by",
    informal_statement="Adding zero changes nothing.",
)
COQ = Theorem("t", "coq", "Require Import Arith.\n", "Theorem t (a : nat) : a + 0 = a.")


def test_deepseek_whole_proof_prompt_for_lean():
    assert whole_proof_prompt(LEAN) == (
        "Complete the following Lean 4 code:\n\n```lean4\nimport Mathlib\n\ntheorem t (a : ℕ) : a + 0 = a := by\n"
    )
    assert "-- Adding zero changes nothing.\ntheorem" in whole_proof_prompt(LEAN, informal=True)


def test_coq_counterpart_has_the_same_shape():
    assert whole_proof_prompt(COQ) == (
        "Complete the following Coq code:\n\n```coq\nRequire Import Arith.\nTheorem t (a : nat) : a + 0 = a.\n"
    )


def test_completions_are_cut_at_the_closing_fence():
    assert cut_whole_proof(LEAN, "  simp\n```\nSome chatter") == "  simp\n"
    assert cut_whole_proof(COQ, "Proof. lia. Qed.\n```") == "Proof. lia. Qed.\n"
    assert cut_whole_proof(COQ, "```") == ""


def test_reprover_tactic_prompt_puts_the_best_premise_nearest_the_state():
    assert tactic_prompt("⊢ a = a", ["best", "second"]) == "second\nbest\n⊢ a = a"
    assert tactic_prompt("⊢ a = a") == "⊢ a = a"


def test_clean_tactic():
    assert clean_tactic("\n  simp [h];\nnext line") == "simp [h]"
    assert clean_tactic("```lean4\nring_nf\n```") == "ring_nf"


def test_chain_of_thought_and_few_shot_nl_fl_prompts():
    from stp_prover.itp import Theorem
    from stp_prover.prover.prompts import cot_whole_proof_prompt, nl_fl_few_shot_prompt

    t = Theorem("t", "lean", "import Mathlib\n", "theorem t : 1 + 1 = 2 := by", "One plus one is two.", "Compute.")
    cot = cot_whole_proof_prompt(t)
    assert cot.startswith("Complete the following Lean 4 code with explanatory comments preceding each line of code:")
    assert "-- One plus one is two.\ntheorem t" in cot
    few = nl_fl_few_shot_prompt(t, [(t, "  -- compute\n  norm_num")])
    assert few.count("Informal proof: Compute.") == 2 and few.endswith("theorem t : 1 + 1 = 2 := by\n")
