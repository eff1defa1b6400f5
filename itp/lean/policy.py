"""Trust policy for Lean 4 on tokens (itp/lean/lexer.py), never on raw text: what a proof, a header or a whole file
may contain, and how to read `#print axioms`. The screen is a first line only; the axiom audit does not rely on it."""

from __future__ import annotations

import re
from typing import Iterable, Optional

from ..coq.policy import PolicyViolation  # one exception type for every backend's policy
from .lexer import LexError, Token, TokenKind, scoped_declarations, tokenize

# Commands and keywords that run code at elaboration time, or define syntax that can (refused everywhere).
_CODE_RUNNERS = frozenset(
    {
        "run_cmd", "run_tac", "run_elab", "run_meta", "by_elab", "elab", "elab_rules", "macro", "macro_rules",
        "syntax", "declare_syntax_cat", "initialize", "builtin_initialize", "unsafe", "implemented_by", "extern",
        "binder_predicate", "declare_simp_like_tactic", "declare_config_elab", "declare_command_config_elab",
        "register_option", "register_simp_attr", "add_decl_doc", "dsimproc", "simproc", "simproc_decl",
    }
)  # fmt: skip
# Proof holes and checker shortcuts: `native_decide` and `decide +native` trust the compiler (Lean.ofReduceBool).
_HOLES = frozenset({"sorry", "admit", "native_decide", "native", "polyrith"})
# What a proof may not declare or change: it proves one statement, with `have`-style local structure only.
_DECLARATIONS = frozenset(
    {
        "axiom", "opaque", "def", "abbrev", "instance", "structure", "class", "inductive", "coinductive", "example",
        "namespace", "section", "end", "variable", "universe", "open", "export", "mutual", "deriving",
        "noncomputable", "private", "protected", "local", "scoped", "attribute", "import", "omit", "include", "where",
        "partial", "nonrec", "alias", "notation", "notation3", "infix", "infixl", "infixr", "prefix", "postfix",
        "irreducible_def", "proof_wanted", "unseal", "seal",
    }
)  # fmt: skip
_THEOREM = frozenset({"theorem", "lemma"})
_STATEMENT_KEYWORDS = _THEOREM | {"example", "def"}  # tactic mode also opens a `def ... := by` (REPL proof_step)
# Names whose use means compiled code or a hole is trusted, or the outside world is touched.
_FORBIDDEN_PARTS = frozenset(
    {
        "sorryAx", "ofReduceBool", "ofReduceNat", "reduceBool", "reduceNat", "trustCompiler", "unsafeCast",
        "unsafeIO", "unsafeBaseIO", "unsafeEIO", "addDecl", "addAndCompile", "evalConst", "evalExpr",
        "implemented_by", "extern", "native_decide",
    }
)  # fmt: skip
_FORBIDDEN_ROOTS = frozenset({"IO", "EIO", "BaseIO", "System", "Process"})
_FORBIDDEN_LEAN = frozenset({"Elab", "Meta", "Environment", "Compiler", "Kernel", "Core", "IR", "Server"})

# Options a proof may set (budgets and lints); everything else can change what is checked (debug.skipKernelTC, ...).
# `maxRecDepth` is a budget too (ProofNet headers and statements raise it), not a switch that skips a check.
_PROOF_OPTIONS = frozenset({"maxHeartbeats", "maxRecDepth", "synthInstance.maxHeartbeats", "synthInstance.maxSize"})
# A header may also set how names are bound and printed.
# `checkBinderAnnotations` only checks that instance binders are classes (ProofNet's Munkres_exercise_23_4 sets it).
_HEADER_OPTIONS = _PROOF_OPTIONS | {"autoImplicit", "relaxedAutoImplicit", "checkBinderAnnotations"}
_OPTION_PREFIXES = ("linter.", "pp.")
# Attributes a header or file may use: they steer simp, instances, unfolding and lemma-driven automation; none of
# them registers code that a tactic later runs (as `@[norm_num]`, `@[positivity]`, `@[tactic]`, `@[command_elab]`,
# `@[init]` or Aesop's tactic rules would).
_HEADER_ATTRIBUTES = frozenset(
    {
        "simp", "reducible", "irreducible", "semireducible", "instance", "ext", "inline", "noinline", "specialize",
        "norm_cast", "push_cast", "elab_as_elim", "symm", "refl", "trans", "mk_iff", "nolint", "coe", "match_pattern",
        "pp_nodot", "simps", "continuity", "measurability", "fun_prop", "gcongr", "mono", "default_instance", "class",
        "to_additive", "induction_eliminator", "cases_eliminator", "grind", "field_simps", "deprecated",
    }
)  # fmt: skip


def _tokens(text: str, what: str) -> list[Token]:
    try:
        return tokenize(text)
    except LexError as exc:
        raise PolicyViolation(f"{what} does not lex as Lean: {exc}") from None


def _ident_violation(tok: Token) -> Optional[str]:
    parts = tok.parts
    if not parts:
        return None
    if any(p in _FORBIDDEN_PARTS for p in parts):
        return f"{tok.text!r} trusts compiled code or a hole"
    root = parts[1:] if parts[0] == "_root_" else parts
    if root and root[0] in _FORBIDDEN_ROOTS:
        return f"{tok.text!r} reaches the outside world"
    if len(root) > 1 and root[0] == "Lean" and root[1] in _FORBIDDEN_LEAN:
        return f"{tok.text!r} is metaprogramming"
    return None


def _option_ok(name: str, allowed: frozenset[str]) -> bool:
    return name in allowed or name.startswith(_OPTION_PREFIXES)


def _attribute_names(tokens: list[Token], i: int) -> Iterable[tuple[str, int]]:
    """Attribute names in the `[...]` list that starts at tokens[i] (the `[`), with their token index."""
    depth, expect_name = 0, True
    for j in range(i, len(tokens)):
        t = tokens[j]
        if t.text in ("[", "(", "{"):
            depth += 1
            continue
        if t.text in ("]", ")", "}"):
            depth -= 1
            if depth == 0:
                return
            continue
        if depth == 1 and t.text == ",":
            expect_name = True
            continue
        if depth == 1 and expect_name:
            if t.text in ("local", "scoped", "-"):
                continue
            expect_name = False
            yield t.text, j


def _common(tokens: list[Token], what: str, options: frozenset[str], attributes: frozenset[str]) -> None:
    """The rules every kind of Lean text obeys."""
    for i, t in enumerate(tokens):
        if t.kind is TokenKind.HASH_COMMAND:
            raise PolicyViolation(f"{what} may not contain the command {t.text} (it runs or inspects code)")
        if t.kind is TokenKind.STRING and "{" in t.text:
            # An interpolated string (`s!"{...}"`, `throwError "{...}"`) holds code the lexer would read as text.
            raise PolicyViolation(f"{what} may not contain a string with '{{' (possible interpolation)")
        if t.kind in (TokenKind.IDENT, TokenKind.NAME_LITERAL):
            if t.kind is TokenKind.IDENT and (
                t.text in _CODE_RUNNERS or t.name in _CODE_RUNNERS or t.text.startswith("builtin_")
            ):
                raise PolicyViolation(f"{what} may not use {t.text!r} (it runs code or redefines syntax)")
            problem = _ident_violation(t)
            if problem:
                raise PolicyViolation(f"{what}: {problem}")
        if t.kind is TokenKind.IDENT and t.text == "set_option":
            nxt = tokens[i + 1] if i + 1 < len(tokens) else None
            if nxt is None or nxt.kind is not TokenKind.IDENT:
                raise PolicyViolation(f"{what}: set_option without an option name")
            if not _option_ok(nxt.name, options):
                raise PolicyViolation(f"{what} may not set the option {nxt.name} (it can change what is checked)")
        is_attr = (t.text == "@" and i + 1 < len(tokens) and tokens[i + 1].text == "[") or (
            t.text == "attribute" and i + 1 < len(tokens) and tokens[i + 1].text == "["
        )
        if is_attr:
            for name, _ in _attribute_names(tokens, i + 1):
                if name not in attributes:
                    raise PolicyViolation(f"{what} may not use the attribute {name!r}")


def screen_proof(proof: str) -> None:
    """Refuse text that is not a proof of the one statement asked: holes, declarations, code, checker switches.
    A proof may restate the theorem (whole-file completions): then `theorem`/`lemma` must be its first token."""
    tokens = _tokens(proof, "the proof")
    _common(tokens, "a proof", _PROOF_OPTIONS, frozenset())
    first = _first_code(tokens)
    for i, t in enumerate(tokens):
        if t.kind is not TokenKind.IDENT:
            continue
        if t.text in _HOLES or t.name in _HOLES:  # `«sorry»` names the same thing to a reader
            raise PolicyViolation(f"a proof may not use {t.text!r}")
        if t.text in _DECLARATIONS:
            raise PolicyViolation(f"a proof may not use {t.text!r}: it proves the one statement and declares nothing")
        if t.text in _THEOREM and i != first:
            raise PolicyViolation("a proof may declare only the one theorem it proves")


def screen_header(header: str) -> None:
    """Refuse a header with a command that acts outside the document, runs code or switches a check off.
    Declarations (axioms included: they stay part of the problem), notations (they only expand to terms, and the
    statement is elaborated under them) and `open`/`namespace` are allowed."""
    tokens = _tokens(header, "the header")
    _common(tokens, "a header", _HEADER_OPTIONS, _HEADER_ATTRIBUTES)
    past_imports = False
    for i, t in enumerate(tokens):
        if t.kind is TokenKind.IDENT and t.text in ("sorry", "admit", "native_decide"):
            raise PolicyViolation(f"a header may not use {t.text!r} (declare an axiom instead: it is listed apart)")
        if t.text == "import":
            if past_imports:
                raise PolicyViolation("a header's imports must come first")
        elif not (i > 0 and tokens[i - 1].text == "import") and t.kind is not TokenKind.DOC_COMMENT:
            past_imports = True


class NotAStatement(PolicyViolation):
    """The text is not a theorem statement at all: bad input rather than an attempt to cheat."""


def screen_statement(statement: str) -> None:
    """A theorem statement obeys the header rules and declares exactly one theorem, first."""
    try:
        tokens = tokenize(statement)
    except LexError as exc:
        raise NotAStatement(f"the statement does not lex as Lean: {exc}") from None
    screen_header(statement)
    first = _first_code(tokens)
    while first is not None and tokens[first].text == "set_option" and _at(tokens, first + 3) == "in":
        first += 4  # `set_option NAME VALUE in theorem ...` (the option was screened above)
    if first is None or _at(tokens, first) not in _STATEMENT_KEYWORDS:
        raise NotAStatement("a statement must start with `theorem`, `lemma`, `example` or `def`")
    for i, t in enumerate(tokens):
        if t.kind is TokenKind.IDENT and i != first and (t.text in _THEOREM or t.text in _DECLARATIONS):
            raise PolicyViolation(f"a statement may not use {t.text!r}: it declares only its theorem")


def screen_file(body: str) -> None:
    """A whole file after its imports: declarations are fine, holes, new axioms and code are not."""
    tokens = _tokens(body, "the file")
    _common(tokens, "a file", _HEADER_OPTIONS, _HEADER_ATTRIBUTES)
    for t in tokens:
        if t.kind is TokenKind.IDENT and (t.text in _HOLES or t.text in ("axiom", "import")):
            raise PolicyViolation(f"a checked file may not use {t.text!r}")


def _at(tokens: list[Token], i: int) -> str:
    return tokens[i].text if i < len(tokens) else ""


def _first_code(tokens: list[Token]) -> Optional[int]:
    return next((i for i, t in enumerate(tokens) if t.kind is not TokenKind.DOC_COMMENT), None)


def restated_name(proof: str) -> Optional[str]:
    """Name of the theorem a proof restates (its first token is `theorem`/`lemma`), else None."""
    try:
        tokens = tokenize(proof)
    except LexError:
        return None
    first = _first_code(tokens)
    if first is None or tokens[first].text not in _THEOREM or first + 1 >= len(tokens):
        return None
    return tokens[first + 1].name or None


def declared_names(text: str) -> list[str]:
    """Names of the theorems and lemmas a Lean file declares, in order (tokens: never inside comments or strings)."""
    tokens = _tokens(text, "the file")
    return [
        tokens[i + 1].name
        for i, t in enumerate(tokens[:-1])
        if t.kind is TokenKind.IDENT and t.text in _THEOREM and tokens[i + 1].kind is TokenKind.IDENT
    ]


def rename_declaration(statement: str, new_name: str) -> str:
    """`statement` with its declared name (the identifier after `theorem`/`lemma`) replaced by `new_name`; a
    docstring or a longer name that contains the old one is left alone."""
    tokens = _tokens(statement, "the statement")
    for i, t in enumerate(tokens[:-1]):
        if t.kind is TokenKind.IDENT and t.text in _THEOREM | {"example"}:
            target = tokens[i + 1]
            if target.kind is not TokenKind.IDENT:
                break
            return statement[: target.start] + new_name + statement[target.end :]
    raise PolicyViolation("the statement declares no theorem name")


def sets_option(text: str, name: str) -> bool:
    """Whether `text` has a `set_option NAME ...` command (tokens: not in a comment or string)."""
    try:
        tokens = tokenize(text)
    except LexError:
        return False
    return any(t.text == "set_option" and tokens[i + 1].name == name for i, t in enumerate(tokens[:-1]))


def header_axioms(header: str) -> list[str]:
    """Full names of the axioms a header declares, qualified by their enclosing namespaces."""
    return [name for _, name in scoped_declarations(header, _tokens(header, "the header"), ("axiom",))]


def parse_axioms(message: str) -> Optional[list[str]]:
    """Axioms from a `#print axioms` message, or None if the message is not one."""
    if "does not depend on any axioms" in message:
        return []
    m = re.search(r"depends on axioms:\s*\[([^\]]*)\]", message, re.S)
    if not m:
        return None
    return [a.strip() for a in m.group(1).split(",") if a.strip()]
