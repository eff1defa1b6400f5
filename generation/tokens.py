"""The one tokenisation rule for prompts, shared by inference (every engine) and training, so both see the same
tokens: the tokenizer's own leading special tokens (BOS) exactly as `tokenizer(text)` adds them by default, then the
text; its trailing special tokens (EOS) only where the text is a whole input (an encoder-decoder's encoder), never
before a completion. Too long a prompt loses its beginning, never its end (the goal is at the end). No heavy imports:
any Hugging Face-style tokenizer object works."""

from __future__ import annotations

from typing import Any, Optional


def special_tokens(tokenizer: Any, text: str) -> tuple[list[int], list[int], list[int]]:
    """(leading special ids, the text's ids, trailing special ids) as `tokenizer(text)` produces them by default."""
    full = list(tokenizer(text)["input_ids"])
    plain = list(tokenizer(text, add_special_tokens=False)["input_ids"])
    if not plain:
        # An empty text: whatever the tokenizer adds counts as leading for a decoder, trailing for an encoder.
        return full, [], []
    for start in range(0, len(full) - len(plain) + 1):
        if full[start : start + len(plain)] == plain:
            return full[:start], plain, full[start + len(plain) :]
    return [], full, []  # the specials merge with the text: keep the tokenizer's ids as they are


def encode_prompt(tokenizer: Any, text: str, max_tokens: Optional[int] = None, encoder: bool = False) -> list[int]:
    """Token ids of a prompt: leading specials + text (+ trailing specials when `encoder`), at most `max_tokens`,
    cut from the left of the text (the specials stay)."""
    return fit_prompt(tokenizer, text, max_tokens, encoder)[0]


def fit_prompt(
    tokenizer: Any, text: str, max_tokens: Optional[int] = None, encoder: bool = False
) -> tuple[list[int], int]:
    """`encode_prompt`'s ids and how many of the text's tokens the cut to `max_tokens` dropped."""
    head, body, tail = special_tokens(tokenizer, text)
    if not encoder:
        tail = []
    if max_tokens is None or len(head) + len(body) + len(tail) <= max_tokens:
        return head + body + tail, 0
    keep = max(0, max_tokens - len(head) - len(tail))
    return head + (body[len(body) - keep :] if keep else []) + tail, len(body) - keep


def prompt_budget(max_input_tokens: int, context: Optional[int], max_tokens: int) -> int:
    """Prompt tokens a request may keep: `max_input_tokens`, and where the model's context is bounded, at most what
    leaves `max_tokens` of room in it; never under one (a decoder needs a token to continue from, and vLLM refuses a
    prompt that fills the context: vllm/v1/engine/input_processor.py `_validate_prompt_len`)."""
    if context is None:
        return max_input_tokens
    return max(1, min(max_input_tokens, context - max_tokens))


def encode_example(
    tokenizer: Any, prompt: str, completion: str, max_tokens: Optional[int] = None, encoder: bool = False
) -> tuple[list[int], list[int]]:
    """(prompt ids, completion ids + EOS) for training a decoder on what inference will feed it (`encoder`: the prompt
    is an encoder-decoder's input, so it ends as the tokenizer ends it). With `max_tokens`, the prompt (decoder: prompt
    plus completion) is cut from the left so the completion survives whole where it fits."""
    completion_ids = list(tokenizer(completion, add_special_tokens=False)["input_ids"]) + [tokenizer.eos_token_id]
    if max_tokens is not None and not encoder:
        completion_ids = completion_ids[:max_tokens]
        return encode_prompt(tokenizer, prompt, max(0, max_tokens - len(completion_ids)), False), completion_ids
    return encode_prompt(tokenizer, prompt, max_tokens, encoder), completion_ids
