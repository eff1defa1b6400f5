"""The Coq tracer on a small hand-checked file, replayed in a real coqtop. Every expected state and premise below was
written by hand from coqtop's own answers (`Show.`, `Locate`, `Locate Library`) on this file."""

from __future__ import annotations

import pytest

from stp_prover.itp.coq.trace import trace_file
from stp_prover.itp.coq.trace_names import bound_names, hypothesis_names, mentions

SAMPLE = """\
From Coq Require Import Lia.
Require Import Arith.

Definition foo := 0.
Lemma triv : True.
Proof I.
Lemma foo_zero : foo = 0.
Proof. reflexivity. Qed.
#[export] Hint Resolve foo_zero : core.

Module M.
  Lemma add_0 : forall n, n + 0 = n.
  Proof. intro n. rewrite Nat.add_comm. reflexivity. Qed.
End M.

Section Sec.
  Variable k : nat.
  Lemma k_refl : k = k.
  Proof. apply eq_refl. Qed.
End Sec.

Axiom ax : forall n : nat, n <= n + 1.

Lemma uses : forall foo : nat, foo + 0 = foo /\\ S foo <= S foo + 1.
Proof.
  intro foo.
  split.
  - apply M.add_0.
  - apply ax.
Qed.

Lemma later : foo = 0 /\\ True.
Proof.
  split.
  2: { exact triv. }
  auto.
Qed.
"""


@pytest.fixture(scope="module")
def traced():
    return trace_file(SAMPLE, "Sample.v", "Sample")


def theorem(traced, name):
    return next(t for t in traced.theorems if t.name == name)


def test_proof_term_is_run_first_and_nothing_after_it_is_lost(traced):
    # Before the fix `Show.` went before `Proof I.`, Coq refused it, and foo_zero with its hint were skipped, so the
    # `auto` of `later` failed.
    assert traced.error is None
    assert [(t.name, t.ok) for t in traced.theorems] == [
        ("triv", True),
        ("foo_zero", True),
        ("add_0", True),
        ("k_refl", True),
        ("uses", True),
        ("later", True),
    ]
    assert theorem(traced, "triv").tactics == []  # a term proof has no tactics
    assert [t.tactic for t in theorem(traced, "foo_zero").tactics] == ["reflexivity."]
    assert theorem(traced, "later").tactics[-1].tactic == "auto."


def test_premises_are_what_coq_says_the_names_denote(traced):
    premises = {t.tactic: t.premises for th in traced.theorems for t in th.tactics}
    assert premises["rewrite Nat.add_comm."] == ["Coq.Arith.PeanoNat.Nat.add_comm"]  # made by a module functor
    assert premises["apply eq_refl."] == ["Coq.Init.Logic.eq_refl"]  # Coq.Init, a constructor
    assert premises["apply ax."] == ["Sample.ax"]  # an axiom
    assert premises["apply M.add_0."] == ["Sample.M.add_0"]
    assert premises["exact triv."] == ["Sample.triv"]
    assert premises["intro foo."] == []  # the hypothesis `foo`, not the global Definition foo
    assert premises["intro n."] == [] and premises["split."] == []


def test_declarations_and_referenced_premises(traced):
    names = [(d.full_name, d.kind) for d in traced.declarations]
    assert names == [
        ("Sample.foo", "Definition"),
        ("Sample.triv", "Lemma"),
        ("Sample.foo_zero", "Lemma"),
        ("Sample.M.add_0", "Lemma"),
        ("Sample.k_refl", "Lemma"),
        ("Sample.ax", "Axiom"),
        ("Sample.uses", "Lemma"),
        ("Sample.later", "Lemma"),
    ]  # the section variable k is not a premise; k_refl keeps no section in its name
    refs = {d.full_name: d for d in traced.referenced}
    assert set(refs) == {"Coq.Arith.PeanoNat.Nat.add_comm", "Coq.Init.Logic.eq_refl"}
    assert refs["Coq.Arith.PeanoNat.Nat.add_comm"].code == "Nat.add_comm : forall n m : nat, n + m = m + n"
    assert refs["Coq.Arith.PeanoNat.Nat.add_comm"].library == "Coq.Arith.PeanoNat"
    assert refs["Coq.Init.Logic.eq_refl"].code == "eq_refl : forall (A : Type) (x : A), x = x"
    assert refs["Coq.Init.Logic.eq_refl"].kind == "Constructor"


def test_imports_are_full_library_names(traced):
    assert traced.imports == ["Coq.micromega.Lia", "Coq.Arith.Arith"]  # `From Coq Require Import Lia`


def test_states_are_focused_goals_with_hypotheses(traced):
    uses = theorem(traced, "uses").tactics
    assert [t.tactic for t in uses] == ["intro foo.", "split.", "apply M.add_0.", "apply ax."]  # no bullets
    assert uses[1].state_after == (
        "foo : nat\n============================\nfoo + 0 = foo\n\n"
        "foo : nat\n============================\nS foo <= S foo + 1"
    )
    # Closing the first bullet's goal: its focus is done (Coq shows the next goal's conclusion only, unfocused).
    assert uses[2].state_after == "no goals"
    assert uses[3].state_before == "foo : nat\n============================\nS foo <= S foo + 1"
    later = theorem(traced, "later").tactics
    assert [t.tactic for t in later] == ["split.", "exact triv.", "auto."]  # `2: {` and `}` are not tactics
    assert later[1].state_before == "============================\nTrue"
    assert later[2].state_before == "============================\nfoo = 0"


def test_local_names():
    assert hypothesis_names("n, m : nat\nH : n = m\nx := 3 : nat\n============================\nn = m") == {
        "n",
        "m",
        "H",
        "x",
    }
    assert bound_names("destruct (lt_dec x y) as [Hlt|Hge] eqn:E.") == {"Hlt", "Hge", "E"}
    assert bound_names("first [ intro H | apply foo ].") == {"H"}
    assert bound_names("assert (H : forall (x y : nat), x = y) by apply bar.") == {"H", "x", "y"}


def test_scope_keys_and_tactic_names_are_not_mentions():
    # Both were labelled before: `%nat` as Coq.Init.Datatypes.nat, the tactic `order` as the constant
    # Coq.Relations.Relation_Definitions.order (what `Locate order` answers once Relations is loaded).
    assert mentions("replace (2 * S i)%nat with (S i + S i)%nat.") == ["S", "i"]
    assert mentions("order.") == [] and mentions("intros; my_tac foo; auto.") == ["foo"]
    assert mentions("apply -> Nat.succ_le_mono; assumption.") == ["Nat.succ_le_mono"]
    assert mentions("[ apply Rmult_le_compat | ring ].") == ["Rmult_le_compat"]
    assert mentions("all: exact I.") == ["I"]
    # Hint databases: `Locate bool` answers the inductive Coq.Init.Datatypes.bool, which `auto with bool` never uses.
    assert mentions("case m; simpl; auto with bool.") == ["m"]
    assert mentions("auto using foo with arith.") == ["foo"]
