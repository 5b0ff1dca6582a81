"""Mutants of the RTL: enumerated deterministically from the source text, applied to a copy.

A mutant id (`file:line:col:operator`) names the same change on every run: `line` and `col`
(1-based line, 0-based column) are where the changed text begins. Operators come in families:
`flip` (the textual operator flips of `OPERATORS`, one line each) and the design-level families
of `imsflow.mutate.design` (`drop_operand`, `swap_branches`, `off_by_one`, `drop_assign`; a
design mutant may span lines). Per file, the flips come first in their historical order, then
the design mutants by position, so adding a family never changes a flip's id or order.
"""

from __future__ import annotations

import bisect
import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from imsflow.core.paths import read_filelist
from imsflow.mutate.design import FAMILIES as DESIGN_FAMILIES
from imsflow.mutate.design import design_edits
from imsflow.mutate.verilog import ParseError, parse

# (name, pattern, replacement). Patterns apply to code with comments removed.
OPERATORS: tuple[tuple[str, str, str], ...] = (
    ("and_to_or", r"&&", "||"),
    ("or_to_and", r"\|\|", "&&"),
    ("eq_to_ne", r"==", "!="),
    ("ne_to_eq", r"!=", "=="),
    ("drop_not", r"!(?=[A-Za-z_(])", ""),
    ("drop_bitnot", r"~(?=[A-Za-z_(])", ""),
    ("lt_to_le", r"(?<![<=!>])<(?![<=])", "<="),
    ("ge_to_gt", r">=", ">"),
    ("true_to_false", r"1'b1\b", "1'b0"),
    ("false_to_true", r"1'b0\b", "1'b1"),
    ("inc_by_two", r"(?<=\+ )(\d+)'d1\b", r"\g<1>'d2"),
)

FAMILIES: dict[str, tuple[str, ...]] = {
    "flip": tuple(op for op, _, _ in OPERATORS),
    **DESIGN_FAMILIES,
}
# names that stand for several families
GROUPS: dict[str, tuple[str, ...]] = {"design": tuple(DESIGN_FAMILIES), "all": tuple(FAMILIES)}
FAMILY_OF = {op: fam for fam, ops in FAMILIES.items() for op in ops}


def resolve_operators(spec: str | None) -> frozenset[str]:
    """The operator names selected by a comma-separated list of group (`design`, `all`),
    family (`flip`, `drop_operand`, ...) and operator (`and_to_or`, ...) names; all when
    empty. Unknown names raise ValueError."""
    if not spec or not spec.strip():
        return frozenset(FAMILY_OF)
    ops: set[str] = set()
    for raw in spec.split(","):
        name = raw.strip()
        if not name:
            continue
        if name in GROUPS:
            ops.update(op for fam in GROUPS[name] for op in FAMILIES[fam])
        elif name in FAMILIES:
            ops.update(FAMILIES[name])
        elif name in FAMILY_OF:
            ops.add(name)
        else:
            known = ", ".join([*GROUPS, *FAMILIES])
            raise ValueError(f"unknown operator or family {name!r} (families: {known})")
    return frozenset(ops)


# Lines that are declarations or structure, not logic: never mutated. `end else if (...)`
# holds a condition and is mutated like any `if`.
_SKIP_LINE = re.compile(
    r"^\s*(module|endmodule|input|output|parameter|localparam|reg\s|integer|function|"
    r"endfunction|`|\$display|\$finish|initial|end\b(?!\s+else\s+if\b)|begin\b|"
    r"else\s*begin|always)"
)


@dataclass(frozen=True)
class Mutant:
    file: str  # file name inside rtl/
    line: int  # 1-based
    col: int  # 0-based column of the match
    op: str
    before: str
    after: str

    @property
    def id(self) -> str:
        return f"{self.file}:{self.line}:{self.col}:{self.op}"

    @property
    def family(self) -> str:
        return FAMILY_OF.get(self.op, "custom")

    def describe(self, width: int = 70) -> str:
        """`before -> after` on one line (blanks collapsed, long texts shortened)."""

        def short(t: str) -> str:
            t = " ".join(t.split())
            return t if len(t) <= width else t[: width - 3] + "..."

        return f"{short(self.before)!r} -> {short(self.after)!r}"

    @property
    def slug(self) -> str:
        return re.sub(r"[^A-Za-z0-9]+", "_", self.id)


@dataclass
class MutantResult:
    mutant: Mutant
    status: str  # killed | timeout | survived | invalid | inconclusive (checker bound)
    first_failure: str = ""
    rerun: str = ""
    seconds: float = 0.0


def code_part(line: str) -> str:
    return line.split("//", 1)[0]


def _in_sim_only_block(lines: Sequence[str]) -> list[bool]:
    """True for lines inside `ifndef SYNTHESIS ... `endif (simulation-only checks)."""
    flags, inside = [], False
    for line in lines:
        s = line.strip()
        if s.startswith("`ifndef SYNTHESIS"):
            inside = True
        flags.append(inside)
        if inside and s.startswith("`endif"):
            inside = False
    return flags


def sources(rtl: Path) -> list[tuple[str, Path]]:
    """The sources to mutate as (name in mutant ids, path): `rtl` is a folder (its `*.v`,
    sorted, named by file name) or a `.f` file list (in its order, named by the path relative
    to the list's folder, or by file name for a source outside it)."""
    rtl = Path(rtl)
    if rtl.is_dir():
        return [(p.name, p) for p in sorted(rtl.glob("*.v"))]
    out: list[tuple[str, Path]] = []
    base = rtl.resolve().parent
    for p in read_filelist(rtl):
        try:
            name = p.relative_to(base).as_posix()
        except ValueError:
            name = p.name
        out.append((name, p))
    names = [n for n, _ in out]
    dup = {n for n in names if names.count(n) > 1}
    if dup:
        raise ValueError(f"{rtl}: sources with the same name: {sorted(dup)}")
    return out


def _flip_mutants(name: str, lines: Sequence[str], ops: frozenset[str]) -> list[Mutant]:
    mutants: list[Mutant] = []
    sim_only = _in_sim_only_block(lines)
    for no, line in enumerate(lines, start=1):
        code = code_part(line)
        if sim_only[no - 1] or not code.strip() or _SKIP_LINE.match(code):
            continue
        if re.match(r"^\s*wire\b", code) and "=" not in code:
            continue  # a plain declaration
        if re.match(r"^\s*wire\s+unused_", code):
            continue  # a lint sink for deliberately unused bits, no logic
        for op, pattern, repl in OPERATORS:
            if op not in ops:
                continue
            for m in re.finditer(pattern, code):
                after = m.expand(repl) if "\\g<" in repl else repl
                mutants.append(Mutant(name, no, m.start(), op, m.group(0), after))
    return mutants


def _design_mutants(
    name: str, text: str, ops: frozenset[str], problems: list[str] | None
) -> list[Mutant]:
    families = {FAMILY_OF[op] for op in ops} - {"flip"}
    if not families:
        return []
    lines = text.split("\n")
    try:
        parsed = parse(text, _in_sim_only_block(lines))
    except ParseError as exc:
        if problems is not None:
            problems.append(f"{name}: {exc}; no design mutants")
        return []
    if problems is not None:
        problems.extend(f"{name}: {p} (skipped)" for p in parsed.problems)
    starts = [0]
    for line in lines:
        starts.append(starts[-1] + len(line) + 1)
    out: list[Mutant] = []
    for offset, op, before, after in design_edits(text, parsed, families):
        if op not in ops:
            continue
        no = bisect.bisect_right(starts, offset)
        out.append(Mutant(name, no, offset - starts[no - 1], op, before, after))
    return out


def enumerate_mutants(
    rtl: Path, operators: frozenset[str] | None = None, problems: list[str] | None = None
) -> list[Mutant]:
    """Every single-site mutant of the sources (`rtl`: a folder of `*.v` or a `.f` list) by
    the selected operators (all when None), in a stable order. Constructs the design
    operators cannot read are appended to `problems`."""
    ops = frozenset(FAMILY_OF) if operators is None else operators
    mutants: list[Mutant] = []
    for name, path in sources(rtl):
        text = path.read_text()
        mutants.extend(_flip_mutants(name, text.splitlines(), ops))
        mutants.extend(_design_mutants(name, text, ops, problems))
    return mutants


def apply(mutant: Mutant, rtl: Path, out_dir: Path) -> Path:
    """Copy the sources (`rtl`: folder or `.f` list) into out_dir with the mutation applied;
    return the .f file list of the copy (same order as the sources)."""
    out_dir.mkdir(parents=True, exist_ok=True)
    srcs = sources(rtl)
    for name, src in srcs:
        (out_dir / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(src, out_dir / name)
    if mutant.file not in {n for n, _ in srcs}:
        raise ValueError(f"{mutant.id}: no source {mutant.file} in {rtl}")
    target = out_dir / mutant.file
    text = target.read_text()
    lines = text.split("\n")
    if mutant.line > len(lines):
        raise ValueError(f"{mutant.id}: source changed since enumeration")
    at = sum(len(x) + 1 for x in lines[: mutant.line - 1]) + mutant.col
    if text[at : at + len(mutant.before)] != mutant.before:
        raise ValueError(f"{mutant.id}: source changed since enumeration")
    target.write_text(text[:at] + mutant.after + text[at + len(mutant.before) :])
    flist = out_dir / f"{mutant.slug}.f"
    flist.write_text("".join(f"{name}\n" for name, _ in srcs))
    return flist


def select(mutants: list[Mutant], count: int, only: str | None) -> list[Mutant]:
    """An evenly spread, deterministic subset of `count` mutants (all when count <= 0)."""
    if only:
        rx = re.compile(only)
        mutants = [m for m in mutants if rx.search(m.id)]
    if count <= 0 or count >= len(mutants):
        return mutants
    step = len(mutants) / count
    return [mutants[int(i * step)] for i in range(count)]
