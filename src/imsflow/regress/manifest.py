"""Sharded regressions: a deterministic slice of the job matrix per shard, and the merge.

* :class:`Shard` (``K/N``) and :func:`partition`: job ``i`` of the matrix sorted by job id goes to
  shard ``i mod N + 1`` (round-robin on the sorted ids). The job id holds simulator,
  configuration, test and seed, so the split depends only on the matrix, never on dict/set
  order, discovery order or the machine. The matrix must be the same in every shard: seeds come
  from one base seed (``--seed``), which a sharded run therefore needs.
* Every run folder (sharded or not) gets ``manifest.json``, the whole matrix (each job with its
  seed, shard and rerun command) written before any job runs, and ``results/<job>.json``, one
  file per finished job written (atomically) as soon as it finishes: a shard that dies loses
  only the jobs it was running.
* :func:`merge_runs` combines run folders into one (``results.xml``, ``summary.txt``): every job
  of the matrix once, in matrix order. A job without a result (its shard died, timed out or was
  not given) or with an unreadable one is a failure with its seed and rerun command;
  duplicates and results from another matrix are reported.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, TextIO, TypeVar

from imsmodel import sim
from imsmodel.sim import CaseResult, Config, RunResult

if TYPE_CHECKING:
    from imsmodel.regress import Job, Regression, RegressOptions

MANIFEST = "manifest.json"
RESULTS = "results"
FORMAT = "ims-regress-manifest/1"

_T = TypeVar("_T")


class ShardError(RuntimeError):
    """Shard folders cannot be merged (no manifest, manifests of different matrices)."""


# --------------------------------------------------------------------------- partition


@dataclass(frozen=True)
class Shard:
    """Shard ``index`` of ``count`` (1-based, as on the command line: ``--shard 2/4``)."""

    index: int
    count: int

    def __post_init__(self) -> None:
        if self.count < 1 or not 1 <= self.index <= self.count:
            raise ValueError(f"shard {self.index}/{self.count}: need 1 <= K <= N")

    @classmethod
    def parse(cls, text: str) -> Shard:
        parts = text.strip().split("/")
        if len(parts) != 2 or not all(p.strip().isdigit() for p in parts):
            raise ValueError(f"shard {text!r} is not K/N, e.g. 1/4")
        return cls(int(parts[0]), int(parts[1]))

    def __str__(self) -> str:
        return f"{self.index}/{self.count}"


def shard_numbers(ids: Sequence[str], count: int) -> dict[str, int]:
    """Job id -> shard number 1..count: round-robin over the sorted unique ids."""
    if count < 1:
        raise ValueError(f"shard count must be >= 1, got {count}")
    return {job_id: i % count + 1 for i, job_id in enumerate(sorted(set(ids)))}


def partition(ids: Sequence[str], count: int) -> list[list[str]]:
    """The ids of each shard (index 0 is shard 1), each in sorted order."""
    slices: list[list[str]] = [[] for _ in range(count)]
    for job_id, k in sorted(shard_numbers(ids, count).items()):
        slices[k - 1].append(job_id)
    return slices


def select(jobs: Sequence[_T], shard: Shard, key: Callable[[_T], str] | None = None) -> list[_T]:
    """The jobs of ``shard`` in their matrix order (``key(job)`` or ``job.id`` is the job id).

    Raises ValueError when the slice is empty (more shards than jobs).
    """
    get: Callable[[_T], str] = key or (lambda j: str(j.id))  # type: ignore[attr-defined]
    numbers = shard_numbers([get(j) for j in jobs], shard.count)
    picked = [j for j in jobs if numbers[get(j)] == shard.index]
    if not picked:
        raise ValueError(
            f"shard {shard} of a {len(jobs)}-job matrix is empty: use at most {len(jobs)} shards"
        )
    return picked


# --------------------------------------------------------------------------- results on disk


def result_to_dict(job_id: str, r: RunResult) -> dict[str, Any]:
    return {
        "job": job_id,
        "sim": r.sim,
        "config": r.config.name,
        "module": r.module,
        "testcase": r.testcase,
        "seed": r.seed,
        "status": r.status,
        "message": r.message,
        "rerun": r.rerun,
        "log": str(r.log),
        "results_xml": str(r.results_xml),
        "wall_s": r.wall_s,
        "returncode": r.returncode,
        "testcases": [
            {
                "name": c.name,
                "status": c.status,
                "sim_time_ns": c.sim_time_ns,
                "wall_s": c.wall_s,
                "message": c.message,
            }
            for c in r.testcases
        ],
    }


def result_from_dict(d: Mapping[str, Any]) -> RunResult:
    """A RunResult from :func:`result_to_dict`; KeyError/TypeError/ValueError when malformed."""
    testcase = d["testcase"]
    returncode = d.get("returncode")
    return RunResult(
        sim=str(d["sim"]),
        config=Config.parse(str(d["config"])),
        module=str(d["module"]),
        testcase=None if testcase is None else str(testcase),
        seed=int(d["seed"]),
        status=str(d["status"]),
        message=str(d.get("message", "")),
        rerun=str(d.get("rerun", "")),
        log=Path(d["log"]),
        results_xml=Path(d["results_xml"]),
        wall_s=float(d.get("wall_s", 0.0)),
        returncode=None if returncode is None else int(returncode),
        testcases=[
            CaseResult(
                name=str(c["name"]),
                status=str(c["status"]),
                sim_time_ns=float(c.get("sim_time_ns", 0.0)),
                wall_s=float(c.get("wall_s", 0.0)),
                message=str(c.get("message", "")),
            )
            for c in d.get("testcases", [])
        ],
    )


def _write_json(path: Path, data: object) -> None:
    """Write ``data`` as JSON atomically (a reader sees the old file or the whole new one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    tmp.write_text(json.dumps(data, indent=1) + "\n")
    os.replace(tmp, path)


def save_result(run_dir: Path, job_id: str, r: RunResult) -> Path:
    """Write ``results/<job>.json`` of one finished job."""
    path = run_dir / RESULTS / f"{job_id}.json"
    _write_json(path, result_to_dict(job_id, r))
    return path


# --------------------------------------------------------------------------- manifest


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


@dataclass
class Manifest:
    base_seed: int
    shards: int
    shard: Shard | None
    jobs: list[JobEntry]
    workers: int = 0
    elapsed: float | None = None  # set when the run finished
    path: Path | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    @property
    def finished(self) -> bool:
        return self.elapsed is not None

    def same_matrix(self, other: Manifest) -> bool:
        return (
            self.base_seed == other.base_seed
            and self.shards == other.shards
            and [(j.id, j.seed) for j in self.jobs] == [(j.id, j.seed) for j in other.jobs]
        )

    def to_dict(self) -> dict[str, Any]:
        return {
            "format": FORMAT,
            "base_seed": self.base_seed,
            "shards": self.shards,
            "shard": str(self.shard) if self.shard else None,
            "workers": self.workers,
            "elapsed": self.elapsed,
            **self.extra,
            "jobs": [vars(j) for j in self.jobs],
        }


def make_manifest(
    matrix: Sequence[Job],
    reruns: Mapping[str, str],
    base_seed: int,
    shard: Shard | None,
    workers: int = 0,
    shards: int | None = None,
    options: Mapping[str, Any] | None = None,
) -> Manifest:
    """The manifest of a run of ``matrix`` (the whole matrix, also for one shard of it).

    ``shards`` is the shard count when ``shard`` is None (a launcher's top folder); default 1.
    ``options`` (:func:`options_record`) lets a merge sign the merged run off the same way.
    """
    count = shard.count if shard else (shards or 1)
    numbers = shard_numbers([j.id for j in matrix], count)
    jobs = [
        JobEntry(
            id=j.id,
            sim=j.sim,
            config=j.config.name,
            module=j.test.module,
            testcase=j.test.name,
            seed=j.seed,
            rerun=reruns[j.id],
            shard=numbers[j.id],
        )
        for j in matrix
    ]
    extra = {
        "host": socket.gethostname(),
        "pid": os.getpid(),
        "started": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "argv": sys.argv,
    }
    if options is not None:
        extra["options"] = dict(options)
    return Manifest(base_seed, count, shard, jobs, workers, extra=extra)


def options_record(opts: RegressOptions, root: Path, tb_dir: Path) -> dict[str, Any]:
    """The options of a run that its sign-off depends on (for the manifest)."""

    def path(p: Path | None) -> str | None:
        return None if p is None else str(Path(p).resolve())

    return {
        "root": str(root),
        "tb_dir": str(tb_dir),
        "filelist": path(opts.filelist),
        "toplevel": opts.toplevel,
        "coverage": opts.coverage,
        "testplan": path(opts.testplan),
        "waivers": path(opts.waivers),
        "goals": opts.goals,
    }


def options_from_record(record: Mapping[str, Any]) -> RegressOptions:
    """RegressOptions (root, tb_dir and the sign-off inputs) back from :func:`options_record`."""
    from imsmodel.regress import RegressOptions

    def path(key: str) -> Path | None:
        value = record.get(key)
        return None if value is None else Path(value)

    return RegressOptions(
        root=path("root"),
        tb_dir=path("tb_dir"),
        filelist=path("filelist"),
        toplevel=str(record.get("toplevel", "ims_ctrl")),
        coverage=bool(record.get("coverage", True)),
        testplan=path("testplan"),
        waivers=path("waivers"),
        goals=bool(record.get("goals", True)),
    )


def write_manifest(run_dir: Path, manifest: Manifest) -> Path:
    path = run_dir / MANIFEST
    _write_json(path, manifest.to_dict())
    manifest.path = path
    return path


def read_manifest(path: Path) -> Manifest:
    """Read ``manifest.json`` (a file or a run folder); ShardError when missing or malformed."""
    if path.is_dir():
        path = path / MANIFEST
    try:
        data = json.loads(path.read_text())
        if data.get("format") != FORMAT:
            raise ValueError(f"format {data.get('format')!r}, expected {FORMAT!r}")
        shard = Shard.parse(data["shard"]) if data.get("shard") else None
        jobs = [
            JobEntry(
                id=str(j["id"]),
                sim=str(j["sim"]),
                config=str(j["config"]),
                module=str(j["module"]),
                testcase=None if j["testcase"] is None else str(j["testcase"]),
                seed=int(j["seed"]),
                rerun=str(j["rerun"]),
                shard=int(j["shard"]),
            )
            for j in data["jobs"]
        ]
        known = {"format", "base_seed", "shards", "shard", "workers", "elapsed", "jobs"}
        elapsed = data.get("elapsed")
        return Manifest(
            base_seed=int(data["base_seed"]),
            shards=int(data["shards"]),
            shard=shard,
            jobs=jobs,
            workers=int(data.get("workers") or 0),
            elapsed=None if elapsed is None else float(elapsed),
            path=path,
            extra={k: v for k, v in data.items() if k not in known},
        )
    except OSError as exc:
        raise ShardError(f"cannot read {path}: {exc.strerror or exc}") from None
    except (ValueError, KeyError, TypeError, AttributeError) as exc:
        raise ShardError(f"{path}: not a valid run manifest ({exc!r})") from None


# --------------------------------------------------------------------------- merge


@dataclass
class MergeOutcome:
    """What :func:`merge_runs` found besides the results: one line per problem."""

    notes: list[str] = field(default_factory=list)
    missing: list[str] = field(default_factory=list)
    unreadable: list[str] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)

    @property
    def clean(self) -> bool:
        return not (self.missing or self.unreadable or self.duplicates)


def _placeholder(entry: JobEntry, status: str, message: str, log: Path) -> RunResult:
    config = Config.parse(entry.config)
    return RunResult(
        sim=entry.sim,
        config=config,
        module=entry.module,
        testcase=entry.testcase,
        seed=entry.seed,
        status=status,
        message=message,
        rerun=entry.rerun,
        log=log,
        results_xml=log.with_suffix(".xml"),
    )


def merge_runs(
    dirs: Sequence[Path],
    out: Path,
    *,
    expected: Manifest | None = None,
    shard_notes: Mapping[int, str] | None = None,
    notes: Sequence[str] = (),
    elapsed: float | None = None,
    opts: RegressOptions | None = None,
    strict: bool = True,
    stream: TextIO | None = None,
) -> tuple[Regression, MergeOutcome]:
    """Merge run folders into ``out`` (``results.xml``, ``summary.txt``, ``manifest.json``).

    ``expected`` is the matrix (default: the manifests in ``dirs``, which must agree).
    ``shard_notes`` explains per shard number why its results may be missing (a launcher's
    task state); ``notes`` go first in the printed and written summary. The merged run is
    signed off like an unsharded one (testplan, coverage of every folder's ``jobs/``) with
    ``opts`` or else the options recorded in the manifest.
    Raises :class:`ShardError` when no matrix is known or, when ``strict``, the manifests
    disagree (not ``strict``: a folder of another matrix is left out and reported).
    """
    from imsmodel import regress

    stream = stream or sys.stdout
    dirs = [Path(d).resolve() for d in dirs]
    out = Path(out).resolve()
    if out in dirs:
        raise ShardError(f"--out {out} is one of the folders to merge: give a new folder")
    outcome = MergeOutcome()
    manifests: dict[Path, Manifest] = {}
    for d in dirs:
        if not d.is_dir():
            outcome.notes.append(f"{d}: not a folder (its jobs count as missing)")
            continue
        try:
            manifests[d] = read_manifest(d)
        except ShardError as exc:
            outcome.notes.append(f"{exc} (its results are still used)")
    matrix = expected or next(iter(manifests.values()), None)
    if matrix is None:
        raise ShardError(
            "no run manifest in " + ", ".join(str(d) for d in dirs) + ": nothing says what ran"
        )
    bad = [d for d, m in manifests.items() if not m.same_matrix(matrix)]
    if bad and strict:
        raise ShardError(
            "these folders ran a different matrix (base seed, shard count or jobs differ) than "
            f"{matrix.path or 'the expected one'}: " + ", ".join(str(d) for d in bad)
        )
    reasons = dict(shard_notes or {})
    for d in bad:  # not strict: left out, their jobs count as missing
        outcome.notes.append(f"{d}: ran a different matrix than expected; its results are ignored")
        other = manifests.pop(d).shard
        if other is not None:
            reasons.setdefault(other.index, f"{d} ran a different matrix (tests changed?)")
    dirs = [d for d in dirs if d not in bad]
    by_id = {j.id: j for j in matrix.jobs}
    shard_dir: dict[int, Path] = {}
    for d, m in manifests.items():
        if m.shard is not None:
            shard_dir.setdefault(m.shard.index, d)
        if not m.finished:
            what = f"shard {m.shard}" if m.shard else "run"
            outcome.notes.append(f"{d}: the {what} did not finish (no end time in its manifest)")

    found: dict[str, tuple[RunResult, Path]] = {}
    for d in dirs:
        files = sorted((d / RESULTS).glob("*.json")) if d.is_dir() else []
        for f in files:
            job_id = f.stem
            entry = by_id.get(job_id)
            if entry is None:
                outcome.notes.append(f"{f}: job {job_id} is not in the matrix, ignored")
                continue
            try:
                data = json.loads(f.read_text())
                r = result_from_dict(data)
                if data.get("job") != job_id or r.seed != entry.seed:
                    raise ValueError(f"holds job {data.get('job')!r} seed {r.seed}")
            except (OSError, ValueError, KeyError, TypeError, AttributeError) as exc:
                outcome.unreadable.append(job_id)
                msg = f"unreadable result {f}: {exc}"
                r = _placeholder(entry, "unreadable", msg, d / "logs" / f"{job_id}.log")
            if job_id in found:
                first, first_dir = found[job_id]
                outcome.duplicates.append(job_id)
                outcome.notes.append(
                    f"duplicate result of {job_id}: {first.status} in {first_dir}, "
                    f"{r.status} in {d}; counted once"
                    + (" (as the failing one)" if first.ok and not r.ok else "")
                )
                if first.ok and not r.ok:
                    found[job_id] = (r, d)
                continue
            found[job_id] = (r, d)

    results: list[RunResult] = []
    for entry in matrix.jobs:
        if entry.id in found:
            results.append(found[entry.id][0])
            continue
        outcome.missing.append(entry.id)
        where = shard_dir.get(entry.shard)
        label = f"shard {entry.shard}/{matrix.shards}" if matrix.shards > 1 else "the run"
        why = reasons.get(entry.shard) or (
            f"{label} ({where}) did not write it" if where else f"{label} is not among the merged"
        )
        log = (where or out) / "logs" / f"{entry.id}.log"
        results.append(_placeholder(entry, "missing", f"missing result: {why}", log))

    if outcome.missing:
        outcome.notes.append(f"{len(outcome.missing)} jobs have no result (counted as failures)")
    workers = sum(m.workers for m in manifests.values())
    if elapsed is None:
        elapsed = max((m.elapsed or 0.0 for m in manifests.values()), default=0.0)
    out.mkdir(parents=True, exist_ok=True)
    extra: dict[str, Any] = {"merged_from": [str(d) for d in dirs]}
    record = matrix.extra.get("options")
    if opts is None and isinstance(record, Mapping):
        opts = options_from_record(record)
    sources = None
    if opts is not None:
        root = (opts.root or sim.project_root()).resolve()
        tb_dir = (opts.tb_dir or root / "tb").resolve()
        sources = regress.signoff_sources(opts, root, tb_dir)
        extra["options"] = options_record(opts, root, tb_dir)
    merged = Manifest(
        matrix.base_seed, matrix.shards, None, matrix.jobs, workers, elapsed, extra=extra
    )
    write_manifest(out, merged)
    reg = regress.Regression(out, matrix.base_seed, workers, results, [], elapsed)
    header = "\n".join([*notes, *(f"merge: {n}" for n in outcome.notes)])
    regress.write_reports(
        reg,
        stream,
        preamble=header,
        sources=sources,
        goals=opts.goals if opts is not None else True,
        coverage_dirs=[d / "jobs" for d in dirs],
    )
    return reg, outcome
