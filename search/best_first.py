"""Best-first tactic search as ReProver does it: priority = cumulative log-probability, N candidates per
expansion, proved/failed status propagated, limits on expansions and wall time; and three ways to spend the budget
well. A tactic's time limit starts short and doubles (up to the environment's tactic timeout) each time its node is
taken up again for the candidates that timed out, so one slow decision procedure cannot eat the budget. States are
deduplicated up to the names of hypotheses (a DAG keyed by the dialect's canonical form). Candidates found expensive
are tried after the cheap ones, best success rate on similar goals first. A proof found in tactic mode is reported
only after a fresh whole-proof check."""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Optional

from stp_prover.itp import ProofEnv, State, StepKind, Theorem, Verdict
from stp_prover.itp.dialect import dialect
from stp_prover.policy import Candidate, TacticPolicy

from .results import SearchResult
from .stats import SHARED_STATS, TacticStats

Verifier = Callable[[Theorem, str], Verdict]


@dataclass
class BestFirstConfig:
    candidates: int = 32  # tactics asked of the policy per expansion
    max_expansions: int = 10_000
    budget_seconds: float = 60.0
    tactic_timeout: Optional[float] = None  # a tactic's longest limit (None: the environment's); never past the budget
    first_tactic_timeout: float = 1.0  # a tactic's first limit; doubled on each retry of the candidates that timed out
    retry_penalty: float = 1.0  # priority (log-probability) a node loses each time it is queued again for a retry
    max_depth: int = 50
    order_by_stats: bool = True  # expensive candidates by what worked on similar goals


@dataclass(eq=False)
class _Node:
    state: State
    score: float
    depth: int
    status: str = "open"  # open | failed | proved
    parents: list["_Node"] = field(default_factory=list)
    children: list["_Node"] = field(default_factory=list)
    expanded: bool = False
    limit: float = 0.0  # the tactic time limit of this node's last round
    retry: list[Candidate] = field(default_factory=list)  # candidates that timed out at `limit`
    rounds: int = 0  # retries queued so far


class BestFirstSearch:
    def __init__(
        self,
        env: ProofEnv,
        policy: TacticPolicy,
        config: Optional[BestFirstConfig] = None,
        verify: Optional[Verifier] = None,
        stats: Optional[TacticStats] = None,
    ):
        self.env = env
        self.policy = policy
        self.config = config or BestFirstConfig()
        self.verify = verify or (lambda theorem, proof: env.check(theorem, proof))
        self.stats = stats if stats is not None else SHARED_STATS

    def search(self, theorem: Theorem, cancel: Optional[threading.Event] = None) -> SearchResult:
        """Best-first search until proved, exhausted, out of budget, or `cancel` is set. Raises StatementError when
        the statement does not elaborate."""
        cfg = self.config
        cancelled = cancel.is_set if cancel is not None else (lambda: False)
        t0 = time.monotonic()
        result = SearchResult(theorem.name, False, method="best-first")
        deadline = t0 + cfg.budget_seconds
        longest = cfg.tactic_timeout or self.env.default_tactic_timeout()
        first = min(cfg.first_tactic_timeout, longest) if cfg.first_tactic_timeout > 0 else longest
        d = dialect(theorem.system)
        root = _Node(self.env.start(theorem), 0.0, 0)
        nodes = {d.canonical_state(root.state.text): root}
        tie = itertools.count()
        queue = [(-0.0, next(tie), root)]
        while queue and result.expansions < cfg.max_expansions and time.monotonic() < deadline and not cancelled():
            _, _, node = heapq.heappop(queue)
            if node.status != "open" or (node.expanded and not node.retry):
                continue
            if not node.expanded:
                node.expanded, node.limit = True, first
                tp = time.monotonic()
                candidates = self.policy.suggest(node.state, cfg.candidates)
                result.policy_seconds += time.monotonic() - tp
                feature = d.goal_feature(node.state.text)
                if cfg.order_by_stats:
                    candidates = self.stats.order(candidates, feature, lambda c: d.tactic_family(c.text))
            else:  # a retry: only the candidates that timed out, with twice the time
                candidates, node.retry = node.retry, []
                node.limit = min(node.limit * 2, longest)
                feature = d.goal_feature(node.state.text)
            result.expansions += 1
            for cand in candidates:
                if time.monotonic() >= deadline or cancelled():
                    break
                te = time.monotonic()
                step = self.env.step(node.state, cand.text, min(node.limit, max(0.1, deadline - time.monotonic())))
                result.env_seconds += time.monotonic() - te
                progress = step.kind is StepKind.PROVED or (
                    step.kind is StepKind.OPEN and step.state.text != node.state.text
                )
                self.stats.record(feature, d.tactic_family(cand.text), progress, step.seconds)
                if step.kind is StepKind.TIMEOUT and node.limit < longest:
                    node.retry.append(cand)
                    continue
                if step.kind is StepKind.PROVED:
                    proof = d.proof_from_tactics(step.state.path)
                    tv = time.monotonic()
                    verdict = self.verify(theorem, proof)
                    result.verify_seconds += time.monotonic() - tv
                    if verdict.ok:
                        result.proved, result.proof, result.status = True, proof, "proved"
                        node.status = "proved"
                        break
                    result.unverified_rejected += 1
                    result.message = f"tactic mode accepted a proof the checker refused: {verdict.reason}"
                    continue
                if step.kind is not StepKind.OPEN or node.depth + 1 > cfg.max_depth:
                    continue
                key = d.canonical_state(step.state.text)
                child = nodes.get(key)
                if child is None:
                    child = _Node(step.state, node.score + cand.logprob, node.depth + 1)
                    nodes[key] = child
                    heapq.heappush(queue, (-child.score, next(tie), child))
                if child is not node and child not in node.children:
                    node.children.append(child)
                    child.parents.append(node)
            if result.proved:
                break
            if node.retry:
                # Taken up again later, behind what is now more promising, with twice the time for these.
                node.rounds += 1
                heapq.heappush(queue, (-(node.score - cfg.retry_penalty * node.rounds), next(tie), node))
            _propagate_failure(node)
        result.nodes = len(nodes)
        result.seconds = time.monotonic() - t0
        if not result.proved:
            result.status = "exhausted" if root.status == "failed" or not queue else "budget"
            if cancelled():
                result.status = "cancelled"
        return result


def _propagate_failure(node: _Node) -> None:
    """A node whose every child failed (or that has none) after expansion, with no retry pending, has failed; so
    may its parents."""
    stack = [node]
    while stack:
        n = stack.pop()
        if n.status != "open" or not n.expanded or n.retry:
            continue
        if all(c.status == "failed" for c in n.children):
            n.status = "failed"
            stack.extend(n.parents)
