"""How Coq text is written: proofs between `Proof.` and `Qed.`, `(* *)` comments, `Show.`'s goal layout."""

from __future__ import annotations

import re

from ..dialect import Dialect
from .grammar import coq_statement_rules

COQ = Dialect(
    "coq",
    "Coq",
    "coq",
    "(* ",
    " *)",
    "Proof.\n",
    "\nQed.",
    ".",
    ("apply {name}", "rewrite {name}", "eauto using {name}"),
    re.compile(r"\.(?:\s|$)"),
    ".",
    "->",
    "Require Import {module}.\n",
    "forall",
    "~ ({prop})",
    (
        "intro H; specialize (H {args}); lra",
        "intro H; specialize (H {args}); lia",
        "intro H; specialize (H {args}); nra",
        "intro H; specialize (H {args}); nia",
        "intro H; specialize (H {args}); vm_compute in H; discriminate",
    ),
    theorem_keyword="Theorem",
    declaration_keywords=("Theorem", "Lemma", "Example", "Corollary", "Proposition", "Fact", "Remark"),
    comment_escapes=(("(*", "( *"), ("*)", "* )"), ('"', "''")),  # Coq lexes strings and nested comments in comments
    # Goals as `Show.` prints them (itp/coq/coqtop.py read_goals): `H, H0 : T` or `x := v : T` lines, then a line
    # of `=`, then the conclusion.
    turnstile="=====",
    hypothesis=re.compile(r"^\s*([A-Za-z_][\w']*(?:\s*,\s*[A-Za-z_][\w']*)*)\s*:=?\s"),
    identifier=re.compile(r"(?<![\w'.])[A-Za-z_][\w']*(?:\.[A-Za-z_][\w']*)*"),
    binders=("forall", "exists", "~", "fun"),
    connectives=("<->", "->", "\\/", "/\\", "<>", "<=", ">=", "=", "<", ">"),
    number_types=("nat", "Z", "N", "Q", "R", "C", "positive"),
    statement_rules=coq_statement_rules,
    tactic_separator=re.compile(r";"),
)
