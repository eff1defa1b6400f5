"""The Hugging Face engine (transformers; CPU, GPU, and the tests): a whole chunk of prompts per `generate` call
(padded on the left for decoders), `n` via num_return_sequences, beam search on request, stop strings applied.

Log-probs: `output_scores` would keep float scores over the whole vocabulary for every step and sequence (at n=64,
1,024 tokens and a 102,400-token vocabulary about 27 GB, twice that with transition scores). We generate without
them and score the finished sequences with one extra forward pass, a few rows at a time (`hf_score_bytes` bounds the
float32 logits alive at once; with `logits_to_keep` only the generated positions are projected). The result is the
raw model log-prob of the generated tokens (before temperature and top-p), the same quantity vLLM returns by default
(`logprobs_mode="raw_logprobs"`), and it works unchanged for beam search, whose rows transformers reorders."""

from __future__ import annotations

import dataclasses
import inspect
from collections import defaultdict
from typing import Any, Optional, Sequence

import torch
import transformers
from transformers import LogitsProcessorList, StoppingCriteria, StoppingCriteriaList

from stp_prover.policy import PolicyUnavailable

from .engines import Engine
from .grammar import GrammarError, GrammarLogitsProcessor, compile_grammar, token_texts
from .records import Completion, Completions, GenerationRequest
from .settings import EngineSettings
from .tokens import fit_prompt, prompt_budget


class HFEngine(Engine):
    name = "hf"

    def __init__(self, model: str, settings: EngineSettings):
        from transformers import AutoConfig, AutoModelForCausalLM, AutoModelForSeq2SeqLM, AutoTokenizer

        self.torch = torch
        self.settings = settings
        if settings.threads is not None:
            torch.set_num_threads(settings.threads)  # process-wide: one engine per process (an actor) sets it
        self.device = settings.device or ("cuda" if torch.cuda.is_available() else "cpu")
        try:
            config = AutoConfig.from_pretrained(model)
            self.tokenizer = AutoTokenizer.from_pretrained(model)
        except (OSError, ValueError) as exc:
            raise PolicyUnavailable(f"cannot load model {model!r}: {exc}") from exc
        self.seq2seq = bool(getattr(config, "is_encoder_decoder", False))
        # A decoder's positions end at its context (GPT-2's position table: an index past it is an IndexError here,
        # a device-side assert on a GPU): prompt and completion must fit in it. An encoder-decoder's do not add up.
        self.context: Optional[int] = None if self.seq2seq else getattr(config, "max_position_embeddings", None)
        cls = AutoModelForSeq2SeqLM if self.seq2seq else AutoModelForCausalLM
        kwargs: dict[str, Any] = dict(settings.args)
        if settings.dtype != "auto" or int(transformers.__version__.split(".")[0]) < 5:
            # transformers 4.x loads float32 unless told; 5.x reads the checkpoint's dtype ("auto") by default. The
            # keyword became `dtype` in 4.56 (`torch_dtype` before it).
            dtype = settings.dtype if settings.dtype == "auto" else getattr(torch, settings.dtype)
            kwargs["dtype" if _at_least(transformers.__version__, (4, 56)) else "torch_dtype"] = dtype
        self.model = cls.from_pretrained(model, **kwargs).to(self.device).eval()
        self.pad_id = self.tokenizer.pad_token_id
        self.eos_id = self.tokenizer.eos_token_id
        if self.pad_id is None:
            self.pad_id = self.eos_id
        params = inspect.signature(self.model.forward).parameters
        self._position_ids = "position_ids" in params
        # Only the generated positions are projected onto the vocabulary (`num_logits_to_keep` before 4.50).
        self._logits_to_keep = next((k for k in ("logits_to_keep", "num_logits_to_keep") if k in params), None)
        if settings.seed is not None:
            torch.manual_seed(settings.seed)
        self._token_texts: Optional[list[str]] = None

    # -- generation -----------------------------------------------------------------------------------------------
    def generate(self, requests: Sequence[GenerationRequest]) -> list[Completions]:
        out = [Completions() for _ in requests]
        groups: dict[tuple, list[int]] = defaultdict(list)
        for i, r in enumerate(requests):
            if r.grammar is not None:
                try:
                    compile_grammar(r.grammar)
                except GrammarError as exc:  # refused alone: the rest of the batch is served
                    out[i].error = f"bad grammar: {exc}"
                    continue
            if r.n > 0:  # one generate call needs one n, one max_tokens, one way of decoding
                groups[(r.beam, r.n, r.max_tokens, r.temperature, r.top_p, r.seed, r.stop, r.grammar)].append(i)
        limit = self.settings.hf_max_rows
        for indices in groups.values():
            r = requests[indices[0]]
            if r.n > limit and not r.beam:  # more samples than rows per call: in pieces (each with its own seed)
                for i in indices:
                    for k, start in enumerate(range(0, r.n, limit)):
                        seed = None if r.seed is None else r.seed + k
                        piece = dataclasses.replace(requests[i], n=min(limit, r.n - start), seed=seed)
                        got = self._generate([piece])[0]
                        out[i].extend(got)
                        out[i].prompt_cut = got.prompt_cut
                continue
            per_call = max(1, limit // r.n)
            for start in range(0, len(indices), per_call):
                chunk = indices[start : start + per_call]
                for i, completions in zip(chunk, self._generate([requests[i] for i in chunk])):
                    out[i] = completions
        return out

    def _batch(self, prompts: Sequence[str], max_tokens: int):
        """Token ids of the prompts (the shared rule, `fit_prompt` within `prompt_budget`, leaving `max_tokens` of room in the context)
        padded into one batch: on the left for a decoder (generation continues at the right edge), on the right for
        an encoder; and the tokens each prompt lost."""
        torch = self.torch
        budget = prompt_budget(self.settings.max_input_tokens, self.context, max_tokens)
        fitted = [fit_prompt(self.tokenizer, p, budget, self.seq2seq) for p in prompts]
        ids = [x or [self.eos_id] for x, _ in fitted]
        width = max(len(x) for x in ids)
        rows, masks = [], []
        for x in ids:
            pad = [self.pad_id] * (width - len(x))
            rows.append(x + pad if self.seq2seq else pad + x)
            ones, zeros = [1] * len(x), [0] * len(pad)
            masks.append(ones + zeros if self.seq2seq else zeros + ones)
        return torch.tensor(rows, device=self.device), torch.tensor(masks, device=self.device), [c for _, c in fitted]

    def _generate(self, requests: Sequence[GenerationRequest]) -> list[Completions]:
        r = requests[0]
        # Greedy decoding gives one sequence per prompt; it is repeated n times (as vLLM returns n at temperature 0).
        greedy = not r.beam and r.temperature == 0
        rows = 1 if greedy else r.n
        input_ids, attention_mask, cuts = self._batch([q.prompt for q in requests], r.max_tokens)
        new_tokens = r.max_tokens
        if self.context is not None:  # only a prompt cut to one token can leave less room than max_tokens
            new_tokens = max(1, min(new_tokens, self.context - input_ids.shape[1]))
        kwargs: dict[str, Any] = dict(
            max_new_tokens=new_tokens,
            num_return_sequences=rows,
            pad_token_id=self.pad_id,
            eos_token_id=self.eos_id,
            return_dict_in_generate=True,
        )
        if r.beam:
            kwargs.update(num_beams=r.n, do_sample=False)
        elif greedy:
            kwargs.update(do_sample=False)
        else:
            # top_k=0: no top-k cut (transformers' default is 50; vLLM's and STP's sampling have none).
            kwargs.update(do_sample=True, temperature=r.temperature, top_p=r.top_p, top_k=0)
        start = 1 if self.seq2seq else input_ids.shape[1]
        stopper = (
            _StopStrings(self.tokenizer, r.stop, start, input_ids.shape[0] * rows) if r.stop and not r.beam else None
        )
        if stopper:
            kwargs["stopping_criteria"] = StoppingCriteriaList([stopper])
        if r.grammar is not None:
            kwargs["logits_processor"] = LogitsProcessorList([self._grammar_processor(r.grammar, start, new_tokens)])
        if r.seed is not None:
            torch.manual_seed(r.seed)
        with torch.no_grad():
            sequences = self.model.generate(input_ids=input_ids, attention_mask=attention_mask, **kwargs).sequences
            generated = sequences[:, start:]
            lengths = self._lengths(generated, stopper, start)
            logprobs = self._score(input_ids, attention_mask, sequences, generated, lengths, rows)
        completions: list[Completion] = []
        for row, tokens in enumerate(generated.tolist()):
            length = lengths[row]
            text = self.tokenizer.decode(tokens[:length], skip_special_tokens=True)
            cut = min((i for i in (text.find(s) for s in r.stop) if i >= 0), default=-1)
            stopped = cut >= 0 or self.eos_id in tokens[:length] or (stopper is not None and stopper.done_at[row])
            completions.append(
                Completion(text[:cut] if cut >= 0 else text, logprobs[row], length, "stop" if stopped else "length")
            )
        if greedy:
            return [Completions([completions[i]] * r.n, prompt_cut=cuts[i]) for i in range(len(requests))]
        return [Completions(completions[i * rows : (i + 1) * rows], prompt_cut=cuts[i]) for i in range(len(requests))]

    def _grammar_processor(self, grammar: str, start: int, budget: int) -> GrammarLogitsProcessor:
        """The constraint of one generate call; token texts are computed once per engine (a vocabulary pass)."""
        if self._token_texts is None:
            vocab = self.model.get_output_embeddings().weight.shape[0]
            self._token_texts = token_texts(self.tokenizer, vocab)
        return GrammarLogitsProcessor(compile_grammar(grammar), self._token_texts, self.eos_id, start, budget)

    def _lengths(self, generated, stopper: Optional["_StopStrings"], start: int) -> list[int]:
        """Generated tokens per row: through the first end-of-sequence, else through the token that completed a stop
        string, else all of them (only finished rows are padded, so a generated pad token is never mistaken for it)."""
        out = []
        for row, tokens in enumerate(generated.tolist()):
            length = len(tokens)
            if self.eos_id in tokens:
                length = tokens.index(self.eos_id) + 1
            if stopper is not None and stopper.done_at[row]:
                length = min(length, stopper.done_at[row] - start)
            out.append(length)
        return out

    def _score(self, input_ids, attention_mask, sequences, generated, lengths: list[int], n: int) -> list[float]:
        """Sum of the model's log-probs of each row's generated tokens, from one forward pass per few rows."""
        torch = self.torch
        rows, width = generated.shape
        if width == 0:
            return [0.0] * rows
        vocab = self.model.get_output_embeddings().weight.shape[0]
        step = max(1, self.settings.hf_score_bytes // (width * vocab * 4))
        keep = (
            torch.arange(width, device=generated.device)[None, :]
            < torch.tensor(lengths, device=generated.device)[:, None]
        )
        prompt_ids = input_ids.repeat_interleave(n, 0)  # generate's row order: each prompt's n outputs together
        prompt_mask = attention_mask.repeat_interleave(n, 0)
        totals: list[float] = []
        for s in range(0, rows, step):
            e = min(rows, s + step)
            if self.seq2seq:
                logits = self.model(
                    input_ids=prompt_ids[s:e], attention_mask=prompt_mask[s:e], decoder_input_ids=sequences[s:e, :-1]
                ).logits
            else:
                full = torch.cat([prompt_ids[s:e], generated[s:e]], 1)
                mask = torch.cat([prompt_mask[s:e], keep[s:e].to(prompt_mask.dtype)], 1)
                kwargs: dict[str, Any] = dict(input_ids=full, attention_mask=mask)
                if self._position_ids:  # as generate numbers positions under left padding
                    kwargs["position_ids"] = (mask.cumsum(-1) - 1).clamp(min=0)
                if self._logits_to_keep:
                    kwargs[self._logits_to_keep] = width + 1
                logits = self.model(**kwargs).logits[:, -(width + 1) : -1]
            logits = logits.float()
            chosen = logits.gather(-1, generated[s:e, :, None]).squeeze(-1) - torch.logsumexp(logits, -1)
            totals.extend(float(x) for x in (chosen * keep[s:e]).sum(-1).cpu())
            del logits, chosen
        return totals

    # -- embeddings -----------------------------------------------------------------------------------------------
    def embed(self, texts: Sequence[str], max_length: int = 512) -> list[list[float]]:
        """STP's matching embeddings (RL/utils/embedding_utils.py:76-125): the last hidden states, mean-pooled over
        the non-padding tokens; one text at a time, as STP does (no padding effects)."""
        torch = self.torch
        out = []
        with torch.no_grad():
            for text in texts:
                enc = self.tokenizer(text, return_tensors="pt", truncation=True, max_length=max_length).to(self.device)
                if self.seq2seq:
                    hidden = self.model.get_encoder()(**enc).last_hidden_state
                else:
                    hidden = self.model(**enc, output_hidden_states=True).hidden_states[-1]
                mask = enc["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(1) / mask.sum(1).clamp(min=1)
                out.append([float(x) for x in pooled[0].float().cpu()])
        return out

    def close(self) -> None:
        self.model = None
        if self.device.startswith("cuda"):
            self.torch.cuda.empty_cache()


def _at_least(version: str, wanted: tuple[int, int]) -> bool:
    parts = []
    for piece in version.split(".")[:2]:
        digits = "".join(ch for ch in piece if ch.isdigit())
        parts.append(int(digits or 0))
    return tuple(parts) >= wanted


class _StopStrings(StoppingCriteria):
    """Per-row stop strings (transformers >= 4.39 accepts a boolean per row): a row is done once its generated text
    contains one; `done_at[row]` is the sequence length at that moment. Only the tail is decoded each step."""

    def __init__(self, tokenizer, stop: Sequence[str], start: int, rows: int):
        self.tokenizer = tokenizer
        self.stop = tuple(stop)
        self.start = start
        # A token is at least one byte of text; 4 bytes per character covers UTF-8 and partial-byte tokens.
        self.lookback = 4 * max(len(s) for s in self.stop) + 2
        self.done_at: list[int] = [0] * rows

    def __call__(self, input_ids, scores, **kwargs):
        length = input_ids.shape[1]
        tails = input_ids[:, max(self.start, length - self.lookback) :].tolist()
        for row, tail in enumerate(tails):
            if not self.done_at[row]:
                text = self.tokenizer.decode(tail, skip_special_tokens=True)
                if any(s in text for s in self.stop):
                    self.done_at[row] = length
        return torch.tensor([bool(d) for d in self.done_at], dtype=torch.bool, device=input_ids.device)
