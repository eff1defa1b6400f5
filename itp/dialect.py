"""What upper layers need to write text for a proof assistant without knowing which one it is: how a proof is
assembled from tactics, how a comment looks, which fence a prompt uses, and how a premise is used. Each proof
assistant's Dialect comes with its backend spec (`itp/<system>/dialect.py`); `dialect(system)` finds it."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass, field
from typing import Callable, Iterator, Optional, Sequence

from .backends import registered_specs, system_spec


@functools.lru_cache(maxsize=16)
def _declaration_patterns(keywords: tuple[str, ...]) -> tuple[re.Pattern, re.Pattern]:
    """(a statement's start with its declared name as group 1, a declaration keyword anywhere at a line start)."""
    words = "|".join(re.escape(k) for k in keywords) or "(?!)"
    return (
        # A Lean name may carry explicit universes (`foo.{u_1}`): they are not part of the name.
        re.compile(rf"^\s*(?:{words})\s+([^\s:({{\[]+?)(?:\.\{{[^{{}}]*\}})?(?=[\s:({{\[]|$)"),
        re.compile(rf"(?:^|\n)\s*(?:{words})\s"),
    )


def _declarations() -> tuple[re.Pattern, re.Pattern]:
    """The patterns for every registered proof assistant's declaration keywords (`Theorem`, `Lemma`, `theorem`...)."""
    keywords = dict.fromkeys(k for s in registered_specs() if s.dialect for k in s.dialect.declaration_keywords)
    return _declaration_patterns(tuple(keywords))


def declared_name(statement: str) -> Optional[str]:
    """The name a theorem statement of any registered proof assistant declares, or None."""
    m = _declarations()[0].match(statement)
    return m.group(1) if m else None


def rename(statement: str, name: str) -> str:
    """The statement declaring `name` instead of its own name."""
    m = _declarations()[0].match(statement)
    if not m:
        raise ValueError("not a theorem statement")
    return statement[: m.start(1)] + name + statement[m.end(1) :]


def top_level_indices(text: str, start: int = 0) -> Iterator[int]:
    """The indices of `text` from `start` on that lie outside brackets and comments, in order."""
    depth, i = 0, start
    while i < len(text):
        if text.startswith(("(*", "/-"), i):
            close = "*)" if text[i] == "(" else "-/"
            j = text.find(close, i + 2)
            i = len(text) if j < 0 else j + 2
            continue
        c = text[i]
        if c in "([{⟨":
            depth += 1
        elif c in ")]}⟩":
            depth = max(0, depth - 1)
        elif depth == 0:
            yield i
        i += 1


def _top_level(text: str, stop: re.Pattern) -> Optional[int]:
    """Index of the first match of `stop` outside brackets and comments, or None."""
    return next((i for i in top_level_indices(text) if stop.match(text, i)), None)


@dataclass(frozen=True)
class Dialect:
    system: str
    language: str  # as prompts name it: "Lean 4", "Coq"
    fence: str  # markdown code-fence tag
    comment_open: str
    comment_close: str
    proof_open: str  # text between the statement and the first tactic
    proof_close: str  # text after the last tactic
    tactic_end: str  # appended to a tactic that lacks it
    premise_uses: tuple[str, ...]  # templates with {name}, for a retrieved premise
    statement_end: re.Pattern  # where a statement stops in generated text
    statement_suffix: str  # what `Theorem.statement` ends with after the statement proper
    arrow: str  # implication, for splitting hypotheses
    import_template: str  # a header line importing the module {module}
    forall: str  # the universal quantifier keyword
    negation_template: str  # "not {prop}"
    witness_templates: tuple[str, ...]  # proofs of a negated universal from a witness: {args} are the witnesses
    # (text, replacement) pairs that keep free text inside a comment from ending it or opening a nested one
    comment_escapes: tuple[tuple[str, str], ...] = ()
    theorem_keyword: str = "theorem"  # what `statement_for` declares a theorem with
    declaration_keywords: tuple[str, ...] = ("theorem", "lemma")  # what starts a theorem statement
    # How a goal is printed (for `canonical_state` and `goal_feature`): the line that ends the hypotheses (a prefix
    # of it), a hypothesis line's names, an identifier, and the goal shapes a feature names, binding loosest first.
    turnstile: str = ""
    hypothesis: re.Pattern = re.compile(r"(?!)")
    identifier: re.Pattern = re.compile(r"(?!)")
    binders: tuple[str, ...] = ()
    connectives: tuple[str, ...] = ()
    number_types: tuple[str, ...] = ()
    tactic_separator: re.Pattern = re.compile(r"(?!)")
    # (this dialect, known names) -> the EBNF rules of a theorem statement, start rule `statement`; each proof
    # assistant's package builds its own (itp/<system>/grammar.py), so no layer above names the syntax.
    statement_rules: Optional[Callable[["Dialect", tuple[str, ...]], str]] = field(default=None, compare=False)

    def statement_grammar(self, names: Sequence[str] = ()) -> str:
        """The EBNF rules (start rule `statement`) of a theorem statement, its terms' identifiers limited to `names`
        and short variables when given (binders may declare any identifier); ValueError when the system has none."""
        if self.statement_rules is None:
            raise ValueError(f"no statement grammar for {self.system!r}")
        return self.statement_rules(self, tuple(names))

    def proof_from_tactics(self, tactics: list[str] | tuple[str, ...]) -> str:
        """A whole proof (what follows the statement) from a tactic path."""
        lines = []
        for tactic in tactics:
            t = tactic.strip()
            if self.tactic_end and not t.endswith(self.tactic_end) and t not in ("{", "}", "-", "+", "*"):
                t += self.tactic_end
            lines.append("  " + t)
        return self.proof_open + "\n".join(lines) + self.proof_close

    def safe_comment_text(self, text: str) -> str:
        """One line of text that cannot end the comment it is put in, nor open a string or comment inside it."""
        text = " ".join(text.split())
        for old, new in self.comment_escapes:
            text = text.replace(old, new)
        return text

    def comment(self, text: str) -> str:
        return f"{self.comment_open}{text}{self.comment_close}"

    def premise_tactics(self, name: str) -> list[str]:
        return [t.format(name=name) for t in self.premise_uses]

    def statement_for(self, name: str, proposition: str) -> str:
        """A theorem statement named `name` asserting `proposition` (a goal with its hypotheses reverted)."""
        prop = proposition.strip()
        if self.statement_suffix == "." and prop.endswith("."):
            prop = prop[:-1].rstrip()
        return f"{self.theorem_keyword} {name} : {prop}{self.statement_suffix}"

    def negation(self, name: str, proposition: str) -> str:
        """A statement named `name` asserting that `proposition` is false."""
        return self.statement_for(name, self.negation_template.format(prop=proposition.strip()))

    def witness_tactics(self, witnesses: list[str]) -> list[str]:
        """Tactics that prove a negated universal statement by instantiating it at `witnesses` (none: a closed one)."""
        args = " ".join(f"({w})" for w in witnesses)
        return [t.format(args=args) for t in self.witness_templates]

    def import_line(self, module: str) -> str:
        return self.import_template.format(module=module)

    def continue_proof(self, prefix: str, tactics: list[str] | tuple[str, ...]) -> str:
        """A whole proof: `prefix` (the start of a proof, e.g. a checked prefix cut at its first error) followed by
        `tactics` at the indentation of its last line, then the proof's close."""
        head = prefix.rstrip()
        if not head.strip():
            return self.proof_from_tactics(tactics)
        body = self.proof_from_tactics(tactics)[len(self.proof_open) :]
        if self.proof_close:
            body = body[: -len(self.proof_close)]
        lines = [line.strip() for line in body.split("\n") if line.strip()]
        tail = prefix[len(head) :]
        if "\n" in tail:  # the prefix ends at the start of a line, indented already: go on from there
            indent = tail.rsplit("\n", 1)[1]
            return prefix + ("\n" + indent).join(lines) + self.proof_close
        last = head.rsplit("\n", 1)[-1]
        indent = last[: len(last) - len(last.lstrip())]
        return prefix + "".join("\n" + indent + line for line in lines) + self.proof_close

    def _goal_parts(self, goal: str) -> tuple[list[str], str]:
        """(hypothesis lines, conclusion) of one printed goal."""
        lines = goal.split("\n")
        for i, line in enumerate(lines):
            if self.turnstile and line.lstrip().startswith(self.turnstile):
                # The turnstile and any repeats of its last character (Coq's line is `=` repeated)
                rest = line.lstrip()[len(self.turnstile) :].lstrip(self.turnstile[-1])
                return lines[:i], "\n".join([rest] + lines[i + 1 :])
        return [], goal

    def canonical_state(self, text: str) -> str:
        """`text` (goals separated by a blank line) with each goal's hypotheses renamed in order of appearance, so
        states that differ only in the names of hypotheses get one key. Renaming every occurrence of a name the
        same way keeps distinct states distinct (at worst a state is not recognised, never two merged)."""
        out = []
        for goal in text.split("\n\n"):
            hyps, _ = self._goal_parts(goal)
            names: dict[str, str] = {}
            for line in hyps:
                m = self.hypothesis.match(line)
                if m:
                    for name in re.split(r"[\s,]+", m.group(1).strip()):
                        names.setdefault(name, f"#{len(names)}")
            if names:
                goal = self.identifier.sub(lambda m: names.get(m.group(0), m.group(0)), goal)
            out.append(" ".join(goal.split()))
        return "\n\n".join(out)

    def goal_feature(self, text: str) -> str:
        """A coarse kind of the first goal, for statistics of what worked on similar goals: its outer binder or
        loosest connective, and the number types its hypotheses declare (e.g. `<=/R`, `exists/Z`)."""
        hyps, concl = self._goal_parts(text.split("\n\n", 1)[0])
        concl = " ".join(concl.split())
        head = next((b for b in self.binders if concl.startswith(b)), None)
        if head is None:
            tops = set(top_level_indices(concl))
            head = next((c for c in self.connectives if any(i in tops for i in _find_all(concl, c))), "other")
        types = sorted(
            {t for line in hyps if self.hypothesis.match(line) for t in self.number_types if _is_type(line, t)}
        )
        return head + ("/" + ",".join(types) if types else "")

    def tactic_family(self, tactic: str) -> str:
        """The tactic's shape without its arguments: the first word of each part of a chain (`subst; lra` ->
        `subst;lra`), so statistics pool `rewrite H1` with `rewrite H2`."""
        parts = [p.strip() for p in self.tactic_separator.split(tactic) if p.strip()]
        return ";".join(re.split(r"[\s(\[{]", p, maxsplit=1)[0] for p in parts) or tactic.strip()

    def cut_statement(self, text: str) -> Optional[str]:
        """The first theorem statement in generated text, in the form `Theorem.statement` takes, or None."""
        m = _declarations()[1].search(text)
        if not m:
            return None
        text = text[m.start() :].strip()
        end = _top_level(text, self.statement_end)
        if end is None:
            return None
        body = text[:end].rstrip()
        return body + self.statement_suffix if declared_name(body) else None


def _find_all(text: str, needle: str) -> Iterator[int]:
    i = text.find(needle)
    while i >= 0:
        yield i
        i = text.find(needle, i + 1)


def _is_type(hypothesis_line: str, number_type: str) -> bool:
    """Whether a hypothesis line declares something of `number_type` (`x y : R`, `n : ℕ`)."""
    _, _, typ = hypothesis_line.partition(":")
    return typ.strip() == number_type


def dialect(system: str) -> Dialect:
    """The dialect of proof assistant `system`, from its backend spec; ValueError when it has none."""
    try:
        found = system_spec(system).dialect
    except ValueError:
        found = None
    if found is None:
        raise ValueError(f"no dialect for {system!r}")
    return found

