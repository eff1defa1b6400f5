"""Lean 4 + Mathlib automation and structural tactics worth trying on a goal, best first."""

from __future__ import annotations

import re

from ..types import State

CLOSERS = (
    "norm_num",
    "linarith",
    "nlinarith [sq_nonneg (a - b), sq_nonneg (a + b)]",
    "positivity",
    "omega",
    "simp",
    "decide",
    "rfl",
    "ring",
    "field_simp",
    "aesop",
    "tauto",
    "simp_all",
    "norm_num [*] at *",
    "nlinarith",
    "exact?",
)


def portfolio(state: State, limit: int = 32) -> list[str]:
    goal = state.text.split("\n\n", 1)[0]
    concl = goal.rsplit("⊢", 1)[-1]
    tactics: list[str] = []
    if concl.lstrip().startswith(("∀", "¬")) or "→" in concl:
        tactics.append("intro")
    tactics += CLOSERS
    if "∧" in concl or "↔" in concl:
        tactics.append("constructor")
    names = re.findall(r"^([\w'₀-₉]+) : ", goal, re.M)
    for name in names[:6]:
        tactics += [f"subst {name}", f"rw [{name}] at *"]
    tactics += ["ring_nf", "simp at *", "norm_num at *"]
    return list(dict.fromkeys(tactics))[:limit]
