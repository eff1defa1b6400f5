"""The proving service behind `stp serve`: one set of policies and proof environments shared by every request,
bounded concurrency (one environment per running search), jobs that can be cancelled, and load figures."""

from __future__ import annotations

import threading
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field, replace
from queue import Queue
from typing import Any, Optional

from stp_prover.generation import EngineSettings
from stp_prover.itp import (
    BackendUnavailable,
    ItpConfig,
    ItpSettings,
    ProofEnv,
    State,
    Theorem,
    Verdict,
    VerifierPool,
    VerifyJob,
    make_env,
    system_of,
)
from stp_prover.itp.sandbox import status as sandbox_status
from stp_prover.policy import Candidate, TacticPolicy

from .factory import make_policies
from .policy_settings import PolicySettings

MODEL_ONLY = PolicySettings(policy="model")
from .prove import ProveConfig, prove_theorem

POLICIES = ("model", "portfolio")


@dataclass
class ServerConfig:
    host: str = "127.0.0.1"
    port: int = 23337
    backend: str = "coq"
    model: Optional[str] = None  # Hugging Face path / hub id / vllm:ID; None: the built-in portfolio only
    retriever: Optional[str] = None  # premise index for the tactic policy
    encoder: Optional[str] = None  # sentence encoder for /encode (default: the packaged MiniLM)
    workers: int = 2  # searches running at once, one proof environment each; more requests wait in a queue
    default_budget: float = 30.0
    max_budget: float = 600.0
    suggestions: int = 8
    keep_jobs: int = 1000  # finished jobs remembered for GET /jobs/{id}
    token: Optional[str] = None  # bearer token every request must carry; None: no authentication (loopback only)
    max_request_bytes: int = 2_000_000  # larger bodies get 413
    max_per_client: int = 64  # requests one client may have in flight (checks, suggestions, unfinished jobs): 429
    max_pending: int = 256  # requests in flight from all clients together; past it every new one gets 429
    itp: ItpSettings = field(default_factory=ItpSettings)  # tactic and check timeouts, memory, recycling
    # Accept proofs and statements from clients even where the proof assistant runs without the OS sandbox (no
    # bubblewrap, or `sandbox: off`). Off: such a server answers /check and /prove with 503.
    allow_unsandboxed: bool = False
    engine: EngineSettings = field(default_factory=EngineSettings)  # generation engine of --model (hf, vllm)


@dataclass
class Job:
    id: str
    theorem: str
    method: str
    policy: str
    budget: float
    client: str = ""  # who asked (the peer address), for the per-client limit
    status: str = "queued"  # queued | running | done | cancelled | error
    cancel: threading.Event = field(default_factory=threading.Event)
    done: threading.Event = field(default_factory=threading.Event)
    result: Optional[dict] = None
    error: str = ""
    submitted: float = field(default_factory=time.time)
    started: Optional[float] = None
    finished: Optional[float] = None

    def to_dict(self) -> dict[str, Any]:
        return {
            "job_id": self.id,
            "theorem": self.theorem,
            "method": self.method,
            "policy": self.policy,
            "budget_seconds": self.budget,
            "status": self.status,
            "proved": bool(self.result and self.result.get("proved")),
            "proof": self.result.get("proof") if self.result else None,
            "result": self.result,
            "error": self.error,
            "queued_seconds": round((self.started or time.time()) - self.submitted, 3),
            "run_seconds": round((self.finished or time.time()) - self.started, 3) if self.started else 0.0,
        }


class JobConflict(ValueError):
    """A job id that is already in use."""


class ProvingService:
    def __init__(self, config: ServerConfig):
        self.config = config
        self.system = system_of(config.backend)
        self.started = time.time()
        self.models: dict = {}
        self.premises = None
        if config.retriever:
            from stp_prover.retrieval import premise_source

            self.premises = premise_source(config.retriever)
        self.itp_config = replace(config.itp, workers=max(1, config.workers)).apply(ItpConfig())
        self.sandbox = sandbox_status(self.itp_config.system(self.system).sandbox)
        if self.sandbox["mode"] == "bwrap" and not self.sandbox["sandboxed"]:
            raise BackendUnavailable(f"sandbox: bwrap was asked for, but {self.sandbox['why_not']}")
        self.envs: Queue[ProofEnv] = Queue()
        self._all_envs = [make_env(config.backend, self.itp_config) for _ in range(max(1, config.workers))]
        for env in self._all_envs:
            self.envs.put(env)
        # Suggestions read only the goal text (automation is chosen from it), so they get their own environment.
        self.suggest_env = make_env(config.backend, self.itp_config)
        self.model_policies = (
            # A request names its policy ("model" or "portfolio"), so the model's own policies, not the mixture.
            make_policies(self.suggest_env, config.model, self.premises, self.models, config.engine, policy=MODEL_ONLY)
            if config.model
            else None
        )
        self.portfolio_tactics, _ = make_policies(self.suggest_env, None, self.premises)
        self.verifier = VerifierPool(lambda: make_env(config.backend, self.itp_config), self.itp_config.pool)
        self.executor = ThreadPoolExecutor(max(1, config.workers), thread_name_prefix="prove")
        self.jobs: dict[str, Job] = {}
        self.lock = threading.Lock()
        self.counts = {"suggest": 0, "encode": 0, "check": 0, "prove": 0, "proved": 0, "cancelled": 0}
        self._encoder = None
        self._elaborate_lock = threading.Lock()

    # -- policies -------------------------------------------------------------------------------------------------
    def default_policy(self) -> str:
        return "model" if self.model_policies else "portfolio"

    def _tactic_policy(self, policy: str) -> TacticPolicy:
        if policy == "model":
            if not self.model_policies:
                raise ValueError("this server has no model loaded (start it with --model); use policy 'portfolio'")
            return self.model_policies[0]
        return self.portfolio_tactics

    def suggest(
        self, state_text: str, prefix: str = "", n: Optional[int] = None, policy: Optional[str] = None
    ) -> list[Candidate]:
        """Tactics for a goal state, best first; with a prefix, only tactics that start with it."""
        n = n or self.config.suggestions
        theorem = Theorem("stp_goal", self.system, "", "")
        state = State(theorem, state_text)
        candidates = self._tactic_policy(policy or self.default_policy()).suggest(state, n * (3 if prefix else 1))
        self._count("suggest")
        if prefix:
            candidates = [c for c in candidates if c.text.startswith(prefix)]
        return candidates[:n]

    def encode(self, text: str) -> list[float]:
        if self._encoder is None:
            from stp_prover.retrieval.dense import Encoder

            self._encoder = Encoder(self.config.encoder)
        self._count("encode")
        return [float(x) for x in self._encoder.encode([text])[0]]

    # -- checking and proving -------------------------------------------------------------------------------------
    def untrusted_refusal(self) -> Optional[str]:
        """Why this server must refuse text from clients (its proof assistant would run it unsandboxed), or None."""
        if self.sandbox["sandboxed"] or self.config.allow_unsandboxed:
            return None
        return (
            f"this server's proof-assistant processes are not sandboxed ({self.sandbox['why_not']}), so it refuses "
            "proofs and statements from clients; install bubblewrap, or start it with --allow-unsandboxed"
        )

    def check(self, theorem: Theorem, proof: str) -> Verdict:
        """The verifier pool's verdict (fresh context, axioms audited, statement compared), within the check timeout."""
        self._count("check")
        return self.verifier.verify([VerifyJob(theorem, proof)])[0]

    def elaborate(self, theorem: Theorem) -> None:
        """Raise StatementError unless the theorem's statement elaborates (checked on the shared suggestion env)."""
        with self._elaborate_lock:
            self.suggest_env.start(theorem)

    def submit(
        self,
        theorem: Theorem,
        method: str,
        budget: float,
        policy: Optional[str],
        job_id: Optional[str],
        client: str = "",
    ) -> Job:
        policy = policy or self.default_policy()
        self._tactic_policy(policy)  # refuse a missing model before queueing
        job = Job(job_id or uuid.uuid4().hex[:12], theorem.name, method, policy, budget, client)
        with self.lock:
            if job.id in self.jobs and not self.jobs[job.id].done.is_set():
                raise JobConflict(f"job {job.id} is still running")
            self.jobs[job.id] = job
            self._forget_old_jobs()
        self._count("prove")
        self.executor.submit(self._run, job, theorem)
        return job

    def _run(self, job: Job, theorem: Theorem) -> None:
        if job.cancel.is_set():
            self._finish(job, "cancelled")
            return
        env = self.envs.get()
        job.started, job.status = time.time(), "running"
        try:
            if job.policy == "model":
                tactic_policy, proof_policy = self.model_policies
            else:
                tactic_policy, proof_policy = make_policies(env, None, self.premises)
            config = ProveConfig(method=job.method, budget_seconds=job.budget)
            result = prove_theorem(theorem, env, tactic_policy, proof_policy, config, cancel=job.cancel)
            job.result = result.to_dict()
            if result.proved:
                self._count("proved")
            self._finish(job, "cancelled" if result.status == "cancelled" else "done")
        except Exception as exc:  # noqa: BLE001 - a failed job reports its error; the server keeps serving
            job.error = f"{type(exc).__name__}: {exc}"[:1000]
            self._finish(job, "error")
        finally:
            self.envs.put(env)

    def _finish(self, job: Job, status: str) -> None:
        job.status, job.finished = status, time.time()
        if status == "cancelled":
            self._count("cancelled")
        job.done.set()

    def get(self, job_id: str) -> Optional[Job]:
        with self.lock:
            return self.jobs.get(job_id)

    def cancel(self, job_id: str) -> Optional[Job]:
        job = self.get(job_id)
        if job is not None and not job.done.is_set():
            job.cancel.set()
        return job

    def unfinished_jobs(self, client: Optional[str] = None) -> int:
        """Jobs queued or running (of one client, or of all)."""
        with self.lock:
            return sum(1 for j in self.jobs.values() if not j.done.is_set() and client in (None, j.client))

    def _forget_old_jobs(self) -> None:
        finished = [j for j in self.jobs.values() if j.done.is_set()]
        for job in sorted(finished, key=lambda j: j.finished or 0)[: max(0, len(finished) - self.config.keep_jobs)]:
            del self.jobs[job.id]

    # -- health ---------------------------------------------------------------------------------------------------
    def _count(self, key: str) -> None:
        with self.lock:
            self.counts[key] += 1

    def health(self) -> dict[str, Any]:
        with self.lock:
            running = sum(1 for j in self.jobs.values() if j.status == "running")
            queued = sum(1 for j in self.jobs.values() if j.status == "queued")
            counts = dict(self.counts)
        return {
            "status": "ok",
            "backend": self.config.backend,
            "model": self.config.model,
            "policies": ["model", "portfolio"] if self.model_policies else ["portfolio"],
            "uptime_seconds": round(time.time() - self.started, 1),
            "load": {
                "running": running,
                "queued": queued,
                "capacity": self.config.workers,
                "busy": round(running / max(1, self.config.workers), 3),
            },
            "requests": counts,
            "verifier": self.verifier.stats.to_dict(),
            # Whether the proof assistant's processes run in the OS sandbox, and whether text from clients is taken
            # without it (--allow-unsandboxed).
            "sandbox": {**self.sandbox, "allow_unsandboxed": self.config.allow_unsandboxed},
        }

    def close(self) -> None:
        for job in list(self.jobs.values()):
            job.cancel.set()
        self.executor.shutdown(wait=True, cancel_futures=True)
        self.verifier.close()
        for env in [*self._all_envs, self.suggest_env]:
            env.close()
