"""End to end against a real Lean REPL with Mathlib: `pytest -m lean`, where STP_LEAN_REPL (and STP_LEAN_PROJECT,
the folder of this repository's lakefile) are set; skipped elsewhere. See the README's Lean section."""

from __future__ import annotations

import json
import os
import threading
from http.server import BaseHTTPRequestHandler, HTTPServer
from pathlib import Path

import pytest

from stp_prover.itp import LeanConfig, StatementError, StepKind, Theorem, VerdictKind
from stp_prover.itp.backends import ItpConfig, trace_source
from stp_prover.itp.lean import LeanEnv
from stp_prover.itp.lean.repl import LeanRepl
from stp_prover.itp.lean.session import errors_of

pytestmark = [
    pytest.mark.lean,
    pytest.mark.skipif(not os.environ.get("STP_LEAN_REPL"), reason="needs a Lean REPL: set STP_LEAN_REPL"),
]

HEADER = "import Mathlib\n"
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def env():
    with LeanEnv(LeanConfig()) as e:
        yield e


def test_check_proved_rejected_and_axioms(env):
    thm = Theorem("t", "lean", HEADER, "theorem t (a b : ℕ) : a + b = b + a := by")
    ok = env.check(thm, "  omega")
    assert ok.kind is VerdictKind.PROVED and set(ok.axioms) <= {"propext", "Classical.choice", "Quot.sound"}
    assert env.check(thm, "  exact rfl").kind is VerdictKind.REJECTED


def test_the_audit_alone_catches_sorry_and_native_decide(env, monkeypatch):
    monkeypatch.setattr("stp_prover.itp.lean.env.prescreen", lambda *args: None)
    monkeypatch.setattr("stp_prover.itp.lean.session.screen_proof", lambda *args: None)
    thm = Theorem("t2", "lean", HEADER, "theorem t2 : 2 ^ 10 = 1024 := by")
    assert env.check(thm, "  sorry").kind is VerdictKind.UNTRUSTED
    cheat = env.check(thm, "  native_decide")
    assert cheat.kind is VerdictKind.UNTRUSTED and "ofReduceBool" in cheat.reason


def test_a_restated_proof_of_another_statement_is_refused(env):
    thm = Theorem("t3", "lean", HEADER, "theorem t3 (x : ℕ) (h : x = 1) : x + x = 3 := by")
    verdict = env.check(thm, "theorem t3 (x : ℕ) (h : x + x = 3) : x + x = 3 := h")
    assert verdict.kind is VerdictKind.UNTRUSTED and "differs" in verdict.reason
    same = env.check(thm, "theorem t3 (x : ℕ) (h : x = 1) : x + x = 3 := by\n  subst h\n  sorry")
    assert same.kind is VerdictKind.UNTRUSTED


def test_header_axioms_are_listed_apart(env):
    thm = Theorem("t4", "lean", HEADER + "axiom cheat : (1 : ℕ) = 2\n", "theorem t4 : (1 : ℕ) = 2 := by")
    verdict = env.check(thm, "  exact cheat")
    assert verdict.kind is VerdictKind.PROVED and verdict.header_axioms == ["cheat"]


def test_auto_bound_implicits_are_off(env):
    # A typo (`y` never bound) must not become a universally quantified variable.
    with pytest.raises(StatementError):
        env.start(Theorem("t5", "lean", HEADER, "theorem t5 (x : ℕ) : x + 0 = y := by"))


def test_steps(env):
    root = env.start(Theorem("t6", "lean", HEADER, "theorem t6 (p q : Prop) (hp : p) (hq : q) : p ∧ q := by"))
    opened = env.step(root, "constructor")
    assert opened.kind is StepKind.OPEN and opened.state.num_goals == 2
    assert env.step(opened.state, "exact nonexistent_lemma").kind is StepKind.ERROR
    assert env.step(root, "exact ⟨hp, hq⟩").kind is StepKind.PROVED


def test_trace_steps_are_top_level():
    text = (
        "import Mathlib\n\ntheorem t7 (p q : Prop) (hp : p) (hq : q) : p ∧ q := by\n"
        "  have h : p := by exact hp\n  constructor <;> simp [*]\n"
    )
    text += "\ntheorem t8 (p q : Prop) (hp : p) (hq : q) : p ∧ q := by\n  constructor\n  · exact hp\n  · exact hq\n"
    traced = trace_source("lean", text, "T.lean", "T", ItpConfig())
    first, second = traced.theorems
    assert [t.tactic for t in first.tactics] == ["have h : p := by exact hp", "constructor <;> simp [*]"]
    assert first.tactics[-1].state_after == "no goals"
    assert [t.tactic for t in second.tactics] == ["constructor", "· exact hp", "· exact hq"]
    assert second.tactics[0].state_after.count("⊢") == 2 and second.tactics[1].state_after.count("⊢") == 1


class _Server(BaseHTTPRequestHandler):
    answers: dict = {}

    def do_POST(self):
        self.rfile.read(int(self.headers["Content-Length"]))
        body = json.dumps(self.answers[self.path]).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_editor_tactics_end_to_end():
    _Server.answers = {
        "/generate": {
            "outputs": [{"output": "exact nonexistent_lemma", "score": 0.9}, {"output": "rfl", "score": 0.5}]
        },
        "/prove": {"proved": True, "proof": "  intro a b h\n  subst h\n  rfl"},
    }
    server = HTTPServer(("127.0.0.1", 0), _Server)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    config = LeanConfig()
    repl = LeanRepl(config.repl_command, config.limits, cwd=config.repl_cwd)
    try:
        compiled = repl.request({"path": str(ROOT / "lean_project" / "STP" / "Tactics.lean")}, 600)
        assert errors_of(compiled) == [], compiled
        base = repl.request(
            {"cmd": f"import Mathlib\nimport STP.Tactics\nset_option stp.port {server.server_port}"}, 600
        )
        assert errors_of(base) == [], base
        suggest = repl.request({"cmd": "example : (1 : ℕ) + 1 = 2 := by\n  stp_suggest", "env": base["env"]}, 120)
        shown = " ".join(m["data"] for m in suggest.get("messages", []))
        assert "rfl" in shown and "nonexistent_lemma" not in shown
        prove = repl.request(
            {"cmd": "example (a b : ℕ) (h : a = b) : b = a := by\n  stp_prove", "env": base["env"]}, 120
        )
        shown = " ".join(m["data"] for m in prove.get("messages", []))
        assert "revert a b h\n  intro a b h\n  subst h\n  rfl" in shown, shown
    finally:
        repl.close()
        server.shutdown()


def test_differential_the_screen_and_lean_agree_on_hidden_commands():
    # Against Lean's own parser: each text puts `#eval` where the screen reads it as inside a string, comment or
    # char literal. Texts the screen accepts must not make Lean run the payload (its output would come back as a
    # message); the attack texts, which the screen refuses, show which readings Lean takes.
    from stp_prover.itp.lean.policy import PolicyViolation, screen_proof
    from tests.itp.lean.test_screen_tokens import ATTACKS

    payload = '#eval IO.println "STP-HIT"'
    accepted = [
        f"  exact ((1 : ℕ) ×' '\"')\n  -- {payload}",
        f'  have : String := "×\'" ++ "{payload}"\n  trivial',
        f"  /- {payload} -/ trivial",
        f'  have : String := r#"{payload}"#\n  trivial',
    ]
    config = LeanConfig()
    repl = LeanRepl(config.repl_command, config.limits, cwd=config.repl_cwd)
    try:
        base = repl.request({"cmd": HEADER}, 600)["env"]
        for proof in accepted + [a.replace("#eval evil", payload) for a in ATTACKS.values()]:
            try:
                screen_proof(proof)
                screened = True
            except PolicyViolation:
                screened = False
            answer = repl.request({"cmd": "theorem t_diff : True := by\n" + proof, "env": base}, 120)
            ran = "STP-HIT" in json.dumps(answer)
            assert not (screened and ran), (proof, answer)
    finally:
        repl.close()
