"""Warm proof-assistant sessions keyed by header: import once, check many, evict the least recently used, and
replace a session after N uses or above a memory ceiling."""

from __future__ import annotations

from collections import OrderedDict
from typing import Callable, Generic, Hashable, Optional, Protocol, TypeVar

from .config import BackendConfig, PoolConfig


class WarmSession(Protocol):
    uses: int

    def alive(self) -> bool: ...

    def rss_mb(self) -> float: ...

    def close(self) -> None: ...


S = TypeVar("S", bound=WarmSession)


class WarmCache(Generic[S]):
    def __init__(self, capacity: int, recycle_after: int, rss_ceiling_mb: float):
        self.capacity = max(1, capacity)
        self.recycle_after = recycle_after
        self.rss_ceiling_mb = rss_ceiling_mb
        self._sessions: "OrderedDict[Hashable, S]" = OrderedDict()
        self.started = 0
        self.recycled = 0

    @classmethod
    def for_backend(cls, config: BackendConfig, pool: Optional[PoolConfig] = None) -> "WarmCache[S]":
        """An environment's cache: the pool's number of warm headers, the backend's recycling limits."""
        pool = pool or PoolConfig()
        return cls(pool.headers_per_worker, config.recycle_after, config.limits.rss_recycle_mb)

    def get(self, key: Hashable, factory: Callable[[], S]) -> S:
        """The warm session for `key`, started (and older ones evicted) when needed."""
        session = self._sessions.get(key)
        if session is not None and self._worn_out(session):
            self.discard(key)
            self.recycled += 1
            session = None
        if session is None:
            while len(self._sessions) >= self.capacity:
                _, old = self._sessions.popitem(last=False)
                old.close()
            session = factory()
            self.started += 1
            self._sessions[key] = session
        self._sessions.move_to_end(key)
        return session

    def discard(self, key: Hashable) -> None:
        session = self._sessions.pop(key, None)
        if session is not None:
            session.close()

    def _worn_out(self, session: S) -> bool:
        if not session.alive():
            return True
        if session.uses >= self.recycle_after:
            return True
        return self.rss_ceiling_mb > 0 and session.rss_mb() > self.rss_ceiling_mb

    def close(self) -> None:
        while self._sessions:
            _, session = self._sessions.popitem()
            session.close()

    def __len__(self) -> int:
        return len(self._sessions)

    def sessions(self) -> list[S]:
        """The warm sessions, least recently used first."""
        return list(self._sessions.values())
