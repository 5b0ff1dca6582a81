"""Run one cocotb test module (optionally one testcase) with a seed on a build."""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path

from imsflow.core.defaults import DEFAULT_BUILD_TIMEOUT, DEFAULT_RUN_TIMEOUT, TIMESCALE
from imsflow.core.paths import default_tb_dir
from imsflow.core.rerun import run_command
from imsflow.core.types import BuildSpec, RunResult
from imsflow.sim.build import build
from imsflow.sim.results import describe_exit, parse_results, simulator_status
from imsflow.sim.spawn import Outcome, run_worker
from imsflow.sim.tools import check_simulator


def cocotb_filter(module: str, testcase: str | None) -> str | None:
    """cocotb test filter (matched against ``module.name``) for one test and its variants.

    None for a whole module: with any filter cocotb also runs tests marked ``skip=True``.
    """
    if testcase is None:
        return None
    return rf"^{re.escape(module)}\.{re.escape(testcase)}(/.*)?$"


def wave_file(spec: BuildSpec, test_dir: Path) -> Path | None:
    """The waveform file a ``--waves`` run wrote into ``test_dir``, or None.

    Icarus writes ``<toplevel>.fst`` (the ``+dumpfile_path`` plusarg), Verilator ``dump.vcd``
    (or ``dump.fst`` for an FST build) in the folder it runs in.
    """
    names = (f"{spec.toplevel}.fst", "dump.fst", "dump.vcd", f"{spec.toplevel}.vcd")
    for name in names:
        if (test_dir / name).is_file():
            return test_dir / name
    return None


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
    tb = Path(tb_dir).resolve() if tb_dir is not None else default_tb_dir(spec.root)
    if timeout is None:
        timeout = float(os.environ.get("IMS_SIM_TIMEOUT", DEFAULT_RUN_TIMEOUT))
    label = f"{module}.{testcase}" if testcase else module
    tdir = test_dir or spec.build_dir / "runs" / f"{label}-s{seed}"
    tdir = tdir.resolve()
    log = (log or tdir / "sim.log").resolve()
    xml = tdir / "results.xml"
    rerun = run_command(spec, module, testcase, seed, tb)

    def result(status: str, message: str, outcome: Outcome | None = None) -> RunResult:
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
            waves=wave_file(spec, tdir) if outcome and spec.waves else None,
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
    # which layer of docs/spec.md the DUT claims (the bench reads IMS_PROFILE, imstb.profile):
    # our RTL the ims_ctrl profile, another file list only the contract, unless told otherwise
    env["IMS_PROFILE"] = os.environ.get("IMS_PROFILE") or (
        "ims_ctrl" if spec.filelist is None else "none"
    )
    if spec.filelist is not None:
        env["IMS_FILELIST"] = str(spec.filelist)
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
    outcome = run_worker(job, env, tdir / "job.json", log, tdir, timeout)
    if outcome.timed_out:
        return result("timeout", f"TIMEOUT: killed after {timeout:.0f} s wall clock", outcome)
    if not xml.is_file():
        why = describe_exit(simulator_status(log, outcome.returncode))
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
        why = describe_exit(simulator_status(log, outcome.returncode))
        return result("crashed", f"simulator {why}", outcome)
    return result("passed", "", outcome)
