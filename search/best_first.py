"""Best-first tactic search as ReProver does it: priority = cumulative log-probability, N candidates per
expansion, states deduplicated by their text (a DAG), proved/failed status propagated, limits on expansions and
wall time. A proof found in tactic mode is reported only after a fresh whole-proof check."""

from __future__ import annotations

import heapq
import itertools
import threading
import time
from dataclasses import dataclass, field
from typing import Callable, Optional

from itp import ProofEnv, State, StatementError, StepKind, Theorem, Verdict
from itp.dialect import dialect
from policy import TacticPolicy

from .results import SearchResult

Verifier = Callable[[Theorem, str], Verdict]


@dataclass
class BestFirstConfig:
    candidates: int = 32  # tactics asked of the policy per expansion
    max_expansions: int = 10_000
    budget_seconds: float = 60.0
    tactic_timeout: Optional[float] = None  # per tactic (None: the proof environment's), never past the budget
    max_depth: int = 50


@dataclass
class _Node:
    state: State
    score: float
    depth: int
    status: str = "open"  # open | failed | proved
    parents: list["_Node"] = field(default_factory=list)
    children: list["_Node"] = field(default_factory=list)
    expanded: bool = False


class BestFirstSearch:
    def __init__(
        self,
        env: ProofEnv,
        policy: TacticPolicy,
        config: Optional[BestFirstConfig] = None,
        verify: Optional[Verifier] = None,
    ):
        self.env = env
        self.policy = policy
        self.config = config or BestFirstConfig()
        self.verify = verify or (lambda theorem, proof: env.check(theorem, proof))

    def search(self, theorem: Theorem, cancel: Optional[threading.Event] = None) -> SearchResult:
        """Best-first search until proved, exhausted, out of budget, or `cancel` is set."""
        cfg = self.config
        cancelled = cancel.is_set if cancel is not None else (lambda: False)
        t0 = time.monotonic()
        result = SearchResult(theorem.name, False, method="best-first")
        deadline = t0 + cfg.budget_seconds
        tactic_limit = cfg.tactic_timeout or self.env.default_tactic_timeout()
        try:
            root_state = self.env.start(theorem)
        except StatementError:
            raise
        root = _Node(root_state, 0.0, 0)
        nodes = {root_state.text: root}
        tie = itertools.count()
        queue = [(-0.0, next(tie), root)]
        d = dialect(theorem.system)
        while queue and result.expansions < cfg.max_expansions and time.monotonic() < deadline and not cancelled():
            _, _, node = heapq.heappop(queue)
            if node.status != "open" or node.expanded:
                continue
            node.expanded = True
            result.expansions += 1
            tp = time.monotonic()
            candidates = self.policy.suggest(node.state, cfg.candidates)
            result.policy_seconds += time.monotonic() - tp
            for cand in candidates:
                if time.monotonic() >= deadline or cancelled():
                    break
                te = time.monotonic()
                step = self.env.step(node.state, cand.text, min(tactic_limit, max(0.1, deadline - time.monotonic())))
                result.env_seconds += time.monotonic() - te
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
                child = nodes.get(step.state.text)
                if child is None:
                    child = _Node(step.state, node.score + cand.logprob, node.depth + 1)
                    nodes[step.state.text] = child
                    heapq.heappush(queue, (-child.score, next(tie), child))
                if child is not node and child not in node.children:
                    node.children.append(child)
                    child.parents.append(node)
            if result.proved:
                break
            _propagate_failure(node)
        result.nodes = len(nodes)
        result.seconds = time.monotonic() - t0
        if not result.proved:
            result.status = "exhausted" if root.status == "failed" or not queue else "budget"
            if cancelled():
                result.status = "cancelled"
        return result


def _propagate_failure(node: _Node) -> None:
    """A node whose every child failed (or that has none) after expansion has failed; so may its parents."""
    stack = [node]
    while stack:
        n = stack.pop()
        if n.status != "open" or not n.expanded:
            continue
        if all(c.status == "failed" for c in n.children):
            n.status = "failed"
            stack.extend(n.parents)
