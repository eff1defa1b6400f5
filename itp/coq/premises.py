"""The library lemmas a verified Coq proof invokes, as the proof assistant resolves them.

STP records, for every proof its verifier accepts, the constants the proof refers to (the Lean REPL's premise list,
`fullName` of each) and uses them as the conjecturer's lemmas. The Coq counterpart: every identifier the proof text
mentions is resolved by Coq itself (`About`) in the theorem's header context; those that name an opaque constant (a
theorem or lemma, not a definition, constructor or local hypothesis) are the premises, keyed by their fully qualified
kernel name, with their statement as Coq prints it. Identifiers are matched by a strict pattern before they reach
Coq, so nothing of the proof text other than a name is ever sent."""

from __future__ import annotations

import re
from typing import Optional

from .coqtop import CoqTopDied, CoqTopTimeout
from .sentences import SentenceError, split_sentences
from .trace import mentions

_EXPANDS = re.compile(r"Expands to: Constant\s+(\S+)")
_OPAQUE = re.compile(r"\bis opaque\b")


def statement_text(printed: str) -> str:
    """`About`'s first paragraph (`name : type`) as a declaration the prompt can show."""
    head = printed.split("\n\n", 1)[0]
    return "Theorem " + " ".join(head.split()) + "."


def candidate_names(proof: str, own_name: str = "") -> list[str]:
    """Identifiers of the proof's sentences that may be global names, in order of first mention."""
    try:
        sentences = split_sentences(proof)
    except SentenceError:
        sentences = [proof]
    seen: dict[str, None] = {}
    for sentence in sentences:
        for name in mentions(sentence):
            if name != own_name:
                seen[name] = None
    return list(seen)


def proof_premises(session, theorem, proof: str, timeout: float = 10.0, limit: int = 64) -> dict[str, str]:
    """{fully qualified name: statement} of the lemmas `proof` (already verified) invokes, in order of mention.
    `session` is a warm CoqSession for the theorem's header; it is returned to the header's state afterwards."""
    names = candidate_names(proof, theorem.name)[:limit]
    out: dict[str, str] = {}
    if not names:
        return out
    try:
        session._enter(theorem.header)
        for name in names:
            reply = session.top.run(f"About {name}.", timeout)
            if reply.error:
                continue  # a local hypothesis, a tactic word: not a global name here
            full: Optional[re.Match] = _EXPANDS.search(reply.output)
            if full and _OPAQUE.search(reply.output) and full.group(1) not in out:
                out[full.group(1)] = statement_text(reply.output)
    except (CoqTopDied, CoqTopTimeout):
        pass  # premises are best effort: a proof whose premises cannot be read simply has none
    finally:
        session._recover()
    return out
