"""Our conjecturer format against STP's: one prompt for training and generation (STP's training bytes), the
model's statement read back as STP reads it, and the no-lemma case in training data."""

from __future__ import annotations

import pytest

from stp_prover.conjecturer.generate import ConjectureDecoding, ConjectureInput, parse_conjectures
from stp_prover.conjecturer.grammar import conjecture_grammar
from stp_prover.conjecturer.prompts import (
    HARD_CLOSE,
    stp_conjecture_prompt,
    stp_conjecture_target,
    stp_conjecture_training_prompt,
    stp_parse_conjecture,
)
from stp_prover.itp import Theorem

# RL/utils/model_utils.py:22, STP's PROVER_PROMPT (its header part is the seed's header here).
STP_PROVER_PROMPT = (
    "Complete the following Lean 4 code:\n\n```lean4\nimport Mathlib\nimport Aesop\nset_option maxHeartbeats 0\n"
    "open BigOperators Real Nat Topology Rat\n"
)
HEADER = STP_PROVER_PROMPT.split("```lean4\n", 1)[1]
SEED = Theorem("s", "lean", HEADER, "theorem s (x : ℝ) (h₀ : x = 2) : x + 1 = 3 := by")
PROOF = "\n  subst h₀\n  norm_num"
LEMMA = "theorem add_comm (a b : α) : a + b = b + a"


def stp_training_prompt(lemma: str, easy_statement: str, easy_proof: str) -> str:
    """STP's training prompt as RL/RL_step2_train.py:67-69 assembles it (restated for the comparison)."""
    return (
        STP_PROVER_PROMPT + "\n<lemma>\n" + lemma.strip() + "\n<easy theorem>\n"
        + (easy_statement + easy_proof).strip() + "\n<hard theorem>"
    )


def stp_read_statement(text_after_keyword: str) -> str:
    """How STP reads a generated conjecture (RL_utils.py:62-65): its keyword, the text before the closing tag,
    cut at `:=`, then `:= by`."""
    statement = "theorem " + text_after_keyword.split(HARD_CLOSE)[0].strip()
    return statement.split(":=")[0] + ":= by" if ":=" in statement else statement + ":= by"


def test_generation_and_training_prompts_are_stps_training_bytes():
    ours = stp_conjecture_prompt(SEED, PROOF, LEMMA)
    assert ours == stp_conjecture_training_prompt(SEED, PROOF, LEMMA) == stp_training_prompt(LEMMA, SEED.statement, PROOF)
    # STP's no-lemma text (RL_step2_train.py:55, `avaliable_lemmas['']`).
    assert stp_conjecture_prompt(SEED, PROOF, "") == stp_training_prompt("theorem true: True", SEED.statement, PROOF)
    # What the model learned after the prompt is what generation is constrained to and cut at.
    request = ConjectureInput(SEED, PROOF, None, "", "c").request(4)
    assert request.prompt == stp_conjecture_prompt(SEED, PROOF, "") and request.stop == (HARD_CLOSE,)
    assert request.grammar == conjecture_grammar("lean", ConjectureInput(SEED, PROOF, None, "", "c").names())
    assert ConjectureInput(SEED, PROOF, None, "", "c").request(4, ConjectureDecoding(constrained=False)).grammar is None


@pytest.mark.parametrize(
    "statement",
    [
        "theorem h (y : ℝ) : y = y := by",
        "theorem mathd_1 (a b : ℕ) (h : a + b = 3) : b + a = 3 := by",
        "theorem t {n : ℕ} [Fact (1 < n)] : n ≠ 0 := by",
    ],
)
def test_statements_read_back_as_stp_reads_them(statement):
    # Under our prompt the model writes the target it was trained on (keyword included); under STP's generation prompt
    # (`<hard theorem>\n theorem`, model_utils.py:33-38) it writes the rest. Both read back to STP's statement.
    generated_here = stp_conjecture_target(statement)[: -len(HARD_CLOSE)] + "  nlinarith\n" + HARD_CLOSE
    generated_by_stp = statement[len("theorem") :] + "\n  nlinarith\n" + HARD_CLOSE
    expected = stp_read_statement(generated_by_stp)
    assert stp_parse_conjecture(generated_here, SEED) == expected
    assert stp_parse_conjecture(generated_by_stp, SEED) == expected


def test_renaming_keeps_stps_key_the_written_statement():
    # STP keeps the model's name and keys a conjecture by its statement (model_utils.py:289-300 `insert_lemma`):
    # our `written`; only our record names are `prefix_i`.
    texts = ["\ntheorem foo (y : ℝ) : y = y := by\n", "\ntheorem foo (y : ℝ) : y = y := by\n", "\nnothing"]
    made, unparsable = parse_conjectures(ConjectureInput(SEED, PROOF, None, "", "c"), texts)
    assert unparsable == 1 and [c.name for c in made] == ["c_0", "c_1"]
    assert {c.written for c in made} == {stp_read_statement(" foo (y : ℝ) : y = y := by")}
    assert made[0].statement == "theorem c_0 (y : ℝ) : y = y := by"


def test_constrain_adds_the_grammar_and_the_closing_tag_to_a_request():
    from stp_prover.conjecturer.generate import constrain
    from stp_prover.generation.records import GenerationRequest

    inp = ConjectureInput(SEED, PROOF, None, "", "c")
    got = constrain(GenerationRequest(inp.prompt(), 8, 300, stop=("```",)), inp)
    assert got.grammar == conjecture_grammar("lean", inp.names()) and got.stop == ("```", HARD_CLOSE)
    assert got.max_tokens == 300 and "x" in inp.names() and "s" not in inp.names()  # the seed's own name is not
