"""The prover's prompt and training target in the two formats a run can use: STP's (the default: what a published
STP checkpoint expects, byte for byte) and ours."""

from __future__ import annotations

from stp_prover.itp import Theorem
from stp_prover.itp.dialect import dialect
from stp_prover.prover.prompts import whole_proof_prompt


def stp_proof_prompt(theorem: Theorem) -> str:
    """STP's prover prompt (RL/utils/model_utils.py:40-41, RL/RL_step2_train.py:26-29): the header and the stripped
    statement inside an opened code block, nothing after it."""
    d = dialect(theorem.system)
    return f"Complete the following {d.language} code:\n\n```{d.fence}\n{theorem.header}{theorem.statement.strip()}"


def proof_prompt(theorem: Theorem, style: str) -> str:
    return stp_proof_prompt(theorem) if style == "stp" else whole_proof_prompt(theorem)


def proof_target(proof: str, style: str) -> str:
    """What the prover learns to write after the prompt. STP: the proof as generated (the trainer appends EOS;
    RL_step2_train.py:31, levanter/examples/weighted_lm.py:134), on a new line when it does not start with space.
    Ours: the proof and the closing fence where generation is cut."""
    if style == "stp":
        text = proof.rstrip()
        return text if text[:1].isspace() else "\n" + text
    return proof.rstrip() + "\n```"
