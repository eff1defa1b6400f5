"""Ray side of the loop: generation actors holding the model (GPU where there is one), verifier actors (CPU), and
training as a Ray task in a placement group. The same code runs on one machine (`ray.init()`) and on a cluster
(`ray.init(address=...)`); on a cluster the run folder must be on a filesystem every node sees (checkpoints are
passed by path). The driver loads no model: everything that generates goes through a policy actor."""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator, Optional

from stp_prover.itp import ItpConfig, Theorem
from stp_prover.itp.ray_pool import (
    RayVerifierPool,
    bounded_get,
    descendants,
    note_peaks,
    peak_rss_mib,
    placement_here,
)
from stp_prover.training import SFTSettings, TrainReport, read_examples, train_sft
from stp_prover.training.distributed import THREAD_ENV_VARS

from .cluster import ClusterReport, PeakSampler, wait_gone
from .config import ProverSettings, RaySettings

ENGINE_EXIT_S = 30.0  # an engine's processes get this long to exit after an explicit shutdown before they are killed


def start_ray(settings: RaySettings) -> None:
    import ray

    if ray.is_initialized():
        return
    # Worker logs (actors, tasks, training ranks' launcher) reach the driver's stderr (Ray's log monitor).
    kwargs = dict(include_dashboard=False, log_to_driver=settings.log_to_driver, ignore_reinit_error=True)
    if settings.address:
        ray.init(address=settings.address, **kwargs)
    else:
        ray.init(num_cpus=settings.num_cpus, num_gpus=settings.num_gpus, **kwargs)


def runtime_env(settings: RaySettings, cpus: float) -> dict:
    """An actor's or task's environment: math libraries get as many threads as the CPUs Ray gave it (left alone,
    each process starts one per core of the node and they fight over them), plus `ray.env_vars`."""
    threads = str(max(1, int(cpus)))
    env = dict.fromkeys(THREAD_ENV_VARS, threads)
    env["TOKENIZERS_PARALLELISM"] = "false"
    return {"env_vars": {**env, **{k: str(v) for k, v in settings.env_vars.items()}}}


def _policy_actor_class():
    import ray

    @ray.remote
    class PolicyActor:
        """One checkpoint serving both roles: whole proofs for theorems, free text for conjecture prompts (and, for
        the driver's held-out search, tactic requests). Generation goes through a generation service (engine from
        `prover.engine`: Hugging Face or vLLM); every method sends its whole chunk to the engine in one call.

        The actor is threaded (max_concurrency > 1) so health and stats calls are served while a generation call
        blocks; Ray runs a threaded actor's `__init__` on the process's main thread and its methods on other
        threads, so the engine is built in `__init__`."""

        def __init__(self, checkpoint: str, prover: ProverSettings, conjecture_tokens: int):
            from stp_prover.generation import EngineSettings

            self.checkpoint = checkpoint
            self.prover = prover
            self.conjecture_tokens = conjecture_tokens
            self.settings = getattr(prover, "engine", None) or EngineSettings()
            # The actor's own device: Ray sets CUDA_VISIBLE_DEVICES to the GPUs it assigned.
            # (a rehearsal on CPU declares logical GPUs: Ray assigns them, torch finds no CUDA).
            import torch

            self.device = "cuda" if ray.get_gpu_ids() and torch.cuda.is_available() else "cpu"
            self.service = None
            self._embedder = None
            self._cond = threading.Condition()
            self._in_flight = 0
            self._swapping = False
            self.engine_pids: list[int] = []  # every engine process this actor started (vLLM's EngineCore)
            self.helper_pids: list[int] = []  # processes that live as long as the actor (not the engine's)
            self.engine_peaks: dict[int, float] = {}
            self.engine_starts = 0
            self.built_on_main_thread: list[bool] = []
            self._past = {"engine_calls": 0, "requests": 0, "sequences": 0}
            self._start_engine()

        # -- the engine's life ------------------------------------------------------------------------------------
        def _start_engine(self) -> None:
            from stp_prover.generation import GenerationService, make_engine

            settings = self.settings
            if settings.engine == "hf" and settings.device is None:
                settings = dataclasses.replace(settings, device=self.device)
            before = set(descendants())
            engine = make_engine(self.checkpoint, settings)
            self.built_on_main_thread.append(threading.current_thread() is threading.main_thread())
            for pid in descendants():
                if pid not in before:
                    # multiprocessing's resource tracker (started by vLLM's spawn) serves the actor until it exits
                    helper = "resource_tracker" in " ".join(_cmdline(pid))
                    (self.helper_pids if helper else self.engine_pids).append(pid)
            self.engine_starts += 1
            # The service's thread only calls the engine built here.
            self.service = GenerationService.around(engine, settings, self.checkpoint)

        def _stop_engine(self) -> None:
            """Shut the engine down explicitly (vLLM: its EngineCore process exits) and wait for its processes."""
            if self.service is None:
                return
            note_peaks(self.engine_peaks, self.engine_pids)
            for key in self._past:
                self._past[key] += getattr(self.service.stats, key)
            service, self.service = self.service, None
            service.close()
            for pid in wait_gone(self.engine_pids, ENGINE_EXIT_S):  # the device must be free for what comes next
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, 9)

        def _close_embedder(self) -> None:
            if self._embedder is not None:
                self._embedder.close()
                self._embedder = None

        @contextlib.contextmanager
        def _generation(self) -> Iterator:
            """The running generation service (restarted after an embedding call stopped it)."""
            with self._cond:
                while self._swapping:
                    self._cond.wait()
                if self.service is None:
                    self._close_embedder()
                    self._start_engine()
                self._in_flight += 1
                service = self.service
            try:
                yield service
            finally:
                with self._cond:
                    self._in_flight -= 1
                    self._cond.notify_all()

        # -- generation -------------------------------------------------------------------------------------------
        def _proof_requests(self, theorems: list[Theorem], n: int) -> list:
            from stp_prover.generation import GenerationRequest

            from .prompts import proof_prompt

            p = self.prover
            # Stop at the closing fence: cut_whole_proof cuts there anyway, so the tokens after it are wasted.
            return [
                GenerationRequest(proof_prompt(t, p.prompt), n, p.max_new_tokens, p.temperature, p.top_p, ("```",))
                for t in theorems
            ]

        def sample_proofs_scored(self, theorems: list[Theorem], n: int) -> list[list[tuple[str, float]]]:
            """n whole proofs per theorem with the model's log-probability of each (all theorems in one engine
            call)."""
            from stp_prover.prover.prompts import cut_whole_proof

            if n <= 0:
                return [[] for _ in theorems]
            with self._generation() as service:
                results = service.generate(self._proof_requests(theorems, n))
            return [[(cut_whole_proof(t, c.text), c.logprob) for c in cs] for t, cs in zip(theorems, results)]

        def sample_proofs(self, theorems: list[Theorem], n: int) -> list[list[str]]:
            return [[text for text, _ in proofs] for proofs in self.sample_proofs_scored(theorems, n)]

        def generate(self, prompts: list[str], n: int) -> list[list[str]]:
            """n free-text continuations per prompt (conjectures, refutations), all prompts in one engine call."""
            from stp_prover.generation import GenerationRequest

            if n <= 0:
                return [[] for _ in prompts]
            p = self.prover
            requests = [GenerationRequest(q, n, self.conjecture_tokens, p.temperature, p.top_p) for q in prompts]
            with self._generation() as service:
                return [[c.text for c in cs] for cs in service.generate(requests)]

        def generate_requests(self, requests: list) -> list:
            """The completions of typed generation requests (the driver's model policies send theirs here)."""
            with self._generation() as service:
                return service.generate(requests)

        def embed(self, texts: list[str], max_length: int = 512) -> list[list[float]]:
            """STP's matching embeddings (RL/utils/embedding_utils.py:76-125): the checkpoint's last hidden states,
            mean-pooled over the non-padding tokens. An engine with hidden states (hf) embeds itself; vLLM's
            generation engine gives none, so it is shut down first and the checkpoint loaded for embeddings on this
            actor's own device (its GPU, else CPU), never a second copy beside the engine; the next generation call
            starts the engine again."""
            with self._cond:
                self._swapping = True
                try:
                    while self._in_flight:
                        self._cond.wait()
                    if self._embedder is None and self.service is not None:
                        try:
                            return self.service.embed(texts, max_length)
                        except NotImplementedError:
                            self._stop_engine()
                    if self._embedder is None:
                        from stp_prover.generation import GenerationService

                        hf = dataclasses.replace(self.settings, engine="hf", device=self.device, args={})
                        self._embedder = GenerationService.start(self.checkpoint, hf)
                    return self._embedder.embed(texts, max_length)
                finally:
                    self._swapping = False
                    self._cond.notify_all()

        def sleep(self, level: int = 1) -> bool:
            """Free the GPU while something else uses it (vLLM sleep mode); False where the engine cannot."""
            return self.service.sleep(level) if self.service is not None else False

        def wake_up(self) -> None:
            if self.service is not None:
                self.service.wake_up()

        # -- what the driver asks about ---------------------------------------------------------------------------
        def health(self) -> dict:
            """Served while generation runs (no lock): generation calls in flight and what is loaded."""
            loaded = {"engine": self.service is not None, "embedder": self._embedder is not None}
            return {"in_flight": self._in_flight, **loaded}

        def stats(self) -> dict:
            """Engine calls, requests and sequences served so far (over engine restarts)."""
            now = dataclasses.asdict(self.service.stats) if self.service is not None else {}
            return {**now, **{k: v + now.get(k, 0) for k, v in self._past.items()}}

        def processes(self) -> dict:
            """Where the actor runs (Ray's assigned resources), its engine processes, whether each engine was built
            on the main thread, and peak memory of the actor and of its engine processes."""
            note_peaks(self.engine_peaks, self.engine_pids)
            return {
                **placement_here(),
                "engine": self.settings.engine,
                "device": self.device,
                "engine_pids": list(self.engine_pids),
                "helper_pids": list(self.helper_pids),
                "engine_starts": self.engine_starts,
                "built_on_main_thread": list(self.built_on_main_thread),
                "peak_rss_mib": peak_rss_mib(os.getpid()),
                "engine_peak_rss_mib": dict(self.engine_peaks),
            }

        def shutdown(self) -> dict:
            """Shut the engine and the embedder down explicitly (before the actor is killed) and report."""
            with self._cond:
                self._swapping = True
                while self._in_flight:
                    self._cond.wait()
                info = self.processes()
                self._stop_engine()
                self._close_embedder()
            return info

    return PolicyActor


class PolicyService:
    """A generation service whose model is in the policy actors: `generate(requests)` goes to them in turn (the
    driver's model policies use it, so the driver loads no model)."""

    def __init__(self, workers: "Workers"):
        self.workers = workers
        self._next = 0
        self._lock = threading.Lock()

    def generate(self, requests: list) -> list:
        if not requests:
            return []
        with self._lock:
            actors = self.workers.policies
            actor = actors[self._next % len(actors)]
            self._next += 1
        return self.workers.get(actor.generate_requests.remote(list(requests)), "a policy actor's completions")


def _cmdline(pid: int) -> list[str]:
    import psutil

    try:
        return psutil.Process(pid).cmdline()
    except psutil.Error:
        return []


def _placement(info: dict) -> dict:
    return {k: info[k] for k in ("pid", "node", "resources", "accelerators", "omp_num_threads")}


@dataclass
class TrainTaskResult:
    """What the training task sends back: the report, where it ran, and its training ranks' PIDs and peaks."""

    report: TrainReport
    placement: dict
    rank_peak_rss_mib: dict[int, float]
    task_peak_rss_mib: Optional[float]


class Workers:
    """The actors of one round: policy actors for the current checkpoint and the verifier pool; `report` records
    their placement, processes and peak memory."""

    def __init__(
        self,
        backend: str,
        settings: RaySettings,
        verify_timeout: float,
        config: ItpConfig,
        report: Optional[ClusterReport] = None,
    ):
        self.backend = backend
        self.settings = settings
        self.report = report or ClusterReport()
        config = copy.deepcopy(config)
        config.pool.workers = settings.verifier_workers
        self.pool = RayVerifierPool(
            backend,
            settings.verifiers,
            config,
            verify_timeout,
            cpus_per_actor=settings.cpus_per_verifier,
            call_timeout=settings.call_timeout_s,
            runtime_env=runtime_env(settings, settings.cpus_per_verifier),
        )
        self.policies: list = []
        self.checkpoint: Optional[str] = None
        self.loads = 0
        self.trainings = 0
        self._verifiers_seen = False

    @property
    def policy(self):
        """The first policy actor (conjecture generation uses one; proof sampling spreads over all)."""
        return self.policies[0] if self.policies else None

    def get(self, refs, what: str, setting: str = "call_timeout_s"):
        """`ray.get` bounded by the `ray.<setting>` timeout."""
        return bounded_get(refs, getattr(self.settings, setting), what, f"ray.{setting}")

    def load_policy(self, checkpoint: str, prover: ProverSettings, conjecture_tokens: int) -> list:
        """`generation_actors` policy actors for `checkpoint` (the previous ones are released first: one model per
        GPU)."""
        if self.checkpoint == checkpoint and self.policies:
            return self.policies
        self.release_policy()
        self._note_verifiers()
        # A threaded actor: calls from several driver threads (conjecture inputs, sampling chunks) run at once and
        # their requests meet in the actor's generation service, which batches them into shared engine calls.
        engine = getattr(prover, "engine", None)
        s = self.settings
        cls = _policy_actor_class().options(
            num_gpus=s.generation_gpus,
            num_cpus=s.generation_cpus,
            max_concurrency=max(2, engine.max_batch if engine is not None else 64),
            runtime_env=runtime_env(s, s.generation_cpus),
        )
        # (the time also counts in the phase that asked for the model)
        with self.report.phase("policy actors starting (within other phases)"):
            count = max(1, s.generation_actors)
            self.policies = [cls.remote(checkpoint, prover, conjecture_tokens) for _ in range(count)]
            self.checkpoint = checkpoint
            self.loads += 1
            refs = [p.processes.remote() for p in self.policies]
            infos = self.get(refs, "the policy actors to load", "start_timeout_s")
        for i, info in enumerate(infos):
            self._note_policy(i, info)
        return self.policies

    def _note_policy(self, i: int, info: dict) -> None:
        name = f"policy-{i}/load-{self.loads}"
        self.report.place(name, _placement(info))
        self.report.track("policy_actor", [info["pid"]])
        self.report.track("engine_process", info["engine_pids"])
        self.report.track("actor_helper", info["helper_pids"])
        self.report.peak(name, info["peak_rss_mib"])
        for pid, mib in info["engine_peak_rss_mib"].items():
            self.report.peak(f"{name}/engine-{pid}", mib)

    def _note_verifiers(self) -> None:
        """The verifier actors' placement (once) and their proof-assistant processes and peaks (every time)."""
        for i, info in enumerate(self.pool.processes()):
            name = f"verifier-{i}"
            if not self._verifiers_seen:
                self.report.place(name, _placement(info))
            self.report.track("verifier_actor", [info["pid"]])
            self.report.track("proof_assistant", info["children"])
            self.report.peak(name, info["peak_rss_mib"])
            self.report.peak(f"{name}/proof-assistant", info["children_peak_rss_mib"])
        self._verifiers_seen = True

    def remote_service(self) -> PolicyService:
        """A generation service backed by the loaded policy actors (`load_policy` first)."""
        if not self.policies:
            raise RuntimeError("no policy actor is loaded: load_policy(checkpoint) first")
        return PolicyService(self)

    def release_policy(self) -> None:
        """Each actor shuts its engine down explicitly (its device is free when this returns), then is killed."""
        import ray

        if not self.policies:
            return
        try:
            infos = self.get([a.shutdown.remote() for a in self.policies], "the policy actors to shut down")
            for i, info in enumerate(infos):
                self._note_policy(i, info)
        finally:
            for actor in self.policies:
                ray.kill(actor)
            self.policies, self.checkpoint = [], None

    def train(self, examples_path: Path, base: str, out: Path, sft: SFTSettings) -> TrainReport:
        """Fine-tune `base` on the examples file as a Ray task in a placement group that reserves the training GPUs
        and CPUs on one node (STRICT_PACK: the ranks talk over the node's fast links), removed afterwards."""
        import ray
        from ray.util.placement_group import placement_group, remove_placement_group
        from ray.util.scheduling_strategies import PlacementGroupSchedulingStrategy

        self.release_policy()  # the GPU (or the CPU share) goes to training
        s = self.settings
        self.trainings += 1
        bundle = {"CPU": float(s.training_cpus), **({"GPU": float(s.training_gpus)} if s.training_gpus else {})}
        group = placement_group([bundle], strategy="STRICT_PACK", name=f"stp-training-{os.getpid()}-{self.trainings}")
        try:
            self.get(group.ready(), f"the training placement group {bundle}", "start_timeout_s")
            # A fresh worker process for each training, which exits after it (max_calls=1, only accepted by
            # ray.remote itself): a pooled worker would keep the CUDA context of the training it ran.
            task = ray.remote(max_calls=1)(_train_task).options(
                num_cpus=s.training_cpus,
                num_gpus=s.training_gpus,
                scheduling_strategy=PlacementGroupSchedulingStrategy(group, placement_group_bundle_index=0),
                # The task's whole CPU share: distributed.launch splits an inherited OMP_NUM_THREADS among its ranks.
                runtime_env=runtime_env(s, s.training_cpus),
            )
            result: TrainTaskResult = self.get(
                task.remote(str(examples_path), base, str(out), sft), "training", "training_timeout_s"
            )
        finally:
            remove_placement_group(group)
        name = f"training-{self.trainings}"
        group_info = {"bundle": bundle, "strategy": "STRICT_PACK"}
        self.report.place(name, {**result.placement, "placement_group": group_info})
        self.report.track("training_task", [result.placement["pid"]])
        self.report.track("training_rank", list(result.rank_peak_rss_mib))
        self.report.peak(name, result.task_peak_rss_mib)
        for rank, (pid, mib) in enumerate(sorted(result.rank_peak_rss_mib.items())):
            self.report.peak(f"{name}/process-{rank}", mib)
        return result.report

    def close(self) -> None:
        try:
            self.release_policy()
            self._note_verifiers()
        finally:
            with contextlib.suppress(Exception):  # shutting down: the actors are killed either way
                self.pool.close()


def _train_task(examples_path: str, base: str, out: str, sft: SFTSettings) -> TrainTaskResult:
    with PeakSampler() as sampler:
        report = train_sft(list(read_examples(Path(examples_path))), base, out, sft)
    return TrainTaskResult(report, placement_here(), sampler.peaks, peak_rss_mib(os.getpid()))
