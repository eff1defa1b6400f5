"""The one real vLLM engine of a test session (vLLM's CPU build, tests marked `vllm`): a tiny Llama built from a config
with a character-level tokenizer (no download), float32, its own 256-token context, eager mode, a 64 MiB KV cache,
one OpenMP thread. Built on the main thread, on first use; vLLM starts its engine core with `spawn` (nothing here runs
at import). Without vLLM the tests fail under `-m vllm` and skip, with the reason, in a run that did not ask for
them."""

from __future__ import annotations

import os

import pytest

THREAD_VARIABLES = ("OMP_NUM_THREADS", "VLLM_CPU_OMP_THREADS_BIND")


def require_vllm(config: pytest.Config) -> None:
    """Fail (under `-m vllm`) or skip with the reason when vLLM cannot be imported."""
    try:
        import vllm  # noqa: F401
    except Exception as exc:  # noqa: BLE001 - an ImportError, or a broken install (torchvision: see install.sh)
        reason = f"vLLM cannot be imported ({type(exc).__name__}: {exc}); install it: bash scripts/install.sh --vllm"
        expression = config.option.markexpr or ""
        if "vllm" in expression and "not vllm" not in expression:
            pytest.fail(f"{reason} (under -m vllm these tests never skip)", pytrace=False)
        pytest.skip(reason)


@pytest.fixture(scope="session")
def tiny_llama(tmp_path_factory):
    from benchmarks.engine_throughput import build_tiny_llama

    return build_tiny_llama(tmp_path_factory.mktemp("vllm-model"), width=64, layers=2, context=256)


@pytest.fixture(scope="session")
def vllm_settings():
    from stp_prover.generation import EngineSettings

    # max_model_len stays None: the engine reads the model's (256) back from vLLM.
    return EngineSettings(
        engine="vllm", dtype="float32", threads=1, args=dict(enforce_eager=True, kv_cache_memory_bytes=64 << 20)
    )


def start_engine(model, settings):
    """A real engine, with the thread variables this process may carry left out while it starts, so that what its
    processes get comes from `settings.threads` alone."""
    from stp_prover.generation import make_engine

    saved = {k: os.environ.pop(k) for k in THREAD_VARIABLES if k in os.environ}
    try:
        return make_engine(str(model), settings)
    finally:
        os.environ.update(saved)


@pytest.fixture(scope="session")
def _vllm_session():
    held: dict = {}
    yield held
    if held.get("engine") is not None:
        held["engine"].close()


@pytest.fixture
def vllm_engine(request, _vllm_session, tiny_llama, vllm_settings):
    """The session's engine (built again only after a test closed it)."""
    require_vllm(request.config)
    engine = _vllm_session.get("engine")
    if engine is None or engine.llm is None:
        engine = _vllm_session["engine"] = start_engine(tiny_llama, vllm_settings)
    return engine
