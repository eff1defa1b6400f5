"""Premise-label accuracy of traced Coq data, checked by Coq itself on a sample of standard-library files.

A label says "the name `w` written in this tactic denotes the declaration P". The check replays the file and, at
each traced tactic, runs the tactic again with `w` replaced by P's fully qualified name: the label is confirmed when
the tactic still succeeds and leaves exactly the same goals. A local name (a hypothesis, a binder) mistaken for a
global, or a global resolved to the wrong declaration, changes what the tactic does and is caught. The same check is
applied, in the same run, to the baseline labeller (first declaration whose name ends with what is written, the
tracer before issue 16), so the two accuracies compare on the same tactics.

    .venv/bin/python benchmarks/trace_quality.py --data runs/traced-coq --sample 12 --seed 0
"""

from __future__ import annotations

import argparse
import json
import random
import re
import time
from pathlib import Path

from stp_prover.data.traced import NameIndex, load_traced, transitive_imports
from stp_prover.itp import CoqConfig, source_files
from stp_prover.itp.coq.coqtop import CoqTop, CoqTopDied, CoqTopTimeout
from stp_prover.itp.coq.trace import trace_file
from stp_prover.itp.coq.trace_goals import focused_goals
from stp_prover.itp.coq.trace_names import NameResolver
from stp_prover.itp.trace import written_as


def substitute(tactic: str, written: str, qualified: str) -> str:
    """The tactic with every use of `written` as a name (not inside a longer name, not a `%scope` key) qualified."""
    pattern = r"(?<![\w'.%])" + re.escape(written) + r"(?![\w'])(?!\.[A-Za-z_])"
    return re.sub(pattern, qualified, tactic)


class Audit:
    """Re-runs each labelled tactic with the label's qualified name in place of the written one."""

    def __init__(self, config: CoqConfig, baseline=None):
        self.config = config
        self.baseline = baseline  # (tactic, mentions, state_before, state_after) -> labels, or None
        self.rows: list[dict] = []

    def __call__(self, top: CoqTop, sid: int, tactic, names: NameResolver) -> None:
        labels = {"traced": tactic.premises or []}
        if self.baseline:
            labels["baseline"] = self.baseline(tactic)
        verdicts: dict[str, bool] = {}
        for labeller, premises in labels.items():
            for premise in dict.fromkeys(premises):
                if premise not in verdicts:
                    verdicts[premise] = self._confirmed(top, sid, tactic, premise, names)
                self.rows.append(
                    {"labeller": labeller, "tactic": tactic.tactic, "premise": premise, "confirmed": verdicts[premise]}
                )
        if verdicts:  # leave coqtop where the tactic left it
            top.back_to(sid)
            top.run("Show.", self.config.tactic_timeout)
            top.run(tactic.tactic, self.config.tactic_timeout)

    def _confirmed(self, top: CoqTop, sid: int, tactic, premise: str, names: NameResolver) -> bool:
        written = written_as(premise, tactic.mentions)
        if written is None:
            return False
        for qualified in live_names(premise, names):
            try:
                top.back_to(sid)
                top.run("Show.", self.config.tactic_timeout)
                reply = top.run(substitute(tactic.tactic, written, qualified), self.config.tactic_timeout)
                if reply.error:
                    continue
                if focused_goals(top, self.config.tactic_timeout, self.config.max_goals_shown) == tactic.state_after:
                    return True
            except (CoqTopDied, CoqTopTimeout):
                return False
        return False


def live_names(premise: str, names: NameResolver) -> list[str]:
    """The qualified names a recorded premise has in the live coqtop: the traced file is `Top` there, and a
    declaration of a section that is still open carries the section in its path."""
    local = names.local(premise)
    if not local.startswith("Top."):
        return [premise]
    parts = local.split(".")[1:]
    with_sections, k = [], 0
    for scope, is_module in names.scopes:
        if is_module:
            if k < len(parts) - 1 and parts[k] == scope:
                with_sections.append(scope)
                k += 1
            else:
                break
        else:
            with_sections.append(scope)
    options = ["Top." + ".".join(with_sections + parts[k:]), local]
    return list(dict.fromkeys(options))


def baseline_labeller(files, file_path: str):
    """Labels as the tracer made them before: the first declaration whose name ends with what is written, among the
    file's own earlier ones and those of files it imports (imports matched by suffix); no Coq involved."""
    index = NameIndex(files)
    suffix: dict[str, list[str]] = {}
    for f in files:
        parts = f.logical_name.split(".")
        for k in range(1, len(parts) + 1):
            suffix.setdefault(".".join(parts[-k:]), []).append(f.path)
    direct = {f.path: {p for imp in f.imports for p in suffix.get(imp, [])[:1]} for f in files}
    accessible = transitive_imports(direct).get(file_path, set())

    def label(tactic) -> list[str]:
        found = (index.resolve(m, file_path, 10**9, accessible) for m in tactic.mentions)
        return list(dict.fromkeys(p for p in found if p))

    return label


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--data", default="runs/traced-coq", help="traced data (for the baseline's declarations)")
    p.add_argument("--sample", type=int, default=12, help="standard-library files drawn at random")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--files", action="append", help="these files instead of a random sample (globs on the path)")
    p.add_argument("--max-lines", type=int, default=1500, help="skip files longer than this (keeps the run short)")
    p.add_argument("--no-baseline", action="store_true")
    p.add_argument("--out", help="write every checked label as JSONL here")
    args = p.parse_args()
    found = source_files("coq")
    root, files = found.root, found.files
    if args.files:
        import fnmatch

        chosen = [f for f in files if any(fnmatch.fnmatch(f[0], g) for g in args.files)]
    else:
        small = [
            f for f in files if len((Path(root) / f[0]).read_text(errors="replace").splitlines()) <= args.max_lines
        ]
        chosen = sorted(random.Random(args.seed).sample(small, min(args.sample, len(small))))
    config = CoqConfig()
    rows: list[dict] = []
    t0 = time.monotonic()
    traced_files = [] if args.no_baseline else load_traced(Path(args.data))
    for rel, logical in chosen:
        baseline = baseline_labeller(traced_files, rel) if traced_files else None
        audit = Audit(config, baseline)
        traced = trace_file((Path(root) / rel).read_text(errors="replace"), rel, logical, config, on_tactic=audit)
        for r in audit.rows:
            r["file"] = rel
        rows += audit.rows
        ok = [r["confirmed"] for r in audit.rows if r["labeller"] == "traced"]
        print(f"{rel}: {sum(ok)}/{len(ok)} traced labels confirmed" + (f"; {traced.error}" if traced.error else ""))
    if args.out:
        Path(args.out).write_text("".join(json.dumps(r) + "\n" for r in rows))
    print(f"{len(chosen)} files, {time.monotonic() - t0:.0f}s")
    result = {}
    for labeller in ("traced", "baseline"):
        mine = [r["confirmed"] for r in rows if r["labeller"] == labeller]
        if mine:
            result[labeller] = sum(mine) / len(mine)
            print(
                f"  {labeller:<9} {sum(mine):6d}/{len(mine):<6d} labels confirmed by Coq: {100 * result[labeller]:.2f}%"
            )
    if len(result) == 2 and result["traced"] < 1:
        print(f"  wrong labels, baseline / traced: {(1 - result['baseline']) / (1 - result['traced']):.1f}x")


if __name__ == "__main__":
    main()
