"""Run one mutant: build it, run the regression subset on it until a test fails."""

from __future__ import annotations

import shutil
import time
from collections.abc import Sequence
from pathlib import Path

from imsflow.core.types import Config, RunResult
from imsflow.mutate.mutants import Mutant, MutantResult, apply
from imsflow.sim.build import build, make_build
from imsflow.sim.run import run_test

# the message of the contract checker's bound (imstb.contract)
AMBIGUITY_BOUND = "ambiguity bound"


def run_mutant(
    mutant: Mutant,
    rtl_dir: Path,
    work: Path,
    simulator: str,
    config: Config,
    modules: Sequence[str],
    seed: int,
    timeout: float,
    profile: str = "ims_ctrl",
) -> MutantResult:
    """Build ``mutant`` and run ``modules`` on it until one fails. ``profile``: what the DUT
    claims (IMS_PROFILE): a mutant of our RTL is held to the ims_ctrl profile as the RTL is,
    a mutant of another implementation (``ims mutate --rtl``) to the contract only."""
    start = time.monotonic()
    flist = apply(mutant, rtl_dir, work / mutant.slug)
    spec = make_build(simulator, config, filelist=flist)
    built = build(spec)
    if not built.ok:
        return MutantResult(
            mutant, "invalid", built.message.splitlines()[0], "", time.monotonic() - start
        )
    try:
        for module in modules:
            res = run_test(
                spec, module, seed=seed, timeout=timeout, extra_env={"IMS_PROFILE": profile}
            )
            if res.status == "timeout":
                return MutantResult(
                    mutant,
                    "timeout",
                    f"{module}: {res.message}",
                    res.rerun,
                    time.monotonic() - start,
                )
            if not res.ok:
                failed = [t.name for t in res.testcases if not t.passed]
                first = failed[0] if failed else module
                why = _first_line(res)
                return MutantResult(
                    mutant,
                    # the contract checker gave up (too many orders to follow), which is not
                    # evidence that the mutant broke a rule: neither killed nor survived
                    "inconclusive" if AMBIGUITY_BOUND in why else "killed",
                    f"{first}: {why}",
                    res.rerun,
                    time.monotonic() - start,
                )
        return MutantResult(mutant, "survived", "", "", time.monotonic() - start)
    finally:
        shutil.rmtree(spec.build_dir, ignore_errors=True)


def _first_line(res: RunResult) -> str:
    for t in res.testcases:
        if not t.passed and t.message:
            return t.message.splitlines()[0][:200]
    return res.message.splitlines()[0][:200] if res.message else res.status
