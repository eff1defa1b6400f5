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


@dataclass(frozen=True)
class Token:
    kind: TokenKind
    text: str  # the source text of the token
    start: int  # offset in the input
    end: int
    parts: tuple[str, ...] = ()  # for identifiers and name literals: the name's components, escapes removed

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


# Last characters of core and Mathlib tokens that end in a quote: `⁻¹'` (preimage), `×'`, `Σ'`, `∑'`, `∏'`.
_PRIMED_SYMBOL_ENDS = "¹×Σ∑∏"
_CLOSED = "()[]{}⟨⟩,"  # symbols that begin or end no longer token: a comment may follow them directly
_QUOTABLE = set("\\\"'rnt")
_HEX = set("0123456789abcdefABCDEF")


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

    def number_end(self, i: int) -> int:
        """numberFnAux: 0b/0o/0x prefixes, `_` separators, decimals with an optional fraction and exponent."""
        s = self.s
        if s[i] == "0" and self.at(i + 1) in ("b", "B", "o", "O", "x", "X") and self.at(i + 1):
            i += 2
            while i < self.n and (s[i] in _HEX or s[i] == "_"):
                i += 1
            return i
        while i < self.n and (s[i].isdigit() and s[i].isascii() or s[i] == "_"):
            i += 1
        if self.at(i) == ".":
            i += 1
            while i < self.n and s[i].isascii() and s[i].isdigit():
                i += 1
        if self.at(i) in ("e", "E") and self.at(i):
            j = i + 1
            if self.at(j) in ("+", "-") and self.at(j):
                j += 1
            if self.at(j).isdigit():
                i = j
                while i < self.n and s[i].isascii() and s[i].isdigit():
                    i += 1
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
    def tokens(self) -> Iterator[Token]:
        s, i = self.s, self.skip_space(0)
        while i < self.n:
            c = s[i]
            parts: tuple[str, ...] = ()
            if c == '"':
                kind, end = TokenKind.STRING, self.string_end(i + 1)
            elif c == "'" and self.at(i + 1) == "'":  # the `''` token (e.g. Set.image's `f '' s`)
                kind, end = TokenKind.SYMBOL, i + 2
            elif c == "'" and i > 0 and s[i - 1] in _PRIMED_SYMBOL_ENDS:
                # `⁻¹'`, `×'`, `Σ'` are tokens; where no char literal can start here, the quote belongs to them.
                try:
                    kind, end = TokenKind.CHAR, self.char_end(i + 1)
                except LexError:
                    kind, end = TokenKind.SYMBOL, i + 1
            elif c == "'":
                kind, end = TokenKind.CHAR, self.char_end(i + 1)
            elif c.isascii() and c.isdigit():
                kind, end = TokenKind.NUMBER, self.number_end(i)
            elif c == "`" and (is_id_first(self.at(i + 1) or " ") or self.at(i + 1) == "«"):
                kind = TokenKind.NAME_LITERAL
                end, parts = self.ident(i + 1)
            elif c == "`" and self.at(i + 1) == "`" and (is_id_first(self.at(i + 2) or " ") or self.at(i + 2) == "«"):
                kind = TokenKind.NAME_LITERAL
                end, parts = self.ident(i + 2)
            elif c == "r" and self._raw_start(i + 1):
                kind, end = TokenKind.RAW_STRING, self.raw_string_end(i + 1)
            elif s.startswith("/--", i) or s.startswith("/-!", i):
                kind, end = TokenKind.DOC_COMMENT, self.block_comment_end(i + 2)
            elif is_id_first(c) or c == "«":
                kind = TokenKind.IDENT
                end, parts = self.ident(i)
            elif c == "#" and is_id_first(self.at(i + 1) or " "):
                kind, end = TokenKind.HASH_COMMAND, i + 1
                while end < self.n and is_id_rest(s[end]):
                    end += 1
            else:
                kind, end = TokenKind.SYMBOL, i + 1
            if kind is TokenKind.SYMBOL and s[end - 1] not in _CLOSED and s.startswith(("--", "/-"), end):
                # Lean reads the longest token of its table (`<-`, ProofWidgets' `</`, ...), so whether a comment
                # starts here depends on tokens this lexer does not know; after a parse error Lean skips to the
                # next command keyword and runs it, so a wrong guess could hide a command: refuse to guess.
                raise LexError(f"a comment opener right after {s[end - 1]!r} at {self.where(end)} is ambiguous")
            yield Token(kind, s[i:end], i, end, parts)
            i = self.skip_space(end)

    def _raw_start(self, i: int) -> bool:
        while self.at(i) == "#":
            i += 1
        return self.at(i) == '"'


def tokenize(text: str) -> list[Token]:
    """The tokens of Lean source text; raises LexError where Lean's tokenizer would fail."""
    return list(_Lexer(text).tokens())


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
