"""Field documentation is read from the class source: the comment ending a field's line (continued under it when
the next field has its own), else the comment block right above the field."""

from __future__ import annotations

from dataclasses import dataclass, field, make_dataclass

from stp_prover.settings import class_doc, field_docs


@dataclass
class Documented:
    """Settings of a test: the docstring."""

    plain: int = 1  # a trailing comment
    long_one: list[str] = field(default_factory=list)  # a trailing comment that goes on
    # on the next line, since the next field has a comment of its own
    next_one: int = 2  # its own
    # A block above a field without a trailing comment,
    # over two lines.
    blocked: float = 0.5

    undocumented: str = "x"
    spread: dict = field(
        default_factory=dict,
    )  # the comment on the statement's last line
    # a block followed by a blank line documents nothing

    alone: bool = False


@dataclass
class Child(Documented):
    extra: int = 0  # added by the subclass


def test_each_convention_gives_the_documentation():
    assert field_docs(Documented) == {
        "plain": "a trailing comment",
        "long_one": "a trailing comment that goes on on the next line, since the next field has a comment of its own",
        "next_one": "its own",
        "blocked": "A block above a field without a trailing comment, over two lines.",
        "spread": "the comment on the statement's last line",
    }


def test_inherited_fields_keep_their_documentation():
    docs = field_docs(Child)
    assert docs["extra"] == "added by the subclass" and docs["plain"] == "a trailing comment"


def test_the_class_docstring_and_not_the_signature_dataclasses_writes():
    assert class_doc(Documented) == "Settings of a test: the docstring."
    assert Child.__doc__.startswith("Child(")  # what dataclass puts there when the class has no docstring
    assert class_doc(Child) == ""


def test_a_class_without_source_has_no_documentation():
    built = make_dataclass("Built", [("x", int, 0)])
    assert field_docs(built) == {} and class_doc(built) == ""
