"""Design-level mutation operators, on the syntax tree of `imsflow.mutate.verilog`.

Each operator yields edits (start offset, text before, text after) of one source file:

* `drop_and_operand`, `drop_or_operand` (family `drop_operand`): one operand of an `&&`/`||`
  chain is removed with its operator; every operand in turn. A chain is the flat list of
  operands of one operator at one precedence level (`a && b && c`); parenthesised or
  lower-precedence sub-expressions are operands of their own chains. The edit starts at the
  dropped operand, or at the operator before it for the last operand.
* `swap_branches` (family `swap_branches`): the bodies of two adjacent branches of an
  `if` / `else if` / `else` chain trade places, the conditions stay. The edit starts at the
  first of the two bodies. Identical bodies give no mutant.
* `le_to_lt`, `gt_to_ge`, `const_plus_one`, `const_minus_one` (family `off_by_one`): a
  relational operator becomes its off-by-one neighbour (`<=` -> `<`, `>` -> `>=`; `<` -> `<=`
  and `>=` -> `>` are the flips `lt_to_le` and `ge_to_gt`), and the constant of an `==`/`!=`
  comparison becomes c+1 and c-1 (a literal keeps its size and base and must still fit; a
  parameter `P` becomes `(P + 1)` / `(P - 1)`, no c-1 when its value is a literal 0).
* `drop_assign` (family `drop_assign`): one assignment of a `begin ... end` block that holds
  at least two assignments is removed; every assignment in turn.

Loop headers (`for`, `while`, ...) are never mutated (a changed bound may not terminate).
"""

from __future__ import annotations

import itertools
import re
from collections.abc import Iterator

from imsflow.mutate.verilog import Expr, Parsed, Stmt

Edit = tuple[int, str, str, str]  # (start offset, operator, before, after)

_LITERAL = re.compile(r"^(\d+)?'([sS]?)([bBoOdDhH])([0-9a-fA-F_]+)$")
_BASES = {"b": 2, "o": 8, "d": 10, "h": 16}


def literal_neighbour(text: str, delta: int) -> str | None:
    """The literal `text` plus `delta` in the same size, base and digit count; None when it is
    not a plain number, or when the result is negative or does not fit its size."""
    if re.fullmatch(r"\d[\d_]*", text):
        value = int(text.replace("_", "")) + delta
        return str(value) if value >= 0 else None
    m = _LITERAL.match(text)
    if not m:
        return None
    size, signed, base_ch, digits = m.groups()
    base = _BASES[base_ch.lower()]
    value = int(digits.replace("_", ""), base) + delta
    if value < 0 or (size is not None and value >= 1 << int(size)):
        return None
    width = len(digits.replace("_", ""))
    if base == 10:
        body = str(value)
    else:
        body = format(value, {2: "b", 8: "o", 16: "x"}[base])
        if digits.replace("_", "").isupper() or any(c in "ABCDEF" for c in digits):
            body = body.upper()
    body = body.rjust(width, "0")
    return f"{size or ''}'{signed}{base_ch}{body}"


def _walk(e: Expr) -> Iterator[Expr]:
    yield e
    for a in e.args:
        yield from _walk(a)


def _stmts(s: Stmt) -> Iterator[Stmt]:
    yield s
    for b in s.body:
        yield from _stmts(b)
    if s.then is not None:
        yield from _stmts(s.then)
    if s.other is not None:
        yield from _stmts(s.other)


class _Edits:
    def __init__(self, text: str, parsed: Parsed) -> None:
        self.text = text
        self.p = parsed
        self.tok = parsed.tokens

    def span(self, start_tok: int, end_tok: int) -> tuple[int, int]:
        return self.tok[start_tok].start, self.tok[end_tok - 1].end

    def drop_operand(self) -> Iterator[Edit]:
        for root in self.p.exprs:
            for e in _walk(root):
                if e.kind != "chain":
                    continue
                op = "drop_and_operand" if e.op == "&&" else "drop_or_operand"
                spans = [self.span(a.start, a.end) for a in e.args]
                for k, (s, end) in enumerate(spans):
                    if k < len(spans) - 1:
                        cut = (s, spans[k + 1][0])
                    else:
                        cut = (self.tok[e.op_toks[k - 1]].start, end)
                    yield cut[0], op, self.text[cut[0] : cut[1]], ""

    def off_by_one(self) -> Iterator[Edit]:
        for root in self.p.exprs:
            for e in _walk(root):
                if e.kind != "bin":
                    continue
                if e.op in ("<=", ">"):
                    name, after = ("le_to_lt", "<") if e.op == "<=" else ("gt_to_ge", ">=")
                    yield self.tok[e.op_tok].start, name, e.op, after
                elif e.op in ("==", "!="):
                    yield from self._constant(e.args[1]) or self._constant(e.args[0]) or ()

    def _constant(self, side: Expr) -> list[Edit]:
        if side.kind != "prim" or side.end != side.start + 1:
            return []
        tok = self.tok[side.start]
        out: list[Edit] = []
        if tok.kind == "number":
            for name, d in (("const_plus_one", 1), ("const_minus_one", -1)):
                new = literal_neighbour(tok.text, d)
                if new is not None:
                    out.append((tok.start, name, tok.text, new))
        elif tok.kind == "ident" and tok.text in self.p.params:
            out.append((tok.start, "const_plus_one", tok.text, f"({tok.text} + 1)"))
            if literal_neighbour(self.p.params[tok.text], -1) is not None:
                out.append((tok.start, "const_minus_one", tok.text, f"({tok.text} - 1)"))
        return out

    def swap_branches(self) -> Iterator[Edit]:
        inner: set[int] = set()  # `if`s that are the `else` of another: part of its chain
        for top in self.p.stmts:
            for s in _stmts(top):
                if s.kind != "if" or id(s) in inner:
                    continue
                bodies: list[Stmt] = []
                cur: Stmt | None = s
                while cur is not None and cur.kind == "if":
                    assert cur.then is not None
                    bodies.append(cur.then)
                    nxt = cur.other
                    if nxt is not None and nxt.kind == "if":
                        inner.add(id(nxt))
                    elif nxt is not None:
                        bodies.append(nxt)
                    cur = nxt
                for a, b in itertools.pairwise(bodies):
                    sa, ea = self.span(a.start, a.end)
                    sb, eb = self.span(b.start, b.end)
                    ta, tb = self.text[sa:ea], self.text[sb:eb]
                    if ta == tb:
                        continue
                    yield sa, "swap_branches", self.text[sa:eb], tb + self.text[ea:sb] + ta

    def drop_assign(self) -> Iterator[Edit]:
        for top in self.p.stmts:
            for s in _stmts(top):
                if s.kind != "block":
                    continue
                assigns = [b for b in s.body if b.kind == "assign"]
                if len(assigns) < 2:
                    continue
                for a in assigns:
                    st, en = self.span(a.start, a.end)
                    yield st, "drop_assign", self.text[st:en], ""


FAMILIES: dict[str, tuple[str, ...]] = {
    "drop_operand": ("drop_and_operand", "drop_or_operand"),
    "swap_branches": ("swap_branches",),
    "off_by_one": ("le_to_lt", "gt_to_ge", "const_plus_one", "const_minus_one"),
    "drop_assign": ("drop_assign",),
}


def design_edits(text: str, parsed: Parsed, families: set[str]) -> list[Edit]:
    """The design-level edits of one file for the selected families, sorted by offset."""
    ed = _Edits(text, parsed)
    gens = {
        "drop_operand": ed.drop_operand,
        "swap_branches": ed.swap_branches,
        "off_by_one": ed.off_by_one,
        "drop_assign": ed.drop_assign,
    }
    out: list[Edit] = []
    for fam, gen in gens.items():
        if fam in families:
            out.extend(gen())
    order = [op for fam in FAMILIES.values() for op in fam]
    return sorted(out, key=lambda e: (e[0], order.index(e[1])))
