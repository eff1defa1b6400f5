"""The prover's prompt and training target in the two formats a run can use: STP's (the default: what a published
STP checkpoint expects, byte for byte) and ours."""

from __future__ import annotations

import dataclasses
from typing import Optional

from stp_prover.itp import Theorem
from stp_prover.itp.dialect import dialect
from stp_prover.prover.prompts import whole_proof_prompt


def stp_proof_prompt(theorem: Theorem, fixed_header: Optional[str] = None) -> str:
    """STP's prover prompt (RL/utils/model_utils.py:40-43, RL_step2_train.py:26-30). A record with its own header:
    the header and the stripped statement inside an opened code block. A record without one (STP's Lean Workbook
    and miniF2F files have none): STP's fixed PROVER_PROMPT header (model_utils.py:22), a blank line, the statement."""
    d = dialect(theorem.system)
    head = f"Complete the following {d.language} code:\n\n```{d.fence}\n"
    if fixed_header is not None:
        return f"{head}{fixed_header}\n{theorem.statement.strip()}"
    return f"{head}{theorem.header}{theorem.statement.strip()}"


def prompt_theorem(theorem: Theorem, fixed_header: Optional[str]) -> Theorem:
    """The theorem as the policy actor's prompt sees it: with a fixed header the prompt is STP's header-less form
    (the header and the blank line of model_utils.py:43); verification keeps the theorem's own header."""
    if fixed_header is None:
        return theorem
    return dataclasses.replace(theorem, header=fixed_header + "\n")


def conjecture_seed(theorem: Theorem, fixed_header: Optional[str]) -> Theorem:
    """The seed as the conjecturer's prompt shows it: with a fixed header, that header in place of the seed's
    (RL_step2_train.py:67 writes `f'{PROVER_PROMPT}\n'` before `<lemma>`, where the proof prompt has its own blank
    line: `prompt_theorem`)."""
    return theorem if fixed_header is None else dataclasses.replace(theorem, header=fixed_header)


def proof_prompt(theorem: Theorem, style: str, fixed_header: Optional[str] = None) -> str:
    return stp_proof_prompt(theorem, fixed_header) if style == "stp" else whole_proof_prompt(theorem)


def proof_target(proof: str, style: str) -> str:
    """What the prover learns to write after the prompt. STP: the proof as generated (the trainer appends EOS;
    RL_step2_train.py:31, levanter/examples/weighted_lm.py:134), on a new line when it does not start with space.
    Ours: the proof and the closing fence where generation is cut."""
    if style == "stp":
        text = proof.rstrip()
        return text if text[:1].isspace() else "\n" + text
    return proof.rstrip() + "\n```"
