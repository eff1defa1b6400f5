"""The conjecturer: prompts, generation (model and mutation), well-formedness checks and STP selection."""

from .checks import REASONS, CheckSettings, ConjectureChecker, normalize
from .generate import Conjecture, Generate, model_conjectures, mutation_conjectures
from .autoformalize import Formalization, autoformalize, autoformalize_prompt
from .prompts import (
    conjecture_completion,
    conjecture_prompt,
    disprove_completion,
    disprove_prompt,
    parse_conjecture,
)
from .select import Outcome, Selected, SelectionSettings, embedding_similarity, select_conjectures, uses_lemma

__all__ = [
    "REASONS",
    "CheckSettings",
    "Conjecture",
    "Formalization",
    "ConjectureChecker",
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
    "select_conjectures",
    "uses_lemma",
]
