"""The tactic libraries loaded before a Coq theorem's header. Proofs cannot `Require`, so the decision procedures the
provers use are loaded first; they add no axioms and no notations, and the header and statement follow unchanged."""

from __future__ import annotations

import re

COQ_TACTIC_PRELUDE = "From Coq Require Import Lia Lra Psatz."
COQ_HAMMER_PRELUDE = "From Hammer Require Import Tactics."  # `sauto`, where libcoq-hammer is installed
# `interval`, where libcoq-interval is installed and the header works over the reals: it doubles a coqtop's memory
# (about 0.3 to 0.6 GB), which theorems over nat and Z would pay for nothing.
COQ_INTERVAL_PRELUDE = "From Interval Require Import Tactic."
_REAL_HEADER = re.compile(r"\bReals\b|\bCoquelicot\b|\bR(?:base|functions|basic_fun|definitions|trigo|sqrt|power)\b")


def coq_prelude(header: str = "") -> str:
    """The prelude for a theorem whose header is `header` (which decides Interval), one sentence a line."""
    from .env import has_library

    hammer = COQ_HAMMER_PRELUDE + "\n" if has_library("Hammer") else ""
    interval = _REAL_HEADER.search(header) and has_library("Interval")
    return COQ_TACTIC_PRELUDE + "\n" + hammer + (COQ_INTERVAL_PRELUDE + "\n" if interval else "")
