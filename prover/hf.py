"""Hugging Face transformers policies: any causal or seq2seq checkpoint from a path or hub id, CPU or GPU,
sampling or beam search, with sequence log-probabilities."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Optional

from itp import State, Theorem
from policy import Candidate, PolicyUnavailable, ProofPolicy, TacticPolicy, dedupe

from .portfolio import PremiseSource
from .prompts import clean_tactic, cut_whole_proof, tactic_prompt, whole_proof_prompt


@dataclass
class GenerationConfig:
    max_input_tokens: int = 2048
    max_new_tokens_tactic: int = 128
    max_new_tokens_proof: int = 1024
    temperature: float = 1.0
    top_p: float = 0.95


class HFModel:
    """A loaded checkpoint; generation is serialised (one forward pass at a time per model)."""

    def __init__(self, name_or_path: str, device: Optional[str] = None, config: Optional[GenerationConfig] = None):
        try:
            import torch
            from transformers import AutoConfig, AutoModelForCausalLM, AutoModelForSeq2SeqLM, AutoTokenizer
        except ImportError as exc:  # pragma: no cover - both are dependencies
            raise PolicyUnavailable(f"transformers/torch missing: {exc}") from exc
        self.torch = torch
        self.config = config or GenerationConfig()
        self.device = device or ("cuda" if torch.cuda.is_available() else "cpu")
        try:
            model_config = AutoConfig.from_pretrained(name_or_path)
            self.tokenizer = AutoTokenizer.from_pretrained(name_or_path)
        except (OSError, ValueError) as exc:
            raise PolicyUnavailable(f"cannot load model {name_or_path!r}: {exc}") from exc
        self.seq2seq = bool(getattr(model_config, "is_encoder_decoder", False))
        cls = AutoModelForSeq2SeqLM if self.seq2seq else AutoModelForCausalLM
        self.model = cls.from_pretrained(name_or_path).to(self.device).eval()
        if self.tokenizer.pad_token is None:
            self.tokenizer.pad_token = self.tokenizer.eos_token
        if not self.seq2seq:
            self.tokenizer.padding_side = "left"
        self._lock = threading.Lock()

    def generate(self, prompt: str, n: int, max_new_tokens: int, beam: bool) -> list[tuple[str, float]]:
        """n continuations of `prompt` with their log-probabilities (sum over generated tokens)."""
        torch = self.torch
        enc = self.tokenizer(prompt, return_tensors="pt", truncation=True, max_length=self.config.max_input_tokens).to(
            self.device
        )
        kwargs = dict(
            max_new_tokens=max_new_tokens,
            num_return_sequences=n,
            output_scores=True,
            return_dict_in_generate=True,
            pad_token_id=self.tokenizer.pad_token_id,
        )
        if beam:
            kwargs.update(num_beams=n, do_sample=False)
        else:
            kwargs.update(do_sample=True, temperature=self.config.temperature, top_p=self.config.top_p)
        with self._lock, torch.no_grad():
            out = self.model.generate(**enc, **kwargs)
            scores = self.model.compute_transition_scores(
                out.sequences,
                out.scores,
                getattr(out, "beam_indices", None) if beam else None,
                normalize_logits=not beam,
            )
        generated = out.sequences[:, 1:] if self.seq2seq else out.sequences[:, enc["input_ids"].shape[1] :]
        generated = generated[:, -scores.shape[1] :]
        results = []
        for tokens, token_scores in zip(generated, scores):
            keep = (tokens != self.tokenizer.pad_token_id) & torch.isfinite(token_scores)
            results.append((self.tokenizer.decode(tokens, skip_special_tokens=True), float(token_scores[keep].sum())))
        return results


class HFTacticPolicy(TacticPolicy):
    """ReProver-style: premises then the state in, tactics out by beam search."""

    def __init__(self, model: HFModel, premises: Optional[PremiseSource] = None, premises_k: int = 8):
        self.model = model
        self.premises = premises
        self.premises_k = premises_k

    def suggest(self, state: State, n: int) -> list[Candidate]:
        premises = self.premises(state)[: self.premises_k] if self.premises else []
        outs = self.model.generate(
            tactic_prompt(state.text, premises), n, self.model.config.max_new_tokens_tactic, beam=True
        )
        return dedupe([Candidate(clean_tactic(t), lp) for t, lp in outs], n)


class HFProofPolicy(ProofPolicy):
    """DeepSeek-Prover / STP style: the whole-proof prompt in, sampled completions cut at the closing fence out."""

    def __init__(self, model: HFModel, informal: bool = False):
        self.model = model
        self.informal = informal

    def sample(self, theorem: Theorem, n: int, prefix: str = "") -> list[Candidate]:
        # A prefix is put at the end of the prompt: the model continues the proof from there.
        outs = self.model.generate(
            whole_proof_prompt(theorem, self.informal) + prefix, n, self.model.config.max_new_tokens_proof, beam=False
        )
        return [Candidate(cut_whole_proof(theorem, prefix + t), lp) for t, lp in outs]
