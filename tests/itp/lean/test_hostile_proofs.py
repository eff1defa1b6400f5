"""Hostile Lean proofs, written by us from the field's known exploits: each is refused by the trust-policy screen
alone (no Lean process is started), and where the recorded REPL transcripts allow, the full check refuses the same
trick without the screen (tests/itp/lean/test_lean_repl.py: restated statements, sorry, REPL#44)."""

from __future__ import annotations

import pytest

from stp_prover.itp import LeanConfig, Theorem, VerdictKind
from stp_prover.itp.lean import LeanEnv
from stp_prover.itp.lean.policy import PolicyViolation, screen_proof

THM = Theorem("X", "lean", "import Mathlib\n", "theorem X : (2 : ℕ) + 2 = 4 := by")

HOSTILE = {
    # holes and compiled-code trust (Kimina/DeepSeek `native_decide` proofs, `decide +native`)
    "sorry": "  sorry",
    "admit": "  admit",
    "escaped sorry": "  exact «sorry»",
    "native_decide": "  native_decide",
    "decide +native": "  decide +native",
    "ofReduceBool": "  exact Lean.ofReduceBool _ _ rfl",
    "ofReduceNat": "  exact Lean.ofReduceNat _ _ rfl",
    "trustCompiler": "  have := Lean.trustCompiler\n  simp",
    "sorryAx": "  exact sorryAx _ false",
    "sorryAx by name literal": "  exact (by exact ``sorryAx)",
    "decreasing_by sorry": "  exact foo 2\ntermination_by n\ndecreasing_by sorry",
    # the screen reads tokens: comment and string tricks that hid code from the old regex screen
    "string hides block comment": '  have : "/-" = "/-" := rfl\n  native_decide\n  -- -/',
    "string hides line comment": '  have : "--" = "--" := rfl; native_decide',
    "char literal quote": "  have : '\"' = '\"' := rfl\n  native_decide -- \"",
    "raw string": '  have : r#"/-"# = r#"/-"# := rfl\n  run_tac pure ()\n  -- -/',
    "interpolated string": '  have := s!"{(IO.Process.run {cmd := "sh"} : IO String)}"\n  simp',
    "unterminated comment": "  simp\n/- ",
    "comment glued to a token": "  simp <-- #eval IO.println 1",
    # code that runs at elaboration time
    "run_tac": "  run_tac Lean.Elab.Tactic.evalTactic (← `(tactic| simp))",
    "run_cmd": '  simp\nrun_cmd Lean.logInfo "hi"',
    "run_elab": "  simp\nrun_elab pure ()",
    "run_meta": "  simp\nrun_meta pure ()",
    "by_elab": "  exact by_elab pure (Lean.mkConst ``True.intro)",
    "#eval IO": '  simp\n#eval IO.Process.run {cmd := "sh", args := #["-c", "id"]}',
    "#exit": "  simp\n#exit",
    "#print": "  simp\n#print axioms X",
    "initialize": '  simp\ninitialize IO.println "x"',
    "IO in a term": '  have := IO.FS.writeFile "/tmp/x" "y"\n  simp',
    "System": '  have := System.FilePath.mk "/"\n  simp',
    "unsafeCast": "  exact unsafeCast ()",
    "metaprogramming": "  have := Lean.Elab.Command.elabCommand\n  simp",
    # cheating tactics and syntax
    "macro tactic": '  easy\nmacro "easy" : tactic => `(tactic| sorry)',
    "elab tactic": '  cheat\nelab "cheat" : tactic => Lean.Elab.Tactic.closeMainGoal (Lean.mkConst ``True.intro)',
    "macro_rules": "  simp\nmacro_rules | `(tactic| simp) => `(tactic| sorry)",
    "syntax": '  simp\nsyntax "cheat" : tactic',
    "local notation": '  simp\nlocal notation "four" => 5',
    # declarations, instances, attributes, scopes: a proof declares nothing but its theorem
    "statement redefinition": (
        "instance (priority := high) : Add ℕ := ⟨fun _ _ => 5⟩\ntheorem X : (2 : ℕ) + 2 = 5 := rfl"
    ),
    "local instance": "  simp\nlocal instance : Add ℕ := ⟨fun _ _ => 4⟩",
    "attribute local instance": "  attribute [local instance] Classical.propDecidable in simp",
    "attribute on a restated theorem": "@[simp] theorem X : (2 : ℕ) + 2 = 4 := by simp",
    "implemented_by": "@[implemented_by f] def g : ℕ := 4\ntheorem X : (2 : ℕ) + 2 = 4 := by simp",
    "extern": '@[extern "c_four"] opaque four : ℕ\ntheorem X : (2 : ℕ) + 2 = 4 := by simp',
    "unsafe": "unsafe def four : ℕ := 4\ntheorem X : (2 : ℕ) + 2 = 4 := by simp",
    "axiom": "axiom cheat : False\ntheorem X : (2 : ℕ) + 2 = 4 := cheat.elim",
    "open in": "  open Lean Elab Tactic in\n  simp",
    "helper lemma before": "lemma h : True := trivial\ntheorem X : (2 : ℕ) + 2 = 4 := by simp",
    "second theorem after": "  simp\ntheorem Y : False := sorry",
    "example": "  simp\nexample : False := by simp",
    "namespace escape": "  simp\nend\nnamespace Foo",
    "where clause": "  exact aux\nwhere aux : (2 : ℕ) + 2 = 4 := by simp",
    "mutual": "  simp\nmutual\nend",
    # options that change what is checked
    "skipKernelTC": "  set_option debug.skipKernelTC true in simp",
    "escaped skipKernelTC": "  set_option «debug».skipKernelTC true in simp",
    "byAsSorry": "  set_option debug.byAsSorry true in simp",
    "unsafe reducibility": "  set_option allowUnsafeReducibility true in simp",
    "compiler option": "  set_option compiler.extract_closed false in simp",
    # the outside world
    "polyrith": "  polyrith",
}


def test_there_are_at_least_forty_hostile_proofs():
    assert len(HOSTILE) >= 40


@pytest.mark.parametrize("proof", list(HOSTILE.values()), ids=list(HOSTILE))
def test_the_screen_alone_refuses_it(proof):
    with pytest.raises(PolicyViolation):
        screen_proof(proof)


@pytest.mark.parametrize("proof", list(HOSTILE.values()), ids=list(HOSTILE))
def test_check_refuses_it_before_any_process_starts(proof, tmp_path):
    # A REPL command that cannot start: had a process been asked, the verdict would be `error`, not `untrusted`.
    env = LeanEnv(LeanConfig(repl_command=[str(tmp_path / "no-such-repl")], repl_cwd=None))
    verdict = env.check(THM, proof)
    assert verdict.kind is VerdictKind.UNTRUSTED, verdict
    assert verdict.reason
    assert env.sessions.started == 0


@pytest.mark.parametrize(
    "proof",
    [
        "  norm_num",
        "  simp -- native_decide would be refused, but this is a comment",
        "  /- sorry in a comment, /- nested -/ -/ norm_num",
        '  have h : "sorry" = "sorry" := rfl\n  norm_num',
        "  set_option maxHeartbeats 400000 in\n  nlinarith [sq_nonneg (2 : ℕ)]",
        "  have h₀ : f ⁻¹' {7} = f ⁻¹' {7} := rfl\n  norm_num",
        "theorem X : (2 : ℕ) + 2 = 4 := by\n  norm_num",
        "/-- restated with a docstring -/\ntheorem X : (2 : ℕ) + 2 = 4 := by norm_num",
        "  letI : Fact (1 < 2) := ⟨by norm_num⟩\n  norm_num",
        "  constructor <;> simp",
        "  · norm_num",
    ],
)
def test_ordinary_proofs_pass_the_screen(proof):
    screen_proof(proof)  # no PolicyViolation


def test_a_restated_proof_must_declare_the_asked_theorem(tmp_path):
    env = LeanEnv(LeanConfig(repl_command=[str(tmp_path / "no-such-repl")], repl_cwd=None))
    verdict = env.check(THM, "theorem Y : (2 : ℕ) + 2 = 4 := by norm_num")
    assert verdict.kind is VerdictKind.UNTRUSTED and "'Y'" in verdict.reason
    assert env.sessions.started == 0
