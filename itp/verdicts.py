"""Verdict modes: which proofs count as proved. `strict` is the trust policy (the default, and the only mode whose
verdicts are published or served as proofs); `stp` accepts what STP's verifier accepts (kfdong/STP,
RL/utils/prover/lean/verifier.py), so that pass rates can be compared with the paper's. See docs/trust-policy.md."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

VerdictModeName = Literal["strict", "stp"]


@dataclass(frozen=True)
class VerdictRules:
    """What one verdict mode checks; each backend reads the switches that apply to it (docs/trust-policy.md)."""

    name: str
    # The proof screen's verdict rules (Lean: `native_decide`, `decide +native`, extra declarations; the safety
    # rules, code that runs at elaboration time, IO and metaprogramming names, hold in every mode).
    screen_verdict_rules: bool
    # A proof may restate the theorem (`theorem X ... := proof`); off: the statement is always sent before the
    # proof, as STP does (verifier.py:232 `statement + '\n' + proof`), so a restated one fails in the assistant.
    restated_proofs: bool
    # Lean: the statement elaborated alone first, then the result audit (exactly the asked declaration, the same
    # type, kernel replay). Coq: a restated statement compared with the asked one.
    audit_result: bool
    audit_axioms: bool  # only the standard axioms (Lean `#print axioms`, Coq `Print Assumptions`)
    strict_options: bool  # Lean: `set_option autoImplicit false` after a header that does not choose itself
    kernel_recheck: bool  # the `kernel_recheck` setting may run (Coq: coqchk); off: it is ignored
    # Any warning whose text holds "failed" makes a proof incomplete (STP verifier.py:54).
    refuse_failed_warnings: bool
    publishable: bool  # its PROVED verdicts may be reported as proofs (server, published results)
    # The verifier pool re-runs a timed-out proof with more time. STP does not: a query past its timeout gives
    # `complete: False` (verifier.py:157-160), and its second stage re-runs only results without `complete` (:430).
    rerun_timeouts: bool = True


VERDICT_MODES: dict[str, VerdictRules] = {
    "strict": VerdictRules(
        "strict",
        screen_verdict_rules=True,
        restated_proofs=True,
        audit_result=True,
        audit_axioms=True,
        strict_options=True,
        kernel_recheck=True,
        refuse_failed_warnings=False,
        publishable=True,
    ),
    "stp": VerdictRules(
        "stp",
        screen_verdict_rules=False,
        restated_proofs=False,
        audit_result=False,
        audit_axioms=False,
        strict_options=False,
        kernel_recheck=False,
        refuse_failed_warnings=True,
        publishable=False,
        rerun_timeouts=False,
    ),
}
STRICT = VERDICT_MODES["strict"]


def verdict_rules(name: str) -> VerdictRules:
    """The rules of verdict mode `name`; ValueError naming the modes for an unknown one."""
    try:
        return VERDICT_MODES[name]
    except KeyError:
        raise ValueError(f"verdicts must be one of {', '.join(VERDICT_MODES)}, not {name!r}") from None
