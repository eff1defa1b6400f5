"""Prove one theorem with a chosen search: the shared core of `prove`, `stp eval` and the server. The methods are
search's registry (`search.search_names()`); this module only assembles the context."""

from __future__ import annotations

import threading
import time
from typing import Optional

from stp_prover.itp import ProofEnv, StatementError, Theorem, VerifierPool
from stp_prover.policy import ProofPolicy, TacticPolicy
from stp_prover.search import EventSink, SearchConfig, SearchContext, SearchOrder, SearchResult, run_search

from .memory import TacticMemory

# The prover's name for the search settings (method, budget, each method's own): one typed place, kept in search/.
ProveConfig = SearchConfig


def prove_theorem(
    theorem: Theorem,
    env: ProofEnv,
    tactic_policy: TacticPolicy,
    proof_policy: ProofPolicy,
    config: Optional[ProveConfig] = None,
    pool: Optional[VerifierPool] = None,
    cancel: Optional[threading.Event] = None,
    memory: Optional[TacticMemory] = None,
    order: Optional[SearchOrder] = None,
    events: Optional[EventSink] = None,
) -> SearchResult:
    """Search for a proof; a reported proof has passed `check` in a fresh context. Raises StatementError when the
    statement does not elaborate, ValueError for an unknown method. A verified proof goes into `memory` at once;
    every tactic step is recorded in `order` (the run's learned search order; None: the search learns alone) and
    sent to `events` (e.g. an EventLog)."""
    ctx = SearchContext(
        theorem, env, tactic_policy, proof_policy, config or ProveConfig(), pool, cancel, order=order, events=events
    )
    result = run_search(ctx)
    if memory is not None and result.proved and result.proof:
        memory.learn_proof(env, theorem, result.proof)
    return result


def prove_record(
    theorem: Theorem,
    env: ProofEnv,
    tactic_policy: TacticPolicy,
    proof_policy: ProofPolicy,
    config: ProveConfig,
    memory: Optional[TacticMemory] = None,
    order: Optional[SearchOrder] = None,
    events: Optional[EventSink] = None,
) -> dict:
    """`prove_theorem` as a result-log record keyed by `name`; a statement that does not elaborate is a record with
    status "bad_statement", not an exception (one bad problem must not stop an evaluation)."""
    t0 = time.monotonic()
    try:
        result = prove_theorem(
            theorem, env, tactic_policy, proof_policy, config, memory=memory, order=order, events=events
        )
    except StatementError as exc:
        return {
            "name": theorem.name,
            "proved": False,
            "status": "bad_statement",
            "message": str(exc)[:500],
            "seconds": round(time.monotonic() - t0, 3),
        }
    record = result.to_dict()
    record["name"] = record.pop("theorem")
    return record
