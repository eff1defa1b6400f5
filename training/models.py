"""Models built from a config rather than downloaded: the tiny checkpoints that tests and the CPU self-play config
train, with a byte-level tokenizer that needs no files."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Optional

TINY_KINDS = ("tiny-gpt2", "tiny-t5")


@dataclass
class TinyModelConfig:
    kind: str = "tiny-gpt2"
    width: int = 128
    layers: int = 2
    heads: int = 4
    context: int = 2048
    seed: int = 0
    dropout: Optional[float] = None  # None: the architecture's default (0.1); 0 makes runs comparable step by step


def init_model(out: Path, config: TinyModelConfig) -> Path:
    """Create a randomly initialised checkpoint (model + ByT5 byte tokenizer) at `out`; returns `out`."""
    import torch
    from transformers import ByT5Tokenizer, GPT2Config, GPT2LMHeadModel, T5Config, T5ForConditionalGeneration

    if config.kind not in TINY_KINDS:
        raise ValueError(f"unknown model kind {config.kind!r}; choose one of {', '.join(TINY_KINDS)}")
    torch.manual_seed(config.seed)
    tok = ByT5Tokenizer()
    vocab = len(tok)
    p = config.dropout
    if config.kind == "tiny-gpt2":
        dropout = {} if p is None else {"resid_pdrop": p, "embd_pdrop": p, "attn_pdrop": p}
        model = GPT2LMHeadModel(
            GPT2Config(
                vocab_size=vocab,
                n_embd=config.width,
                n_layer=config.layers,
                n_head=config.heads,
                n_positions=config.context,
                bos_token_id=tok.eos_token_id,
                eos_token_id=tok.eos_token_id,
                pad_token_id=tok.pad_token_id,
                **dropout,
            )
        )
    else:
        model = T5ForConditionalGeneration(
            T5Config(
                vocab_size=vocab,
                d_model=config.width,
                d_ff=2 * config.width,
                num_layers=config.layers,
                num_heads=config.heads,
                decoder_start_token_id=tok.pad_token_id,
                pad_token_id=tok.pad_token_id,
                eos_token_id=tok.eos_token_id,
                **({} if p is None else {"dropout_rate": p}),
            )
        )
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tok.save_pretrained(out)
    return out


def is_checkpoint(path: Path) -> bool:
    return (Path(path) / "config.json").exists()
