"""The documentation of a settings dataclass, read from its source with `tokenize`: the class docstring, and for
each field its comment, written the way this code base already documents settings:
- the `#` comment that ends the field's line (continued on the comment lines right under it when the next field
  has a comment of its own), else
- the block of comment lines right above the field."""

from __future__ import annotations

import ast
import dataclasses
import functools
import inspect
import io
import textwrap
import tokenize


@functools.lru_cache(maxsize=None)
def _parsed(cls: type) -> tuple[str, dict[str, str]]:
    try:
        source = textwrap.dedent(inspect.getsource(cls))
    except (OSError, TypeError):  # built at run time, or shipped without its source: no documentation
        return "", {}
    node = ast.parse(source).body[0]
    if not isinstance(node, ast.ClassDef):
        return "", {}
    lines = source.splitlines()
    comments = {
        tok.start[0]: tok.string.lstrip("#").strip()
        for tok in tokenize.generate_tokens(io.StringIO(source).readline)
        if tok.type == tokenize.COMMENT
    }
    alone = {n for n in comments if lines[n - 1].lstrip().startswith("#")}  # comment-only lines
    fields = [s for s in node.body if isinstance(s, ast.AnnAssign) and isinstance(s.target, ast.Name)]
    # The comment on a statement's last line: `x: T = field(\n ...\n)  # doc` documents x too.
    trailing = {s.target.id: comments[s.end_lineno] for s in fields if s.end_lineno in alone ^ comments.keys()}
    docs = {}
    for i, stmt in enumerate(fields):
        name = stmt.target.id
        if name in trailing:
            below = _block(alone, stmt.end_lineno + 1, +1)
            after = fields[i + 1] if i + 1 < len(fields) else None
            continued = below and after is not None and after.lineno == below[-1] + 1 and after.target.id in trailing
            docs[name] = " ".join([trailing[name], *(comments[n] for n in below if continued)])
        else:
            above = _block(alone, stmt.lineno - 1, -1)
            if above:
                docs[name] = " ".join(comments[n] for n in sorted(above))
    return ast.get_docstring(node) or "", docs


def _block(alone: set[int], start: int, step: int) -> list[int]:
    """The run of comment-only lines from `start` on, walking by `step`."""
    out = []
    while start in alone:
        out.append(start)
        start += step
    return out


def field_docs(cls: type) -> dict[str, str]:
    """{field name: its documentation} for the fields of dataclass `cls` (inherited ones too) that have one."""
    out: dict[str, str] = {}
    for klass in reversed(cls.__mro__):
        if dataclasses.is_dataclass(klass):
            out.update(_parsed(klass)[1])
    names = {f.name for f in dataclasses.fields(cls)}
    return {k: v for k, v in out.items() if k in names}


def class_doc(cls: type) -> str:
    """The docstring the class was written with (not the signature dataclasses puts in `__doc__` when there is none)."""
    return _parsed(cls)[0]
