"""The conjecturer: prompts, generation (model and mutation), well-formedness checks and STP selection."""

from .autoformalize import Formalization, autoformalize, autoformalize_prompt
from .checks import REASONS, CheckSettings, ConjectureChecker, normalize
from .generate import Conjecture, Generate, model_conjectures, mutation_conjectures
from .prompts import (
    disprove_completion,
    disprove_prompt,
    parse_false_variant,
    stp_conjecture_prompt,
    stp_conjecture_target,
    stp_conjecture_training_prompt,
    stp_parse_conjecture,
)
from .select import SelectionSettings

__all__ = [
    "REASONS",
    "CheckSettings",
    "Conjecture",
    "ConjectureChecker",
    "Formalization",
    "Generate",
    "SelectionSettings",
    "autoformalize",
    "autoformalize_prompt",
    "disprove_completion",
    "disprove_prompt",
    "model_conjectures",
    "mutation_conjectures",
    "normalize",
    "parse_false_variant",
    "stp_conjecture_prompt",
    "stp_conjecture_target",
    "stp_conjecture_training_prompt",
    "stp_parse_conjecture",
]
