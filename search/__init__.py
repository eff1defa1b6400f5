"""Search over the `itp` proof-environment interface: one registry of methods (best-first over tactics, whole-proof
sampling, RMaxTS-like tree search over whole proofs) behind one `Search` interface."""

from .best_first import BestFirstConfig, BestFirstSearch, EventSink
from .order import EventLog, OrderEvent, OrderFileError, OrderSettings, Outcome, Ranked, SearchOrder, read_events
from .registry import (
    SEARCHES,
    Search,
    SearchConfig,
    SearchContext,
    get_search,
    register,
    run_search,
    search_names,
)
from .results import SearchResult
from .rmaxts import RMaxTSConfig, rmax_tree_search
from .sampling import SamplingConfig, pass_at_k, sample_proofs

__all__ = [
    "SEARCHES",
    "BestFirstConfig",
    "BestFirstSearch",
    "EventLog",
    "EventSink",
    "OrderEvent",
    "OrderFileError",
    "OrderSettings",
    "Outcome",
    "Ranked",
    "RMaxTSConfig",
    "SamplingConfig",
    "Search",
    "SearchConfig",
    "SearchContext",
    "SearchOrder",
    "SearchResult",
    "get_search",
    "pass_at_k",
    "read_events",
    "register",
    "rmax_tree_search",
    "run_search",
    "sample_proofs",
    "search_names",
]
