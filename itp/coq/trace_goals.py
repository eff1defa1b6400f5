"""The focused goals of an open proof, each with its hypotheses, as traced data records them."""

from __future__ import annotations

import re

from .coqtop import CoqTop

# `3 goals (ID 5)`, `1 focused goal (shelved: 1) (ID 7)`
_HEAD = re.compile(r"^(\d+) (?:focused )?goals?(?: \(shelved: \d+\))?(?: \(ID \d+\))?\s*$", re.M)
# Coq's ways of saying that nothing is focused: the proof, the bullet or the braces are done, or all is shelved.
_GOAL_N = re.compile(r"^goal \d+(?: \(ID \d+\))? is:\s*$", re.M)
_NOTHING_FOCUSED = ("No more goals", "This subproof is complete", "All the remaining goals are on the shelf")


def focused_goals(top: CoqTop, timeout: float, max_shown: int) -> str:
    """Goals under focus joined by a blank line, each with its hypotheses; "no goals" when none is focused. Goals
    outside the focus (other bullets) are left out: Coq shows them without hypotheses, and the next bullet shows
    them in full."""
    out = top.run("Show.", timeout).output
    head = _HEAD.search(out)
    if head is None or any(s in out[: head.start()] for s in _NOTHING_FOCUSED):
        return "no goals"
    goals = [_goal(out[head.end() :])]
    for i in range(2, min(int(head.group(1)), max_shown) + 1):
        shown = top.run(f"Show {i}.", timeout).output
        at = _GOAL_N.search(shown)
        goals.append(_goal(shown[at.end() :] if at else shown))
    return "\n\n".join(goals)


def _goal(body: str) -> str:
    """One goal, hypotheses and conclusion, dedented, from the text that follows its heading."""
    nxt = _GOAL_N.search(body)
    lines = body[: nxt.start()] if nxt else body
    lines = [line[2:] if line.startswith("  ") else line.strip() for line in lines.strip("\n").splitlines()]
    return "\n".join(line.rstrip() for line in lines if line.strip()).strip()
