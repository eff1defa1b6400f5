"""Reading Coq's printed goals: the first goal's hypotheses and conclusion, top-level splitting of propositions, and
balanced subterms. Text only; nothing here talks to Coq."""

from __future__ import annotations

import re

_HYP = re.compile(r"^([\w', ]+?) : (.*)$")


def first_goal(text: str) -> tuple[dict[str, str], str]:
    """({hypothesis name: type}, conclusion) of the first goal in coqtop's printed state."""
    goal = text.split("\n\n", 1)[0]
    if "============================" not in goal:
        return {}, " ".join(goal.split())
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


def split_top(text: str, sep: str) -> list[str]:
    """`text` cut at every `sep` outside parentheses (e.g. the conjuncts of `A /\\ B /\\ C`)."""
    parts, depth, start, i = [], 0, 0, 0
    while i < len(text):
        c = text[i]
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        elif depth == 0 and text.startswith(sep, i):
            parts.append(text[start:i].strip())
            i += len(sep)
            start = i
            continue
        i += 1
    parts.append(text[start:].strip())
    return parts


def strip_parens(text: str) -> str:
    """`text` without parentheses that enclose all of it."""
    text = text.strip()
    while text.startswith("(") and text.endswith(")") and _closing(text, 0) == len(text) - 1:
        text = text[1:-1].strip()
    return text


def _closing(text: str, open_at: int) -> int:
    depth = 0
    for i in range(open_at, len(text)):
        if text[i] == "(":
            depth += 1
        elif text[i] == ")":
            depth -= 1
            if depth == 0:
                return i
    return -1


def applications(text: str, function: str) -> list[str]:
    """The arguments of `function` applied in `text`, as written: `sqrt (x + 1)` -> `x + 1`, `sqrt x` -> `x`."""
    out = []
    for m in re.finditer(rf"(?<![\w.']){re.escape(function)}\s+", text):
        rest = m.end()
        if rest < len(text) and text[rest] == "(":
            end = _closing(text, rest)
            if end > 0:
                out.append(text[rest + 1 : end].strip())
        else:
            arg = re.match(r"[\w'.]+", text[rest:])
            if arg:
                out.append(arg.group(0))
    return list(dict.fromkeys(out))
