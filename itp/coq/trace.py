"""Trace a Coq source file for real: replay it sentence by sentence in coqtop and record, for every tactic of every
proof, the focused goals before and after and the premises it uses (what its names denote, asked of Coq); collect every
declaration as a premise."""

from __future__ import annotations

import bisect
import re
import time
from typing import Callable, Optional

from ..trace import Declaration, TracedFile, TracedTactic, TracedTheorem
from .config import CoqConfig
from .coqtop import CoqTop, CoqTopDied, CoqTopTimeout
from .sentences import SentenceError, split_with_spans
from .trace_goals import focused_goals
from .trace_names import Located, NameResolver, mentions

_DECL = re.compile(
    r"^(?:#\[[^\]]*\]\s*)?(?:(?:Local|Global|Polymorphic|Monomorphic|Program|Private|Cumulative)\s+)*"
    r"(Theorem|Lemma|Fact|Remark|Corollary|Proposition|Example|Definition|Fixpoint|CoFixpoint|Inductive|"
    r"CoInductive|Record|Structure|Class|Instance|Let|Function|Axiom|Parameter|Conjecture|Hypothesis|Variable)\s+"
    r"([A-Za-z_][\w']*)"
)
_MODULE = re.compile(r"^(?:Module(?:\s+Type)?|Section)\s+(?:(?:Import|Export)\s+)?([A-Za-z_][\w']*)")
_END = re.compile(r"^End\s+([A-Za-z_][\w']*)\s*\.$")
_REQUIRE = re.compile(r"^(?:From\s+(\S+)\s+)?Require\s+(?:(?:Import|Export)\s+)?(.+)\.$")
_PROOF = re.compile(r"^Proof\b")  # `Proof.`, `Proof using ...`, `Proof with ...` and `Proof term.`
_CLOSERS = re.compile(r"^(?:Qed|Defined|Admitted|Abort|Save)\b")
# Sentences that only move the focus (bullets, braces, `2: {`, `[x]: {`): not tactics of their own.
_FOCUS = re.compile(r"^(?:[-+*]+|[{}]|(?:\d+|\[\s*[A-Za-z_][\w']*\s*\])\s*:\s*\{)$")
_SECTION_LOCAL = {"Variable", "Hypothesis", "Let"}
# Commands that only ask or print inside a proof: not tactics.
_QUERY = re.compile(r"^(?:Show|Check|Locate|Print|Search\w*|About|Eval|Compute|Test|Timeout\s+\d+\s+(?:Show|Check))\b")
# Where a failed proof's skipped text certainly ends: the next top-level command.
_TOP_LEVEL = re.compile(r"^(?:End|Module|Section|Require|From|Import|Export|Hint|Notation|Arguments)\b")
_LIBRARY_LINE = re.compile(r"^\s*((?:Coq|Ltac2|Top)\.[\w.']+|[A-Z][\w']*(?:\.[\w']+)+)\s*$", re.M)

__all__ = ["mentions", "trace_file"]

# Called after each traced tactic with coqtop, the state id before the tactic, the record and the name resolver;
# an audit (benchmarks/trace_quality.py) may step back and forth but must leave coqtop where the tactic left it.
TacticHook = Callable[[CoqTop, int, TracedTactic, NameResolver], None]


def trace_file(
    text: str,
    path: str,
    logical_name: str,
    config: Optional[CoqConfig] = None,
    sentence_timeout: float = 60.0,
    on_tactic: Optional[TacticHook] = None,
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
    ctx = _Context(top, traced, config, sentence_timeout, line_of, on_tactic)
    scopes = ctx.names.scopes  # open modules and sections: (name, is_module)
    try:
        i = 0
        while i < len(spans):
            sentence, start, end = spans[i]
            i += 1
            ctx.names.forget()  # a top-level sentence may change what names denote
            reply = _run(top, sentence, sentence_timeout)
            if reply is None:
                traced.error = f"line {line_of(start)}: coqtop timed out or died on {sentence[:80]!r}; stopped"
                break
            if _REQUIRE.match(sentence) and not reply.error:
                traced.imports += [m for m in _required(ctx, sentence) if m not in traced.imports]
                ctx.libraries = None
            mod = _MODULE.match(sentence)
            decl = _DECL.match(sentence) if not reply.error else None
            in_section = any(not is_mod for _, is_mod in scopes)
            if mod and not reply.error and ":=" not in sentence:
                scopes.append((mod.group(1), not sentence.startswith("Section")))
            elif (end_m := _END.match(sentence)) and scopes and scopes[-1][0] == end_m.group(1):
                scopes.pop()
            elif decl and in_section and decl.group(1) in _SECTION_LOCAL:
                pass  # a section's variables and `Let`s are hypotheses of its proofs, not premises
            elif decl:
                kind, name = decl.group(1), decl.group(2)
                guess = ".".join([logical_name] + [s for s, is_mod in scopes if is_mod] + [name])
                if reply.open_proofs:
                    theorem = TracedTheorem(name, guess, sentence, line_of(start), line_of(end))
                    i = _trace_proof(ctx, spans, i, theorem)
                    traced.theorems.append(theorem)
                    if not top.alive():
                        traced.error = f"line {theorem.end_line}: coqtop died in the proof of {name}; stopped"
                        break
                # Coq knows the declaration's full name (sections, modules); the guess is the fallback. Asked
                # afresh: inside its own proof the name was not defined yet.
                ctx.names.forget()
                located = ctx.names.locate(name) if top.alive() else None
                full = located.full_name if located and located.full_name.endswith("." + name) else guess
                if reply.open_proofs:
                    theorem.full_name = full
                traced.declarations.append(Declaration(name, full, kind, sentence, line_of(start)))
                ctx.declared.add(full)
            ctx.last_line = line_of(spans[i - 1][2])
    finally:
        top.close()
        traced.seconds = round(time.monotonic() - t0, 3)
    traced.referenced = [d for d in ctx.referenced.values() if d.full_name not in ctx.declared]
    return traced


class _Context:
    """What the replay of one file carries from sentence to sentence."""

    def __init__(self, top: CoqTop, traced: TracedFile, config: CoqConfig, timeout: float, line_of, on_tactic):
        self.top, self.traced, self.config, self.timeout, self.line_of = top, traced, config, timeout, line_of
        self.on_tactic = on_tactic
        self.names = NameResolver(top, traced.logical_name, config.tactic_timeout)
        self.declared: set[str] = set()
        self.referenced: dict[str, Declaration] = {}
        self.libraries: Optional[list[str]] = None  # loaded libraries, longest first; None: ask again
        self.last_line = 0  # last line of the latest top-level sentence

    def record(self, located: Located) -> None:
        """Keep a premise's statement the first time a proof uses it, unless it is a declaration of this file."""
        if located.full_name in self.declared or located.full_name in self.referenced:
            return
        own = located.full_name.startswith(self.traced.logical_name + ".")
        library = "" if own else self.library_of(located.full_name)
        short = located.full_name.rsplit(".", 1)[-1]
        # A name made in this file without a declaration sentence (constructor, functor instance) exists by the
        # end of the latest top-level sentence: the position a later theorem's accessibility check needs.
        self.referenced[located.full_name] = Declaration(
            short,
            located.full_name,
            located.kind,
            self.names.statement(located.full_name),
            self.last_line if own else 0,
            library,
        )

    def library_of(self, full_name: str) -> str:
        """The loaded library a name belongs to: the longest loaded library name that prefixes it."""
        if self.libraries is None:
            out = self.names.ask("Print Libraries.") or ""
            self.libraries = sorted(_LIBRARY_LINE.findall(out), key=len, reverse=True)
        return next((lib for lib in self.libraries if full_name.startswith(lib + ".")), "")


def _required(ctx: _Context, sentence: str) -> list[str]:
    """Full logical names of the libraries a Require names (`From Coq Require Lia` is Coq.micromega.Lia)."""
    m = _REQUIRE.match(sentence)
    names = []
    for name in m.group(2).split():
        written = f"{m.group(1)}.{name}" if m.group(1) else name
        out = ctx.names.ask(f"Locate Library {name}.") or ""
        found = re.match(r"^(\S+) has been loaded", out)
        names.append(found.group(1) if found else written)
    return names


def _trace_proof(ctx: _Context, spans, i: int, theorem: TracedTheorem) -> int:
    """Run the proof's sentences from spans[i]; returns the index after the proof."""
    top, timeout, line_of = ctx.top, ctx.timeout, ctx.line_of
    if i < len(spans) and _PROOF.match(spans[i][0]):
        # `Proof term.` (and `Proof using`) must follow the statement directly: asking for the goals first makes
        # Coq reject it. `Proof term.` also ends the proof.
        sentence, _, end = spans[i]
        i += 1
        theorem.end_line = line_of(end)
        reply = _run(top, sentence, timeout)
        if reply is None or reply.error:
            theorem.ok, theorem.error = False, f"{sentence[:80]}: {reply.error if reply else 'timeout'}"
            _admit(top)
            return _skip_failed_proof(spans, i, theorem, line_of)
        if not reply.open_proofs:
            return i
    before = focused_goals(top, ctx.config.tactic_timeout, ctx.config.max_goals_shown)
    while i < len(spans):
        sentence, _, end = spans[i]
        i += 1
        theorem.end_line = line_of(end)
        if _CLOSERS.match(sentence) or _PROOF.match(sentence):
            reply = _run(top, sentence, timeout)
            if _CLOSERS.match(sentence):
                if reply is None or reply.error:
                    theorem.ok, theorem.error = False, (reply.error if reply else "timeout") or ""
                    _admit(top)
                break
            continue
        sid = top.sid
        reply = _run(top, sentence, timeout)
        if reply is None or reply.error:
            theorem.ok = False
            theorem.error = f"{sentence[:80]}: {reply.error if reply else 'timeout'}"
            _admit(top)
            return _skip_failed_proof(spans, i, theorem, line_of)
        if not reply.open_proofs:  # a proof closed by a command we did not expect: stop here
            break
        after = focused_goals(top, ctx.config.tactic_timeout, ctx.config.max_goals_shown)
        if not _FOCUS.match(sentence) and not _QUERY.match(sentence):
            located = ctx.names.premises(sentence, before, after)
            for loc in located:
                ctx.record(loc)
            tactic = TracedTactic(sentence, before, after, mentions(sentence), [loc.full_name for loc in located])
            theorem.tactics.append(tactic)
            if ctx.on_tactic:
                ctx.on_tactic(top, sid, tactic, ctx.names)
        before = after
    return i


def _skip_failed_proof(spans, i: int, theorem: TracedTheorem, line_of) -> int:
    """Index after the rest of a failed proof (already admitted): up to its closer, but never past the start of
    the next declaration or top-level command, which must still run."""
    while i < len(spans):
        sentence, _, end = spans[i]
        if _DECL.match(sentence) or _TOP_LEVEL.match(sentence):
            return i
        i += 1
        theorem.end_line = line_of(end)
        if _CLOSERS.match(sentence):
            return i
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
