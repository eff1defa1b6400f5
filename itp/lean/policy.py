"""Trust policy for Lean 4: what a proof may contain and how to read `#print axioms`."""

from __future__ import annotations

import re
from typing import Optional

from ..coq.policy import PolicyViolation  # one exception type for every backend's policy

# Commands and attributes that run code, change the checker, touch the outside world or redefine syntax.
_FORBIDDEN = re.compile(
    r"(?<![\w.])(?:sorry|admit|axiom|unsafe|implemented_by|extern|native_decide|decide\s*\+\s*native|"
    r"run_cmd|run_tac|run_elab|run_meta|elab|elab_rules|macro|macro_rules|syntax|declare_syntax_cat|notation|infix|"
    r"infixl|infixr|prefix|postfix|import|initialize|builtin_initialize|opaque|csimp|ofReduceBool|"
    r"IO|System|unsafeIO|unsafeCast|Lean\.Elab|Lean\.Meta|Lean\.Environment|addDecl|ofReduceNat)(?![\w])"
    r"|#\w+|\battribute\s*\["
)
# Options a proof may set; others (debug.skipKernelTC, ...) change what is checked.
_ALLOWED_OPTIONS = {
    "maxHeartbeats",
    "maxRecDepth",
    "synthInstance.maxHeartbeats",
    "synthInstance.maxSize",
    "linter.unusedVariables",
    "linter.unusedTactic",
    "linter.unreachableTactic",
}
_DECL = re.compile(
    r"^\s*(?:@\[[^\]]*\]\s*)?(?:private\s+|protected\s+)?(?:theorem|lemma|example)\s+([^\s:({\[]+)", re.M
)


def _strip_comments(text: str) -> str:
    text = re.sub(r"/-.*?-/", " ", text, flags=re.S)
    return re.sub(r"--[^\n]*", " ", text)


def screen_proof(proof: str) -> None:
    """Refuse text that is not a proof script; comments are allowed and ignored."""
    code = _strip_comments(proof)
    if "/-" in code:
        raise PolicyViolation("unterminated comment")
    m = _FORBIDDEN.search(code)
    if m:
        raise PolicyViolation(f"forbidden in a proof: {m.group(0)!r}")
    for opt in re.findall(r"set_option\s+([\w.]+)", code):
        if opt not in _ALLOWED_OPTIONS:
            raise PolicyViolation(f"option not allowed in a proof: {opt}")


def restated_name(proof: str) -> Optional[str]:
    """Name of the last theorem the proof text declares itself (whole-file completions), else None."""
    names = _DECL.findall(_strip_comments(proof))
    return names[-1] if names else None


def parse_axioms(message: str) -> Optional[list[str]]:
    """Axioms from a `#print axioms` message, or None if the message is not one."""
    if "does not depend on any axioms" in message:
        return []
    m = re.search(r"depends on axioms:\s*\[([^\]]*)\]", message, re.S)
    if not m:
        return None
    return [a.strip() for a in m.group(1).split(",") if a.strip()]


def declared_names(text: str) -> list[str]:
    """Names of the theorems and lemmas a Lean file declares, in order."""
    return _DECL.findall(_strip_comments(text))
