"""Funnel of a conjecturer trained here: of the conjectures a tiny model writes on seeds from held-out files, how many
parse, elaborate in Coq, are not closed by the cheap tactics and are not their seed again (issue 26's target: 30%).

Traced standard-library files give STP's conjecture pairs (conjecturer/pairs.py); the files are split in two, a BPE
tokenizer and a tiny model are trained on the train files' pairs for a bounded number of steps, and the model samples
conjectures for seeds of the held-out files only, once constrained to the statement grammar and once not (same seeds,
same n). Each arm prints one JSON line; the last line is a summary. Per-conjecture rows go to OUT/<arm>.jsonl as they
are checked; a rerun reuses the trace and the trained model in OUT.

    OMP_NUM_THREADS=1 .venv/bin/python benchmarks/conjecturer_quality.py --out /tmp/cq --seeds 40 --samples 4 \
        --steps 500   # add --traced DIR to reuse a `stp data trace` folder
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import random
import subprocess
import sys
import time
from collections import defaultdict
from pathlib import Path

DEFAULT_FILES = ("Coq.Arith.*", "Coq.Lists.*", "Coq.Bool.*", "Coq.PArith.*")
STAGES = ("written", "parsed", "elaborated", "not_cheap", "not_seed_duplicate")


def trace(out: Path, files: list[str], workers: int) -> Path:
    """The traced folder (`stp data trace`), traced once: a rerun finds theorems.jsonl there and skips it."""
    folder = out / "traced"
    if not (folder / "theorems.jsonl").is_file():
        cmd = [str(Path(sys.executable).parent / "stp"), "data", "trace", "--backend", "coq", "--out", str(folder)]
        cmd += [a for f in files for a in ("--files", f)] + ["--workers", str(workers)]
        subprocess.run(cmd, check=True)
    return folder


def split_files(pairs, heldout_share: float, seed: int) -> set[str]:
    """Held-out files, drawn at random until they hold about `heldout_share` of the pairs (a file that would take the
    share past 1.25 times the target is skipped, so one big file does not take the whole held-out part)."""
    per_file: dict[str, int] = defaultdict(int)
    for p in pairs:
        per_file[p.file] += 1
    files = sorted(per_file)
    random.Random(seed).shuffle(files)
    target, held, count = heldout_share * len(pairs), set(), 0
    for f in files:
        if count >= target:
            break
        if count + per_file[f] <= 1.25 * target:
            held.add(f)
            count += per_file[f]
    return held


class FiledPair:
    """A ConjecturePair and its file (ConjecturePair is frozen and has no file)."""

    def __init__(self, pair, file: str):
        self.pair, self.file = pair, file


def train_model(out: Path, examples, args) -> dict:
    """BPE tokenizer + tiny Llama-style model (as `stp pretrain` builds them) trained for `args.steps` steps."""
    from stp_prover.training import SFTSettings, init_model, train_sft
    from stp_prover.training.models import TinyModelConfig, count_parameters
    from stp_prover.training.tokenizer import train_bpe_tokenizer

    model_dir = out / "model"
    report_file = out / "train.json"
    if (model_dir / "config.json").is_file() and report_file.is_file():
        return json.loads(report_file.read_text())
    tok_dir = out / "tokenizer"
    train_bpe_tokenizer((e.prompt + e.completion for e in examples), tok_dir, args.vocab)
    init = init_model(
        out / "init",
        TinyModelConfig(kind="llama", width=args.width, layers=args.layers, heads=args.heads, context=1024),
        tok_dir,
    )
    settings = SFTSettings(
        epochs=1000.0,  # bounded by max_steps below
        batch_size=args.batch,
        learning_rate=args.lr,
        max_length=args.max_length,
        lr_scheduler="constant_with_warmup",
        warmup_steps=20,
        logging_steps=50,
        extra={"max_steps": args.steps},
    )
    report = train_sft(examples, str(init), str(model_dir), settings)
    info = {
        "parameters": count_parameters(init),
        "examples": len(examples),
        "steps": report.steps,
        "first_loss": report.first_loss,
        "last_loss": report.last_loss,
        "seconds": report.seconds,
    }
    report_file.write_text(json.dumps(info))
    return info


def pick_seeds(env, pairs: list[FiledPair], heldout: set[str], n: int, seed: int):
    """n distinct (seed, lemma) prompts of held-out files, drawn at random, keeping only seeds whose own statement
    elaborates under their header (a section's variables, a module's short names do not survive `Require Import`,
    and a conjecture cannot be blamed for that); also how many prompts were passed over for it."""
    from stp_prover.conjecturer.generate import ConjectureInput
    from stp_prover.itp import StatementError

    by_prompt = {}
    for fp in pairs:
        if fp.file in heldout:
            by_prompt.setdefault(fp.pair.prompt(), fp.pair)
    order = sorted(by_prompt)
    random.Random(seed).shuffle(order)
    elaborates: dict[str, bool] = {}
    out, skipped = [], 0
    for key in order:
        if len(out) >= n:
            break
        p = by_prompt[key]
        if p.seed.source not in elaborates:
            try:
                env.start(p.seed)
                elaborates[p.seed.source] = True
            except StatementError:
                elaborates[p.seed.source] = False
        if not elaborates[p.seed.source]:
            skipped += 1
            continue
        out.append(ConjectureInput(p.seed, p.seed_proof, p.lemma, p.lemma_statement, f"cq{len(out)}"))
    return out, skipped


def check(env, inp, text: str) -> dict:
    """How far one generated text gets down the funnel (STAGES), with the reason it stopped."""
    from stp_prover.conjecturer.checks import normalize
    from stp_prover.conjecturer.difficulty import DifficultySettings, cheap_closer
    from stp_prover.conjecturer.generate import parse_conjectures
    from stp_prover.itp import StatementError

    row = {"seed": inp.seed.name, "text": text, "stage": "written", "reason": ""}
    parsed, _ = parse_conjectures(inp, [text])
    if not parsed:
        row["reason"] = "unparsable"
        return row
    c = parsed[0]
    row.update(stage="parsed", statement=c.written)
    t0 = time.monotonic()
    try:
        closer = cheap_closer(env, c.theorem(inp.seed), DifficultySettings())
    except StatementError as e:
        row.update(reason="does_not_elaborate", error=str(e)[:200], seconds=round(time.monotonic() - t0, 2))
        return row
    except Exception as e:  # noqa: BLE001 - a Coq failure on one conjecture is counted, not fatal
        row.update(reason="error", error=f"{type(e).__name__}: {str(e)[:200]}")
        return row
    row["seconds"] = round(time.monotonic() - t0, 2)
    row["stage"] = "elaborated"
    if closer is not None:
        row["reason"] = f"cheap:{closer}"
        return row
    row["stage"] = "not_cheap"
    if normalize(c.statement) == normalize(inp.seed.statement):
        row["reason"] = "seed_duplicate"
        return row
    row["stage"] = "not_seed_duplicate"
    return row


def run_arm(name: str, constrained: bool, service, env, inputs, args, out: Path) -> dict:
    """Generate n conjectures per seed (one engine call) and push each down the funnel; rows written as checked."""
    from stp_prover.conjecturer.generate import ConjectureDecoding

    decoding = ConjectureDecoding(
        max_tokens=args.max_tokens, temperature=args.temperature, seed=args.seed, constrained=constrained
    )
    counts = dict.fromkeys(STAGES, 0)
    reasons: dict[str, int] = defaultdict(int)
    errors, gen_seconds, check_seconds = 0, 0.0, 0.0
    with (out / f"{name}.jsonl").open("w") as f:
        for i, inp in enumerate(inputs):  # one seed per engine call, so that rows reach the file as they are checked
            t0 = time.monotonic()
            # a sampling seed per prompt: one shared seed gives every prompt the same random draws, and a weak model
            # then writes the same conjectures for different seeds
            request = inp.request(args.samples, dataclasses.replace(decoding, seed=args.seed * 100_003 + i))
            completions = service.generate([request])[0]
            gen_seconds += time.monotonic() - t0
            errors += bool(getattr(completions, "error", ""))
            t1 = time.monotonic()
            for comp in completions:
                row = check(env, inp, comp.text)
                row.update(finish=comp.finish_reason, tokens=comp.tokens)
                f.write(json.dumps(row) + "\n")
                f.flush()
                for stage in STAGES[: STAGES.index(row["stage"]) + 1]:
                    counts[stage] += 1
                reasons[row["reason"] or "ok"] += 1
            check_seconds += time.monotonic() - t1
    summary = {
        "arm": name,
        "constrained": constrained,
        "seeds": len(inputs),
        "samples": args.samples,
        **counts,
        "share": round(counts["not_seed_duplicate"] / counts["written"], 4) if counts["written"] else 0.0,
        "reasons": dict(sorted(reasons.items())),
        "request_errors": errors,
        "generate_seconds": round(gen_seconds, 1),
        "check_seconds": round(check_seconds, 1),
    }
    return summary


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", type=Path, required=True, help="folder for the trace, model and results")
    ap.add_argument("--traced", type=Path, help="an existing `stp data trace` folder (default: trace into OUT)")
    ap.add_argument("--files", action="append", help=f"globs to trace (default: {' '.join(DEFAULT_FILES)})")
    ap.add_argument("--trace-workers", type=int, default=1)
    ap.add_argument("--heldout-share", type=float, default=0.15, help="share of the pairs in held-out files")
    ap.add_argument("--seeds", type=int, default=40, help="held-out seed prompts")
    ap.add_argument("--samples", type=int, default=4, help="conjectures per seed and arm")
    ap.add_argument("--steps", type=int, default=500, help="optimiser steps")
    ap.add_argument("--batch", type=int, default=8)
    ap.add_argument("--lr", type=float, default=1e-3)
    ap.add_argument("--max-length", type=int, default=384, help="tokens per training example")
    ap.add_argument("--vocab", type=int, default=600, help="BPE vocabulary (the grammar checks every token each step)")
    ap.add_argument("--width", type=int, default=128)
    ap.add_argument("--layers", type=int, default=2)
    ap.add_argument("--heads", type=int, default=4)
    ap.add_argument("--max-tokens", type=int, default=64)
    ap.add_argument("--temperature", type=float, default=1.0)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--arms", default="unconstrained,constrained")
    ap.add_argument("--seed", type=int, default=0)
    args = ap.parse_args(argv)
    os.environ.setdefault("OMP_NUM_THREADS", str(args.threads))
    arms = {"constrained": True, "unconstrained": False}
    wanted = [a.strip() for a in args.arms.split(",") if a.strip()]
    if not wanted or any(a not in arms for a in wanted):
        ap.error(f"--arms: a comma-separated choice of {', '.join(arms)}")
    if min(args.seeds, args.samples, args.steps) < 1:
        ap.error("--seeds, --samples and --steps must be at least 1")

    import torch

    torch.set_num_threads(args.threads)
    from stp_prover.conjecturer.pairs import PairSettings, conjecture_pairs
    from stp_prover.generation.service import GenerationService
    from stp_prover.generation.settings import EngineSettings
    from stp_prover.itp import make_env
    from stp_prover.selfplay.stage1 import library_theorems
    from stp_prover.training import TrainingExample

    out = args.out
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.monotonic()
    traced = args.traced or trace(out, args.files or list(DEFAULT_FILES), args.trace_workers)
    if not (Path(traced) / "theorems.jsonl").is_file():
        ap.error(f"--traced {traced}: no theorems.jsonl (a folder written by `stp data trace`)")
    theorems = library_theorems(traced, "coq")
    file_of = {t.theorem.source: t.file for t in theorems}
    pairs = [FiledPair(p, file_of.get(p.seed.source, "")) for p in conjecture_pairs(theorems, PairSettings())]
    heldout = split_files(pairs, args.heldout_share, args.seed)
    train = [
        TrainingExample(fp.pair.prompt(), fp.pair.completion(), 1.0, "conjecturer", "stage1")
        for fp in pairs
        if fp.file not in heldout
    ]
    data = {
        "theorems": len(theorems),
        "pairs": len(pairs),
        "train_pairs": len(train),
        "heldout_files": sorted(heldout),
        "heldout_pairs": len(pairs) - len(train),
    }
    (out / "data.json").write_text(json.dumps(data, indent=1))
    print(json.dumps({"data": data}), flush=True)
    info = train_model(out, train, args)
    print(json.dumps({"train": info}), flush=True)

    env = make_env("coq")
    service = None
    summaries = []
    try:
        inputs, skipped = pick_seeds(env, pairs, heldout, args.seeds, args.seed)
        print(json.dumps({"seeds": len(inputs), "seed_prompts_not_elaborating": skipped}), flush=True)
        service = GenerationService.start(
            str(out / "model"), EngineSettings(engine="hf", device="cpu", threads=args.threads, seed=args.seed)
        )
        with (out / "arms.jsonl").open("a") as f:
            for name in wanted:
                s = run_arm(name, arms[name], service, env, inputs, args, out)
                summaries.append(s)
                f.write(json.dumps(s) + "\n")
                print(json.dumps(s), flush=True)
    finally:
        if service is not None:
            service.close()
        env.close()
    shares = ", ".join(f"{s['arm']} {s['not_seed_duplicate']}/{s['written']} = {s['share']:.1%}" for s in summaries)
    print(
        f"conjecturer quality: {len(inputs)} held-out seeds x {args.samples}, model {info['steps']} steps "
        f"(loss {info['first_loss']} -> {info['last_loss']}); final-stage share: {shares}; target 30%; "
        f"{time.monotonic() - t0:.0f} s"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
