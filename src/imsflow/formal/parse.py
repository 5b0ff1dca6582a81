"""Read what the provers say: yosys-smtbmc and ABC (pdr, bmc3/ind) logs."""

from __future__ import annotations

import re
from collections.abc import Sequence

_STATUS = re.compile(r"Status: (PASSED|FAILED)")
# "file.v:653.32-654.27": the span of the assertion statement; its last line holds the assert
_ASSERT = re.compile(r"Assert failed in \S+: (\S+?\.v):(\d+)(?:\.\d+-(\d+))?")
_STEP = re.compile(r"Checking (?:assertions|assumptions) in step (\d+)")
_UNSAT = re.compile(r"Assumptions are unsatisfiable")


def parse_smtbmc(text: str) -> tuple[str, int | None, list[tuple[str, int]]]:
    """(status, last step, failing assertions as (file, line)) from a yosys-smtbmc log.

    status: PASSED, FAILED, UNSAT_ASSUMPTIONS (vacuous: --presat found no trace) or UNKNOWN."""
    steps = [int(m) for m in _STEP.findall(text)]
    step = steps[-1] if steps else None
    asserts = [(f, int(end or n)) for f, n, end in _ASSERT.findall(text)]
    if _UNSAT.search(text):
        return "UNSAT_ASSUMPTIONS", step, asserts
    m = _STATUS.findall(text)
    return (m[-1] if m else "UNKNOWN"), step, asserts


def group_of(lines: Sequence[str], line_no: int) -> str:
    """The property group of the assertion at line_no: the nearest `// P-...` above it."""
    for no in range(min(line_no, len(lines)) - 1, -1, -1):
        m = re.search(r"//\s*(P-[A-Z]+)", lines[no])
        if m:
            return m.group(1)
    return ""


_PDR_PROVED = re.compile(r"Property proved")
_PDR_INV = re.compile(r"Invariant F\[(\d+)\] : (\d+) clauses with (\d+) flops \(out of (\d+)\)")
_PDR_CEX = re.compile(r"Output (\d+) of miter \S+ was asserted in frame (\d+)")
_PDR_FRAME = re.compile(r"^\s*(\d+) :", re.M)
_PDR_TIMEOUT = re.compile(r"Reached timeout \(\d+ seconds\) in frame (\d+)")


def parse_pdr(text: str) -> tuple[str, int | None, int | None, str]:
    """(status, frame, failing output, invariant) from an ABC `pdr -v` log.

    status: PROVED, FAILED, TIMEOUT (its own -T limit) or UNKNOWN; frame: the counterexample's
    frame, else the last frame reached; invariant: "N clauses over M of T flip-flops"."""
    m = _PDR_CEX.search(text)
    if m:
        return "FAILED", int(m.group(2)), int(m.group(1)), ""
    frames = [int(f) for f in _PDR_FRAME.findall(text)]
    frame = frames[-1] if frames else None
    t = _PDR_TIMEOUT.search(text)
    if t:
        return "TIMEOUT", int(t.group(1)), None, ""
    if _PDR_PROVED.search(text):
        inv = _PDR_INV.search(text)
        what = (
            f"{inv.group(2)} clauses over {inv.group(3)} of {inv.group(4)} flip-flops"
            if inv
            else ""
        )
        return "PROVED", frame, None, what
    return "UNKNOWN", frame, None, ""
