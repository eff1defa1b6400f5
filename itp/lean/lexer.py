"""A Lean 4 lexer for the trust policy: the token stream Lean's own parser reads, so that the screen looks at code and
never at the inside of a comment, string, char literal or escaped identifier (src/Lean/Parser/Basic.lean)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from typing import Iterable, Iterator


class LexError(ValueError):
    """Text Lean's tokenizer would refuse (unterminated comment, string, char literal or identifier escape)."""


class TokenKind(str, enum.Enum):
    IDENT = "ident"  # also keywords such as `theorem` or `sorry`: Lean decides that from its token table
    SYMBOL = "symbol"
    HASH_COMMAND = "hash_command"  # `#eval`, `#exit`, `#print`, ...
    STRING = "string"
    RAW_STRING = "raw_string"
    CHAR = "char"
    NUMBER = "number"
    NAME_LITERAL = "name_literal"  # `` `foo `` and ``` ``foo ```
    DOC_COMMENT = "doc_comment"  # `/-- ... -/` and `/-! ... -/` are tokens in Lean, but hold no code
    GLUED_COMMENT = "glued_comment"  # a `--` comment glued to a symbol: its line read as code is in `inner`


@dataclass(frozen=True)
class Token:
    kind: TokenKind
    text: str  # the source text of the token
    start: int  # offset in the input
    end: int
    parts: tuple[str, ...] = ()  # for identifiers and name literals: the name's components, escapes removed
    inner: tuple["Token", ...] = ()  # for a glued comment: its line's tokens, had Lean read it as code

    @property
    def name(self) -> str:
        """The dotted name an identifier denotes (`«debug».skipKernelTC` -> `debug.skipKernelTC`)."""
        return ".".join(self.parts)


# Letter-like and subscript ranges that Lean admits in identifiers (isLetterLike / isSubScriptAlnum in
# src/Lean/Parser/Basic.lean and Init/Meta.lean): Greek except λ, Π, Σ; Coptic; Greek extended; letterlike symbols;
# mathematical script; subscripts.
def _letter_like(c: str) -> bool:
    o = ord(c)
    return (
        (0x3B1 <= o <= 0x3C9 and o != 0x3BB)
        or (0x391 <= o <= 0x3A9 and o not in (0x3A0, 0x3A3))
        or 0x3CA <= o <= 0x3FB
        or 0x1F00 <= o <= 0x1FFE
        or 0x2100 <= o <= 0x214F
        or 0x1D49C <= o <= 0x1D59F
    )


def _subscript(c: str) -> bool:
    o = ord(c)
    return 0x2080 <= o <= 0x2089 or 0x2090 <= o <= 0x209C or 0x1D62 <= o <= 0x1D6A


def _ascii_alpha(c: str) -> bool:
    return ("a" <= c <= "z") or ("A" <= c <= "Z")


def is_id_first(c: str) -> bool:
    return _ascii_alpha(c) or c == "_" or _letter_like(c)


def is_id_rest(c: str) -> bool:
    return is_id_first(c) or ("0" <= c <= "9") or c in "'!?" or _subscript(c)


# Symbol tokens of Lean's token table that the screen must split as Lean does (tokenFn takes the longest entry of the
# table, src/Lean/Parser/Basic.lean). Core's (Init, Lean) are in every environment but a `prelude` one (refused);
# library tokens (Mathlib, Batteries, ProofWidgets) only where their module is imported, so a reading that depends on
# one of them is accepted only where both readings agree. Tokens ending in `'`: `×'` (PProd, Init/Core.lean), `Σ'`
# (PSigma, Init/NotationExtra.lean), `]'` (`xs[i]'h`, Init/GetElem.lean); Mathlib's `''` (Set.image), `⁻¹'`
# (Set.preimage), `∑'`/`∏'` (tsum, tprod).
CORE_TOKENS = frozenset(
    {
        ":=", "=>", "<-", "->", "<;>", "..", "...", "::", "<|>", "<|", "|>", "|>.", "<$>", "<*>", ">>=", ">>", "&&",
        "||", "==", "!=", "<=", ">=", "^^^", "++", "#[", "%[", "@[", "`(", "``(", "×'", "Σ'", "]'", "//", "/\\",
        "\\/", "<->", "!", "?", "⟨", "⟩", "←", "→", "↔", "⊢", "·", "∘", "×", "Σ", "∀", "∃", "λ", "Π", "¬", "≠",
        "≤", "≥", "∧", "∨", "↑", "⇑", "↥", "%", "$", "|", "<", ">", "-", "/",
    }
)  # fmt: skip
LIBRARY_TOKENS = frozenset({"''", "⁻¹'", "⁻¹", "∑'", "∏'", "∑", "∏", "</", "/>", "∫⁻", "√", "⌊", "⌋", "⌈", "⌉"})
_TABLE: dict[str, tuple[str, ...]] = {}
for _tok in sorted(CORE_TOKENS | LIBRARY_TOKENS, key=len, reverse=True):
    _TABLE[_tok[0]] = _TABLE.get(_tok[0], ()) + (_tok,)
_CLOSED = "()[]{}⟨⟩,"  # symbols that begin or end no longer token: a comment may follow them directly
# What may follow a library token that ends in `'` (`f '' s`, `f ⁻¹' {7}`): where the token is missing from the table
# Lean starts a char literal at its quote, which must then fail at once, so that both readings resume at one place.
_AFTER_LIBRARY_PRIME = "([{⟨)]}⟩,"
_QUOTABLE = set("\\\"'rnt")
_HEX = set("0123456789abcdefABCDEF")
_DIGITS = {"b": "01", "B": "01", "o": "01234567", "O": "01234567", "x": "0123456789abcdefABCDEF"}
_DIGITS["X"] = _DIGITS["x"]


class _Lexer:
    def __init__(self, text: str):
        self.s = text
        self.n = len(text)

    def at(self, i: int) -> str:
        return self.s[i] if i < self.n else ""

    def where(self, i: int) -> str:
        line = self.s.count("\n", 0, i) + 1
        col = i - (self.s.rfind("\n", 0, i) + 1)
        return f"line {line}, column {col}"

    # -- whitespace and comments (whitespace, finishCommentBlock) ---------------------------------------------
    def block_comment_end(self, i: int) -> int:
        """`i` is just after an opening `/-`; returns the offset after the matching `-/` (comments nest)."""
        start, depth = i - 2, 1
        while i < self.n:
            if self.s.startswith("-/", i):
                depth -= 1
                i += 2
                if depth == 0:
                    return i
            elif self.s.startswith("/-", i):
                depth += 1
                i += 2
            else:
                i += 1
        raise LexError(f"unterminated comment starting at {self.where(start)}")

    def skip_space(self, i: int) -> int:
        while i < self.n:
            c = self.s[i]
            if c.isspace():
                i += 1
            elif self.s.startswith("--", i):
                j = self.s.find("\n", i)
                i = self.n if j < 0 else j
            elif self.s.startswith("/-", i) and self.at(i + 2) not in ("-", "!"):
                i = self.block_comment_end(i + 2)
            else:
                break
        return i

    # -- literals -------------------------------------------------------------------------------------------------
    def escape(self, i: int, in_string: bool) -> int:
        """`i` is just after a backslash (quotedCharCoreFn)."""
        c = self.at(i)
        if c in _QUOTABLE and c:
            return i + 1
        if c == "x" and all(ch in _HEX for ch in self.s[i + 1 : i + 3]) and i + 3 <= self.n:
            return i + 3
        if c == "u" and all(ch in _HEX for ch in self.s[i + 1 : i + 5]) and i + 5 <= self.n:
            return i + 5
        if in_string and c == "\n":  # a string gap: newline, then whitespace
            i += 1
            while i < self.n and self.s[i] != "\n" and self.s[i].isspace():
                i += 1
            if self.at(i) == "\n":
                raise LexError(f"more than one newline in a string gap at {self.where(i)}")
            return i
        raise LexError(f"invalid escape sequence at {self.where(i - 1)}")

    def string_end(self, i: int) -> int:
        """`i` is just after the opening quote (strLitFnAux)."""
        start = i - 1
        while i < self.n:
            c = self.s[i]
            if c == '"':
                return i + 1
            i = self.escape(i + 1, True) if c == "\\" else i + 1
        raise LexError(f"unterminated string literal at {self.where(start)}")

    def raw_string_end(self, i: int) -> int:
        """`i` is just after the `r` of `r#..#"...."#..#` (rawStrLitFnAux)."""
        start, hashes = i - 1, 0
        while self.at(i) == "#":
            hashes += 1
            i += 1
        i += 1  # the opening quote
        close = '"' + "#" * hashes
        j = self.s.find(close, i)
        if j < 0:
            raise LexError(f"unterminated raw string literal at {self.where(start)}")
        return j + len(close)

    def char_end(self, i: int) -> int:
        """`i` is just after the opening `'` (charLitFnAux)."""
        if i >= self.n:
            raise LexError(f"unterminated character literal at {self.where(i - 1)}")
        i = self.escape(i + 1, False) if self.s[i] == "\\" else i + 1
        if self.at(i) != "'":
            raise LexError(f"missing end of character literal at {self.where(i)}")
        return i + 1

    def digits(self, i: int, allowed: str, need: bool) -> int:
        """takeDigitsFn: digits and `_` separators; after a `_` (or at the start when `need`) a digit must follow."""
        while i < self.n and (self.s[i] in allowed or self.s[i] == "_"):
            need = self.s[i] == "_"
            i += 1
        if need:
            raise LexError(f"a number needs a digit at {self.where(i)}")
        return i

    def number_end(self, i: int) -> int:
        """numberFnAux: `0b`/`0o`/`0x` need a digit of their base (`0xg` is an error, after which Lean resumes inside
        the literal); decimals take `_` separators, an optional `.digits` and an exponent that needs digits."""
        c = self.at(i + 1)
        if self.s[i] == "0" and c and c in _DIGITS:
            return self.digits(i + 2, _DIGITS[c], True)
        i = self.digits(i + 1, "0123456789", False)
        if self.at(i) == ".":
            i += 1
            if self.at(i) and self.at(i) in "0123456789":
                i = self.digits(i, "0123456789", False)
        if self.at(i) and self.at(i) in "eE":
            i += 1
            if self.at(i) and self.at(i) in "+-":
                i += 1
            if not (self.at(i) and self.at(i) in "0123456789"):
                raise LexError(f"missing exponent digits in a scientific literal at {self.where(i)}")
            i = self.digits(i, "0123456789", False)
        return i

    def ident(self, i: int) -> tuple[int, tuple[str, ...]]:
        """identFnAux: dot-separated parts, each `«...»` or an identifier-start character and identifier characters."""
        parts = []
        while True:
            if self.at(i) == "«":
                j = self.s.find("»", i + 1)
                if j < 0:
                    raise LexError(f"unterminated identifier escape at {self.where(i)}")
                parts.append(self.s[i + 1 : j])
                i = j + 1
            else:
                j = i + 1
                while j < self.n and is_id_rest(self.s[j]):
                    j += 1
                parts.append(self.s[i:j])
                i = j
            nxt = self.at(i + 1)
            if self.at(i) == "." and nxt and (is_id_first(nxt) or nxt == "«"):
                i += 1
                continue
            return i, tuple(parts)

    # -- tokens (tokenFnAux) --------------------------------------------------------------------------------------
    def symbol_end(self, i: int) -> int:
        """The longest entry of the token table at `i` (trie matchPrefix), else the one character."""
        for tok in _TABLE.get(self.s[i], ()):
            if self.s.startswith(tok, i):
                return i + len(tok)
        return i + 1

    def core_symbol(self, i: int) -> str:
        """The symbol Lean reads at `i` with core's tokens only."""
        return next((t for t in _TABLE.get(self.s[i], ()) if t in CORE_TOKENS and self.s.startswith(t, i)), self.s[i])

    def tokens(self) -> Iterator[Token]:
        s, i = self.s, self.skip_space(0)
        prev: Token | None = None
        while i < self.n:
            c = s[i]
            glued = prev is not None and prev.end == i  # no white space or comment since the previous token
            after_symbol = glued and prev.kind is TokenKind.SYMBOL
            parts: tuple[str, ...] = ()
            if c == '"':
                kind, end = TokenKind.STRING, self.string_end(i + 1)
            elif c == "'" and after_symbol:
                # Lean would have read this quote into the previous token had its table a longer entry (only
                # library tokens can be missing, and those are matched above); else it starts a char literal here.
                raise LexError(f"a quote right after {prev.text!r} at {self.where(i)} is ambiguous")
            elif c == "'" and self.at(i + 1) != "'":
                kind, end = TokenKind.CHAR, self.char_end(i + 1)
            elif c.isascii() and c.isdigit():
                if glued and prev.text == "." and s[prev.start - 1 : prev.start].strip():
                    # `h.1`: after a `.` glued to a term Lean reads a field index (fieldIdxFn: digits only), elsewhere
                    # a number literal; both readings must end at the same place.
                    kind, end = TokenKind.NUMBER, i
                    while end < self.n and s[end].isascii() and s[end].isdigit():
                        end += 1
                    if is_id_rest(self.at(end) or " ") or self.number_end(i) != end and self.at(end) != ".":
                        raise LexError(f"a field index at {self.where(i)} reads two ways")
                else:
                    kind, end = TokenKind.NUMBER, self.number_end(i)
                    plain = s[i:end].replace(".", "").isdigit()
                    if after_symbol and not prev.text.isascii() and (
                        not plain or prev.text not in CORE_TOKENS and is_id_rest(self.at(end) or " ")
                    ):
                        # Library tokens end in digits (`ℝ≥0`): `ℝ≥0b1` is that token and the identifier `b1` where
                        # it is imported. And a symbol missing from Lean's table is an error there, after which Lean
                        # resumes one byte on, inside the character, reading an identifier (String.get off a
                        # character boundary is 'A') that takes in these digits and what follows: both readings
                        # must end together.
                        raise LexError(f"the number after {prev.text!r} at {self.where(i)} reads two ways")
            elif c == "`" and (is_id_first(self.at(i + 1) or " ") or self.at(i + 1) == "«"):
                kind = TokenKind.NAME_LITERAL
                end, parts = self.ident(i + 1)
            elif c == "`" and self.at(i + 1) == "`" and (is_id_first(self.at(i + 2) or " ") or self.at(i + 2) == "«"):
                kind = TokenKind.NAME_LITERAL
                end, parts = self.ident(i + 2)
            elif c == "r" and self._raw_start(i + 1):
                if after_symbol:
                    raise LexError(f"a raw string right after {prev.text!r} at {self.where(i)} is ambiguous")
                kind, end = TokenKind.RAW_STRING, self.raw_string_end(i + 1)
            elif s.startswith("/--", i) or s.startswith("/-!", i):
                # The body starts after the three-character token (docComment := "/--" >> commentBody), so `/--/`
                # does not close it.
                kind, end = TokenKind.DOC_COMMENT, self.block_comment_end(i + 3)
            elif is_id_first(c) or c == "«":
                kind = TokenKind.IDENT
                end, parts = self.ident(i)
            elif c == "#" and is_id_first(self.at(i + 1) or " "):
                kind, end = TokenKind.HASH_COMMAND, i + 1
                while end < self.n and is_id_rest(s[end]):
                    end += 1
            else:
                kind, end = TokenKind.SYMBOL, self.symbol_end(i)
                tok = s[i:end]
                if tok in LIBRARY_TOKENS and s.startswith(("--", "/-"), i + len(self.core_symbol(i))):
                    # Without the library token Lean would read a comment here (`</-` is `<` and `/-`).
                    raise LexError(f"{tok!r} at {self.where(i)} hides a comment opener where its library is absent")
                if tok.endswith("'") and tok in LIBRARY_TOKENS and tok != "'":
                    nxt = self.at(end)
                    if nxt and not (nxt.isspace() or nxt in _AFTER_LIBRARY_PRIME) or self.at(end + 1) == "'":
                        raise LexError(f"{tok!r} followed by {nxt!r} at {self.where(end)} reads two ways")
            token = Token(kind, s[i:end], i, end, parts)
            yield token
            prev = token
            if kind is TokenKind.SYMBOL and s[end - 1] not in _CLOSED and s.startswith(("--", "/-"), end):
                yield self.glued_comment(token)
                i = self.skip_space(end)
                continue
            i = self.skip_space(end)

    def glued_comment(self, symbol: Token) -> Token:
        """A comment opener right after a symbol: Lean reads the longest token of its table, so were `symbol` + `-`
        an entry (`<-` is one), the line would be code to Lean. The line is then read both ways: its text after the
        first `-` must lex on its own, and it comes back as the token's `inner` tokens for the screen."""
        end = symbol.end
        if self.s.startswith("/-", end):
            raise LexError(f"a block comment right after {symbol.text!r} at {self.where(end)} is ambiguous")
        stop = self.s.find("\n", end)
        stop = self.n if stop < 0 else stop
        try:
            inner = tuple(_Lexer(self.s[end + 1 : stop]).tokens())
        except LexError as exc:
            raise LexError(f"the comment after {symbol.text!r} at {self.where(end)} does not lex as code: {exc}")
        return Token(TokenKind.GLUED_COMMENT, self.s[end:stop], end, end, (), inner)

    def _raw_start(self, i: int) -> bool:
        while self.at(i) == "#":
            i += 1
        return self.at(i) == '"'


def tokenize(text: str, glued: bool = False) -> list[Token]:
    """The tokens of Lean source text; raises LexError where Lean's tokenizer would fail (Lean then resumes parsing
    inside the failed token: src/Lean/Parser/Module.lean, parseCommand) or where its reading depends on tokens that
    may or may not be in Lean's table. `glued`: keep the comments glued to a symbol (GLUED_COMMENT tokens)."""
    return [t for t in _Lexer(text).tokens() if glued or t.kind is not TokenKind.GLUED_COMMENT]


def line_col(text: str, offset: int) -> tuple[int, int]:
    """1-based line and 0-based column of `offset`, as the REPL reports positions."""
    line = text.count("\n", 0, offset) + 1
    return line, offset - (text.rfind("\n", 0, offset) + 1)


def starts_line(text: str, tok: Token) -> bool:
    """Whether only white space stands before `tok` on its line."""
    return not text[text.rfind("\n", 0, tok.start) + 1 : tok.start].strip()


def scoped_declarations(text: str, tokens: list[Token], kinds: Iterable[str]) -> Iterator[tuple[int, str]]:
    """(index of the keyword token, full name) of each declaration whose keyword is one of `kinds`, qualified by the
    enclosing `namespace`s as Lean names constants (`_root_.` escapes them); `section`s add nothing, and a scope
    closes at an `end` that starts a line."""
    kinds = set(kinds)
    scopes: list[str] = []  # namespace names, "" for a section
    for i, t in enumerate(tokens[:-1]):
        if t.kind is not TokenKind.IDENT:
            continue
        nxt = tokens[i + 1]
        if t.text == "namespace" and nxt.kind is TokenKind.IDENT:
            scopes.append(nxt.name)
        elif t.text == "section":  # also `noncomputable section`
            scopes.append("")
        elif t.text == "end" and scopes and starts_line(text, t):
            scopes.pop()
        elif t.text in kinds and nxt.kind is TokenKind.IDENT and not (i and tokens[i - 1].text == "deriving"):
            name = nxt.name
            prefix = ".".join(s for s in scopes if s)
            yield i, name[len("_root_.") :] if name.startswith("_root_.") else f"{prefix}.{name}".strip(".")
