"""Best-first tactic search as ReProver does it: priority = cumulative log-probability, N candidates per
expansion, proved/failed status propagated, limits on expansions and wall time; and ways to spend the budget well.
A learned `SearchOrder` ranks a node's candidates by expected success per second and gives each its first time
limit; a candidate that times out is tried again, with twice the time (up to the longest limit), when its node is
taken up again, so one slow decision procedure cannot eat the budget. Once a node's candidates are spent, the
policy's costly tier (`suggest_more`) is asked once for that node. States are deduplicated up to the names of
hypotheses (a DAG keyed by the dialect's canonical form). A proof found in tactic mode is reported only after a
fresh whole-proof check."""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Optional

from stp_prover.itp import ProofEnv, State, StepKind, StepResult, Theorem, Verdict
from stp_prover.itp.dialect import dialect
from stp_prover.policy import Candidate, TacticPolicy

from .order import OrderEvent, Outcome, SearchOrder
from .results import SearchResult

Verifier = Callable[[Theorem, str], Verdict]
EventSink = Callable[[OrderEvent], None]


@dataclass
class BestFirstConfig:
    candidates: int = 32  # tactics asked of the policy per expansion
    max_expansions: int = 10_000
    budget_seconds: float = 60.0
    tactic_timeout: Optional[float] = None  # a tactic's longest limit (None: the environment's); never past the budget
    first_tactic_timeout: float = 1.0  # the first limit of a tactic the order knows nothing about; doubled on retry
    retry_penalty: float = 1.0  # priority (log-probability) a node loses each time it is queued again
    max_depth: int = 50
    order_by_stats: bool = True  # rank candidates (and set first limits) by the learned order; else policy order
    more_candidates: int = 32  # tactics asked of the policy's costly tier once a node's candidates are spent


@dataclass(eq=False)
class _Node:
    state: State
    score: float
    depth: int
    status: str = "open"  # open | failed | proved
    parents: list["_Node"] = field(default_factory=list)
    children: list["_Node"] = field(default_factory=list)
    expanded: bool = False
    retry: list[tuple[Candidate, float]] = field(default_factory=list)  # timed out: (candidate, its next limit)
    rounds: int = 0  # times queued again so far
    tried: set[str] = field(default_factory=set)
    more: str = "no"  # the costly tier: no | pending (queued to ask) | asked

    @property
    def waiting(self) -> bool:
        """Queued again for retries or for the costly tier, so not failed yet."""
        return bool(self.retry) or self.more == "pending"


_OUTCOMES = {StepKind.PROVED: Outcome.PROVED, StepKind.TIMEOUT: Outcome.TIMEOUT}


def step_outcome(node_text: str, step: StepResult) -> Outcome:
    """The order's name for a step's result: a new open state is progress, the same state none."""
    if step.kind is StepKind.OPEN:
        return Outcome.PROGRESS if step.state is not None and step.state.text != node_text else Outcome.NO_PROGRESS
    return _OUTCOMES.get(step.kind, Outcome.ERROR)


class BestFirstSearch:
    def __init__(
        self,
        env: ProofEnv,
        policy: TacticPolicy,
        config: Optional[BestFirstConfig] = None,
        verify: Optional[Verifier] = None,
        order: Optional[SearchOrder] = None,
        events: Optional[EventSink] = None,
    ):
        """`order`: the learned order to use and extend (shared by a run's searches); None: a private one that
        learns within this search object only. `events`: also sent every step's OrderEvent (e.g. an EventLog)."""
        self.env = env
        self.policy = policy
        self.config = config or BestFirstConfig()
        self.verify = verify or (lambda theorem, proof: env.check(theorem, proof))
        self.order = order if order is not None else SearchOrder(made_by="private to one BestFirstSearch")
        self.events = events
        # A policy without a costly tier is not asked (and its nodes are not queued again for it).
        self._has_more = policy.has_more

    def _ranked(
        self, node: _Node, candidates: list[Candidate], feature: str, d, first: float, longest: float, result
    ) -> list[tuple[Candidate, float]]:
        """The candidates not yet tried at this node, each with its first limit, in the order's order."""
        fresh = [c for c in candidates if c.text not in node.tried]
        if not self.config.order_by_stats:
            return [(c, first) for c in fresh]
        tr = time.monotonic()
        ranked = self.order.rank(
            node.state.text, feature, fresh, lambda c: d.tactic_family(c.text), default_limit=first, longest=longest
        )
        result.order_seconds += time.monotonic() - tr
        return [(r.candidate, r.first_limit) for r in ranked]

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
        # Nodes waiting only for the policy's costly tier (a model) wait here, behind every node of `queue`: the
        # costly source gets time only once the cheap candidates of the whole search are spent, so a mixture never
        # proves less than its cheap parts alone at the same budget.
        later: list = []
        while (queue or later) and result.expansions < cfg.max_expansions and time.monotonic() < deadline:
            if cancelled():
                break
            _, _, node = heapq.heappop(queue if queue else later)
            if node.status != "open" or (node.expanded and not node.waiting):
                continue
            feature = d.goal_feature(node.state.text)
            if not node.expanded:
                node.expanded = True
                tp = time.monotonic()
                suggested = self.policy.suggest(node.state, cfg.candidates)
                result.policy_seconds += time.monotonic() - tp
                todo = self._ranked(node, suggested, feature, d, first, longest, result)
            elif node.retry:  # only the candidates that timed out, with twice the time
                todo, node.retry = [(c, min(limit * 2, longest)) for c, limit in node.retry], []
            else:  # the costly tier, once: this node's own candidates are spent
                node.more = "asked"
                tp = time.monotonic()
                suggested = self.policy.suggest_more(node.state, cfg.more_candidates)
                result.policy_seconds += time.monotonic() - tp
                todo = self._ranked(node, suggested, feature, d, first, longest, result)
                if not todo:
                    _propagate_failure(node)
                    continue
            result.expansions += 1
            cut = False
            for cand, limit in todo:
                if time.monotonic() >= deadline or cancelled():
                    cut = True  # candidates left untried: the node has not failed
                    break
                node.tried.add(cand.text)
                te = time.monotonic()
                step = self.env.step(node.state, cand.text, min(limit, max(0.1, deadline - time.monotonic())))
                seconds = time.monotonic() - te
                result.env_seconds += seconds
                result.steps += 1
                outcome = step_outcome(node.state.text, step)
                # The step's own time where the backend gives it (without its overhead), else the wall time.
                family = d.tactic_family(cand.text)
                event = OrderEvent(node.state.text, feature, cand.text, family, outcome, step.seconds or seconds, limit)
                tr = time.monotonic()
                self.order.record(event)
                if self.events is not None:
                    self.events(event)
                result.order_seconds += time.monotonic() - tr
                if step.kind is StepKind.TIMEOUT and limit < longest:
                    node.retry.append((cand, limit))
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
            if not node.retry and node.more == "no" and self._has_more:
                node.more = "pending"
            if node.waiting:
                # Taken up again later: for its retries (with twice the time) behind what is now more promising, or,
                # its candidates spent, for the policy's costly tier once nothing cheap is left anywhere.
                node.rounds += 1
                entry = (-(node.score - cfg.retry_penalty * node.rounds), next(tie), node)
                heapq.heappush(queue if node.retry else later, entry)
            if not cut:
                _propagate_failure(node)
        result.nodes = len(nodes)
        result.seconds = time.monotonic() - t0
        if not result.proved:
            result.status = "exhausted" if root.status == "failed" or not (queue or later) else "budget"
            if cancelled():
                result.status = "cancelled"
        return result


def _propagate_failure(node: _Node) -> None:
    """A node whose every child failed (or that has none) after expansion, with no retry pending, has failed; so
    may its parents."""
    stack = [node]
    while stack:
        n = stack.pop()
        if n.status != "open" or not n.expanded or n.waiting:
            continue
        if all(c.status == "failed" for c in n.children):
            n.status = "failed"
            stack.extend(n.parents)
