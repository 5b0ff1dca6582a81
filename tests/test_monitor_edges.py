"""`ImsMonitor`'s two kinds of listeners, edge by edge without a simulator: snapshots written by the
test, the monitor's edge callback called by hand.

Per-transaction listeners (`on_txn`, `edge_done`: the directed env's scoreboard, the robustness
tests' trackers) and per-edge listeners (`EdgeTxns`: the UVM port monitor) must see the same
transactions in the same order; an `EdgeTxns` splits them by port and counts the register
responses of its edge, and an edge with nothing to report is not sent.
"""

from __future__ import annotations

import logging
from typing import Any

import cocotb
import pytest
from fake_gpi import Handle

from imstb.bfm.axil_master import SIGNALS as S_SIGNALS
from imstb.bfm.axil_sink import SIGNALS as M_SIGNALS
from imstb.bfm.clocking import EdgeSampler
from imstb.bfm.evt_source import SIGNALS as E_SIGNALS
from imstb.bfm.monitors import (
    EdgeTxns,
    EvtTxn,
    ImsMonitor,
    MsgAccept,
    MsgAw,
    MsgB,
    MsgW,
    RegWrite,
    Txn,
)

WIDTHS = {"awaddr": 16, "araddr": 16, "wdata": 32, "rdata": 32, "handle": 16, "pasid": 20}


class Dut:
    _log = logging.getLogger("test")

    def __init__(self) -> None:
        names = [f"s_axil_{n}" for n in S_SIGNALS] + [f"m_axil_{n}" for n in M_SIGNALS]
        names += [f"evt_{n}" for n in E_SIGNALS] + ["rst_n"]
        self.pins: dict[str, Handle] = {}
        for name in names:
            tail = name.rsplit("_", 1)[-1]
            width = WIDTHS.get(tail, 1)
            width = 64 if name == "m_axil_awaddr" else width
            width = {"prot": 3, "strb": 4, "resp": 2}.get(tail, width)
            self.pins[name] = Handle(name, width)

    def __getattr__(self, name: str) -> Any:
        try:
            return self.__dict__["pins"][name]
        except KeyError:
            raise AttributeError(name) from None

    def __getitem__(self, name: str) -> Handle:
        return self.pins[name]

    def __dir__(self) -> list[str]:
        return list(self.pins)


class PerTxn:
    def __init__(self) -> None:
        self.edges: list[tuple[int, list[Txn]]] = []
        self._cur: list[Txn] = []

    def on_txn(self, txn: Txn) -> None:
        self._cur.append(txn)

    def edge_done(self, k: int) -> None:
        self.edges.append((k, self._cur))
        self._cur = []


@pytest.fixture
def rig(monkeypatch: pytest.MonkeyPatch) -> tuple[EdgeSampler, ImsMonitor, Dut]:
    monkeypatch.setattr(cocotb, "SIM_NAME", "Icarus Verilog", raising=False)
    dut = Dut()
    s = EdgeSampler(None)
    mon = ImsMonitor(dut, s)
    return s, mon, dut


def _edge(s: EdgeSampler, mon: ImsMonitor, dut: Dut, k: int, **pins: int) -> None:
    for name, h in dut.pins.items():
        h._handle.bits = format(pins.get(name, 0), f"0{h._handle.width}b")
    s.values = s.sample_now()
    s.unresolved = s._snap_unresolved
    mon._edge(k)


def test_both_listener_kinds_see_the_same(rig: tuple[EdgeSampler, ImsMonitor, Dut]) -> None:
    s, mon, dut = rig
    per_txn = PerTxn()
    bundles: list[EdgeTxns] = []
    mon.add_listener(per_txn)
    mon.add_edge_listener(bundles.append)
    idle = {"rst_n": 1, "m_axil_bready": 1, "s_axil_bready": 1, "s_axil_rready": 1}
    _edge(s, mon, dut, 1)  # first reset edge: a ResetTxn
    _edge(s, mon, dut, 2, **idle)  # out of reset, nothing happens: no bundle
    _edge(s, mon, dut, 3, **idle, evt_valid=1, evt_ready=1, evt_ims=1, evt_handle=5)
    msg = {"m_axil_awvalid": 1, "m_axil_awready": 1, "m_axil_awaddr": 0xFEE01000}
    msg |= {"m_axil_wvalid": 1, "m_axil_wready": 1, "m_axil_wdata": 0x31, "m_axil_wstrb": 0xF}
    wr = {"s_axil_awvalid": 1, "s_axil_awready": 1, "s_axil_awaddr": 0x8000}
    wr |= {"s_axil_wvalid": 1, "s_axil_wready": 1, "s_axil_wdata": 7, "s_axil_wstrb": 0xF}
    _edge(s, mon, dut, 4, **idle, **msg, **wr)  # message AW+W, and a register write commit
    _edge(s, mon, dut, 5, **idle, m_axil_bvalid=1)  # message B
    _edge(s, mon, dut, 6, **idle, s_axil_bvalid=1)  # register B: a response, no transaction
    _edge(s, mon, dut, 7, **idle)

    assert [b.edge for b in bundles] == [1, 3, 4, 5, 6]
    by_edge = dict(per_txn.edges)
    assert sorted(by_edge) == [1, 2, 3, 4, 5, 6, 7]
    for b in bundles:
        assert b.txns == by_edge[b.edge]  # the same objects, in the same order
    reset, event, both, b_edge, resp = bundles
    assert reset.reset is not None and not reset.msgs
    assert isinstance(event.event, EvtTxn) and event.event.handle == 5 and event.event.ims
    kinds = [type(t) for t in both.txns]
    assert kinds == [MsgAw, MsgW, MsgAccept, RegWrite]  # message port first, then the step
    assert both.msgs == both.txns[:3] and both.regs == both.txns[3:]
    acc = both.txns[2]
    assert isinstance(acc, MsgAccept) and acc.aw is both.txns[0] and acc.w is both.txns[1]
    assert [type(t) for t in b_edge.msgs] == [MsgB]
    assert resp.txns == [] and resp.responses == 1
    wr_txn = both.regs[0]
    assert isinstance(wr_txn, RegWrite) and wr_txn.resp == "OKAY" and wr_txn.b_edge == 6
    assert not mon.errors


def test_payload_held_only_while_stalled(rig: tuple[EdgeSampler, ImsMonitor, Dut]) -> None:
    """A stalled transfer whose payload changes is a protocol error; one taken at once needs no
    copy of its payload, and a new payload at the next transfer is fine."""
    s, mon, dut = rig
    mon.strict = False
    mon.log = logging.getLogger("quiet")
    mon.log.disabled = True
    idle = {"rst_n": 1, "m_axil_bready": 1}
    _edge(s, mon, dut, 1)
    _edge(s, mon, dut, 2, **idle, evt_valid=1, evt_ready=1, evt_handle=1)
    _edge(s, mon, dut, 3, **idle, evt_valid=1, evt_ready=1, evt_handle=2)
    assert not mon.errors
    _edge(s, mon, dut, 4, **idle, evt_valid=1, evt_ready=0, evt_handle=3)  # stalled
    _edge(s, mon, dut, 5, **idle, evt_valid=1, evt_ready=0, evt_handle=4)  # changed: error
    assert len(mon.errors) == 1 and "evt_valid: payload ['handle']" in mon.errors[0]
