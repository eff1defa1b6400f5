"""The base model the platform builds itself: a BPE tokenizer and a small causal LM trained on traced proofs, in the
three formats the loop uses: statements (what the conjecturer writes), state -> tactic with premises (ReProver's
input) and statement -> whole proof (the whole-proof prompt). Every step writes into `out` and is skipped once done,
so a killed run resumes. The prompt formats are the prover's and are given by the caller (PromptFormats): training
does not know them."""

from __future__ import annotations

import json
import random
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Callable, Optional, Sequence

from stp_prover.data.traced import traced_training_theorems, training_part
from stp_prover.itp import Theorem
from stp_prover.itp.dialect import dialect
from stp_prover.settings import ConfigError

from .examples import TrainingExample, read_examples, write_examples
from .models import TinyModelConfig, count_parameters, init_model
from .sft import SFTSettings, train_sft
from .tokenizer import train_bpe_tokenizer

KINDS = ("statements", "tactics", "proofs")


@dataclass(frozen=True)
class PromptFormats:
    """How the examples are written: the prover's prompt formats (stp_prover.prover.prompts), passed in."""

    whole_proof: Callable[[Theorem], str]  # a statement's whole-proof prompt
    proof_completion: Callable[[str], str]  # a proof as the completion that prompt expects
    tactic: Callable[[str, Sequence[str]], str]  # a proof state and premise statements as a tactic prompt


@dataclass
class PretrainData:
    kinds: list[str] = field(default_factory=lambda: list(KINDS))  # statements, tactics, proofs
    premises_k: int = 2  # premises shown before a state (the ones the traced tactic used, best first)
    max_per_kind: Optional[int] = None  # a random subset per kind, for budgets and smoke runs
    max_state_chars: int = 1500  # states longer than this are left out (their prompt would be cut anyway)


@dataclass
class PretrainConfig:
    """`stp pretrain`: traced data, a BPE tokenizer trained on it, and a base model trained from scratch."""

    traced: str = "runs/traced-coq"  # `stp data trace` output; only its train part is read
    system: str = "coq"  # the proof assistant of the traced data
    out: str = "runs/pretrain-coq"  # examples, tokenizer, initial model and checkpoint (a rerun resumes here)
    vocab_size: int = 8000  # BPE tokens, at least 300
    seed: int = 0
    data: PretrainData = field(default_factory=PretrainData)
    # The model, built around the trained tokenizer (training/models.py; Llama-style by default).
    model: TinyModelConfig = field(
        default_factory=lambda: TinyModelConfig(
            kind="llama", width=256, layers=6, heads=8, intermediate=704, context=1024
        )
    )
    train: SFTSettings = field(  # the optimisation (training/sft.py)
        default_factory=lambda: SFTSettings(
            epochs=1.0, batch_size=16, learning_rate=1e-3, max_length=512, warmup_steps=20, lr_scheduler="cosine"
        )
    )

    def validate(self) -> None:
        unknown = sorted(set(self.data.kinds) - set(KINDS))
        if unknown or not self.data.kinds:
            raise ConfigError(f"data.kinds: {unknown or 'empty'}; choose from {', '.join(KINDS)}")
        if self.vocab_size < 300:
            raise ConfigError("vocab_size must be at least 300 (the byte alphabet and the special tokens)")
        try:
            self.model.validate()
        except ValueError as exc:
            raise ConfigError(f"model.{exc}") from None
        if not (Path(self.traced) / "corpus.jsonl").is_file():
            raise ConfigError(f"traced: {self.traced} holds no traced data; run `stp data trace --out {self.traced}`")


@dataclass
class PretrainReport:
    checkpoint: str
    parameters: int
    examples: dict[str, int]
    tokens_seen: int
    steps: int
    first_loss: Optional[float]
    last_loss: Optional[float]
    seconds: float
    loss_plot: Optional[str] = None

    def to_dict(self) -> dict:
        return asdict(self)


def pretrain_examples(config: PretrainConfig, formats: PromptFormats) -> dict[str, list[TrainingExample]]:
    """The three kinds of training text from the train part of the traced data (never its test theorems)."""
    rng = random.Random(config.seed)
    records, statements = training_part(Path(config.traced))
    d = dialect(config.system)
    out: dict[str, list[TrainingExample]] = {k: [] for k in config.data.kinds}
    for rec, theorem in traced_training_theorems(config.traced, config.system):
        if "statements" in out:
            context = Theorem(theorem.name, theorem.system, theorem.header, "")
            out["statements"].append(
                TrainingExample(
                    formats.whole_proof(context),
                    theorem.statement.strip() + "\n",
                    1.0,
                    "conjecturer",
                    "pretrain/statement",
                )
            )
        if "proofs" in out:
            proof = d.proof_from_tactics([t["tactic"] for t in rec["traced_tactics"]])
            out["proofs"].append(
                TrainingExample(
                    formats.whole_proof(theorem), formats.proof_completion(proof), 1.0, "prover", "pretrain/proof"
                )
            )
    if "tactics" in out:
        for rec in records:
            for tac in rec.get("traced_tactics", []):
                state = tac["state_before"]
                if len(state) > config.data.max_state_chars:
                    continue
                shown = [statements[p] for p in tac.get("premises", []) if p in statements][: config.data.premises_k]
                out["tactics"].append(
                    TrainingExample(
                        formats.tactic(state, shown), tac["tactic"].strip() + "\n", 1.0, "tactic", "pretrain/tactic"
                    )
                )
    cap = config.data.max_per_kind
    for kind, examples in out.items():
        rng.shuffle(examples)
        if cap is not None:
            del examples[cap:]
    return out


def run_pretrain(
    config: PretrainConfig, formats: PromptFormats, say: Callable[[str], None] = print
) -> PretrainReport:
    """Examples -> tokenizer -> initial model -> training; each step reused when its output is already there."""
    t0 = time.monotonic()
    out = Path(config.out)
    out.mkdir(parents=True, exist_ok=True)
    examples_file = out / "examples.jsonl"
    if not examples_file.is_file():
        by_kind = pretrain_examples(config, formats)
        write_examples(examples_file, [e for kind in config.data.kinds for e in by_kind[kind]])
        (out / "examples.json").write_text(json.dumps({k: len(v) for k, v in by_kind.items()}))
    counts = json.loads((out / "examples.json").read_text())
    examples = list(read_examples(examples_file))
    say(f"pretrain: {len(examples)} examples ({', '.join(f'{n} {k}' for k, n in counts.items())})")
    tok_dir = out / "tokenizer"
    if not (tok_dir / "tokenizer.json").is_file():
        say(f"pretrain: training a BPE tokenizer ({config.vocab_size} tokens)")
        train_bpe_tokenizer((e.prompt + e.completion for e in examples), tok_dir, config.vocab_size)
    init = out / "init"
    if not (init / "config.json").is_file():
        init_model(init, config.model, tok_dir)
    parameters = count_parameters(init)
    say(f"pretrain: model with {parameters / 1e6:.1f}M parameters")
    checkpoint = out / "checkpoint"
    report = train_sft(examples, str(init), str(checkpoint), config.train)
    accumulation = int(config.train.extra.get("gradient_accumulation_steps", 1))
    seen = report.steps * config.train.batch_size * accumulation  # batch_size counts every worker's examples
    tokens = _mean_tokens(examples, tok_dir, config.train.max_length) * seen
    result = PretrainReport(
        checkpoint=report.checkpoint,
        parameters=parameters,
        examples=counts,
        tokens_seen=int(tokens),
        steps=report.steps,
        first_loss=report.first_loss,
        last_loss=report.last_loss,
        seconds=round(time.monotonic() - t0, 1),
        loss_plot=_loss_plot(report, out / "loss.png"),
    )
    (out / "pretrain.json").write_text(json.dumps(result.to_dict(), indent=1))
    return result


def _mean_tokens(examples: list[TrainingExample], tok_dir: Path, max_length: int, sample: int = 2000) -> float:
    """Mean tokens per training example (prompt and completion, cut at max_length), over a fixed sample."""
    from transformers import AutoTokenizer

    tok = AutoTokenizer.from_pretrained(tok_dir)
    chosen = random.Random(0).sample(examples, min(sample, len(examples)))
    lengths = [min(max_length, len(tok(e.prompt + e.completion)["input_ids"])) for e in chosen]
    return sum(lengths) / max(1, len(lengths))


def _loss_plot(report, path: Path) -> Optional[str]:
    history = report.loss_curve
    if not history:
        return None
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    steps, losses = zip(*history)
    fig, ax = plt.subplots(figsize=(6, 3.5))
    ax.plot(steps, losses)
    ax.set_xlabel("optimiser step")
    ax.set_ylabel("training loss")
    ax.set_title("stp pretrain")
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
    return str(path)
