"""Property-based tests: any text, random or mutated from hostile proofs and headers, through the Coq sentence
splitter and the three screens (proof, tactic, header). None may crash with anything but its own error, and
nothing a screen accepts may do what the policy forbids."""

from __future__ import annotations

import re

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from stp_prover.itp.coq.policy import (
    FORBIDDEN_FILE_COMMANDS,
    PolicyViolation,
    screen_header,
    screen_proof,
    screen_tactic,
)
from stp_prover.itp.coq.sentences import SentenceError, split_sentences

SETTINGS = settings(max_examples=300, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))

# Pieces of real proofs, hostile ones included, for the mutation strategy below.
FRAGMENTS = [
    "Proof.",
    "Qed.",
    "Defined.",
    "Admitted.",
    "Abort.",
    "intros.",
    "lia.",
    "exact I.",
    "- ",
    "+ ",
    "* ",
    "{ ",
    " }",
    "(*",
    "*)",
    '"',
    '""',
    ".",
    ". ",
    "..",
    "...",
    "\n",
    " ",
    "\t",
    "\x0c",
    "\x85",
    "\u2028",
    "\x0b",
    "\x1c",
    'Redirect "f" ',
    'Cd "d".',
    "Load x.",
    'Declare ML Module "m".',
    "Unset Guard Checking.",
    "Axiom c : False.",
    "Time ",
    "Fail ",
    "#[local] ",
    "Local ",
    "admit.",
    "native_compute.",
    "Theorem t : True.",
    'idtac "Qed.".',
    "Require Import Arith.",
    "Open Scope R_scope.",
    "Definition f := 1.",
    "2: {",
    "all: ",
    "Unshelve.",
    "Add LoadPath",
    'Extraction "x" nat.',
    "Set Printing All.",
    "Back.",
    "BackTo 1.",
    "Reset Initial.",
    "Lemma h : 1 = 1.",
]
texts = st.one_of(
    st.text(max_size=200),
    st.lists(st.sampled_from(FRAGMENTS), max_size=30).map("".join),
    st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=5)), max_size=30).map("".join),
)

# What Coq counts as a command: a capitalised first word (tactics are lowercase). Allowed in a proof: these.
_ALLOWED_CAPITALISED = re.compile(r"^(?:Proof(?:\s+using\b[^.]*)?\.|Qed\.|Defined\.|Unshelve\.|Theorem t\b)")


@SETTINGS
@given(texts)
def test_the_splitter_raises_only_its_own_error_and_is_stable(text):
    try:
        sentences = split_sentences(text)
    except SentenceError:
        return
    for sentence in sentences:
        assert sentence and sentence == sentence.strip(" \n\r\t\x0c")
    # Splitting the sentences again, one per line, gives the same sentences: what we send is what we screened.
    assert split_sentences("\n".join(sentences)) == sentences


@SETTINGS
@given(texts)
def test_an_accepted_proof_holds_tactics_only(text):
    try:
        script = screen_proof(text, "t")
    except PolicyViolation:
        return
    body = script.sentences[1:] if script.declares else script.sentences
    assert body[-1] in ("Qed.", "Defined.")
    for sentence in body:
        assert not re.search(r"\b(?:admit|give_up|native_compute|Admitted|Abort|Redirect|Load|Declare)\b", sentence)
        core = re.sub(r"^(?:\d+(?:\s*,\s*\d+)*|all|par|\[\s*\w+\s*\]|!)\s*:\s*", "", sentence)
        if core[:1].isupper():
            assert _ALLOWED_CAPITALISED.match(core), sentence


@SETTINGS
@given(texts)
def test_an_accepted_tactic_is_no_command(text):
    try:
        sentences = screen_tactic(text)
    except PolicyViolation:
        return
    for sentence in sentences:
        assert not sentence[:1].isupper() or sentence == "Unshelve.", sentence
        assert not re.search(r"\b(?:admit|give_up|native_compute)\b", sentence)


@SETTINGS
@given(texts)
def test_an_accepted_header_holds_no_forbidden_command(text):
    try:
        screen_header(text)
    except PolicyViolation:
        return
    for sentence in split_sentences(text):
        core = re.sub(r"^(?:(?:#\[[^\]]*\]|Local|Global|Export|Time|Fail|Succeed|Timeout\s+\d+)\s*)+", "", sentence)
        bad = FORBIDDEN_FILE_COMMANDS.match(core)
        # Axioms and parameters stay part of the problem (listed apart in verdicts): the only commands of that
        # denylist a header may hold.
        assert not bad or re.match(r"^(?:Axiom|Axioms|Parameter|Parameters|Conjecture|Hypothes|Variable|Context)", core)
        assert not re.search(r"Redirect|\bCd\b|LoadPath|ML\s+(?:Module|Path)|\bLoad\b|bypass_check", core), sentence
        assert not re.search(r"^(?:Local\s+)?Unset\s+(?:Guard|Positivity|Universe)", core), sentence
