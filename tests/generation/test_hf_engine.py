"""The Hugging Face engine on tiny real checkpoints: a whole chunk in one call, n per prompt, stop strings, and
log-probs that match a plain unbatched forward pass (left padding and the scoring pass in chunks included)."""

from __future__ import annotations

import math

import pytest
import torch

from stp_prover.generation import EngineSettings, GenerationRequest, GenerationService, encode_prompt, make_engine
from stp_prover.policy import PolicyUnavailable


def _reference_logprob(engine, prompt: str, text_tokens: list[int]) -> float:
    """Sum of log-probs of `text_tokens` after `prompt`, from one unpadded forward pass."""
    ids = encode_prompt(engine.tokenizer, prompt, engine.settings.max_input_tokens, engine.seq2seq)
    with torch.no_grad():
        if engine.seq2seq:
            start = engine.model.config.decoder_start_token_id
            dec = torch.tensor([[start] + text_tokens])
            logits = engine.model(input_ids=torch.tensor([ids]), decoder_input_ids=dec[:, :-1]).logits[0]
        else:
            full = torch.tensor([ids + text_tokens])
            logits = engine.model(input_ids=full).logits[0, len(ids) - 1 : -1]
    logp = torch.log_softmax(logits.float(), -1)
    return float(sum(logp[i, t] for i, t in enumerate(text_tokens)))


@pytest.mark.parametrize("kind", ["gpt", "t5"])
def test_log_probs_match_an_unbatched_forward_pass(tiny_models, kind):
    # A tiny scoring budget forces one row per scoring chunk; prompts of different lengths force padding.
    engine = make_engine(str(tiny_models / kind), EngineSettings(device="cpu", hf_score_bytes=1))
    prompts = ["Theorem t : True.", "x", "Lemma a_long_name (n : nat) : n + 0 = n."]
    results = engine.generate([GenerationRequest(p, n=2, max_tokens=12, temperature=0) for p in prompts])
    assert [len(r) for r in results] == [2, 2, 2]
    for prompt, completions in zip(prompts, results):
        c = completions[0]
        assert 1 <= c.tokens <= 12 and c.finish_reason in ("stop", "length")
        # Greedy decoding is deterministic: regenerate the tokens from the text-free route (token count) by
        # re-running generation alone, then score them without padding.
        [[alone]] = engine.generate([GenerationRequest(prompt, n=1, max_tokens=12, temperature=0)])
        assert alone.text == c.text and alone.tokens == c.tokens
        tokens = _greedy_tokens(engine, prompt, c.tokens)
        assert c.logprob == pytest.approx(_reference_logprob(engine, prompt, tokens), abs=1e-3)


def _greedy_tokens(engine, prompt: str, count: int) -> list[int]:
    ids = encode_prompt(engine.tokenizer, prompt, engine.settings.max_input_tokens, engine.seq2seq)
    with torch.no_grad():
        out = engine.model.generate(
            input_ids=torch.tensor([ids]),
            attention_mask=torch.ones(1, len(ids), dtype=torch.long),
            max_new_tokens=count,
            do_sample=False,
            pad_token_id=engine.pad_id,
            eos_token_id=engine.eos_id,
        )
    return out[0, 1:].tolist()[:count] if engine.seq2seq else out[0, len(ids) :].tolist()[:count]


def test_sampling_n_per_prompt_stop_strings_and_seeds(tiny_models):
    engine = make_engine(str(tiny_models / "gpt"), EngineSettings(device="cpu"))
    requests = [GenerationRequest(p, n=4, max_tokens=24, temperature=1.0, top_p=1.0, seed=7) for p in ("a", "bb")]
    first = engine.generate(requests)
    again = engine.generate(requests)
    assert [[c.text for c in r] for r in first] == [[c.text for c in r] for r in again]  # seeded
    assert all(len(r) == 4 and all(math.isfinite(c.logprob) and c.logprob < 0 for c in r) for r in first)
    # Stop at a character the samples contain: the text is cut before it and generation ended there.
    sample = next(c.text for r in first for c in r if len(c.text) >= 2)
    stop = sample[1]
    [stopped] = engine.generate([GenerationRequest("a", n=4, max_tokens=24, seed=7, stop=(stop,))])
    assert all(stop not in c.text for c in stopped)
    assert any(c.finish_reason == "stop" and c.tokens < 24 for c in stopped)
    assert engine.generate([GenerationRequest("a", n=0)]) == [[]]


def test_beam_search_and_embeddings_on_an_encoder_decoder(tiny_models):
    engine = make_engine(str(tiny_models / "t5"), EngineSettings(device="cpu"))
    [beams] = engine.generate([GenerationRequest("intros.", n=3, max_tokens=8, beam=True)])
    assert len(beams) == 3 and all(math.isfinite(b.logprob) for b in beams)
    vectors = engine.embed(["a", "bcd"])
    assert len(vectors) == 2 and len(vectors[0]) == 64


def test_a_missing_checkpoint_is_a_clear_error(tmp_path):
    with pytest.raises(PolicyUnavailable, match="cannot load model"):
        GenerationService.start(str(tmp_path / "nothing"), EngineSettings(device="cpu"))


def test_more_samples_than_rows_per_call_come_in_pieces(tiny_models):
    engine = make_engine(str(tiny_models / "gpt"), EngineSettings(device="cpu", hf_max_rows=2))
    [five, three] = engine.generate(
        [GenerationRequest("a", n=5, max_tokens=3, seed=1), GenerationRequest("b", n=3, max_tokens=3, seed=1)]
    )
    assert len(five) == 5 and len(three) == 3


def test_a_prompt_longer_than_the_context_is_cut_to_leave_room_for_the_completion(tmp_path):
    from stp_prover.training import TinyModelConfig, init_model

    # A GPT-2 whose position table has 64 rows: 100 prompt bytes would index past it (an IndexError here, a
    # device-side assert on a GPU). The prompt loses its beginning; 8 tokens of room stay for the completion.
    model = init_model(tmp_path / "gpt64", TinyModelConfig(kind="tiny-gpt2", width=32, layers=1, heads=2, context=64))
    engine = make_engine(str(model), EngineSettings(device="cpu"))
    long = "x" * 90 + "Theorem t."
    [cut, short] = engine.generate(
        [GenerationRequest(long, n=2, max_tokens=8, seed=1), GenerationRequest("a", n=1, max_tokens=8, seed=1)]
    )
    assert len(cut) == 2 and cut.prompt_cut == 100 - (64 - 8) and short.prompt_cut == 0
    # More tokens than the context: one prompt token stays (ByT5 adds no BOS) and generation stops at the context.
    [whole] = engine.generate([GenerationRequest(long, n=1, max_tokens=200, temperature=0)])
    assert whole.prompt_cut == 99 and whole[0].tokens <= 63


def test_the_thread_setting_is_applied(tiny_models):
    before = torch.get_num_threads()
    try:
        make_engine(str(tiny_models / "gpt"), EngineSettings(device="cpu", threads=before + 1))
        assert torch.get_num_threads() == before + 1
    finally:
        torch.set_num_threads(before)
