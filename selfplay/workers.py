"""Ray side of the loop: a generation actor holding the model (GPU where there is one), verifier actors (CPU), and
training as a Ray task. The same code runs on one machine (`ray.init()`) and on a cluster (`ray.init(address=...)`);
on a cluster the run folder must be on a filesystem every node sees (checkpoints are passed by path)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Optional

from itp import ItpConfig, Theorem
from itp.ray_pool import RayVerifierPool
from training import SFTSettings, TrainReport, read_examples, train_sft

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
        """One loaded checkpoint serving both roles: whole proofs for theorems, free text for conjecture prompts."""

        def __init__(self, checkpoint: str, prover: ProverSettings, conjecture_tokens: int):
            from prover.hf import GenerationConfig, HFModel

            gen = GenerationConfig(
                max_new_tokens_proof=prover.max_new_tokens, temperature=prover.temperature, top_p=prover.top_p
            )
            self.model = HFModel(checkpoint, config=gen)
            self.prompt_style = prover.prompt
            self.max_new_tokens = prover.max_new_tokens
            self.conjecture_tokens = conjecture_tokens

        def sample_proofs(self, theorems: list[Theorem], n: int) -> list[list[str]]:
            from prover.prompts import cut_whole_proof

            from .prompts import proof_prompt

            out = []
            for t in theorems:
                texts = self.model.generate(proof_prompt(t, self.prompt_style), n, self.max_new_tokens, beam=False)
                out.append([cut_whole_proof(t, text) for text, _ in texts] if n > 0 else [])
            return out

        def generate(self, prompts: list[str], n: int) -> list[list[str]]:
            return [[t for t, _ in self.model.generate(p, n, self.conjecture_tokens, beam=False)] for p in prompts]

        def embed(self, texts: list[str], max_length: int = 512) -> list[list[float]]:
            """STP's matching embeddings (RL/utils/embedding_utils.py:76-125): the checkpoint's last hidden states,
            mean-pooled over the non-padding tokens."""
            torch = self.model.torch
            tok, model = self.model.tokenizer, self.model.model
            out = []
            with torch.no_grad():
                for text in texts:
                    enc = tok(text, return_tensors="pt", truncation=True, max_length=max_length).to(self.model.device)
                    if self.model.seq2seq:
                        hidden = model.get_encoder()(**enc).last_hidden_state
                    else:
                        hidden = model(**enc, output_hidden_states=True).hidden_states[-1]
                    mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                    pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1)
                    out.append([float(x) for x in pooled[0].float().cpu()])
            return out

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
        cls = _policy_actor_class().options(
            num_gpus=self.settings.generation_gpus, num_cpus=self.settings.generation_cpus
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
