"""Build and run cocotb tests on Icarus or Verilator: the one place that knows how.

Everything goes through ``cocotb_tools.runner`` (cocotb 2.1), called in a child process
(:mod:`imsflow.sim.worker`) so that every build and every run has a wall-clock timeout and a
crash or hang comes back as a failed :class:`RunResult` instead of an exception or a stuck job.

* :func:`check_simulator` finds a simulator or raises :class:`SimulatorMissingError` with the
  install command (never a silent skip).
* :func:`build` builds once per (simulator, configuration, sources, options) into
  ``build/sim/<sim>-<cfg>[-<filelist>][-waves][-cov]/``; later calls reuse it while it is up
  to date.
* :func:`run_test` runs one cocotb test module (optionally one testcase) with a seed and returns
  a :class:`RunResult` parsed from cocotb's results XML, with a copy-paste rerun command.

The simulation sees these environment variables: ``IMS_ENTRIES``, ``MSIX_ENTRIES`` (the
configuration) and ``IMS_SIM`` (the simulator name).

This package imports nothing from cocotb at import time.
"""

from imsflow.core.defaults import (
    DEFAULT_BUILD_TIMEOUT,
    DEFAULT_RUN_TIMEOUT,
    DEFAULT_TOPLEVEL,
    SIMULATORS,
    TIMESCALE,
)
from imsflow.core.paths import default_sources, default_tb_dir, project_root, read_filelist
from imsflow.core.rerun import run_command as rerun_command
from imsflow.core.types import (
    ALL_CONFIGS,
    DEFAULT_CONFIG,
    EDGE_CONFIGS,
    BuildResult,
    BuildSpec,
    CaseResult,
    Config,
    RunResult,
    parse_configs,
    parse_sims,
)
from imsflow.sim.build import build, make_build
from imsflow.sim.results import describe_exit, parse_results
from imsflow.sim.run import cocotb_filter, new_seed, run_test
from imsflow.sim.spawn import kill_running
from imsflow.sim.tools import SimulatorMissingError, check_simulator, verilator_bin_dir

__all__ = [
    "ALL_CONFIGS",
    "DEFAULT_BUILD_TIMEOUT",
    "DEFAULT_CONFIG",
    "DEFAULT_RUN_TIMEOUT",
    "DEFAULT_TOPLEVEL",
    "EDGE_CONFIGS",
    "SIMULATORS",
    "TIMESCALE",
    "BuildResult",
    "BuildSpec",
    "CaseResult",
    "Config",
    "RunResult",
    "SimulatorMissingError",
    "build",
    "check_simulator",
    "cocotb_filter",
    "default_sources",
    "default_tb_dir",
    "describe_exit",
    "kill_running",
    "make_build",
    "new_seed",
    "parse_configs",
    "parse_results",
    "parse_sims",
    "project_root",
    "read_filelist",
    "rerun_command",
    "run_test",
    "verilator_bin_dir",
]
