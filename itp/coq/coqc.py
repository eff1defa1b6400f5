"""Cold checks with `coqc`: one fresh process per file, in its own temporary directory."""

from __future__ import annotations

import os
import re
import shutil
import tempfile
import time

from ..process import run_limited
from ..types import FileVerdict, Theorem, Verdict, VerdictKind
from .config import CoqConfig
from .policy import (
    PolicyViolation,
    audit_axioms,
    declared_theorems,
    header_assumptions,
    parse_assumptions,
    screen_file,
)
from .script import AuditMarkers, ProofLimits, judge, prepare_check


def _compile(text: str, config: CoqConfig, timeout: float) -> tuple[int | None, str]:
    workdir = tempfile.mkdtemp(prefix="stp-coqc-")
    try:
        path = os.path.join(workdir, "Check.v")
        with open(path, "w", encoding="utf-8") as fh:
            fh.write(text)
        return run_limited([config.coqc, "-q", "Check.v"], config.limits, timeout, workdir, config.process_sandbox())
    finally:
        shutil.rmtree(workdir, ignore_errors=True)


# The module the kernel re-check compiles (`-Q . Stp`, file Check.v): coqchk names what it reports by it.
_RECHECK_MODULE = "Stp.Check"
_UNSAFE_SECTIONS = ("type-in-type", "unsafe (co)fixpoints", "positivity is assumed")


def kernel_recheck(theorem: Theorem, proof: str, config: CoqConfig, timeout: float | None = None) -> Verdict | None:
    """Check an accepted proof again with Coq's independent kernel checker: the check's script (header, declaration,
    proof) compiled by `coqc` to a `.vo` and re-checked by `coqchk -o -norec` (the libraries it loads are trusted),
    both in the sandbox. None when coqchk agrees, else the verdict refusing the proof (untrusted, or timeout)."""
    t0 = time.monotonic()
    script = prepare_check(theorem, proof, t0, ProofLimits.of(config), config.verdict_rules())
    if isinstance(script, Verdict):
        return script
    limit = timeout or config.check_timeout
    workdir = tempfile.mkdtemp(prefix="stp-coqchk-")
    try:
        with open(os.path.join(workdir, "Check.v"), "w", encoding="utf-8") as fh:
            fh.write("\n".join([theorem.header, *script.sentences]) + "\n")
        sandbox = config.process_sandbox()
        steps = [
            [config.coqc, "-q", "-Q", ".", "Stp", "Check.v"],
            [config.coqchk, "-silent", "-o", "-Q", ".", "Stp", "-norec", _RECHECK_MODULE],
        ]
        for argv in steps:
            code, out = run_limited(argv, config.limits, max(1.0, limit - (time.monotonic() - t0)), workdir, sandbox)
            seconds = time.monotonic() - t0
            if code is None:
                why = f"kernel re-check: {argv[0]} ran past {limit:.0f}s"
                return Verdict(VerdictKind.TIMEOUT, why, seconds=seconds)
            if code != 0:
                return Verdict(
                    VerdictKind.UNTRUSTED, f"kernel re-check: {argv[0]} refused it: {_error_of(out)}", seconds=seconds
                )
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    why = _summary_problems(out, header_assumptions(theorem.header))
    if why:
        return Verdict(VerdictKind.UNTRUSTED, f"kernel re-check (coqchk): {why}", seconds=time.monotonic() - t0)
    return None


def _summary_problems(out: str, header_names: set[str]) -> str:
    """What coqchk's CONTEXT SUMMARY (`-o`) shows of the checked module that a proof may not rest on: an axiom the
    header did not declare, or a constant relying on type-in-type, unchecked fixpoints or assumed positivity."""
    if "CONTEXT SUMMARY" not in out:
        return f"no context summary in coqchk's output: {' '.join(out.split())[-300:]!r}"
    problems = []
    section = ""
    for line in out.split("\n"):
        head = re.match(r"^\* (.*?):\s*(.*)$", line)
        if head:
            section, rest = head.group(1), head.group(2).strip()
            if rest and rest != "<none>" and any(s in section for s in _UNSAFE_SECTIONS):
                problems.append(f"{section}: {rest}")
            continue
        name = line.strip()
        if not name or name == "<none>":
            continue
        if any(s in section for s in _UNSAFE_SECTIONS):
            problems.append(f"{section}: {name}")
        elif section == "Axioms" and name.startswith(_RECHECK_MODULE + "."):
            if name.rsplit(".", 1)[-1] not in header_names:
                problems.append(f"axiom {name}")
    return "; ".join(problems)


def _error_line(output: str) -> int:
    """Line of the error in coqc's output (warnings before it carry locations too), 0 when unknown."""
    err = re.search(r"^Error:", output, re.M)
    locs = [m for m in re.finditer(r'File "[^"]*", line (\d+)', output) if not err or m.start() < err.start()]
    return int(locs[-1].group(1)) if locs else 0


def _error_of(output: str) -> str:
    m = re.search(r"^Error:(.*)", output, re.M | re.S)
    return " ".join(m.group(1).split())[:2000] if m else " ".join(output.split())[-500:]


def check_cold(theorem: Theorem, proof: str, config: CoqConfig, timeout: float | None = None) -> Verdict:
    """The whole check of `CoqSession.check`, in a fresh `coqc` process (slow: loads the header every time)."""
    t0 = time.monotonic()
    script = prepare_check(theorem, proof, t0, ProofLimits.of(config), config.verdict_rules())
    if isinstance(script, Verdict):
        return script
    markers = AuditMarkers()
    audit = script.audit()
    lines = [theorem.header, *script.sentences]
    for sentence, role in audit:
        if role:
            lines.append(markers.command(role))
        lines.append(sentence)
    code, out = _compile("\n".join(lines) + "\n", config, timeout or config.check_timeout)
    seconds = time.monotonic() - t0
    if code is None:
        return Verdict(VerdictKind.TIMEOUT, f"coqc ran past {timeout or config.check_timeout:.0f}s", seconds=seconds)
    if code != 0:
        if "stp_audit_" in out:
            return Verdict(VerdictKind.UNTRUSTED, f"audit failed: {_error_of(out)}", seconds=seconds)
        # Each sentence is one line after the header: an error at or before our statement's line is bad input.
        statement_line = theorem.header.count("\n") + 2
        line = _error_line(out)
        if line and line <= statement_line and not script.restated:
            return Verdict(VerdictKind.BAD_STATEMENT, _error_of(out), seconds=seconds)
        return Verdict(VerdictKind.REJECTED, _error_of(out), messages=[out[-2000:]], seconds=seconds)
    outputs = {role: markers.output(out, role) for _, role in audit if role}
    return judge(script, outputs, theorem.header, config.allowed_axioms, seconds, config.verdict_rules())


def check_file(
    text: str, config: CoqConfig, only: list[str] | None = None, timeout: float | None = None
) -> FileVerdict:
    """Compile a whole `.v` file and audit the axioms of its theorems (all of them, or those in `only`)."""
    t0 = time.monotonic()
    try:
        screen_file(text)
        names = declared_theorems(text)
    except PolicyViolation as exc:
        return FileVerdict(False, reason=f"forbidden file content: {exc}", seconds=time.monotonic() - t0)
    if not names:
        raise KeyError("(the file declares no theorem)")
    targets = only if only else names
    missing = [n for n in targets if n not in names]
    if missing:
        raise KeyError(", ".join(missing))
    markers = AuditMarkers()
    tail = [f"{markers.command(str(i))}\nPrint Assumptions {n}." for i, n in enumerate(targets)]
    code, out = _compile(text + "\n" + "\n".join(tail) + "\n", config, timeout or config.check_timeout * 4)
    seconds = time.monotonic() - t0
    if code is None:
        return FileVerdict(False, reason="coqc timed out", seconds=seconds)
    if code != 0:
        reason = _error_of(out)
        line = _error_line(out)
        if line:
            reason = f"line {line}: {reason}"
        starts = _declaration_lines(text)
        culprit = max((n for n in names if starts.get(n, 0) <= line), key=lambda n: starts[n], default=None)
        rows = [
            {
                "name": n,
                "ok": False,
                "axioms": [],
                "reason": reason if n == culprit else f"not checked: compilation stopped at line {line}",
            }
            for n in targets
        ]
        return FileVerdict(False, rows, reason, seconds)
    allowed = set(config.allowed_axioms)  # a file may not declare axioms of its own (screen_file)
    results = []
    for i, name in enumerate(targets):
        axioms, problems = parse_assumptions(markers.output(out, str(i)))
        why = audit_axioms(axioms, problems, allowed)
        results.append({"name": name, "ok": why is None, "axioms": axioms, "reason": why or ""})
    return FileVerdict(all(r["ok"] for r in results), results, "", seconds)


def _declaration_lines(text: str) -> dict[str, int]:
    """1-based line of each theorem declaration (first occurrence)."""
    lines: dict[str, int] = {}
    for m in re.finditer(
        r"^\s*(?:Theorem|Lemma|Example|Corollary|Proposition|Fact|Remark)\s+([A-Za-z_][\w']*)", text, re.M
    ):
        lines.setdefault(m.group(1), text.count("\n", 0, m.start()) + 1)
    return lines
