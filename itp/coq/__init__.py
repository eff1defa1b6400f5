"""Coq 8.16 backend: `coqtop -emacs` for tactics and warm checks, `coqc` for files. Importing the package registers
the backend (spec.py); the names below load their modules on first use."""

from stp_prover.lazy import lazy_exports

from . import spec as _spec  # noqa: F401  (registers the backend)
from .config import COQ_STANDARD_AXIOMS, CoqConfig
from .dialect import COQ
from .prelude import COQ_HAMMER_PRELUDE, COQ_INTERVAL_PRELUDE, COQ_TACTIC_PRELUDE, coq_prelude

_EXPORTS = {
    "check_cold": ".coqc",
    "check_file": ".coqc",
    "CoqEnv": ".env",
    "has_library": ".env",
    "library_dir": ".env",
    "require_coq": ".env",
    "PolicyViolation": ".policy",
    "screen_file": ".policy",
    "screen_proof": ".policy",
    "screen_tactic": ".policy",
    "SentenceError": ".sentences",
    "split_sentences": ".sentences",
    "CoqSession": ".session",
    "HeaderError": ".session",
    "trace_file": ".trace",
    "coq_record": ".benchmarks",
}
__getattr__ = lazy_exports(__name__, _EXPORTS)

__all__ = [
    "COQ",
    "COQ_HAMMER_PRELUDE",
    "COQ_INTERVAL_PRELUDE",
    "COQ_STANDARD_AXIOMS",
    "COQ_TACTIC_PRELUDE",
    "CoqConfig",
    "coq_prelude",
    *_EXPORTS,
]
