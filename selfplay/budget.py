"""STP's generation budget: a prompt and its completion share one context of `prover.token_budget` tokens (1,024).

STP's vLLM engine has max_model_len=1024 (RL/utils/model_utils.py:80), its prompts are cut from the left to
prompt_length=1024 tokens (RL/utils/RL_utils.py:27, 45; model_utils.py:55-63, 74) and it asks max_tokens=1024
(RL_step1_generate.py:18, RL_utils.py:47, 59): vLLM stops a sequence when prompt plus completion reach
max_model_len, so a completion gets 1024 minus its prompt's tokens. Our engines leave `max_tokens` of room after the
prompt instead, so the driver asks each request for exactly that remainder, counted with the engines' own prompt
tokenisation (`generation/tokens.py` fit_prompt)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Callable, Optional, Sequence

from stp_prover.generation import GenerationRequest
from stp_prover.generation.tokens import fit_prompt
from stp_prover.itp import Theorem

from .prompts import proof_prompt


def completion_tokens(prompt_tokens: int, total: int, max_new_tokens: int) -> int:
    """Tokens a completion may have: what the prompt leaves of `total`, at most `max_new_tokens`, at least one."""
    return max(1, min(max_new_tokens, total - prompt_tokens))


@dataclass
class TokenBudget:
    """Per-request max_tokens under STP's shared context (`total` = prover.token_budget)."""

    tokenizer: Any
    total: int

    def prompt_tokens(self, prompt: str) -> int:
        # A prompt longer than the context is cut to leave one token to generate (STP's vLLM would refuse it).
        ids, _ = fit_prompt(self.tokenizer, prompt, self.total - 1)
        return len(ids)

    def max_tokens(self, prompt: str, max_new_tokens: int) -> int:
        return completion_tokens(self.prompt_tokens(prompt), self.total, max_new_tokens)


def load_budget(checkpoint: str, total: Optional[int]) -> Optional[TokenBudget]:
    """The budget for a checkpoint's tokenizer (the driver loads the tokenizer only); None without a budget."""
    if total is None:
        return None
    from transformers import AutoTokenizer

    try:
        tokenizer = AutoTokenizer.from_pretrained(checkpoint)
    except (OSError, ValueError) as exc:
        raise RuntimeError(f"prover.token_budget: cannot load the tokenizer of {checkpoint!r}: {exc}") from None
    return TokenBudget(tokenizer, total)


def proof_request_builder(
    prover: Any, budget: Optional[TokenBudget]
) -> Callable[[Sequence[Theorem], int], list[GenerationRequest]]:
    """requests(theorems, n): the policy actor's whole-proof requests (selfplay/workers.py `_proof_requests`: stop at
    the closing fence), in the run's prompt style and header, each within the token budget."""

    def requests(theorems: Sequence[Theorem], n: int) -> list[GenerationRequest]:
        out = []
        for t in theorems:
            prompt = proof_prompt(t, prover.prompt, prover.prompt_header)
            tokens = budget.max_tokens(prompt, prover.max_new_tokens) if budget else prover.max_new_tokens
            out.append(GenerationRequest(prompt, n, tokens, prover.temperature, prover.top_p, ("```",)))
        return out

    return requests


def text_request_builder(
    prover: Any, max_new_tokens: int, budget: Optional[TokenBudget]
) -> Callable[[Sequence[str], int], list[GenerationRequest]]:
    """requests(prompts, n) for free text (conjectures, refutations; selfplay/workers.py `generate`), each within
    the token budget (STP samples conjectures under the same budget: RL_utils.py:57-59)."""

    def requests(prompts: Sequence[str], n: int) -> list[GenerationRequest]:
        return [
            GenerationRequest(
                q,
                n,
                budget.max_tokens(q, max_new_tokens) if budget else max_new_tokens,
                prover.temperature,
                prover.top_p,
            )
            for q in prompts
        ]

    return requests
