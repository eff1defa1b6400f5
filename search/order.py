"""A learned, cost-aware order for best-first's candidates: what worked on this kind of goal, on similar goals
(nearest neighbours over goal tokens) and anywhere, and how long it took, so a search tries first what is most
likely to succeed per second, each with a first time limit from its own learned times. One object per run, shared
by that run's searches (thread-safe); saved as versioned JSON."""

from __future__ import annotations

import enum
import heapq
import json
import math
import re
import threading
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Callable, Iterable, Optional, Sequence

FORMAT = "stp-search-order"
VERSION = 1

_TOKEN = re.compile(r"[A-Za-z_][\w'.]*|\d+|[^\s\w]+")


def token_features(text: str) -> list[str]:
    """Tokens and token bigrams of a goal's text, with repeats: what two similar goals share (the idea of
    Tactician's term features; the tactic memory counts them, the order keeps the set)."""
    tokens = _TOKEN.findall(text)
    return tokens + [f"{a} {b}" for a, b in zip(tokens, tokens[1:])]


def goal_tokens(text: str) -> frozenset[str]:
    """The distinct `token_features` of a goal's text."""
    return frozenset(token_features(text))


class Outcome(str, enum.Enum):
    PROVED = "proved"
    PROGRESS = "progress"  # a new open state
    NO_PROGRESS = "no_progress"  # accepted, but the state is unchanged
    ERROR = "error"
    TIMEOUT = "timeout"


@dataclass(frozen=True)
class OrderEvent:
    """One tactic step of a search: on which goal (text and coarse feature), what it cost, how it ended."""

    goal: str
    feature: str
    tactic: str
    family: str
    outcome: Outcome
    seconds: float
    limit: float

    def to_dict(self) -> dict:
        d = asdict(self)
        d["outcome"] = self.outcome.value
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "OrderEvent":
        return cls(
            str(d["goal"]),
            str(d["feature"]),
            str(d["tactic"]),
            str(d["family"]),
            Outcome(d["outcome"]),
            float(d["seconds"]),
            float(d["limit"]),
        )


@dataclass(frozen=True)
class Ranked:
    """A candidate in the learned order: its first time limit and its score (expected value per second)."""

    candidate: Any
    first_limit: float
    score: float


class OrderFileError(ValueError):
    """A saved order that cannot be read: the message names the file and what is wrong."""


@dataclass
class OrderSettings:
    progress_credit: float = 0.5  # a PROGRESS step is worth this much of a PROVED one (a new state may be a dead end)
    strength: float = 2.0  # pseudo-tries each level of the Beta/mean smoothing borrows from the level above
    prior_value: float = 0.5  # before anything is recorded
    prior_seconds: float = 0.3
    quantile: float = 0.9  # a tactic's first limit: this quantile of its successful step times ...
    margin: float = 2.0  # ... times this, clamped to [min_limit, the longest limit]
    min_limit: float = 0.25
    min_times: int = 2  # successful times a level needs before its quantile sets a limit
    neighbours: int = 16
    min_similarity: float = 0.3
    max_goals: int = 20_000  # goals indexed for neighbours (later ones still count in the tables)
    query_tokens: int = 24  # the rarest tokens of a goal are what a neighbour query looks up ...
    postings_scanned: int = 128  # ... each in its most recent goals: a query stays at about a millisecond


_KEEP_TIMES = 64  # successful step times kept per table entry (the most recent)


@dataclass
class _Tally:
    tries: int = 0
    value: float = 0.0  # proved + credit * progress, summed
    seconds: float = 0.0
    times: list[float] = field(default_factory=list)  # successful step times, most recent last

    def add(self, value: float, seconds: float, success: bool) -> None:
        self.tries += 1
        self.value += value
        self.seconds += seconds
        if success:
            self.times.append(seconds)
            del self.times[:-_KEEP_TIMES]

    def merge(self, other: "_Tally") -> None:
        self.tries += other.tries
        self.value += other.value
        self.seconds += other.seconds
        self.times = (self.times + other.times)[-_KEEP_TIMES:]

    def to_json(self) -> list:
        return [self.tries, round(self.value, 4), round(self.seconds, 4), [round(t, 4) for t in self.times]]

    @classmethod
    def from_json(cls, v: Any) -> "_Tally":
        tries, value, seconds, times = v
        return cls(int(tries), float(value), float(seconds), [float(t) for t in times])


def _smooth(t: Optional[_Tally], prior_value: float, prior_seconds: float, k: float) -> tuple[float, float, float]:
    """(value rate, mean seconds, weight) of `t`, each Beta/mean-smoothed toward the level above."""
    if t is None or t.tries == 0:
        return prior_value, prior_seconds, 0.0
    return (t.value + k * prior_value) / (t.tries + k), (t.seconds + k * prior_seconds) / (t.tries + k), t.tries


class SearchOrder:
    """Learned order of tactic candidates (thread-safe): `record` each step, `rank` a node's candidates."""

    def __init__(self, settings: Optional[OrderSettings] = None, made_by: str = ""):
        self.settings = settings or OrderSettings()
        self.made_by = made_by
        self._lock = threading.RLock()
        self._all = _Tally()
        self._family: dict[str, _Tally] = defaultdict(_Tally)
        self._tactic: dict[str, _Tally] = defaultdict(_Tally)
        self._family_feature: dict[tuple[str, str], _Tally] = defaultdict(_Tally)
        self._tactic_feature: dict[tuple[str, str], _Tally] = defaultdict(_Tally)
        # Neighbours: each indexed goal's tokens, its [tries, value] per tactic, postings token -> goal ids.
        self._goal_ids: dict[str, int] = {}
        self._goal_text: list[str] = []
        self._goal_tokens: list[frozenset[str]] = []
        self._goal_tactics: list[dict[str, list[float]]] = []
        self._postings: dict[str, list[int]] = defaultdict(list)
        self._norms: list[float] = []
        self._norms_at = 0  # goal count when the norms were last computed (idf drifts as goals are added)
        self.events = 0

    # -- learning -----------------------------------------------------------------------------------------------

    def _value(self, outcome: Outcome) -> float:
        if outcome is Outcome.PROVED:
            return 1.0
        return self.settings.progress_credit if outcome is Outcome.PROGRESS else 0.0

    def record(self, event: OrderEvent) -> None:
        """Count one step in every table it belongs to and in its goal's neighbour entry."""
        value = self._value(event.outcome)
        success = event.outcome in (Outcome.PROVED, Outcome.PROGRESS)
        with self._lock:
            self.events += 1
            for t in (
                self._all,
                self._family[event.family],
                self._tactic[event.tactic],
                self._family_feature[(event.feature, event.family)],
                self._tactic_feature[(event.feature, event.tactic)],
            ):
                t.add(value, event.seconds, success)
            gid = self._goal_id(event.goal)
            if gid is not None:
                entry = self._goal_tactics[gid].setdefault(event.tactic, [0, 0.0])
                entry[0] += 1
                entry[1] += value

    def _goal_id(self, goal: str) -> Optional[int]:
        gid = self._goal_ids.get(goal)
        if gid is not None or len(self._goal_text) >= self.settings.max_goals or not goal.strip():
            return gid
        gid = len(self._goal_text)
        tokens = goal_tokens(goal)
        self._goal_ids[goal] = gid
        self._goal_text.append(goal)
        self._goal_tokens.append(tokens)
        self._goal_tactics.append({})
        for tok in tokens:
            self._postings[tok].append(gid)
        self._norms.append(0.0)
        if gid + 1 >= 2 * max(self._norms_at, 8):
            self._renorm()
        else:
            self._norms[gid] = self._norm(tokens)
        return gid

    def _idf(self, tok: str) -> float:
        return math.log((len(self._goal_text) + 1) / (len(self._postings.get(tok, ())) + 1)) + 1.0

    def _norm(self, tokens: Iterable[str]) -> float:
        return math.sqrt(sum(self._idf(t) ** 2 for t in tokens)) or 1.0

    def _renorm(self) -> None:
        self._norms = [self._norm(tokens) for tokens in self._goal_tokens]
        self._norms_at = len(self._goal_text)

    def merge(self, other: "SearchOrder") -> "SearchOrder":
        """Add `other`'s counts to this order (e.g. the orders of several runs); returns self."""
        if other is self:
            raise ValueError("cannot merge an order into itself")
        with other._lock:
            state = other._state()
        with self._lock:
            self._absorb(state)
        return self

    @classmethod
    def from_events(
        cls, events: Iterable[OrderEvent], settings: Optional[OrderSettings] = None, made_by: str = ""
    ) -> "SearchOrder":
        order = cls(settings, made_by)
        for event in events:
            order.record(event)
        return order

    # -- ranking ------------------------------------------------------------------------------------------------

    def rank(
        self,
        state_text: str,
        feature: str,
        candidates: Sequence[Any],
        family_of: Callable[[Any], str],
        text_of: Callable[[Any], str] = lambda c: getattr(c, "text", c),
        default_limit: float = 1.0,
        longest: float = math.inf,
    ) -> list[Ranked]:
        """Every candidate, best expected value per expected second first (a stable sort: candidates nothing is
        known about keep the policy's order, at `default_limit`)."""
        s = self.settings
        k = s.strength
        with self._lock:
            neighbours = self._neighbours(state_text)
            v_all, t_all, _ = _smooth(self._all, s.prior_value, s.prior_seconds, k)
            ranked = []
            for i, cand in enumerate(candidates):
                text, family = text_of(cand), family_of(cand)
                fam, tac = self._family.get(family), self._tactic.get(text)
                fam_f, tac_f = self._family_feature.get((feature, family)), self._tactic_feature.get((feature, text))
                v_fam, t_fam, _ = _smooth(fam, v_all, t_all, k)
                v_ff, t_ff, w_ff = _smooth(fam_f, v_fam, t_fam, k)
                v_tac, t_tac, w_tac = _smooth(tac, v_fam, t_fam, k)
                # The prior of (this goal kind, this text): its family on this kind and the text on every kind,
                # weighted by how much each has seen.
                wa, wb = w_ff + 1.0, w_tac + 1.0
                v, t, _ = _smooth(tac_f, (wa * v_ff + wb * v_tac) / (wa + wb), (wa * t_ff + wb * t_tac) / (wa + wb), k)
                tries = value = 0.0
                for sim, gid in neighbours:
                    entry = self._goal_tactics[gid].get(text)
                    if entry is not None:
                        tries += sim * entry[0]
                        value += sim * entry[1]
                if tries:
                    v = (value + k * v) / (tries + k)
                limit = self._first_limit((tac_f, tac, fam_f, fam), default_limit, longest)
                score = v / max(min(t, limit), 1e-3)
                ranked.append((-score, i, Ranked(cand, limit, score)))
        ranked.sort(key=lambda r: r[:2])
        return [r for *_, r in ranked]

    def _first_limit(self, tallies: Sequence[Optional[_Tally]], default: float, longest: float) -> float:
        """A high quantile of the most specific level's successful times, with a margin, within the limits."""
        s = self.settings
        for t in tallies:
            if t is not None and len(t.times) >= s.min_times:
                times = sorted(t.times)
                q = times[min(len(times) - 1, int(math.ceil(s.quantile * len(times))) - 1)]
                return min(max(q * s.margin, s.min_limit), longest)
        return min(default, longest)

    def _neighbours(self, text: str) -> list[tuple[float, int]]:
        """Up to `neighbours` (similarity, goal id) pairs, idf-weighted cosine over tokens, at least min_similarity."""
        s = self.settings
        if not self._goal_text or not text.strip():
            return []
        tokens = [t for t in goal_tokens(text) if t in self._postings]
        if not tokens:
            return []
        q_norm = self._norm(goal_tokens(text))
        # The rarest tokens say the most; each looks at its most recent goals only (bounded cost).
        tokens = heapq.nsmallest(s.query_tokens, tokens, key=lambda t: len(self._postings[t]))
        acc: dict[int, float] = defaultdict(float)
        for tok in tokens:
            w = self._idf(tok) ** 2
            for gid in self._postings[tok][-s.postings_scanned :]:
                acc[gid] += w
        best = heapq.nlargest(s.neighbours, ((w / (q_norm * self._norms[g]), g) for g, w in acc.items()))
        return [(min(sim, 1.0), g) for sim, g in best if sim >= s.min_similarity]

    def summary(self, top: int = 10) -> dict:
        """Sizes, and the `top` tactics by value per second over all goals (for `stp order show`)."""
        with self._lock:
            rows = [
                {"tactic": k, "tries": t.tries, "value_per_second": round(t.value / max(t.seconds, 1e-3), 3)}
                for k, t in self._tactic.items()
                if t.tries
            ]
            sizes = {"goals": len(self._goal_text), "tactics": len(self._tactic), "families": len(self._family)}
        rows.sort(key=lambda r: -r["value_per_second"])
        return {**sizes, "best": rows[:top]}

    # -- persistence --------------------------------------------------------------------------------------------

    def _state(self) -> dict:
        return {
            "events": self.events,
            "all": self._all.to_json(),
            "family": {k: t.to_json() for k, t in self._family.items()},
            "tactic": {k: t.to_json() for k, t in self._tactic.items()},
            "family_feature": [[f, k, t.to_json()] for (f, k), t in self._family_feature.items()],
            "tactic_feature": [[f, k, t.to_json()] for (f, k), t in self._tactic_feature.items()],
            "goals": [
                [g, {k: [v[0], round(v[1], 4)] for k, v in tacs.items()}]
                for g, tacs in zip(self._goal_text, self._goal_tactics)
            ],
        }

    def _absorb(self, state: dict) -> None:
        self.events += int(state["events"])
        self._all.merge(_Tally.from_json(state["all"]))
        for name, table in (("family", self._family), ("tactic", self._tactic)):
            for key, t in state[name].items():
                table[key].merge(_Tally.from_json(t))
        for name, table in (("family_feature", self._family_feature), ("tactic_feature", self._tactic_feature)):
            for f, key, t in state[name]:
                table[(f, key)].merge(_Tally.from_json(t))
        for goal, tactics in state["goals"]:
            gid = self._goal_id(goal)
            if gid is None:
                continue
            for tactic, (tries, value) in tactics.items():
                entry = self._goal_tactics[gid].setdefault(tactic, [0, 0.0])
                entry[0] += int(tries)
                entry[1] += float(value)

    def save(self, path: str | Path) -> None:
        """Write the order as versioned JSON (atomically: a reader never sees half a file)."""
        path = Path(path)
        path.parent.mkdir(parents=True, exist_ok=True)
        with self._lock:
            doc = {
                "format": FORMAT,
                "version": VERSION,
                "made_by": self.made_by,
                "settings": asdict(self.settings),
                **self._state(),
            }
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(doc, ensure_ascii=False))
        tmp.replace(path)

    @classmethod
    def load(cls, path: str | Path) -> "SearchOrder":
        """The order saved at `path`; OrderFileError when it is missing or not a saved order of this version."""
        path = Path(path)
        try:
            doc = json.loads(path.read_text())
        except FileNotFoundError:
            raise OrderFileError(f"no saved search order at {path}") from None
        except (OSError, UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise OrderFileError(f"{path} is not a saved search order (not JSON: {exc})") from None
        if not isinstance(doc, dict) or doc.get("format") != FORMAT:
            raise OrderFileError(f'{path} is not a saved search order (no "format": "{FORMAT}")')
        if doc.get("version") != VERSION:
            raise OrderFileError(f"{path} is a search order of version {doc.get('version')!r}; this reads {VERSION}")
        try:
            known = OrderSettings.__dataclass_fields__
            settings = OrderSettings(**{k: v for k, v in doc.get("settings", {}).items() if k in known})
            order = cls(settings, str(doc.get("made_by", "")))
            order._absorb(doc)
        except (KeyError, TypeError, ValueError, AttributeError) as exc:
            raise OrderFileError(f"{path}: a damaged search order ({type(exc).__name__}: {exc})") from None
        return order


class EventLog:
    """An OrderEvent sink that appends each event to a JSONL file (thread-safe), so a run can be trained from."""

    def __init__(self, path: str | Path):
        self.path = Path(path)
        self.path.parent.mkdir(parents=True, exist_ok=True)
        self._file = self.path.open("a", encoding="utf-8")
        self._lock = threading.Lock()

    def __call__(self, event: OrderEvent) -> None:
        line = json.dumps(event.to_dict(), ensure_ascii=False)
        with self._lock:
            self._file.write(line + "\n")
            self._file.flush()

    def close(self) -> None:
        with self._lock:
            self._file.close()


def read_events(path: str | Path) -> Iterable[OrderEvent]:
    """The events of a JSONL file written by EventLog; OrderFileError names the first bad line."""
    with Path(path).open(encoding="utf-8") as f:
        for n, line in enumerate(f, 1):
            if not line.strip():
                continue
            try:
                yield OrderEvent.from_dict(json.loads(line))
            except (KeyError, TypeError, ValueError) as exc:
                raise OrderFileError(f"{path}:{n}: not an order event ({type(exc).__name__}: {exc})") from None
