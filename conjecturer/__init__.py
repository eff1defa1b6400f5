"""The conjecturer: prompts, generation (model and mutation), well-formedness checks and STP selection."""

from .autoformalize import Formalization, autoformalize, autoformalize_prompt
from .checks import REASONS, CheckSettings, ConjectureChecker, normalize
from .generate import (
    Conjecture,
    ConjectureDecoding,
    ConjectureInput,
    Generate,
    model_conjectures,
    mutation_conjectures,
)
from .grammar import conjecture_grammar
from .pairs import ConjecturePair, PairSettings, conjecture_pairs
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
    "ConjectureDecoding",
    "ConjectureInput",
    "ConjecturePair",
    "PairSettings",
    "conjecture_grammar",
    "conjecture_pairs",
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
