"""Mutants of the RTL: enumerated deterministically from the source text, applied to a copy.

A mutant id (`file:line:col:operator`) names the same change on every run.
"""

from __future__ import annotations

import re
import shutil
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

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
    def slug(self) -> str:
        return re.sub(r"[^A-Za-z0-9]+", "_", self.id)


@dataclass
class MutantResult:
    mutant: Mutant
    status: str  # killed | timeout | survived | invalid
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


def enumerate_mutants(rtl_dir: Path) -> list[Mutant]:
    """Every single-site mutant of the RTL, in a stable order."""
    mutants: list[Mutant] = []
    for path in sorted(rtl_dir.glob("*.v")):
        lines = path.read_text().splitlines()
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
                for m in re.finditer(pattern, code):
                    after = m.expand(repl) if "\\g<" in repl else repl
                    mutants.append(Mutant(path.name, no, m.start(), op, m.group(0), after))
    return mutants


def apply(mutant: Mutant, rtl_dir: Path, out_dir: Path) -> Path:
    """Copy the RTL into out_dir with the mutation applied; return the .f file list."""
    out_dir.mkdir(parents=True, exist_ok=True)
    for src in sorted(rtl_dir.glob("*.v")):
        shutil.copy(src, out_dir / src.name)
    target = out_dir / mutant.file
    lines = target.read_text().splitlines(keepends=True)
    line = lines[mutant.line - 1]
    if line[mutant.col : mutant.col + len(mutant.before)] != mutant.before:
        raise ValueError(f"{mutant.id}: source changed since enumeration")
    lines[mutant.line - 1] = (
        line[: mutant.col] + mutant.after + line[mutant.col + len(mutant.before) :]
    )
    target.write_text("".join(lines))
    flist = out_dir / f"{mutant.slug}.f"
    flist.write_text("".join(f"{p.name}\n" for p in sorted(out_dir.glob("*.v"))))
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
