"""The vLLM engine for real (vLLM's CPU build, the same API as the CUDA build): one engine per session on a tiny Llama
(tests/generation/conftest.py), driven through our own classes as the project drives it: whole-proof sampling,
greedy decoding with n > 1, stop strings, log-probs, conjecture generation, the service's batching from several
threads, prompts longer than the context, refused requests inside a batch, thread settings, and shutdown (last: it
closes the session's engine; a later test would start another)."""

from __future__ import annotations

import dataclasses
import math
import threading
from concurrent.futures import ThreadPoolExecutor

import psutil
import pytest

from stp_prover.generation import Completions, GenerationRequest, GenerationService, make_engine
from stp_prover.itp import Theorem
from stp_prover.policy import PolicyUnavailable

pytestmark = pytest.mark.vllm

THEOREM = Theorem("add_zero", "coq", "", "Theorem add_zero : forall n : nat, n + 0 = n.")


def _service(engine, settings):
    """A service over the session's engine (built on the main thread; the service's thread calls it)."""
    return GenerationService.around(engine, settings, "vllm-test", close_engine=False)


def _hf_logprob(model, prompt: str, completion, eos_id: int) -> float:
    """The raw model log-prob of a completion's tokens after `prompt`, from one transformers forward pass (a
    character per token; EOS last where generation ended on it)."""
    import torch
    from transformers import AutoModelForCausalLM, AutoTokenizer

    tok = AutoTokenizer.from_pretrained(model)
    lm = AutoModelForCausalLM.from_pretrained(model, dtype=torch.float32).eval()
    prompt_ids = tok(prompt)["input_ids"]
    ids = tok(completion.text, add_special_tokens=False)["input_ids"]
    ids += [eos_id] if completion.finish_reason == "stop" else []
    assert len(ids) == completion.tokens  # the seeded sample holds no special token the text would hide
    with torch.no_grad():
        logits = lm(torch.tensor([prompt_ids + ids])).logits[0, len(prompt_ids) - 1 : -1]
    logp = torch.log_softmax(logits.float(), -1)
    return float(sum(logp[i, t] for i, t in enumerate(ids)))


def test_whole_proofs_n_samples_log_probs_and_greedy_n_in_one_batch(vllm_engine, vllm_settings, tiny_llama):
    from stp_prover.prover.vllm_policy import VLLMProofPolicy

    service = _service(vllm_engine, vllm_settings)
    try:
        candidates = VLLMProofPolicy(service).sample(THEOREM, 4, prefix="Proof.\n")
        assert len(candidates) == 4 and all(c.text.startswith("Proof.\n") for c in candidates)
        assert all(math.isfinite(c.logprob) and c.logprob <= 0 for c in candidates)
        # Greedy decoding with n > 1 beside sampling, in one engine call: vLLM refuses SamplingParams(n=3,
        # temperature=0) and the whole batch would fail; here the one greedy sequence comes three times.
        sampled = GenerationRequest("Lemma x : True.", n=2, max_tokens=16, temperature=1.0, seed=3)
        greedy = GenerationRequest("Lemma y : True.", n=3, max_tokens=16, temperature=0.0)
        calls = service.stats.engine_calls
        [two, three] = service.generate([sampled, greedy])
        assert service.stats.engine_calls == calls + 1 and len(two) == 2 and len(three) == 3
        assert len({c.text for c in three}) == 1 and not three.error
        [[alone]] = service.generate([dataclasses.replace(greedy, n=1)])
        assert (alone.text, alone.tokens) == (three[0].text, three[0].tokens)
        assert alone.logprob == pytest.approx(three[0].logprob, abs=1e-4)  # another batch: float sums may differ
    finally:
        service.close()
    # The log-prob is the model's raw one (before temperature), as a plain forward pass computes it.
    request = GenerationRequest("Lemma z : True.", n=1, max_tokens=12, temperature=0.7, seed=1)
    [[sample]] = vllm_engine.generate([request])
    expected = _hf_logprob(tiny_llama, request.prompt, sample, vllm_engine.tokenizer.eos_token_id)
    assert sample.logprob == pytest.approx(expected, abs=1e-3)


def test_stop_strings_are_cut_and_end_generation(vllm_engine):
    request = GenerationRequest("Theorem t : 1 = 1.\n", n=1, max_tokens=40, temperature=1.0, seed=11)
    [[free]] = vllm_engine.generate([request])
    assert len(free.text) >= 4, free
    stop = free.text[3]  # a character the seeded sample writes: the same sample stops right before it
    [[stopped]] = vllm_engine.generate([dataclasses.replace(request, stop=(stop,))])
    assert stopped.text == free.text[: free.text.index(stop)]
    assert stopped.finish_reason == "stop" and stopped.tokens <= free.tokens


def test_conjectures_and_service_batching_from_several_threads(vllm_engine, vllm_settings):
    from stp_prover.conjecturer import model_conjectures

    service = _service(vllm_engine, vllm_settings)
    try:

        def generate(prompt: str, n: int) -> list[str]:
            [completions] = service.generate([GenerationRequest(prompt, n, 48, 1.0, 0.95)])
            return [c.text for c in completions]

        conjectures, unparsable = model_conjectures(THEOREM, "intros. lia.", None, "", generate, 3, "c")
        assert len(conjectures) + unparsable == 3  # a random model writes text, rarely a statement
        # Four callers on four threads while the engine thread is held: one engine call serves them all, and each
        # caller gets its own answer (the seeded request alone gives the same text).
        requests = [GenerationRequest(f"goal {i}", n=2, max_tokens=8, seed=100 + i) for i in range(4)]
        calls = service.stats.engine_calls
        with ThreadPoolExecutor(4) as pool:
            with service.held():
                futures = [pool.submit(service.generate, [r]) for r in requests]
                while service.pending() < 4:
                    threading.Event().wait(0.01)
            answers = [f.result() for f in futures]
        assert service.stats.engine_calls == calls + 1 and service.stats.largest_batch >= 4
        for request, [completions] in zip(requests, answers):
            [alone] = vllm_engine.generate([request])
            assert [c.text for c in completions] == [c.text for c in alone]
    finally:
        service.close()
    assert vllm_engine.llm is not None  # the service did not own the engine


def test_prompts_longer_than_the_context_are_cut_from_the_left(vllm_engine):
    # The model's context is 256 (settings leave max_model_len None: the engine read it back from vLLM).
    assert vllm_engine.max_model_len == 256
    long = "x" * 600 + " Theorem t : True."
    fits, room, huge = vllm_engine.generate(
        [
            GenerationRequest("short", n=1, max_tokens=8, temperature=0),
            GenerationRequest(long, n=2, max_tokens=16, seed=1),
            GenerationRequest(long, n=1, max_tokens=400, seed=2),  # more than the context: the prompt keeps BOS
        ]
    )
    assert fits.prompt_cut == 0 and len(fits) == 1
    # BOS + 239 characters + 16 tokens of room = 255 < 256 (vLLM refuses a prompt that fills the context).
    assert room.prompt_cut == len(long) - 239 and len(room) == 2 and not room.error
    assert huge.prompt_cut == len(long) and len(huge) == 1 and huge[0].tokens <= 255


def test_a_refused_request_does_not_fail_its_batch(vllm_engine):
    good = GenerationRequest("Lemma a : True.", n=2, max_tokens=8, seed=5)
    too_hot = GenerationRequest("Lemma b : True.", n=1, max_tokens=8, temperature=3.0)  # vLLM: temperature in [0, 2]
    empty_stop = GenerationRequest("Lemma c : True.", n=1, max_tokens=8, stop=("",))  # vLLM: no empty stop string
    results = vllm_engine.generate([good, too_hot, empty_stop, dataclasses.replace(good, seed=6)])
    assert [len(r) for r in results] == [2, 0, 0, 2]
    assert "temperature" in results[1].error and "stop" in results[2].error
    assert not results[0].error and not results[3].error
    # A refusal vLLM only makes while the batch is added (an empty prompt: vllm/v1/engine/input_processor.py) aborts
    # the whole LLM.generate call; the batch is split until the refused request stands alone.
    from stp_prover.generation.vllm_engine import _Job

    params = vllm_engine.vllm.SamplingParams(n=1, max_tokens=4, logprobs=0)
    jobs = [_Job(i, {"prompt_token_ids": ids}, params, 1) for i, ids in enumerate([[1, 40], [], [1, 41], [1, 42]])]
    out = [Completions() for _ in jobs]
    vllm_engine._run(jobs, out)
    assert [len(c) for c in out] == [1, 0, 1, 1] and "empty" in out[1].error


def test_seeded_prompts_too_many_for_one_step_do_not_kill_the_engine(vllm_engine):
    # 20 prompts of 240 tokens are more than one scheduler step takes (4,096 tokens): with chunked prefill one of
    # them would be prefilled in part, and rewinding its seeded generator kills vLLM's CPU engine core.
    requests = [GenerationRequest(chr(65 + i) * 239, n=1, max_tokens=4, seed=i) for i in range(20)]
    results = vllm_engine.generate(requests)
    assert all(len(r) == 1 and not r.error for r in results)


def test_sleep_mode_is_refused_clearly_where_vllm_has_none(tiny_llama, vllm_settings, vllm_engine):
    assert vllm_engine.sleep(1) is False  # enable_sleep_mode off: nothing to do
    with pytest.raises(PolicyUnavailable, match="no sleep mode on this platform"):
        make_engine(str(tiny_llama), dataclasses.replace(vllm_settings, enable_sleep_mode=True))


def test_thread_settings_reach_the_engine_processes(vllm_engine):
    pids = vllm_engine.processes()
    assert pids
    for pid in pids:
        with open(f"/proc/{pid}/environ", "rb") as f:
            environ = dict(v.split(b"=", 1) for v in f.read().split(b"\0") if b"=" in v)
        assert environ.get(b"OMP_NUM_THREADS") == b"1" and environ.get(b"VLLM_CPU_OMP_THREADS_BIND") == b"nobind"


def _gone(pid: int) -> bool:
    """The process has exited (a zombie has exited too: it only waits for its reaper)."""
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_close_ends_the_engine_processes_and_a_second_engine_starts(vllm_engine, vllm_settings, tiny_llama):
    from stp_prover.prover.vllm_policy import VLLMProofPolicy, load_vllm

    pids = vllm_engine.processes()
    names = [psutil.Process(pid).name() for pid in pids]
    assert any("EngineCore" in name for name in names), names
    vllm_engine.close()
    assert all(_gone(pid) for pid in pids) and vllm_engine.processes() == []
    assert vllm_engine.forced == []  # they left on the engine core's shutdown, none had to be killed
    # The prover's vLLM loader starts a second engine in the same process, and closing its service ends it too.
    service = load_vllm(str(tiny_llama), vllm_settings)
    second = service.engine.processes()
    assert second and not set(second) & set(pids)
    assert len(VLLMProofPolicy(service).sample(THEOREM, 2)) == 2
    service.close()
    assert all(_gone(pid) for pid in second)
