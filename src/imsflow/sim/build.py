"""Build a simulation once per (simulator, configuration, sources, options).

:func:`build` builds into ``build/sim/<sim>-<cfg>[-<filelist>][-waves][-cov]/`` and reuses that
build while it is up to date (a stamp of what it was built from).
"""

from __future__ import annotations

import contextlib
import dataclasses
import fcntl
import importlib.util
import json
import shutil
import sys
import time
from collections.abc import Iterator, Mapping
from pathlib import Path

from imsflow.core.defaults import DEFAULT_BUILD_TIMEOUT, DEFAULT_TOPLEVEL, SIMULATORS, TIMESCALE
from imsflow.core.paths import FileList, default_sources, parse_filelist, project_root
from imsflow.core.types import DEFAULT_CONFIG, BuildResult, BuildSpec, Config
from imsflow.sim.spawn import run_worker, tail
from imsflow.sim.tools import check_simulator, verilator_bin_dir

COVERAGE_HINT = (
    "the plain build works: rerun with --no-coverage (ims regress, or make regress "
    "REGRESS_ARGS=--no-coverage) or without --coverage (ims run); code coverage is then not "
    "measured"
)
PLAIN_FAILS_TOO = "the plain build fails too ({log}): the sources do not build"


def make_build(
    sim: str,
    config: Config = DEFAULT_CONFIG,
    *,
    filelist: Path | str | None = None,
    toplevel: str = DEFAULT_TOPLEVEL,
    waves: bool = False,
    coverage: bool = False,
    root: Path | None = None,
) -> BuildSpec:
    """A :class:`BuildSpec` for the repository RTL (``rtl/*.v``) or a ``.f`` file list."""
    if sim not in SIMULATORS:
        raise ValueError(f"unknown simulator {sim!r}: choose from {', '.join(SIMULATORS)}")
    if coverage and sim != "verilator":
        raise ValueError("coverage is only supported with verilator")
    root = (root or project_root()).resolve()
    flist = Path(filelist).resolve() if filelist is not None else None
    fl = parse_filelist(flist) if flist is not None else FileList(tuple(default_sources(root)))
    return BuildSpec(
        sim=sim,
        config=config,
        sources=fl.sources,
        incdirs=fl.incdirs,
        defines=fl.defines,
        toplevel=toplevel,
        filelist=flist,
        waves=waves,
        coverage=coverage,
        root=root,
    )


def _build_key(spec: BuildSpec) -> dict[str, object]:
    cocotb_spec = importlib.util.find_spec("cocotb")
    vbin = verilator_bin_dir() if spec.sim == "verilator" else None
    return {
        "sim": spec.sim,
        "simulator": str(vbin) if vbin else shutil.which("iverilog"),
        "toplevel": spec.toplevel,
        "parameters": spec.config.parameters,
        "sources": [str(s) for s in spec.sources],
        "incdirs": [str(d) for d in spec.incdirs],
        "defines": [list(d) for d in spec.defines],
        "build_args": spec.build_args,
        "waves": spec.waves,
        "timescale": list(TIMESCALE),
        "python": sys.executable,
        "cocotb": cocotb_spec.origin if cocotb_spec else None,
    }


def _up_to_date(spec: BuildSpec, stamp: Path, key: Mapping[str, object]) -> bool:
    if not stamp.is_file() or not spec.output.is_file():
        return False
    try:
        if json.loads(stamp.read_text()) != key:
            return False
    except ValueError:
        return False
    built = stamp.stat().st_mtime
    included = [f for d in spec.incdirs if d.is_dir() for f in d.iterdir() if f.is_file()]
    return all(s.is_file() and s.stat().st_mtime <= built for s in [*spec.sources, *included])


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as fh:
        fcntl.flock(fh, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(fh, fcntl.LOCK_UN)


def build(spec: BuildSpec, *, timeout: float = DEFAULT_BUILD_TIMEOUT) -> BuildResult:
    """Build ``spec`` unless an up-to-date build exists. Never raises for a failed build.

    When a Verilator ``--coverage`` build fails (its instrumentation has failed on legal RTL
    that builds without it), the plain build is tried and the message says whether it works and
    how to use it (``--no-coverage``), on its first line: the regression summary shows that line.

    Raises :class:`SimulatorMissingError` when the simulator is not installed.
    """
    result = _build(spec, timeout=timeout)
    if result.ok or not spec.coverage or not result.log.is_file():
        return result
    plain = _build(dataclasses.replace(spec, coverage=False), timeout=timeout)
    hint = COVERAGE_HINT if plain.ok else PLAIN_FAILS_TOO.format(log=plain.log)
    first, _, rest = result.message.partition("\n")
    result.message = f"Verilator --coverage {first}; {hint}\n{rest}"
    return result


def _build(spec: BuildSpec, *, timeout: float) -> BuildResult:
    """:func:`build` without the plain-build fallback."""
    env_add = check_simulator(spec.sim)
    bdir = spec.build_dir
    log = bdir / "build.log"
    start = time.monotonic()
    missing = [str(s) for s in spec.sources if not s.is_file()]
    if not spec.sources or missing:
        what = ", ".join(missing) if missing else "no sources (rtl/*.v is empty)"
        return BuildResult(spec, False, log, 0.0, message=f"missing HDL sources: {what}")
    with _locked(bdir.parent / f".{bdir.name}.lock"):
        stamp = bdir / "ims-build.json"
        key = _build_key(spec)
        if _up_to_date(spec, stamp, key):
            return BuildResult(spec, True, log, time.monotonic() - start, reused=True)
        bdir.mkdir(parents=True, exist_ok=True)
        stamp.unlink(missing_ok=True)
        job = {
            "action": "build",
            "sim": spec.sim,
            "sources": [str(s) for s in spec.sources],
            "includes": [str(d) for d in spec.incdirs],
            "defines": dict(spec.defines),
            "toplevel": spec.toplevel,
            "parameters": spec.config.parameters,
            "build_args": spec.build_args,
            "build_dir": str(bdir),
            "timescale": list(TIMESCALE),
            "waves": spec.waves,
            "env": env_add,
        }
        outcome = run_worker(job, env_add, bdir / "build-job.json", log, bdir, timeout)
        seconds = time.monotonic() - start
        if outcome.timed_out:
            msg = f"build TIMEOUT after {timeout:.0f} s (killed); see {log}"
            return BuildResult(spec, False, log, seconds, message=msg)
        if outcome.returncode != 0 or not spec.output.is_file():
            msg = f"build failed (exit {outcome.returncode}); see {log}\n{tail(log, 25)}"
            return BuildResult(spec, False, log, seconds, message=msg)
        stamp.write_text(json.dumps(key, indent=1))
        return BuildResult(spec, True, log, seconds)
