"""The header policy: a header that could act outside the document or switch a check off is refused before any
process sees it, with the reason; every benchmark header we ship or read passes."""

from __future__ import annotations

import json
import os

import pytest

from stp_prover.itp import Theorem, UntrustedInput, VerdictKind
from stp_prover.itp.coq.policy import PolicyViolation, screen_header

BASE = "Require Import Arith Lia.\n"

HOSTILE_HEADERS = {
    "redirect writes a file": 'Redirect "stp_leak" Print nat.',
    "redirect behind a prefix": 'Time Redirect "stp_leak" Print nat.',
    "cd": 'Cd "/tmp".',
    "fail cd": 'Fail Cd "/tmp".',
    "add loadpath": 'Add LoadPath "/tmp" as Evil.',
    "add rec loadpath": 'Add Rec LoadPath "/tmp" as Evil.',
    "add ml path": 'Add ML Path "/tmp".',
    "declare ml module": 'Declare ML Module "evil_plugin".',
    "load": 'Load "/tmp/evil.v".',
    "guard checking": "Unset Guard Checking.",
    "local guard checking": "Local Unset Guard Checking.",
    "attribute guard checking": "#[local] Unset Guard Checking.",
    "positivity": "Unset Positivity Checking.",
    "type in type": "Unset Universe Checking.",
    "bypass check": "#[bypass_check(guard)] Fixpoint loop (n : nat) : False := loop n.",
    "extraction": 'Extraction "/tmp/stp_extracted.ml" nat.',
    "extraction directory": 'Set Extraction Output Directory "/tmp".',
    "native compute": "Eval native_compute in 1 + 1.",
    "native compute profile": "Set NativeCompute Profiling.",
    "admitted lemma": "Lemma helper : 1 = 2. Admitted.",
    "admit in a header proof": "Lemma helper : 1 = 2. Proof. admit. Qed.",
    "proof left open": "Lemma helper : 1 = 1.",
    "reset": "Reset Initial.",
    "back to": "BackTo 1.",
    "drop": "Drop.",
    "quit": "Quit.",
    "register primitive": "Register nat as num.nat.type.",
    "silent": "Set Silent.",
    "printing all": "Set Printing All.",
    "unknown command": "Goal True.",
}

FRIENDLY_HEADERS = [
    "Require Import Reals.\nOpen Scope R_scope.\n",
    "From Coq Require Import Arith Lia.\nImport Nat.\n",
    "Require Import ZArith.\nLocal Open Scope Z_scope.\nDefinition f (x : Z) := x * x.\n",
    "Require Import Arith.\nFixpoint sum_to (n : nat) : nat := match n with 0 => 0 | S m => n + sum_to m end.\n",
    "Require Import Arith.\nLemma helper : 1 + 1 = 2.\nProof. reflexivity. Qed.\nHint Resolve helper : core.\n",
    "Require Import Arith.\nDefinition two : nat.\nProof. exact 2. Defined.\n",
    'Require Import Arith.\nSet Warnings "-notation-overridden".\nSet Implicit Arguments.\n',
    "Require Import Reals.\nParameter Rfloor : R -> Z.\nAxiom Rfloor_spec : forall x : R, IZR (Rfloor x) <= x.\n",
    "Require Import Arith.\nSection S.\nVariable n : nat.\nEnd S.\nLtac crush := intros; auto.\n",
    'Require Import Arith.\n(* a comment with Cd "x" and Redirect inside *)\nCheck nat.\n',
]


@pytest.mark.parametrize("name", sorted(HOSTILE_HEADERS))
def test_hostile_headers_are_refused_by_the_screen(name):
    with pytest.raises(PolicyViolation):
        screen_header(BASE + HOSTILE_HEADERS[name] + "\n")


@pytest.mark.parametrize("header", FRIENDLY_HEADERS)
def test_headers_that_only_build_a_context_pass(header):
    screen_header(header)


def test_every_minif2f_and_example_header_passes(shared_data):
    from stp_prover.data.benchmarks import load_benchmark

    headers = set()
    with open(shared_data / "minif2f" / "rocq_valid.jsonl", encoding="utf-8") as fh:
        headers.update(json.loads(line)["header"] for line in fh)
    headers.update(t.header for t in load_benchmark("examples", "all", "coq"))
    assert len(headers) > 20
    for header in headers:
        screen_header(header)


@pytest.mark.parametrize("name", ["redirect writes a file", "cd", "declare ml module", "extraction"])
def test_refused_headers_never_reach_coq(name, coq_env, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    thm = Theorem("good", "coq", BASE + HOSTILE_HEADERS[name] + "\n", "Theorem good : 1 + 1 = 2.")
    for check in (coq_env.check, coq_env.check_cold):
        verdict = check(thm, "Proof. reflexivity. Qed.")
        assert verdict.kind is VerdictKind.UNTRUSTED and "header" in verdict.reason
    with pytest.raises(UntrustedInput):
        coq_env.start(thm)
    assert os.listdir(tmp_path) == []


@pytest.mark.parametrize("name", sorted(HOSTILE_HEADERS))
def test_whole_file_checks_refuse_the_same_commands(name):
    from stp_prover.itp.coq.policy import screen_file

    with pytest.raises(PolicyViolation):
        screen_file(BASE + HOSTILE_HEADERS[name] + "\nTheorem t : True.\nProof. exact I. Qed.\n")


def test_whole_file_checks_refuse_axioms_but_take_context_building_files():
    from stp_prover.itp.coq.policy import screen_file

    # An Axiom, and a section Variable: a file's theorems rest on the standard axioms only.
    for i in (7, 8):
        with pytest.raises(PolicyViolation):
            screen_file(FRIENDLY_HEADERS[i])
    for header in FRIENDLY_HEADERS[:7] + FRIENDLY_HEADERS[9:]:
        screen_file(header + "Theorem t : True.\nProof. exact I. Qed.\n")
