"""Models built from a config rather than downloaded: the tiny checkpoints that tests and the CPU self-play config
train (a byte-level tokenizer that needs no files), and the Llama-style base model `stp pretrain` trains around
the BPE tokenizer it trained first. One builder; an architecture is one entry of ARCHITECTURES."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, Callable, Optional


@dataclass
class TinyModelConfig:
    kind: str = "tiny-gpt2"  # tiny-gpt2, tiny-t5, or llama (RoPE, SwiGLU, RMSNorm: `stp pretrain`'s base model)
    width: int = 128
    layers: int = 2
    heads: int = 4
    # Feed-forward width; None: the architecture's own (GPT-2 4 x width, T5 2 x width, Llama about 8/3 x width).
    intermediate: Optional[int] = None
    context: int = 2048
    seed: int = 0
    dropout: Optional[float] = None  # None: the architecture's own; 0 makes runs comparable step by step

    def validate(self) -> None:
        """Raise ValueError naming the setting no model can be built with."""
        if self.kind not in ARCHITECTURES:
            raise ValueError(f"kind: {self.kind!r} is not one of {', '.join(MODEL_KINDS)}")
        if self.width % self.heads:
            raise ValueError(f"width ({self.width}) must be a multiple of heads ({self.heads})")


@dataclass(frozen=True)
class Architecture:
    """How a TinyModelConfig becomes a transformers model: one entry of ARCHITECTURES."""

    model: str  # the transformers model class
    config: str  # its config class
    names: dict[str, tuple[str, ...]]  # a TinyModelConfig field -> the config keyword(s) it sets
    dropout: tuple[str, ...]  # the config's dropout keywords
    intermediate: Callable[[int], Optional[int]]  # the feed-forward width for a model width, when not given
    tokens: Callable[[Any], dict]  # special-token ids beyond EOS and PAD, from the tokenizer


ARCHITECTURES: dict[str, Architecture] = {
    "tiny-gpt2": Architecture(
        "GPT2LMHeadModel",
        "GPT2Config",
        {"width": ("n_embd",), "layers": ("n_layer",), "heads": ("n_head",), "intermediate": ("n_inner",),
         "context": ("n_positions",)},  # fmt: skip
        ("resid_pdrop", "embd_pdrop", "attn_pdrop"),
        lambda width: None,  # GPT-2's own 4 x width
        lambda tok: {"bos_token_id": tok.eos_token_id},
    ),
    "tiny-t5": Architecture(
        "T5ForConditionalGeneration",
        "T5Config",
        {"width": ("d_model",), "layers": ("num_layers",), "heads": ("num_heads",), "intermediate": ("d_ff",)},
        ("dropout_rate",),
        lambda width: 2 * width,
        lambda tok: {"decoder_start_token_id": tok.pad_token_id},
    ),
    "llama": Architecture(
        "LlamaForCausalLM",
        "LlamaConfig",
        {"width": ("hidden_size",), "layers": ("num_hidden_layers",),
         "heads": ("num_attention_heads", "num_key_value_heads"), "intermediate": ("intermediate_size",),
         "context": ("max_position_embeddings",)},  # fmt: skip
        ("attention_dropout",),
        lambda width: -(-8 * width // (3 * 64)) * 64,  # SwiGLU's 8/3 x width, up to a multiple of 64 (704 for 256)
        lambda tok: {"bos_token_id": tok.bos_token_id, "tie_word_embeddings": True},
    ),
}
MODEL_KINDS = tuple(ARCHITECTURES)


def _config_kwargs(arch: Architecture, config: TinyModelConfig, tok) -> dict:
    values = {**asdict(config), "intermediate": config.intermediate or arch.intermediate(config.width)}
    kwargs = {"vocab_size": len(tok), "eos_token_id": tok.eos_token_id, "pad_token_id": tok.pad_token_id}
    kwargs.update(arch.tokens(tok))
    kwargs.update({name: values[key] for key, names in arch.names.items() for name in names})
    if config.dropout is not None:
        kwargs.update(dict.fromkeys(arch.dropout, config.dropout))
    return kwargs


def init_model(out: Path, config: TinyModelConfig, tokenizer: Optional[Path] = None) -> Path:
    """Create a randomly initialised checkpoint (model + tokenizer) at `out`: the tokenizer saved at `tokenizer`, or
    ByT5's byte tokenizer (no files); returns `out`."""
    import torch
    import transformers

    config.validate()
    arch = ARCHITECTURES[config.kind]
    tok = transformers.AutoTokenizer.from_pretrained(tokenizer) if tokenizer else transformers.ByT5Tokenizer()
    torch.manual_seed(config.seed)
    model_config = getattr(transformers, arch.config)(**_config_kwargs(arch, config, tok))
    model = getattr(transformers, arch.model)(model_config)
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    model.save_pretrained(out)
    tok.save_pretrained(out)
    return out


def count_parameters(checkpoint: Path) -> int:
    """The number of parameters of the model saved at `checkpoint`."""
    from transformers import AutoConfig, AutoModelForCausalLM, AutoModelForSeq2SeqLM

    seq2seq = bool(getattr(AutoConfig.from_pretrained(checkpoint), "is_encoder_decoder", False))
    model = (AutoModelForSeq2SeqLM if seq2seq else AutoModelForCausalLM).from_pretrained(checkpoint)
    return sum(p.numel() for p in model.parameters())


def is_checkpoint(path: Path) -> bool:
    return (Path(path) / "config.json").exists()
