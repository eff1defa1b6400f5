"""One generation service with interchangeable engines (Hugging Face `hf`, vLLM `vllm`): typed requests and
completions, the shared prompt-tokenisation rule, engine settings, and a thread that batches requests from every
caller into single engine calls. Importing this package loads neither torch nor vLLM."""

from .engines import ENGINES, Engine, engine_class, make_engine
from .records import Completion, Completions, GenerationRequest
from .service import GenerationService, ServiceStats, shared_service
from .settings import ENGINE_NAMES, EngineSettings, split_model
from .tokens import encode_example, encode_prompt, fit_prompt, prompt_budget, special_tokens

__all__ = [
    "ENGINES",
    "ENGINE_NAMES",
    "Completion",
    "Completions",
    "Engine",
    "EngineSettings",
    "GenerationRequest",
    "GenerationService",
    "ServiceStats",
    "encode_example",
    "encode_prompt",
    "engine_class",
    "fit_prompt",
    "make_engine",
    "prompt_budget",
    "shared_service",
    "special_tokens",
    "split_model",
]
