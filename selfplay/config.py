"""The self-play run's configuration: one typed tree, read from YAML, every threshold of STP in one place."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Optional

from stp_prover import settings
from stp_prover.conjecturer import CheckSettings, SelectionSettings
from stp_prover.generation import EngineSettings
from stp_prover.itp import ItpSettings
from stp_prover.settings import ConfigError
from stp_prover.training import ModelSettings, SFTSettings, check_training_layout

# `mode`, `selection.matching`, `selection.embedder` and `targets.schedule` name rules registered in `.rules`.
from .rules import EMBEDDERS, MATCHINGS, MODES, SCHEDULES, schedule_of

PROMPTS = ("stp", "ours")
LEMMA_POOLS = ("library", "premises")


def stp_sft_settings() -> SFTSettings:
    """STP's per-round optimisation (RL/utils/RL_utils.py:641-682, levanter/config/RL_base.yaml, run_RL_steps.sh):
    lr 5e-5 constant after min(steps - 1, 5) warm-up steps, Adam beta2 0.95 and epsilon 1e-5, no weight decay, the
    loss weighted per token, max(examples // batch, 5) steps of a 2048-sequence batch (batch_size x
    gradient_accumulation_steps in `extra`), one epoch; each round continues from the previous checkpoint."""
    return SFTSettings(
        epochs=1.0,
        learning_rate=5e-5,
        lr_scheduler="constant_with_warmup",
        warmup_steps=5,
        adam_beta2=0.95,
        adam_epsilon=1e-5,
        weight_decay=0.0,
        token_weighted_loss=True,
        min_steps=5,
    )


@dataclass
class TargetSettings:
    """The statements self-play proves: one benchmark split (the keys below), or `sources`, a weighted mix as STP's
    dataset configs list it (RL/dataset_configs/*.json, read by RL/utils/RL_utils.py:710-726)."""

    @dataclass
    class Source:
        """One entry of STP's dataset config: a statement set and its `weight`."""

        benchmark: str = "miniF2F"  # a registered benchmark, or "LeanWorkbook" (read from `path`)
        split: str = "valid"
        path: Optional[str] = None  # Lean Workbook: the downloaded lean_workbook.json (or .jsonl)
        # STP's `weight`: each of its targets' conjecture inputs is repeated this many times and it is matched to
        # this many conjectures (RL_utils.py:414, 627); the number of targets (N, which sizes every cap) counts
        # each statement once.
        weight: int = 1
        limit: Optional[int] = None
        names: Optional[list[str]] = None
        status: Optional[list[str]] = None  # Lean Workbook: keep records with these `status` values (None: all)

    benchmark: str = "miniF2F"
    split: str = "valid"
    limit: Optional[int] = None
    names: Optional[list[str]] = None
    data_dir: Optional[str] = None
    traced: Optional[str] = None  # a traced-data folder (`stp data trace`): its theorems become targets too
    trace: list[str] = field(default_factory=list)  # or: library files to trace into the run folder first (globs)
    traced_limit: int = 0
    # STP's dataset-config `weight` (RL/dataset_configs/*.json): how many times each target's conjecture inputs are
    # repeated and how many conjectures it is matched to (RL_utils.py:414, 627). 1 for Lean Workbook, 3200 for the
    # miniF2F + ProofNet configuration. The weight of the single source the keys above describe.
    matching_weight: int = 1
    # Several statement sets with their own weights (mappings with the keys of TargetSettings.Source); when given,
    # benchmark/split/limit/names/matching_weight above are not used. STP's mix (leanworkbook_miniF2F_proofnet.json):
    # Lean Workbook weight 1, miniF2F valid 256, ProofNet valid 256.
    sources: list = field(default_factory=list)
    # Which targets each round samples (selfplay/rules/schedules.py): "stp" (the unsolved ones, and solved ones
    # again at a low pass rate), "unsolved", or a registered plug-in; None: the mode's own.
    schedule: Optional[str] = None

    def __post_init__(self) -> None:
        # The YAML loader builds nested dataclasses but not lists of them: each entry is made a Source here.
        from dataclasses import fields

        known = {f.name for f in fields(TargetSettings.Source)}
        built = []
        for i, src in enumerate(self.sources or []):
            if isinstance(src, TargetSettings.Source):
                built.append(src)
                continue
            if not isinstance(src, dict):
                raise ConfigError(f"targets.sources[{i}]: expected a mapping, got {type(src).__name__}")
            unknown = sorted(set(src) - known)
            if unknown:
                raise ConfigError(
                    f"targets.sources[{i}]: unknown key(s) {', '.join(unknown)}; known: {', '.join(sorted(known))}"
                )
            built.append(TargetSettings.Source(**src))
        for i, src in enumerate(built):
            if not isinstance(src.weight, int) or src.weight < 1:
                raise ConfigError(f"targets.sources[{i}].weight: must be a positive integer, got {src.weight!r}")
        self.sources = built

    def source_list(self) -> list["TargetSettings.Source"]:
        """The sources a run loads: `sources`, else the one benchmark split the other keys name."""
        if self.sources:
            return list(self.sources)
        return [TargetSettings.Source(self.benchmark, self.split, None, self.matching_weight, self.limit, self.names)]


@dataclass
class HeldOutSettings:
    benchmark: str = "miniF2F"
    split: str = "test"
    limit: Optional[int] = None
    names: Optional[list[str]] = None
    samples: int = 32  # model-only samples per theorem: the number that says whether the model learned
    # Our addition: > 0 also runs best-first search on every held-out statement, this many seconds each, with the
    # mixture tactic policy (the round's model, the memory, the portfolio), and once with the portfolio alone before
    # round 0 (the baseline at the same budget). The memory is read, never taught, here: no held-out proof leaks
    # into a later round.
    search_budget: float = 0.0
    search_workers: int = 2


@dataclass
class ProverSettings:
    # STP: 64 samples per statement in round 0, 32 after (run_RL_steps.sh:46-51); expert iteration 64 every round
    # (run_RL_expert_iter.sh:50).
    samples: int = 32
    samples_round0: int = 64
    samples_expert_iteration: int = 64
    portfolio_samples: int = 0  # our addition: whole proofs from the built-in automation mixed into the samples
    chunk: int = 8  # statements per generation request (generation of the next chunk overlaps verification)
    # The streaming round (selfplay/sampling.py): chunks queued per policy actor, and chunks verified at once (each
    # verification call spreads over every verifier actor; two keep them fed while the driver logs the last one).
    generation_in_flight: int = 2
    verify_in_flight: int = 2
    max_new_tokens: int = 1024  # MAX_LENGTH (RL_step1_generate.py:18)
    temperature: float = 1.0  # run_RL_steps.sh:69
    top_p: float = 1.0  # RL/utils/model_utils.py:125
    verify_timeout: float = 200.0  # DEFAULT_TIMEOUT (RL/utils/prover/lean/verifier.py:31)
    # "stp": STP's prover prompt byte for byte (header + stripped statement, no newline after it; model_utils.py:40-43)
    # and EOS-terminated targets without a closing fence (RL_step2_train.py:26-32). "ours": our whole-proof prompt
    # (a newline after the statement) and targets closed by the code fence.
    prompt: str = "stp"
    # STP's prompt for a record without a header of its own (its Lean Workbook and miniF2F files have none,
    # RL/utils/RL_utils.py:723): its fixed PROVER_PROMPT header, a blank line, the statement (model_utils.py:22, 43;
    # RL_step2_train.py:30; RL_step3_final_model.py:33). Set: that header replaces every statement's own in the
    # prover's prompts (sampling, training, the final model); verification keeps the statement's header. None: the
    # statement's header (STP's branch for records with one, model_utils.py:40-41). The Lean run config sets STP's
    # header text; no default here, since this layer does not know the proof assistant.
    prompt_header: Optional[str] = None
    # STP's token budget: prompt and completion share one context of 1,024 tokens (vLLM max_model_len=1024,
    # model_utils.py:80; prompts cut from the left to prompt_length=1024, RL_utils.py:27, 45, model_utils.py:55-63,
    # 74; max_tokens=MAX_LENGTH=1024, RL_step1_generate.py:18, RL_utils.py:47), so a proof or conjecture gets
    # token_budget minus its prompt's tokens (at most max_new_tokens). None: the prompt up to
    # engine.max_input_tokens and max_new_tokens on top (our old budget, 2,048 + 1,024).
    token_budget: Optional[int] = 1024
    # The generation engine of the policy actors: hf (default) or vllm, and its settings (generation/settings.py).
    engine: EngineSettings = field(default_factory=EngineSettings)


@dataclass
class ConjecturerSettings:
    # STP (RL/utils/RL_utils.py:383-454): seeds are original statements with best pass rate > 0.35; every premise a
    # seed's verified proof invokes is an input, "no lemma" one more with p = 0.5; each lemma (and "no lemma") serves
    # at most lemma_cap x N inputs (N = number of targets); at most N inputs; max(multiplier, min(3N / inputs, 8))
    # conjectures per input; after deduplication at most N conjectures.
    seed_min_pass_rate: float = 0.35  # exclusive
    no_lemma_probability: float = 0.5
    lemma_cap: float = 0.1
    multiplier: int = 1  # --conjecture_multiplier
    max_per_input: int = 8
    max_new_tokens: int = 1024  # STP samples conjectures with the prover's MAX_LENGTH
    # ours: every sample inside the dialect's statement grammar (conjecturer/grammar.py; vLLM's structured outputs, a
    # grammar-masking decoder on hf), so each one parses; STP samples unconstrained (false: STP's)
    constrained: bool = True
    # ours: mutations kept only inside a deterministic prover's difficulty window (not closed by the cheap tactics, proved
    # by a bounded search: conjecturer/difficulty.py), the stand-in for STP's 0 < pass rate < 0.25 on what no model
    # samples; the search's budget in seconds
    mutation_window: bool = True
    mutation_window_seconds: float = 10.0
    # The lemmas a conjecture input may name (RL_utils.py:334-336, 402, 415). "library": STP's theorem_dict, every
    # traced library theorem (Notebooks/construct_sft.ipynb, the theorem_dict cell), keyed by full name, its source
    # text up to `:=`; a premise outside it is skipped. "premises": ours before, every premise a verified target
    # proof invokes, as the proof assistant prints it. A run without a traced library (stage1.traced,
    # targets.traced or targets.trace) has no library pool and uses the premises.
    lemma_pool: str = "library"
    # Our additions, off by default (see the README): a cap on the number of seed statements; checking each
    # conjecture in the proof assistant before it is sampled (elaborates, hypotheses not contradictory, no single
    # cheap tactic closes it; STP sends every conjecture straight to the prover); textual mutations of the seeds.
    max_seeds: Optional[int] = None
    checks_enabled: bool = False
    checks: CheckSettings = field(default_factory=CheckSettings)
    check_workers: int = 2  # proof environments the conjecture checks and refutations run on in parallel
    mutations_per_seed: int = 0  # textual variants per seed (hypothesis dropped, constant moved)
    # The disprove channel: false variants of each seed (written by the model, and by mutation), kept only when the
    # proof assistant proves their negation at a witness; both roles train on them.
    disprove_per_seed: int = 0
    disprove_mutations_per_seed: int = 0


@dataclass
class TrainDataSettings:
    # STP's per-round prover data (RL_step2_train.py:134-155): every verified proof (targets and all conjectures) of
    # the last `window_rounds` rounds whose statement's pass rate over them is <= max_pass_rate, weight
    # exp(-length_coef len - time_coef verify_seconds) / the statement's number of verified proofs.
    max_pass_rate: float = 0.5  # inclusive
    window_rounds: int = 3  # RL_step1_generate.py:107 (round >= r - 2)
    length_coef: float = 0.001
    time_coef: float = 0.01
    traced_examples: int = 0  # traced whole proofs added to round 0's data
    extra_examples: list[str] = field(default_factory=list)  # training JSONL files added to round 0 (e.g. the
    # counterexample and NL-FL records of `stp data export`: the disprove channel and commented proofs)
    conjecturer: bool = True  # train the conjecturer role on the selected conjectures
    # The final model (RL_step3_final_model.py, run_RL_train.sh): re-trained from the base model on target proofs at
    # any pass rate and conjecture proofs at <= final_max_pass_rate (per round), at most final_max_proofs random
    # proofs per statement, weight exp(-length_coef len), mixed with the library proofs of stage 1; lr 1e-4, at
    # least 10 steps.
    final_max_pass_rate: float = 0.25
    final_max_proofs: int = 16
    final_library: bool = True
    final_learning_rate: float = 1e-4
    final_min_steps: int = 10


@dataclass
class Stage1Settings:
    """STP's stage 1 (Notebooks/construct_sft.ipynb, run_SFT.sh): before self-play the base model is fine-tuned on
    conjecture examples in the tag format (a library theorem, a lemma its proof uses, an earlier theorem of the same
    file whose proof uses the lemma too) and on the library's proofs; self-play starts from that checkpoint."""

    enabled: bool = True
    traced: Optional[str] = None  # a traced-data folder; default: the targets' traced folder
    limit: Optional[int] = None  # at most this many examples of each kind
    conjectures: bool = True
    library_proofs: bool = True
    learning_rate: float = 1e-4  # levanter/config/sft.yaml
    warmup_steps: int = 20
    epochs: Optional[float] = None  # None: the run's sft.epochs
    # optimiser steps, cycling through the data (STP's 115 of 2048 sequences, levanter/config/sft.yaml); null: epochs
    steps: Optional[int] = 115


@dataclass
class MemorySettings:
    """Our addition, Tactician-style: a (proof state -> tactic) memory in the run folder (memory.jsonl), seeded from
    traced data and taught every round's verified proofs (targets and conjectures) the moment the round's sampling
    ends; the held-out search consults it."""

    enabled: bool = False
    seed_from: Optional[str] = None  # a traced-data folder whose train part seeds a new memory
    seed_limit: Optional[int] = None


@dataclass
class SearchOrderSettings:
    """Our addition: the learned search order (search/order.py) in the run folder (order.json), taught every round's
    verified proofs (replayed step by step) and a short best-first search on targets sampling left unproved; the
    held-out search ranks its candidates with a copy of it (`prove --order RUN/order.json` does the same)."""

    enabled: bool = True
    search_budget: float = 5.0  # seconds of best-first search per unproved target (0: replays only)
    search_limit: int = 16  # unproved targets searched per round, in target order


@dataclass
class RaySettings:
    address: Optional[str] = None  # None: a local Ray on this machine; "auto" or "host:port": a cluster
    num_cpus: Optional[int] = None  # local Ray only
    verifiers: int = 1
    cpus_per_verifier: float = 1.0
    verifier_workers: int = 2  # proof-assistant processes per verifier actor
    generation_actors: int = 1  # policy actors (model replicas) sampling in parallel
    generation_gpus: float = 0.0  # per generation actor
    generation_cpus: float = 0.5
    training_gpus: float = 0.0
    training_cpus: float = 1.0
    # Local Ray only: logical GPUs this machine declares (None: the ones Ray detects). On a CPU machine a number > 0
    # lays the round out as on a GPU node (placement only: nothing uses CUDA); the rehearsal config sets 8.
    num_gpus: Optional[int] = None
    # Environment variables of every actor and task (e.g. VLLM_CPU_KVCACHE_SPACE); thread counts are set per actor.
    env_vars: dict[str, str] = field(default_factory=dict)
    # Worker logs (actors, training ranks' launcher) printed by the driver, as Ray's log monitor forwards them.
    log_to_driver: bool = True
    # Every wait on the cluster is bounded; on expiry the run stops with an error naming the setting.
    start_timeout_s: float = 1800.0  # a policy actor loading its model, a placement group being reserved
    call_timeout_s: float = 3600.0  # one generation chunk, one verification chunk, one embedding call, a shutdown
    training_timeout_s: float = 86400.0  # one training run


@dataclass
class SelfPlayConfig:
    run_dir: str = "runs/selfplay"
    backend: str = "coq"
    mode: str = "selfplay"
    rounds: int = 2
    seed: int = 0
    final_retrain: bool = True
    model: ModelSettings = field(default_factory=ModelSettings)
    targets: TargetSettings = field(default_factory=TargetSettings)
    heldout: HeldOutSettings = field(default_factory=HeldOutSettings)
    prover: ProverSettings = field(default_factory=ProverSettings)
    conjecturer: ConjecturerSettings = field(default_factory=ConjecturerSettings)
    selection: SelectionSettings = field(default_factory=SelectionSettings)
    training: TrainDataSettings = field(default_factory=TrainDataSettings)
    sft: SFTSettings = field(default_factory=lambda: stp_sft_settings())
    stage1: Stage1Settings = field(default_factory=Stage1Settings)
    memory: MemorySettings = field(default_factory=MemorySettings)
    order: SearchOrderSettings = field(default_factory=SearchOrderSettings)
    ray: RaySettings = field(default_factory=RaySettings)
    itp: ItpSettings = field(default_factory=ItpSettings)  # tactic/check timeouts, memory, recycling (all backends)

    def validate(self) -> None:
        try:
            self.itp.validate()
        except ValueError as exc:
            raise ConfigError(f"itp.{exc}") from None
        if self.prover.prompt not in PROMPTS:
            raise ConfigError(f"prover.prompt: {self.prover.prompt!r} is not one of {', '.join(PROMPTS)}")
        for key, name, registry in (
            ("selection.matching", self.selection.matching, MATCHINGS),
            ("selection.embedder", self.selection.embedder, EMBEDDERS),
            ("mode", self.mode, MODES),
        ):
            if name not in registry:
                raise ConfigError(f"{key}: {name!r} is not one of {', '.join(registry)}")
        if schedule_of(self) not in SCHEDULES:
            given = "" if self.targets.schedule else f" (mode {self.mode}'s)"
            raise ConfigError(f"targets.schedule: {schedule_of(self)!r}{given} is not one of {', '.join(SCHEDULES)}")
        if self.rounds < 1:
            raise ConfigError("rounds: must be at least 1")
        self.model.validate()
        try:
            self.prover.engine.validate()
        except ValueError as exc:
            raise ConfigError(f"prover.engine.{exc}") from None
        if self.conjecturer.lemma_pool not in LEMMA_POOLS:
            raise ConfigError(
                f"conjecturer.lemma_pool: {self.conjecturer.lemma_pool!r} is not one of {', '.join(LEMMA_POOLS)}"
            )
        if self.prover.token_budget is not None and self.prover.token_budget < 2:
            raise ConfigError("prover.token_budget: must be at least 2 (a prompt token and a generated one), or null")
        if self.prover.samples < 1 or self.prover.samples_round0 < 1:
            raise ConfigError("prover.samples and prover.samples_round0 must be positive")
        if self.heldout.search_budget < 0 or self.heldout.search_workers < 1:
            raise ConfigError("heldout.search_budget must be >= 0 and heldout.search_workers positive")
        if self.conjecturer.mutation_window and self.conjecturer.mutation_window_seconds <= 0:
            raise ConfigError("conjecturer.mutation_window_seconds: must be positive")
        if self.order.search_budget < 0 or self.order.search_limit < 0:
            raise ConfigError("order.search_budget and order.search_limit must be >= 0")
        seed = self.memory.seed_from
        if self.memory.enabled and seed and not (Path(seed) / "corpus.jsonl").is_file():
            raise ConfigError(f"memory.seed_from: {seed} holds no traced data (`stp data trace --out {seed}`)")
        missing = [p for p in self.training.extra_examples if not Path(p).exists()]
        if missing:
            raise ConfigError(f"training.extra_examples: no file {', '.join(missing)}")
        try:
            self.sft.validate()
        except ValueError as exc:
            raise ConfigError(str(exc)) from None
        self.validate_layout()

    def validate_layout(self) -> None:
        """The Ray layout agrees with the engine and the training: tensor parallelism uses the GPUs of one
        generation actor, and on GPUs training runs one process per GPU it reserves."""
        ray_, engine = self.ray, self.prover.engine
        for key in ("start_timeout_s", "call_timeout_s", "training_timeout_s"):
            if getattr(ray_, key) <= 0:
                raise ConfigError(f"ray.{key} must be positive")
        if ray_.num_gpus is not None and ray_.num_gpus < 0:
            raise ConfigError("ray.num_gpus must be >= 0")
        if ray_.training_cpus <= 0:
            raise ConfigError("ray.training_cpus must be positive (the training placement group reserves them)")
        if engine.engine == "vllm" and ray_.generation_gpus > 0 and engine.tensor_parallel_size != ray_.generation_gpus:
            raise ConfigError(
                f"prover.engine.tensor_parallel_size ({engine.tensor_parallel_size}) shards the model over the GPUs "
                f"of one generation actor: set it equal to ray.generation_gpus ({ray_.generation_gpus:g})"
            )
        if engine.tensor_parallel_size > 1 and ray_.generation_gpus == 0:
            raise ConfigError(
                f"prover.engine.tensor_parallel_size is {engine.tensor_parallel_size} but ray.generation_gpus is 0: "
                "tensor parallelism needs that many GPUs per generation actor"
            )
        try:  # training's rule: one process per GPU (training/layout.py)
            check_training_layout(ray_.training_gpus, self.sft.workers)
        except ValueError as exc:
            raise ConfigError(f"ray.training_gpus / sft.workers: {exc}") from None


def load_config(path: str | Path, overrides: Optional[dict] = None) -> SelfPlayConfig:
    """A self-play configuration from YAML, `overrides` (nested keys) applied, validated; ConfigError names a key."""
    return settings.load_config(path, overrides, cls=SelfPlayConfig)
