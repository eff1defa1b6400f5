"""STP's stage 1: the data the base model is fine-tuned on before self-play (Notebooks/construct_sft.ipynb, trained
by run_SFT.sh), built from a traced library (`stp data trace`, or LeanDojo Benchmark 4 read into the same layout).

* Conjecture examples: for every library theorem T and every library lemma p its proof uses, and every earlier
  theorem E of the same file whose proof uses p too (latest first), the conjecturer is shown p's statement and E
  with its proof, and learns to write T's statement (the notebook's `conjecture_examples` loop).
* Library proofs (the notebook's `train_theorems`, cells 19-20): prompt "Complete the following Lean 4 code:" and an
  opened code block holding the file's text before the theorem, target the theorem's own text (statement and
  proof); the trainer appends EOS. Without the source (goal-rebuilt statements) the header stands for the file's
  text and the statement with the traced tactics for the theorem's. The final model is mixed with these too
  (run_RL_train.sh --sft_dataset).
* Optimisation (run_SFT.sh, levanter/config/sft.yaml): 115 steps of 2048 sequences, lr 1e-4 after 20 warm-up
  steps and constant (min_lr_ratio 1.0); the self-play base is that run's last step (run_RL_steps.sh:25,
  `step-114`)."""

from __future__ import annotations

import dataclasses
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

from stp_prover.conjecturer.pairs import PairSettings, conjecture_pairs
from stp_prover.data.leandojo import SOURCE_ROOT, source_lines, source_text
from stp_prover.data.traced import traced_training_theorems
from stp_prover.itp import Theorem
from stp_prover.itp.dialect import dialect
from stp_prover.training import SFTSettings, TrainingExample

from .prompts import conjecture_seed, proof_prompt, proof_target


@dataclass(frozen=True)
class LibraryTheorem:
    theorem: Theorem
    proof: str
    premises: frozenset[str]  # library theorems (full names) its proof uses
    file: str
    line: int
    context: str = ""  # the file's text before the theorem, where the traced repository's source is known
    text: str = ""  # the theorem's source text (statement and proof), likewise


# STP's stage-1 run (levanter/config/sft.yaml:16-17,26,31-32): a fixed number of optimiser steps of this many sequences.
STP_STAGE1_STEPS = 115
STP_STAGE1_BATCH = 2048


def source_root(folder: str | Path) -> Optional[Path]:
    """The traced repository's checkout an import recorded (`stp data import-leandojo --repo`), if any."""
    path = Path(folder) / SOURCE_ROOT
    repo = json.loads(path.read_text()).get("repo") if path.is_file() else None
    return Path(repo) if repo and Path(repo).is_dir() else None


def library_theorems(folder: str | Path, system: str) -> list[LibraryTheorem]:
    """Traced theorems with a proof, in file order; premises restricted to traced theorems (STP's theorem_dict);
    with the file's preceding text and the theorem's own where the repository's source is at hand."""
    records = list(traced_training_theorems(folder, system))
    known = {rec["full_name"] for rec, _ in records}
    d = dialect(system)
    repo = source_root(folder)
    files: dict = {}
    out = []
    for rec, theorem in records:
        used = {p for t in rec["traced_tactics"] for p in t.get("premises", []) if p in known and p != rec["full_name"]}
        proof = d.proof_from_tactics([t["tactic"] for t in rec["traced_tactics"]])
        start, end = int(rec.get("start", 0)), int(rec.get("end", 0))
        lines = source_lines(repo, rec["file_path"], files) if rec.get("statement_from") == "source" else None
        context, text = ("", "")
        if lines is not None:  # STP's prompt holds the whole file before the theorem (construct_sft.ipynb cell 19)
            context, text = "".join(lines[: max(start, 1) - 1]), source_text(lines, start, end)
        out.append(LibraryTheorem(theorem, proof, frozenset(used), rec["file_path"], start, context, text))
    out.sort(key=lambda x: (x.file, x.line))
    return out


def conjecture_examples(
    theorems: list[LibraryTheorem],
    limit: Optional[int] = None,
    settings: Optional[PairSettings] = None,
    fixed_header: Optional[str] = None,
) -> list[TrainingExample]:
    """STP's conjecturer examples from the library (conjecturer/pairs.py): (lemma p, easy theorem E with its proof) ->
    hard theorem T for E before T in one file sharing p, and without a lemma (STP's no-lemma text) for T's
    neighbours; the prompt is the one generation uses, byte for byte (with `prover.prompt_header`, STP's fixed
    header in place of the seed's: RL_step2_train.py:67)."""
    pairs = conjecture_pairs(theorems, settings or PairSettings())
    if fixed_header is not None:
        pairs = [dataclasses.replace(p, seed=conjecture_seed(p.seed, fixed_header)) for p in pairs]
    out = [TrainingExample(p.prompt(), p.completion(), 1.0, "conjecturer", "stage1") for p in pairs]
    return out[:limit] if limit is not None else out


def stp_library_example(t: LibraryTheorem) -> TrainingExample:
    """STP's stage-1 prover example (construct_sft.ipynb cells 19-20): the file so far in an opened code block ->
    the theorem as written. Without the source: the header and the statement followed by the traced tactics."""
    d = dialect(t.theorem.system)
    context = t.context if t.text else t.theorem.header
    target = t.text if t.text else f"{t.theorem.statement.strip()}\n{t.proof.strip(chr(10))}"
    prompt = f"Complete the following {d.language} code:\n\n```{d.fence}\n{context}"
    return TrainingExample(prompt, target.rstrip(), 1.0, "prover", "library")


def library_proof_examples(
    theorems: list[LibraryTheorem], style: str, limit: Optional[int] = None
) -> list[TrainingExample]:
    """Library proofs in the run's prompt style: STP's stage-1 format for "stp", else statement -> proof."""
    if style == "stp":
        out = [stp_library_example(t) for t in theorems]
    else:
        out = [
            TrainingExample(proof_prompt(t.theorem, style), proof_target(t.proof, style), 1.0, "prover", "library")
            for t in theorems
        ]
    return out[:limit] if limit is not None else out


def stage1_sft_settings(
    sft: SFTSettings,
    learning_rate: float,
    warmup_steps: int,
    epochs: Optional[float] = None,
    steps: Optional[int] = STP_STAGE1_STEPS,
) -> SFTSettings:
    """The run's SFT settings for stage 1: its lr and warm-up, and exactly `steps` optimiser steps (STP's 115,
    cycling through the data; None: whole epochs as `epochs` says). The batch is the run's (2048 sequences in STP's
    configuration: sft.batch_size x gradient_accumulation_steps)."""
    out = dataclasses.replace(
        sft,
        learning_rate=learning_rate,
        warmup_steps=warmup_steps,
        epochs=epochs if epochs is not None else sft.epochs,
    )
    if steps is None:
        return out
    # min_steps > 0 plans max(n x epochs // batch, min_steps) steps; `max_steps` in extra then fixes the count.
    return dataclasses.replace(out, min_steps=steps, extra={**out.extra, "max_steps": steps})
