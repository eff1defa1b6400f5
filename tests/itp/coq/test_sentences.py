import pytest

from stp_prover.itp.coq import SentenceError, split_sentences


def test_bullets_braces_and_comments_are_their_own_sentences():
    text = 'Proof.\n intros x (* a comment with "*)" inside *) y.\n - lia.\n + { simpl. auto. }\n Qed.'
    assert split_sentences(text) == ["Proof.", "intros x   y.", "-", "lia.", "+", "{", "simpl.", "auto.", "}", "Qed."]


def test_periods_inside_names_strings_and_ellipses_do_not_end_sentences():
    assert split_sentences('apply Nat.add_comm. idtac "a. b". Notation "x .. y" := 1.') == [
        "apply Nat.add_comm.",
        'idtac "a. b".',
        'Notation "x .. y" := 1.',
    ]


def test_goal_selector_with_brace_is_its_own_sentence():
    assert split_sentences("2:{ lia. } [h]: { auto. }") == ["2:{", "lia.", "}", "[h]: {", "auto.", "}"]


def test_proof_with_ellipsis_ends_a_sentence():
    assert split_sentences("transitivity y... symmetry... auto.") == ["transitivity y...", "symmetry...", "auto."]


def test_nested_comments_and_escaped_quotes():
    assert split_sentences('(* outer (* inner *) still *) idtac "say ""hi"". ok".') == ['idtac "say ""hi"". ok".']


def test_multiline_sentence_becomes_one_line():
    assert split_sentences("Theorem t :\n  forall n : nat,\n  n = n.") == ["Theorem t :   forall n : nat,   n = n."]


@pytest.mark.parametrize("text", ["intros", "(* open comment", 'idtac "open string.', "lia. auto"])
def test_unfinished_text_is_refused(text):
    with pytest.raises(SentenceError):
        split_sentences(text)
