"""Trace a Lean file through the REPL's `allTactics` output: goals before each tactic and the constants it used."""

from __future__ import annotations

import re
import time

from ..trace import Declaration, TracedFile, TracedTactic, TracedTheorem
from .repl import ReplDied, ReplTimeout
from .session import LeanSession, errors_of

_DECL = re.compile(
    r"^(?:@\[[^\]]*\]\s*)?(?:(?:private|protected|noncomputable|nonrec)\s+)*"
    r"(theorem|lemma|def|abbrev|instance|structure|inductive|class)\s+([^\s:({\[]+)",
    re.M,
)
_IMPORT = re.compile(r"^import\s+(\S+)", re.M)


def trace_file(session: LeanSession, text: str, path: str, logical_name: str, timeout: float) -> TracedFile:
    """`session` must have no header (the file brings its own imports)."""
    t0 = time.monotonic()
    traced = TracedFile(path=path, logical_name=logical_name, imports=_IMPORT.findall(text))
    decls = []
    for m in _DECL.finditer(text):
        line = text.count("\n", 0, m.start()) + 1
        code = text[m.start() :].split(":=", 1)[0].strip()
        full = f"{logical_name}.{m.group(2)}" if logical_name else m.group(2)
        decls.append(Declaration(m.group(2), full, m.group(1), code, line))
    traced.declarations = decls
    try:
        response = session.repl.request({"cmd": text, "allTactics": True}, timeout)
    except (ReplDied, ReplTimeout) as exc:
        traced.error = f"Lean REPL: {exc}"
        return traced
    errs = errors_of(response)
    tactics = sorted(response.get("tactics", []), key=lambda t: (t["pos"]["line"], t["pos"]["column"]))
    bounds = [d.line for d in decls] + [10**9]
    for k, decl in enumerate(decls):
        mine = [t for t in tactics if bounds[k] <= t["pos"]["line"] < bounds[k + 1]]
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
