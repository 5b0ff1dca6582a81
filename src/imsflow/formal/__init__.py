"""Formal checks of ims_ctrl (`ims formal`, `make formal`); the flow is described in
:mod:`imsflow.formal.cli`.

* :mod:`imsflow.formal.jobs` - the property sets (jobs), their groups and results;
* :mod:`imsflow.formal.tools` - the tools the flow needs;
* :mod:`imsflow.formal.scripts` - the Yosys scripts (AIGER for ABC, SMT-LIB for smtbmc);
* :mod:`imsflow.formal.run` - one job: compile, prove or check, replay a counterexample;
* :mod:`imsflow.formal.parse` - reading the ABC and smtbmc logs;
* :mod:`imsflow.formal.cli` - the `ims formal` command and its table.
"""

from imsflow.formal.cli import main, render
from imsflow.formal.jobs import (
    DEFAULT_DEPTH,
    DEFAULT_TIMEOUT,
    ENGINES,
    GROUPS,
    JOBS,
    KIND_BASE,
    KIND_BMC,
    SOLVERS,
    TOP,
    WRAPPER,
    FormalJob,
    FormalResult,
    PropertyGroup,
)
from imsflow.formal.parse import parse_pdr, parse_smtbmc
from imsflow.formal.run import run_job
from imsflow.formal.tools import ToolMissing, check_tools

__all__ = [
    "DEFAULT_DEPTH",
    "DEFAULT_TIMEOUT",
    "ENGINES",
    "GROUPS",
    "JOBS",
    "KIND_BASE",
    "KIND_BMC",
    "SOLVERS",
    "TOP",
    "WRAPPER",
    "FormalJob",
    "FormalResult",
    "PropertyGroup",
    "ToolMissing",
    "check_tools",
    "main",
    "parse_pdr",
    "parse_smtbmc",
    "render",
    "run_job",
]
