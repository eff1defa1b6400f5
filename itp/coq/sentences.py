"""Split Coq text into sentences the way Coq's lexer does: comments (nested, with strings inside), strings, bullets
and braces as sentences of their own, and a sentence end at a period followed by white space or the end."""
from __future__ import annotations


class SentenceError(ValueError):
    """The text cannot be cut into complete sentences (unterminated comment, string or sentence)."""


_BULLET_CHARS = "-+*"


def split_sentences(text: str) -> list[str]:
    """Sentences of `text`, each on a single line with comments removed. Raises SentenceError on unfinished text."""
    sentences: list[str] = []
    cur: list[str] = []
    i, n = 0, len(text)

    def flush() -> None:
        s = "".join(cur).strip()
        cur.clear()
        if s:
            sentences.append(s)

    while i < n:
        c = text[i]
        if text.startswith("(*", i):
            i = _skip_comment(text, i)
            cur.append(" ")
            continue
        if c == '"':
            j = _skip_string(text, i)
            cur.append(text[i:j])
            i = j
            continue
        at_start = not "".join(cur).strip()
        if at_start and c in _BULLET_CHARS:
            j = i
            while j < n and text[j] == c:
                j += 1
            if j >= n or text[j].isspace() or text[j] in "({" or text.startswith("(*", j):
                cur.append(text[i:j])
                flush()
                i = j
                continue
        if at_start and c in "{}":
            cur.append(c)
            flush()
            i += 1
            continue
        if c == "." and (i + 1 >= n or text[i + 1].isspace()) and not (i > 0 and text[i - 1] == "."):
            cur.append(".")
            flush()
            i += 1
            continue
        cur.append(" " if c in "\r\n\t" else c)
        i += 1
    rest = "".join(cur).strip()
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
