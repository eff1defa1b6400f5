"""The whole-proof check and tactic start through the REPL test double: recorded REPL answers (transcripts of
leanprover-community/repl's test/ folder) where they exist, otherwise request/response pairs we write ourselves
(those test our client, not Lean; what Lean does there is known only from reading its sources)."""

from __future__ import annotations

import json
import os
import resource

import pytest

from stp_prover.itp import BackendUnavailable, LeanConfig, StepKind, Theorem, UntrustedInput, VerdictKind
from stp_prover.itp.config import ResourceLimits
from stp_prover.itp.lean import LeanEnv
from stp_prover.itp.lean.policy import rename_declaration
from stp_prover.itp.lean.repl import LeanRepl, lean_child_env
from stp_prover.itp.lean.session import (
    AUDIT_OK,
    BASE_NAMES_CODE,
    BASE_NAMES_TAG,
    REF_NAME,
    STRICT_OPTIONS,
    _with_sorry,
    result_audit,
)
from tests.conftest import TRANSCRIPTS, repl_double_command
from tests.itp.lean_repl_double import _responses


def recorded(name: str, index: int) -> dict:
    """The `index`-th response the real REPL gave in transcript `name`."""
    return _responses((TRANSCRIPTS / f"{name}.expected.out").read_text(encoding="utf-8"))[index]


def info(text: str) -> dict:
    return {"severity": "info", "pos": {"line": 1, "column": 0}, "endPos": None, "data": text}


def env_with(tmp_path, pairs, *uses, exit_on=()) -> LeanEnv:
    path = tmp_path / "pairs.jsonl"
    path.write_text("".join(json.dumps({"request": q, "response": a}) + "\n" for q, a in pairs))
    command = repl_double_command(*uses, extra=path, exit_on=exit_on)
    return LeanEnv(LeanConfig(repl_command=command, repl_cwd=None))


HEADER = "import Mathlib\n"
BOOT = [({"cmd": HEADER}, {"env": 0}), ({"cmd": STRICT_OPTIONS, "env": 0}, {"env": 1})]
OK = info(AUDIT_OK)


def base_names_pair(env: int, names=()) -> tuple[dict, dict]:
    """WRITTEN BY US (not recorded): the base-names request on the header's environment and its answer."""
    return {"cmd": BASE_NAMES_CODE, "env": env}, {"env": 90, "messages": [info(BASE_NAMES_TAG + json.dumps(list(names)))]}


def check_pairs(thm, code, proof_answer, audit_answer, header_env=None, base=(), ref_env=2, proof_env=3):
    """The exchange of one check (LeanSession.check): base names (with a header), the reference statement, the
    proof on the reference's environment, the result audit on the proof's. The reference and audit answers are
    WRITTEN BY US (no recorded transcript has them); `proof_answer` may be a recorded one."""
    pairs = [base_names_pair(header_env, base)] if header_env is not None else []
    ref = {"cmd": _with_sorry(rename_declaration(thm.statement, REF_NAME))}
    if header_env is not None:
        ref["env"] = header_env
    pairs.append((ref, {"env": ref_env, "sorries": [{"proofState": 0, "goal": "⊢ _"}]}))
    pairs.append(({"cmd": code, "env": ref_env}, dict(proof_answer, env=proof_env)))
    pairs.append(({"cmd": result_audit(thm.name, tuple(base)), "env": proof_env}, audit_answer))
    return pairs


def test_a_restated_proof_is_compared_with_the_statement_elaborated_before_it(tmp_path):
    # The reference statement is elaborated on the header's environment (env 1) *before* the proof, and the proof
    # runs on top of it (env 2), so nothing the proof declares can change what the reference means; the audit
    # compares the two types and replays the new declarations through the kernel.
    thm = Theorem("foo", "lean", HEADER, "theorem foo : (2 : ℕ) + 2 = 4 := by")
    proof = "theorem foo : (2 : ℕ) + 2 = 4 := by norm_num"
    audit = result_audit("foo", ())
    assert f"String.toName {json.dumps(REF_NAME)}" in audit and "Lean.Environment.replay" in audit
    assert audit.endswith("#print axioms foo")
    answer = {"env": 4, "messages": [OK, info("'foo' depends on axioms: [propext]")]}
    with env_with(tmp_path, BOOT + check_pairs(thm, proof, {}, answer, header_env=1)) as env:
        verdict = env.check(thm, proof)
        assert verdict.kind is VerdictKind.PROVED, verdict


def test_every_path_audits_the_result_even_without_the_screen(tmp_path, monkeypatch):
    # The screen is a first line only: with it switched off, the result audit still refuses what the proof did:
    # a changed statement, an extra declaration, a constant the kernel rejects on replay (its `throwError`s come
    # back as error messages), and an audit that says nothing is no pass either.
    monkeypatch.setattr("stp_prover.itp.lean.session.screen_proof", lambda *args: None)
    monkeypatch.setattr("stp_prover.itp.lean.env.prescreen", lambda *args: None)
    thm = Theorem("foo", "lean", HEADER, "theorem foo : (2 : ℕ) + 2 = 5 := by")
    cases = {
        "  exact rfl": "stp: the proved statement differs from the asked one",
        "  exact cheat_instance": "stp: the proof also declared instCheat",
        "  set_option debug.skipKernelTC true in exact bad": "(kernel) declaration type mismatch",
        "  exact silent": None,
    }
    pairs, env_id = list(BOOT), 10
    for i, (proof, error) in enumerate(cases.items()):
        messages = [{"severity": "error", "pos": {"line": 2, "column": 0}, "endPos": None, "data": error}] if error else []
        answer = {"env": env_id + 3, "messages": messages + [info("'foo' depends on axioms: [propext]")]}
        pairs += check_pairs(thm, thm.statement + "\n" + proof, {}, answer, header_env=1, ref_env=env_id,
                             proof_env=env_id + 1)[(1 if i else 0):]
        env_id += 10
    with env_with(tmp_path, pairs) as env:
        for proof, error in cases.items():
            verdict = env.check(thm, proof)
            assert verdict.kind is VerdictKind.UNTRUSTED, (proof, verdict)
            assert (error or "no verdict") in verdict.reason


def test_sorry_is_caught_by_the_repl_answer_without_the_screen(tmp_path, monkeypatch):
    # Recorded (have_by_sorry): the REPL's answer for this theorem proved by `sorry` is a warning, no error. The
    # request differs from the recorded one only by running on the reference's environment.
    monkeypatch.setattr("stp_prover.itp.lean.env.prescreen", lambda *args: None)
    monkeypatch.setattr("stp_prover.itp.lean.session.screen_proof", lambda *args: None)
    thm = Theorem("foo", "lean", "", "theorem foo (x : Int) : x = x := by")
    answer = recorded("have_by_sorry", 1)
    assert "sorry" in answer["messages"][0]["data"]
    code = "theorem foo (x : Int) : x = x := by\n  sorry"
    with env_with(tmp_path, check_pairs(thm, code, answer, {"env": 9})) as env:
        verdict = env.check(thm, "  sorry")
        assert verdict.kind is VerdictKind.UNTRUSTED and "sorry" in verdict.reason


def test_the_v4_24_sorry_warning_is_recognised_too(tmp_path):
    # repl v4.24.0 test/*.expected.out print "declaration uses 'sorry'" (quotes); v4.33 uses backticks.
    thm = Theorem("foo", "lean", "", "theorem foo (x : Int) : x = x := by")
    warning = dict(recorded("have_by_sorry", 1))
    warning["messages"] = [dict(warning["messages"][0], data="declaration uses 'sorry'")]
    warning.pop("sorries")
    code = "theorem foo (x : Int) : x = x := by\n  simp"
    with env_with(tmp_path, check_pairs(thm, code, warning, {"env": 9})) as env:
        assert env.check(thm, "  simp").kind is VerdictKind.UNTRUSTED


def test_repl_44_a_self_referencing_proof_is_never_proved(tmp_path):
    # leanprover-community/repl#44: tactic mode accepted proofs that use the theorem itself. Recorded answers
    # (self_proof_apply_check): as a command, Lean rejects it; in tactic mode the REPL answers `goals: []` with a
    # kernel error in proofStatus, which is not `Completed`.
    thm = Theorem("ex", "lean", "", "theorem ex : False := by")
    pairs = check_pairs(thm, "theorem ex : False := by\n  apply ex", recorded("self_proof_apply_check", 0), {})[:2]
    pairs += [
        ({"cmd": "theorem ex : False := by sorry"}, recorded("self_proof_apply_check", 1)),
        ({"tactic": "apply ex", "proofState": 0}, recorded("self_proof_apply_check", 2)),
    ]
    with env_with(tmp_path, pairs) as env:
        assert env.check(thm, "  apply ex").kind is VerdictKind.REJECTED
        step = env.step(env.start(thm), "apply ex")
        assert step.kind is StepKind.ERROR and "kernel" in step.messages[0]


def test_header_axioms_are_listed_apart(tmp_path):
    header = "import Mathlib\naxiom cheat : (1 : ℕ) = 2\n"
    thm = Theorem("X", "lean", header, "theorem X : (1 : ℕ) = 2 := by")
    boot = [({"cmd": header}, {"env": 0}), ({"cmd": STRICT_OPTIONS, "env": 0}, {"env": 1})]
    good = {"env": 4, "messages": [OK, info("'X' depends on axioms: [propext, cheat]")]}
    bad = {"env": 14, "messages": [OK, info("'X' depends on axioms: [other]")]}
    pairs = boot + check_pairs(thm, "theorem X : (1 : ℕ) = 2 := by\n  exact cheat", {}, good, 1, ["cheat"])
    pairs += check_pairs(thm, "theorem X : (1 : ℕ) = 2 := by\n  exact other", {}, bad, 1, ["cheat"], 2, 13)[2:]
    with env_with(tmp_path, pairs) as env:
        ok = env.check(thm, "  exact cheat")
        assert ok.kind is VerdictKind.PROVED and ok.axioms == ["propext"] and ok.header_axioms == ["cheat"]
        assert ok.to_dict()["header_axioms"] == ["cheat"]
        bad_verdict = env.check(thm, "  exact other")
        assert bad_verdict.kind is VerdictKind.UNTRUSTED and "other" in bad_verdict.reason


def test_a_refused_header_is_untrusted_before_any_process(tmp_path):
    env = LeanEnv(LeanConfig(repl_command=[str(tmp_path / "missing")], repl_cwd=None))
    thm = Theorem("X", "lean", "import Mathlib\n#eval IO.println 1\n", "theorem X : True := by")
    verdict = env.check(thm, "  trivial")
    assert verdict.kind is VerdictKind.UNTRUSTED and "#eval" in verdict.reason
    with pytest.raises(UntrustedInput, match="#eval"):  # the server answers 400 "refused by the trust policy"
        env.start(thm)
    refused = env.check_file("import Mathlib\n#exit\ntheorem t : True := trivial\n")
    assert not refused.ok and "#exit" in refused.reason
    # Text that is no statement at all is bad input, not a cheat.
    assert env.check(Theorem("Y", "lean", "", "the sum of two odd numbers is even"), "  simp").kind is (
        VerdictKind.BAD_STATEMENT
    )
    assert env.sessions.started == 0


def test_options_set_by_a_command_hold_on_its_environment():
    # Recorded (options): `set_option pp.universes true` in one command changes how a later command on that
    # environment prints: what STRICT_OPTIONS (autoImplicit false after the header) relies on.
    repl = LeanRepl(repl_double_command("options"), ResourceLimits())
    try:
        before = repl.request({"cmd": "#print List.cons"}, 10)
        opt = repl.request({"cmd": "set_option pp.universes true"}, 10)
        after = repl.request({"cmd": "#print List.cons", "env": opt["env"]}, 10)
        assert "List.{u}" not in before["messages"][0]["data"] and "List.{u}" in after["messages"][0]["data"]
    finally:
        repl.close()


def test_a_dead_repl_at_start_is_discarded_and_retried(tmp_path):
    thm_ok = Theorem("f", "lean", "", "def f : Nat := by")
    thm_die = Theorem("DIE", "lean", "", "theorem DIE : True := by")
    with env_with(tmp_path, [], "proof_step", exit_on=["DIE"]) as env:
        with pytest.raises(BackendUnavailable, match="twice"):
            env.start(thm_die)
        assert env.sessions.started == 2 and len(env.sessions) == 0  # both dead sessions dropped
        assert env.start(thm_ok).text == "⊢ Nat"


def test_the_repl_child_finds_elan_and_has_no_lifetime_cpu_limit(tmp_path, monkeypatch):
    # elan (src/elan-utils/src/utils.rs, elan_home): ELAN_HOME, else $HOME/.elan, joined to the working directory.
    # The sandbox replaces HOME, so ELAN_HOME must be passed, absolute.
    monkeypatch.delenv("ELAN_HOME", raising=False)
    env = lean_child_env()
    assert env["ELAN_HOME"] == os.path.join(os.path.expanduser("~"), ".elan")
    assert env["PATH"].split(os.pathsep)[0] == os.path.join(env["ELAN_HOME"], "bin")
    monkeypatch.setenv("ELAN_HOME", "relative/elan")
    assert os.path.isabs(lean_child_env()["ELAN_HOME"])
    # A real child: its environment and limits as the REPL would get them.
    probe = tmp_path / "probe.py"
    probe.write_text(
        "import json, os, resource, sys\n"
        "sys.stdin.readline(); sys.stdin.readline()\n"
        "cpu = resource.getrlimit(resource.RLIMIT_CPU)[0]\n"
        "print(json.dumps({'env': 0, 'elan': os.environ.get('ELAN_HOME'), 'home': os.environ['HOME'],"
        " 'cpu': cpu}) + '\\n', flush=True)\n"
    )
    import sys

    repl = LeanRepl([sys.executable, str(probe)], ResourceLimits(cpu_seconds=60))
    try:
        seen = repl.request({"cmd": "x"}, 10)
    finally:
        repl.close()
    assert seen["elan"] == os.path.abspath("relative/elan")
    assert seen["home"] != os.path.expanduser("~")  # the sandbox's own HOME stays
    assert seen["cpu"] == resource.RLIM_INFINITY


def test_a_header_that_sets_auto_implicit_keeps_its_choice(tmp_path, shared_data):
    # No strict-options request here: the proof runs on the header's own environment (env 0). ProofNet's headers
    # opt in, since its statements were checked with Lean's defaults (Axler_exercise_7_6 binds `F` implicitly).
    from stp_prover.data.benchmarks import load_benchmark

    axler = next(t for t in load_benchmark("proofnet", "verified", "lean", str(shared_data)) if t.name.endswith("7_6"))
    assert "set_option autoImplicit true" in axler.header
    header = "import Mathlib\nset_option autoImplicit true\n"
    thm = Theorem("X", "lean", header, "theorem X : True := by")
    answer = {"env": 5, "messages": [OK, info("'X' does not depend on any axioms")]}
    pairs = [({"cmd": header}, {"env": 0})] + check_pairs(thm, "theorem X : True := by\n  trivial", {}, answer, 0)
    with env_with(tmp_path, pairs) as env:
        assert env.check(thm, "  trivial").kind is VerdictKind.PROVED
