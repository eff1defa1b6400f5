"""Stage 1's conjecturer examples from a real trace of Coq's standard library: thousands-scale construction (both
kinds), the no-lemma case trained, and every prompt the generation prompt byte for byte."""

from __future__ import annotations

from stp_prover.conjecturer.generate import ConjectureInput
from stp_prover.conjecturer.pairs import PairSettings, conjecture_pairs
from stp_prover.conjecturer.prompts import HARD_CLOSE
from stp_prover.selfplay.stage1 import conjecture_examples, library_theorems


def test_conjecture_examples_include_the_no_lemma_case_and_match_generation(traced_dir):
    theorems = library_theorems(traced_dir, "coq")
    examples = conjecture_examples(theorems)
    pairs = conjecture_pairs(theorems, PairSettings())
    assert len(examples) == len(pairs) > len(theorems)
    assert all(e.completion.startswith("\n") and e.completion.endswith(HARD_CLOSE) for e in examples)
    no_lemma = [e for e in examples if "<lemma>\nTheorem true: True\n<easy theorem>" in e.prompt]
    assert no_lemma and len(no_lemma) < len(examples)
    for p, e in zip(pairs, examples):
        lemma = "" if p.lemma is None else p.lemma_statement
        assert e.prompt == ConjectureInput(p.seed, p.seed_proof, p.lemma, lemma, "c").prompt()
    assert len(conjecture_examples(theorems, limit=5)) == 5
