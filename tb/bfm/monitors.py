"""Passive monitors of every `ims_ctrl` port, on the shared `EdgeSampler` edge counter.

One edge callback (`ImsMonitor`) runs all monitors in a fixed order, so the transactions of one
edge k are reported in this order: message AW, message W, message accept (the later of its AW/W
handshakes), message B, then the steps of edge k (register write commit, register read AR, event).
Register write B and read R responses are filled into the earlier `RegWrite`/`RegRead` objects
when they arrive. After the edge, every listener's `edge_done(k)` runs: by then everything with an
edge <= k has been reported.

Protocol checks (raise `ProtocolError`, or collect when `strict=False`; violations of rules listed
in `waive` are only logged, to triage further failures behind a known bug):

* per valid/ready channel: VALID must not drop before READY; payload stable while VALID && !READY;
* no X/Z on any DUT output from the edge after the first reset edge on (IMS-010), and every
  VALID/READY output 0 while in reset (IMS-010);
* IMS-012: AW and W of one register write handshake at the same edge;
* IMS-014: at most one B and one R outstanding; no response without a request;
* IMS-081: at most one of {write commit, AR handshake, event handshake} per edge;
* messages: B only after the write's AW and W; B with no write in flight is reported as ignored
  (IMS-074) and not forwarded.
"""

from __future__ import annotations

import logging
from collections import deque
from dataclasses import dataclass
from typing import Any, Protocol

from bfm.clocking import BusView, EdgeSampler
from bfm.common import ProtocolError, resp_name

__all__ = [
    "DUT_OUTPUTS",
    "DUT_VALID_READY_OUTPUTS",
    "ChannelChecker",
    "EvtTxn",
    "ImsMonitor",
    "MsgAccept",
    "MsgAw",
    "MsgB",
    "MsgW",
    "RegRead",
    "RegWrite",
    "ResetTxn",
    "Txn",
    "TxnListener",
]

DUT_VALID_READY_OUTPUTS = (
    "s_axil_awready", "s_axil_wready", "s_axil_bvalid", "s_axil_arready", "s_axil_rvalid",
    "evt_ready", "m_axil_awvalid", "m_axil_wvalid", "m_axil_bready",
)  # fmt: skip
DUT_OUTPUTS = (
    *DUT_VALID_READY_OUTPUTS,
    "s_axil_bresp", "s_axil_rdata", "s_axil_rresp",
    "m_axil_awaddr", "m_axil_awprot", "m_axil_wdata", "m_axil_wstrb",
)  # fmt: skip


# ---------------------------------------------------------------------- transactions
@dataclass(eq=False)
class RegWrite:
    """Register write step at its commit edge `edge`; `resp` arrives with the B handshake."""

    edge: int
    addr: int
    data: int
    strb: int
    prot: int
    aw_edge: int
    w_edge: int
    resp: str | None = None
    b_edge: int | None = None

    @property
    def complete(self) -> bool:
        return self.resp is not None

    def __str__(self) -> str:
        return (
            f"@{self.edge} WRITE 0x{self.addr:04x} <= 0x{self.data:08x} strb=0x{self.strb:x}"
            f" -> {self.resp} (B @{self.b_edge})"
        )


@dataclass(eq=False)
class RegRead:
    """Register read step at its AR handshake edge `edge`; data/resp arrive with R."""

    edge: int
    addr: int
    prot: int
    data: int | None = None
    resp: str | None = None
    r_edge: int | None = None

    @property
    def complete(self) -> bool:
        return self.resp is not None

    def __str__(self) -> str:
        d = "?" if self.data is None else f"0x{self.data:08x}"
        return f"@{self.edge} READ 0x{self.addr:04x} -> {d} {self.resp} (R @{self.r_edge})"


@dataclass(frozen=True)
class EvtTxn:
    edge: int
    ims: bool
    handle: int
    pasid_valid: bool
    pasid: int

    complete = True

    def __str__(self) -> str:
        p = f" pasid=0x{self.pasid:05x}" if self.pasid_valid else ""
        return f"@{self.edge} EVENT {'IMS' if self.ims else 'MSI-X'}[{self.handle}]{p}"


@dataclass(frozen=True)
class MsgAw:
    edge: int
    seq: int
    addr: int
    prot: int

    complete = True

    def __str__(self) -> str:
        return f"@{self.edge} MSG#{self.seq} AW addr=0x{self.addr:016x} prot={self.prot}"


@dataclass(frozen=True)
class MsgW:
    edge: int
    seq: int
    data: int
    strb: int

    complete = True

    def __str__(self) -> str:
        return f"@{self.edge} MSG#{self.seq} W data=0x{self.data:08x} strb=0x{self.strb:x}"


@dataclass(frozen=True)
class MsgAccept:
    edge: int
    seq: int

    complete = True

    def __str__(self) -> str:
        return f"@{self.edge} MSG#{self.seq} accepted (AW+W done)"


@dataclass(frozen=True)
class MsgB:
    edge: int
    seq: int
    resp: str

    complete = True

    def __str__(self) -> str:
        return f"@{self.edge} MSG#{self.seq} B {self.resp}"


@dataclass(frozen=True)
class ResetTxn:
    edge: int

    complete = True

    def __str__(self) -> str:
        return f"@{self.edge} RESET"


Txn = RegWrite | RegRead | EvtTxn | MsgAw | MsgW | MsgAccept | MsgB | ResetTxn
_MUTABLE = (RegWrite, RegRead)  # their response is filled in after they are reported


class TxnListener(Protocol):
    def on_txn(self, txn: Txn) -> None: ...

    def edge_done(self, k: int) -> None: ...


# ---------------------------------------------------------------------- channel checker
class ChannelChecker:
    """valid/ready rules of one channel; `step(k)` returns True on a handshake at edge k."""

    def __init__(
        self, mon: ImsMonitor, view: BusView, valid: str, ready: str, payload: tuple[str, ...]
    ) -> None:
        self.mon = mon
        self.view = view
        self.valid = valid
        self.ready = ready
        self.payload = payload
        self.name = view.key(valid)
        # snapshot keys, resolved once (step runs for every channel at every edge)
        self._sampler = mon.sampler
        self._k_valid = view.key(valid)
        self._k_ready = view.key(ready)
        self._k_payload = tuple(view.key(p) for p in payload)
        self._stalled = False
        self._held: tuple[int | None, ...] = ()

    def reset(self) -> None:
        self._stalled = False

    def step(self, k: int) -> bool:
        vals = self._sampler.values
        valid = vals[self._k_valid]
        if valid == 0 and not self._stalled:
            return False
        ready = vals[self._k_ready]
        pay = tuple([vals[p] for p in self._k_payload])
        if self._stalled:
            if valid != 1:
                self.mon.error(k, f"{self.name} dropped before READY (valid/ready rule)")
            elif pay != self._held:
                changed = [
                    p for p, a, b in zip(self.payload, self._held, pay, strict=True) if a != b
                ]
                self.mon.error(k, f"{self.name}: payload {changed} changed while VALID && !READY")
        hs = valid == 1 and ready == 1
        self._stalled = valid == 1 and ready != 1
        self._held = pay
        return hs


# ---------------------------------------------------------------------- the monitor
class ImsMonitor:
    """All passive monitors of one `ims_ctrl` instance, run from one edge callback."""

    def __init__(
        self,
        dut: Any,
        sampler: EdgeSampler,
        *,
        strict: bool = True,
        waive: tuple[str, ...] = (),
    ) -> None:
        from cocotb_bus.bus import Bus

        from bfm.axil_master import SIGNALS as S_SIGNALS
        from bfm.axil_sink import SIGNALS as M_SIGNALS
        from bfm.evt_source import SIGNALS as E_SIGNALS

        self.log = logging.getLogger("cocotb.tb.monitor")
        self.strict = strict
        self.waive = waive  # rule IDs (e.g. "IMS-010") whose violations only warn (triage aid)
        self.waived: list[str] = []
        self.errors: list[str] = []
        self.sampler = sampler
        self.s = sampler.watch(Bus(dut, "s_axil", S_SIGNALS))
        self.e = sampler.watch(Bus(dut, "evt", E_SIGNALS))
        self.m = sampler.watch(Bus(dut, "m_axil", M_SIGNALS))
        self._rst = sampler.watch_signal("rst_n", dut.rst_n)
        self._out_keys = {
            name: sampler.watch_signal(dut[name]._path, dut[name]) for name in DUT_OUTPUTS
        }
        self._out_key_list = tuple(self._out_keys.values())
        s, e, m = self.s, self.e, self.m
        self.ch_saw = ChannelChecker(self, s, "awvalid", "awready", ("awaddr", "awprot"))
        self.ch_sw = ChannelChecker(self, s, "wvalid", "wready", ("wdata", "wstrb"))
        self.ch_sb = ChannelChecker(self, s, "bvalid", "bready", ("bresp",))
        self.ch_sar = ChannelChecker(self, s, "arvalid", "arready", ("araddr", "arprot"))
        self.ch_sr = ChannelChecker(self, s, "rvalid", "rready", ("rdata", "rresp"))
        self.ch_e = ChannelChecker(
            self, e, "valid", "ready", ("ims", "handle", "pasid_valid", "pasid")
        )
        self.ch_maw = ChannelChecker(self, m, "awvalid", "awready", ("awaddr", "awprot"))
        self.ch_mw = ChannelChecker(self, m, "wvalid", "wready", ("wdata", "wstrb"))
        self.ch_mb = ChannelChecker(self, m, "bvalid", "bready", ("bresp",))
        self._channels = (
            self.ch_saw, self.ch_sw, self.ch_sb, self.ch_sar, self.ch_sr,
            self.ch_e, self.ch_maw, self.ch_mw, self.ch_mb,
        )  # fmt: skip
        self.listeners: list[TxnListener] = []
        # recent transactions for error reports: the frozen ones are kept as objects and
        # formatted only when a report needs them; RegWrite/RegRead (filled in later) as text
        self.history: deque[str | Txn] = deque(maxlen=64)
        self.counts: dict[str, int] = {
            "writes": 0, "reads": 0, "events": 0, "messages": 0, "msg_b": 0, "msg_b_ignored": 0,
        }  # fmt: skip
        self._rst_prev: int | None = None
        self.release_edge: int | None = None
        self._seen_reset_edge = False
        self._clear_state()
        sampler.on_edge(self._edge)

    def _clear_state(self) -> None:
        # requests the DUT forgets in reset: their responses will never come
        for wr in getattr(self, "_wait_b", ()):
            wr.resp = "RESET"
        for rd in getattr(self, "_wait_r", ()):
            rd.resp = "RESET"
        self._s_aw: deque[tuple[int, int, int]] = deque()  # (edge, addr, prot)
        self._s_w: deque[tuple[int, int, int]] = deque()  # (edge, data, strb)
        self._wait_b: deque[RegWrite] = deque()
        self._wait_r: deque[RegRead] = deque()
        self._m_aw: deque[int] = deque()  # edges of message AWs not yet paired with a W
        self._m_w: deque[int] = deque()
        self._msg_aw_seq = 0
        self._msg_w_seq = 0
        self._msg_accepted = 0  # messages with AW and W done
        self._accept_edge: dict[int, int] = {}  # seq -> accept edge, until its B
        self._msg_b_seq = 0
        for ch in getattr(self, "_channels", ()):
            ch.reset()

    # ------------------------------------------------------------------ reporting
    def add_listener(self, listener: TxnListener) -> None:
        self.listeners.append(listener)

    def error(self, k: int, text: str) -> None:
        msg = f"protocol error at edge {k}: {text}"
        if any(rule in text for rule in self.waive):
            self.waived.append(msg)
            if len(self.waived) <= 5:
                self.log.warning("WAIVED %s", msg)
            return
        self.errors.append(msg)
        self.log.error(msg)
        if self.strict:
            tail = "\n  ".join(str(t) for t in self.history)
            raise ProtocolError(f"{msg}\n recent transactions:\n  {tail}")

    def _emit(self, txn: Txn) -> None:
        self.history.append(str(txn) if type(txn) in _MUTABLE else txn)
        self.log.debug("%s", txn)
        for lst in self.listeners:
            lst.on_txn(txn)

    # ------------------------------------------------------------------ per edge
    def _edge(self, k: int) -> None:
        vals = self.sampler.values
        rst = vals[self._rst]
        rst_prev = self._rst_prev
        self._rst_prev = rst
        if rst != 1:
            if rst is None:
                self.error(k, "rst_n is X/Z")
            if rst_prev == 0:
                self._check_outputs(k, in_reset=True)
            if not self._seen_reset_edge or rst_prev == 1:
                self._clear_state()
                self._emit(ResetTxn(k))
            self._seen_reset_edge = True
            self._done(k)
            return
        if rst_prev == 0:
            self.release_edge = k  # first edge with rst_n sampled 1 (IMS-011 counts from here)
        if self._seen_reset_edge:
            self._check_outputs(k, in_reset=False)
        self._msg_port(k)
        steps = self._reg_port(k)
        if self.ch_e.step(k):
            e = self.e
            steps += 1
            self.counts["events"] += 1
            self._emit(
                EvtTxn(k, e("ims") == 1, _int(e("handle")), e("pasid_valid") == 1, _int(e("pasid")))
            )
        if steps > 1:
            self.error(k, f"{steps} steps at one edge (IMS-081: write commit, AR, event)")
        self._done(k)

    def _done(self, k: int) -> None:
        for lst in self.listeners:
            lst.edge_done(k)

    def _check_outputs(self, k: int, *, in_reset: bool) -> None:
        vals = self.sampler.values
        if not in_reset and None not in [vals[key] for key in self._out_key_list]:
            return  # the common case: every output resolvable
        bad = [n for n, key in self._out_keys.items() if vals[key] is None]
        if bad:
            self.error(k, f"DUT outputs X/Z: {', '.join(bad)} (IMS-010)")
        if in_reset:
            hot = [n for n in DUT_VALID_READY_OUTPUTS if vals[self._out_keys[n]] == 1]
            if hot:
                self.error(k, f"valid/ready outputs 1 during reset: {', '.join(hot)} (IMS-010)")

    def _msg_port(self, k: int) -> None:
        m = self.m
        aw = self.ch_maw.step(k)
        w = self.ch_mw.step(k)
        b = self.ch_mb.step(k)
        if aw:
            self._emit(MsgAw(k, self._msg_aw_seq, _int(m("awaddr")), _int(m("awprot"))))
            self._msg_aw_seq += 1
            self._m_aw.append(k)
        if w:
            self._emit(MsgW(k, self._msg_w_seq, _int(m("wdata")), _int(m("wstrb"))))
            self._msg_w_seq += 1
            self._m_w.append(k)
        while self._m_aw and self._m_w:
            self._m_aw.popleft()
            self._m_w.popleft()
            seq = self._msg_accepted
            self._msg_accepted += 1
            self._accept_edge[seq] = k
            self.counts["messages"] += 1
            self._emit(MsgAccept(k, seq))
        if b:
            resp = resp_name(m("bresp"))
            seq = self._msg_b_seq
            if seq >= self._msg_aw_seq:
                # IMS-074: a B with no write in flight is ignored by the DUT
                self.counts["msg_b_ignored"] += 1
                self.history.append(f"@{k} m_axil B {resp} with no write in flight (ignored)")
                return
            acc = self._accept_edge.pop(seq, None)
            if acc is None or acc >= k:
                self.error(k, f"m_axil B for message #{seq} before its AW and W both completed")
            self._msg_b_seq += 1
            self.counts["msg_b"] += 1
            self._emit(MsgB(k, seq, resp))

    def _reg_port(self, k: int) -> int:
        s = self.s
        aw = self.ch_saw.step(k)
        w = self.ch_sw.step(k)
        b = self.ch_sb.step(k)
        ar = self.ch_sar.step(k)
        r = self.ch_sr.step(k)
        steps = 0
        if b:
            if not self._wait_b:
                self.error(k, "s_axil B with no write outstanding (IMS-014)")
            else:
                wr = self._wait_b.popleft()
                wr.resp = resp_name(s("bresp"))
                wr.b_edge = k
        if r:
            if not self._wait_r:
                self.error(k, "s_axil R with no read outstanding (IMS-014)")
            else:
                rd = self._wait_r.popleft()
                rd.data = s("rdata")
                rd.resp = resp_name(s("rresp"))
                rd.r_edge = k
                if rd.data is None:
                    self.error(k, "s_axil RDATA X/Z at R handshake (IMS-010)")
        if aw:
            self._s_aw.append((k, _int(s("awaddr")), _int(s("awprot"))))
        if w:
            self._s_w.append((k, _int(s("wdata")), _int(s("wstrb"))))
        while self._s_aw and self._s_w:
            ka, addr, prot = self._s_aw.popleft()
            kw, data, strb = self._s_w.popleft()
            if ka != kw:
                self.error(
                    k, f"register write AW at edge {ka} and W at edge {kw} (IMS-012: same edge)"
                )
            if self._wait_b:
                self.error(k, "register write taken while a B is still outstanding (IMS-014)")
            wr = RegWrite(max(ka, kw), addr, data, strb, prot, ka, kw)
            self._wait_b.append(wr)
            steps += 1
            self.counts["writes"] += 1
            self._emit(wr)
        if ar:
            if self._wait_r:
                self.error(k, "register read taken while an R is still outstanding (IMS-014)")
            rd = RegRead(k, _int(s("araddr")), _int(s("arprot")))
            self._wait_r.append(rd)
            steps += 1
            self.counts["reads"] += 1
            self._emit(rd)
        return steps


def _int(v: int | None) -> int:
    """Payload of a handshake; X/Z reads as 0 (flagged separately by the X check)."""
    return 0 if v is None else v
