"""Prompt formats that published checkpoints expect, and the cleaning of what they generate."""

from __future__ import annotations

import re
from typing import Sequence

from stp_prover.itp import Theorem
from stp_prover.itp.dialect import dialect


def whole_proof_prompt(theorem: Theorem, informal: bool = False) -> str:
    """DeepSeek-Prover / STP whole-proof prompt: "Complete the following Lean 4 code:" and a fenced block holding the
    header and the statement; the model continues the code. The Coq counterpart has the same shape."""
    d = dialect(theorem.system)
    prefix = ""
    if informal and theorem.informal_statement:
        prefix = d.comment(" ".join(theorem.informal_statement.split())) + "\n"
    statement = theorem.statement.rstrip()
    return f"Complete the following {d.language} code:\n\n```{d.fence}\n{theorem.header}{prefix}{statement}\n"


def proof_completion(proof: str) -> str:
    """The proof followed by the closing fence the whole-proof prompt opened (where generation is cut)."""
    return proof.rstrip() + "\n```"


def cot_whole_proof_prompt(theorem: Theorem) -> str:
    """DeepSeek-Prover-V1.5's chain-of-thought variant: the same block, asking for explanatory comments before each
    line; the informal statement (when known) is a comment above the theorem."""
    d = dialect(theorem.system)
    plain = whole_proof_prompt(theorem, informal=True)
    head = f"Complete the following {d.language} code:"
    return plain.replace(
        head, f"Complete the following {d.language} code with explanatory comments preceding each line of code:", 1
    )


def nl_fl_few_shot_prompt(theorem: Theorem, shots: Sequence[tuple[Theorem, str]]) -> str:
    """Few-shot NL-FL: worked examples (informal statement and proof, then the formal theorem with a commented
    proof), then the theorem to prove with its informal statement and proof."""
    d = dialect(theorem.system)

    def block(t: Theorem, proof: str) -> str:
        informal = " ".join((t.informal_statement or "").split())
        informal_proof = " ".join((t.informal_proof or "").split())
        return (
            f"Informal statement: {informal}\nInformal proof: {informal_proof}\n"
            f"```{d.fence}\n{t.statement.rstrip()}\n{proof}"
        )

    examples = "".join(block(t, p.rstrip() + "\n```\n\n") for t, p in shots)
    return (
        f"Prove each theorem in {d.language}, following its informal proof; comment each step.\n\n"
        f"{examples}{block(theorem, '')}"
    )


def cut_whole_proof(theorem: Theorem, generated: str) -> str:
    """The proof from a completion of `whole_proof_prompt`: cut at the closing fence; a restated statement is kept
    (the checker compares it with the asked one)."""
    text = generated.split("```", 1)[0]
    return text.rstrip() + "\n" if text.strip() else ""


def tactic_prompt(state_text: str, premises: Sequence = ()) -> str:
    """ReProver's retrieval-augmented input: the retrieved premises' code (best nearest the state), then the state.
    A premise is a record with `code` (its statement), or the text to show itself."""
    if not premises:
        return state_text
    return "".join(f"{getattr(p, 'code', p)}\n" for p in reversed(list(premises))) + state_text


def clean_tactic(generated: str) -> str:
    """One tactic from a generation: first non-empty line, stripped of code fences and trailing separators."""
    for line in generated.split("\n"):
        t = line.strip()
        if t and not t.startswith("```"):
            return re.sub(r"\s*;;?\s*$", "", t)
    return ""
