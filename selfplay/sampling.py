"""Sample proofs for many statements and verify them, one record per statement appended as soon as it is judged.
Generation of the next chunk of statements runs on the policy actor while the current chunk is being verified."""

from __future__ import annotations

import sys
import time
from collections import Counter, deque
from typing import Callable, Optional, Sequence

from tqdm import tqdm

from data import ResultLog
from itp import Theorem, VerifyJob
from policy import ProofPolicy

from .workers import Workers


def sample_and_verify(
    theorems: Sequence[Theorem],
    log: ResultLog,
    workers: Workers,
    model_samples: int,
    portfolio: Optional[ProofPolicy] = None,
    portfolio_samples: int = 0,
    chunk: int = 8,
    desc: str = "prove",
    extra: Optional[Callable[[Theorem], dict]] = None,
    premises: Optional[Callable[[Theorem, str], dict[str, str]]] = None,
) -> None:
    """Records {name, samples, correct, pass_rate, proofs: [{text, count, ok, policy, reason, seconds, premises?}],
    checkpoint} for every theorem of `theorems` not yet in `log`. With `premises` (the proof assistant's premise
    reader) every verified proof carries the lemmas it invokes, {full name: statement}, as STP's verifier records
    them for every complete proof (RL/utils/prover/lean/verifier.py:239-249)."""
    import ray

    done = log.done()
    todo = [t for t in theorems if t.name not in done]
    chunks = [todo[i : i + chunk] for i in range(0, len(todo), chunk)]
    bar = tqdm(
        total=len(theorems), initial=len(theorems) - len(todo), desc=desc, unit="stmt", file=sys.stderr, disable=None
    )

    actors = workers.policies if model_samples > 0 else []
    in_flight: deque = deque()  # (chunk index, future), in chunk order
    submitted = 0

    def fill() -> None:
        # Two chunks per actor in flight: each actor has its next chunk queued while this one is verified.
        nonlocal submitted
        while actors and submitted < len(chunks) and len(in_flight) < 2 * len(actors):
            actor = actors[submitted % len(actors)]
            in_flight.append((submitted, actor.sample_proofs.remote(chunks[submitted], model_samples)))
            submitted += 1

    for i, part in enumerate(chunks):
        fill()
        generated = ray.get(in_flight.popleft()[1]) if actors else [[] for _ in part]
        fill()
        per_theorem = []
        for theorem, model_texts in zip(part, generated):
            texts = [(t, "model") for t in model_texts]
            if portfolio is not None and portfolio_samples > 0:
                texts += [(c.text, "portfolio") for c in portfolio.sample(theorem, portfolio_samples)]
            per_theorem.append(texts)
        jobs, index = [], {}
        for theorem, texts in zip(part, per_theorem):
            for text, _ in texts:
                if text.strip() and (theorem.name, text) not in index:
                    index[(theorem.name, text)] = len(jobs)
                    jobs.append(VerifyJob(theorem, text))
        t0 = time.monotonic()
        verdicts = workers.pool.verify(jobs) if jobs else []
        for theorem, texts in zip(part, per_theorem):
            counts = Counter(t for t, _ in texts)
            source = {t: p for t, p in texts}
            proofs = []
            for text, count in counts.items():
                v = verdicts[index[(theorem.name, text)]] if (theorem.name, text) in index else None
                proof = {
                    "text": text,
                    "count": count,
                    "ok": bool(v and v.ok),
                    "policy": source[text],
                    "reason": (v.reason if v else "empty")[:300],
                    "seconds": round(v.seconds, 3) if v else 0.0,
                }
                if premises is not None and proof["ok"]:
                    proof["premises"] = premises(theorem, text)
                proofs.append(proof)
            samples = len(texts)
            correct = sum(p["count"] for p in proofs if p["ok"])
            rec = {
                "name": theorem.name,
                "statement": theorem.statement,
                "samples": samples,
                "correct": correct,
                "pass_rate": round(correct / samples, 4) if samples else 0.0,
                "proofs": proofs,
                "checkpoint": workers.checkpoint,
                **(extra(theorem) if extra else {}),
            }
            log.append(rec)
            bar.update(1)
        bar.set_postfix(verify_s=round(time.monotonic() - t0, 1), refresh=False)
    bar.close()


def correct_proofs(record: dict) -> list[dict]:
    """The verified distinct proofs of a sampling record, shortest first."""
    return sorted((p for p in record["proofs"] if p["ok"]), key=lambda p: len(p["text"]))
