"""Verilator code coverage merger (imsflow.signoff.codecov): synthetic coverage.dat text, waivers,
and one real coverage.dat from a tiny Verilator run (marked sim)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from imsflow import sim
from imsflow.signoff import codecov


def key(**fields: object) -> str:
    order = ["f", "l", "n", "t", "page", "o", "S", "h"]
    return "".join(f"\x01{k}\x02{fields[k]}" for k in order if k in fields)


def pt(f: str, line: int, t: str, o: str, h: str = "top", n: int = 1, count: int = 0) -> str:
    return f"C '{key(f=f, l=line, n=n, t=t, page=f'v_{t}/m', o=o, h=h)}' {count}"


def dat(*lines: str) -> str:
    return "\n".join([codecov.HEADER, *lines]) + "\n"


A = dat(
    pt("/r/rtl/a.v", 10, "line", "block", count=5),
    pt("/r/rtl/a.v", 11, "branch", "if", count=0),
    pt("/r/rtl/a.v", 11, "branch", "else", n=2, count=3),
    pt("/r/rtl/a.v", 20, "expr", "(x==1) => 1", count=0),
    pt("/r/rtl/a.v", 3, "toggle", "data[0]:0->1", count=1),
    pt("/r/rtl/a.v", 3, "toggle", "data[0]:1->0", count=0),
    # a comment with a quote inside, as Verilator writes for constants
    pt("/r/rtl/b.v", 7, "expr", "({32'h1{x}}[0]==0) => 0", count=2),
    pt("/r/rtl/b.v", 8, "line", "block", h="top.u0", count=0),
    pt("/r/rtl/b.v", 8, "line", "block", h="top.u1", count=0),
)
B = dat(
    pt("/r/rtl/a.v", 11, "branch", "if", count=2),
    pt("/r/rtl/b.v", 8, "line", "block", h="top.u1", count=1),
    pt("/r/rtl/b.v", 9, "line", "elsif", count=0),
)


def test_parse_key_and_dat() -> None:
    fields = codecov.parse_key("\x01f\x02a.v\x01l\x0210\x01comment\x02x:0->1\x01t\x02toggle")
    assert fields == {"f": "a.v", "l": "10", "o": "x:0->1", "t": "toggle"}
    raw = codecov.parse_dat(A)
    assert len(raw) == 9
    quoted = next(k for k in raw if "32'h1" in k)
    assert raw[quoted] == 2
    # repeated keys in one file add up
    assert sum(codecov.parse_dat(dat(pt("f.v", 1, "line", "block", count=2)) * 2).values()) == 4
    with pytest.raises(codecov.CodecovError, match="not a Verilator coverage line"):
        codecov.parse_dat("C broken\n", "x.dat")


def test_merge_sums_counts_and_classifies(tmp_path: Path) -> None:
    (tmp_path / "j1").mkdir()
    (tmp_path / "j2").mkdir()
    (tmp_path / "j1" / "coverage.dat").write_text(A)
    (tmp_path / "j2" / "coverage.dat").write_text(B)
    files = codecov.find_dat_files(tmp_path)
    assert [p.parent.name for p in files] == ["j1", "j2"]
    cov = codecov.merge_files(files, root=Path("/r"))
    assert cov.errors == []
    assert set(cov.files) == {"rtl/a.v", "rtl/b.v"}
    a = cov.files["rtl/a.v"].tallies
    # line = line + branch items: block (5), if (0+2), else (3) -> 3/3
    assert (a["line"].covered, a["line"].total) == (3, 3)
    assert (a["toggle"].covered, a["toggle"].total) == (1, 2)
    assert (a["expr"].covered, a["expr"].total) == (0, 1)
    b = cov.files["rtl/b.v"].tallies
    # the two instances of line 8 are one item, covered by u1 in the second job
    assert (b["line"].covered, b["line"].total) == (1, 2)
    assert (cov.line.covered, cov.line.total) == (4, 5)
    assert cov.line.pct == pytest.approx(80.0)
    assert [i.point.line for i in cov.files["rtl/b.v"].uncovered] == [9]


def test_merged_file_round_trips(tmp_path: Path) -> None:
    raw = codecov.parse_dat(A)
    raw.update(codecov.parse_dat(B))
    out = codecov.write_dat(raw, tmp_path / "merged.dat")
    again = codecov.parse_dat(out.read_text())
    assert again == raw
    # merging the merged file with B again equals merging A, B, B
    (tmp_path / "b.dat").write_text(B)
    m1 = codecov.merge_files([out, tmp_path / "b.dat"])
    (tmp_path / "a.dat").write_text(A)
    m2 = codecov.merge_files([tmp_path / "a.dat", tmp_path / "b.dat", tmp_path / "b.dat"])
    assert m1.raw == m2.raw


def test_threshold_is_honoured() -> None:
    text = dat("C '" + key(f="t.v", l=1, n=1, t="line", o="block") + "\x01s\x023' 2")
    cov = codecov.summarize(codecov.parse_dat(text))
    assert (cov.line.covered, cov.line.total) == (0, 1)


WAIVERS = """
{
  // hjson: comments allowed
  waivers: [
    {
      file: "rtl/b.v"
      type: "line"
      lines: "9"
      reason: "elsif arm only reachable with a parameter the kit never builds"
    }
    {
      file: "*/a.v"
      type: toggle
      signal: "data[*]"
      reason: "constant data bus in this configuration, tied off at the top"
    }
    {
      file: "rtl/none.v"
      type: any
      lines: [1, "5-6"]
      reason: "a stale waiver: matches nothing and is reported as unused"
    }
  ]
}
"""


def test_waivers_apply_and_unused_are_reported(tmp_path: Path) -> None:
    path = tmp_path / "w.hjson"
    path.write_text(WAIVERS)
    waivers = codecov.load_waivers(path)
    assert [w.index for w in waivers] == [1, 2, 3]
    assert waivers[2].lines == frozenset({1, 5, 6})
    raw = codecov.parse_dat(A)
    raw.update(codecov.parse_dat(B))
    cov = codecov.summarize(raw, waivers, root=Path("/r"))
    b = cov.files["rtl/b.v"].tallies["line"]
    assert (b.covered, b.total, b.waived) == (1, 1, 1)
    t = cov.files["rtl/a.v"].tallies["toggle"]
    assert (t.covered, t.total, t.waived) == (0, 0, 2)
    assert (cov.line.covered, cov.line.total) == (4, 4)
    assert cov.waiver_hits == {1: 1, 2: 2}
    assert [w.index for w in cov.unused_waivers()] == [3]
    assert "lines 1-6" in waivers[2].label()


def test_brackets_in_signal_patterns_are_literal() -> None:
    w = codecov.parse_waivers(
        {
            "waivers": [
                {"file": "*", "type": "toggle", "signal": "d[1]", "reason": "bit one is a tie-off"}
            ]
        }
    )[0]
    p1 = codecov.Point("x.v", 1, 1, "toggle", "d[1]:0->1")
    p0 = codecov.Point("x.v", 1, 1, "toggle", "d[0]:0->1")
    assert w.matches(p1, "x.v")
    assert not w.matches(p0, "x.v")


@pytest.mark.parametrize(
    ("entry", "problem"),
    [
        ({"file": "a.v", "type": "line", "lines": 3}, "'reason' is mandatory"),
        ({"file": "a.v", "type": "line", "lines": 3, "reason": "  n/a "}, "'reason' is mandatory"),
        ({"type": "line", "lines": 3, "reason": "a good enough reason"}, "'file'"),
        ({"file": "a.v", "type": "lines", "lines": 3, "reason": "a good enough reason"}, "'type'"),
        ({"file": "a.v", "type": "line", "reason": "a good enough reason"}, "whole file"),
        ({"file": "a.v", "type": "line", "lines": "9-3", "reason": "a good reason"}, "lines must"),
        ({"file": "a.v", "type": "line", "line": 1, "why": "x", "reason": "a good one"}, "unknown"),
    ],
)
def test_waiver_validation(entry: dict[str, object], problem: str) -> None:
    with pytest.raises(codecov.WaiverError, match=problem):
        codecov.parse_waivers({"waivers": [entry]}, "w.hjson")


def test_waiver_validation_lists_every_problem() -> None:
    with pytest.raises(codecov.WaiverError) as err:
        codecov.parse_waivers({"waivers": [{"file": "a.v"}, "x"]})
    text = str(err.value)
    assert "waiver #1" in text and "waiver #2" in text and "'reason'" in text


def test_repository_waiver_file_is_valid() -> None:
    path = sim.project_root() / "docs" / "coverage_waivers.hjson"
    waivers = codecov.load_waivers(path)
    assert path.is_file()
    assert all(len(w.reason) >= codecov.MIN_REASON for w in waivers)


def test_unreadable_file_is_an_error(tmp_path: Path) -> None:
    bad = tmp_path / "coverage.dat"
    bad.write_text("garbage\n")
    cov = codecov.merge_files([bad, tmp_path / "missing.dat"])
    assert len(cov.errors) == 2
    assert cov.inputs == []


@pytest.mark.sim
def test_real_coverage_dat_from_a_tiny_verilator_run(tmp_path: Path) -> None:
    """Build the RTL with --coverage at 1x1, run one smoke test, read the coverage.dat."""
    try:
        sim.check_simulator("verilator")
    except sim.SimulatorMissingError as exc:
        pytest.fail(str(exc))
    spec = sim.make_build("verilator", sim.Config(1, 1), coverage=True)
    r = sim.run_test(spec, "test_smoke", testcase="reset_values", seed=1, test_dir=tmp_path / "j")
    assert r.ok, r.describe()
    dats = codecov.find_dat_files(tmp_path)
    assert [p.name for p in dats] == ["coverage.dat"]
    cov = codecov.merge_files(dats, root=sim.project_root())
    assert cov.errors == []
    names = {os.path.basename(f) for f in cov.files}
    assert {"ims_ctrl.v", "ims_core.v", "ims_axil_slave.v", "ims_msg_out.v"} <= names
    assert cov.line.total > 20 and 0 < cov.line.covered < cov.line.total
    assert cov.toggle.total > 100 and cov.toggle.covered > 0
    # every point is one of the kinds we classify; nothing lands in 'other'
    assert all(f.tallies["other"].total == 0 for f in cov.files.values())
