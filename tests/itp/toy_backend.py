"""TEST DOUBLE: "toy logic", a proof assistant small enough to write in a test, plugged in from the test folder only.

A theorem is `claim NAME : FORMULA.` over propositional formulas (lower-case atoms, `->`, `/\\`, `\\/`, `~`, `True`,
`False`); a proof is `proof`, one tactic a line, `qed`. Tactic mode and the whole-proof check run the same rules;
the check also applies the toy's trust policy: it refuses `admit`, which tactic mode accepts (as Coq's tactic mode
accepts `admit`), so a search that reports a proof must have re-checked it. Nothing here is registered on import:
`register(SPEC)` does it (tests/itp/test_plugin_backend.py)."""

from __future__ import annotations

import re
import time
from dataclasses import dataclass
from typing import Optional

from stp_prover.itp import (
    BackendConfig,
    BackendSpec,
    BackendUnavailable,
    BenchmarkLayout,
    FileVerdict,
    ItpConfig,
    ProofEnv,
    State,
    StatementError,
    StepKind,
    StepResult,
    Theorem,
    Verdict,
    VerdictKind,
    record_theorem,
)
from stp_prover.itp.dialect import Dialect

PRELUDE = "use tactics\n"  # loaded before every benchmark header: `contradiction` needs it


@dataclass
class ToyConfig(BackendConfig):
    tactic_timeout: float = 1.0  # the toy's own default; ItpSettings overrides it like any backend's
    forbidden: tuple[str, ...] = ("admit",)  # tactics that tactic mode runs and the whole-proof check refuses
    libraries: tuple[str, ...] = ("tactics",)  # what a header may `use`
    installed: bool = True  # False: ensure_available says how to get it, as for a proof assistant not installed
    preferred: bool = False  # True: the default backend, as a configured Lean REPL is


# -- formulas ---------------------------------------------------------------------------------------------------------
_TOKEN = re.compile(r"\s*(->|/\\|\\/|~|\(|\)|[A-Za-z_]\w*)")
_BINARY = (("->", True), ("\\/", False), ("/\\", False))  # loosest first; `->` associates to the right


def parse(text: str):
    """A formula as nested tuples (`("->", a, b)`, `("atom", "p")`); ValueError for anything else."""
    tokens, pos = [], 0
    text = text.strip()
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise ValueError(f"unexpected {text[pos:pos + 10]!r}")
        tokens.append(m.group(1))
        pos = m.end()
    formula, rest = _parse(tokens, 0)
    if rest:
        raise ValueError(f"unexpected {' '.join(rest)!r}")
    return formula


def _parse(tokens: list[str], level: int):
    if level == len(_BINARY):
        return _atom(tokens)
    op, right = _BINARY[level]
    left, rest = _parse(tokens, level + 1)
    while rest and rest[0] == op:
        arg, rest = _parse(rest[1:], level if right else level + 1)
        left = (op, left, arg)
        if right:
            break
    return left, rest


def _atom(tokens: list[str]):
    if not tokens:
        raise ValueError("formula ends too early")
    head, rest = tokens[0], tokens[1:]
    if head == "~":
        arg, rest = _atom(rest)
        return ("~", arg), rest
    if head == "(":
        inner, rest = _parse(rest, 0)
        if not rest or rest[0] != ")":
            raise ValueError("missing )")
        return inner, rest[1:]
    if head in ("True", "False"):
        return (head,), rest
    if re.fullmatch(r"[a-z]\w*", head):
        return ("atom", head), rest
    raise ValueError(f"unexpected {head!r}")


def show(f) -> str:
    if f[0] == "atom":
        return f[1]
    if len(f) == 1:
        return f[0]
    if f[0] == "~":
        return f"~ {_wrapped(f[1])}"
    return f"{_wrapped(f[1])} {f[0]} {_wrapped(f[2])}"


def _wrapped(f) -> str:
    return f"({show(f)})" if len(f) == 3 else show(f)


# -- goals and tactics ------------------------------------------------------------------------------------------------
Goal = tuple[tuple[tuple[str, tuple], ...], tuple]  # (hypotheses (name, formula), conclusion)
_STATEMENT = re.compile(r"^\s*claim\s+(\w+)\s*:\s*(.+?)\.\s*$", re.S)


def goal_text(goals: tuple[Goal, ...]) -> str:
    return "\n\n".join("\n".join([*(f"{n} : {show(f)}" for n, f in hyps), f"|- {show(c)}"]) for hyps, c in goals)


def _fresh(hyps) -> str:
    used = {n for n, _ in hyps}
    return next(f"H{i}" for i in range(len(used) + 1) if f"H{i}" not in used)


def run_tactic(goals: tuple[Goal, ...], tactic: str, libraries: set[str]) -> tuple[Goal, ...]:
    """The goals after `tactic` on the first one; ValueError saying why it does not apply."""
    if not goals:
        raise ValueError("no goals")
    (hyps, concl), rest = goals[0], goals[1:]
    words = tactic.split()
    name, arg = (words + [""])[0], " ".join(words[1:])
    found = dict(hyps).get(arg)
    if name == "admit":
        return ()
    if name in ("intro", "intros"):
        if arg and (name == "intros" or arg in dict(hyps)):
            raise ValueError(f"`{tactic}`: intros takes no name, intro a new one")
        new = list(hyps)
        while concl[0] in ("->", "~"):
            new.append((arg if name == "intro" and arg else _fresh(new), concl[1]))
            concl = concl[2] if concl[0] == "->" else ("False",)
            if name == "intro":
                break
        if len(new) == len(hyps):
            raise ValueError("nothing to introduce")
        return ((tuple(new), concl), *rest)
    if name == "assumption" and any(f == concl for _, f in hyps):
        return rest
    if name == "exact" and found == concl:
        return rest
    if name == "trivial" and concl == ("True",):
        return rest
    if name == "contradiction" and "tactics" in libraries:
        if any(f == ("False",) or ("~", f) in dict(hyps).values() for _, f in hyps):
            return rest
    if name == "split" and concl[0] == "/\\":
        return ((hyps, concl[1]), (hyps, concl[2]), *rest)
    if name in ("left", "right") and concl[0] == "\\/":
        return ((hyps, concl[1 if name == "left" else 2]), *rest)
    if name == "apply" and found and found[0] == "->" and found[2] == concl:
        return ((hyps, found[1]), *rest)
    if name == "destruct" and found and found[0] in ("/\\", "\\/"):
        others = tuple(h for h in hyps if h[0] != arg)
        a = _fresh(others)
        if found[0] == "/\\":
            b = _fresh(others + ((a, found[1]),))
            return ((others + ((a, found[1]), (b, found[2])), concl), *rest)
        return ((others + ((a, found[1]),), concl), (others + ((a, found[2]),), concl), *rest)
    raise ValueError(f"`{tactic}` does not apply to {show(concl)}")


# -- the proof environment --------------------------------------------------------------------------------------------
class ToyEnvDouble(ProofEnv):
    """Checks and steps in Python; `checked` records every whole-proof check, so a test sees the re-check."""

    system = "toy"

    def __init__(self, config: Optional[ToyConfig] = None):
        self.config = config or ToyConfig()
        self.checked: list[tuple[str, str, VerdictKind]] = []  # (theorem, proof, verdict) of every check

    def _open(self, theorem: Theorem) -> tuple[tuple[Goal, ...], set[str]]:
        libraries = set()
        for line in theorem.header.splitlines():
            m = re.fullmatch(r"\s*use\s+(\w+)\s*", line)
            if line.strip() and not (m and m.group(1) in self.config.libraries):
                raise StatementError(f"{theorem.name}: header line not understood: {line!r}")
            libraries |= {m.group(1)} if m else set()
        m = _STATEMENT.match(theorem.statement)
        if not m or m.group(1) != theorem.name:
            raise StatementError(f"{theorem.name}: the statement must be `claim {theorem.name} : FORMULA.`")
        try:
            return (((), parse(m.group(2))),), libraries
        except ValueError as exc:
            raise StatementError(f"{theorem.name}: {exc}") from None

    def check(self, theorem: Theorem, proof: str, timeout: Optional[float] = None) -> Verdict:
        verdict = self._check(theorem, proof)
        self.checked.append((theorem.name, proof, verdict.kind))
        return verdict

    def _check(self, theorem: Theorem, proof: str) -> Verdict:
        try:
            goals, libraries = self._open(theorem)
        except StatementError as exc:
            return Verdict(VerdictKind.BAD_STATEMENT, str(exc))
        lines = [line.strip() for line in proof.strip().splitlines() if line.strip()]
        if len(lines) < 2 or lines[0] != "proof" or lines[-1] != "qed":
            return Verdict(VerdictKind.REJECTED, "a proof is `proof`, one tactic a line, `qed`")
        refused = [t for t in lines[1:-1] if t.split()[0] in self.config.forbidden]
        if refused:
            return Verdict(VerdictKind.UNTRUSTED, f"forbidden tactic: {refused[0]}")
        for tactic in lines[1:-1]:
            try:
                goals = run_tactic(goals, tactic, libraries)
            except ValueError as exc:
                return Verdict(VerdictKind.REJECTED, str(exc), error_offset=proof.find(tactic))
        return Verdict(VerdictKind.PROVED) if not goals else Verdict(VerdictKind.REJECTED, "the proof is not closed")

    def check_file(self, text: str, only: Optional[list[str]] = None) -> FileVerdict:
        t0 = time.monotonic()
        blocks = re.findall(r"(claim\s+(\w+)\s*:.*?\.)\s*\n(\s*proof\b.*?\bqed)", text, re.S)
        names = [name for _, name, _ in blocks]
        missing = [n for n in (only or []) if n not in names]
        if missing:
            raise KeyError(", ".join(missing))
        rows = []
        for statement, name, proof in blocks:
            if not only or name in only:
                verdict = self.check(Theorem(name, self.system, "", statement), proof)
                rows.append({"name": name, "ok": verdict.ok, "axioms": [], "reason": verdict.reason})
        return FileVerdict(bool(rows) and all(r["ok"] for r in rows), rows, seconds=time.monotonic() - t0)

    def start(self, theorem: Theorem) -> State:
        goals, libraries = self._open(theorem)
        return State(theorem, goal_text(goals), (), (goals, libraries), len(goals))

    def step(self, state: State, tactic: str, timeout: Optional[float] = None) -> StepResult:
        t0 = time.monotonic()
        goals, libraries = state.handle
        try:
            after = run_tactic(goals, tactic.strip(), libraries)
        except ValueError as exc:
            return StepResult(StepKind.ERROR, messages=[str(exc)], seconds=time.monotonic() - t0)
        new = State(state.theorem, goal_text(after), (*state.path, tactic.strip()), (after, libraries), len(after))
        return StepResult(StepKind.OPEN if after else StepKind.PROVED, new, seconds=time.monotonic() - t0)

    def automation(self, state: State) -> list[str]:
        """`admit` first (tactic mode takes it, the check must refuse it), then every rule that may apply."""
        goals = state.handle[0] if state.handle else ()  # no handle: a theorem's root (whole-proof sampling)
        hyps = goals[0][0] if goals else ()
        uses = [f"destruct {n}" for n, f in hyps if f[0] in ("/\\", "\\/")]
        uses += [f"apply {n}" for n, f in hyps if f[0] == "->"]
        return ["admit", "assumption", "trivial", "contradiction", "intros", "split", "left", "right", *uses]


# -- what the platform learns through the spec ------------------------------------------------------------------------
TOY = Dialect(
    "toy",
    "Toy logic",
    "toy",
    "# ",
    "",
    "proof\n",
    "\nqed",
    "",
    ("apply {name}",),
    re.compile(r"\.(?:\s|$)"),
    ".",
    "->",
    "use {module}\n",
    "forall",
    "~ ({prop})",
    (),
    theorem_keyword="claim",
    declaration_keywords=("claim",),
    turnstile="|-",
    hypothesis=re.compile(r"^\s*(\w+)\s*:\s"),
    identifier=re.compile(r"(?<!\w)[A-Za-z_]\w*"),
    binders=("~",),
    connectives=("->", "\\/", "/\\"),
    tactic_separator=re.compile(r";"),
)


def toy_theorem(rec: dict, system: str) -> Theorem:
    return record_theorem(rec, system, rec["formal_statement"].strip())


def toy_record(name: str, split: str, text: str, source: str) -> dict:
    """Header and claim of one upstream `.toy` file."""
    m = re.search(rf"^claim\s+{re.escape(name)}\b.*?\.\s*$", text, re.M | re.S)
    if not m:
        raise ValueError(f"{source}: no claim {name}")
    return {"name": name, "split": split, "header": text[: m.start()], "formal_statement": m.group(0), "source": source}


def _require(config: ItpConfig) -> None:
    if not config.toy.installed:
        raise BackendUnavailable("the toy logic is not installed; set ToyConfig(installed=True)")


SPEC = BackendSpec(
    "toy",
    "toy",
    lambda config: ToyEnvDouble(config.toy),
    _require,
    configured=lambda config: config.toy.preferred,
    preference=10,
    file_suffix=".toy",
    config=ToyConfig,
    dialect=TOY,
    prelude=lambda header: PRELUDE,
    benchmarks={
        "minif2f": BenchmarkLayout(
            "minif2f/toy_{split}.jsonl",
            toy_theorem,
            upstream="toy-org/minif2f-toy@0123456789abcdef0123456789abcdef01234567",
            upstream_files={"valid": r"(?:^|/)valid/(\w+)\.toy$", "test": r"(?:^|/)test/(\w+)\.toy$"},
            record=toy_record,
        )
    },
)
