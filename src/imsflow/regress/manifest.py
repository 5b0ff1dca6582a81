"""What a run folder records besides its logs: ``manifest.json`` and ``results/<job>.json``.

Every run folder (sharded or not) gets ``manifest.json``, the whole matrix (each job with its
seed, shard and rerun command) written before any job runs, and ``results/<job>.json``, one
file per finished job written (atomically) as soon as it finishes: a shard that dies loses
only the jobs it was running.
"""

from __future__ import annotations

import json
import os
import socket
import sys
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from imsflow.core.types import CaseResult, Config, JobEntry, RunResult
from imsflow.regress.jobs import Job, RegressOptions
from imsflow.regress.shard import Shard, shard_numbers

MANIFEST = "manifest.json"
RESULTS = "results"
FORMAT = "ims-regress-manifest/1"


class ShardError(RuntimeError):
    """Shard folders cannot be merged (no manifest, manifests of different matrices)."""


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
        # the scope decides whether goals are evaluated (imsflow.signoff.verdict)
        "tests": opts.tests,
        "sims": list(opts.sims),
        "configs": [c.name for c in opts.configs],
    }


def options_from_record(record: Mapping[str, Any]) -> RegressOptions:
    """RegressOptions (root, tb_dir and the sign-off inputs) back from :func:`options_record`."""

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
        goals=None if record.get("goals") is None else bool(record["goals"]),
        **_scope_from_record(record),
    )


def _scope_from_record(record: Mapping[str, Any]) -> dict[str, Any]:
    """tests/sims/configs of a record (older manifests lack them: the defaults)."""
    scope: dict[str, Any] = {}
    if record.get("tests"):
        scope["tests"] = str(record["tests"])
    if isinstance(record.get("sims"), list):
        scope["sims"] = [str(s) for s in record["sims"]]
    if isinstance(record.get("configs"), list):
        scope["configs"] = [Config.parse(str(c)) for c in record["configs"]]
    return scope


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
