"""Trace a Coq source file for real: replay it sentence by sentence in coqtop and record, for every tactic of every
proof, the goals before and after and the global names it mentions; collect every declaration as a premise."""

from __future__ import annotations

import bisect
import re
import time
from typing import Optional

from ..config import CoqConfig
from ..trace import Declaration, TracedFile, TracedTactic, TracedTheorem
from .coqtop import CoqTop, CoqTopDied, CoqTopTimeout, read_goals
from .sentences import SentenceError, split_with_spans

_DECL = re.compile(
    r"^(?:#\[[^\]]*\]\s*)?(?:(?:Local|Global|Polymorphic|Monomorphic|Program|Private|Cumulative)\s+)*"
    r"(Theorem|Lemma|Fact|Remark|Corollary|Proposition|Example|Definition|Fixpoint|CoFixpoint|Inductive|"
    r"CoInductive|Record|Structure|Class|Instance|Let|Function)\s+([A-Za-z_][\w']*)"
)
_MODULE = re.compile(r"^(?:Module(?:\s+Type)?|Section)\s+(?:(?:Import|Export)\s+)?([A-Za-z_][\w']*)")
_END = re.compile(r"^End\s+([A-Za-z_][\w']*)\s*\.$")
_REQUIRE = re.compile(r"^(?:From\s+(\S+)\s+)?Require\s+(?:(?:Import|Export)\s+)?(.+)\.$")
_IDENT = re.compile(r"(?<![\w'.])[A-Za-z_][\w']*(?:\.[A-Za-z_][\w']*)*")
_PROOF_START = re.compile(r"^Proof(?:\s+(?:using|with)\b.*)?\.$")
_CLOSERS = re.compile(r"^(?:Qed|Defined|Admitted|Abort|Save)\b")
_FOCUS = re.compile(r"^(?:[-+*]+|[{}])$")
# Tactic names and keywords: never premises, even where a lemma of the same name exists (`reflexivity`).
_KEYWORDS = set(
    """in at as with by using fun forall exists let match end if then else return do try repeat first
solve idtac fail progress now easy eauto auto trivial intros intro apply eapply rewrite erewrite exact destruct edestruct
induction elim case simpl cbn cbv hnf red compute vm_compute unfold fold split left right constructor econstructor
exists eexists reflexivity symmetry transitivity assumption eassumption lia lra nia nra ring field ring_simplify
field_simplify omega congruence discriminate injection inversion subst clear revert generalize specialize pose set
assert enough cut change pattern replace contradiction exfalso absurd f_equal tauto intuition firstorder decide
remember rename move instantiate unshelve shelve cycle swap all par only type of Type Prop Set""".split()
)


def mentions(tactic: str) -> list[str]:
    """Identifiers a tactic refers to that may be global names (strings and tactic keywords left out)."""
    text = re.sub(r'"(?:[^"]|"")*"', " ", tactic)
    seen: dict[str, None] = {}
    for tok in _IDENT.findall(text):
        if tok not in _KEYWORDS and not re.fullmatch(r"[A-Z]?H\d*|[a-z]\d*|IH\w*", tok):
            seen[tok] = None
    return list(seen)


def trace_file(
    text: str, path: str, logical_name: str, config: Optional[CoqConfig] = None, sentence_timeout: float = 60.0
) -> TracedFile:
    """Replay `text` in a fresh coqtop. A failing proof is recorded (ok=False) and admitted so later ones still run."""
    config = config or CoqConfig()
    t0 = time.monotonic()
    traced = TracedFile(path=path, logical_name=logical_name)
    try:
        spans = split_with_spans(text)
    except SentenceError as exc:
        traced.error = f"cannot split into sentences: {exc}"
        return traced
    line_of = _line_index(text)
    try:
        top = CoqTop(config)
    except (CoqTopDied, CoqTopTimeout) as exc:
        traced.error = f"coqtop did not start: {exc}"
        return traced
    scopes: list[tuple[str, bool]] = []  # (name, is_module)
    try:
        i = 0
        while i < len(spans):
            sentence, start, end = spans[i]
            i += 1
            req = _REQUIRE.match(sentence)
            if req:
                prefix = req.group(1)
                traced.imports += [f"{prefix}.{m}" if prefix else m for m in req.group(2).split()]
            reply = _run(top, sentence, sentence_timeout)
            if reply is None:
                traced.error = f"line {line_of(start)}: coqtop timed out or died on {sentence[:80]!r}; stopped"
                break
            mod = _MODULE.match(sentence)
            if mod and not reply.error and ":=" not in sentence:
                scopes.append((mod.group(1), not sentence.startswith("Section")))
                continue
            end_m = _END.match(sentence)
            if end_m and scopes and scopes[-1][0] == end_m.group(1):
                scopes.pop()
                continue
            decl = _DECL.match(sentence)
            if not decl or reply.error:
                continue
            kind, name = decl.group(1), decl.group(2)
            full = ".".join([logical_name] + [s for s, is_mod in scopes if is_mod] + [name])
            traced.declarations.append(Declaration(name, full, kind, sentence, line_of(start)))
            if reply.open_proofs:
                theorem = TracedTheorem(name, full, sentence, line_of(start), line_of(end))
                i = _trace_proof(top, spans, i, theorem, config, sentence_timeout, line_of)
                traced.theorems.append(theorem)
                if not top.alive():
                    traced.error = f"line {theorem.end_line}: coqtop died in the proof of {name}; stopped"
                    break
    finally:
        top.close()
        traced.seconds = round(time.monotonic() - t0, 3)
    return traced


def _trace_proof(top: CoqTop, spans, i: int, theorem: TracedTheorem, config: CoqConfig, timeout: float, line_of) -> int:
    """Run the proof's sentences from spans[i]; returns the index after the proof."""
    _, before = read_goals(top, config.tactic_timeout, config.max_goals_shown)
    failed = False
    while i < len(spans):
        sentence, _, end = spans[i]
        i += 1
        theorem.end_line = line_of(end)
        if failed:
            if _CLOSERS.match(sentence):
                break
            continue
        if _CLOSERS.match(sentence) or _PROOF_START.match(sentence):
            reply = _run(top, sentence, timeout)
            if _CLOSERS.match(sentence):
                if reply is None or reply.error:
                    theorem.ok, theorem.error = False, (reply.error if reply else "timeout") or ""
                    _admit(top)
                break
            continue
        reply = _run(top, sentence, timeout)
        if reply is None or reply.error:
            theorem.ok = False
            theorem.error = f"{sentence[:80]}: {reply.error if reply else 'timeout'}"
            _admit(top)
            failed = True
            continue
        if not reply.open_proofs:  # a proof closed by a command we did not expect: stop here
            break
        _, after = read_goals(top, config.tactic_timeout, config.max_goals_shown)
        if not _FOCUS.match(sentence):
            theorem.tactics.append(TracedTactic(sentence, before, after, mentions(sentence)))
        before = after
    return i


def _run(top: CoqTop, sentence: str, timeout: float):
    try:
        return top.run(sentence, timeout)
    except CoqTopTimeout:
        return None
    except CoqTopDied:
        return None


def _admit(top: CoqTop) -> None:
    """Give up the current proof but keep its statement, so later proofs that use it still replay."""
    for command in ("Admitted.", "Abort."):
        try:
            reply = top.run(command, 30.0)
        except (CoqTopDied, CoqTopTimeout):
            return
        if not reply.error and not reply.open_proofs:
            return


def _line_index(text: str):
    starts = [0] + [m.end() for m in re.finditer("\n", text)]

    def line_of(offset: int) -> int:
        return bisect.bisect_right(starts, offset)

    return line_of
