"""Grammar-constrained decoding: a grammar in the EBNF that vLLM's structured outputs take (xgrammar's GBNF:
`name ::= ...`, "literals", [classes], ( ), |, *, +, ?; `root` is the start), an incremental prefix checker for it,
and the Hugging Face logits processor that masks every token whose text leaves no valid prefix.

The checker is a set of parse stacks stepped one character at a time (a pushdown automaton, so balanced brackets are
expressible); a grammar must not be left-recursive, which the statement grammars never need. The allowed tokens of a
state come from walking a character trie of the vocabulary against it (`live_tokens`), never every token in turn."""

from __future__ import annotations

import bisect
import functools
import re
from dataclasses import dataclass
from typing import Optional, Sequence, Union


class GrammarError(ValueError):
    """A grammar text that does not parse, or that refers to an undefined rule."""


@dataclass(frozen=True)
class Lit:
    text: str


@dataclass(frozen=True)
class Cls:
    ranges: tuple[tuple[str, str], ...]
    negated: bool

    def matches(self, c: str) -> bool:
        return any(a <= c <= b for a, b in self.ranges) != self.negated


@dataclass(frozen=True)
class Seq:
    items: tuple["Node", ...]


@dataclass(frozen=True)
class Alt:
    options: tuple["Node", ...]


@dataclass(frozen=True)
class Rep:
    node: "Node"
    at_least_one: bool


@dataclass(frozen=True)
class Opt:
    node: "Node"


@dataclass(frozen=True)
class Ref:
    name: str


Node = Union[Lit, Cls, Seq, Alt, Rep, Opt, Ref]
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"', "]": "]", "[": "[", "-": "-", "^": "^"}


class _Reader:
    """Recursive-descent reader of the EBNF text."""

    def __init__(self, text: str):
        self.text, self.i = text, 0

    def error(self, what: str) -> GrammarError:
        line = self.text.count("\n", 0, self.i) + 1
        return GrammarError(f"grammar line {line}: {what}")

    def space(self, newlines: bool = True) -> None:
        while self.i < len(self.text):
            c = self.text[self.i]
            if c == "#":
                while self.i < len(self.text) and self.text[self.i] != "\n":
                    self.i += 1
            elif c in " \t" or (newlines and c in "\r\n"):
                self.i += 1
            else:
                return

    def char(self) -> str:
        if self.i >= len(self.text):
            raise self.error("unexpected end of grammar")
        c = self.text[self.i]
        self.i += 1
        if c != "\\":
            return c
        if self.i >= len(self.text):
            raise self.error("unexpected end of grammar")
        e = self.text[self.i]
        self.i += 1
        if e not in _ESCAPES:
            raise self.error(f"unknown escape \\{e}")
        return _ESCAPES[e]

    def rules(self) -> dict[str, Node]:
        out: dict[str, Node] = {}
        self.space()
        while self.i < len(self.text):
            m = re.compile(r"([A-Za-z_][\w-]*)\s*::=").match(self.text, self.i)
            if not m:
                raise self.error("expected `name ::=`")
            self.i = m.end()
            if m.group(1) in out:
                raise self.error(f"rule {m.group(1)!r} defined twice")
            out[m.group(1)] = self.alternatives()
            self.space()
        return out

    def alternatives(self) -> Node:
        options = [self.sequence()]
        while self.peek() == "|":
            self.i += 1
            options.append(self.sequence())
        return options[0] if len(options) == 1 else Alt(tuple(options))

    def peek(self) -> str:
        # A rule continues on the next line only when that line does not start a new rule.
        save = self.i
        self.space()
        if re.compile(r"[A-Za-z_][\w-]*\s*::=").match(self.text, self.i):
            self.i = save
            return ""
        return self.text[self.i] if self.i < len(self.text) else ""

    def sequence(self) -> Node:
        items: list[Node] = []
        while True:
            c = self.peek()
            if c in ("", "|", ")"):
                break
            items.append(self.postfix(self.atom()))
        return items[0] if len(items) == 1 else Seq(tuple(items))

    def postfix(self, node: Node) -> Node:
        while self.i < len(self.text) and self.text[self.i] in "*+?":
            op = self.text[self.i]
            self.i += 1
            node = Opt(node) if op == "?" else Rep(node, op == "+")
        return node

    def atom(self) -> Node:
        if self.i >= len(self.text):
            raise self.error("unexpected end of grammar")
        c = self.text[self.i]
        if c == '"':
            self.i += 1
            chars = []
            while self.i < len(self.text) and self.text[self.i] != '"':
                chars.append(self.char())
            if self.i >= len(self.text):
                raise self.error("unterminated string")
            self.i += 1
            return Lit("".join(chars))
        if c == "[":
            self.i += 1
            negated = self.text.startswith("^", self.i)
            self.i += negated
            ranges = []
            while self.i < len(self.text) and self.text[self.i] != "]":
                a = self.char()
                b = a
                if self.text.startswith("-", self.i) and not self.text.startswith("-]", self.i):
                    self.i += 1
                    b = self.char()
                ranges.append((a, b))
            if self.i >= len(self.text):
                raise self.error("unterminated character class")
            self.i += 1
            return Cls(tuple(ranges), negated)
        if c == "(":
            self.i += 1
            inner = self.alternatives()
            if self.peek() != ")":
                raise self.error("expected `)`")
            self.i += 1
            return inner
        m = re.compile(r"[A-Za-z_][\w-]*").match(self.text, self.i)
        if not m:
            raise self.error(f"unexpected {c!r}")
        self.i = m.end()
        return Ref(m.group(0))


# A parse stack is an interned int (0: the empty stack, the sentence may end), so that a state (the frozenset of a
# text's stacks) hashes cheaply and each stack's closure is computed once per grammar.
State = frozenset  # of stack ids
_EMPTY = 0


class Grammar:
    """A parsed grammar with its prefix checker: `start()`, `step(state, text)` (empty state: no valid prefix),
    `complete(state)` (the text so far is a whole sentence)."""

    MAX_STACK = 400  # deeper stacks are dropped: a guard against left recursion, far above any statement's nesting
    MAX_MEMO = 1 << 20  # memo entries kept before the step memo is dropped (a long run meets endless new states)

    def __init__(self, text: str, start: str = "root"):
        self.text = text
        self.rules = {name: _chars(node) for name, node in _Reader(text).rules().items()}
        for name in _refs(self.rules):
            if name not in self.rules:
                raise GrammarError(f"rule {name!r} is used but not defined")
        if start not in self.rules:
            raise GrammarError(f"no `{start}` rule")
        self._min = self._min_lengths()
        # Stack id -> (top node, rest id, depth); the nodes are the rules' own objects, so `id(node)` names one.
        self._top: list[Optional[Node]] = [None]
        self._rest: list[int] = [_EMPTY]
        self._depth: list[int] = [0]
        self._ids: dict[tuple[int, int], int] = {}
        self._tails: dict[int, Rep] = {}  # a `Rep`'s tail, made once: its id names it in stacks
        self._closures: dict[int, frozenset] = {}
        self._expansions: dict[int, tuple[list, bool]] = {}  # node id -> `_segments(node)`
        self._stack_min: list[float] = [0.0]  # per stack: the fewest characters that empty it
        self._mins: dict[int, float] = {}
        self._steps: dict[State, dict[str, State]] = {}
        self._states: dict[State, State] = {}  # each state met, interned
        self._indexes: dict[State, tuple] = {}
        self._loops: dict[State, tuple[set, set]] = {}  # state -> (characters known to keep it, known to leave it)
        self._start = self._closure_of(self._push(self.rules[start], _EMPTY))

    def _min_lengths(self) -> dict[str, float]:
        """The fewest characters each rule can produce (a fixed point: rules refer to each other)."""
        best = {name: float("inf") for name in self.rules}
        changed = True
        while changed:
            changed = False
            for name, node in self.rules.items():
                n = self._node_min(node, best)
                if n < best[name]:
                    best[name], changed = n, True
        return best

    def _node_min(self, node: Node, rules: dict[str, float]) -> float:
        if isinstance(node, Lit):
            return len(node.text)
        if isinstance(node, Cls):
            return 1
        if isinstance(node, Seq):
            return sum(self._node_min(x, rules) for x in node.items)
        if isinstance(node, Alt):
            return min(self._node_min(x, rules) for x in node.options)
        if isinstance(node, Rep):
            return self._node_min(node.node, rules) if node.at_least_one else 0
        if isinstance(node, Opt):
            return 0
        return rules[node.name]

    def _push(self, node: Node, rest: int) -> int:
        """The id of the stack `node` on top of stack `rest`."""
        key = (id(node), rest)
        sid = self._ids.get(key)
        if sid is None:
            sid = self._ids[key] = len(self._top)
            self._top.append(node)
            self._rest.append(rest)
            self._depth.append(self._depth[rest] + 1)
            least = self._mins.get(id(node))
            if least is None:
                least = self._mins[id(node)] = self._node_min(node, self._min)
            self._stack_min.append(least + self._stack_min[rest])
        return sid

    def _tail(self, rep: Rep) -> Rep:
        """`rep`'s repetition after its first round (zero or more): `rep` itself when it may be empty, else one object
        per `rep`, so a stack inside a repetition is the same stack each round (and its states repeat)."""
        if not rep.at_least_one:
            return rep
        tail = self._tails.get(id(rep))
        if tail is None:
            tail = self._tails[id(rep)] = Rep(rep.node, False)
        return tail

    def remaining(self, state: State) -> float:
        """The fewest characters that make the text so far a whole sentence (inf: none can)."""
        return min((self._stack_min[s] for s in state), default=float("inf"))

    def start(self) -> State:
        return self._start

    def complete(self, state: State) -> bool:
        return _EMPTY in state

    def accepts(self, text: str) -> bool:
        return self.complete(self.step(self.start(), text))

    def is_prefix(self, text: str) -> bool:
        return bool(self.step(self.start(), text))

    def step(self, state: State, text: str) -> State:
        for c in text:
            if not state:
                break
            state = self.step_char(state, c)
        return state

    def step_char(self, state: State, c: str) -> State:
        """The state after one more character (memoized: a trie walk asks the same state for many characters)."""
        moves = self._steps.get(state)
        if moves is None:
            if len(self._steps) > self.MAX_MEMO:
                self._steps.clear()
                self._states.clear()
                self._loops.clear()
                self._indexes.clear()
            moves = self._steps[state] = {}
        nxt = moves.get(c)
        if nxt is None:
            by_char, by_class = self._index(state)
            found = set().union(*by_char.get(c, ()))
            for cls, after in by_class:
                if cls.matches(c):
                    found |= after
            nxt = frozenset(found)
            # One object per distinct state: a walk then tells a repeated state by identity.
            nxt = moves[c] = self._states.setdefault(nxt, nxt)
        return nxt

    def _index(self, state: State) -> tuple[dict[str, list[frozenset]], list[tuple[Cls, frozenset]]]:
        """`state`'s stacks by what their top takes: (character -> the closures after a literal of it, (class, the
        closure after it) pairs), so stepping one state by many characters looks at each stack once."""
        index = self._indexes.get(state)
        if index is None:
            by_char: dict[str, list[frozenset]] = {}
            by_class = []
            for s in state:
                top = self._top[s]
                if isinstance(top, Lit):
                    by_char.setdefault(top.text, []).append(self._closure_of(self._rest[s]))
                elif isinstance(top, Cls):
                    by_class.append((top, self._closure_of(self._rest[s])))
            index = self._indexes[state] = (by_char, by_class)
        return index

    def loops_on(self, state: State, chars: str) -> bool:
        """Whether every character of `chars` steps `state` to itself (inside an identifier, say), so that any text
        made of them keeps `state` as it is."""
        yes, no = self._loops.setdefault(state, (set(), set()))
        if yes.issuperset(chars):
            return True
        if not no.isdisjoint(chars):
            return False
        for c in chars:
            if c in yes:
                continue
            if self.step_char(state, c) is state:
                yes.add(c)
            else:
                no.add(c)
                return False
        return True

    def _closure_of(self, sid: int) -> frozenset:
        """Stack `sid` expanded until each stack's top is one character's terminal (or it is empty: the sentence may
        end); computed once per stack, from its top's expansions (`_segments`) laid on the rest of the stack."""
        done = self._closures.get(sid)
        if done is not None:
            return done
        top, rest = self._top[sid], self._rest[sid]
        if sid == _EMPTY or isinstance(top, Cls) or (isinstance(top, Lit) and top.text):
            done = frozenset((sid,))
        else:
            segments, nullable = self._segments(top)
            out = set()
            room, ids = self.MAX_STACK - self._depth[rest], self._ids
            for segment in segments:
                if len(segment) > room:
                    continue
                s = rest
                for key, node in segment:  # bottom first; the interning read inline, as it runs per node laid
                    found = ids.get((key, s))
                    s = found if found is not None else self._push(node, s)
                out.add(s)
            if nullable:
                out |= self._closure_of(rest)
            done = frozenset(out)
        self._closures[sid] = done
        return done

    def _segments(self, node: Node) -> tuple[list[tuple[tuple[int, Node], ...]], bool]:
        """What `node` expands to above whatever stack it is on: the node sequences with a character's terminal on
        top (as (id, node) pairs, bottom first: the order they are laid in), and whether it can vanish (the stack below is then expanded too). Depends on the node alone,
        so a stack's closure in a new context costs only laying these on it."""
        found = self._expansions.get(id(node))
        if found is not None:
            return found
        segments, nullable = [], False
        seen, todo = set(), [(node,)]
        while todo:
            stack = todo.pop()
            key = tuple(map(id, stack))
            if key in seen or len(stack) > self.MAX_STACK:
                continue
            seen.add(key)
            if not stack:
                nullable = True
                continue
            top, rest = stack[0], stack[1:]
            if isinstance(top, Cls) or (isinstance(top, Lit) and top.text):
                segments.append(tuple((id(x), x) for x in reversed(stack)))
            elif isinstance(top, Lit):
                todo.append(rest)
            elif isinstance(top, Seq):
                todo.append(top.items + rest)
            elif isinstance(top, Alt):
                todo.extend((o,) + rest for o in top.options)
            elif isinstance(top, Opt):
                todo += [rest, (top.node,) + rest]
            elif isinstance(top, Rep):
                more = (top.node, self._tail(top)) + rest
                todo += [more] if top.at_least_one else [rest, more]
            else:
                todo.append((self.rules[top.name],) + rest)
        found = self._expansions[id(node)] = (segments, nullable)
        return found


def _chars(node: Node) -> Node:
    """`node` with each literal of several characters split into a sequence of one-character literals, so that every
    terminal a stack's top can be is one character (and a stack needs no partly-consumed literal)."""
    if isinstance(node, Lit):
        return node if len(node.text) <= 1 else Seq(tuple(Lit(c) for c in node.text))
    if isinstance(node, Seq):
        return Seq(tuple(_chars(x) for x in node.items))
    if isinstance(node, Alt):
        return Alt(tuple(_chars(x) for x in node.options))
    if isinstance(node, Rep):
        return Rep(_chars(node.node), node.at_least_one)
    if isinstance(node, Opt):
        return Opt(_chars(node.node))
    return node


def _refs(rules: dict[str, Node]) -> set[str]:
    out: set[str] = set()

    def walk(n: Node) -> None:
        if isinstance(n, Ref):
            out.add(n.name)
        elif isinstance(n, Seq):
            for x in n.items:
                walk(x)
        elif isinstance(n, Alt):
            for x in n.options:
                walk(x)
        elif isinstance(n, (Rep, Opt)):
            walk(n.node)

    for node in rules.values():
        walk(node)
    return out


@functools.lru_cache(maxsize=32)
def compile_grammar(text: str) -> Grammar:
    """The grammar of `text`, parsed once per process."""
    return Grammar(text)


class _Trie:
    """The token texts as a character trie in flat tables indexed by node (0: the root): `children` (next character ->
    node), `ends` (the ids whose text ends there), `chars` (the characters below it) and `below` (the ids of every
    text ending below it). Plain strings, ints and tuples only: the garbage collector skips them, where a trie of
    objects made every collection during decoding walk its whole vocabulary."""

    def __init__(self, texts: Sequence[str]):
        children: list[dict[str, int]] = [{}]
        ends: list[list[int]] = [[]]
        for i, text in enumerate(texts):
            if not text:
                continue
            node = 0
            for c in text:
                child = children[node].get(c)
                if child is None:
                    child = children[node][c] = len(children)
                    children.append({})
                    ends.append([])
                node = child
            ends[node].append(i)
        # A child is numbered after its parent, so one pass from the last node up fills the summaries bottom-up.
        chars: list[str] = [""] * len(children)
        below: list[tuple[int, ...]] = [()] * len(children)
        for node in range(len(children) - 1, -1, -1):
            kids = children[node].values()
            chars[node] = "".join(sorted(set(children[node]).union(*(chars[k] for k in kids))))
            below[node] = tuple(i for k in kids for i in (*ends[k], *below[k]))
        self.children, self.chars, self.below = children, chars, below
        self.ends = [tuple(e) for e in ends]


@functools.lru_cache(maxsize=4)
def _token_trie(texts: tuple[str, ...]) -> _Trie:
    """The trie of a tokenizer's texts, built once per vocabulary (empty texts, the special tokens, left out)."""
    return _Trie(texts)


def live_tokens(grammar: Grammar, state: State, texts: Sequence[str]) -> list[tuple[list[int], float]]:
    """The tokens whose text keeps `state` a valid prefix, in groups (token ids, fewest characters the sentence then
    still needs): the trie of `texts` walked against the checker, a subtree dropped at its first dead prefix, so
    only live prefixes are stepped, each once, and tokens sharing a prefix share its steps."""
    trie = _token_trie(tuple(texts))
    children, ends, chars, below = trie.children, trie.ends, trie.chars, trie.below
    groups: dict[State, list[int]] = {}
    steps = grammar._steps
    todo = [(0, state)]
    while todo:
        node, st = todo.pop()
        moves = steps.get(st)
        for c, child in children[node].items():
            # The memo read inline: this loop runs once per live prefix of the vocabulary.
            nxt = moves.get(c) if moves is not None else None
            if nxt is None:
                nxt = grammar.step_char(st, c)
                moves = steps.get(st)
            if not nxt:
                continue
            found = groups.get(nxt)
            if found is None:
                found = groups[nxt] = []
            found += ends[child]
            if children[child]:
                if nxt is st and grammar.loops_on(nxt, chars[child]):
                    found += below[child]  # every text below keeps the state: all live, none stepped
                else:
                    todo.append((child, nxt))
    return [(ids, grammar.remaining(nxt)) for nxt, ids in groups.items() if ids]


def next_states(grammar: Grammar, state: State, texts: Sequence[str]) -> list[tuple[int, float]]:
    """(token id, fewest characters still needed) for each token whose text keeps `state` a valid prefix, by id."""
    return sorted((i, need) for ids, need in live_tokens(grammar, state, texts) for i in ids)


def next_states_by_stepping(grammar: Grammar, state: State, texts: Sequence[str]) -> list[tuple[int, float]]:
    """What `next_states` gives, by stepping every token's text through the checker (the reference it is tested
    against; far slower on a real vocabulary)."""
    nexts = [(i, grammar.step(state, t)) for i, t in enumerate(texts) if t]
    return [(i, grammar.remaining(n)) for i, n in nexts if n]


class GrammarLogitsProcessor:
    """A transformers logits processor: per row, the tokens whose text keeps the generated text a valid prefix of the
    grammar; end of sequence only once the text is a whole sentence (or when nothing else is left). `start`: where
    the generated tokens begin in `input_ids`; `token_texts`: each token id's text."""

    def __init__(
        self, grammar: Grammar, token_texts: Sequence[str], eos_id: Optional[int], start: int, budget: int = 1 << 30
    ):
        self.grammar, self.texts, self.eos_id, self.start = grammar, tuple(token_texts), eos_id, start
        self.budget = budget  # max new tokens: a token is allowed only if the sentence can still end within them
        self.states: dict[tuple, State] = {}  # generated tokens -> state (beam search reorders rows between steps)
        # State -> its live tokens ordered by need, and the needs with where each one's tokens end (they depend on
        # the state alone, so the cache is sound)
        self._allowed: dict[State, tuple[list[int], list[float], list[int]]] = {}

    def allowed(self, state: State, left: int) -> list[int]:
        """Token ids allowed after `state` with `left` tokens to go, the last included: the sentence must still be
        finishable in `left - 1` more (each token adds at least one character, so characters bound tokens)."""
        found = self._allowed.get(state)
        if found is None:
            ids, needs, ends = [], [], []
            for group, need in sorted(live_tokens(self.grammar, state, self.texts), key=lambda g: g[1]):
                ids += group
                needs.append(need)
                ends.append(len(ids))
            found = self._allowed[state] = (ids, needs, ends)
        ids, needs, ends = found
        fits = bisect.bisect_right(needs, left - 1)  # the tokens are ordered by need: those that fit are a prefix
        ok = ids[: ends[fits - 1]] if fits else []
        if self.eos_id is not None and (self.grammar.complete(state) or not ok):
            ok.append(self.eos_id)
        return ok

    def state(self, tokens: tuple) -> State:
        """The checker's state after the generated `tokens` (from the previous step's state where it is known)."""
        if tokens in self.states:
            return self.states[tokens]
        before = self.states.get(tokens[:-1]) if tokens else None
        if before is None:
            before, todo = self.grammar.start(), tokens
        else:
            todo = tokens[-1:]
        for t in todo:
            before = self.grammar.step(before, self.texts[t] if t < len(self.texts) else "")
        return before

    def __call__(self, input_ids, scores):
        import torch  # noqa: PLC0415 - the HF engine's dependency

        mask = torch.full_like(scores, float("-inf"))
        current: dict[tuple, State] = {}
        for row in range(input_ids.shape[0]):
            tokens = tuple(input_ids[row, self.start :].tolist())
            state = current[tokens] = self.state(tokens)
            mask[row, self.allowed(state, self.budget - len(tokens))] = 0.0
        self.states = current  # only this step's rows are extended next
        return scores + mask


def token_texts(tokenizer, vocab_size: int) -> list[str]:
    """The text each token id adds when decoded after another token (a SentencePiece word start keeps its space:
    decoding it alone would drop it), special tokens as empty text (never allowed)."""
    special = set(getattr(tokenizer, "all_special_ids", []) or [])
    anchor_ids = tokenizer.encode("a", add_special_tokens=False)[:1]
    anchor = tokenizer.decode(anchor_ids) if anchor_ids else ""
    out = []
    for i in range(vocab_size):
        if i in special:
            out.append("")
            continue
        text = tokenizer.decode(anchor_ids + [i]) if anchor_ids else tokenizer.decode([i])
        out.append(text[len(anchor) :] if anchor_ids and text.startswith(anchor) else tokenizer.decode([i]))
    return out
