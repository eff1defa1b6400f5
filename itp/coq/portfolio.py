"""Coq's automation and structural tactics worth trying on a goal, best first. Built from the goal's text, so it
lives beside the code that prints goals."""

from __future__ import annotations

import re

from ..types import State
from .script import split_header

# Decision procedures and closers, cheapest and most often useful first.
CLOSERS = (
    "lia",
    "lra",
    "reflexivity",
    "nia",
    "field",
    "ring",
    "nra",
    "easy",
    "auto",
    "tauto",
    "congruence",
    "vm_compute; reflexivity",
    "intuition",
)
_HYP = re.compile(r"^([\w', ]+?) : (.*)$")
_DEFINED = re.compile(r"^(?:Definition|Fixpoint|Function)\s+([A-Za-z_][\w']*)")


def _first_goal(text: str) -> tuple[dict[str, str], str]:
    goal = text.split("\n\n", 1)[0]
    if "============================" not in goal:
        return {}, goal.strip()
    hyps_text, concl = goal.split("============================", 1)
    hyps: dict[str, str] = {}
    last = None
    for line in hyps_text.split("\n"):
        m = _HYP.match(line)
        if m:
            for name in m.group(1).split(","):
                hyps[name.strip()] = m.group(2)
            last = m.group(1)
        elif last and line.strip():
            for name in last.split(","):
                hyps[name.strip()] += " " + line.strip()
    return hyps, " ".join(concl.split())


def portfolio(state: State, limit: int = 40) -> list[str]:
    """Candidate tactics for the first goal of `state`."""
    hyps, concl = _first_goal(state.text)
    tactics: list[str] = []
    if concl.startswith(("forall", "~")) or "->" in concl:
        tactics.append("intros")
    tactics += CLOSERS
    if "Hammer" in state.theorem.header:
        tactics.append("sauto")
    whole = concl + " " + " ".join(hyps.values())
    if "Rabs" in whole:
        tactics += ["split_Rabs; lra", "split_Rabs; nra"]
    if re.search(r"(?<![<>])=(?!>)", " ".join(hyps.values())):
        tactics += ["subst", "subst; lra", "subst; lia", "subst; nra", "subst; field"]
    if concl.startswith("exists") is False and ("/\\" in concl or "<->" in concl):
        tactics.append("split")
    for name, typ in hyps.items():
        typ = typ.strip()
        if re.search(r"(?<![<>])=(?!>)", typ) and "->" not in typ:
            tactics += [f"rewrite {name} in *", f"rewrite <- {name} in *"]
        if "/\\" in typ and not typ.startswith(("forall", "exists")):
            tactics.append(f"destruct {name} as [{name}a {name}b]")
        elif "\\/" in typ and not typ.startswith(("forall", "exists")):
            tactics.append(f"destruct {name} as [{name} | {name}]")
        if typ.startswith("exists"):
            tactics.append(f"destruct {name} as [w {name}]")
        if typ == "nat" and re.search(rf"\b{re.escape(name)}\b", concl):
            tactics += [f"induction {name}; simpl; lia", f"induction {name}", f"destruct {name}"]
        if typ.startswith("forall") and len(tactics) < limit:
            tactics.append(f"apply {name}")
    for name in _local_definitions(state.theorem.header):
        if re.search(rf"\b{re.escape(name)}\b", whole):
            tactics += [f"unfold {name} in *", f"unfold {name} in *; lra", f"unfold {name} in *; lia"]
    tactics += ["simpl", "field_simplify", "nra; lra"]
    seen, out = set(), []
    for t in tactics:
        if t not in seen:
            seen.add(t)
            out.append(t)
    return out[:limit]


def _local_definitions(header: str) -> list[str]:
    try:
        _, local = split_header(header)
    except ValueError:
        return []
    return [m.group(1) for s in local if (m := _DEFINED.match(s))]
