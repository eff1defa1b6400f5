"""Trust policy for Coq: what a proof script may contain and which axioms it may rest on."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from .sentences import SentenceError, split_sentences

DECLARATION_KEYWORDS = ("Theorem", "Lemma", "Example", "Corollary", "Proposition", "Fact", "Remark")
_DECL_RE = re.compile(r"^(?:" + "|".join(DECLARATION_KEYWORDS) + r")\s+([A-Za-z_][\w']*)")
_ASSUMPTION_DECL_RE = re.compile(
    r"^(?:Axiom|Axioms|Parameter|Parameters|Hypothesis|Hypotheses|Variable|Variables|Conjecture)\s+(.+?)\s*:", re.S
)
# Sentences that may close a proof; `Admitted`/`Abort` are refused by the capitalised-word rule below.
_CLOSERS = ("Qed.", "Defined.")
_BULLET_OR_BRACE = re.compile(r"^(?:[-+*]+|[{}]|(?:\d+|\[\s*[A-Za-z_][\w']*\s*\])\s*:\s*\{)$")
# Unfinished proofs, and tactics that leave the kernel or run code outside it. The kernel still re-checks at Qed,
# but native compilation spawns compilers and writes files, which a proof script has no business doing.
_FORBIDDEN_WORDS = re.compile(
    r"\b(?:admit|give_up|native_compute|native_cast_no_check|vm_cast_no_check|Redirect|Declare|Load)\b"
)
# Commands that change the checker or the outside world, refused anywhere in a header-less file check too.
FORBIDDEN_FILE_COMMANDS = re.compile(
    r"^(?:#\[[^\]]*\]\s*)?(?:(?:Local|Global|Export)\s+)?(?:"
    r"Load|Declare\s+ML\s+Module|Redirect|Cd|Add\s+(?:Rec\s+)?(?:LoadPath|ML\s+Path)|Remove\s+LoadPath|Drop|Quit|"
    r"Unset\s+(?:Guard|Positivity|Universe)\s+Checking|Set\s+Typeclasses\s+Debug|Extraction|Recursive\s+Extraction|"
    r"Separate\s+Extraction|Extract|Reset|Back|BackTo|Abort|Admitted|Restart|Undo|Write\s+State|Restore\s+State|"
    r"Axiom|Axioms|Parameter|Parameters|Conjecture|Hypothesis|Hypotheses|Variable|Variables|Context|Time|Instructions|"
    r"Profile|Register|Primitive|Set\s+Default\s+Proof\s+Using|Unset\s+Strict|Set\s+Bullet\s+Behavior"
    r")\b"
)


@dataclass(frozen=True)
class ProofScript:
    """A screened proof: the sentences to send after the statement (or including it, when `declares` is set)."""

    sentences: list[str]
    declares: Optional[str] = None  # the theorem name when the proof text restates the declaration


def screen_proof(proof: str, theorem_name: str) -> ProofScript:
    """Cut a proof into sentences and refuse anything that is not a proof script. Raises PolicyViolation."""
    try:
        sentences = split_sentences(proof)
    except SentenceError as exc:
        raise PolicyViolation(str(exc)) from exc
    if not sentences:
        raise PolicyViolation("empty proof")
    declares = None
    m = _DECL_RE.match(sentences[0])
    if m:
        if m.group(1) != theorem_name:
            raise PolicyViolation(f"the proof declares {m.group(1)!r}, not the theorem {theorem_name!r}")
        declares = m.group(1)
    body = sentences[1:] if declares else sentences
    if body and re.match(r"^(?:Admitted|Abort)\b", body[-1]):
        raise PolicyViolation(f"the proof is given up (`{body[-1]}`)")
    if not body or body[-1] not in _CLOSERS:
        raise PolicyViolation("a proof must end with `Qed.` or `Defined.`")
    for i, sentence in enumerate(body):
        if _FORBIDDEN_WORDS.search(sentence):
            raise PolicyViolation(f"forbidden command or tactic in proof: {sentence[:80]!r}")
        if sentence in _CLOSERS:
            if i != len(body) - 1:
                raise PolicyViolation("text after the end of the proof")
            continue
        if _BULLET_OR_BRACE.match(sentence) or _is_tactic(sentence):
            continue
        if i == 0 and re.match(r"^Proof(?:\s+using\b[^.]*)?\.$", sentence):
            continue
        raise PolicyViolation(f"not a tactic: {sentence[:80]!r} (a proof may hold tactics only)")
    return ProofScript(sentences=sentences, declares=declares)


def _is_tactic(sentence: str) -> bool:
    """Coq's commands are capitalised; tactics, tactic combinators and goal selectors are not."""
    if sentence == "Unshelve.":  # a command in Coq's grammar, but it only changes which goals are focused
        return True
    s = re.sub(r"^(?:\d+(?:\s*,\s*\d+)*|all|par|\[\s*\w+\s*\]|!)\s*:\s*", "", sentence)
    return bool(re.match(r"^[a-z_(\[]", s))


class PolicyViolation(ValueError):
    """The text is not acceptable as a proof, whatever Coq would say of it."""


def screen_file(text: str) -> None:
    """Refuse files that use commands outside the trusted subset: what a header may hold (`screen_header`), less
    axioms and parameters (a file's theorems must rest on the standard axioms only)."""
    _screen_context(text, "file")
    sentences = split_sentences(text)
    for sentence in sentences:
        if FORBIDDEN_FILE_COMMANDS.match(sentence) or _FORBIDDEN_WORDS.search(sentence):
            raise PolicyViolation(f"forbidden command: {sentence[:80]!r}")
        if re.search(r"\badmit\b|\bgive_up\b", sentence):
            raise PolicyViolation(f"proof left unfinished: {sentence[:80]!r}")


# What a header may hold: the vernacular that builds a mathematical context inside the document. Anything else is
# refused, so a command we never thought of is refused too. Checked on each sentence after its attributes and
# control prefixes (`#[local]`, `Local`, `Time`, `Fail`, ...) are taken off.
_HEADER_COMMANDS = re.compile(
    r"^(?:From\s+[\w.]+\s+)?(?:Require(?:\s+(?:Import|Export))?|Import|Export)\s|"
    r"^(?:Open|Close|Declare|Delimit|Bind|Undelimit)\s+Scope\b|"
    r"^(?:Definition|Fixpoint|CoFixpoint|Inductive|CoInductive|Variant|Record|Structure|Class|Instance|Let|"
    r"Existing\s+(?:Instance|Instances|Class)|Function|Program\s+\w+|Scheme|Combined\s+Scheme|Canonical|Coercion|"
    r"Notation|Infix|Reserved\s+(?:Notation|Infix)|Declare\s+(?:Custom\s+Entry|Reduction)|Arguments|"
    r"Implicit\s+Types?|Generalizable|Hint|Create\s+HintDb|Remove\s+Hints|Ltac|Tactic\s+Notation|"
    r"Section|End|Module|Include|Opaque|Transparent|Strategy|Typeclasses|"
    r"Axiom|Axioms|Parameter|Parameters|Conjecture|Hypothesis|Hypotheses|Variable|Variables|Context|"
    r"Lemma|Theorem|Example|Corollary|Proposition|Fact|Remark|Proof|Qed|Defined|"
    r"Check|Print|About|Locate|Search|SearchPattern|SearchRewrite|Compute|Eval|Set|Unset)\b"
)
# Prefixes that modify the sentence after them; `Redirect` (writes a file) is not among them and so is refused.
_HEADER_PREFIX = re.compile(
    r"^(?:#\[(?P<attrs>[^\]]*)\]\s*|(?:Local|Global|Export|Polymorphic|Monomorphic|Cumulative|NonCumulative|"
    r"Private|Time|Fail|Succeed|Timeout\s+\d+)\s+)"
)
# Options that switch a check off, write files, compile native code, or change how Coq prints what we read back.
_HEADER_FORBIDDEN_OPTIONS = re.compile(
    r"^(?:Set|Unset)\s+(?:Guard\s+Checking|Positivity\s+Checking|Universe\s+Checking|Printing\s+(?:Width|All|"
    r"Depth)|Extraction|NativeCompute|Native\s+Compiler|Typeclasses\s+Debug|Debug|Silent)\b"
)
# Words refused anywhere, because an allowed command can carry them (a tactic in a proof, an attribute, `Eval`).
_HEADER_FORBIDDEN_WORDS = re.compile(
    r"\b(?:native_compute|native_cast_no_check|vm_cast_no_check|bypass_check|admit|give_up)\b"
)


def screen_header(header: str) -> None:
    """Refuse a header (raises PolicyViolation) unless every sentence only builds a context in the document: no
    files, load paths, native code or external processes, no check switched off, no proof left unfinished."""
    _screen_context(header, "header")


def _screen_context(text: str, what: str) -> None:
    try:
        sentences = split_sentences(text)
    except SentenceError as exc:
        raise PolicyViolation(f"{what}: {exc}") from exc
    in_proof = False
    for sentence in sentences:
        bad = _HEADER_FORBIDDEN_WORDS.search(sentence)
        if bad:
            raise PolicyViolation(f"{what}: `{bad.group(0)}` is not allowed: {sentence[:80]!r}")
        core = sentence
        while m := _HEADER_PREFIX.match(core):
            core = core[m.end() :]
        if _HEADER_FORBIDDEN_OPTIONS.match(core):
            raise PolicyViolation(f"{what}: this option may not be changed: {sentence[:80]!r}")
        if in_proof and (_BULLET_OR_BRACE.match(core) or _is_tactic(core)):
            continue
        if in_proof and _DECL_RE.match(core):
            raise PolicyViolation(f"{what}: a declaration inside an unfinished proof: {sentence[:80]!r}")
        if not _HEADER_COMMANDS.match(core + " "):
            raise PolicyViolation(f"{what}: command not allowed in a {what}: {sentence[:80]!r}")
        if re.match(r"^(?:Qed|Defined)\.$", core):
            in_proof = False
        elif _DECL_RE.match(core) or re.match(r"^(?:Definition|Fixpoint|Instance|Let)\b", core):
            in_proof = not core.rstrip(".").rstrip().endswith(":=") and ":=" not in core
    if in_proof:
        raise PolicyViolation(f"{what}: a proof in the {what} is not closed with `Qed.` or `Defined.`")


def declared_theorems(text: str) -> list[str]:
    """Names of the theorems a file declares, in order."""
    names = []
    for sentence in split_sentences(text):
        m = _DECL_RE.match(sentence)
        if m:
            names.append(m.group(1))
    return names


def header_assumptions(header: str) -> set[str]:
    """Axioms and parameters the header itself declares: part of the problem, so a proof may use them."""
    names: set[str] = set()
    try:
        sentences = split_sentences(header)
    except SentenceError:
        return names
    for sentence in sentences:
        m = _ASSUMPTION_DECL_RE.match(sentence)
        if m:
            names.update(n for n in re.split(r"[\s()]+", m.group(1)) if n)
    return names


def parse_assumptions(output: str) -> tuple[list[str], list[str]]:
    """Parse `Print Assumptions` output into (axiom names, other findings such as unguarded fixpoints)."""
    axioms: list[str] = []
    problems: list[str] = []
    text = output.strip()
    if "Closed under the global context" in text:
        return axioms, problems
    for line in text.split("\n"):
        if not line.strip() or line[0].isspace() or line.startswith("Fetching opaque proofs"):
            continue  # a type continued from the line above
        if re.match(r"^[\w ]+:$", line):
            continue  # a section title such as "Axioms:"
        if "assumed to be" in line or "type-in-type" in line:
            problems.append(line.strip())
            continue
        m = re.match(r"^([A-Za-z_][\w'.]*)(?:\s*:|$)", line)
        if m:
            axioms.append(m.group(1))
    if not axioms and not problems:
        problems.append(f"unrecognised Print Assumptions output: {text[:200]!r}")
    return axioms, problems


def audit_axioms(axioms: list[str], problems: list[str], allowed: set[str]) -> Optional[str]:
    """Reason to refuse the proof, or None when it rests only on allowed axioms."""
    if problems:
        return "unsafe assumptions: " + "; ".join(problems)
    # Coq prints the shortest name that resolves in scope (`classic` once Classical is imported), so an allowed
    # axiom may appear under any dotted suffix of its full name.
    bad = [a for a in axioms if a not in allowed and not any(full.endswith("." + a) for full in allowed)]
    if bad:
        return "non-standard axioms: " + ", ".join(bad)
    return None


def screen_tactic(tactic: str) -> list[str]:
    """Sentences of one search step: tactics, bullets and braces only (a missing final period is added)."""
    text = tactic.strip()
    if text and not text.endswith(".") and not _BULLET_OR_BRACE.match(text):
        text += "."
    try:
        sentences = split_sentences(text)
    except SentenceError as exc:
        raise PolicyViolation(str(exc)) from exc
    if not sentences:
        raise PolicyViolation("empty tactic")
    for sentence in sentences:
        if _FORBIDDEN_WORDS.search(sentence) or not (_BULLET_OR_BRACE.match(sentence) or _is_tactic(sentence)):
            raise PolicyViolation(f"not a tactic: {sentence[:80]!r}")
    return sentences
