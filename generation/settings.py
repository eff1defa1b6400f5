"""Engine configuration in one typed place: the CLI flags (`--engine`, `--engine-arg k=v`: cli/options.py) and the
`engine:` section of a YAML config (self-play's `prover.engine`) read it."""

from __future__ import annotations

import dataclasses
import typing
from dataclasses import dataclass, field
from typing import Any, Literal, Optional

EngineName = Literal["hf", "vllm"]
ENGINE_NAMES: tuple[str, ...] = typing.get_args(EngineName)


@dataclass
class EngineSettings:
    # "hf" (transformers, CPU or GPU) or "vllm" (GPU, or vLLM's CPU build); `--model vllm:ID` also selects vLLM
    engine: EngineName = "hf"
    max_batch: int = 64  # requests one engine call takes at most (from any number of callers)
    batch_wait_ms: float = 5.0  # how long the engine thread waits for more requests before a call
    # prompt tokens kept (cut from the left: the goal is at the end); fewer where the model's context must also hold
    # the request's max_tokens (generation/tokens.py prompt_budget)
    max_input_tokens: int = 2048
    dtype: str = "auto"  # torch dtype of the weights: auto | bfloat16 | float16 | float32
    device: Optional[str] = None  # hf: cuda where there is one, else cpu
    hf_max_rows: int = 64  # hf: sequences (prompts x n) per generate call, bounding the KV cache (7B: ~0.5 MB a token)
    hf_score_bytes: int = 1 << 28  # hf: float32 logits scored at once when computing log-probs (rows are chunked)
    tensor_parallel_size: int = 1  # vllm: GPUs per model
    gpu_memory_utilization: float = 0.9  # vllm: share of each GPU for weights, activations and the KV cache
    max_model_len: Optional[int] = None  # vllm: context length (None: the model's, read back from the engine)
    enable_sleep_mode: bool = False  # vllm: lets the engine sleep (free the GPU) while training runs; CUDA/ROCm only
    # torch / OpenMP threads of the engine (hf: torch.set_num_threads in its process; vllm: OMP_NUM_THREADS of the
    # engine's processes, unbound from cores on vLLM's CPU build); None: the libraries' defaults
    threads: Optional[int] = None
    seed: Optional[int] = None  # engine-wide seed (vllm's `seed`; hf: torch.manual_seed once)
    args: dict[str, Any] = field(default_factory=dict)  # more engine keyword arguments (vllm EngineArgs, hf kwargs)

    def updated(self, values: dict[str, Any]) -> "EngineSettings":
        """A copy with `values` set: known fields by name, anything else into `args`."""
        names = {f.name for f in dataclasses.fields(self)} - {"args"}
        known = {k: v for k, v in values.items() if k in names}
        out = dataclasses.replace(
            self, **known, args={**self.args, **{k: v for k, v in values.items() if k not in names}}
        )
        out.validate()
        return out

    def validate(self) -> None:
        if self.engine not in ENGINE_NAMES:
            raise ValueError(f"engine: {self.engine!r} is not one of {', '.join(ENGINE_NAMES)}")
        if self.max_batch < 1 or self.max_input_tokens < 1 or self.hf_max_rows < 1 or self.tensor_parallel_size < 1:
            raise ValueError("max_batch, max_input_tokens, hf_max_rows and tensor_parallel_size must be positive")
        if self.threads is not None and self.threads < 1:
            raise ValueError(f"threads must be positive, got {self.threads}")
        if self.batch_wait_ms < 0 or not 0 < self.gpu_memory_utilization <= 1:
            raise ValueError("batch_wait_ms must be >= 0 and gpu_memory_utilization in (0, 1]")


def split_model(model: str, settings: Optional[EngineSettings] = None) -> tuple[str, EngineSettings]:
    """(checkpoint, settings) for a `--model` value: `vllm:ID` selects the vLLM engine, anything else keeps it."""
    settings = settings or EngineSettings()
    if model.startswith("vllm:"):
        return model[len("vllm:") :], dataclasses.replace(settings, engine="vllm")
    return model, settings
