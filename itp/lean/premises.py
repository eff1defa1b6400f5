"""The library lemmas a verified Lean proof invokes, as Lean resolves them (STP's `invokes`).

STP asks its REPL fork for `premises` (the `fullName` of every constant the proof's syntax refers to) and keeps the
Mathlib theorems among them. The upstream REPL has no premise list, so this module asks Lean directly, in the
header's environment: every identifier the proof text mentions is resolved with the header's `open`s
(`resolveGlobalConstNoOverload`), and kept when the environment holds it as a theorem (`ConstantInfo.thmInfo`); its
type is pretty-printed (`Meta.ppExpr`). Upstream behaviour relied on (Lean 4 core, stable since 2023): a command
`run_cmd` / `#eval show CommandElabM Unit from ...` runs in the REPL's environment and `logInfo` comes back as a
message of severity `info`; a failed resolution throws and is caught per name. Names are matched by a strict pattern
and passed as name literals, so no other proof text reaches Lean. Never run here (no Lean toolchain on our machines).
"""

from __future__ import annotations

import re
from typing import Any

MARK = "STP_PREMISE "
_IDENT = re.compile(r"(?<![\w.'!?`])[^\W\d][\w'!?]*(?:\.[^\W\d][\w'!?]*)*", re.UNICODE)
_STRING = re.compile(r'"(?:[^"\\]|\\.)*"')
_COMMENT = re.compile(r"--[^\n]*|/-.*?-/", re.S)
_KEYWORDS = set(
    """by at with fun in have show from then else if match let calc exact apply intro intros rw simp simp_all norm_num
linarith nlinarith positivity omega ring ring_nf field_simp decide rfl constructor refine use obtain rcases cases
induction using only this all_goals any_goals try first repeat focus case next sorry admit theorem lemma example
def Type Prop Sort fun_prop aesop gcongr push_cast exact_mod_cast norm_cast assumption contradiction""".split()
)


def candidate_names(proof: str, own_name: str = "") -> list[str]:
    """Identifiers of the proof that may be global constants, in order of first mention."""
    text = _COMMENT.sub(" ", _STRING.sub(" ", proof))
    seen: dict[str, None] = {}
    for tok in _IDENT.findall(text):
        if tok not in _KEYWORDS and tok != own_name:
            seen[tok] = None
    return list(seen)


def premises_command(names: list[str]) -> str:
    """A Lean command that logs `STP_PREMISE <full name> : <type>` for each of `names` that resolves to a theorem."""
    literals = ", ".join(f"`{n}" for n in names)
    return (
        "open Lean Elab Command Meta in\n"
        "#eval show CommandElabM Unit from do\n"
        f"  for n in ([{literals}] : List Name) do\n"
        "    try\n"
        "      let full ← resolveGlobalConstNoOverload (mkIdent n)\n"
        "      if let some (.thmInfo info) := (← getEnv).find? full then\n"
        "        let ty ← liftTermElabM (ppExpr info.type)\n"
        f'        logInfo m!"{MARK}{{full}} : {{ty}}"\n'
        "    catch _ => pure ()\n"
    )


def parse_premises(response: dict[str, Any]) -> dict[str, str]:
    """{full name: `theorem name : type`} from the REPL's answer to `premises_command`."""
    out: dict[str, str] = {}
    for m in response.get("messages", []):
        data = str(m.get("data", ""))
        if m.get("severity") == "info" and data.startswith(MARK):
            name, _, ty = data[len(MARK) :].partition(" : ")
            out.setdefault(name.strip(), f"theorem {name.strip()} : {' '.join(ty.split())}")
    return out


def proof_premises(session, theorem, proof: str, timeout: float = 30.0, limit: int = 64) -> dict[str, str]:
    """{full name: statement} of the theorems a verified `proof` mentions; `session` is the header's LeanSession."""
    names = candidate_names(proof, theorem.name)[:limit]
    if not names:
        return {}
    try:
        return parse_premises(session.command(premises_command(names), timeout))
    except Exception:  # noqa: BLE001 - premises are best effort: a REPL failure leaves the proof without any
        return {}
