"""One-GPU check: real bf16 training steps of a causal LM of at least 100M parameters built from a config (no
download), and generation throughput with the Hugging Face engine, printed as tokens per second.

    .venv/bin/python benchmarks/gpu_check.py                 # on a machine with a CUDA GPU
    .venv/bin/python benchmarks/gpu_check.py --device cpu --layers 2 --hidden 128 --steps 2   # a smoke run

The GPU machines we can use have no vLLM (its wheel is too large to bring there), so generation here is the
Hugging Face engine; the vLLM engine is a thin layer over `vllm.LLM.generate` that this script does not exercise.
"""

from __future__ import annotations

import argparse
import json
import sys
import time


def build(args, torch):
    from transformers import LlamaConfig, LlamaForCausalLM

    config = LlamaConfig(
        vocab_size=args.vocab,
        hidden_size=args.hidden,
        intermediate_size=args.hidden * 4,
        num_hidden_layers=args.layers,
        num_attention_heads=max(1, args.hidden // 64),
        num_key_value_heads=max(1, args.hidden // 64),
        max_position_embeddings=args.seq * 2,
    )
    torch.manual_seed(0)
    # fp32 master weights; the forward and backward passes run in bf16 under autocast.
    return LlamaForCausalLM(config).to(args.device)


def train_steps(model, args, torch) -> dict:
    optimizer = torch.optim.AdamW(model.parameters(), lr=1e-4)
    batch = torch.randint(0, args.vocab, (args.batch, args.seq), device=args.device)
    dtype = torch.bfloat16
    losses, times = [], []
    for step in range(args.steps + 1):
        _sync(torch, args.device)
        t0 = time.perf_counter()
        with torch.autocast(device_type=args.device.split(":")[0], dtype=dtype):
            loss = model(input_ids=batch, labels=batch).loss
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        optimizer.step()
        optimizer.zero_grad(set_to_none=True)
        _sync(torch, args.device)
        if step:  # the first step warms up kernels and allocators
            times.append(time.perf_counter() - t0)
        losses.append(float(loss))
    per_step = sum(times) / len(times)
    return {
        "train_steps": args.steps,
        "train_seconds_per_step": round(per_step, 4),
        "train_tokens_per_s": round(args.batch * args.seq / per_step, 1),
        "loss_first": round(losses[0], 4),
        "loss_last": round(losses[-1], 4),
        "peak_memory_gb": round(torch.cuda.max_memory_allocated() / 2**30, 2) if torch.cuda.is_available() else None,
    }


def generate(model, args, torch) -> dict:
    model.eval()
    prompt = torch.randint(0, args.vocab, (args.gen_batch, 32), device=args.device)
    with torch.no_grad(), torch.autocast(device_type=args.device.split(":")[0], dtype=torch.bfloat16):
        model.generate(prompt, max_new_tokens=8, do_sample=True, pad_token_id=0)  # warm-up
        _sync(torch, args.device)
        t0 = time.perf_counter()
        out = model.generate(
            prompt, max_new_tokens=args.gen_tokens, min_new_tokens=args.gen_tokens, do_sample=True, pad_token_id=0
        )
        _sync(torch, args.device)
    seconds = time.perf_counter() - t0
    new = (out.shape[1] - prompt.shape[1]) * out.shape[0]
    return {"generated_tokens": int(new), "generate_tokens_per_s": round(new / seconds, 1)}


def _sync(torch, device: str) -> None:
    if device.startswith("cuda"):
        torch.cuda.synchronize()


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--device", default="cuda")
    p.add_argument("--layers", type=int, default=12)
    p.add_argument("--hidden", type=int, default=768)
    p.add_argument("--vocab", type=int, default=32000)
    p.add_argument("--seq", type=int, default=1024)
    p.add_argument("--batch", type=int, default=8)
    p.add_argument("--steps", type=int, default=10)
    p.add_argument("--gen-batch", type=int, default=32)
    p.add_argument("--gen-tokens", type=int, default=256)
    p.add_argument("--json", action="store_true")
    args = p.parse_args()
    import torch

    if args.device.startswith("cuda") and not torch.cuda.is_available():
        print(
            "gpu_check: no CUDA device here; run it on a GPU machine (or --device cpu for a smoke run)", file=sys.stderr
        )
        return 2
    model = build(args, torch)
    params = sum(t.numel() for t in model.parameters())
    report = {
        "device": torch.cuda.get_device_name(0) if args.device.startswith("cuda") else "cpu",
        "torch": torch.__version__,
        "parameters_millions": round(params / 1e6, 1),
    }
    report.update(train_steps(model, args, torch))
    report.update(generate(model, args, torch))
    if args.json:
        print(json.dumps(report))
    else:
        for key, value in report.items():
            print(f"{key:26} {value}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
