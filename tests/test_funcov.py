"""Functional coverage merger (imsflow.signoff.funcov) on small hand-written exports."""

from __future__ import annotations

from pathlib import Path

import pytest

from imsflow.signoff import funcov

# The shape cocotb-coverage 2.0's export_to_yaml writes (copied from a real bench export),
# with "bin" in a covergroup, a coverpoint and a bin label on purpose.
EXPORT_A = """\
cg_binary:
  cover_percentage: 25.0
  coverage: 1
  size: 4
  type: <class 'cocotb_coverage.coverage.CoverItem'>
cg_binary.combine_x_bins[IMS-040,IMS-045]:
  at_least: 1
  bins:_hits:
    ('bin0', 'a'): 2
    ('bin0', 'b'): 0
    ('bin1', 'a'): 0
  cover_percentage: 33.33
  coverage: 1
  size: 3
  type: <class 'cocotb_coverage.coverage.CoverPoint'>
  weight: 1
cg_binary.run_length[IMS-090]:
  at_least: 1
  bins:_hits:
    '1': 1
  cover_percentage: 100.0
  coverage: 1
  size: 1
  type: <class 'cocotb_coverage.coverage.CoverPoint'>
  weight: 1
cg_other:
  cover_percentage: 0.0
  coverage: 0
  size: 2
  type: <class 'cocotb_coverage.coverage.CoverItem'>
cg_other.twice:
  at_least: 2
  bins:_hits:
    x: 1
    y: 0
  cover_percentage: 0.0
  coverage: 0
  size: 2
  type: <class 'cocotb_coverage.coverage.CoverPoint'>
  weight: 1
"""

# Another job: more hits, one extra bin (another configuration reaches it), an int label.
EXPORT_B = """\
cg_binary:
  size: 4
cg_binary.combine_x_bins[IMS-040,IMS-045]:
  at_least: 1
  bins:_hits:
    ('bin0', 'b'): 5
    ('bin1', 'a'): 0
    ('bin1', 'b'): 1
cg_binary.run_length[IMS-090]:
  at_least: 1
  bins:_hits:
    1: 3
    16+: 0
cg_other.twice:
  at_least: 2
  bins:_hits:
    x: 1
"""


def _write(tmp_path: Path, name: str, text: str) -> Path:
    p = tmp_path / name
    p.parent.mkdir(parents=True, exist_ok=True)
    p.write_text(text)
    return p


def test_read_export_parses_groups_points_rules(tmp_path: Path) -> None:
    groups, points = funcov.read_export(_write(tmp_path, "a.yml", EXPORT_A))
    assert groups == ["cg_binary", "cg_other"]
    by = {p.name: p for p in points}
    cross = by["cg_binary.combine_x_bins[IMS-040,IMS-045]"]
    assert cross.covergroup == "cg_binary"
    assert cross.label == "combine_x_bins[IMS-040,IMS-045]"
    assert cross.rules == ("IMS-040", "IMS-045")
    assert cross.hits == {"('bin0', 'a')": 2, "('bin0', 'b')": 0, "('bin1', 'a')": 0}
    assert (cross.covered, cross.total) == (1, 3)
    assert by["cg_other.twice"].rules == ()
    assert by["cg_other.twice"].covered == 0  # 1 hit < at_least 2


def test_merge_sums_hits_and_unions_bins(tmp_path: Path) -> None:
    a = _write(tmp_path, "v/a.yml", EXPORT_A)
    b = _write(tmp_path, "i/b.yml", EXPORT_B)
    cov = funcov.merge_files([a, b])
    assert cov.errors == []
    assert cov.files == [a, b]
    g = cov.groups["cg_binary"]
    cross = g.points["cg_binary.combine_x_bins[IMS-040,IMS-045]"]
    assert cross.hits == {
        "('bin0', 'a')": 2,
        "('bin0', 'b')": 5,
        "('bin1', 'a')": 0,
        "('bin1', 'b')": 1,
    }
    assert cross.missing() == ["('bin1', 'a')"]
    run = g.points["cg_binary.run_length[IMS-090]"]
    assert run.hits == {"1": 4, "16+": 0}  # int label 1 and string '1' are the same bin
    # metric: covered bins / all bins, per group and in total (not a mean of percentages)
    assert (g.covered, g.total) == (4, 6)
    twice = cov.groups["cg_other"].points["cg_other.twice"]
    assert twice.hits == {"x": 2, "y": 0}
    assert (cov.groups["cg_other"].covered, cov.groups["cg_other"].total) == (1, 2)
    assert (cov.covered, cov.total) == (5, 8)
    assert cov.pct == pytest.approx(62.5)
    assert g.rules == ("IMS-040", "IMS-045", "IMS-090")


def test_merge_is_order_independent_and_associative(tmp_path: Path) -> None:
    a = _write(tmp_path, "a.yml", EXPORT_A)
    b = _write(tmp_path, "b.yml", EXPORT_B)
    ab = funcov.merge_files([a, b])
    ba = funcov.merge_files([b, a])
    assert {p.name: p.hits for p in ab.points()} == {p.name: p.hits for p in ba.points()}
    # merged result written and merged again with a copy of A equals merging A, B, A
    merged = funcov.write_export(ab, tmp_path / "out" / "funcov.json")
    again = funcov.merge_files([merged, a])
    direct = funcov.merge_files([a, b, a])
    assert {p.name: (p.hits, p.at_least) for p in again.points()} == {
        p.name: (p.hits, p.at_least) for p in direct.points()
    }
    assert set(again.groups) == set(direct.groups)


def test_unreadable_export_is_an_error_not_a_crash(tmp_path: Path) -> None:
    good = _write(tmp_path, "good.yml", EXPORT_A)
    bad = _write(tmp_path, "bad.yml", "cg: [unclosed\n")
    shape = _write(tmp_path, "shape.yml", "- 1\n- 2\n")
    neg = _write(tmp_path, "neg.yml", "cg.p:\n  bins:_hits:\n    a: -1\n")
    cov = funcov.merge_files([good, bad, shape, neg])
    assert cov.files == [good]
    assert len(cov.errors) == 3
    assert all(str(p) in e for p, e in zip([bad, shape, neg], cov.errors, strict=True))
    with pytest.raises(funcov.FuncovError):
        funcov.read_export(tmp_path / "missing.yml")


def test_empty_inputs() -> None:
    cov = funcov.merge_files([])
    assert (cov.covered, cov.total, cov.pct) == (0, 0, 0.0)  # no data is not 100 %


def test_find_exports(tmp_path: Path) -> None:
    _write(tmp_path, "jobs/j1/cov/verilator-64x9/t_1.yml", EXPORT_A)
    _write(tmp_path, "jobs/j2/cov/icarus-1x1/t_2.yaml", EXPORT_B)
    _write(tmp_path, "jobs/j2/results.xml", "<x/>")
    found = funcov.find_exports(tmp_path / "jobs")
    assert [p.name for p in found] == ["t_1.yml", "t_2.yaml"]
    assert funcov.find_exports(tmp_path / "nothing") == []


def test_real_bench_export_shape(tmp_path: Path) -> None:
    """The bench's own export: cocotb-coverage's writer on a tiny database, when installed."""
    cc = pytest.importorskip("cocotb_coverage.coverage")
    point = cc.CoverPoint("cg_bintest.kind_x_binary[IMS-053]", bins=[("bin", 1), ("b", 2)])

    @point
    def sample(label: object) -> None:
        pass

    sample(("bin", 1))
    sample(("bin", 1))
    out = tmp_path / "t_1.yml"
    try:
        cc.coverage_db.export_to_yaml(str(out))
    finally:
        for key in [k for k in cc.coverage_db if k.startswith("cg_bintest")]:
            del cc.coverage_db[key]
    cov = funcov.merge_files([out])
    p = cov.groups["cg_bintest"].points["cg_bintest.kind_x_binary[IMS-053]"]
    assert p.hits == {"('bin', 1)": 2, "('b', 2)": 0}
    assert p.rules == ("IMS-053",)
