"""`make soak`'s totals (scripts/soak.py): the per-class counts of every job's ROBUST-COUNTS
report are summed; no simulator."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from types import ModuleType, SimpleNamespace
from typing import Any

ROOT = Path(__file__).resolve().parents[1]


def _soak() -> ModuleType:
    spec = importlib.util.spec_from_file_location("soak", ROOT / "scripts" / "soak.py")
    assert spec is not None and spec.loader is not None
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def _report(folder: Path, name: str, classes: dict[str, tuple[int, int]]) -> None:
    folder.mkdir(parents=True, exist_ok=True)
    rec = {
        "test": name,
        "classes": {k: {"tried": t, "delivered": d} for k, (t, d) in classes.items()},
    }
    (folder / f"{name}.json").write_text(json.dumps(rec) + "\n")


def test_totals_sum_over_jobs_and_rounds(tmp_path: Path) -> None:
    soak = _soak()
    _report(tmp_path / "round-1", "a", {"masked": (10, 0), "cross-PASID": (5, 0)})
    _report(tmp_path / "round-2", "b", {"masked": (7, 0), "reassignments": (200, 0)})
    _report(tmp_path / "round-2", "c", {"cross-PASID": (1, 1)})
    totals, files = soak._totals(tmp_path)
    assert files == 3
    assert totals["masked"] == {"tried": 17, "delivered": 0}
    assert totals["cross-PASID"] == {"tried": 6, "delivered": 1}
    assert totals["reassignments"] == {"tried": 200, "delivered": 0}


def test_report_counts_file_is_what_soak_reads(tmp_path: Path, monkeypatch: Any) -> None:
    """The file a robustness test writes (`imstb.robust.common.report_counts`) is totalled."""
    from imstb.robust import common

    monkeypatch.setenv(common.COUNTS_DIR_ENV, str(tmp_path / "counts"))
    env = SimpleNamespace(n=64, m=9, seed=5)
    common.report_counts(env, "t", {"out-of-range": (3, 0), "reassignments": (9, 0)})  # type: ignore[arg-type]
    totals, files = _soak()._totals(tmp_path / "counts")
    assert files == 1
    assert totals == {
        "out-of-range": {"tried": 3, "delivered": 0},
        "reassignments": {"tried": 9, "delivered": 0},
    }


def test_main_totals_subclasses_once(tmp_path: Path, capsys: Any, monkeypatch: Any) -> None:
    """The printed all-classes total counts a "class, subclass" report line once (in its class);
    any delivery fails the soak."""
    soak = _soak()
    counts = tmp_path / "out" / "counts" / "round-1"
    _report(counts, "a", {"masked": (10, 0), "cross-PASID": (5, 0), "cross-PASID, one_bit": (3, 0)})
    monkeypatch.setattr(soak, "_round", lambda *a, **k: ([{"status": "passed"}], False, 1.0))
    rc = soak.main(["--minutes", "0", "--out", str(tmp_path / "out"), "--counting", ""])
    out = capsys.readouterr().out
    assert rc == 0 and "forbidden events, all classes: 15 tried" in out
    assert "cross-PASID, one_bit: 3 tried, 0 delivered" in out and "SOAK: PASS" in out
    _report(counts, "b", {"masked": (1, 1)})
    assert soak.main(["--minutes", "0", "--out", str(tmp_path / "out"), "--counting", ""]) == 1
