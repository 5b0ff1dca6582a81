"""Defaults shared by the tools: simulators, the HDL toplevel, wall-clock limits."""

from __future__ import annotations

SIMULATORS = ("icarus", "verilator")
DEFAULT_TOPLEVEL = "ims_ctrl"
TIMESCALE = ("1ns", "1ps")
DEFAULT_RUN_TIMEOUT = 900.0
"""Wall-clock limit (s) of one simulator run; ``IMS_SIM_TIMEOUT`` overrides it."""
DEFAULT_BUILD_TIMEOUT = 1800.0
