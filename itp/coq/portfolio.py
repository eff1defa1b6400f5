"""Coq's automation and structural tactics worth trying on a goal, best first. Built from the goal's text, so it
lives beside the code that prints goals."""

from __future__ import annotations

import re

from ..types import State
from .goals import applications, first_goal, split_top
from .hints import hints
from .script import split_header

# Bumped whenever the candidates change, so benchmark results of an older portfolio are not taken for this one's.
PORTFOLIO_VERSION = "5"

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
# Integer division and remainder as linear facts (a = b * q + r, 0 <= r < b) over Z. zify alone leaves nat's
# `mod` and `/` as atoms in Coq 8.16, so they are first rewritten to Z's. Qualified names: the prelude loads these
# modules (Lia needs them) whatever the header imports; `intros` first: the proof screen (itp/coq/policy.py) takes
# a sentence that starts with a capital for a command.
DIV_MOD = (
    "intros; Zify.zify; rewrite ?Znat.Nat2Z.inj_mod, ?Znat.Nat2Z.inj_div in *; "
    "Zify.zify; PreOmega.Z.div_mod_to_equations"
)
FAST_CLOSERS = 3  # lia, lra, reflexivity
_DEFINED = re.compile(r"^(?:Definition|Fixpoint|Function)\s+([A-Za-z_][\w']*)")
_TRANSCENDENTAL = re.compile(r"\b(sqrt|ln|exp|sin|cos|tan|PI|Rpower|atan)\b")
_EQUATION = re.compile(r"(?<![<>:])=(?![>?])")
_INEQUALITY = re.compile(r"<=|>=|(?<![<-])<(?![-=>])|(?<![-=<])>")
# Complex equalities over Coquelicot's C = R * R: compare real and imaginary parts, each a real (in)equality.
COMPLEX_PARTS = tuple(f"apply injective_projections; simpl; {t}" for t in ("ring", "field", "lra", "nra"))
# Complex hypotheses: every C variable as a pair, every equality of pairs as two real equalities.
COMPLEX_SPLIT = (
    "repeat match goal with z : C |- _ => destruct z end; "
    "repeat match goal with H : _ = _ |- _ => injection H; clear H; intros end; simpl in *"
)


def portfolio(state: State, limit: int = 40) -> list[str]:
    """Candidate tactics for the first goal of `state`: cheap closers, then what the goal's kind calls for (interval
    arithmetic, complex parts, integer division, computer-algebra hints), then structural steps."""
    hyps, concl = first_goal(state.text)
    header = state.theorem.header
    tactics: list[str] = []
    # Hypotheses still to introduce: the kind-specific tactics and hints wait for the goal after `intros`.
    to_introduce = concl.startswith(("forall", "~")) or len(split_top(concl, "->")) > 1
    if to_introduce:
        tactics.append("intros")
    whole = concl + " " + " ".join(hyps.values())
    # The closers that fail fast, then what this goal's shape calls for, then the slower general closers: a failing
    # nra, nia or sauto can take its whole time limit.
    tactics += CLOSERS[:FAST_CLOSERS]
    if not to_introduce:
        tactics += _definitions_used(hyps)
        tactics += _by_kind(hyps, concl, whole, header)
        tactics += hints(hyps, concl, state.theorem.statement)
    tactics += CLOSERS[FAST_CLOSERS:]
    if "Hammer" in header:
        tactics.append("sauto")
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
    for name in _local_definitions(header):
        if re.search(rf"\b{re.escape(name)}\b", whole):
            tactics += [f"unfold {name} in *", f"unfold {name} in *; lra", f"unfold {name} in *; lia"]
    tactics += ["simpl", "field_simplify", "nra; lra"]
    return list(dict.fromkeys(tactics))[:limit]


def _definitions_used(hyps: dict[str, str]) -> list[str]:
    """Functions given by a defining equation (`H : forall x, f x = E`, possibly under side conditions): rewrite
    every application of them, each with the arguments it is applied to, then close with arithmetic."""
    plain, conditional = [], []
    for name, typ in hyps.items():
        m = re.match(r"^forall\s+[^,]+,\s*(.*)$", typ.strip())
        if not m:
            continue
        body = m.group(1)
        rel = split_top(body, "->")
        head = re.match(r"^\(?([A-Za-z_][\w']*)\s+[^=]*=", rel[-1])
        if not head or hyps.get(head.group(1), "").count("->") == 0:
            continue  # not an equation whose left side applies a function of the context
        (plain if len(rel) == 1 else conditional).append(name)
    out = []
    if plain:
        rewrite = "rewrite " + ", ".join(f"?{n}" for n in plain) + " in *"
        out += [f"{rewrite}; {t}" for t in ("lra", "nra", "field", "lia")] + [rewrite]
    for name in conditional[:2]:
        out += [f"rewrite {name} by lra", f"rewrite {name} by lia"]
    return out


def _by_kind(hyps: dict[str, str], concl: str, whole: str, header: str) -> list[str]:
    """Decision procedures for the goal's kind, each only where its library is loaded by the header."""
    out: list[str] = []
    types = set(t.strip() for t in hyps.values())
    pairs = re.search(r"\([^()]*,[^()]*\)\s*=|=\s*\([^()]*,", concl)  # a C equality once split into pairs
    complex_ = "C" in types or re.search(r"\bCi\b|\bRtoC\b", whole) or ("C_scope" in header and pairs)
    if complex_ and "Coquelicot" in header:
        if any(t.strip() == "C" for t in hyps.values()) and re.search(r"(?<![<>])=(?!>)", " ".join(hyps.values())):
            out.append(COMPLEX_SPLIT)
        if "=" in concl:
            out += COMPLEX_PARTS
        return out
    real = bool(re.search(r"\bR\b", " ".join(types))) or bool(re.search(r"\b(IZR|INR|Rabs|sqrt|PI)\b", whole))
    if real and "Interval" in header and _INEQUALITY.search(concl):
        if _TRANSCENDENTAL.search(whole) or not hyps:
            out.append("interval")
            for name in [n for n, t in hyps.items() if t.strip() == "R"][:2]:
                out.append(f"interval with (i_bisect {name})")
        for fn in ("sqrt", "ln", "exp", "cos", "sin"):
            for arg in applications(whole, fn):
                if not any(re.search(rf"\b{re.escape(n)}\b", arg) for n in hyps):
                    term = arg if re.fullmatch(r"[\w.]+", arg) else "(" + arg + ")"
                    out.append(f"interval_intro ({fn} {term})")
    if real:
        # Equations between fractions: cleared of denominators (their side conditions become goals, first).
        out += [f"field_simplify_eq in {n}" for n, t in hyps.items() if "/" in t and _EQUATION.search(t)][:2]
        if "<>" in concl:  # such a side condition, from a hypothesis that says the same up to arithmetic
            out += [f"intro; apply {n}; lra" for n, t in hyps.items() if "<>" in t and "->" not in t][:3]
    if real and _INEQUALITY.search(concl):
        out.append("psatz R 3")
    if re.search(r"\b(mod|modulo|div|Z\.div|Nat\.div)\b|(?<!\\)/(?!\\)", whole) and ({"Z", "nat"} & types):
        out += [f"{DIV_MOD}; lia", f"{DIV_MOD}; nia"]
    if {"Z", "nat"} & types and _INEQUALITY.search(concl) and not real:
        out.append("psatz Z 3")
    return out[:10]


def _local_definitions(header: str) -> list[str]:
    try:
        _, local = split_header(header)
    except ValueError:
        return []
    return [m.group(1) for s in local if (m := _DEFINED.match(s))]
