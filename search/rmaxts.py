"""Tree search over whole-proof samples in the spirit of DeepSeek-Prover-V1.5's RMaxTS
(deepseek-ai/DeepSeek-Prover-V1.5, prover/algorithms/rmax_tree_search.py): sample a whole proof, check it; on
failure cut it at its first error (`Verdict.error_offset`) and add the checked prefix to a tree; resume sampling
(`ProofPolicy.sample(..., prefix=...)`) from a node chosen by UCB, where the reward is intrinsic: 1 when a sample
added a node to the tree, else 0 (RMax: exploration for its own sake, since a proof search's extrinsic reward is
almost always 0). As upstream, a node's own value competes with its children's subtree values at each level, and
rewards are discounted (gamma) so that stale regions fade. Unlike upstream, nodes are checked prefixes (upstream
keys them by the goal after each tactic, which a whole-proof check does not report), and samples run one batch at
a time rather than 32 concurrent jobs."""

from __future__ import annotations

import math
import threading
import time
from dataclasses import dataclass, field
from typing import Optional

from stp_prover.itp import Theorem, VerifierPool, VerifyJob
from stp_prover.policy import ProofPolicy

from .results import SearchResult


@dataclass
class RMaxTSConfig:
    samples: int = 64  # whole proofs sampled in all
    batch: int = 4  # proofs sampled from one chosen node, checked together
    gamma: float = 0.99  # discount of past rewards and visits
    exploration: float = 2.0  # UCB's constant: sqrt(exploration * ln N / n)
    budget_seconds: float = 600.0


@dataclass(eq=False)
class _Node:
    prefix: str  # the start of a proof the proof assistant accepted ("" at the root)
    parent: Optional["_Node"] = None
    children: list["_Node"] = field(default_factory=list)
    rewards: float = 0.0  # discounted rewards of samples drawn from this node
    visits: float = 0.0
    subtree_rewards: float = 0.0  # ... from this node and everything below it
    subtree_visits: float = 0.0
    exhausted: bool = False  # the policy gave nothing new from this prefix

    @property
    def key(self) -> str:
        return self.prefix.rstrip()

    def dead(self) -> bool:
        return self.exhausted and all(c.dead() for c in self.children)


class _Tree:
    def __init__(self, config: RMaxTSConfig):
        self.config = config
        self.root = _Node("")
        self.by_key = {"": self.root}

    def insert(self, prefix: str) -> bool:
        """Add `prefix` under the deepest node it extends; True when it is new."""
        key = prefix.rstrip()
        if key in self.by_key:
            return False
        parent = self.root
        while True:
            deeper = next((c for c in parent.children if key.startswith(c.key)), None)
            if deeper is None:
                break
            parent = deeper
        node = _Node(prefix, parent)
        parent.children.append(node)
        self.by_key[key] = node
        return True

    def select(self) -> Optional[_Node]:
        """Walk down from the root: at each node, stay (its own value) or go to a child (its subtree value), by
        UCB over the visits at that level; None when every node is exhausted."""
        node = self.root
        c = self.config.exploration
        while True:
            options: list[tuple[float, Optional[_Node]]] = []
            total = node.visits + sum(ch.subtree_visits for ch in node.children)
            bonus = lambda visits: math.sqrt(c * math.log(max(total, 2.0)) / max(visits, 1e-2))  # noqa: E731
            if not node.exhausted:
                options.append((_mean(node.rewards, node.visits) + bonus(node.visits), None))
            for ch in node.children:
                if not ch.dead():
                    options.append((_mean(ch.subtree_rewards, ch.subtree_visits) + bonus(ch.subtree_visits), ch))
            if not options:
                return None
            # Ties go to the first option: the node itself, then older children.
            best = max(range(len(options)), key=lambda i: (options[i][0], -i))
            chosen = options[best][1]
            if chosen is None:
                return node
            node = chosen

    def reward(self, node: _Node, reward: float) -> None:
        g = self.config.gamma
        node.rewards = node.rewards * g + reward
        node.visits = node.visits * g + 1.0
        walk: Optional[_Node] = node
        while walk is not None:
            walk.subtree_rewards = walk.subtree_rewards * g + reward
            walk.subtree_visits = walk.subtree_visits * g + 1.0
            walk = walk.parent


def _mean(rewards: float, visits: float) -> float:
    return rewards / max(visits, 1e-2)


def rmax_tree_search(
    theorem: Theorem,
    policy: ProofPolicy,
    pool: VerifierPool,
    config: Optional[RMaxTSConfig] = None,
    cancel: Optional[threading.Event] = None,
) -> SearchResult:
    """Sample, check, cut at the first error, grow the tree, choose where to resume; until a proof, the sample or
    time budget, every node exhausted, or `cancel`. A reported proof passed the pool's fresh whole-proof check."""
    cfg = config or RMaxTSConfig()
    t0 = time.monotonic()
    result = SearchResult(theorem.name, False, method="rmaxts")
    tree = _Tree(cfg)
    verdicts: dict[str, bool] = {}
    cancelled = cancel.is_set if cancel is not None else (lambda: False)
    status = "budget"
    while result.samples < cfg.samples and time.monotonic() - t0 < cfg.budget_seconds and not cancelled():
        node = tree.select()
        if node is None:
            status = "exhausted"
            break
        result.expansions += 1
        tp = time.monotonic()
        batch = policy.sample(theorem, min(cfg.batch, cfg.samples - result.samples), prefix=node.prefix)
        result.policy_seconds += time.monotonic() - tp
        result.samples += len(batch)
        fresh = [t for t in dict.fromkeys(c.text for c in batch) if t.strip() and t not in verdicts]
        if not fresh:
            node.exhausted = True
            tree.reward(node, 0.0)
            continue
        tv = time.monotonic()
        found_new = False
        for text, verdict in zip(fresh, pool.verify([VerifyJob(theorem, t) for t in fresh])):
            verdicts[text] = verdict.ok
            if verdict.ok and result.proof is None:
                result.proof = text
            elif not verdict.ok and verdict.error_offset is not None:
                found_new |= tree.insert(text[: verdict.error_offset])
        result.verify_seconds += time.monotonic() - tv
        result.correct_samples += sum(1 for c in batch if verdicts.get(c.text))
        tree.reward(node, 1.0 if found_new else 0.0)
        if result.proof is not None:
            break
    result.proved = result.proof is not None
    result.nodes = len(tree.by_key)
    if result.proved:
        result.status = "proved"
    elif cancelled():
        result.status = "cancelled"
    else:
        result.status = "exhausted" if status == "exhausted" or result.samples >= cfg.samples else "budget"
    result.seconds = time.monotonic() - t0
    return result
