"""The job and result types every tool passes around (one bottom module, no tool logic).

* :class:`Config` - one parameter configuration of ``ims_ctrl`` (ranges from
  :mod:`imsmodel.regmap`);
* :class:`BuildSpec` / :class:`BuildResult` - one simulator build and its outcome;
* :class:`CaseResult` / :class:`RunResult` - one simulator run (one module, optionally one
  testcase, one seed) and its testcases;
* :class:`JobEntry` - one job of a regression matrix as a run manifest records it;
* :class:`JobResult` - one regression job as the sign-off reports need it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

from imsflow.core.defaults import DEFAULT_TOPLEVEL, SIMULATORS
from imsflow.core.paths import project_root
from imsmodel import regmap

IMS_RANGE = (regmap.IMS_ENTRIES_MIN, regmap.IMS_ENTRIES_MAX)
MSIX_RANGE = (regmap.MSIX_ENTRIES_MIN, regmap.MSIX_ENTRIES_MAX)


# --------------------------------------------------------------------------- configuration


@dataclass(frozen=True, order=True)
class Config:
    """One parameter configuration of ``ims_ctrl``."""

    ims_entries: int = regmap.IMS_ENTRIES_DEFAULT
    msix_entries: int = regmap.MSIX_ENTRIES_DEFAULT

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


DEFAULT_CONFIG = Config(regmap.IMS_ENTRIES_DEFAULT, regmap.MSIX_ENTRIES_DEFAULT)
EDGE_CONFIGS = (
    Config(regmap.IMS_ENTRIES_MIN, regmap.MSIX_ENTRIES_MIN),
    Config(regmap.IMS_ENTRIES_MAX, regmap.MSIX_ENTRIES_MAX),
)
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
    incdirs: tuple[Path, ...] = ()  # from the file list's +incdir+ / -I
    defines: tuple[tuple[str, str], ...] = ()  # from the file list's +define+ / -D

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


@dataclass
class BuildResult:
    spec: BuildSpec
    ok: bool
    log: Path
    seconds: float
    reused: bool = False
    message: str = ""


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
    waves: Path | None = None  # the waveform file (.fst/.vcd) of a --waves run

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
        if self.waves is not None:
            lines.append(f"  waves: {self.waves}")
        if not self.ok:
            lines.append(f"  rerun: {self.rerun}")
        return "\n".join(lines)


# --------------------------------------------------------------------------- regression jobs


@dataclass(frozen=True)
class JobEntry:
    """One job of the matrix as the manifest records it."""

    id: str
    sim: str
    config: str
    module: str
    testcase: str | None
    seed: int
    rerun: str
    shard: int


@dataclass(frozen=True)
class JobResult:
    """One regression job, as the report needs it (from a RunResult or the run's JUnit)."""

    test: str
    module: str
    sim: str
    config: str
    seed: int
    status: str
    message: str = ""
    rerun: str = ""
    log: str = ""

    @property
    def ok(self) -> bool:
        return self.status == "passed"

    @property
    def name(self) -> str:
        return f"{self.sim} {self.config} {self.module}.{self.test} seed={self.seed}"

    @staticmethod
    def from_run(r: RunResult) -> JobResult:
        return JobResult(
            test=r.testcase or r.module,
            module=r.module,
            sim=r.sim,
            config=r.config.name,
            seed=r.seed,
            status=r.status,
            message=r.message,
            rerun=r.rerun,
            log=str(r.log),
        )
