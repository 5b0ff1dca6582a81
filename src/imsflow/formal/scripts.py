"""The Yosys scripts that compile the formal wrapper: AIGER for ABC, SMT-LIB for smtbmc."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

from imsflow.formal.jobs import TOP, FormalJob


def aiger_script(job: FormalJob, rtl: Sequence[Path], wrapper: Path, aig: Path, aim: Path) -> str:
    """The bit-level model for ABC: every memory mapped to flip-flops, uninitialised flip-flops
    (the entry RAMs) start from free values (-zinit adds an input for each), assumptions apply
    in the cycle they name (chformal -early), undefined (x) bits are free inputs. Keep
    the passes as they are: PDR's runtime depends on the exact netlist (docs/formal.md)."""
    defines = " ".join(f"-D{d}" for d in ("FORMAL", "IMS_FORMAL_AIGER", *job.defines))
    files = " ".join(str(p) for p in (*rtl, wrapper))
    return "\n".join(
        (
            f"read_verilog -formal {defines} {files}",
            f"prep -top {TOP}",
            "flatten",
            "memory_map",
            *(f"connect -set {w} {sig}" for w, sig in job.probes),
            "opt -fast",
            "async2sync",
            "chformal -early" if job.early_asserts else "chformal -assume -early",
            "setundef -anyseq",
            "opt -keepdc -fast",
            "techmap",
            "opt -fast",
            "dffunmap",
            "abc -g AND -fast",
            "opt_clean",
            f"write_aiger -zinit -map {aim} {aig}",
            "",
        )
    )


def yosys_script(job: FormalJob, rtl: Sequence[Path], wrapper: Path, smt2: Path) -> str:
    defines = " ".join(f"-D{d}" for d in ("FORMAL", *job.defines))
    files = " ".join(str(p) for p in (*rtl, wrapper))
    return "\n".join(
        (
            f"read_verilog -formal {defines} {files}",
            f"prep -top {TOP}",
            "flatten",
            "memory -nomap",
            # the message queue's register files have asynchronous reads that feed their own
            # write enables through the queue counters: as SMT arrays they form a logic loop
            f"memory_map {TOP}/*u_msg*",
            "opt",
            "async2sync",
            "dffunmap",
            "opt_clean",
            f"write_smt2 -wires {smt2}",
            "",
        )
    )
