"""A small causal language model built from a config around a trained tokenizer: the base model the platform
pretrains itself (there are no pretrained weights to download here). Llama-style (RoPE, SwiGLU, RMSNorm)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass
class BaseModelConfig:
    width: int = 256
    layers: int = 6
    heads: int = 8
    intermediate: int = 704  # SwiGLU width, about 8/3 x width rounded
    context: int = 1024
    seed: int = 0


def init_base_model(out: Path, tokenizer_dir: Path, config: BaseModelConfig) -> tuple[Path, int]:
    """Create a randomly initialised checkpoint at `out` with the tokenizer of `tokenizer_dir`; returns (out, number
    of parameters)."""
    import torch
    from transformers import AutoTokenizer, LlamaConfig, LlamaForCausalLM

    if config.width % config.heads:
        raise ValueError(f"model.width ({config.width}) must be a multiple of model.heads ({config.heads})")
    tok = AutoTokenizer.from_pretrained(tokenizer_dir)
    torch.manual_seed(config.seed)
    model = LlamaForCausalLM(
        LlamaConfig(
            vocab_size=len(tok),
            hidden_size=config.width,
            intermediate_size=config.intermediate,
            num_hidden_layers=config.layers,
            num_attention_heads=config.heads,
            num_key_value_heads=config.heads,
            max_position_embeddings=config.context,
            bos_token_id=tok.bos_token_id,
            eos_token_id=tok.eos_token_id,
            pad_token_id=tok.pad_token_id,
            tie_word_embeddings=True,
        )
    )
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tok.save_pretrained(out)
    return out, sum(p.numel() for p in model.parameters())
