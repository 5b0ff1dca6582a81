"""Waveforms of a regression: the file of every job (``--waves``) and the reruns of failures
with waves (``--waves-on-fail``), printed as the ``.fst``/``.vcd`` file, never a folder."""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from typing import TextIO

from imsflow import sim
from imsflow.core.paths import default_tb_dir, project_root
from imsflow.core.types import RunResult
from imsflow.regress.jobs import Regression, RegressOptions
from imsflow.sim import spawn


def print_waves(results: Sequence[RunResult], out: TextIO) -> None:
    """The waveform file of each job that has one."""
    waved = [r for r in results if r.waves is not None]
    if waved:
        print(f"WAVES ({len(waved)}):", file=out)
    for r in waved:
        print(f"  {r.name}: {r.waves}", file=out, flush=True)


def rerun_failures_with_waves(reg: Regression, opts: RegressOptions, out: TextIO) -> None:
    """Rerun each failed job of ``reg`` (same seed) on a waves build, one at a time, into
    ``jobs/<job>/waves/`` of its run folder, and attach the file to its result. A job's verdict
    stays its first run's; a build failure has nothing to rerun."""
    failed = [r for r in reg.results if not r.ok and r.status != "build_failed" and not r.waves]
    if not failed:
        return
    root = (opts.root or project_root()).resolve()
    tb_dir = (opts.tb_dir or default_tb_dir(root)).resolve()
    print(f"ims regress: rerunning {len(failed)} failed job(s) with waves", file=out, flush=True)
    try:
        for r in failed:
            spec = sim.make_build(
                r.sim, r.config, filelist=opts.filelist, toplevel=opts.toplevel, root=root
            )
            spec = dataclasses.replace(spec, waves=True)
            tdir = reg.run_dir / "jobs" / r.log.stem / "waves"
            again = sim.run_test(
                spec,
                r.module,
                testcase=r.testcase,
                seed=r.seed,
                tb_dir=tb_dir,
                timeout=opts.timeout,
                test_dir=tdir,
                log=tdir / "sim.log",
            )
            r.waves = again.waves
            what = str(again.waves) if again.waves else f"no waveform file ({again.log})"
            print(f"  waves {r.name}: {what}", file=out, flush=True)
    except BaseException:
        spawn.kill_running()
        raise
