"""Typed records crossing the generation layer: what is asked of an engine and what it returns."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterable, Optional


@dataclass(frozen=True)
class GenerationRequest:
    """n continuations of one prompt. `beam`: beam search where the engine has it (Hugging Face), else sampling;
    `grammar`: decoding constrained to it."""

    prompt: str
    n: int = 1
    max_tokens: int = 256
    temperature: float = 1.0
    top_p: float = 1.0
    stop: tuple[str, ...] = ()  # the text is cut before the first of these (and generation stops there)
    seed: Optional[int] = None
    beam: bool = False
    # An EBNF grammar (generation/grammar.py; vLLM's structured outputs take the same text): every completion is a
    # prefix of a sentence of it, a whole one unless max_tokens cut it short.
    grammar: Optional[str] = None

    def __post_init__(self) -> None:
        if self.n < 0 or self.max_tokens < 1 or self.temperature < 0 or not 0 < self.top_p <= 1:
            raise ValueError(
                f"bad generation request: n={self.n} max_tokens={self.max_tokens} "
                f"temperature={self.temperature} top_p={self.top_p}"
            )


@dataclass(frozen=True)
class Completion:
    """One continuation: its text (stop string excluded), the model's log-probability of the generated tokens (sum of
    the raw model log-probs, before temperature and top-p, as vLLM's default `raw_logprobs`), how many tokens were
    generated, and why generation ended ("stop": end of sequence or a stop string; "length": max_tokens)."""

    text: str
    logprob: float
    tokens: int
    finish_reason: str


class Completions(list):
    """One request's completions (a list of Completion, as engines always returned) and what the engine did with the
    request: `error` says why it was refused (then the list is empty and the rest of its batch was served);
    `prompt_cut` counts the prompt tokens dropped from the left so that the prompt and `max_tokens` fit the model's
    context (beside `max_input_tokens`). A list subclass so every caller that iterates or compares keeps working."""

    def __init__(self, completions: Iterable[Completion] = (), error: str = "", prompt_cut: int = 0):
        super().__init__(completions)
        self.error = error
        self.prompt_cut = prompt_cut

    def __repr__(self) -> str:
        return f"Completions({list.__repr__(self)}, error={self.error!r}, prompt_cut={self.prompt_cut})"
