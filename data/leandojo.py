"""Read LeanDojo Benchmark 4 (corpus.jsonl and the random/novel_premises splits) into our record layout, so that
LeanDojo's data and `stp data trace`'s output are interchangeable: `import_benchmark` writes the same files.

The benchmark's theorem records carry no statement text. Each imported theorem gets one: from the traced repository's
source file (lines `start`..`end`, cut at the top-level `:=`; what STP's stage-1 notebook reads,
Notebooks/construct_sft.ipynb cells 7-8) when that checkout is given, else rebuilt from the root goal (the first
traced tactic's `state_before`: hypotheses become binders). `statement_from` says which."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Iterator, Optional

from stp_prover.itp.dialect import Dialect, declared_name, dialect, rename

_PREMISE_TAG = re.compile(r"<a>(.*?)</a>")
SYSTEM = "lean"  # LeanDojo Benchmark 4 traces Lean 4 (Mathlib)
SOURCE_ROOT = "source.json"  # in the output folder: where the traced repository's checkout is, for stage 1
_NAME_CHARS = re.compile(r"^[^\W\d][\w'.]*$")  # an identifier one can write back (not an inaccessible `x✝`)


def source_lines(repo: Optional[Path], file_path: str, cache: Optional[dict] = None) -> Optional[list[str]]:
    """The lines of one file of the traced repository (None without a checkout or when the file is absent)."""
    if repo is None:
        return None
    cache = cache if cache is not None else {}
    if file_path not in cache:
        path = Path(repo) / file_path
        cache[file_path] = path.read_text(encoding="utf-8").splitlines(keepends=True) if path.is_file() else None
    return cache[file_path]


def source_text(lines: list[str], start: int, end: int) -> str:
    """The theorem's source, whole lines `start`..`end` (1-based, as LeanDojo numbers them; STP's theorem_str)."""
    return "".join(lines[max(start, 1) - 1 : max(end, start)])


def lean_code_mask(text: str) -> str:
    """`text` with every Lean comment (`--` to the line end; `/- -/` and `/-- -/`, nested) and string literal
    blanked out, same length and line breaks, so that a search in it finds only code (LeanDojo sources are Lean 4)."""
    out = list(text)
    i, n = 0, len(text)

    def blank(a: int, b: int) -> None:
        for k in range(a, b):
            if out[k] != "\n":
                out[k] = " "

    while i < n:
        if text.startswith("--", i):
            j = text.find("\n", i)
            j = n if j < 0 else j
        elif text.startswith("/-", i):
            depth, j = 1, i + 2  # block comments nest in Lean 4: `/- a /- b -/ c -/` is one comment
            while j < n and depth:
                if text.startswith("/-", j):
                    depth, j = depth + 1, j + 2
                elif text.startswith("-/", j):
                    depth, j = depth - 1, j + 2
                else:
                    j += 1
        elif text[i] == '"':
            j = i + 1
            while j < n and text[j] != '"':
                j += 2 if text[j] == "\\" else 1
            j = min(j + 1, n)
        else:
            i += 1
            continue
        blank(i, j)
        i = j
    return "".join(out)


def statement_from_source(text: str, full_name: str, d: Dialect) -> Optional[str]:
    """The declaration in `text` up to its top-level `:=` (attributes and doc comments before it dropped), declaring
    `full_name` when that is its namespaced name. Keywords and `:=` inside comments do not count."""
    code = lean_code_mask(text)
    words = "|".join(re.escape(k) for k in d.declaration_keywords)
    m = re.search(rf"(?<![\w.])(?:{words})\s", code)
    if not m:
        return None
    # Cut on the masked text (a `:=` in a comment is no end), then take the same span of the source, comments kept.
    masked = d.cut_statement(code[m.start() :])
    if not masked:
        return None
    body = masked[: len(masked) - len(d.statement_suffix)] if d.statement_suffix else masked
    statement = text[m.start() : m.start() + len(body)] + masked[len(body) :]
    return _named(statement, full_name)


def statement_from_goal(state: str, full_name: str, d: Dialect) -> Optional[str]:
    """`theorem NAME (h : T) ... : CONCLUSION` from a printed root goal: each hypothesis line (continued on indented
    lines) becomes a binder, inaccessible names (`inst✝`) get fresh ones."""
    goal = state.strip().split("\n\n", 1)[0]
    if not goal or goal == "no goals" or d.turnstile not in goal:
        return None
    entries: list[list[str]] = []  # [text] per hypothesis, then the conclusion
    conclusion: Optional[list[str]] = None
    for line in goal.split("\n"):
        if conclusion is not None:
            conclusion.append(line.strip())
        elif line.startswith(d.turnstile):
            conclusion = [line[len(d.turnstile) :].strip()]
        elif line[:1].isspace() and entries:
            entries[-1].append(line.strip())
        elif line.startswith("case "):
            continue
        else:
            entries.append([line.strip()])
    if conclusion is None:
        return None
    hypotheses = [" ".join(e) for e in entries]
    fresh: dict[str, str] = {}
    for h in hypotheses:
        m = d.hypothesis.match(h)
        if not m:
            return None
        for name in m.group(1).split():
            if not _NAME_CHARS.match(name):
                fresh[name] = f"x{len(fresh)}_"
    binders = " ".join(f"({_rename_all(h, fresh)})" for h in hypotheses)
    body = _rename_all(" ".join(conclusion), fresh)
    name = _writable(full_name)
    # A goal prints universe levels by name (`Type u_1`) but never declares them; under `autoImplicit false` (the
    # strict verdicts' option) an undeclared one does not elaborate, so the statement declares them: `name.{u_1}`.
    levels = universe_names(f"{binders} {body}")
    if levels:
        name += ".{" + ", ".join(levels) + "}"
    head = f"{d.theorem_keyword} {name}" + (f" {binders}" if binders else "")
    return f"{head} : {body}{d.statement_suffix}"


# A universe level after `Type`/`Sort` (a name, or a parenthesized level expression one bracket deep) or in explicit
# universe arguments `.{u, v}` (Lean 4 syntax), and the names in it; `max`/`imax` are level operators, not names.
_LEVEL = re.compile(r"(?<![\w.])(?:Type|Sort)\s+(\((?:[^()]|\([^()]*\))*\)|[^\W\d][\w']*)|\.\{([^{}]*)\}")
_LEVEL_NAME = re.compile(r"(?<![\w'])[^\W\d][\w']*")
_LEVEL_OPERATORS = {"max", "imax"}


def universe_names(text: str) -> list[str]:
    """The universe level names a printed Lean term uses (`Type u_1`, `Sort (max u v)`, `f.{u}`), first use first."""
    names: dict[str, None] = {}
    for m in _LEVEL.finditer(text):
        for name in _LEVEL_NAME.findall(m.group(1) or m.group(2)):
            if name not in _LEVEL_OPERATORS and not name.startswith("_"):
                names.setdefault(name)
    return list(names)


def _writable(full_name: str) -> str:
    """`full_name` when every part is an identifier, else one identifier made from it (`_private.M.0.f` has a
    numeric part no statement can declare)."""
    if all(_NAME_CHARS.match(p) and "." not in p for p in full_name.split(".")):
        return full_name
    flat = re.sub(r"[^\w']+", "_", full_name).strip("_") or "anonymous"
    return flat if _NAME_CHARS.match(flat) else "t_" + flat


def _rename_all(text: str, fresh: dict[str, str]) -> str:
    for old, new in fresh.items():
        text = re.sub(rf"(?<![\w'.]){re.escape(old)}(?![\w'])", new, text)
    return text


def _named(statement: str, full_name: str) -> str:
    """The statement declaring `full_name` when its own name is the last part of it (the namespace was opened)."""
    own = declared_name(statement)
    if own and own != full_name and full_name.endswith("." + own) and _writable(full_name) == full_name:
        return rename(statement, full_name)
    return statement


def module_name(path: str) -> str:
    """The module a file of the traced repository declares, as `import` names it (`Mathlib/Logic/Basic.lean` ->
    `Mathlib.Logic.Basic`; a dependency's `.lake/packages/PKG/` prefix dropped): theorem headers import it."""
    rel = re.sub(r"^(?:\.lake/packages|lake-packages)/[^/]+/", "", path)
    return rel[: -len(".lean")].replace("/", ".") if rel.endswith(".lean") else rel


def read_corpus(root: Path) -> Iterator[dict]:
    """Files of the corpus with their premises: {"path", "imports", "premises": [{"full_name", "code", ...}]}.
    `imports` are the direct imports, as in LeanDojo and our corpus.jsonl; `PremiseCorpus` takes the closure."""
    with open(root / "corpus.jsonl", encoding="utf-8") as fh:
        for line in fh:
            if line.strip():
                rec = json.loads(line)
                yield {
                    "path": rec["path"],
                    "logical_name": module_name(rec["path"]),
                    "imports": rec.get("imports", []),
                    "premises": [
                        {
                            "full_name": p["full_name"],
                            "code": p.get("code", ""),
                            "kind": p.get("kind", ""),
                            "line": (p.get("start") or [0])[0],
                        }
                        for p in rec.get("premises", [])
                    ],
                }


def read_split(
    root: Path, split: str = "random", part: str = "train", repo: Optional[Path] = None, skipped: Optional[list] = None
) -> Iterator[dict]:
    """Theorems of one split, converted: premises are read from the `<a>NAME</a>` tags of annotated tactics; the
    statement from `repo` (the traced repository's checkout) when given, else from the root goal. A theorem with
    neither (a term-mode proof and no checkout) is left out and its name appended to `skipped`."""
    with open(root / split / f"{part}.json", encoding="utf-8") as fh:
        theorems = json.load(fh)
    d = dialect(SYSTEM)
    files: dict = {}
    for t in theorems:
        tactics = [
            {
                "tactic": tt["tactic"],
                "state_before": tt["state_before"],
                "state_after": tt["state_after"],
                "premises": _premises(tt.get("annotated_tactic")),
            }
            for tt in t.get("traced_tactics", [])
        ]
        start, end = (t.get("start") or [0])[0], (t.get("end") or [0])[0]
        statement, origin = None, "source"
        lines = source_lines(repo, t["file_path"], files)
        if lines is not None:
            statement = statement_from_source(source_text(lines, start, end), t["full_name"], d)
        if statement is None and tactics:
            statement, origin = statement_from_goal(tactics[0]["state_before"], t["full_name"], d), "goal"
        if statement is None:
            if skipped is not None:
                skipped.append(t["full_name"])
            continue
        yield {
            "full_name": t["full_name"],
            "file_path": t["file_path"],
            "start": start,
            "end": end,
            "statement": statement,
            "statement_from": origin,
            "url": t.get("url"),
            "commit": t.get("commit"),
            "traced_tactics": tactics,
        }


def _premises(annotated) -> list[str]:
    """Full names from the provenance list of `[text, [{"full_name", ...}]]`, else the `<a>..</a>` tags."""
    if isinstance(annotated, list) and len(annotated) == 2 and isinstance(annotated[1], list):
        return list(dict.fromkeys(p["full_name"] for p in annotated[1] if isinstance(p, dict) and "full_name" in p))
    text = annotated[0] if isinstance(annotated, list) and annotated else (annotated or "")
    return list(dict.fromkeys(_PREMISE_TAG.findall(text)))


SPLITS = ("random", "novel_premises")
PARTS = ("train", "val", "test")


def import_benchmark(root: Path, out: Path, repo: Optional[Path] = None) -> dict:
    """Write LeanDojo Benchmark 4 at `root` as traced data under `out` (corpus.jsonl, theorems.jsonl, and LeanDojo's
    own splits/{random,novel_premises}/{train,val,test}.jsonl, not re-drawn), for `stp retrieval` and training.
    `repo`: the checkout of the traced repository (Mathlib at the benchmark's commit), the statements' source."""
    from .traced import write_jsonl

    root, out = Path(root), Path(out)
    if repo is not None and not Path(repo).is_dir():
        raise ValueError(f"{repo} is not a folder: give the checkout of the repository LeanDojo traced")
    missing = [
        str(p)
        for p in [root / "corpus.jsonl"] + [root / s / f"{x}.json" for s in SPLITS for x in PARTS]
        if not p.is_file()
    ]
    if missing:
        raise ValueError(f"{root} is not LeanDojo Benchmark 4: missing {', '.join(missing[:3])}")
    corpus = list(read_corpus(root))
    write_jsonl(out / "corpus.jsonl", corpus)
    out.mkdir(parents=True, exist_ok=True)
    (out / SOURCE_ROOT).write_text(json.dumps({"repo": str(Path(repo).resolve()) if repo else None}) + "\n")
    counts: dict[str, int] = {}
    theorems: list[dict] = []
    skipped: list[str] = []
    for split in SPLITS:
        for part in PARTS:
            records = list(read_split(root, split, part, repo, skipped if split == "random" else None))
            write_jsonl(out / "splits" / split / f"{part}.jsonl", records)
            counts[f"{split}/{part}"] = len(records)
            if split == "random":  # the random split's parts hold every theorem once
                theorems += records
    write_jsonl(out / "theorems.jsonl", theorems)
    origins = {k: sum(r["statement_from"] == k for r in theorems) for k in ("source", "goal")}
    return {
        "files": len(corpus),
        "premises": sum(len(c["premises"]) for c in corpus),
        **counts,
        "statements_from_source": origins["source"],
        "statements_from_goal": origins["goal"],
        "no_statement": len(skipped),
    }
