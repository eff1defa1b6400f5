"""How Lean 4 text is written: tactic blocks after `:= by`, `--` comments, the REPL's goal layout."""

from __future__ import annotations

import re

from ..dialect import Dialect
from .grammar import lean_statement_rules

LEAN = Dialect(
    "lean",
    "Lean 4",
    "lean4",
    "-- ",
    "",
    "",
    "",
    "",
    ("exact {name}", "rw [{name}]", "simp [{name}]", "apply {name}"),
    re.compile(r":=|\n\s*\n"),
    " := by",
    "→",
    "import {module}\n",
    "∀",
    "¬ ({prop})",
    (
        "intro H\n  have h := H {args}\n  norm_num at h",
        "intro H\n  have h := H {args}\n  simp at h",
        "intro H\n  have h := H {args}\n  revert h\n  decide",
    ),
    comment_escapes=(("-/", "- /"), ("/-", "/ -")),  # block comments nest (finishCommentBlock)
    # Goals as the REPL prints them (`x y : ℕ` lines, then `⊢ conclusion`; /work/shared/lean/repl_transcripts);
    # inaccessible names carry a dagger (`n✝`).
    turnstile="⊢",
    hypothesis=re.compile(r"^\s*((?:[^\s:]+\s+)*[^\s:]+)\s*:\s"),
    identifier=re.compile(r"(?<![\w'.✝])[^\W\d][\w'✝]*(?:\.[^\W\d][\w'✝]*)*"),
    binders=("∀", "∃", "¬", "fun", "forall", "exists"),
    connectives=("↔", "→", "∨", "∧", "≠", "≤", "≥", "=", "<", ">", "∣"),
    number_types=("ℕ", "ℤ", "ℚ", "ℝ", "ℂ", "Nat", "Int", "Rat", "Real", "Complex"),
    statement_rules=lean_statement_rules,
    tactic_separator=re.compile(r"<;>|\n|;"),
)
