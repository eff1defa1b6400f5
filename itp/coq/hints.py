"""Hints from computer algebra (sympy) for Coq goals over R, Z and nat, as tactic text: squares handed to `nra` as
nlinarith does (completed squares of the goal's quadratic form, squared factors, differences of variables),
witnesses for existential goals, values of closed square roots, and sign facts for square roots. A hint is only a
suggestion that Coq checks; a goal we cannot parse gets no hints, never an exception."""

from __future__ import annotations

import itertools
import re
from typing import Optional

from .goals import applications, split_top, strip_parens

_NUMERIC_TYPES = {"R": "R", "Z": "Z", "nat": "nat"}
_RELATIONS = ("<=", ">=", "<>", "<", ">", "=")
# Coq names the parser understands, as sympy functions (INR/IZR and friends are casts: the value is unchanged).
_FUNCTIONS = {
    "sqrt": "sqrt",
    "Rsqr": "_sq",
    "Rabs": "Abs",
    "Z.abs": "Abs",
    "ln": "log",
    "exp": "exp",
    "sin": "sin",
    "cos": "cos",
    "tan": "tan",
    "PI": "pi",
    "INR": "",
    "IZR": "",
    "Z.of_nat": "",
    "Z.to_nat": "",
    "Rpower": "_rpower",
}
_SCOPE = re.compile(r"%(R|Z|nat|N|Q|C)\b")  # scope delimiters: the variables' types say what we need
_IDENT = re.compile(r"[A-Za-z_][\w'.]*")
_MAX_VARS = 4
_WITNESS_RANGE = range(-12, 25)


def _sympy():
    # sympy is imported lazily: loading it takes a second, and most callers never ask for hints.
    import sympy

    return sympy


def warm_up() -> None:
    """Import sympy now (it takes seconds), e.g. before a timed run."""
    _sympy()


class _Unparsed(Exception):
    """Raised inside the parser; hints() turns it into 'no hints'."""


def variables(hyps: dict[str, str]) -> dict[str, str]:
    """Hypotheses that are numeric variables: {name: R | Z | nat}."""
    return {n: _NUMERIC_TYPES[t.strip()] for n, t in hyps.items() if t.strip() in _NUMERIC_TYPES}


def to_sympy(text: str, names: dict[str, str], integer: bool = False):
    """The sympy expression of a Coq term over the variables `names` ({Coq name: type}); raises _Unparsed."""
    sp = _sympy()
    s = _SCOPE.sub("", text)
    if any(tok in s for tok in ("=?", "<?", "fun", "=>", "::", "[", "{", "!", "?", "\\")):
        raise _Unparsed(text)
    symbols = {}

    def ident(m: re.Match) -> str:
        word = m.group(0)
        if word in names:
            key = f"v{list(names).index(word)}"
            symbols[key] = _symbol(key, names[word])
            return key
        if word in _FUNCTIONS:
            return _FUNCTIONS[word]
        if word == "mod":
            return "%"
        raise _Unparsed(word)

    s = _IDENT.sub(ident, s)
    # Coq applies by juxtaposition: `sqrt x` is sqrt(x), binding tighter than any operator.
    s = re.sub(r"\b(sqrt|_sq|log|exp|sin|cos|tan|Abs)\s+(v\d+|\d+|pi)\b", r"\1(\2)", s)
    s = re.sub(r"(^|[(*+\-,/])\s*/", r"\1 1/", s)  # Coq's prefix inverse `/ x`
    s = s.replace("^", "**")
    if integer:
        s = s.replace("/", "//")
    # sympify evaluates Python: only our names, numerals and arithmetic may reach it, and no power whose value would
    # take long to compute (an exponent over 3 digits, a tower of powers) or numeral over 12 digits.
    if not re.fullmatch(r"[\w\s+\-*/%().,]*", s) or re.search(r"\d{13}|\*\*[\s(]*\d{4}|\*\*[^+\-*/]*\*\*", s):
        raise _Unparsed(text)
    local = dict(symbols, _sq=lambda e: e**2, _rpower=lambda a, b: a**b, Abs=sp.Abs, sqrt=sp.sqrt)
    local.update(log=sp.log, exp=sp.exp, sin=sp.sin, cos=sp.cos, tan=sp.tan, pi=sp.pi)
    try:
        return sp.sympify(s, locals=local, rational=True)
    except Exception as exc:  # sympy raises many kinds (SyntaxError, TypeError, TokenError...)
        raise _Unparsed(f"{text}: {exc}") from None


def _symbol(key: str, kind: str):
    return _sympy().Symbol(key, real=True, integer=kind != "R" or None, nonnegative=kind == "nat" or None)


def relation(text: str) -> Optional[tuple[str, str, str]]:
    """(left, operator, right) of a comparison at the top level of `text`, or None."""
    body = strip_parens(_SCOPE.sub("", text))
    depth = 0
    for i, c in enumerate(body):
        depth += c == "("
        depth -= c == ")"
        if depth:
            continue
        for op in _RELATIONS:
            if body.startswith(op, i) and not body.startswith(("<->", "->", "=>", "=?"), i):
                if op in ("<", ">") and body[i + 1 : i + 2] in ("=", ">"):
                    break
                if op == "=" and i and body[i - 1] in "<>:":
                    break
                return body[:i].strip(), op, body[i + len(op) :].strip()
    return None


def comparisons(text: str) -> list[tuple[str, str, str]]:
    """The comparisons a conjunction states, chains `a <= x < b` cut into two."""
    out = []
    for part in split_top(strip_parens(_SCOPE.sub("", text)), "/\\"):
        rel = relation(part)
        if rel is None:
            return []
        left, op, right = rel
        inner = relation(right) if op in ("<=", "<") else None
        if inner is not None:
            out += [(left, op, inner[0]), inner]
        else:
            out.append(rel)
    return out


def coq_term(expr, order: list[str]) -> str:
    """A sympy polynomial as Coq text (R scope: numerals are reals, `^` takes a nat); `order` names v0, v1..."""
    sp = _sympy()
    text = sp.sstr(expr, order="lex")
    if re.search(r"\*\*\s*\(?-|\*\*\s*\(?\d+/", text) or any(f in text for f in ("sqrt", "log", "exp", "Abs")):
        raise _Unparsed(text)
    return re.sub(r"v(\d+)", lambda m: order[int(m.group(1))], text.replace("**", "^"))


def square_hints(names: dict[str, str], concl: str, hyps: Optional[dict[str, str]] = None) -> list[str]:
    """`nra` with squares as extra facts for a polynomial inequality over R: the goal's quadratic part as a sum of
    squares (LDL), its squared factors, and differences of variables."""
    sp = _sympy()
    order = list(names)  # sympy's v0, v1... are these Coq names
    rel = relation(concl)
    real = [n for n, k in names.items() if k == "R"]
    if rel is None or rel[1] not in ("<=", ">=", "<", ">") or not real:
        return []
    left, op, right = rel
    a, b = to_sympy(left, names), to_sympy(right, names)
    diff = sp.expand(b - a if op in ("<=", "<") else a - b)  # to show: diff >= 0 (or > 0)
    # Variables that hypotheses define (`y = x ^ 2 - 6 * x + 13`) replaced by their definitions: the squares are
    # about what the goal means; nra still gets the definition from the context.
    for typ in (hyps or {}).values():
        m = re.fullmatch(r"\s*([A-Za-z_][\w']*)\s*=\s*(.+)", _SCOPE.sub("", typ))
        if m and names.get(m.group(1)) == "R":
            try:
                value = to_sympy(m.group(2), names)
            except _Unparsed:
                continue
            key = _symbol(f"v{order.index(m.group(1))}", "R")
            if key not in value.free_symbols:
                diff = sp.expand(diff.subs(key, value))
    syms = sorted(diff.free_symbols, key=str)
    if not syms or not diff.is_polynomial(*syms):
        return []
    squares: list[str] = []
    poly = sp.Poly(diff, *syms)
    if poly.total_degree() == 2:
        # The quadratic form over (x, 1) as L D L^T: each column of L is a linear form whose square is a hint.
        xs = list(syms) + [sp.Integer(1)]
        n = len(xs)
        gram = sp.zeros(n, n)
        for i, j in itertools.product(range(n), repeat=2):
            gram[i, j] = poly.coeff_monomial(xs[i] * xs[j]) / (1 if i == j else 2)
        try:
            lower, _ = gram.LDLdecomposition(hermitian=False)
            for col in range(n):
                form = sp.expand(sum(lower[row, col] * xs[row] for row in range(n)))
                if form.free_symbols:
                    squares.append(coq_term(form, order))
        except (ValueError, ZeroDivisionError, TypeError, sp.MatrixError):
            pass
    for factor, power in sp.factor_list(diff)[1]:
        if power % 2 == 0 and factor.free_symbols:
            squares.append(coq_term(factor, order))
    out = []
    if squares:
        out.append(_with_squares(squares[:6]))
    pairs = [f"{x} - {y}" for x, y in itertools.combinations(real[:_MAX_VARS], 2)]
    if pairs:
        out.append(_with_squares(pairs))
        out.append(_with_squares(pairs + [f"{x} + {y}" for x, y in itertools.combinations(real[:_MAX_VARS], 2)]))
    return out


def _with_squares(terms: list[str]) -> str:
    facts = "; ".join(f"pose proof (pow2_ge_0 ({t}))" for t in dict.fromkeys(terms))
    return f"{facts}; nra"


def witness_hints(names: dict[str, str], concl: str, statement_numbers: list[int]) -> list[str]:
    """`exists` tactics for `exists x y..., P`: functions from `forall z, f z = E` in P, solutions of P's
    equations, and the small integers and the statement's constants that satisfy the conjuncts we can evaluate."""
    m = re.match(r"^exists\s+(.+?)\s*,\s*(.*)$", concl)
    if not m:
        return []
    binders, body = m.group(1), _SCOPE.sub("", m.group(2))
    bound = _binders(binders)
    out = []
    for name, _ in bound[:1]:
        fn = re.search(rf"forall\s+(\w+)\s*(?::\s*\w+)?\s*,\s*{re.escape(name)}\s+\1\s*=\s*(.+?)\)?\s*(->|/\\|$)", body)
        if fn:
            out.append(f"exists (fun {fn.group(1)} => {fn.group(2).strip()})")
    kinds = {n: (_NUMERIC_TYPES.get(t) or _guess_kind(n, body, names)) for n, t in bound}
    if not bound or len(bound) > 2 or any(k is None for k in kinds.values()):
        return out
    scope = dict(names, **kinds)
    integer = all(k != "R" for k in scope.values())
    conds = []
    for part in split_top(strip_parens(body), "/\\"):
        for left, op, right in comparisons(part):
            try:
                conds.append((to_sympy(left, scope, integer), op, to_sympy(right, scope, integer)))
            except _Unparsed:
                continue
    if not conds:
        return out
    sp = _sympy()
    syms = [_symbol(f"v{list(scope).index(n)}", kinds[n]) for n, _ in bound]
    found: list[tuple] = []
    # Only polynomial equations go to the solver: on Mod, Abs or transcendental terms it can take seconds.
    equations = [sp.Eq(a, b) for a, op, b in conds if op == "=" and (a - b).is_polynomial(*syms)]
    if equations:
        try:
            for sol in sp.solve(equations, syms, dict=True)[:3]:
                if all(s in sol for s in syms):
                    found.append(tuple(sol[s] for s in syms))
        except Exception:  # sympy's solver raises NotImplementedError and others on what it cannot do
            pass
    checks = []
    for a, op, b in conds:
        if (a.free_symbols | b.free_symbols) <= set(syms):  # others depend on the context: Coq decides
            checks.append((sp.lambdify(syms, a, modules="math"), op, sp.lambdify(syms, b, modules="math")))
    candidates = sorted(set(list(_WITNESS_RANGE) + statement_numbers), key=lambda v: (abs(v), v))
    for values in itertools.product(candidates, repeat=len(syms)) if checks else ():
        if len(found) >= 3:
            break
        if any(k == "nat" and v < 0 for v, k in zip(values, kinds.values())):
            continue
        if _holds(checks, values):
            found.append(values)
    for values in found:
        if all(v.is_number if hasattr(v, "is_number") else True for v in values):
            out.append("exists " + ", ".join(_numeral(v, k) for v, k in zip(values, kinds.values())))
    return list(dict.fromkeys(out))


def _binders(text: str) -> list[tuple[str, str]]:
    """[(name, type)] of `x y : T`, `(x : T) (y : U)` or `x y` (type "" where none is written)."""
    typed = re.findall(r"\(([\w' ]+):\s*([^()]+)\)", text)
    if typed:
        return [(n, t.strip()) for group, t in typed for n in group.split()]
    names, _, typ = text.partition(":")
    return [(n, typ.strip()) for n in names.split()]


def _guess_kind(name: str, body: str, names: dict[str, str]) -> Optional[str]:
    if re.search(r"%Z|\bZ\.", body):
        return "Z"
    if re.search(r"%R|\bINR\b|\bIZR\b|\bsqrt\b", body) or any(k == "R" for k in names.values()):
        return "R"
    return "nat"


def _holds(checks, values) -> bool:
    """Whether the values satisfy every check (compiled comparisons); arithmetic errors count as no."""
    for f, op, g in checks:
        try:
            x, y = f(*values), g(*values)
            ok = {
                "=": abs(x - y) < 1e-9,
                "<>": abs(x - y) > 1e-9,
                "<=": x <= y + 1e-9,
                "<": x < y - 1e-9,
                ">=": x >= y - 1e-9,
                ">": x > y + 1e-9,
            }[op]
        except (TypeError, ValueError, ZeroDivisionError, OverflowError):
            return False
        if not ok:
            return False
    return True


def _numeral(value, kind: str) -> str:
    sp = _sympy()
    value = sp.nsimplify(value)
    if kind != "R" and not value.is_integer:
        raise _Unparsed(str(value))
    if value.is_integer:
        text = str(int(value))
    else:
        p, q = sp.fraction(value)
        text = f"{p}/{q}"
    if kind == "Z":
        return f"({text})%Z"
    if kind == "R":
        return f"({text})%R"
    return f"{text}%nat"


def sqrt_hints(hyps: dict[str, str], concl: str) -> list[str]:
    """Square roots: `sqrt e = c` by its definition (`sqrt_lem_1`); closed roots of perfect squares rewritten to
    their values (e.g. `sqrt (2 * 8 - 7)` to 3); for the others, `0 <= sqrt e` and `sqrt e * sqrt e = e` for nra."""
    sp = _sympy()
    whole = concl + " " + " ".join(hyps.values())
    out = []
    rel = relation(concl)
    if rel and rel[1] == "=":
        if re.match(r"^sqrt\b", rel[0]):
            out.append("apply sqrt_lem_1; nra")
        elif re.match(r"^sqrt\b", rel[2]):
            out.append("symmetry; apply sqrt_lem_1; nra")
    facts = []
    for arg in applications(whole, "sqrt")[:3]:
        try:
            value = to_sympy(arg, {})
        except _Unparsed:
            value = None
        if value is not None and value.is_rational and value >= 0 and sp.sqrt(value).is_rational:
            root = sp.sqrt(value)
            term = arg if re.fullmatch(r"[\w.]+", arg) else f"({arg})"
            out.append(f"rewrite (sqrt_lem_1 {term} ({_numeral(root, 'R')})) in * by lra")
            continue
        facts.append(f"pose proof (sqrt_pos ({arg}))")
        facts.append(f"assert (sqrt ({arg}) * sqrt ({arg}) = {arg}) by (apply sqrt_sqrt; nra)")
    if facts:
        out.append("; ".join(facts))
        out.append("; ".join(facts) + "; nra")
    return out


def hints(hyps: dict[str, str], concl: str, statement: str = "") -> list[str]:
    """Tactics suggested by computer algebra for a goal, best first; [] when nothing parses."""
    names = variables(hyps)
    numbers = sorted({int(n) for n in re.findall(r"(?<![\w.])\d{1,4}(?![\w.])", statement)})[:12]
    out: list[str] = []
    for make in (
        lambda: witness_hints(names, concl, numbers),
        lambda: sqrt_hints(hyps, concl),
        lambda: square_hints(names, concl, hyps),
    ):
        try:
            out += make()
        except Exception:  # a hint is optional: sympy or our parser failing on a goal must not stop the search
            continue
    return list(dict.fromkeys(out))
