"""What the names in a traced tactic denote, asked of Coq itself (`Locate`, `Check`), with local names (hypotheses,
binders, names the tactic introduces) left out: the premise labels of traced data."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Optional

from .coqtop import CoqTop, CoqTopDied, CoqTopTimeout

_IDENT = re.compile(r"(?<![\w'.])[A-Za-z_][\w']*(?:\.[A-Za-z_][\w']*)*")
_WORD = re.compile(r"[A-Za-z_][\w']*")
# Tactic names and keywords: never looked up, even where a constant of the same name exists (`reflexivity`).
_KEYWORDS = set(
    """in at as with by using fun forall exists let match end if then else return do try repeat first
solve idtac fail progress now easy eauto auto trivial intros intro apply eapply rewrite erewrite exact destruct edestruct
induction elim case simpl cbn cbv hnf red compute vm_compute unfold fold split left right constructor econstructor
exists eexists reflexivity symmetry transitivity assumption eassumption lia lra nia nra ring field ring_simplify
field_simplify omega congruence discriminate injection inversion subst clear revert generalize specialize pose set
assert enough cut change pattern replace contradiction exfalso absurd f_equal tauto intuition firstorder decide
remember rename move instantiate unshelve shelve cycle swap all par only type of Type Prop Set eqn into proof""".split()
)
# Where a tactic binds a name of its own; these names are local even if a global of that name exists.
# An intro pattern: bracketed groups may hold `|`; outside them `|`, `;` and `.` end it.
_PATTERN = r"((?:\[[^\]]*\]|\([^()]*\)|[^;.\[\]()|])*)"
_BINDER_SITES = [
    re.compile(r"\bintros?\s+" + _PATTERN),  # intro x y / intros [a|b] H
    re.compile(r"\bas\s+" + _PATTERN.replace(")*)", ")*?)") + r"(?=\s+(?:in|eqn|by|using)\b|[;.|\]]|$)"),
    re.compile(r"\beqn\s*:\s*([A-Za-z_][\w']*)"),
    re.compile(r"\binto\s+([A-Za-z_][\w']*)"),  # rename a into b
    re.compile(r"\(\s*([A-Za-z_][\w']*)\s*:=?(?!=)"),  # (H : T), (x := t): assert, pose, set, with bindings
    re.compile(r"\b(?:fix|cofix|let)\s+([A-Za-z_][\w']*)"),
]
_QUANTIFIER = re.compile(r"\b(?:fun|forall|exists)\s+([^,]*?)(?:,|=>)")
_HYP = re.compile(r"^([A-Za-z_][\w']*(?:\s*,\s*[A-Za-z_][\w']*)*)\s*(?::=|:)", re.M)
# The kinds of global objects that are premises (not Ltac, modules, section variables, hint databases).
_LOCATED = re.compile(r"^(Constant|Inductive|Constructor|Notation)\s+(\S+)")


# `(x + 1)%nat`: what follows `%` is a notation scope, not a name.
_SCOPE_KEY = re.compile(r"%\s*[A-Za-z_][\w']*")
# `auto with arith bool`: hint databases, not names (`bool` is also the inductive type).
_HINT_DBS = re.compile(
    r"(\b(?:auto|eauto|trivial|autorewrite|autounfold|firstorder|intuition|info_auto|info_eauto|typeclasses\s+eauto)"
    r"\b(?:\s+\d+)?(?:\s+using\s+[^;|\]]*?)?\s+with)((?:\s+(?:\*|[A-Za-z_][\w']*))+)"
)
# A goal selector before a tactic: `2: tac`, `all: tac`, `[x]: tac`.
_SELECTOR = re.compile(r"^\s*(?:\d+(?:\s*[,-]\s*\d+)*|all|\[\s*[A-Za-z_][\w']*\s*\])\s*:(?!=)")
# Where a tactic's own name stands (an Ltac name such as `order` may also be a constant): at the start, after a
# tactical's separator, or after a tactical keyword.
_TACTIC_HEAD = re.compile(
    r"(?:^|;|\[>?|\|\|?|\b(?:try|repeat|now|progress|by|abstract|time|once|exactly_once|do\s+\d+|solve|first))\s*$"
)


def mentions(tactic: str) -> list[str]:
    """Identifiers a tactic refers to that may be global names: strings, notation scopes (`%nat`), hint databases,
    tactic names in tactic position and tactic keywords left out."""
    text = _SCOPE_KEY.sub(" ", re.sub(r'"(?:[^"]|"")*"', " ", tactic))
    text = _HINT_DBS.sub(r"\1 ", _SELECTOR.sub(" ", text))
    seen: dict[str, None] = {}
    for m in _IDENT.finditer(text):
        tok = m.group(0)
        if tok in _KEYWORDS or _TACTIC_HEAD.search(text[: m.start()]):
            continue
        seen[tok] = None
    return list(seen)


def hypothesis_names(state: str) -> set[str]:
    """Names of the hypotheses (and section variables) in the goals of a state's text."""
    names: set[str] = set()
    for goal in state.split("\n\n"):
        context = goal.split("============================")[0] if "====" in goal else ""
        for m in _HYP.finditer(context):
            names |= {n.strip() for n in m.group(1).split(",")}
    return names


def bound_names(tactic: str) -> set[str]:
    """Names the tactic binds itself: intro patterns, `as`/`eqn:`/`into` names, `(x := _)`, fun/forall binders."""
    text = re.sub(r'"(?:[^"]|"")*"', " ", tactic)
    names: set[str] = set()
    for site in _BINDER_SITES:
        for m in site.finditer(text):
            names |= set(_WORD.findall(m.group(1)))
    for m in _QUANTIFIER.finditer(text):
        binders = m.group(1)
        # `(x y : T)` binds x and y, not the names in T; so does a bare `x y : T`.
        for group in re.findall(r"\(([^()]*)\)", binders):
            names |= set(_WORD.findall(group.split(":")[0]))
        bare = re.sub(r"\([^()]*\)", " ", binders).split(":")[0]
        names |= set(_WORD.findall(bare))
    return names


@dataclass(frozen=True)
class Located:
    full_name: str  # as Coq names it, with the traced file's own `Top` prefix replaced by its logical name
    kind: str  # Constant, Inductive, Constructor or Notation


class NameResolver:
    """Asks a live coqtop what names denote at the current point of the file; answers are cached until the
    context changes (`forget`), since inside one proof a global name cannot change meaning."""

    def __init__(self, top: CoqTop, logical_name: str, timeout: float = 10.0):
        self.top, self.logical_name, self.timeout = top, logical_name, timeout
        self._cache: dict[str, Optional[Located]] = {}
        self.scopes: list[tuple[str, bool]] = []  # open modules and sections, outermost first: (name, is_module)

    def forget(self) -> None:
        self._cache.clear()

    def locate(self, name: str) -> Optional[Located]:
        """The global object `name` denotes here, or None (unknown, local-only, or not a term)."""
        if name not in self._cache:
            out = self.ask(f"Locate {name}.")
            m = _LOCATED.match(out or "")
            self._cache[name] = Located(self.qualify(m.group(2)), m.group(1)) if m else None
        return self._cache[name]

    def statement(self, name: str) -> str:
        """`name : type` as Coq prints it on one line (`@name`: implicit arguments shown, no evars), for premises
        whose declaration sentence we do not have."""
        local = self.local(name)
        out = self.ask(f"Check @{local}.") or self.ask(f"Check {local}.")
        if not out:
            return name.rsplit(".", 1)[-1]
        return " ".join(out.split()).lstrip("@")

    def premises(self, tactic: str, before: str, after: str) -> list[Located]:
        """The global objects the tactic's names denote, local names (hypotheses before or after, and names the
        tactic binds) left out."""
        local = hypothesis_names(before) | hypothesis_names(after) | bound_names(tactic)
        found: dict[str, Located] = {}
        for name in mentions(tactic):
            if "." not in name and name in local:
                continue
            loc = self.locate(name)
            if loc is not None:
                found.setdefault(loc.full_name, loc)
        return list(found.values())

    def qualify(self, name: str) -> str:
        """Coq calls the file being replayed `Top`; records use its logical name. Inside an open section Coq puts
        the section in the path; the name the declaration keeps after `End` has no section in it."""
        if not name.startswith("Top."):
            return name
        parts = name.split(".")[1:]
        kept, k = [], 0
        for scope, is_module in self.scopes:
            if k < len(parts) - 1 and parts[k] == scope:
                if is_module:
                    kept.append(scope)
                k += 1
            else:
                break
        return ".".join([self.logical_name] + kept + parts[k:])

    def local(self, full_name: str) -> str:
        """The name to use in this coqtop for a recorded full name (the inverse of `qualify`)."""
        prefix = self.logical_name + "."
        return "Top." + full_name[len(prefix) :] if full_name.startswith(prefix) else full_name
        # (a name still inside an open section is found by its short name: `statement` only needs the type)

    def ask(self, command: str) -> Optional[str]:
        """Coq's answer to a query, or None on an error, a timeout or a dead process."""
        try:
            reply = self.top.run(command, self.timeout)
        except (CoqTopDied, CoqTopTimeout):
            return None
        return None if reply.error else reply.output.strip()
