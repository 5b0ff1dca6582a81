"""Merge run folders (the shards of one matrix) into one.

:func:`merge_runs` combines run folders into one (``results.xml``, ``summary.txt``): every job
of the matrix once, in matrix order. A job without a result (its shard died, timed out or was
not given) or with an unreadable one is a failure with its seed and rerun command;
duplicates and results from another matrix are reported.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from imsflow.core.paths import default_tb_dir, project_root
from imsflow.core.types import Config, JobEntry, RunResult
from imsflow.regress.jobs import Regression, RegressOptions
from imsflow.regress.manifest import (
    RESULTS,
    Manifest,
    ShardError,
    options_from_record,
    options_record,
    read_manifest,
    result_from_dict,
    write_manifest,
)
from imsflow.regress.runner import signoff_sources, write_reports
from imsflow.signoff import metadata


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
        root = (opts.root or project_root()).resolve()
        tb_dir = (opts.tb_dir or default_tb_dir(root)).resolve()
        sources = signoff_sources(opts, root, tb_dir)
        extra["options"] = options_record(opts, root, tb_dir)
    merged = Manifest(
        matrix.base_seed, matrix.shards, None, matrix.jobs, workers, elapsed, extra=extra
    )
    write_manifest(out, merged)
    root_dir = (opts.root if opts and opts.root else None) or project_root()
    metadata.write(out, metadata.collect(root_dir.resolve(), matrix.base_seed))
    reg = Regression(out, matrix.base_seed, workers, results, [], elapsed)
    header = "\n".join([*notes, *(f"merge: {n}" for n in outcome.notes)])
    write_reports(
        reg,
        stream,
        preamble=header,
        sources=sources,
        goals=opts.goals if opts is not None else True,
        scope=opts,
        coverage_dirs=[d / "jobs" for d in dirs],
    )
    return reg, outcome
