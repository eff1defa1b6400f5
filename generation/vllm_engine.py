"""The vLLM engine (GPU): a thin, API-exact layer over vLLM's offline `LLM`. vLLM is an optional extra, not installed
on our machines (nor on the GPU machines we test on: its wheel is too large to bring there); the tests check the
exact arguments against a test double of the `vllm` module.

Upstream (vllm-project/vllm): `LLM(model, *, tensor_parallel_size, dtype, seed, gpu_memory_utilization, ...,
**EngineArgs)`, `LLM.generate(prompts, sampling_params, *, use_tqdm)` taking one SamplingParams per prompt and
returning the outputs in prompt order, `LLM.sleep(level)` / `LLM.wake_up(tags)` (vllm/entrypoints/llm.py);
`SamplingParams(n, temperature, top_p, seed, stop, max_tokens, logprobs)` where `logprobs=0` still returns the
sampled token's log-prob and so `cumulative_logprob` (vllm/sampling_params.py); `CompletionOutput.text` (stop string
excluded), `.token_ids`, `.cumulative_logprob`, `.finish_reason` ("stop" | "length") (vllm/outputs.py); a prompt
may be `{"prompt_token_ids": [...]}` (TokensPrompt, vllm/inputs/data.py). The offline `LLM` is not thread-safe: a
GenerationService's engine thread is its only caller."""

from __future__ import annotations

import gc
from typing import Any, Sequence

from stp_prover.policy import PolicyUnavailable

from .engines import Engine
from .records import Completion, GenerationRequest
from .settings import EngineSettings
from .tokens import encode_prompt

INSTALL_HINT = "pip install 'stp-prover[vllm]' on a machine with a CUDA GPU"


class VLLMEngine(Engine):
    name = "vllm"

    def __init__(self, model: str, settings: EngineSettings):
        try:
            import vllm  # noqa: PLC0415 - optional extra
        except ImportError as exc:
            raise PolicyUnavailable(f"vLLM is not installed; {INSTALL_HINT}") from exc
        self.vllm = vllm
        self.settings = settings
        self.model = model
        self.llm = vllm.LLM(**self.engine_args(model, settings))
        self.tokenizer = self.llm.get_tokenizer()
        self.sleeping = False

    @staticmethod
    def engine_args(model: str, settings: EngineSettings) -> dict[str, Any]:
        """Keyword arguments of `vllm.LLM` from the settings (`args` may add or override any EngineArgs field)."""
        kwargs: dict[str, Any] = dict(
            model=model,
            tensor_parallel_size=settings.tensor_parallel_size,
            gpu_memory_utilization=settings.gpu_memory_utilization,
            dtype=settings.dtype,
        )
        if settings.max_model_len is not None:
            kwargs["max_model_len"] = settings.max_model_len
        if settings.seed is not None:
            kwargs["seed"] = settings.seed
        if settings.enable_sleep_mode:
            kwargs["enable_sleep_mode"] = True
        kwargs.update(settings.args)
        return kwargs

    def generate(self, requests: Sequence[GenerationRequest]) -> list[list[Completion]]:
        out: list[list[Completion]] = [[] for _ in requests]
        asked = [i for i, r in enumerate(requests) if r.n > 0]
        if not asked:
            return out
        prompts, params = [], []
        for i in asked:
            r = requests[i]
            # Our tokenisation (the rule training shares): BOS as the tokenizer adds it, the prompt cut from the left;
            # and room left for the completion where the context is bounded (vLLM refuses longer prompts).
            limit = self.settings.max_input_tokens
            if self.settings.max_model_len is not None:
                limit = max(1, min(limit, self.settings.max_model_len - r.max_tokens))
            prompts.append({"prompt_token_ids": encode_prompt(self.tokenizer, r.prompt, limit)})
            # vLLM's beam search is another API (LLM.beam_search); a beam request is sampled here.
            params.append(
                self.vllm.SamplingParams(
                    n=r.n,
                    temperature=r.temperature,
                    top_p=r.top_p,
                    max_tokens=r.max_tokens,
                    stop=list(r.stop) or None,
                    seed=r.seed,
                    logprobs=0,
                )
            )
        results = self.llm.generate(prompts, params, use_tqdm=False)
        for i, result in zip(asked, results):
            out[i] = [
                Completion(
                    o.text,
                    float(o.cumulative_logprob or 0.0),
                    len(o.token_ids),
                    "length" if o.finish_reason == "length" else "stop",
                )
                for o in result.outputs
            ]
        return out

    def sleep(self, level: int = 1) -> bool:
        """Level 1 keeps the weights in CPU memory (wake up to the same model); level 2 drops them (a reload
        follows). Needs `enable_sleep_mode`."""
        if not self.settings.enable_sleep_mode:
            return False
        self.llm.sleep(level=level)
        self.sleeping = True
        return True

    def wake_up(self) -> None:
        if self.sleeping:
            self.llm.wake_up()
            self.sleeping = False

    def close(self) -> None:
        # The offline LLM has no public close: dropping the last reference frees the engine and its GPU memory.
        self.llm = None
        gc.collect()
