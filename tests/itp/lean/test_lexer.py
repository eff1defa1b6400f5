"""The Lean lexer the trust policy screens with. Each case follows a function of Lean's own tokenizer,
src/Lean/Parser/Basic.lean (leanprover/lean4), named in the test."""

from __future__ import annotations

import pytest

from stp_prover.itp.lean.lexer import LexError, TokenKind, line_col, tokenize


def kinds(text: str) -> list[tuple[str, str]]:
    return [(t.kind.value, t.text) for t in tokenize(text)]


def test_line_comments_run_to_the_end_of_the_line():
    # whitespace: `--` takes everything up to the newline.
    assert kinds("simp -- #eval here\nrfl") == [("ident", "simp"), ("ident", "rfl")]


def test_block_comments_nest():
    # finishCommentBlock: `/-` raises the nesting level, `-/` lowers it; the comment ends at level 0.
    assert kinds("a /- x /- y -/ #eval -/ b") == [("ident", "a"), ("ident", "b")]
    with pytest.raises(LexError, match="unterminated comment"):
        tokenize("a /- x /- y -/ b")


def test_doc_comments_are_tokens_without_code():
    # whitespace stops at `/--` and `/-!`: they are tokens whose body is a (nesting) comment.
    toks = tokenize("/-- doc /- inner -/ still doc -/ theorem")
    assert [t.kind for t in toks] == [TokenKind.DOC_COMMENT, TokenKind.IDENT]


def test_strings_hide_comment_starts_and_honour_escapes():
    # strLitFnAux and quotedCharCoreFn: `\"` does not end a string, `--` and `/-` inside it are text.
    assert kinds('"a -- b /- c \\" d" e') == [("string", '"a -- b /- c \\" d"'), ("ident", "e")]
    with pytest.raises(LexError, match="invalid escape"):
        tokenize('"\\q"')
    with pytest.raises(LexError, match="unterminated string"):
        tokenize('"abc')


def test_string_gaps():
    # quotedStringFn: a backslash, one newline and indentation continue the string.
    assert kinds('"ab\\\n    cd" x') == [("string", '"ab\\\n    cd"'), ("ident", "x")]


def test_raw_strings_need_the_same_number_of_hashes():
    # rawStrLitFnAux: `r#"..."#` ends only at `"` followed by as many `#` as it opened with.
    assert kinds('r#"a "b" -- c"# d') == [("raw_string", 'r#"a "b" -- c"#'), ("ident", "d")]
    assert kinds('r"x" y') == [("raw_string", 'r"x"'), ("ident", "y")]
    with pytest.raises(LexError):
        tokenize('r##"a"# ')


def test_char_literals_including_a_quote_char():
    # tokenFnAux: `'` not followed by `'` starts a char literal (charLitFnAux); `'"'` is one char.
    assert kinds("'\"' #eval") == [("char", "'\"'"), ("hash_command", "#eval")]
    assert kinds("'\\'' x") == [("char", "'\\''"), ("ident", "x")]
    with pytest.raises(LexError, match="character literal"):
        tokenize("'ab'")


def test_primes_belong_to_identifiers_and_to_primed_tokens():
    # identFnAux takes `'` as an identifier character; `''`, `⁻¹'`, `∑'` are tokens of Lean core and Mathlib.
    assert kinds("h' f '' s") == [("ident", "h'"), ("ident", "f"), ("symbol", "''"), ("ident", "s")]
    assert [t.text for t in tokenize("f ⁻¹' {7}")][-4:] == ["⁻¹'", "{", "7", "}"]
    assert [t.text for t in tokenize("∑' i, f i")][:2] == ["∑'", "i"]


def test_escaped_identifiers_are_names():
    # identFnAux: `«...»` parts; the name is the parts without the guillemets.
    toks = tokenize("set_option «debug».skipKernelTC true")
    assert toks[1].kind is TokenKind.IDENT and toks[1].name == "debug.skipKernelTC"
    assert tokenize("«sorry»")[0].name == "sorry"
    with pytest.raises(LexError, match="identifier escape"):
        tokenize("«abc")


def test_identifier_characters():
    # isIdFirst / isIdRest / isLetterLike / isSubScriptAlnum: Greek (not λ, Π, Σ), letter-like symbols, subscripts.
    assert kinds("h₀ ℝ α x!? λ") == [
        ("ident", "h₀"),
        ("ident", "ℝ"),
        ("ident", "α"),
        ("ident", "x!?"),
        ("symbol", "λ"),
    ]


def test_numbers():
    # numberFnAux / decimalNumberFn: prefixes, separators, fraction and exponent.
    assert kinds("0x1F 0b10 1_000 2.5e-3 7") == [
        ("number", "0x1F"),
        ("number", "0b10"),
        ("number", "1_000"),
        ("number", "2.5e-3"),
        ("number", "7"),
    ]


def test_name_literals_and_hash_commands():
    # tokenFnAux: a backquote before an identifier is a Name literal; `#eval` is one token.
    toks = tokenize("`Lean.ofReduceBool ``sorryAx #exit")
    assert [(t.kind, t.name or t.text) for t in toks] == [
        (TokenKind.NAME_LITERAL, "Lean.ofReduceBool"),
        (TokenKind.NAME_LITERAL, "sorryAx"),
        (TokenKind.HASH_COMMAND, "#exit"),
    ]


def test_positions_are_those_the_repl_reports():
    # REPL positions: 1-based lines, 0-based columns (REPL/JSON.lean, Pos).
    text = "theorem x : True := by\n  trivial"
    assert line_col(text, text.index("trivial")) == (2, 2)


def test_a_comment_opener_glued_to_a_symbol_is_read_both_ways():
    # tokenFn takes the longest token of Lean's table (`<-` is one), so `simp <-- #eval ...` is `<-`, `-`, `#eval`
    # to Lean, which skips to the next command keyword after the parse error and runs it: the lexer reads it so.
    assert [t.text for t in tokenize("  simp <-- #eval IO.println 1")][:4] == ["simp", "<-", "-", "#eval"]
    # `</` is ProofWidgets' token: where it is not imported, Lean reads `<` and a block comment.
    with pytest.raises(LexError, match="comment opener"):
        tokenize("x </- #eval 1 -/")
    assert kinds("(x)-- fine\ny") == [("symbol", "("), ("ident", "x"), ("symbol", ")"), ("ident", "y")]
    # `⊢-- note`: were `⊢-` a token, the line would be code; it comes back as the glued comment's inner tokens.
    toks = tokenize("⊢-- note #eval\nx", glued=True)
    assert [t.kind for t in toks] == [TokenKind.SYMBOL, TokenKind.GLUED_COMMENT, TokenKind.IDENT]
    assert [t.text for t in toks[1].inner] == ["-", "note", "#eval"]
    assert [t.text for t in tokenize("⊢-- note\nx")] == ["⊢", "x"]
    with pytest.raises(LexError, match="does not lex"):
        tokenize('⊢-- a "quote\nx')
    with pytest.raises(LexError, match="block comment"):
        tokenize("⊢/- note -/ x")
