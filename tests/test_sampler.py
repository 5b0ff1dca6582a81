"""The shared edge sampler of `imstb.bfm.clocking` and the BFMs' SignalWriter, without a simulator.

Fake handles stand for cocotb's: `_handle` is the raw GPI object the sampler reads in one pass
(bit strings on a four-state simulator, integers on a two-state one). What is checked is what
every component relies on: one snapshot per edge indexed by the slot `watch_signal` returned,
X/Z read as None (and `unresolved` saying so), 32-bit values non-negative, wide values whole,
and writes made only when a value changes, through the path the simulator allows.
"""

from __future__ import annotations

from typing import Any

import cocotb
import pytest
from fake_gpi import Handle

from imstb.bfm import clocking, common
from imstb.bfm.clocking import EdgeSampler
from imstb.bfm.common import SignalWriter


@pytest.fixture
def four_state(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cocotb, "SIM_NAME", "Icarus Verilog", raising=False)


@pytest.fixture
def two_state(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cocotb, "SIM_NAME", "Verilator", raising=False)


def _watch(s: EdgeSampler, *handles: Handle) -> list[int]:
    return [s.watch_signal(h._path, h) for h in handles]


def test_slots_are_stable_and_idempotent(four_state: None) -> None:
    s = EdgeSampler(None)
    a, b = Handle("a", 1), Handle("b", 8)
    sa, sb = _watch(s, a, b)
    assert (sa, sb) == (0, 1)
    assert s.watch_signal(a._path, a) == sa  # watched twice: one slot
    assert s.slot("top.b") == sb
    assert s.names == ["top.a", "top.b"]


def test_four_state_values_x_and_memo(four_state: None) -> None:
    s = EdgeSampler(None)
    a, d, w = Handle("a", 1, "1"), Handle("d", 8, "00101010"), Handle("w", 64, "1" + "0" * 63)
    sa, sd, sw = _watch(s, a, d, w)
    snap = s.sample_now()
    assert (snap[sa], snap[sd], snap[sw]) == (1, 42, 1 << 63)
    assert not s._snap_unresolved
    assert s.sample_now() == snap  # the same strings again: from the memo
    d._handle.bits = "0010x010"  # X anywhere: None, and the snapshot says it may hold None
    snap = s.sample_now()
    assert snap[sd] is None and snap[sa] == 1
    assert s._snap_unresolved
    d._handle.bits = "00000111"  # a string not seen before, after an X
    snap = s.sample_now()
    assert snap[sd] == 7 and not s._snap_unresolved
    d._handle.bits = "zzzzzzzz"
    assert s.sample_now()[sd] is None  # an X/Z string remembered as such


def test_two_state_integers(two_state: None) -> None:
    s = EdgeSampler(None)
    b = Handle("b", 1, "1")
    d32 = Handle("d32", 32, "1" + "0" * 30 + "1")  # MSB set: the GPI integer is negative
    w64 = Handle("w64", 64, "1" * 64)
    sb, sd, sw = _watch(s, b, d32, w64)
    snap = s.sample_now()
    assert snap[sb] == 1
    assert snap[sd] == 0x80000001
    assert snap[sw] == (1 << 64) - 1
    assert not s._snap_unresolved


def test_handles_without_raw_access(four_state: None) -> None:
    """A handle with no GPI object is read through `str(handle.value)` (no bulk read)."""

    class Plain:
        _path = "top.p"

        def __init__(self, bits: str) -> None:
            self.value = bits

        def __len__(self) -> int:
            return len(self.value)

    s = EdgeSampler(None)
    a = Handle("a", 4, "0011")
    sa = s.watch_signal(a._path, a)
    sp = s.watch_signal("top.p", Plain("1x"))
    snap = s.sample_now()
    assert snap[sa] == 3 and snap[sp] is None and s._snap_unresolved


def test_bus_view_reads_the_published_snapshot(four_state: None) -> None:
    from cocotb_bus.bus import Bus

    class Entity:
        _log = __import__("logging").getLogger("test")

        def __init__(self) -> None:
            self.x_valid = Handle("x_valid", 1, "1")
            self.x_data = Handle("x_data", 8, "00000101")

        def __dir__(self) -> list[str]:
            return ["x_valid", "x_data"]

    s = EdgeSampler(None)
    view = s.watch(Bus(Entity(), "x", ["valid", "data"]))
    s.values = s.sample_now()
    assert view.bit("valid") and view("data") == 5
    assert s.values[view.key("data")] == 5


def test_signal_writer_scheduled(monkeypatch: pytest.MonkeyPatch) -> None:
    """Without trusted inertial writes (Icarus) a change goes to cocotb's write scheduler."""
    calls: list[tuple[Any, Any, Any, int]] = []
    monkeypatch.setattr(common, "_raw_writes", lambda: False)
    monkeypatch.setattr(common, "_SCHEDULE_WRITE", lambda *a: calls.append(a))
    h = Handle("s", 8)
    w = SignalWriter(h, 0)
    assert h.assigned == [0]  # the initial value through cocotb's setter
    w.put(0)
    w.put(5)
    w.put(5)
    assert [c[3] for c in calls] == [5] and calls[0][0] is h
    assert calls[0][1] == h._handle.set_signal_val_int and w.last == 5


def test_signal_writer_raw(monkeypatch: pytest.MonkeyPatch) -> None:
    """With trusted inertial writes (Verilator) a change is deposited at once."""
    monkeypatch.setattr(common, "_raw_writes", lambda: True)
    h = Handle("s", 4)
    w = SignalWriter(h, 1)
    w.put(1)
    w.put(9)
    assert h._handle.writes == [(common._DEPOSIT, 9)]


def test_two_state_follows_the_simulator(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(cocotb, "SIM_NAME", "Verilator", raising=False)
    assert clocking.two_state()
    monkeypatch.setattr(cocotb, "SIM_NAME", "Icarus Verilog", raising=False)
    assert not clocking.two_state()
