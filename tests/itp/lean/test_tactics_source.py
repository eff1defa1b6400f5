"""What can be checked of lean_project/STP/Tactics.lean without a Lean toolchain: it lexes, and it names the Lean
APIs the way Lean v4.24 defines them. `pytest -m lean` compiles and runs it (test_live_lean.py)."""

from __future__ import annotations

from stp_prover.itp.lean.lexer import TokenKind, tokenize
from tests.conftest import ROOT

SOURCE = (ROOT / "lean_project" / "STP" / "Tactics.lean").read_text(encoding="utf-8")
NAMES = {t.name for t in tokenize(SOURCE) if t.kind is TokenKind.IDENT}


def test_try_this_is_named_in_full():
    # src/Lean/Meta/Tactic/TryThis.lean: `namespace Lean.Meta.Tactic.TryThis`, which `open Lean Elab Tactic Meta`
    # does not open (`Tactic` there is `Lean.Elab.Tactic`).
    used = {n for n in NAMES if "TryThis" in n}
    assert used and all(n.startswith("Lean.Meta.Tactic.TryThis") for n in used), used


def test_suggestions_are_checked_as_llmstep_does():
    # llmstep LLMstep/LLMstep.lean, checkSuggestion: errors are read from the message log, since elaboration
    # errors are recovered as `sorry`; runtime exceptions (heartbeats) need tryCatchRuntimeEx (src/Lean/CoreM.lean).
    assert {"tryCatchRuntimeEx", "messages.hasErrors", "Term.withoutErrToSorry"} <= NAMES
    assert "tryCatch" not in NAMES
