"""The vLLM engine against a test double of the `vllm` module that checks the exact upstream arguments
(vllm/entrypoints/llm.py: LLM(...), LLM.generate(prompts, sampling_params, use_tqdm=...), sleep(level), wake_up();
vllm/sampling_params.py: SamplingParams(...); vllm/outputs.py: CompletionOutput)."""

from __future__ import annotations

import sys
import types
from dataclasses import dataclass, field

import pytest

from stp_prover.generation import EngineSettings, GenerationRequest, GenerationService, make_engine
from stp_prover.policy import PolicyUnavailable

SAMPLING_FIELDS = {"n", "temperature", "top_p", "max_tokens", "stop", "seed", "logprobs"}


@dataclass
class CompletionOutputDouble:
    index: int
    text: str
    token_ids: list
    cumulative_logprob: float
    logprobs: list
    finish_reason: str


@dataclass
class RequestOutputDouble:
    outputs: list = field(default_factory=list)


class SamplingParamsDouble:
    def __init__(self, **kwargs):
        unknown = set(kwargs) - SAMPLING_FIELDS
        assert not unknown, f"not SamplingParams fields here: {unknown}"
        self.kwargs = kwargs


class ByteTokenizerDouble:
    """One token per character, BOS (id 1) first, as a Llama-style tokenizer adds it."""

    eos_token_id = 2

    def __call__(self, text, add_special_tokens=True):
        ids = [ord(ch) + 10 for ch in text]
        return {"input_ids": ([1] if add_special_tokens else []) + ids}


class LLMDouble:
    """Records the constructor's keyword arguments and every call; answers each prompt with n fixed completions."""

    instances: list = []

    def __init__(self, model, **kwargs):
        self.model, self.kwargs, self.calls, self.events = model, kwargs, [], []
        LLMDouble.instances.append(self)

    def get_tokenizer(self):
        return ByteTokenizerDouble()

    def generate(self, prompts, sampling_params=None, *, use_tqdm=True):
        assert isinstance(prompts, list) and isinstance(sampling_params, list) and len(prompts) == len(sampling_params)
        assert use_tqdm is False
        self.calls.append((prompts, [p.kwargs for p in sampling_params]))
        return [
            RequestOutputDouble(
                [
                    CompletionOutputDouble(
                        i, f"proof {i}", [5] * (i + 1), -1.5 * (i + 1), [], "stop" if i else "length"
                    )
                    for i in range(p.kwargs["n"])
                ]
            )
            for p in sampling_params
        ]

    def sleep(self, level=1):
        self.events.append(("sleep", level))

    def wake_up(self, tags=None):
        self.events.append(("wake_up", tags))


@pytest.fixture
def vllm_double(monkeypatch):
    module = types.ModuleType("vllm")
    module.LLM, module.SamplingParams = LLMDouble, SamplingParamsDouble
    LLMDouble.instances = []
    monkeypatch.setitem(sys.modules, "vllm", module)
    return module


def test_engine_arguments_sampling_parameters_and_outputs(vllm_double):
    settings = EngineSettings(
        engine="vllm",
        tensor_parallel_size=2,
        gpu_memory_utilization=0.8,
        max_model_len=40,
        dtype="bfloat16",
        seed=3,
        enable_sleep_mode=True,
        args={"enforce_eager": True},
    )
    engine = make_engine("deepseek-ai/DeepSeek-Prover-V1.5-SFT", settings)
    [llm] = LLMDouble.instances
    assert llm.model == "deepseek-ai/DeepSeek-Prover-V1.5-SFT"
    assert llm.kwargs == dict(
        tensor_parallel_size=2,
        gpu_memory_utilization=0.8,
        dtype="bfloat16",
        max_model_len=40,
        seed=3,
        enable_sleep_mode=True,
        enforce_eager=True,
    )
    requests = [
        GenerationRequest("x" * 100 + "goal", n=2, max_tokens=30, temperature=1.0, top_p=0.95, stop=("```",), seed=5),
        GenerationRequest("skip me", n=0),
        GenerationRequest("short", n=1, max_tokens=8, temperature=0.0),
    ]
    results = engine.generate(requests)
    [(prompts, params)] = llm.calls  # the whole chunk in one LLM.generate call
    # Prompts as token ids: BOS kept, cut from the left to leave max_tokens of room in max_model_len (40 - 30).
    assert prompts[0] == {"prompt_token_ids": [1] + [ord(c) + 10 for c in "xxxxx" + "goal"]}
    assert prompts[1] == {"prompt_token_ids": [1] + [ord(c) + 10 for c in "short"]}
    assert params == [
        dict(n=2, temperature=1.0, top_p=0.95, max_tokens=30, stop=["```"], seed=5, logprobs=0),
        dict(n=1, temperature=0.0, top_p=1.0, max_tokens=8, stop=None, seed=None, logprobs=0),
    ]
    assert results[1] == []
    assert [(c.text, c.logprob, c.tokens, c.finish_reason) for c in results[0]] == [
        ("proof 0", -1.5, 1, "length"),
        ("proof 1", -3.0, 2, "stop"),
    ]
    assert engine.sleep(2) is True and llm.events == [("sleep", 2)]
    engine.wake_up()
    assert llm.events == [("sleep", 2), ("wake_up", None)]


def test_policies_reach_vllm_through_the_model_prefix(vllm_double, coq_env):
    from stp_prover.itp import Theorem
    from stp_prover.prover import make_policies
    from stp_prover.prover.policy_settings import PolicySettings

    thm = Theorem("t", "coq", "", "Theorem t : True.")
    tactics, proofs = make_policies(coq_env, "vllm:some/model", shared={}, policy=PolicySettings(policy="model"))
    [llm] = LLMDouble.instances
    assert tactics.service is proofs.service and tactics.service.engine_name == "vllm"
    samples = proofs.sample(thm, 2, prefix="Proof.\n")
    assert [s.text for s in samples] == ["Proof.\nproof 0\n", "Proof.\nproof 1\n"]
    [(prompts, params)] = llm.calls
    assert params[0]["stop"] == ["```"] and params[0]["n"] == 2
    assert bytes(t - 10 for t in prompts[0]["prompt_token_ids"][1:]).decode().endswith("Theorem t : True.\nProof.\n")


def test_without_vllm_the_error_says_what_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "vllm", None)  # `import vllm` raises ImportError
    with pytest.raises(PolicyUnavailable, match="vLLM is not installed"):
        GenerationService.start("some/model", EngineSettings(engine="vllm"))
