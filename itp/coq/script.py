"""The sentences that check one proof and audit it, shared by the warm (`coqtop`) and cold (`coqc`) checkers."""

from __future__ import annotations

import re
import secrets
import time
from dataclasses import dataclass
from typing import Optional

from ..env import StatementError
from ..types import Theorem, Verdict, VerdictKind
from ..verdicts import STRICT, VerdictRules
from .policy import (
    _DECL_RE,
    PolicyViolation,
    audit_axioms,
    header_assumptions,
    parse_assumptions,
    screen_proof,
)
from .sentences import SentenceError, split_sentences, split_with_spans

REF_NAME = "stp_statement_ref"


@dataclass(frozen=True)
class CheckScript:
    name: str
    sentences: list[str]  # the declaration and the proof, as sent to Coq
    restated: bool  # the proof text restated the declaration: compare it with the asked one
    ref_statement: str  # the asked declaration under REF_NAME
    # Where each sentence starts in the proof text (None for our copy of the declaration): a failing sentence's
    # offset is the verdict's `error_offset`.
    offsets: tuple[Optional[int], ...] = ()

    def offset(self, index: int) -> Optional[int]:
        return self.offsets[index] if 0 <= index < len(self.offsets) else None

    def audit(self) -> list[tuple[str, Optional[str]]]:
        """(sentence, role) pairs run after the proof; a role names an output the verdict needs."""
        steps: list[tuple[str, Optional[str]]] = []
        if self.restated:
            steps += [
                ("Set Printing All.", None),
                (f"Check {self.name}.", "proved_type"),
                (self.ref_statement, None),
                ("Admitted.", None),
                (f"Check {REF_NAME}.", "asked_type"),
                ("Unset Printing All.", None),
            ]
        steps.append((f"Print Assumptions {self.name}.", "assumptions"))
        return steps


_IMPORT = re.compile(r"^(?:From\s+\S+\s+)?(?:Require(?:\s+(?:Import|Export))?|Import|Export)\s")


def split_header(header: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """(leading Require/Import sentences, the rest). Loading libraries is the expensive part, so warm processes are
    keyed by the first; the rest (definitions, scopes) is replayed per proof in milliseconds.
    Raises StatementError when the header is not complete Coq."""
    try:
        sentences = split_sentences(header)
    except SentenceError as exc:
        raise StatementError(f"header is not complete Coq: {exc}") from exc
    k = 0
    while k < len(sentences) and _IMPORT.match(sentences[k]):
        k += 1
    return tuple(sentences[:k]), tuple(sentences[k:])


def statement_sentence(theorem: Theorem) -> str:
    """The theorem's declaration as one sentence; StatementError if it is not exactly one `Theorem NAME ...`."""
    try:
        sentences = split_sentences(theorem.statement)
    except SentenceError as exc:
        raise StatementError(f"{theorem.name}: statement is not complete Coq: {exc}") from exc
    decls = [s for s in sentences if not re.match(r"^Proof\b", s)]
    if len(decls) != 1 or not (m := _DECL_RE.match(decls[0])) or m.group(1) != theorem.name:
        raise StatementError(f"{theorem.name}: the statement must be one `Theorem {theorem.name} ... .` declaration")
    return decls[0]


@dataclass(frozen=True)
class ProofLimits:
    """The longest proof a check takes (a backend config's `max_proof_bytes`, `max_proof_sentences`: the defaults
    live there)."""

    max_bytes: int
    max_sentences: int

    @classmethod
    def of(cls, config) -> "ProofLimits":
        return cls(config.max_proof_bytes, config.max_proof_sentences)

    def refuse_length(self, proof: str) -> None:
        """Raise PolicyViolation when `proof` is longer in bytes than allowed (cheap: before any parsing)."""
        size = len(proof.encode("utf-8", "surrogatepass"))
        if size > self.max_bytes:
            raise PolicyViolation(
                f"the proof is {size} bytes long, over the limit of {self.max_bytes} (max_proof_bytes)"
            )

    def refuse_sentences(self, count: int) -> None:
        if count > self.max_sentences:
            raise PolicyViolation(
                f"the proof has {count} sentences, over the limit of {self.max_sentences} (max_proof_sentences)"
            )


def build_script(theorem: Theorem, proof: str, limits: ProofLimits, rules: VerdictRules = STRICT) -> CheckScript:
    """Screen `proof` and assemble what to send; raises PolicyViolation (untrusted) or StatementError (bad input).
    Without restated proofs (the stp mode) our declaration always comes first, as STP sends `statement + proof`
    (kfdong/STP RL/utils/prover/lean/verifier.py:232): a restated `Theorem` then fails in Coq as a nested proof."""
    limits.refuse_length(proof)
    declaration = statement_sentence(theorem)
    screened = screen_proof(proof, theorem.name)
    limits.refuse_sentences(len(screened.sentences))
    restated = bool(screened.declares) and rules.restated_proofs
    sentences = screened.sentences if restated else [declaration] + screened.sentences
    # The name group only: a name inside the keyword (`r` in `Theorem r`) must not be the one replaced.
    m = _DECL_RE.match(declaration)
    ref = declaration[: m.start(1)] + REF_NAME + declaration[m.end(1) :] if m else declaration
    # The screen cut the proof with split_sentences, so the spans line up with its sentences one to one.
    starts = [start for _, start, _ in split_with_spans(proof)]
    offsets = tuple(starts) if restated else (None, *starts)
    return CheckScript(theorem.name, sentences, restated, ref, offsets)


def prepare_check(
    theorem: Theorem, proof: str, started: float, limits: ProofLimits, rules: VerdictRules = STRICT
) -> "CheckScript | Verdict":
    """The script that checks `proof`, or the verdict refusing it before Coq sees it (forbidden or over-long text:
    untrusted; a statement that is not one declaration: bad statement). `started`: the check's `time.monotonic()`
    start."""
    try:
        return build_script(theorem, proof, limits, rules)
    except PolicyViolation as exc:
        return policy_verdict(exc)
    except StatementError as exc:
        return Verdict(VerdictKind.BAD_STATEMENT, str(exc), seconds=time.monotonic() - started)


def judge(
    script: CheckScript,
    outputs: dict[str, str],
    header: str,
    allowed: tuple[str, ...],
    seconds: float,
    rules: VerdictRules = STRICT,
) -> Verdict:
    """Verdict for a proof that compiled, from the audit outputs (without `audit_axioms`, the stp mode, the axioms
    are listed but not judged: STP's verifier runs no `#print axioms`)."""
    if script.restated:
        proved, asked = _type_of(outputs.get("proved_type", "")), _type_of(outputs.get("asked_type", ""))
        if proved is None or asked is None or proved != asked:
            return Verdict(
                VerdictKind.UNTRUSTED,
                "the proof restates a different statement than the one asked",
                messages=[f"proved: {proved}", f"asked: {asked}"],
                seconds=seconds,
            )
    axioms, problems = parse_assumptions(outputs.get("assumptions", ""))
    declared = header_assumptions(header)
    # By the last component: a header can nest its axiom in modules named like a library's (`Module Coq. Module
    # Floats. ...`), and Coq then prints it under a standard-looking name. Such a name counts as the header's.
    from_header = [a for a in axioms if a.rsplit(".", 1)[-1] in declared]
    standard = [a for a in axioms if a not in from_header]
    why = audit_axioms(standard, problems, set(allowed)) if rules.audit_axioms else None
    if why:
        return Verdict(VerdictKind.UNTRUSTED, why, axioms=standard, header_axioms=from_header, seconds=seconds)
    return Verdict(VerdictKind.PROVED, "", axioms=standard, header_axioms=from_header, seconds=seconds)


def _type_of(check_output: str) -> Optional[str]:
    """The type part of a `Check NAME.` reply (`NAME\\n     : TYPE`), white space folded."""
    parts = check_output.strip().split("\n", 1)
    if len(parts) != 2 or not parts[1].lstrip().startswith(":"):
        return None
    return " ".join(parts[1].lstrip()[1:].split())


def policy_verdict(exc: PolicyViolation, seconds: float = 0.0) -> Verdict:
    return Verdict(VerdictKind.UNTRUSTED, f"forbidden proof text: {exc}", seconds=seconds)


class AuditMarkers:
    """Random markers printed before each audit output in a `coqc` run: text printed before a marker may come from
    the proof itself (`idtac "Closed under the global context"`), text after it is ours."""

    def __init__(self) -> None:
        self.nonce = secrets.token_hex(8)

    def _name(self, label: str) -> str:
        return f"stp_audit_{label}_{self.nonce}"

    def command(self, label: str) -> str:
        name = self._name(label)
        return f"Definition {name} := 0. Print {name}."

    def output(self, out: str, label: str) -> str:
        """What was printed after the marker `label` (and the marker's own type line), up to the next marker."""
        at = out.find(f"{self._name(label)} =")
        if at < 0:
            return ""
        rest = out[at:].split("\n", 2)
        body = rest[2] if len(rest) > 2 else ""
        nxt = body.find("stp_audit_")
        return body[:nxt] if nxt >= 0 else body
