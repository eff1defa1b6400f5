"""The sampling stage as a stream: generation chunks on the policy actors, verification of finished chunks on the
verifier pool and bookkeeping in the driver all overlap. Every statement goes through the shared pipeline
(`search/pipeline.py`: deduplicate, verify each distinct text once, count) and lands in the round's `SampleLog`.

Queues are bounded, so driver memory stays flat however many statements a round has: at most
`generation_in_flight` chunks per policy actor are being generated, and at most `verify_in_flight` chunks are being
verified; a finished generation waits in a backlog until a verification slot frees up, and no new generation
is asked for while generation plus backlog is full. Results are consumed as they complete (`ray` futures and
`concurrent.futures.wait`), not in submission order, so one slow chunk holds nothing else up."""

from __future__ import annotations

import sys
import threading
import time
from concurrent.futures import FIRST_COMPLETED, Future, ThreadPoolExecutor, wait
from dataclasses import dataclass
from typing import Any, Callable, Optional, Protocol, Sequence

from tqdm import tqdm

from stp_prover.itp import Theorem
from stp_prover.itp.ray_pool import timed_out
from stp_prover.policy import ProofPolicy
from stp_prover.prover.prompts import cut_whole_proof
from stp_prover.search.pipeline import Pool, StatementCounts, Tally, verify_tallies

from .logs import ProofRow, SampleLog, StatementSummary


class SamplingWorkers(Protocol):
    """What the stage needs of `selfplay.workers.Workers` (a benchmark passes its own): policy actors with
    `sample_proofs.remote(theorems, n)`, a verifier pool, and the checkpoint the actors hold."""

    policies: list
    pool: Pool
    checkpoint: Optional[str]


@dataclass
class StreamSettings:
    chunk: int = 8  # statements per generation request
    generation_in_flight: int = 2  # chunks queued per policy actor: the next is ready when one finishes
    verify_in_flight: int = 2  # chunks being verified at once (each call spreads over every verifier)
    timeout_s: Optional[float] = None  # the longest wait for any chunk to finish (None: unbounded)


@dataclass
class StreamStats:
    """Where a sampling stage's time went: the figures `benchmarks/selfplay_throughput.py` reports."""

    statements: int = 0
    samples: int = 0
    distinct: int = 0
    checked: int = 0  # distinct non-blank texts sent to the verifiers
    correct: int = 0
    refused: int = 0  # requests the engine refused (Completions.error): counted, never silently empty
    seconds: float = 0.0  # wall time of the stage
    verify_seconds: float = 0.0  # sum of the verifiers' own check times
    verify_call_seconds: float = 0.0  # sum over chunks of the time from verification start to its verdicts
    bookkeeping_seconds: float = 0.0  # the driver's own work: building tallies, counting, writing logs
    driver_wait_seconds: float = 0.0  # the driver idle, waiting on generation or verification

    def to_dict(self) -> dict[str, Any]:
        return {k: round(v, 3) if isinstance(v, float) else v for k, v in self.__dict__.items()}


def _summary(counts: StatementCounts, checkpoint: Optional[str], extra: dict) -> StatementSummary:
    best = counts.best
    return StatementSummary(
        name=counts.theorem.name,
        statement=counts.theorem.statement,
        samples=counts.samples,
        distinct=counts.distinct,
        correct=counts.correct,
        pass_rate=round(counts.pass_rate, 4),
        best_proof=best.text if best else None,
        checkpoint=checkpoint,
        shard="",
        extra=extra,
    )


def sample_and_verify(
    theorems: Sequence[Theorem],
    log: SampleLog,
    workers: SamplingWorkers,
    model_samples: int,
    portfolio: Optional[ProofPolicy] = None,
    portfolio_samples: int = 0,
    settings: Optional[StreamSettings] = None,
    desc: str = "prove",
    extra: Optional[Callable[[Theorem], dict]] = None,
    premises: Optional[Callable[[Theorem, str], dict[str, str]]] = None,
    requests: Optional[Callable[[Sequence[Theorem], int], list]] = None,
) -> StreamStats:
    """Sample, verify and log every theorem of `theorems` not yet in `log`. With `premises` (the proof assistant's
    premise reader) every verified proof carries the lemmas it invokes, {full name: statement}, as STP's verifier
    records them for every complete proof (RL/utils/prover/lean/verifier.py:239-249). With `requests` (theorems, n
    -> GenerationRequests; selfplay/budget.py) the driver words the requests (prompt, per-request token budget) and
    the actors' `generate_requests` serves them; without, the actors' `sample_proofs` words them itself."""
    s = settings or StreamSettings()
    stats = StreamStats()
    t_start = time.monotonic()
    done = log.done()
    todo = [t for t in theorems if t.name not in done]
    chunks = [todo[i : i + s.chunk] for i in range(0, len(todo), s.chunk)]
    bar = tqdm(
        total=len(theorems), initial=len(theorems) - len(todo), desc=desc, unit="stmt", file=sys.stderr, disable=None
    )
    actors = workers.policies if model_samples > 0 else []
    # The portfolio and the premise reader use the driver's one proof environment, which is not thread-safe.
    env_lock = threading.Lock()

    def judge(part: list[Theorem], generated: list[list[str]]) -> tuple[list, float, float]:
        """Runs on a verification thread: the chunk's tallies, verified, with premises for the verified proofs."""
        t0 = time.monotonic()
        tallies = []
        for theorem, texts in zip(part, generated):
            tally = Tally(theorem)
            tally.add(texts, "model")
            if portfolio is not None and portfolio_samples > 0:
                with env_lock:
                    tally.add([c.text for c in portfolio.sample(theorem, portfolio_samples)], "portfolio")
            tallies.append(tally)
        checks = verify_tallies(tallies, workers.pool)
        out = []
        for tally in tallies:
            counts = tally.counts()
            rows = []
            for p in counts.proofs:
                lemmas = None
                if premises is not None and p.ok:
                    with env_lock:
                        lemmas = premises(tally.theorem, p.text)
                rows.append(ProofRow(tally.theorem.name, p.text, p.count, p.ok, p.source, p.reason, p.seconds, lemmas))
            out.append((counts, rows))
        return out, sum(v.seconds for _, _, v in checks), time.monotonic() - t0

    generating: dict[Future, int] = {}  # generation future -> chunk index
    generated: list[tuple[int, Optional[list]]] = []  # finished generations waiting for a verification slot
    verifying: dict[Future, int] = {}
    submitted = 0
    gen_cap = s.generation_in_flight * max(1, len(actors))

    def fill_generation() -> None:
        nonlocal submitted
        # The backlog counts too: a finished generation still holds its chunk's texts.
        while submitted < len(chunks) and len(generating) + len(generated) < gen_cap:
            if actors:
                actor = actors[submitted % len(actors)]
                if requests is not None:
                    ref = actor.generate_requests.remote(requests(chunks[submitted], model_samples))
                else:
                    ref = actor.sample_proofs.remote(chunks[submitted], model_samples)
                generating[ref.future()] = submitted
            else:
                generated.append((submitted, None))
            submitted += 1

    with ThreadPoolExecutor(max(1, s.verify_in_flight), thread_name_prefix="verify") as pool:

        def fill_verification() -> None:
            while generated and len(verifying) < s.verify_in_flight:
                i, texts = generated.pop(0)
                verifying[pool.submit(judge, chunks[i], texts if texts is not None else [[] for _ in chunks[i]])] = i

        try:
            fill_generation()
            fill_verification()
            while generating or generated or verifying:
                tw = time.monotonic()
                finished, _ = wait([*generating, *verifying], timeout=s.timeout_s, return_when=FIRST_COMPLETED)
                if not finished:
                    raise timed_out(s.timeout_s, "a generation or verification chunk", "ray.call_timeout_s")
                stats.driver_wait_seconds += time.monotonic() - tw
                tb = time.monotonic()
                for fut in finished:
                    if fut in generating:
                        i = generating.pop(fut)
                        got = fut.result()  # a failed generation raises here
                        if requests is not None:  # completions -> proofs, cut as the actor cuts them
                            stats.refused += sum(1 for cs in got if getattr(cs, "error", ""))
                            got = [[cut_whole_proof(t, c.text) for c in cs] for t, cs in zip(chunks[i], got)]
                        generated.append((i, got))
                        continue
                    verifying.pop(fut)
                    judged, verify_s, call_s = fut.result()
                    stats.verify_seconds += verify_s
                    stats.verify_call_seconds += call_s
                    batch = []
                    for counts, rows in judged:
                        extra_fields = extra(counts.theorem) if extra else {}
                        batch.append((_summary(counts, workers.checkpoint, extra_fields), rows))
                        stats.statements += 1
                        stats.samples += counts.samples
                        stats.distinct += counts.distinct
                        stats.checked += sum(1 for p in counts.proofs if p.verdict is not None)
                        stats.correct += counts.correct
                    log.append(batch)
                    bar.update(len(batch))
                fill_verification()
                fill_generation()
                stats.bookkeeping_seconds += time.monotonic() - tb
        except BaseException:
            for fut in [*generating, *verifying]:
                fut.cancel()
            raise
        finally:
            bar.close()
    stats.seconds = time.monotonic() - t_start
    return stats
