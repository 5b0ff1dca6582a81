"""The job matrix of a regression and its options, plan and outcome.

Each cocotb test is one job per seed, simulator and configuration (:class:`Job`); a
:class:`Plan` is the whole matrix (before any sharding) with its build specs.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from imsflow.core.defaults import DEFAULT_TOPLEVEL, SIMULATORS
from imsflow.core.paths import default_tb_dir, project_root
from imsflow.core.rerun import run_command
from imsflow.core.types import ALL_CONFIGS, BuildResult, BuildSpec, Config, RunResult
from imsflow.regress.discover import TestRef, discover_tests, select_tests
from imsflow.regress.shard import Shard
from imsflow.signoff.conformance import Conformance
from imsflow.sim.build import make_build
from imsflow.sim.run import new_seed


class RegressError(RuntimeError):
    """The regression cannot start (nothing to run, bad input)."""


@dataclass(frozen=True)
class Job:
    sim: str
    config: Config
    test: TestRef
    seed: int

    @property
    def id(self) -> str:
        safe = self.test.fullname.replace("/", "_")
        return f"{self.sim}-{self.config.name}-{safe}-s{self.seed}"


def seeds_for(base_seed: int, count: int) -> list[int]:
    return [(base_seed + i) & 0x7FFFFFFF for i in range(count)]


def make_matrix(
    tests: Sequence[TestRef], seeds: Sequence[int], sims: Sequence[str], configs: Sequence[Config]
) -> list[Job]:
    """Every test x seed x simulator x configuration; slow configurations are not reordered."""
    return [Job(s, c, t, seed) for t in tests for seed in seeds for s in sims for c in configs]


@dataclass
class RegressOptions:
    sims: list[str] = field(default_factory=lambda: list(SIMULATORS))
    configs: list[Config] = field(default_factory=lambda: list(ALL_CONFIGS))
    seeds: int = 1
    base_seed: int | None = None
    tests: str | None = None
    jobs: int = 0  # 0: number of CPUs
    out: Path | None = None
    tb_dir: Path | None = None
    filelist: Path | None = None
    toplevel: str = DEFAULT_TOPLEVEL
    timeout: float | None = None
    waves: bool = False  # every job records waves (its own "-waves" builds)
    waves_on_fail: bool = False  # rerun each failed job once with waves (imsflow.regress.waves)
    root: Path | None = None
    shard: Shard | None = None  # run only this slice of the matrix (needs base_seed)
    coverage: bool = True  # Verilator jobs on --coverage builds (code coverage in the report)
    testplan: Path | None = None  # default docs/testplan.hjson when the tests are tb/'s
    waivers: Path | None = None  # default docs/coverage_waivers.hjson
    # goals evaluated (a miss fails the run): None = on the full default matrix only
    # (imsflow.signoff.verdict), True = always (--goals), False = never (--no-goals)
    goals: bool | None = None


@dataclass
class Regression:
    run_dir: Path
    base_seed: int
    jobs: int
    results: list[RunResult]
    builds: list[BuildResult]
    elapsed: float
    conformance: Conformance | None = None  # the testplan sign-off, when a testplan applies

    @property
    def ok(self) -> bool:
        return bool(self.results) and all(r.ok for r in self.results)

    @property
    def signed_off(self) -> bool:
        """Every job passed and, when a testplan was evaluated, its sign-off passed."""
        return self.ok and (self.conformance is None or self.conformance.ok)


@dataclass
class Plan:
    """What a regression runs: the whole matrix (before any sharding) and its builds."""

    root: Path
    tb_dir: Path
    tests: list[TestRef]
    base_seed: int
    matrix: list[Job]
    specs: dict[tuple[str, Config], BuildSpec]

    def reruns(self) -> dict[str, str]:
        """Job id -> the command that reruns it."""
        return {
            j.id: run_command(
                self.specs[(j.sim, j.config)], j.test.module, j.test.name, j.seed, self.tb_dir
            )
            for j in self.matrix
        }


def plan(opts: RegressOptions) -> Plan:
    """Discover and select the tests, fix the base seed, make the matrix and the build specs.

    Raises :class:`RegressError` when there is nothing to run.
    """
    root = (opts.root or project_root()).resolve()
    tb_dir = (opts.tb_dir or default_tb_dir(root)).resolve()
    tests = select_tests(discover_tests(tb_dir), opts.tests)
    if not tests:
        what = f" matching {opts.tests!r}" if opts.tests else ""
        raise RegressError(f"no cocotb tests{what} in {tb_dir}/test_*.py")
    base_seed = new_seed() if opts.base_seed is None else opts.base_seed
    matrix = make_matrix(tests, seeds_for(base_seed, opts.seeds), opts.sims, opts.configs)
    specs = {
        (s, c): make_build(
            s,
            c,
            filelist=opts.filelist,
            toplevel=opts.toplevel,
            coverage=opts.coverage and s == "verilator",
            waves=opts.waves,
            root=root,
        )
        for s in opts.sims
        for c in opts.configs
    }
    return Plan(root, tb_dir, tests, base_seed, matrix, specs)
