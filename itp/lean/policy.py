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
# What the `stp` verdict mode lets through of the above (itp/verdicts.py): STP's verifier has no screen and no axiom
# audit (kfdong/STP RL/utils/prover/lean/verifier.py:53-54), so a proof by `native_decide` passes there. `sorry` and
# `admit` still fail there (the "declaration uses 'sorry'" warning), `polyrith` needs the network either way.
_STP_TRUSTED = frozenset({"native_decide", "native"})
# What a proof may not declare or change: it proves one statement, with `have`-style local structure only.
_DECLARATIONS = frozenset(
    {
        "axiom", "opaque", "def", "abbrev", "instance", "structure", "class", "inductive", "coinductive", "example",
        "namespace", "section", "end", "variable", "universe", "open", "export", "mutual", "deriving",
        "noncomputable", "private", "protected", "local", "scoped", "attribute", "import", "omit", "include", "where",
        "partial", "nonrec", "alias", "notation", "notation3", "infix", "infixl", "infixr", "prefix", "postfix",
        "irreducible_def", "proof_wanted", "unseal", "seal", "prelude",
    }
)  # fmt: skip
_THEOREM = frozenset({"theorem", "lemma"})
_STATEMENT_KEYWORDS = _THEOREM | {"example", "def"}  # tactic mode also opens a `def ... := by` (REPL proof_step)
# Names whose use means compiled code or a hole is trusted, or the outside world is touched.
_FORBIDDEN_PARTS = frozenset(
    {
        "sorryAx", "ofReduceBool", "ofReduceNat", "reduceBool", "reduceNat", "trustCompiler", "unsafeCast",
        "unsafeIO", "unsafeBaseIO", "unsafeEIO", "addDecl", "addAndCompile", "evalConst", "evalExpr",
        "implemented_by", "extern", "native_decide", "loadDynlib",
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


def _readings(text: str, what: str) -> tuple[list[Token], list[list[Token]]]:
    """The tokens, and the other readings of comments glued to a symbol (each line as Lean would read it were the
    symbol followed by `-` a token): the screen applies its rules to all of them."""
    try:
        tokens = tokenize(text, glued=True)
    except LexError as exc:
        raise PolicyViolation(f"{what} does not lex as Lean: {exc}") from None
    main = [t for t in tokens if t.kind is not TokenKind.GLUED_COMMENT]
    return main, [list(t.inner) for t in tokens if t.kind is TokenKind.GLUED_COMMENT]


# Characters that, inside a notation's token, would make Lean split the text around it differently from the screen's
# table (a token ending in `'` swallows a char literal's quote, one holding `--` a comment): a string in a header,
# statement or file (where `notation`, `infix`, `syntax` take their tokens from) may not hold them.
_TOKEN_BREAKERS = ("'", '\\"', "`", "--", "/-", "-/", "«", "»")


def _open_in_end(tokens: list[Token], i: int) -> Optional[int]:
    """Index after `open A B.C in` starting at tokens[i], if it is one: plain namespace names only (no `hiding`,
    `renaming`, `scoped`, `(names)`), none of which reaches the metaprogramming or IO namespaces; else None."""
    if _at(tokens, i) != "open":
        return None
    j = i + 1
    while j < len(tokens) and tokens[j].kind is TokenKind.IDENT and tokens[j].text != "in":
        if tokens[j].text in ("hiding", "renaming", "scoped") or _ident_violation(tokens[j]):
            return None
        root = tokens[j].parts[0] if tokens[j].parts else ""
        if root in _FORBIDDEN_ROOTS or root == "Lean":
            return None
        j += 1
    return j + 1 if j > i + 1 and _at(tokens, j) == "in" else None


def _ident_violation(tok: Token, trusted: frozenset[str] = frozenset()) -> Optional[str]:
    parts = tok.parts
    if not parts:
        return None
    if any(p in _FORBIDDEN_PARTS and p not in trusted for p in parts):
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
        if t.text in ("[", "(", "{", "@[", "#[", "%["):
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


def _common(
    tokens: list[Token], what: str, options: frozenset[str], attributes: frozenset[str], trusted=frozenset()
) -> None:
    """The rules every kind of Lean text obeys (`trusted`: forbidden name parts a verdict mode lets through)."""
    for i, t in enumerate(tokens):
        if t.kind is TokenKind.HASH_COMMAND:
            raise PolicyViolation(f"{what} may not contain the command {t.text} (it runs or inspects code)")
        if t.kind is TokenKind.IDENT and t.text == "eval" and _at(tokens, i + 1) == "%":
            raise PolicyViolation(f"{what} may not use `eval%` (it runs code at elaboration time)")
        if t.kind is TokenKind.STRING and "{" in t.text:
            # An interpolated string (`s!"{...}"`, `throwError "{...}"`) holds code the lexer would read as text.
            raise PolicyViolation(f"{what} may not contain a string with '{{' (possible interpolation)")
        if t.kind in (TokenKind.IDENT, TokenKind.NAME_LITERAL):
            if t.kind is TokenKind.IDENT and (
                t.text in _CODE_RUNNERS or t.name in _CODE_RUNNERS or t.text.startswith("builtin_")
            ):
                raise PolicyViolation(f"{what} may not use {t.text!r} (it runs code or redefines syntax)")
            problem = _ident_violation(t, trusted)
            if problem:
                raise PolicyViolation(f"{what}: {problem}")
        if t.kind is TokenKind.IDENT and t.text == "set_option":
            nxt = tokens[i + 1] if i + 1 < len(tokens) else None
            if nxt is None or nxt.kind is not TokenKind.IDENT:
                raise PolicyViolation(f"{what}: set_option without an option name")
            if not _option_ok(nxt.name, options):
                raise PolicyViolation(f"{what} may not set the option {nxt.name} (it can change what is checked)")
        start = i if t.text == "@[" else i + 1 if t.text == "attribute" and _at(tokens, i + 1) == "[" else None
        if start is not None:  # `@[` is one token of Lean's table
            for name, _ in _attribute_names(tokens, start):
                if name not in attributes:
                    raise PolicyViolation(f"{what} may not use the attribute {name!r}")


def screen_proof(proof: str, verdict_rules: bool = True) -> None:
    """Refuse text that is not a proof of the one statement asked: holes, declarations, code, checker switches.
    A proof may restate the theorem (whole-file completions): then `theorem`/`lemma` must be its first declaration,
    after doc comments and `open N in` / `set_option N V in` prefixes only. `verdict_rules` off (the `stp` verdict
    mode): only the safety rules and the holes STP refuses too; `native_decide` and declarations pass."""
    tokens, others = _readings(proof, "the proof")
    _screen_proof_tokens(tokens, True, verdict_rules)
    for other in others:
        _screen_proof_tokens(other, False, verdict_rules)


def _screen_proof_tokens(tokens: list[Token], whole: bool, verdict_rules: bool = True) -> None:
    if not verdict_rules:
        _screen_stp_tokens(tokens)
        return
    _common(tokens, "a proof", _PROOF_OPTIONS, frozenset())
    first = _first_declaration(tokens) if whole else None
    opens = _open_in_tokens(tokens)
    for i, t in enumerate(tokens):
        if t.kind is TokenKind.DOC_COMMENT and not (first is not None and i < first and _at(tokens, first) in _THEOREM):
            # After a parse error Lean resumes at the failing token; a doc comment anywhere but before the restated
            # theorem could be where that happens, and its body would then be read as code.
            raise PolicyViolation("a proof may hold a doc comment only before the theorem it restates")
        if t.kind is not TokenKind.IDENT:
            continue
        if t.text in _HOLES or t.name in _HOLES:  # `«sorry»` names the same thing to a reader
            raise PolicyViolation(f"a proof may not use {t.text!r}")
        if t.text in _DECLARATIONS and i not in opens:
            raise PolicyViolation(f"a proof may not use {t.text!r}: it proves the one statement and declares nothing")
        if t.text in _THEOREM and i != first:
            raise PolicyViolation("a proof may declare only the one theorem it proves")


def _screen_stp_tokens(tokens: list[Token]) -> None:
    """The `stp` mode's proof screen: STP's verifier screens nothing, so this keeps only what protects the machine
    (code run at elaboration time, IO and metaprogramming names, checker switches, doc comments a parse error could
    resume in) and the holes STP refuses as well (sorry, admit)."""
    _common(tokens, "a proof", _PROOF_OPTIONS, frozenset(), trusted=_STP_TRUSTED)
    for t in tokens:
        if t.kind is TokenKind.DOC_COMMENT:
            raise PolicyViolation("a proof may not hold a doc comment (a parse error could resume inside it)")
        if t.kind is TokenKind.IDENT and (t.text in _HOLES - _STP_TRUSTED or t.name in _HOLES - _STP_TRUSTED):
            raise PolicyViolation(f"a proof may not use {t.text!r}")


def _open_in_tokens(tokens: list[Token]) -> set[int]:
    """Indices of the tokens of every allowed `open N ... in` (see _open_in_end)."""
    found: set[int] = set()
    for i in range(len(tokens)):
        end = _open_in_end(tokens, i)
        if end is not None:
            found.update(range(i, end))
    return found


def _first_declaration(tokens: list[Token]) -> Optional[int]:
    """Index of the first token after leading doc comments and `open N in` / `set_option N V in` prefixes."""
    i = 0
    while i < len(tokens):
        if tokens[i].kind is TokenKind.DOC_COMMENT:
            i += 1
        elif _open_in_end(tokens, i) is not None:
            i = _open_in_end(tokens, i)
        elif tokens[i].text == "set_option" and _at(tokens, i + 3) == "in":
            i += 4  # the option was screened with the rest of the text
        else:
            return i
    return None


def _no_token_breakers(tokens: list[Token], what: str) -> None:
    for t in tokens:
        if t.kind is TokenKind.STRING and any(b in t.text[1:-1] for b in _TOKEN_BREAKERS):
            raise PolicyViolation(f"{what} may not hold the string {t.text!r}: as a notation's token it would change "
                                  "how Lean splits the text")


def screen_header(header: str) -> None:
    """Refuse a header with a command that acts outside the document, runs code or switches a check off.
    Declarations (axioms included: they stay part of the problem), notations (they only expand to terms, and the
    statement is elaborated under them) and `open`/`namespace` are allowed; `prelude` (no core tokens) is not."""
    tokens, others = _readings(header, "the header")
    for reading in [tokens, *others]:
        _common(reading, "a header", _HEADER_OPTIONS, _HEADER_ATTRIBUTES)
        _no_token_breakers(reading, "a header")
    past_imports = False
    for i, t in enumerate(tokens):
        if t.kind is TokenKind.IDENT and t.text in ("sorry", "admit", "native_decide", "prelude"):
            raise PolicyViolation(f"a header may not use {t.text!r} (declare an axiom instead: it is listed apart)")
        if t.text == "import":
            if past_imports:
                raise PolicyViolation("a header's imports must come first")
        elif not (i > 0 and tokens[i - 1].text == "import") and t.kind is not TokenKind.DOC_COMMENT:
            past_imports = True


class NotAStatement(PolicyViolation):
    """The text is not a theorem statement at all: bad input rather than an attempt to cheat."""


_OPENERS = frozenset({"(", "[", "{", "⟨", "⦃", "⟦", "@[", "#[", "%[", "`(", "``("})
_CLOSERS = frozenset({")", "]", "}", "⟩", "⦄", "⟧", "]'"})


def screen_statement(statement: str) -> None:
    """A theorem statement obeys the header rules and the statement contract (statement_contract)."""
    tokens = _statement_tokens(statement)  # a text that does not lex is no statement, before any header rule
    screen_header(statement)
    _contract(tokens)


def _statement_tokens(statement: str) -> list[Token]:
    try:
        return tokenize(statement)
    except LexError as exc:
        raise NotAStatement(f"the statement does not lex as Lean: {exc}") from None


def statement_contract(statement: str) -> None:
    """What every Lean statement must be, wherever it enters (benchmarks, verify requests, the server, conjectures):
    exactly one declaration (`theorem`, `lemma`, `example` or `def`, after doc comments and `open N in` /
    `set_option N V in` prefixes), whose signature ends the text with its one top-level `:=` (or `:= by`), comments
    and white space aside. Without that `:=` the proof would be appended to the signature and could extend it
    (more binders, a weaker conclusion); a `:=` before the end would put a body in the statement. Raises
    NotAStatement for text that is no statement, PolicyViolation for one that declares more."""
    _contract(_statement_tokens(statement))


def _contract(tokens: list[Token]) -> None:
    first = _first_declaration(tokens)
    if first is None or _at(tokens, first) not in _STATEMENT_KEYWORDS:
        raise NotAStatement("a statement must start with `theorem`, `lemma`, `example` or `def`")
    opens = _open_in_tokens(tokens)
    for i, t in enumerate(tokens):
        if t.kind is TokenKind.IDENT and i != first and (t.text in _THEOREM or t.text in _DECLARATIONS):
            if i not in opens or i > first:
                raise PolicyViolation(f"a statement may not use {t.text!r}: it declares only its theorem")
    code = [t for t in tokens[first:] if t.kind is not TokenKind.DOC_COMMENT]
    tail = 2 if code and code[-1].text == "by" else 1
    if len(code) <= tail or code[-tail].text != ":=":
        raise NotAStatement("a statement must end with `:=` (or `:= by`): the proof follows it")
    depth, binders = 0, 0  # `let x := v; P` in the type binds with a `:=` of its own
    for t in code[:-tail]:
        depth += (t.text in _OPENERS) - (t.text in _CLOSERS)
        binders += t.text in ("let", "have", "letI", "haveI")
        if depth <= 0 and t.text == ":=" and binders:
            binders -= 1
        elif depth <= 0 and t.text in (":=", "where"):
            raise NotAStatement(f"the statement has {t.text!r} before its final `:=`: it must end at its signature")


def screen_file(body: str) -> None:
    """A whole file after its imports: declarations are fine, holes, new axioms and code are not."""
    tokens, others = _readings(body, "the file")
    for reading in [tokens, *others]:
        _common(reading, "a file", _HEADER_OPTIONS, _HEADER_ATTRIBUTES)
        _no_token_breakers(reading, "a file")
    for t in [t for reading in [tokens, *others] for t in reading]:
        if t.kind is TokenKind.IDENT and (t.text in _HOLES or t.text in ("axiom", "import")):
            raise PolicyViolation(f"a checked file may not use {t.text!r}")


def _at(tokens: list[Token], i: int) -> str:
    return tokens[i].text if i < len(tokens) else ""


def restated_name(proof: str) -> Optional[str]:
    """Name of the theorem a proof restates (its first token is `theorem`/`lemma`), else None."""
    try:
        tokens = tokenize(proof)
    except LexError:
        return None
    first = _first_declaration(tokens)
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
