"""The `strict` and `stp` verdict modes on Lean, one proof per difference that one mode accepts and the other refuses.
Lean cannot run here: the exchanges go through the REPL test double (tests/itp/lean_repl_double.py). Every REPL
answer below is WRITTEN BY US (no recorded transcript has these proofs); they test which requests each mode sends
and how it reads the answers, not what Lean does. Each test quotes the line of STP's verifier it follows
(kfdong/STP, RL/utils/prover/lean/verifier.py)."""

from __future__ import annotations

import json

from stp_prover.itp import ItpConfig, ItpSettings, LeanConfig, Theorem, VerdictKind
from stp_prover.itp.lean import LeanEnv
from stp_prover.itp.lean.session import STRICT_OPTIONS
from tests.conftest import repl_double_command
from tests.itp.lean.test_check_path import BOOT, HEADER, OK, check_pairs, info

STP_BOOT = [({"cmd": HEADER}, {"env": 0})]  # the header alone: no `set_option autoImplicit false` after it


def warning(text: str) -> dict:
    return {"severity": "warning", "pos": {"line": 3, "column": 2}, "endPos": None, "data": text}


def error(text: str, line: int = 2) -> dict:
    return {"severity": "error", "pos": {"line": line, "column": 0}, "endPos": None, "data": text}


def env_with(tmp_path, pairs, verdicts: str) -> LeanEnv:
    path = tmp_path / f"{verdicts}.jsonl"
    path.write_text("".join(json.dumps({"request": q, "response": a}) + "\n" for q, a in pairs))
    return LeanEnv(LeanConfig(repl_command=repl_double_command(extra=path), repl_cwd=None, verdicts=verdicts))


def stp_pair(thm: Theorem, proof: str, answer: dict, env: int = 0) -> tuple[dict, dict]:
    """The one request of an stp check: `statement + '\\n' + proof` on the header's environment (verifier.py:232,
    `test_info['statement'] + '\\n' + test_info['proof']`; :150, `{'cmd': code, 'env': 0}`)."""
    return {"cmd": thm.statement.rstrip() + "\n" + proof, "env": env}, answer


def test_native_decide_passes_only_in_stp_mode(tmp_path):
    # STP verifier.py:53 `result['pass'] = not result['errors']`: no screen and no `#print axioms`, so a proof that
    # trusts the compiler (`Lean.ofReduceBool`) passes. Strict refuses it before any process runs.
    thm = Theorem("big", "lean", HEADER, "theorem big : 2 ^ 64 % 7 = 2 := by")
    proof = "  native_decide"
    with env_with(tmp_path, BOOT, "strict") as env:
        strict = env.check(thm, proof)
    assert strict.kind is VerdictKind.UNTRUSTED and "native_decide" in strict.reason
    with env_with(tmp_path, STP_BOOT + [stp_pair(thm, proof, {"env": 1})], "stp") as env:
        stp = env.check(thm, proof)
    assert stp.kind is VerdictKind.PROVED and stp.verdicts == "stp" and stp.to_dict()["verdicts"] == "stp"
    assert strict.verdicts == "strict"


def test_a_non_standard_axiom_passes_only_in_stp_mode(tmp_path):
    # STP verifier.py:54 `result['complete'] = result['pass'] and not result['sorries'] and not any(...)`: nothing
    # asks which axioms the proof rests on. Here a library lemma proved by `native_decide` carries
    # `Lean.ofReduceBool` into a proof whose text is clean.
    thm = Theorem("X", "lean", HEADER, "theorem X : 2 ^ 64 % 7 = 2 := by")
    proof = "  exact pow_mod_seven_fact"
    audit = {"env": 4, "messages": [OK, info("'X' depends on axioms: [propext, Lean.ofReduceBool]")]}
    with env_with(tmp_path, BOOT + check_pairs(thm, thm.statement + "\n" + proof, {}, audit, header_env=1), "strict") as env:
        strict = env.check(thm, proof)
    assert strict.kind is VerdictKind.UNTRUSTED and "Lean.ofReduceBool" in strict.reason
    with env_with(tmp_path, STP_BOOT + [stp_pair(thm, proof, {"env": 1})], "stp") as env:
        assert env.check(thm, proof).kind is VerdictKind.PROVED


def test_extra_declarations_pass_only_in_stp_mode(tmp_path):
    # STP sends the proof text as it is after the statement (verifier.py:232) and reads only the messages
    # (:48-54): declarations after the proof are never looked at. Strict proves one statement and declares nothing.
    thm = Theorem("foo", "lean", HEADER, "theorem foo : (2 : ℕ) + 2 = 4 := by")
    proof = "  norm_num\n\ntheorem helper : True := trivial"
    with env_with(tmp_path, BOOT, "strict") as env:
        strict = env.check(thm, proof)
    assert strict.kind is VerdictKind.UNTRUSTED and "only the one theorem" in strict.reason
    with env_with(tmp_path, STP_BOOT + [stp_pair(thm, proof, {"env": 1})], "stp") as env:
        assert env.check(thm, proof).kind is VerdictKind.PROVED


def test_auto_bound_implicits_pass_only_in_stp_mode(tmp_path):
    # STP verifier.py:86 starts each REPL with `{"cmd": header or LEAN_HEADER, ...}` and nothing else, so REPL
    # commands keep Lean's default `autoImplicit true` (the Mathlib lakefile's `autoImplicit false` applies to
    # Mathlib's own build, assets/setup/lakefile.lean). Strict turns it off after the header: `n` is unbound.
    thm = Theorem("X", "lean", HEADER, "theorem X (h : n = 2) : n + 1 = 3 := by")
    proof = "  omega"
    base, (ref_request, _), *_ = check_pairs(thm, thm.statement + "\n" + proof, {}, {}, header_env=1)
    strict_pairs = BOOT + [base, (ref_request, {"env": 2, "messages": [error("unknown identifier 'n'", 1)]})]
    with env_with(tmp_path, strict_pairs, "strict") as env:
        strict = env.check(thm, proof)
    assert strict.kind is VerdictKind.BAD_STATEMENT and "unknown identifier" in strict.reason
    # The double answers only the requests it was given: a `set_option autoImplicit false` request would find no
    # answer (and the check would fail), so this also shows that stp mode sends none.
    assert all(q.get("cmd") != STRICT_OPTIONS for q, _ in STP_BOOT)
    with env_with(tmp_path, STP_BOOT + [stp_pair(thm, proof, {"env": 1})], "stp") as env:
        assert env.check(thm, proof).kind is VerdictKind.PROVED


def test_a_restated_proof_passes_only_in_strict_mode(tmp_path):
    # STP always sends `statement + '\n' + proof` (verifier.py:232), so a completion that restates the theorem puts
    # a second `theorem` inside the first one's `by` block: Lean answers an error and `pass` is False (:53).
    # Strict recognises the restatement and compares it with the statement elaborated before it.
    thm = Theorem("foo", "lean", HEADER, "theorem foo : (2 : ℕ) + 2 = 4 := by")
    proof = "theorem foo : (2 : ℕ) + 2 = 4 := by norm_num"
    audit = {"env": 4, "messages": [OK, info("'foo' depends on axioms: [propext]")]}
    with env_with(tmp_path, BOOT + check_pairs(thm, proof, {}, audit, header_env=1), "strict") as env:
        assert env.check(thm, proof).kind is VerdictKind.PROVED
    parse_error = {"env": 1, "messages": [error("unexpected token 'theorem'; expected '{' or tactic")]}
    with env_with(tmp_path, STP_BOOT + [stp_pair(thm, proof, parse_error)], "stp") as env:
        stp = env.check(thm, proof)
    assert stp.kind is VerdictKind.REJECTED and "unexpected token" in stp.reason


def test_a_warning_that_says_failed_passes_only_in_strict_mode(tmp_path):
    # STP verifier.py:54: `... not any("declaration uses 'sorry'" in warning['data'] or 'failed' in warning['data']
    # for warning in result['warnings'])`. Aesop used as a non-terminal tactic warns "aesop: failed to prove the
    # goal after exhaustive search." and leaves its goals to the next tactic; the proof is complete all the same.
    thm = Theorem("Y", "lean", HEADER, "theorem Y (x : ℕ) (h : 2 ≤ x) : 1 ≤ x := by")
    proof = "  aesop\n  omega"
    answer = {"messages": [warning("aesop: failed to prove the goal after exhaustive search.")]}
    audit = {"env": 4, "messages": [OK, info("'Y' does not depend on any axioms")]}
    with env_with(tmp_path, BOOT + check_pairs(thm, thm.statement + "\n" + proof, answer, audit, 1), "strict") as env:
        assert env.check(thm, proof).kind is VerdictKind.PROVED
    with env_with(tmp_path, STP_BOOT + [stp_pair(thm, proof, dict(answer, env=1))], "stp") as env:
        stp = env.check(thm, proof)
    assert stp.kind is VerdictKind.REJECTED and "failed" in stp.reason


def test_sorry_and_code_runners_are_refused_in_both_modes(tmp_path):
    # The same verdict in both: STP refuses sorry (verifier.py:54, `not result['sorries']` and the "declaration uses
    # 'sorry'" warning); code run at elaboration time stays refused in stp mode too (machine safety, not a verdict).
    thm = Theorem("Z", "lean", HEADER, "theorem Z (x : Int) : x = x := by")
    for proof in ("  sorry", "  run_tac pure ()", "  exact (IO.println \"x\" |> fun _ => rfl)"):
        with env_with(tmp_path, STP_BOOT, "stp") as env:
            assert env.check(thm, proof).kind is VerdictKind.UNTRUSTED, proof
    # A hole the text does not show (a library tactic that closes goals with sorry) is found in the REPL's answer.
    sorry_answer = {"env": 1, "messages": [warning("declaration uses 'sorry'")]}
    with env_with(tmp_path, STP_BOOT + [stp_pair(thm, "  simp", sorry_answer)], "stp") as env:
        verdict = env.check(thm, "  simp")
    assert verdict.kind is VerdictKind.UNTRUSTED and "sorry" in verdict.reason


def test_stp_mode_sets_the_flag_and_stp_s_timeout():
    # STP verifier.py:31 `DEFAULT_TIMEOUT = 200`, the limit of each REPL request (:72 `@func_set_timeout`): the stp
    # mode's whole-proof time unless --check-timeout says otherwise. Coq, which STP never ran, keeps its own.
    config = ItpSettings(verdicts="stp").apply(ItpConfig())
    lean, coq = config.system("lean"), config.system("coq")
    assert lean.verdicts == "stp" and lean.check_timeout == 200.0
    assert coq.verdicts == "stp" and coq.check_timeout == ItpConfig().system("coq").check_timeout
    assert ItpSettings(verdicts="stp", check_timeout=50).apply(ItpConfig()).system("lean").check_timeout == 50.0
    assert ItpConfig().system("lean").verdicts == "strict"
