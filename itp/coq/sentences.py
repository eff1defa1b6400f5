"""Split Coq text into sentences the way Coq's lexer does: comments (nested, with strings inside), strings, bullets
and braces as sentences of their own, and a sentence end at a period followed by white space or the end."""

from __future__ import annotations

import re


class SentenceError(ValueError):
    """The text cannot be cut into complete sentences (unterminated comment, string or sentence)."""


_BULLET_CHARS = "-+*"
# Coq's lexer counts only these as blanks (space, newline, return, tab, form feed): a period followed by any other
# character, U+0085 or U+2028 included, does not end a sentence, so neither may it here (Python's isspace() and
# strip() know many more).
BLANKS = " \n\r\t\x0c"
_FOCUS_SELECTOR = re.compile(r"(?:\d+|\[\s*[A-Za-z_][\w']*\s*\])\s*:\s*\{")


def split_sentences(text: str) -> list[str]:
    """Sentences of `text`, each on a single line with comments removed. Raises SentenceError on unfinished text."""
    return [s for s, _, _ in split_with_spans(text)]


def proof_tactics(proof: str) -> list[str] | None:
    """The top-level tactics of a whole proof (its sentences without the `Proof.` ... `Qed.` frame), None when it
    does not split into sentences."""
    try:
        sentences = split_sentences(proof)
    except SentenceError:
        return None
    frame = {"Proof.", "Qed.", "Defined.", "Admitted.", "Abort."}
    return [s for s in sentences if s not in frame and not s.startswith("Proof using")]


def split_with_spans(text: str) -> list[tuple[str, int, int]]:
    """(sentence, start offset, end offset) for each sentence of `text`; see `split_sentences`."""
    sentences: list[tuple[str, int, int]] = []
    cur: list[str] = []
    begin = -1  # offset of the current sentence's first character
    i, n = 0, len(text)

    def add(piece: str, at: int) -> None:
        nonlocal begin
        if begin < 0 and piece.strip(BLANKS):
            begin = at
        cur.append(piece)

    def flush(end: int) -> None:
        nonlocal begin
        sentence = "".join(cur).strip(BLANKS)
        cur.clear()
        if sentence:
            sentences.append((sentence, begin, end))
        begin = -1

    while i < n:
        c = text[i]
        if text.startswith("(*", i):
            i = _skip_comment(text, i)
            cur.append(" ")
            continue
        if c == '"':
            j = _skip_string(text, i)
            add(text[i:j], i)
            i = j
            continue
        at_start = begin < 0
        if at_start and c in _BULLET_CHARS:
            j = i
            while j < n and text[j] == c:
                j += 1
            if j >= n or text[j] in BLANKS or text[j] in "({" or text.startswith("(*", j):
                add(text[i:j], i)
                flush(j)
                i = j
                continue
        sel = _FOCUS_SELECTOR.match(text, i) if at_start else None
        if sel:  # `2: {` focuses a goal: one sentence in Coq's grammar
            add(" ".join(sel.group(0).split()), i)
            flush(sel.end())
            i = sel.end()
            continue
        if at_start and c in "{}":
            add(c, i)
            flush(i + 1)
            i += 1
            continue
        # A period before white space ends a sentence, but not the second dot of `x .. y`; `tac...` does end one.
        ellipsis = text.startswith("...", i - 2) if i >= 2 else False
        if c == "." and (i + 1 >= n or text[i + 1] in BLANKS) and (i == 0 or text[i - 1] != "." or ellipsis):
            add(".", i)
            flush(i + 1)
            i += 1
            continue
        add(" " if c in BLANKS else c, i)
        i += 1
    rest = "".join(cur).strip(BLANKS)
    if rest:
        raise SentenceError(f"unfinished sentence (no final period): {rest[:80]!r}")
    return sentences


def _skip_comment(text: str, i: int) -> int:
    depth, n = 0, len(text)
    while i < n:
        if text.startswith("(*", i):
            depth += 1
            i += 2
        elif text.startswith("*)", i):
            depth -= 1
            i += 2
            if depth == 0:
                return i
        elif text[i] == '"':
            i = _skip_string(text, i)
        else:
            i += 1
    raise SentenceError("unterminated comment")


def _skip_string(text: str, i: int) -> int:
    """Index just past the string literal that opens at text[i] ('""' is an escaped quote)."""
    j, n = i + 1, len(text)
    while j < n:
        if text[j] == '"':
            if j + 1 < n and text[j + 1] == '"':
                j += 2
                continue
            return j + 1
        j += 1
    raise SentenceError("unterminated string")
