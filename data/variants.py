"""Variants of a theorem statement made by editing its text: a numeric constant moved by one, or one hypothesis
dropped. The conjecturer's mutation channel and the counterexample pipeline both start from these; whether a variant
is true, false or even well-formed is for the proof assistant to say."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from stp_prover.itp.dialect import declared_name, dialect, rename, top_level_indices

_NUMBER = re.compile(r"(?<![\w.'#])(\d+)(?![\w#]|\.\d)")


@dataclass(frozen=True)
class Variant:
    statement: str
    edit: str  # "constant 12 -> 13", "drop hypothesis 2: x > 0", ...


def _body_start(statement: str) -> int:
    """Where the text after the declared name begins (constants in the name are not constants)."""
    name = declared_name(statement)
    if not name:
        return 0
    m = re.match(rf"\s*\S+\s+{re.escape(name)}", statement)
    return m.end() if m else 0


def perturb_constants(statement: str, limit: int = 8) -> list[Variant]:
    """Each integer literal moved up by one and (when positive) down by one, one edit per variant."""
    start = _body_start(statement)
    out: list[Variant] = []
    for m in _NUMBER.finditer(statement, start):
        n = int(m.group(1))
        for new in (n + 1, n - 1):
            if new < 0:
                continue
            text = statement[: m.start()] + str(new) + statement[m.end() :]
            out.append(Variant(text, f"constant {n} -> {new}"))
            if len(out) >= limit:
                return out
    return out


def _split_top(text: str, sep: str) -> list[str]:
    """`text` split at every `sep` outside brackets and comments."""
    parts, last = [], 0
    for i in top_level_indices(text):
        if i >= last and text.startswith(sep, i):
            parts.append(text[last:i])
            last = i + len(sep)
    parts.append(text[last:])
    return parts


_BINDER = re.compile(r"\((h[\w'₀-₉]*)\s*:")


def drop_hypotheses(statement: str, system: str) -> list[Variant]:
    """One variant per hypothesis: a named binder `(h : P)` before the colon, or a premise `P ->` of the conclusion
    after the last top-level `forall ...,`."""
    d = dialect(system)
    out: list[Variant] = []
    start = _body_start(statement)
    # Named hypothesis binders: `(h₀ : ...)`, matched with their closing parenthesis.
    for m in _BINDER.finditer(statement, start):
        depth, j = 0, m.start()
        while j < len(statement):
            depth += {"(": 1, ")": -1}.get(statement[j], 0)
            j += 1
            if depth == 0:
                break
        text = (statement[: m.start()].rstrip() + " " + statement[j:].lstrip()).replace("  ", " ")
        out.append(Variant(text, f"drop hypothesis {m.group(1)}"))
    # Arrow premises: `forall x, P -> Q -> goal` (Coq) / `∀ x, P → goal` (Lean).
    colon = statement.find(":", start)
    if colon < 0:
        return out
    prefix, body = statement[: colon + 1], statement[colon + 1 :]
    binder_end = 0
    for m in re.finditer(r"(?:forall|∀)[^,]*,", body):
        if all(c not in body[: m.start()] for c in "()") or binder_end == m.start():
            binder_end = m.end()
    head, rest = body[:binder_end], body[binder_end:]
    parts = _split_top(rest, d.arrow)
    if len(parts) < 2:
        return out
    for i in range(len(parts) - 1):
        kept = parts[:i] + parts[i + 1 :]
        text = prefix + head + d.arrow.join(kept)
        out.append(Variant(text, f"drop hypothesis {i + 1}: {' '.join(parts[i].split())}"))
    return out


_RELATIONS = ("<=", ">=", "<>", "≤", "≥", "≠", "=", "<", ">")


def _conclusion_span(statement: str, system: str) -> Optional[tuple[int, int]]:
    """Start and end of the conclusion: after the last top-level arrow (or the colon), before the statement's end."""
    d = dialect(system)
    start = _body_start(statement)
    colon = _top_index(statement, ":", start)
    if colon is None:
        return None
    end = len(statement.rstrip())
    tail = d.statement_suffix.strip()
    if tail and statement.rstrip().endswith(tail):
        end = len(statement.rstrip()) - len(tail)
    body_start = colon + 1
    m = re.match(r"\s*(?:forall|∀)[^,]*,", statement[body_start:end])
    if m:
        body_start += m.end()
    cut = body_start
    while True:
        nxt = _top_index(statement[:end], d.arrow, cut)
        if nxt is None:
            break
        cut = nxt + len(d.arrow)
    return cut, end


def _top_index(text: str, needle: str, start: int) -> Optional[int]:
    return next((i for i in top_level_indices(text, start) if text.startswith(needle, i)), None)


def transform_conclusion(statement: str, system: str) -> list[Variant]:
    """Consequences of the statement: the same operation applied to both sides of its conclusion `a R b`
    (`a + 1 R b + 1`, `2 * a R 2 * b`, and `a ^ 2 = b ^ 2` for an equation). True whenever the statement is, and
    usually no easier to prove."""
    span = _conclusion_span(statement, system)
    if span is None:
        return []
    lo, hi = span
    concl = statement[lo:hi]
    found, skip_to = [], 0
    for i in top_level_indices(concl):
        if i < skip_to:
            continue
        # Implications and `fun x =>` are not relations (and their `>` must not be read as one).
        arrow = next((a for a in ("<->", "->", "=>") if concl.startswith(a, i)), None)
        op = None if arrow else next((r for r in _RELATIONS if concl.startswith(r, i)), None)
        if op:
            found.append((i, op))
        skip_to = i + len(arrow or op or " ")
    if len(found) != 1 or found[0][1] in ("<>", "≠"):
        return []
    at, op = found[0]
    lhs, rhs = concl[:at].strip(), concl[at + len(op) :].strip()
    if not lhs or not rhs:
        return []
    lead = concl[: len(concl) - len(concl.lstrip())]
    trail = concl[len(concl.rstrip()) :]
    edits = [
        ("add 1 to both sides", f"{lhs} + 1 {op} {rhs} + 1"),
        ("double both sides", f"2 * ({lhs}) {op} 2 * ({rhs})"),
    ]
    if op == "=":  # squaring keeps an equation true and makes a linear one nonlinear
        edits.append(("square both sides", f"({lhs}) ^ 2 {op} ({rhs}) ^ 2"))
    out = []
    for edit, new in edits:
        out.append(Variant(statement[:lo] + lead + new + trail + statement[hi:], edit))
    return out


def variants(statement: str, system: str, limit: int = 16) -> list[Variant]:
    """Conclusion transforms first (true when the statement is), then hypothesis drops (they generalise), then
    constant moves; distinct texts only."""
    seen: dict[str, Variant] = {}
    for v in (
        transform_conclusion(statement, system)
        + drop_hypotheses(statement, system)
        + perturb_constants(statement, limit)
    ):
        seen.setdefault(" ".join(v.statement.split()), v)
    return list(seen.values())[:limit]


def named(variant: Variant, name: str) -> Variant:
    """The variant declaring `name` (variants of one theorem must not share its name)."""
    return Variant(rename(variant.statement, name), variant.edit)


_GROUP = re.compile(r"\(([^():]+):([^()]*(?:\([^()]*\)[^()]*)*)\)")
NUMBER_TYPES = {"R", "nat", "Z", "Q", "ℝ", "ℕ", "ℤ", "ℚ"}


def proposition(statement: str, system: str) -> Optional[tuple[str, list[tuple[str, str]]]]:
    """The statement as one proposition (its binders moved under a universal quantifier) and its leading variables
    with their types, in order; None when the statement has a shape this parser does not know."""
    d = dialect(system)
    start = _body_start(statement)
    colon = _top_index(statement, ":", start)
    if colon is None:
        return None
    binders = statement[start:colon].strip()
    end = len(statement.rstrip())
    tail = d.statement_suffix.strip()
    if tail and statement.rstrip().endswith(tail):
        end -= len(tail)
    body = statement[colon + 1 : end].strip()
    if binders and _GROUP.sub("", binders).strip():
        return None  # binders other than `(names : type)` groups (implicit, instance, ...)
    groups = [(names.split(), typ.strip()) for names, typ in _GROUP.findall(binders)]
    m = re.match(r"^(?:forall|∀)\s+(.*?),", body, re.DOTALL)
    if m:
        inner = m.group(1).strip()
        if inner.startswith("("):
            if _GROUP.sub("", inner).strip():
                return None
            groups += [(names.split(), typ.strip()) for names, typ in _GROUP.findall(inner)]
        elif ":" in inner:
            names, typ = inner.split(":", 1)
            groups.append((names.split(), typ.strip()))
        else:
            return None
        body = body[m.end() :].strip()
    variables: list[tuple[str, str]] = []
    for names, typ in groups:
        if typ not in NUMBER_TYPES:
            break  # hypotheses (and anything after them) are not instantiated
        variables += [(n, typ) for n in names]
    all_binders = " ".join(f"({' '.join(names)} : {typ})" for names, typ in groups)
    prop = f"{d.forall} {all_binders}, {body}" if all_binders else body
    return prop, variables
