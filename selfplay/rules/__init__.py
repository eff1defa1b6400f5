"""Self-play's rules, one registry per kind: how conjectures are matched to unsolved targets (`MATCHINGS`), the
embedder that matching uses (`EMBEDDERS`), which targets a round samples (`SCHEDULES`) and the mode (`MODES`). A rule
is one function (a mode: one `Mode`) plus one registration; the configuration names it and is checked against the
registry, so a rule registered from outside the package is accepted."""

from .embedders import EMBEDDERS, Embedder, similarity
from .matching import MATCHINGS, Matching
from .modes import MODES, Mode, schedule_of
from .registry import Registry, UnknownRule
from .schedules import SCHEDULES, Schedule

__all__ = [
    "EMBEDDERS",
    "MATCHINGS",
    "MODES",
    "SCHEDULES",
    "Embedder",
    "Matching",
    "Mode",
    "Registry",
    "Schedule",
    "UnknownRule",
    "schedule_of",
    "similarity",
]
