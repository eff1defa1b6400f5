"""The vLLM engine against a test double of the `vllm` module that checks the exact upstream arguments, as vLLM 0.32
takes them (vllm/entrypoints/llm.py: LLM(...), LLM.generate(prompts, sampling_params, use_tqdm=...), sleep(level),
wake_up(tags), collective_rpc; vllm/sampling_params.py: SamplingParams(...), which refuses n > 1 when greedy;
vllm/outputs.py: CompletionOutput; vllm/v1/engine/core_client.py: the engine core client's shutdown()) and refuses
what vLLM 0.32 refuses. What only a real engine shows is in test_vllm_real.py."""

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
        # vllm/sampling_params.py _verify_greedy_sampling (a VLLMValidationError there; ValueError before 0.12)
        if kwargs.get("n", 1) > 1 and kwargs.get("temperature", 1.0) < 1e-5:
            raise ValueError(f"n must be 1 when using greedy sampling, got {kwargs['n']}.")
        self.kwargs = kwargs


class ByteTokenizerDouble:
    """One token per character, BOS (id 1) first, as a Llama-style tokenizer adds it."""

    eos_token_id = 2

    def __call__(self, text, add_special_tokens=True):
        ids = [ord(ch) + 10 for ch in text]
        return {"input_ids": ([1] if add_special_tokens else []) + ids}


class EngineCoreClientDouble:
    def __init__(self, events):
        self.events = events

    def shutdown(self, timeout=None):
        self.events.append(("shutdown",))


class LLMDouble:
    """Records the constructor's keyword arguments and every call; answers each prompt with n fixed completions, and
    refuses the whole batch when one prompt is empty, fills the context or holds a negative token id, as vLLM 0.32 does
    (vllm/entrypoints/common/offline.py `_render_and_add_requests`, vllm/v1/engine/input_processor.py)."""

    instances: list = []

    def __init__(self, model, **kwargs):
        self.model, self.kwargs, self.calls, self.events = model, kwargs, [], []
        self.max_model_len = kwargs.get("max_model_len", 4096)
        self.llm_engine = types.SimpleNamespace(
            model_config=types.SimpleNamespace(max_model_len=self.max_model_len),
            engine_core=EngineCoreClientDouble(self.events),
        )
        LLMDouble.instances.append(self)

    def get_tokenizer(self):
        return ByteTokenizerDouble()

    def generate(self, prompts, sampling_params=None, *, use_tqdm=True):
        assert isinstance(prompts, list) and isinstance(sampling_params, list) and len(prompts) == len(sampling_params)
        assert use_tqdm is False
        self.calls.append((prompts, [p.kwargs for p in sampling_params]))
        for prompt in prompts:
            ids = prompt["prompt_token_ids"]
            if not 0 < len(ids) < self.max_model_len or min(ids) < 0:  # vllm/renderers/base.py validate_token_ids
                raise ValueError(f"prompt {ids[:8]} refused")
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

    def collective_rpc(self, method, timeout=None, args=(), kwargs=None):
        self.events.append(("collective_rpc", method))


class PlatformDouble:
    """vllm.platforms.current_platform: a GPU platform (sleep mode, devices counted by torch.cuda) or the CPU."""

    def __init__(self, gpu: bool):
        self.gpu = gpu

    def is_cuda_alike(self):
        return self.gpu

    def is_cpu(self):
        return not self.gpu

    def is_sleep_mode_available(self):
        return self.gpu


@pytest.fixture
def vllm_double(monkeypatch):
    module = types.ModuleType("vllm")
    module.LLM, module.SamplingParams, module.__version__ = LLMDouble, SamplingParamsDouble, "0.32.0"
    platforms = types.ModuleType("vllm.platforms")
    platforms.current_platform = PlatformDouble(gpu=True)
    LLMDouble.instances = []
    monkeypatch.setitem(sys.modules, "vllm", module)
    monkeypatch.setitem(sys.modules, "vllm.platforms", platforms)
    monkeypatch.setattr("torch.cuda.device_count", lambda: 2)  # a node with two visible GPUs
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
        GenerationRequest("short", n=3, max_tokens=8, temperature=0.0),
    ]
    results = engine.generate(requests)
    [(prompts, params)] = llm.calls  # the whole chunk in one LLM.generate call
    # Prompts as token ids: BOS kept, cut from the left to leave max_tokens of room in max_model_len (40 - 30).
    assert prompts[0] == {"prompt_token_ids": [1] + [ord(c) + 10 for c in "xxxxx" + "goal"]}
    assert results[0].prompt_cut == 95 and results[2].prompt_cut == 0
    assert prompts[1] == {"prompt_token_ids": [1] + [ord(c) + 10 for c in "short"]}
    assert params == [
        dict(n=2, temperature=1.0, top_p=0.95, max_tokens=30, stop=["```"], seed=5, logprobs=0),
        # greedy: vLLM refuses n > 1; one sequence is asked and stands for the three
        dict(n=1, temperature=0.0, top_p=1.0, max_tokens=8, stop=None, seed=None, logprobs=0),
    ]
    assert results[1] == []
    assert [(c.text, c.logprob, c.tokens, c.finish_reason) for c in results[0]] == [
        ("proof 0", -1.5, 1, "length"),
        ("proof 1", -3.0, 2, "stop"),
    ]
    assert [c.text for c in results[2]] == ["proof 0"] * 3
    # Level 2 dropped the weights: waking reloads them, as vllm/snapshot/server.py restores a level-2 sleep.
    assert engine.sleep(2) is True and llm.events == [("sleep", 2)]
    engine.wake_up()
    assert llm.events[1:] == [("wake_up", ["weights"]), ("collective_rpc", "reload_weights"), ("wake_up", ["kv_cache"])]
    assert engine.sleep(1) is True
    engine.wake_up()
    assert llm.events[-2:] == [("sleep", 1), ("wake_up", None)]
    engine.close()
    assert llm.events[-1] == ("shutdown",) and engine.llm is None  # the engine core is shut down, not only dropped


def test_a_refused_batch_is_split_until_the_refused_request_is_alone(vllm_double):
    engine = make_engine("m", EngineSettings(engine="vllm", max_model_len=64))
    [llm] = LLMDouble.instances
    ok = GenerationRequest("fine", n=1, max_tokens=4)
    # A token id outside the model's vocabulary, which vLLM refuses only while it adds the batch.
    engine.tokenizer = OutOfVocabularyTokenizerDouble("bad")
    results = engine.generate([ok, ok, GenerationRequest("bad", n=1, max_tokens=4), ok])
    assert [len(r) for r in results] == [1, 1, 0, 1] and "refused" in results[2].error
    assert [len(prompts) for prompts, _ in llm.calls] == [4, 2, 2, 1, 1]  # halves, down to the refused one


class OutOfVocabularyTokenizerDouble(ByteTokenizerDouble):
    """Tokenizes `bad` to an id no model has (-1), everything else as ByteTokenizerDouble."""

    def __init__(self, bad):
        self.bad = bad

    def __call__(self, text, add_special_tokens=True):
        return {"input_ids": [-1]} if text == self.bad else super().__call__(text, add_special_tokens)


def test_version_floor_gpus_and_sleep_mode_are_checked_before_the_engine_starts(vllm_double, monkeypatch):
    vllm_double.__version__ = "0.8.5"
    with pytest.raises(PolicyUnavailable, match="older than 0.9.1"):
        make_engine("m", EngineSettings(engine="vllm"))
    vllm_double.__version__ = "0.32.0"
    with pytest.raises(PolicyUnavailable, match="tensor_parallel_size=4 needs as many GPUs, but 2 are visible"):
        make_engine("m", EngineSettings(engine="vllm", tensor_parallel_size=4))
    sys.modules["vllm.platforms"].current_platform = PlatformDouble(gpu=False)
    with pytest.raises(PolicyUnavailable, match="no sleep mode on this platform"):
        make_engine("m", EngineSettings(engine="vllm", enable_sleep_mode=True))
    assert LLMDouble.instances == []  # refused before vllm.LLM was built
    # On vLLM's CPU build the tensor-parallel ranks are processes on cores: no GPU count applies.
    make_engine("m", EngineSettings(engine="vllm", tensor_parallel_size=4))
    assert LLMDouble.instances[0].kwargs["tensor_parallel_size"] == 4


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


def test_without_vllm_the_real_engine_tests_fail_under_m_vllm_and_skip_otherwise(monkeypatch):
    from tests.generation.conftest import require_vllm

    monkeypatch.setitem(sys.modules, "vllm", None)  # `import vllm` raises ImportError
    config = types.SimpleNamespace(option=types.SimpleNamespace(markexpr="vllm"))
    with pytest.raises(pytest.fail.Exception, match="install.sh --vllm.*never skip"):
        require_vllm(config)
    config.option.markexpr = ""
    with pytest.raises(pytest.skip.Exception, match="install.sh --vllm"):
        require_vllm(config)
