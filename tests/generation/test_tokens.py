"""The one prompt-tokenisation rule: the tokenizer's leading specials (BOS) as `tokenizer(text)` adds them, no
trailing EOS before a completion, the beginning of a long prompt cut (never the goal at its end)."""

from __future__ import annotations

import pytest

from stp_prover.generation import encode_example, encode_prompt, special_tokens


@pytest.fixture(scope="module")
def bos_tokenizer():
    """A real fast tokenizer whose post-processor adds BOS, as Llama/DeepSeek tokenizers do (built offline)."""
    from tokenizers import Tokenizer, models, pre_tokenizers, processors
    from transformers import PreTrainedTokenizerFast

    vocab = {"<pad>": 0, "<s>": 1, "</s>": 2, "<unk>": 3}
    for word in "a b c d goal proof".split():
        vocab[word] = len(vocab)
    tok = Tokenizer(models.WordLevel(vocab, unk_token="<unk>"))
    tok.pre_tokenizer = pre_tokenizers.Whitespace()
    tok.post_processor = processors.TemplateProcessing(single="<s> $A", special_tokens=[("<s>", 1)])
    return PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token="<s>", eos_token="</s>", pad_token="<pad>", unk_token="<unk>"
    )


@pytest.fixture(scope="module")
def byt5():
    from transformers import ByT5Tokenizer

    return ByT5Tokenizer()  # adds EOS at the end, no BOS


def test_bos_kept_as_the_tokenizer_adds_it_and_long_prompts_lose_their_beginning(bos_tokenizer):
    assert encode_prompt(bos_tokenizer, "a b goal") == bos_tokenizer("a b goal")["input_ids"] == [1, 4, 5, 8]
    assert encode_prompt(bos_tokenizer, "a b c d goal", max_tokens=3) == [1, 7, 8]  # BOS, then the end
    prompt, completion = encode_example(bos_tokenizer, "a b c d goal", "proof", max_tokens=5)
    assert prompt == [1, 7, 8] and completion == [9, 2]  # the completion (and EOS) whole; same prompt rule


def test_trailing_eos_only_for_an_encoders_input(byt5):
    head, body, tail = special_tokens(byt5, "goal")
    assert head == [] and tail == [byt5.eos_token_id] and body == byt5("goal", add_special_tokens=False)["input_ids"]
    assert encode_prompt(byt5, "goal") == body  # a decoder continues the prompt: no EOS before the completion
    assert encode_prompt(byt5, "goal", encoder=True) == byt5("goal")["input_ids"]
    cut = encode_prompt(byt5, "xxxxxxxxgoal", max_tokens=5, encoder=True)
    assert cut == byt5("goal")["input_ids"]  # the end of the text and the tokenizer's EOS survive
