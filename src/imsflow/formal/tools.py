"""Are yosys, yosys-smtbmc, yosys-abc and the SMT solver installed?"""

from __future__ import annotations

import shutil

from imsflow.formal.jobs import SOLVERS

_INSTALL = {
    "yosys": "apt-get install -y yosys",
    "yosys-smtbmc": "apt-get install -y yosys",
    "yosys-abc": "apt-get install -y yosys",
    "z3": "apt-get install -y z3",
    "boolector": "apt-get install -y boolector",
    "yices": "apt-get install -y yices2",
    "bitwuzla": "build bitwuzla from https://github.com/bitwuzla/bitwuzla",
}


class ToolMissing(RuntimeError):
    """A tool the formal flow needs is not installed."""


def check_tools(solver: str = "z3") -> dict[str, str]:
    """The paths of yosys, yosys-smtbmc, yosys-abc and the SMT solver; ToolMissing naming the
    install command."""
    if solver not in SOLVERS:
        raise ValueError(f"unknown solver {solver!r}: choose one of {', '.join(SOLVERS)}")
    exe = {"yices": "yices-smt2"}.get(solver, solver)
    found: dict[str, str] = {}
    missing: list[str] = []
    tools = (("yosys", "yosys"), ("yosys-smtbmc", "yosys-smtbmc"), ("yosys-abc", "yosys-abc"))
    for tool, cmd in (*tools, (solver, exe)):
        path = shutil.which(cmd)
        if path is None:
            missing.append(f"{cmd} (install it with: {_INSTALL[tool]})")
        else:
            found[tool] = path
    if missing:
        raise ToolMissing("formal checks need " + "; ".join(missing))
    return found
