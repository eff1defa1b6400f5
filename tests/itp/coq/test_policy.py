import pytest

from stp_prover.itp.coq.policy import (
    PolicyViolation,
    audit_axioms,
    header_assumptions,
    parse_assumptions,
    screen_file,
    screen_proof,
    screen_tactic,
)

ALLOWED = {"ClassicalDedekindReals.sig_forall_dec", "Classical_Prop.classic"}


def test_tactic_scripts_pass():
    script = screen_proof("Proof. intros. - lia. - all: nia. Qed.", "t")
    assert script.sentences == ["Proof.", "intros.", "-", "lia.", "-", "all: nia.", "Qed."] and not script.declares


def test_restated_declaration_is_recognised():
    assert screen_proof("Theorem t : True. Proof. exact I. Qed.", "t").declares == "t"


@pytest.mark.parametrize(
    "proof, why",
    [
        ("Proof. Admitted.", "given up"),
        ("Proof. intros. Abort.", "given up"),
        ("Proof. admit. Qed.", "forbidden"),
        ("Proof. lia. Qed. Axiom x : False. Qed.", "after the end"),
        ("Theorem u : True. Proof. exact I. Qed.", "not the theorem"),
        ('Proof. Redirect "out" Print t. Qed.', "forbidden"),
        ("Proof. Load evil. Qed.", "forbidden"),
        ('Proof. Declare ML Module "x". Qed.', "forbidden"),
        ("Proof. Unset Guard Checking. exact I. Qed.", "not a tactic"),
        ("Proof. Ltac t := idtac. t. Qed.", "not a tactic"),
        ("Proof. #[local] Axiom f : False. Qed.", "not a tactic"),
        ("Proof. native_compute. Qed.", "forbidden"),
        ("Proof. lia.", "must end"),
        ("", "empty"),
    ],
)
def test_non_proofs_are_refused(proof, why):
    with pytest.raises(PolicyViolation, match=why):
        screen_proof(proof, "t")


def test_tactics_for_search_get_a_final_period_and_no_commands():
    assert screen_tactic("intros x") == ["intros x."]
    assert screen_tactic("split; [lia | nia]") == ["split; [lia | nia]."]
    with pytest.raises(PolicyViolation):
        screen_tactic("Qed")


def test_print_assumptions_parsing():
    out = (
        "Fetching opaque proofs from disk for Coq.Init.Logic\nAxioms:\nClassicalDedekindReals.sig_forall_dec\n"
        "  : forall P : nat -> Prop,\n    {n : nat | ~ P n} + {forall n : nat, P n}\nfoo : False\n"
    )
    assert parse_assumptions(out) == (["ClassicalDedekindReals.sig_forall_dec", "foo"], [])
    assert parse_assumptions("Closed under the global context") == ([], [])
    axioms, problems = parse_assumptions("Axioms:\nw is assumed to be guarded.\n")
    assert problems == ["w is assumed to be guarded."]


def test_axiom_audit_accepts_short_names_of_allowed_axioms_only():
    assert audit_axioms(["classic"], [], ALLOWED) is None
    assert audit_axioms(["ClassicalDedekindReals.sig_forall_dec"], [], ALLOWED) is None
    assert "foo" in audit_axioms(["foo"], [], ALLOWED)
    assert "guarded" in audit_axioms([], ["w is assumed to be guarded."], ALLOWED)


def test_header_declared_parameters_are_part_of_the_problem():
    header = "Require Import Reals.\nParameter Rfloor : R -> Z.\nAxiom Rfloor_spec : forall x : R, True."
    assert header_assumptions(header) == {"Rfloor", "Rfloor_spec"}


@pytest.mark.parametrize(
    "text",
    [
        "Axiom a : False.",
        "Unset Guard Checking.",
        'Redirect "f" Print nat.',
        "Theorem t : True. Proof. admit. Qed.",
        'Cd "/tmp".',
        'Add LoadPath "/tmp" as X.',
        "#[local] Axiom a : False.",
        "Local Axiom a : False.",
    ],
)
def test_files_with_forbidden_commands_are_refused(text):
    with pytest.raises(PolicyViolation):
        screen_file(text)
