"""The event source's bursts (`EvtSource.send_many`, what an `EvtBurstItem` issues), edge by edge
without a simulator: the edge callback is called by hand on snapshots the test writes.

A burst is the same as its events sent one by one: queued in order, one per handshake edge, the
same random draws, each event's edge recorded and its `done` set at its handshake (made on
demand, also after the fact).
"""

from __future__ import annotations

import logging
import random
from typing import Any

import cocotb
import pytest
from fake_gpi import Handle

from imstb.bfm import common
from imstb.bfm.clocking import EdgeSampler
from imstb.bfm.evt_source import EvtSource, EvtSourceConfig


class Entity:
    _log = logging.getLogger("test")

    def __init__(self) -> None:
        widths = {"valid": 1, "ready": 1, "ims": 1, "handle": 16, "pasid_valid": 1, "pasid": 20}
        self.pins = {f"evt_{n}": Handle(f"evt_{n}", w) for n, w in widths.items()}
        self.pins["rst_n"] = Handle("rst_n", 1, "1")

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["pins"][name]
        except KeyError:
            raise AttributeError(name) from None

    def __dir__(self) -> list[str]:
        return list(self.pins)


@pytest.fixture
def written(monkeypatch: pytest.MonkeyPatch) -> list[tuple[str, int]]:
    """Four-state writes through cocotb's scheduler, recorded as (pin, value)."""
    log: list[tuple[str, int]] = []
    monkeypatch.setattr(cocotb, "SIM_NAME", "Icarus Verilog", raising=False)
    monkeypatch.setattr(common, "_raw_writes", lambda: False)
    monkeypatch.setattr(common, "_SCHEDULE_WRITE", lambda h, _f, _a, v: log.append((h._path, v)))
    return log


def _source(seed: int = 7, junk: bool = True) -> tuple[EdgeSampler, EvtSource, Entity]:
    ent = Entity()
    s = EdgeSampler(None)
    cfg = EvtSourceConfig(idle_junk=junk)
    src = EvtSource(ent, s, random.Random(seed), cfg, rst_n=ent.rst_n)
    return s, src, ent


def _edge(s: EdgeSampler, src: EvtSource, k: int, ready: int) -> None:
    vals = s.sample_now()
    vals[src.v.key("ready")] = ready
    s.values = vals
    src._edge(k)


def test_burst_is_sent_in_order(written: list[tuple[str, int]]) -> None:
    s, src, _ = _source(junk=False)
    ops = src.send_many([(True, h, None) for h in (3, 1, 2)])
    assert not src.idle
    first = ops[0].done  # asked for before the handshake
    _edge(s, src, 1, 0)  # VALID goes up after edge 1 (gap 0: the first draw)
    for k in (2, 3, 4):
        _edge(s, src, k, 1)
    assert [op.edge for op in ops] == [2, 3, 4]
    assert first.is_set() and ops[2].done.is_set()  # made after the fact: already set
    assert src.idle and src.sent == 3
    handles = [v for pin, v in written if pin == "top.evt_handle"]
    assert handles == [3, 1, 2]


def test_burst_draws_as_single_sends(written: list[tuple[str, int]]) -> None:
    """Same seed, same events: a burst and one-by-one sends make the same junk and gaps."""
    events = [(i % 2 == 0, i, None if i % 3 else 0x12345) for i in range(8)]

    def run(burst: bool) -> list[tuple[int | None, int]]:
        s, src, _ = _source(seed=11)
        src.cfg.gap.hi = 2  # random gaps: draws interleave with the junk
        ops = (
            src.send_many(events) if burst else [src.send_nowait(ims, h, p) for ims, h, p in events]
        )
        for k in range(1, 40):
            _edge(s, src, k, 1)
        return [(op.edge, op.junk_pasid) for op in ops]

    burst = run(True)
    assert all(edge is not None for edge, _ in burst)
    assert burst == run(False)
