"""Trace a Lean file through the REPL's `allTactics` output: goals before each tactic and the constants it used."""

from __future__ import annotations

import re
import time
from typing import Optional

from ..trace import Declaration, TracedFile, TracedTactic, TracedTheorem
from .lexer import LexError, Token, scoped_declarations, starts_line, tokenize
from .repl import ReplDied, ReplTimeout
from .session import LeanSession, errors_of

_DECL_KINDS = frozenset({"theorem", "lemma", "def", "abbrev", "instance", "structure", "inductive", "class"})
_IMPORT = re.compile(r"^import\s+(\S+)", re.M)


def _span(t: dict) -> tuple[tuple[int, int], tuple[int, int]]:
    end = t.get("endPos") or t["pos"]
    return (t["pos"]["line"], t["pos"]["column"]), (end["line"], end["column"])


def outermost(tactics: list[dict]) -> list[dict]:
    """The tactics of `allTactics` that no other listed tactic contains, in source order. The REPL lists every
    substantive tactic node of the info tree (REPL/Lean/InfoTree.lean, findAllInfoTactics), nested ones included
    (`have h : p := by linarith`, `constructor <;> simp`, the tactics under a bullet), so "the next listed tactic's
    goals" is the after-state only among these: the top-level steps of one tactic block."""
    # `t <;> s` runs `s` once per goal, and each run is a node of its own: the same span listed again is one step.
    unique: dict[tuple, dict] = {}
    for t in tactics:
        unique.setdefault(_span(t), t)
    spans = list(unique)
    keep = [t for (a, b), t in unique.items() if not any(c <= a and b <= d and (c, d) != (a, b) for (c, d) in spans)]
    return sorted(keep, key=lambda t: _span(t)[0])


def _offset(lines_start: list[int], pos: tuple[int, int]) -> int:
    return lines_start[pos[0] - 1] + pos[1]


def steps(text: str, tactics: list[dict]) -> list[dict]:
    """Top-level proof steps from `allTactics`: nested tactics dropped (`outermost`), and the pieces of one step
    joined: `t1 <;> t2` (the combinator node itself is not listed, REPL isSubstantive) and a bullet `· t1 t2 ...`
    (cdot is not listed either). A joined step keeps its first piece's goals and its whole source text. Give it the
    tactics of one declaration: a bullet's later lines are told apart from the next proof by their column only."""
    starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]
    out: list[dict] = []
    bullet_col: Optional[int] = None
    for t in outermost(tactics):
        (line, col), end = _span(t)
        begin = _offset(starts, (line, col))
        prefix = text[starts[line - 1] : begin]
        if out:
            prev_end = _offset(starts, _span(out[-1])[1])
            between = text[prev_end:begin].strip()
            in_bullet = bullet_col is not None and col > bullet_col and not prefix.strip()
            if between == "<;>" or in_bullet or (bullet_col is not None and line == _span(out[-1])[1][0]):
                merged = dict(out[-1])
                merged["endPos"] = {"line": end[0], "column": end[1]}
                s0 = _offset(starts, _span(out[-1])[0])
                merged["tactic"] = text[s0 : _offset(starts, end)]
                merged["usedConstants"] = list(out[-1].get("usedConstants", [])) + list(t.get("usedConstants", []))
                out[-1] = merged
                continue
        bullet_col = None
        stripped = prefix.rstrip()
        if stripped.endswith(("·", ".")) and not stripped[:-1].strip():
            bullet_col = len(stripped) - 1
            t = dict(t, pos={"line": line, "column": bullet_col}, bullet=bullet_col)
            t["tactic"] = text[starts[line - 1] + bullet_col : _offset(starts, end)]
        out.append(t)
    return _unfocus(out)


def _unfocus(out: list[dict]) -> list[dict]:
    """Inside `· tac` the listed goals are the focused goal only; sibling bullets take the goals in order, so the
    whole goal list before the k-th of a run of bullets is the focused goals of it and the bullets after it."""
    i = 0
    while i < len(out):
        col = out[i].get("bullet")
        j = i
        while col is not None and j < len(out) and out[j].get("bullet") == col:
            j += 1
        if j > i + 1:
            focused = [t["goals"] for t in out[i:j]]
            for k in range(i, j):
                out[k] = dict(out[k], goals="\n\n".join(focused[k - i :]))
        i = max(j, i + 1)
    return out


def declarations(text: str) -> list[Declaration]:
    """The named declarations of a Lean file, from its tokens (never from comments or strings). Full names are
    qualified by the enclosing `namespace`s, as Lean names constants (and LeanDojo's `full_name`), not by the
    module: a file's path is not part of a Lean name."""
    tokens = tokenize(text)
    found = []
    for i, full in scoped_declarations(text, tokens, _DECL_KINDS):
        t = tokens[i]
        line_start = text.rfind("\n", 0, t.start) + 1
        code = text[line_start : _body_start(text, tokens, i + 1)].strip()
        found.append(Declaration(tokens[i + 1].name, full, t.text, code, text.count("\n", 0, t.start) + 1))
    return found


def _body_start(text: str, tokens: list[Token], i: int) -> int:
    """Offset where the declaration's signature ends: its `:=`, `where`, or a `|` starting a line."""
    for j in range(i, len(tokens)):
        t = tokens[j]
        if t.text == ":=":  # one token of Lean's table (itp/lean/lexer.py)
            return t.start
        if t.text == "where" or (t.text == "|" and starts_line(text, t)):
            return t.start
    return len(text)


def trace_file(session: LeanSession, text: str, path: str, logical_name: str, timeout: float) -> TracedFile:
    """`session` must have no header (the file brings its own imports)."""
    t0 = time.monotonic()
    traced = TracedFile(path=path, logical_name=logical_name, imports=_IMPORT.findall(text))
    try:
        decls = declarations(text)
    except LexError as exc:
        traced.error = f"the file does not lex as Lean: {exc}"
        return traced
    traced.declarations = decls
    try:
        response = session.repl.request({"cmd": text, "allTactics": True}, timeout)
    except (ReplDied, ReplTimeout) as exc:
        traced.error = f"Lean REPL: {exc}"
        return traced
    errs = errors_of(response)
    tactics = response.get("tactics", [])
    bounds = [d.line for d in decls] + [10**9]
    for k, decl in enumerate(decls):
        mine = steps(text, [t for t in tactics if bounds[k] <= t["pos"]["line"] < bounds[k + 1]])
        if not mine and decl.kind not in ("theorem", "lemma"):
            continue
        end_line = max([t["endPos"]["line"] for t in mine if t.get("endPos")] or [decl.line])
        theorem = TracedTheorem(decl.name, decl.full_name, decl.code, decl.line, end_line)
        for i, t in enumerate(mine):
            after = mine[i + 1]["goals"] if i + 1 < len(mine) else "no goals"
            theorem.tactics.append(TracedTactic(t["tactic"], t["goals"], after, list(t.get("usedConstants", []))))
        theorem_errs = [e for e in errs if e]
        if theorem_errs and not mine:
            theorem.ok, theorem.error = False, theorem_errs[0][:300]
        traced.theorems.append(theorem)
    if errs:
        traced.error = errs[0][:300]
    traced.seconds = round(time.monotonic() - t0, 3)
    return traced
