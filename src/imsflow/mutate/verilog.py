"""A small Verilog-2005 reader for the design-level mutation operators.

It tokenizes a source file (keeping every token's character offsets) and parses the parts
the operators change: continuous assignments, net declarations with an initialiser, and the
statements of `always`/`initial` blocks, functions and tasks (`begin ... end`, `if`/`else`,
`case`, loops, blocking and non-blocking assignments). Expressions are parsed with the
Verilog operator precedence, so an `&&`/`||` chain's operands and a comparison's sides are
exact token spans, never guessed from the text. Anything else (instances, port lists,
parameters) is skipped to its `;`. A construct the reader does not understand is skipped to the
next module item and reported (`Parsed.problems`); it yields no design mutant.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+)
  | (?P<comment>//[^\n]*|/\*.*?\*/)
  | (?P<directive>`(?:ifdef|ifndef|elsif|define|undef|include|timescale|default_nettype
                     |resetall|celldefine|endcelldefine|pragma|line)\b[^\n]*
                  |`(?:else|endif)\b)
  | (?P<number>(?:\d[\d_]*\s*)?'[sS]?[bBoOdDhH]\s*[0-9a-fA-FxXzZ?_]+|'[01xXzZ]|\d[\d_]*(?:\.\d+)?)
  | (?P<string>"(?:\\.|[^"\\])*")
  | (?P<ident>[A-Za-z_][A-Za-z0-9_$]*|\$[A-Za-z_][A-Za-z0-9_$]*|`[A-Za-z_][A-Za-z0-9_]*
              |\\\S+)
  | (?P<op><<<|>>>|===|!==|==|!=|<=|>=|&&|\|\||<<|>>|\*\*|~&|~\||~\^|\^~|\+:|-:|->
          |[-+*/%<>!~&|^?:=;,.(){}\[\]@\#])
    """,
    re.VERBOSE | re.DOTALL,
)


@dataclass(frozen=True)
class Token:
    kind: str  # number | string | ident | op
    text: str
    start: int  # character offsets into the file text
    end: int


class ParseError(Exception):
    pass


def tokenize(text: str, skip: list[bool] | None = None) -> list[Token]:
    """Tokens of `text` without blanks, comments and compiler directives. Tokens on lines for
    which `skip` (indexed by 0-based line) is True are dropped."""
    line_of: list[int] = []
    if skip is not None:
        for no, line in enumerate(text.split("\n")):
            line_of.extend([no] * (len(line) + 1))
    out: list[Token] = []
    pos = 0
    while pos < len(text):
        m = _TOKEN.match(text, pos)
        if not m:
            raise ParseError(f"cannot read {text[pos : pos + 20]!r} at offset {pos}")
        kind = m.lastgroup or ""
        if kind in ("number", "string", "ident", "op") and not (
            skip is not None and skip[line_of[pos]]
        ):
            out.append(Token(kind, m.group(0), m.start(), m.end()))
        pos = m.end()
    return out


# ---------------------------------------------------------------------------- syntax tree
@dataclass
class Expr:
    kind: str  # prim | paren | concat | call | un | bin | chain | tern
    start: int  # token index of the first token
    end: int  # token index past the last token
    op: str = ""
    op_tok: int = -1  # bin: the operator's token index
    args: list[Expr] = field(default_factory=list)
    op_toks: list[int] = field(default_factory=list)  # chain: the operators between args


@dataclass
class Stmt:
    kind: str  # block | if | case | loop | assign | other
    start: int
    end: int  # token index past the last token (the `;` or `end`)
    body: list[Stmt] = field(default_factory=list)  # block statements, loop/case bodies
    cond: Expr | None = None  # if condition, assignment right-hand side
    then: Stmt | None = None
    other: Stmt | None = None  # else branch


@dataclass
class Parsed:
    tokens: list[Token]
    exprs: list[Expr]  # every logic expression (assignment right-hand sides, conditions)
    stmts: list[Stmt]  # top-level statements of always/initial blocks, functions, tasks
    params: dict[str, str]  # localparam/parameter name -> value text (first token span)
    problems: list[str]


_BINARY = {
    "||": 1,
    "&&": 2,
    "|": 3,
    "^": 4,
    "~^": 4,
    "^~": 4,
    "&": 5,
    "==": 6,
    "!=": 6,
    "===": 6,
    "!==": 6,
    "<": 7,
    "<=": 7,
    ">": 7,
    ">=": 7,
    "<<": 8,
    ">>": 8,
    "<<<": 8,
    ">>>": 8,
    "+": 9,
    "-": 9,
    "*": 10,
    "/": 10,
    "%": 10,
    "**": 11,
}
_UNARY = {"!", "~", "-", "+", "&", "|", "^", "~&", "~|", "~^", "^~"}
_DECL = {
    "wire",
    "tri",
    "wand",
    "wor",
    "supply0",
    "supply1",
    "logic",
    "reg",
    "integer",
    "bit",
    "int",
}
_SKIP_ITEM = {
    "localparam",
    "parameter",
    "genvar",
    "input",
    "output",
    "inout",
    "real",
    "time",
    "event",
    "defparam",
}
_PROC = {"always", "always_ff", "always_comb", "always_latch", "initial", "final"}


class _Parser:
    def __init__(self, tokens: list[Token]) -> None:
        self.t = tokens
        self.i = 0
        self.exprs: list[Expr] = []
        self.stmts: list[Stmt] = []
        self.params: dict[str, str] = {}
        self.problems: list[str] = []

    # -------------------------------------------------------------- helpers
    def peek(self, k: int = 0) -> str:
        j = self.i + k
        return self.t[j].text if j < len(self.t) else ""

    def take(self, text: str | None = None) -> Token:
        if self.i >= len(self.t):
            raise ParseError(f"expected {text!r}, found the end of the file")
        tok = self.t[self.i]
        if text is not None and tok.text != text:
            raise ParseError(f"expected {text!r}, found {tok.text!r} at offset {tok.start}")
        self.i += 1
        return tok

    def skip_group(self) -> None:
        """Skip a balanced (), [] or {} group starting at the current token."""
        pairs = {"(": ")", "[": "]", "{": "}"}
        stack = [pairs[self.take().text]]
        while stack:
            tx = self.take().text
            if tx in pairs:
                stack.append(pairs[tx])
            elif tx in (")", "]", "}") and tx != stack.pop():
                raise ParseError(f"unbalanced {tx!r}")

    def skip_to_semicolon(self) -> None:
        while self.peek() != ";":
            if self.peek() in ("(", "[", "{"):
                self.skip_group()
            else:
                self.take()
        self.take(";")

    # -------------------------------------------------------------- expressions
    def expr(self, min_prec: int = 0) -> Expr:
        lhs = self.unary()
        while True:
            op = self.peek()
            if op == "?" and min_prec == 0:
                self.take()
                yes = self.expr(0)
                self.take(":")
                no = self.expr(0)
                lhs = Expr("tern", lhs.start, no.end, "?", args=[lhs, yes, no])
                continue
            prec = _BINARY.get(op)
            if prec is None or prec < max(min_prec, 1):
                return lhs
            op_tok = self.i
            self.take()
            rhs = self.expr(prec + 1)
            if op in ("&&", "||"):
                if lhs.kind == "chain" and lhs.op == op:
                    lhs = Expr(
                        "chain",
                        lhs.start,
                        rhs.end,
                        op,
                        args=[*lhs.args, rhs],
                        op_toks=[*lhs.op_toks, op_tok],
                    )
                else:
                    lhs = Expr("chain", lhs.start, rhs.end, op, args=[lhs, rhs], op_toks=[op_tok])
            else:
                lhs = Expr("bin", lhs.start, rhs.end, op, op_tok, [lhs, rhs])

    def unary(self) -> Expr:
        if self.peek() in _UNARY and self.i < len(self.t) and self.t[self.i].kind == "op":
            start = self.i
            op = self.take().text
            arg = self.unary()
            return Expr("un", start, arg.end, op, args=[arg])
        return self.primary()

    def primary(self) -> Expr:
        start = self.i
        tok = self.take()
        if tok.text == "(":
            inner = self.expr(0)
            self.take(")")
            return Expr("paren", start, self.i, args=[inner])
        if tok.text == "{":
            first = self.expr(0)
            if self.peek() == "{":  # replication {n{...}}
                self.take("{")
                parts = [first, *self.expr_list("}")]
                self.take("}")
            else:
                parts = [first]
                while self.peek() == ",":
                    self.take()
                    parts.append(self.expr(0))
            self.take("}")
            return Expr("concat", start, self.i, args=parts)
        if tok.kind in ("number", "string"):
            return Expr("prim", start, self.i)
        if tok.kind != "ident":
            raise ParseError(f"unexpected {tok.text!r} in an expression at offset {tok.start}")
        args: list[Expr] = []
        kind = "prim"
        while True:
            if self.peek() == "(":  # function or system function call
                self.take()
                args = self.expr_list(")") if self.peek() != ")" else []
                self.take(")")
                kind = "call"
            elif self.peek() == "." and self.i + 1 < len(self.t):
                self.take()
                self.take()
            elif self.peek() == "[":
                self.take()
                args.append(self.expr(0))
                if self.peek() in (":", "+:", "-:"):
                    self.take()
                    args.append(self.expr(0))
                self.take("]")
                kind = "call" if kind == "call" else "select"
            else:
                break
        return Expr(kind, start, self.i, args=args)

    def expr_list(self, close: str) -> list[Expr]:
        out = [self.expr(0)]
        while self.peek() == ",":
            self.take()
            out.append(self.expr(0))
        if self.peek() != close:
            raise ParseError(f"expected {close!r} after a list, found {self.peek()!r}")
        return out

    def logic(self) -> Expr:
        """An expression whose operators are mutation sites."""
        e = self.expr(0)
        self.exprs.append(e)
        return e

    # -------------------------------------------------------------- statements
    def statement(self) -> Stmt:
        start = self.i
        while self.peek() in ("unique", "unique0", "priority"):  # SystemVerilog qualifiers
            self.take()
        kw = self.peek()
        if kw == "begin":
            self.take()
            if self.peek() == ":":
                self.take()
                self.take()
            body: list[Stmt] = []
            while self.peek() != "end":
                body.append(self.statement())
            self.take("end")
            if self.peek() == ":":  # SystemVerilog end label
                self.take()
                self.take()
            return Stmt("block", start, self.i, body=body)
        if kw == "if":
            self.take()
            self.take("(")
            cond = self.logic()
            self.take(")")
            then = self.statement()
            other = None
            if self.peek() == "else":
                self.take()
                other = self.statement()
            return Stmt("if", start, self.i, cond=cond, then=then, other=other)
        if kw in ("case", "casez", "casex"):
            self.take()
            self.skip_group()
            items: list[Stmt] = []
            while self.peek() != "endcase":
                if self.peek() == "default":
                    self.take()
                    if self.peek() == ":":
                        self.take()
                else:
                    self.expr_list(":")
                    self.take(":")
                items.append(self.statement())
            self.take("endcase")
            return Stmt("case", start, self.i, body=items)
        if kw in ("for", "while", "repeat", "wait"):
            self.take()
            self.skip_group()  # loop headers are not mutated (a changed bound may not end)
            body_stmt = self.statement()
            return Stmt("loop", start, self.i, body=[body_stmt])
        if kw == "forever":
            self.take()
            body_stmt = self.statement()
            return Stmt("loop", start, self.i, body=[body_stmt])
        if kw in ("@", "#"):
            self.take()
            if self.peek() == "(":
                self.skip_group()
            else:
                self.take()
            if self.peek() == ";":
                self.take()
                return Stmt("other", start, self.i)
            inner = self.statement()
            return Stmt("loop", start, self.i, body=[inner])
        if kw == ";":
            self.take()
            return Stmt("other", start, self.i)
        if kw.startswith("$") or kw in ("disable", "->", "return"):
            self.skip_to_semicolon()
            return Stmt("other", start, self.i)
        # assignment, or a task call
        j, depth = self.i, 0
        while j < len(self.t):
            tx = self.t[j].text
            if tx in ("(", "[", "{"):
                depth += 1
            elif tx in (")", "]", "}"):
                depth -= 1
            elif depth == 0 and tx in ("=", "<=", ";"):
                break
            j += 1
        if j >= len(self.t) or self.t[j].text == ";":
            self.skip_to_semicolon()
            return Stmt("other", start, self.i)
        self.i = j + 1
        if self.peek() == "#":
            self.take()
            self.take()
        rhs = self.logic()
        self.take(";")
        return Stmt("assign", start, self.i, cond=rhs)

    # -------------------------------------------------------------- module items
    def module_items(self) -> None:
        while self.i < len(self.t):
            item_start = self.i
            n_exprs, n_stmts = len(self.exprs), len(self.stmts)
            try:
                self.module_item()
            except ParseError as exc:
                del self.exprs[n_exprs:]
                del self.stmts[n_stmts:]
                self.problems.append(f"offset {self.t[item_start].start}: {exc}")
                self.i = max(self.i, item_start + 1)
                while self.i < len(self.t) and self.peek() not in (
                    _PROC | _DECL | {"assign", "endmodule", "function", "task", "module"}
                ):
                    self.i += 1

    def module_item(self) -> None:
        kw = self.peek()
        if kw in ("module", "macromodule", "primitive"):
            self.skip_to_semicolon()
        elif kw in ("endmodule", "generate", "endgenerate", "begin", "end", "else"):
            self.take()
            if kw == "begin" and self.peek() == ":":
                self.take()
                self.take()
        elif kw in ("for", "if"):  # generate constructs: the header is not logic
            self.take()
            self.skip_group()
        elif kw == "assign":
            self.take()
            while True:
                self.lvalue_to("=")
                self.logic()
                if self.peek() == ",":
                    self.take()
                    continue
                self.take(";")
                break
        elif kw in _DECL:
            self.take()
            while self.peek() != ";":
                if self.peek() == "=":
                    self.take()
                    self.logic()
                elif self.peek() in ("(", "[", "{"):
                    self.skip_group()
                else:
                    self.take()
            self.take(";")
        elif kw in ("localparam", "parameter"):
            self.take()
            while self.peek() != ";":
                if self.peek() == "=" and self.i > 0:
                    name = self.t[self.i - 1].text
                    self.take()
                    self.params[name] = self.peek()
                elif self.peek() in ("(", "[", "{"):
                    self.skip_group()
                else:
                    self.take()
            self.take(";")
        elif kw in _SKIP_ITEM:
            self.skip_to_semicolon()
        elif kw in _PROC:
            self.take()
            self.stmts.append(self.statement())
        elif kw in ("function", "task"):
            end = "end" + kw
            self.skip_to_semicolon()
            while self.peek() != end:
                if self.peek() in _DECL | _SKIP_ITEM:
                    self.skip_to_semicolon()
                else:
                    self.stmts.append(self.statement())
            self.take(end)
        else:  # an instance or anything else: not mutated
            self.skip_to_semicolon()

    def lvalue_to(self, text: str) -> None:
        while self.peek() != text:
            if self.peek() in ("(", "[", "{"):
                self.skip_group()
            else:
                self.take()
        self.take(text)


def parse(text: str, skip: list[bool] | None = None) -> Parsed:
    """Parse a Verilog source file (lines flagged in `skip` are left out)."""
    tokens = tokenize(text, skip)
    p = _Parser(tokens)
    p.module_items()
    return Parsed(tokens, p.exprs, p.stmts, p.params, p.problems)
