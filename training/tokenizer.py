"""A byte-level BPE tokenizer trained on the platform's own traced text (Hugging Face `tokenizers`), saved as a
`PreTrainedTokenizerFast` that adds BOS the way inference does (`tokenizer(prompt)`), so training and generation
see the same ids."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

BOS, EOS, PAD, UNK = "<s>", "</s>", "<pad>", "<unk>"


def train_bpe_tokenizer(texts: Iterable[str], out: Path, vocab_size: int = 8000, min_frequency: int = 2):
    """Train byte-level BPE on `texts`, save it at `out` and return it (a transformers fast tokenizer)."""
    from tokenizers import Tokenizer, decoders, models, pre_tokenizers, processors, trainers
    from transformers import PreTrainedTokenizerFast

    tok = Tokenizer(models.BPE(unk_token=UNK))
    tok.pre_tokenizer = pre_tokenizers.ByteLevel(add_prefix_space=False)
    tok.decoder = decoders.ByteLevel()
    trainer = trainers.BpeTrainer(
        vocab_size=vocab_size,
        min_frequency=min_frequency,
        special_tokens=[PAD, BOS, EOS, UNK],
        initial_alphabet=pre_tokenizers.ByteLevel.alphabet(),
    )
    tok.train_from_iterator(texts, trainer=trainer)
    bos = tok.token_to_id(BOS)
    # BOS before every encoded text, as Llama-style tokenizers do; EOS is the training target's own last token.
    tok.post_processor = processors.TemplateProcessing(
        single=f"{BOS} $A", pair=f"{BOS} $A $B", special_tokens=[(BOS, bos)]
    )
    fast = PreTrainedTokenizerFast(tokenizer_object=tok, bos_token=BOS, eos_token=EOS, pad_token=PAD, unk_token=UNK)
    out.mkdir(parents=True, exist_ok=True)
    fast.save_pretrained(out)
    return fast
