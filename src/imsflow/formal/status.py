"""``build/formal/status.json``: the last `ims formal` run, for the sign-off report.

One record per job of the job list (jobs not selected are ``not run``): engine, status
(``proved`` for every depth, ``bounded`` to ``depth`` steps, ``failed``, ``timeout``, ``error``,
``not run``), depth, seconds, the failing assertion, plus the commit and time of the run.
A run on a mutant (``--mutant``) or with ``--expect-fail`` writes no status: it is not evidence
about the RTL.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Sequence
from pathlib import Path

from imsflow.core.gitinfo import git_state
from imsflow.formal.jobs import JOBS, FormalResult

FORMAT = "ims-formal-status/1"
STATUS_FILE = "status.json"


def verdict(r: FormalResult) -> str:
    if r.status == "PASS":
        return "proved" if r.depth == 0 else "bounded"
    return {"FAIL": "failed", "TIMEOUT": "timeout"}.get(r.status, "error")


def write_status(out: Path, results: Sequence[FormalResult], root: Path) -> Path:
    by_job = {r.job: r for r in results}
    jobs = []
    for name, job in JOBS.items():
        r = by_job.get(name)
        entry: dict[str, object] = {"job": name, "groups": list(job.groups), "what": job.what}
        if r is None:
            entry.update(engine=job.engine, status="not run", depth=None, time=None)
        else:
            entry.update(
                engine=r.engine,
                status=verdict(r),
                depth=r.depth,
                time=round(r.seconds, 1),
                assertion=r.assertion,
                rules=r.rules,
                detail=r.detail,
            )
        jobs.append(entry)
    data = {
        "format": FORMAT,
        **git_state(root),
        "written": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "epoch": time.time(),
        "command": " ".join(["ims", *sys.argv[1:]]),
        "jobs": jobs,
    }
    out.mkdir(parents=True, exist_ok=True)
    path = out / STATUS_FILE
    path.write_text(json.dumps(data, indent=1) + "\n")
    return path
