"""Grammar-constrained decoding: the EBNF prefix checker, and a tiny random model (no download) whose every sample,
constrained by the conjecturer's statement grammar, is a whole statement; the same through a real vLLM engine."""

from __future__ import annotations

import pytest

from stp_prover.conjecturer.grammar import conjecture_grammar, parses
from stp_prover.conjecturer.prompts import HARD_CLOSE
from stp_prover.generation import EngineSettings, make_engine
from stp_prover.generation.grammar import Grammar, GrammarError
from stp_prover.generation.records import GenerationRequest
from stp_prover.itp.dialect import dialect

PROMPT = "Complete the following Coq code:\n\n```coq\n<lemma>\nTheorem true: True\n<hard theorem>"


def test_prefix_checker_balances_brackets_and_knows_whole_sentences():
    g = Grammar('root ::= "x" | "(" root ")"\n')
    assert g.accepts("((x))") and g.is_prefix("((") and not g.accepts("((x)") and not g.is_prefix("x)")
    assert g.remaining(g.step(g.start(), "((")) == 3


@pytest.mark.parametrize("text", ['root ::= "a', "root ::= [a-", "x ::= y\n", "root ::= (\"a\"\n"])
def test_bad_grammars_are_clear_errors(text):
    with pytest.raises(GrammarError):
        Grammar(text)


def _tiny_llama(tmp_path):
    from benchmarks.engine_throughput import build_tiny_llama

    return build_tiny_llama(tmp_path / "llama", width=64, layers=2, context=512)


def test_unconstrained_random_samples_are_not_statements(tmp_path):
    # The control: without the grammar the same model writes no statement (so the constrained test can fail).
    engine = make_engine(str(_tiny_llama(tmp_path)), EngineSettings(device="cpu", dtype="float32"))
    got = engine.generate([GenerationRequest(PROMPT, 8, 60, 1.0, 1.0, (HARD_CLOSE,), seed=0)])[0]
    assert not any(dialect("coq").cut_statement(c.text) for c in got)


def test_every_constrained_sample_of_a_random_model_is_a_statement(tmp_path):
    engine = make_engine(str(_tiny_llama(tmp_path)), EngineSettings(device="cpu", dtype="float32"))
    grammar = conjecture_grammar("coq")
    request = GenerationRequest(PROMPT, 8, 60, 1.0, 1.0, (HARD_CLOSE,), seed=0, grammar=grammar)
    bad = GenerationRequest(PROMPT, 2, 10, grammar='root ::= "a')
    got, refused = engine.generate([request, bad])
    assert len(got) == 8 and refused.error.startswith("bad grammar") and not list(refused)
    texts = [c.text for c in got]
    assert all(parses("coq", t) for t in texts), texts
    assert all(dialect("coq").cut_statement(t) for t in texts)
    assert len(set(texts)) > 1  # still sampled, not one forced string


def test_constraint_with_a_multi_character_vocabulary(tiny_models):
    # tiny-gpt2's BPE tokens span several characters: a token is allowed only if all of its text fits.
    engine = make_engine(str(tiny_models / "gpt"), EngineSettings(device="cpu"))
    grammar = conjecture_grammar("coq")
    got = engine.generate([GenerationRequest(PROMPT, 4, 48, 1.0, 1.0, (HARD_CLOSE,), seed=1, grammar=grammar)])[0]
    assert len(got) == 4 and all(parses("coq", c.text) for c in got), [c.text for c in got]


@pytest.mark.vllm
def test_vllm_structured_outputs_keep_samples_in_the_grammar(vllm_engine):
    grammar = conjecture_grammar("coq")
    got = vllm_engine.generate([GenerationRequest(PROMPT, 4, 120, 1.0, 1.0, (HARD_CLOSE,), seed=0, grammar=grammar)])
    texts = [c.text for c in got[0]]
    assert not got[0].error and len(texts) == 4
    # vLLM's grammar has no token budget: a sample cut by max_tokens is a prefix; a finished one parses.
    checker = Grammar(grammar)
    assert all(checker.is_prefix(t) for t in texts), texts
    assert all(parses("coq", t) for t, c in zip(texts, got[0]) if c.finish_reason == "stop"), texts
