"""``build/mutate/summary.json``: the score of the last `ims mutate` run and its survivors.

The sign-off report shows it (score, target, counts, every survivor with the verdict and reason
of ``docs/mutation_analysis.hjson``), with the commit and time of the run.
"""

from __future__ import annotations

import json
import sys
import time
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

from imsflow.core.gitinfo import git_state
from imsflow.mutate.analysis import score
from imsflow.mutate.mutants import MutantResult

FORMAT = "ims-mutate-summary/1"
SUMMARY_FILE = "summary.json"


def write_summary(
    out: Path,
    results: Sequence[MutantResult],
    analysis: Mapping[str, Mapping[str, str]],
    pct: float,
    target: float,
    root: Path,
    setup: Mapping[str, Any],
) -> Path:
    """Write ``out/summary.json``; ``setup``: simulator, configuration, modules, count..."""
    survivors = [
        {
            "id": r.mutant.id,
            "before": r.mutant.before,
            "after": r.mutant.after,
            "verdict": analysis.get(r.mutant.id, {}).get("verdict", "not analysed"),
            "reason": analysis.get(r.mutant.id, {}).get("reason", ""),
        }
        for r in results
        if r.status == "survived"
    ]
    data = {
        "format": FORMAT,
        **git_state(root),
        "written": time.strftime("%Y-%m-%dT%H:%M:%S%z"),
        "epoch": time.time(),
        "command": " ".join(["ims", *sys.argv[1:]]),
        **dict(setup),
        "mutants": len(results),
        "counts": score(results, dict(analysis)),  # type: ignore[arg-type]
        "score_pct": round(pct, 2),
        "target_pct": target,
        "survivors": survivors,
    }
    out.mkdir(parents=True, exist_ok=True)
    path = out / SUMMARY_FILE
    path.write_text(json.dumps(data, indent=1) + "\n")
    return path
