"""The conjecturer: prompts, generation (model and mutation), well-formedness checks and STP selection."""

from .autoformalize import Formalization, autoformalize, autoformalize_prompt
from .checks import REASONS, CheckSettings, ConjectureChecker, normalize
from .generate import Conjecture, Generate, model_conjectures, mutation_conjectures
from .prompts import (
    conjecture_completion,
    conjecture_prompt,
    disprove_completion,
    disprove_prompt,
    parse_conjecture,
    parse_false_variant,
)
from .select import Outcome, Selected, SelectionSettings, embedding_similarity, select_conjectures, uses_lemma

__all__ = [
    "REASONS",
    "CheckSettings",
    "Conjecture",
    "ConjectureChecker",
    "Formalization",
    "Generate",
    "Outcome",
    "Selected",
    "SelectionSettings",
    "autoformalize",
    "autoformalize_prompt",
    "conjecture_completion",
    "conjecture_prompt",
    "disprove_completion",
    "disprove_prompt",
    "embedding_similarity",
    "model_conjectures",
    "mutation_conjectures",
    "normalize",
    "parse_conjecture",
    "parse_false_variant",
    "select_conjectures",
    "uses_lemma",
]
