"""Ray side of the loop: a generation actor holding the model (GPU where there is one), verifier actors (CPU), and
training as a Ray task. The same code runs on one machine (`ray.init()`) and on a cluster (`ray.init(address=...)`);
on a cluster the run folder must be on a filesystem every node sees (checkpoints are passed by path)."""

from __future__ import annotations

import copy
import threading
from pathlib import Path
from typing import Optional

from stp_prover.itp import ItpConfig, Theorem
from stp_prover.itp.ray_pool import RayVerifierPool
from stp_prover.training import SFTSettings, TrainReport, read_examples, train_sft

from .config import ProverSettings, RaySettings


def start_ray(settings: RaySettings) -> None:
    import ray

    if ray.is_initialized():
        return
    kwargs = dict(include_dashboard=False, log_to_driver=False, ignore_reinit_error=True)
    if settings.address:
        ray.init(address=settings.address, **kwargs)
    else:
        ray.init(num_cpus=settings.num_cpus, **kwargs)


def _policy_actor_class():
    import ray

    @ray.remote
    class PolicyActor:
        """One loaded checkpoint serving both roles: whole proofs for theorems, free text for conjecture prompts.
        Generation goes through a generation service (engine from `prover.engine`: Hugging Face or vLLM); every
        method sends its whole chunk to the engine in one call."""

        def __init__(self, checkpoint: str, prover: ProverSettings, conjecture_tokens: int):
            from stp_prover.generation import EngineSettings, GenerationService

            self.checkpoint = checkpoint
            self.settings = getattr(prover, "engine", None) or EngineSettings()
            self.service = GenerationService.start(checkpoint, self.settings)
            self.prover = prover
            self.conjecture_tokens = conjecture_tokens
            self._embedder = None
            self._embedder_lock = threading.Lock()  # the actor is threaded (max_concurrency)

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
            results = self.service.generate(self._proof_requests(theorems, n))
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
            return [[c.text for c in cs] for cs in self.service.generate(requests)]

        def embed(self, texts: list[str], max_length: int = 512) -> list[list[float]]:
            """STP's matching embeddings (RL/utils/embedding_utils.py:76-125): the checkpoint's last hidden states,
            mean-pooled over the non-padding tokens. vLLM gives no hidden states: the checkpoint is then also
            loaded with the Hugging Face engine (on `engine.device`, default CPU, beside the vLLM one)."""
            try:
                return self.service.embed(texts, max_length)
            except NotImplementedError:
                pass
            with self._embedder_lock:
                if self._embedder is None:
                    import dataclasses

                    from stp_prover.generation import GenerationService

                    hf = dataclasses.replace(self.settings, engine="hf", device=self.settings.device or "cpu", args={})
                    self._embedder = GenerationService.start(self.checkpoint, hf)
            return self._embedder.embed(texts, max_length)

        def sleep(self, level: int = 1) -> bool:
            """Free the GPU while something else uses it (vLLM sleep mode); False where the engine cannot."""
            return self.service.sleep(level)

        def wake_up(self) -> None:
            self.service.wake_up()

        def stats(self) -> dict:
            """Engine calls, requests and sequences served so far."""
            import dataclasses

            return dataclasses.asdict(self.service.stats)

    return PolicyActor


class Workers:
    """The actors of one round: a policy actor for the current checkpoint and the verifier pool."""

    def __init__(self, backend: str, settings: RaySettings, verify_timeout: float, config: ItpConfig):
        self.backend = backend
        self.settings = settings
        config = copy.deepcopy(config)
        config.pool.workers = settings.verifier_workers
        self.pool = RayVerifierPool(
            backend, settings.verifiers, config, verify_timeout, cpus_per_actor=settings.cpus_per_verifier
        )
        self.policies: list = []
        self.checkpoint: Optional[str] = None

    @property
    def policy(self):
        """The first policy actor (conjecture generation uses one; proof sampling spreads over all)."""
        return self.policies[0] if self.policies else None

    def load_policy(self, checkpoint: str, prover: ProverSettings, conjecture_tokens: int) -> list:
        """`generation_actors` policy actors for `checkpoint` (the previous ones are released first: one model per
        GPU)."""
        import ray

        if self.checkpoint == checkpoint and self.policies:
            return self.policies
        self.release_policy()
        # A threaded actor: calls from several driver threads (conjecture inputs, sampling chunks) run at once and
        # their requests meet in the actor's generation service, which batches them into shared engine calls.
        engine = getattr(prover, "engine", None)
        cls = _policy_actor_class().options(
            num_gpus=self.settings.generation_gpus,
            num_cpus=self.settings.generation_cpus,
            max_concurrency=max(1, engine.max_batch if engine is not None else 64),
        )
        self.policies = [
            cls.remote(checkpoint, prover, conjecture_tokens) for _ in range(max(1, self.settings.generation_actors))
        ]
        self.checkpoint = checkpoint
        ray.get([p.__ray_ready__.remote() for p in self.policies])
        return self.policies

    def release_policy(self) -> None:
        import ray

        for actor in self.policies:
            ray.kill(actor)
        self.policies, self.checkpoint = [], None

    def train(self, examples_path: Path, base: str, out: Path, sft: SFTSettings) -> TrainReport:
        """Fine-tune `base` on the examples file as a Ray task sized by the training resources."""
        import ray

        self.release_policy()  # the GPU (or the CPU share) goes to training
        task = ray.remote(num_gpus=self.settings.training_gpus, num_cpus=self.settings.training_cpus)(_train_task)
        return ray.get(task.remote(str(examples_path), base, str(out), sft))

    def close(self) -> None:
        self.release_policy()
        try:
            self.pool.close()
        except Exception:  # noqa: BLE001 - shutting down; the actors die with Ray anyway
            pass


def _train_task(examples_path: str, base: str, out: str, sft: SFTSettings) -> TrainReport:
    return train_sft(list(read_examples(Path(examples_path))), base, out, sft)
