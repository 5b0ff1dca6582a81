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
* no register response without a request (B/R in request order);
* ims_ctrl profile only (`profile=True`, docs/spec.md: rules tagged [profile]): IMS-015 AW and W
  of one register write handshake at the same edge; IMS-016 at most one B and one R
  outstanding; IMS-081 at most one of {write commit, AR handshake, event handshake} per edge;
* `m_ready_edges` counts the edges at which the master port was ready (AWREADY = WREADY = 1 and
  no message write in flight): the contract's message bound counts those (imstb.contract).
* messages: B only after the write's AW and W; B with no write in flight is reported as ignored
  (IMS-074) and not forwarded.
"""

from __future__ import annotations

import logging
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Protocol

from imstb.bfm.clocking import BusView, EdgeSampler
from imstb.bfm.common import RESP_NAME, ProtocolError, resp_name

__all__ = [
    "DUT_OUTPUTS",
    "DUT_VALID_READY_OUTPUTS",
    "ChannelChecker",
    "EdgeTxns",
    "EvtTxn",
    "ImsMonitor",
    "MsgAccept",
    "MsgAw",
    "MsgB",
    "MsgTxn",
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
# The reported transactions are never changed after they are reported (RegWrite/RegRead only get
# their response filled in); the classes are slotted, not frozen: a frozen dataclass's __init__
# costs several times as much, and the monitor makes five of them per clock at full traffic.
@dataclass(eq=False, slots=True)
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
    bv_edge: int | None = None  # first edge with BVALID sampled 1 for this response
    bv_resp: str | None = None  # BRESP then (stable until the handshake)

    @property
    def complete(self) -> bool:
        return self.resp is not None

    def __str__(self) -> str:
        return (
            f"@{self.edge} WRITE 0x{self.addr:04x} <= 0x{self.data:08x} strb=0x{self.strb:x}"
            f" -> {self.resp} (B @{self.b_edge})"
        )


@dataclass(eq=False, slots=True)
class RegRead:
    """Register read step at its AR handshake edge `edge`; data/resp arrive with R."""

    edge: int
    addr: int
    prot: int
    data: int | None = None
    resp: str | None = None
    r_edge: int | None = None
    rv_edge: int | None = None  # first edge with RVALID sampled 1 for this response
    rv_data: int | None = None  # RDATA/RRESP then (stable until the handshake)
    rv_resp: str | None = None

    @property
    def complete(self) -> bool:
        return self.resp is not None

    def __str__(self) -> str:
        d = "?" if self.data is None else f"0x{self.data:08x}"
        return f"@{self.edge} READ 0x{self.addr:04x} -> {d} {self.resp} (R @{self.r_edge})"


@dataclass(slots=True)
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


@dataclass(slots=True)
class MsgAw:
    edge: int
    seq: int
    addr: int
    prot: int

    complete = True

    def __str__(self) -> str:
        return f"@{self.edge} MSG#{self.seq} AW addr=0x{self.addr:016x} prot={self.prot}"


@dataclass(slots=True)
class MsgW:
    edge: int
    seq: int
    data: int
    strb: int

    complete = True

    def __str__(self) -> str:
        return f"@{self.edge} MSG#{self.seq} W data=0x{self.data:08x} strb=0x{self.strb:x}"


@dataclass(slots=True)
class MsgAccept:
    """Message `seq` has both its AW and its W (`aw`, `w`: their transactions) at `edge`."""

    edge: int
    seq: int
    aw: MsgAw | None = None
    w: MsgW | None = None

    complete = True

    def __str__(self) -> str:
        return f"@{self.edge} MSG#{self.seq} accepted (AW+W done)"


@dataclass(slots=True)
class MsgB:
    edge: int
    seq: int
    resp: str

    complete = True

    def __str__(self) -> str:
        return f"@{self.edge} MSG#{self.seq} B {self.resp}"


@dataclass(slots=True)
class ResetTxn:
    edge: int

    complete = True

    def __str__(self) -> str:
        return f"@{self.edge} RESET"


Txn = RegWrite | RegRead | EvtTxn | MsgAw | MsgW | MsgAccept | MsgB | ResetTxn
MsgTxn = MsgAw | MsgW | MsgAccept | MsgB
_NO_REGS: list[RegWrite | RegRead] = []  # shared and never appended to (see `ImsMonitor._reg`)
_MUTABLE = (RegWrite, RegRead)  # their response is filled in after they are reported


class TxnListener(Protocol):
    def on_txn(self, txn: Txn) -> None: ...

    def edge_done(self, k: int) -> None: ...


class EdgeTxns:
    """What the monitor reported at edge k, for listeners that take a whole edge at once
    (`ImsMonitor.add_edge_listener`): `txns` in report order, and the same split by port: the
    message-port transactions `msgs`, the register steps `regs`, the `event` and the `reset` of
    the edge; `responses` counts the register B/R responses filled into earlier `RegWrite` /
    `RegRead` objects at this edge. Edges with none of these are not reported."""

    __slots__ = ("edge", "event", "msgs", "regs", "reset", "responses", "txns")

    def __init__(
        self,
        edge: int,
        txns: list[Txn],
        msgs: list[MsgTxn],
        regs: list[RegWrite | RegRead],
        event: EvtTxn | None,
        reset: ResetTxn | None,
        responses: int,
    ) -> None:
        self.edge = edge
        self.txns = txns
        self.msgs = msgs
        self.regs = regs
        self.event = event
        self.reset = reset
        self.responses = responses

    def __repr__(self) -> str:
        return f"EdgeTxns(@{self.edge}: {', '.join(str(t) for t in self.txns)})"


# ---------------------------------------------------------------------- channel checker
class ChannelChecker:
    """valid/ready rules of one channel; `step(k, vals)` returns True on a handshake at edge k.

    The payload is read only while a transfer is stalled (VALID && !READY): that is the only time
    it must stay stable, and a transfer that is taken at once needs no copy of it."""

    def __init__(
        self, mon: ImsMonitor, view: BusView, valid: str, ready: str, payload: tuple[str, ...]
    ) -> None:
        self.mon = mon
        self.view = view
        self.valid = valid
        self.ready = ready
        self.payload = payload
        self.name = view.bus._signals[valid]._path
        # snapshot slots, resolved once (step runs for every channel at every edge)
        self._k_valid = view.key(valid)
        self._k_ready = view.key(ready)
        self._k_payload = tuple(view.key(p) for p in payload)
        self._stalled = False
        self._held: tuple[int | None, ...] = ()

    def reset(self) -> None:
        self._stalled = False

    def step(self, k: int, vals: list[int | None]) -> bool:
        valid = vals[self._k_valid]
        if self._stalled:
            return self._stalled_step(k, vals, valid)
        if valid == 0:
            return False
        ready = vals[self._k_ready]
        if valid == 1 and ready != 1:  # a stall starts: hold the payload from here on
            self._stalled = True
            self._held = tuple([vals[p] for p in self._k_payload])
            return False
        return valid == 1  # VALID X/Z: no handshake (the X check names the signal)

    def _stalled_step(self, k: int, vals: list[int | None], valid: int | None) -> bool:
        ready = vals[self._k_ready]
        pay = tuple([vals[p] for p in self._k_payload])
        if valid != 1:
            self.mon.error(k, f"{self.name} dropped before READY (valid/ready rule)")
        elif pay != self._held:
            changed = [p for p, a, b in zip(self.payload, self._held, pay, strict=True) if a != b]
            self.mon.error(k, f"{self.name}: payload {changed} changed while VALID && !READY")
        self._stalled = valid == 1 and ready != 1
        self._held = pay
        return valid == 1 and ready == 1


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
        profile: bool = True,
    ) -> None:
        from cocotb_bus.bus import Bus

        from imstb.bfm.axil_master import SIGNALS as S_SIGNALS
        from imstb.bfm.axil_sink import SIGNALS as M_SIGNALS
        from imstb.bfm.evt_source import SIGNALS as E_SIGNALS

        self.log = logging.getLogger("cocotb.tb.monitor")
        self.strict = strict
        self.waive = waive  # rule IDs (e.g. "IMS-010") whose violations only warn (triage aid)
        self.waived: list[str] = []
        self.errors: list[str] = []
        self.profile = profile  # check the ims_ctrl profile rules (IMS-015/016/081)
        self.m_ready_edges = 0
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
        self._reg_valids = tuple(
            ch._k_valid for ch in (self.ch_saw, self.ch_sw, self.ch_sb, self.ch_sar, self.ch_sr)
        )
        # payload slots of the handshakes this monitor reports
        self._p_maw = (m.key("awaddr"), m.key("awprot"))
        self._p_mw = (m.key("wdata"), m.key("wstrb"))
        self._p_mb = m.key("bresp")
        self._k_m_ready = (m.key("awready"), m.key("wready"))
        self._p_e = (e.key("ims"), e.key("handle"), e.key("pasid_valid"), e.key("pasid"))
        self.listeners: list[TxnListener] = []
        self.edge_listeners: list[Callable[[EdgeTxns], None]] = []
        # recent transactions for error reports: the reported ones are kept as objects and
        # formatted only when a report needs them; RegWrite/RegRead (filled in later) as text
        self.history: deque[str | Txn] = deque(maxlen=64)
        self.counts: dict[str, int] = {
            "writes": 0, "reads": 0, "events": 0, "messages": 0, "msg_b": 0, "msg_b_ignored": 0,
        }  # fmt: skip
        self._rst_prev: int | None = None
        self.release_edge: int | None = None
        self._seen_reset_edge = False
        self._new_edge()
        self._clear_state()
        sampler.on_edge(self._edge)

    def _new_edge(self) -> None:
        self._txns: list[Txn] = []
        self._msgs: list[MsgTxn] = []
        self._regs: list[RegWrite | RegRead] = _NO_REGS  # a list of its own once one comes
        self._event: EvtTxn | None = None
        self._reset: ResetTxn | None = None
        self._responses = 0

    def _clear_state(self) -> None:
        # requests the DUT forgets in reset: their responses will never come
        for wr in getattr(self, "_wait_b", ()):
            wr.resp = "RESET"
            self._responses += 1
        for rd in getattr(self, "_wait_r", ()):
            rd.resp = "RESET"
            self._responses += 1
        self._s_aw: deque[tuple[int, int, int]] = deque()  # (edge, addr, prot)
        self._s_w: deque[tuple[int, int, int]] = deque()  # (edge, data, strb)
        self._wait_b: deque[RegWrite] = deque()
        self._wait_r: deque[RegRead] = deque()
        self._m_aw: deque[MsgAw] = deque()  # message AWs not yet paired with a W
        self._m_w: deque[MsgW] = deque()
        self._msg_aw_seq = 0
        self._msg_w_seq = 0
        self._msg_accepted = 0  # messages with AW and W done
        self._accept_edge: dict[int, int] = {}  # seq -> accept edge, until its B
        self._msg_b_seq = 0
        for ch in getattr(self, "_channels", ()):
            ch.reset()

    # ------------------------------------------------------------------ reporting
    def add_listener(self, listener: TxnListener) -> None:
        """`listener.on_txn(t)` for every transaction, `edge_done(k)` after every edge."""
        self.listeners.append(listener)

    def add_edge_listener(self, listener: Callable[[EdgeTxns], None]) -> None:
        """`listener(EdgeTxns)` once per edge that reported anything, after the `listeners`."""
        self.edge_listeners.append(listener)

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
        """Report `txn` (delivered with the rest of its edge, in order, by `_done`)."""
        self._txns.append(txn)

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
                self._check_outputs(k, vals, in_reset=True)
            if not self._seen_reset_edge or rst_prev == 1:
                self._clear_state()
                self._reset = ResetTxn(k)
                self._emit(self._reset)
            self._seen_reset_edge = True
            self._done(k)
            return
        if rst_prev == 0:
            self.release_edge = k  # first edge with rst_n sampled 1 (IMS-011 counts from here)
        if self._seen_reset_edge and self.sampler.unresolved and None in vals:
            self._check_outputs(k, vals, in_reset=False)  # (the common case: all resolvable)
        kr_aw, kr_w = self._k_m_ready
        if vals[kr_aw] == 1 and vals[kr_w] == 1 and self._msg_b_seq >= self._msg_aw_seq:
            self.m_ready_edges += 1
        self._msg_port(k, vals)
        steps = self._reg_port(k, vals)
        ch = self.ch_e
        if (not ch._stalled and vals[ch._k_valid] == 1 and vals[ch._k_ready] == 1) or ch.step(
            k, vals
        ):
            ims, handle, pasid_valid, pasid = self._p_e
            steps += 1
            self.counts["events"] += 1
            self._event = EvtTxn(
                k, vals[ims] == 1, vals[handle] or 0, vals[pasid_valid] == 1, vals[pasid] or 0
            )
            self._emit(self._event)
        if steps > 1 and self.profile:
            self.error(k, f"{steps} steps at one edge (IMS-081: write commit, AR, event)")
        self._done(k)

    def _done(self, k: int) -> None:
        """The edge is complete: record its transactions, deliver them to the `listeners`
        (`on_txn` each, in order, then `edge_done`) and, if anything happened, to the
        `edge_listeners` as one `EdgeTxns`."""
        txns = self._txns
        if txns:
            if self._regs or self._reset:  # RegWrite/RegRead change later: keep today's text
                self.history.extend(str(t) if type(t) in _MUTABLE else t for t in txns)
            else:
                self.history.extend(txns)
            if self.log.isEnabledFor(logging.DEBUG):
                for t in txns:
                    self.log.debug("%s", t)
            if self.listeners:
                for t in txns:
                    for lst in self.listeners:
                        lst.on_txn(t)
        for lst in self.listeners:
            lst.edge_done(k)
        if txns or self._responses:
            bundle = EdgeTxns(
                k, txns, self._msgs, self._regs, self._event, self._reset, self._responses
            )
            self._new_edge()
            for fn in self.edge_listeners:
                fn(bundle)

    def _check_outputs(self, k: int, vals: list[int | None], *, in_reset: bool) -> None:
        if not in_reset and None not in [vals[key] for key in self._out_key_list]:
            return  # every output resolvable (an input was X/Z: not this check's business)
        bad = [n for n, key in self._out_keys.items() if vals[key] is None]
        if bad:
            self.error(k, f"DUT outputs X/Z: {', '.join(bad)} (IMS-010)")
        if in_reset:
            hot = [n for n in DUT_VALID_READY_OUTPUTS if vals[self._out_keys[n]] == 1]
            if hot:
                self.error(k, f"valid/ready outputs 1 during reset: {', '.join(hot)} (IMS-010)")

    def _reg(self, txn: RegWrite | RegRead) -> None:
        if self._regs is _NO_REGS:
            self._regs = []
        self._regs.append(txn)
        self._txns.append(txn)

    def _reg_stalled(self) -> bool:
        return (
            self.ch_saw._stalled
            or self.ch_sw._stalled
            or self.ch_sb._stalled
            or self.ch_sar._stalled
            or self.ch_sr._stalled
        )

    def _msg_port(self, k: int, vals: list[int | None]) -> None:
        # a handshake with no stall before it is all `step` would find; anything else takes it
        ch = self.ch_maw
        aw = (not ch._stalled and vals[ch._k_valid] == 1 and vals[ch._k_ready] == 1) or ch.step(
            k, vals
        )
        ch = self.ch_mw
        w = (not ch._stalled and vals[ch._k_valid] == 1 and vals[ch._k_ready] == 1) or ch.step(
            k, vals
        )
        ch = self.ch_mb
        b = (not ch._stalled and vals[ch._k_valid] == 1 and vals[ch._k_ready] == 1) or ch.step(
            k, vals
        )
        if not (aw or w or b):
            return
        txns, msgs = self._txns, self._msgs
        if aw:  # payload X/Z reads as 0 here (the X check names it)
            addr, prot = self._p_maw
            t_aw = MsgAw(k, self._msg_aw_seq, vals[addr] or 0, vals[prot] or 0)
            txns.append(t_aw)
            msgs.append(t_aw)
            self._msg_aw_seq += 1
            self._m_aw.append(t_aw)
        if w:
            data, strb = self._p_mw
            t_w = MsgW(k, self._msg_w_seq, vals[data] or 0, vals[strb] or 0)
            txns.append(t_w)
            msgs.append(t_w)
            self._msg_w_seq += 1
            self._m_w.append(t_w)
        while self._m_aw and self._m_w:
            seq = self._msg_accepted
            self._msg_accepted += 1
            self._accept_edge[seq] = k
            self.counts["messages"] += 1
            acc = MsgAccept(k, seq, self._m_aw.popleft(), self._m_w.popleft())
            txns.append(acc)
            msgs.append(acc)
        if b:
            code = vals[self._p_mb]
            resp = "X" if code is None else RESP_NAME[code & 3]
            seq = self._msg_b_seq
            if seq >= self._msg_aw_seq:
                # IMS-074: a B with no write in flight is ignored by the DUT
                self.counts["msg_b_ignored"] += 1
                self.history.append(f"@{k} m_axil B {resp} with no write in flight (ignored)")
                return
            acc_edge = self._accept_edge.pop(seq, None)
            if acc_edge is None or acc_edge >= k:
                self.error(k, f"m_axil B for message #{seq} before its AW and W both completed")
            self._msg_b_seq += 1
            self.counts["msg_b"] += 1
            t_b = MsgB(k, seq, resp)
            txns.append(t_b)
            msgs.append(t_b)

    def _reg_port(self, k: int, vals: list[int | None]) -> int:
        saw, sw, sb, sar, sr = self._reg_valids
        if (
            vals[saw] == 0
            and vals[sw] == 0
            and vals[sb] == 0
            and vals[sar] == 0
            and vals[sr] == 0
            and not self._reg_stalled()
        ):
            return 0  # every register channel idle (what the five `step`s would find)
        # the edge each response is first presented (the contract's end of a step's window)
        if vals[sb] == 1 and self._wait_b and self._wait_b[0].bv_edge is None:
            b0 = self._wait_b[0]
            b0.bv_edge = k
            b0.bv_resp = resp_name(self.s("bresp"))
        if vals[sr] == 1 and self._wait_r and self._wait_r[0].rv_edge is None:
            r0 = self._wait_r[0]
            r0.rv_edge = k
            r0.rv_data = self.s("rdata")
            r0.rv_resp = resp_name(self.s("rresp"))
        aw = self.ch_saw.step(k, vals)
        w = self.ch_sw.step(k, vals)
        b = self.ch_sb.step(k, vals)
        ar = self.ch_sar.step(k, vals)
        r = self.ch_sr.step(k, vals)
        if not (aw or w or b or ar or r):
            return 0  # no register handshake at this edge
        s = self.s
        steps = 0
        if b:
            if not self._wait_b:
                self.error(
                    k, "s_axil B with no write outstanding (C-AXI: no response without a request)"
                )
            else:
                wr = self._wait_b.popleft()
                wr.resp = resp_name(s("bresp"))
                wr.b_edge = k
                self._responses += 1
        if r:
            if not self._wait_r:
                self.error(
                    k, "s_axil R with no read outstanding (C-AXI: no response without a request)"
                )
            else:
                rd = self._wait_r.popleft()
                rd.data = s("rdata")
                rd.resp = resp_name(s("rresp"))
                rd.r_edge = k
                self._responses += 1
                if rd.data is None:
                    self.error(k, "s_axil RDATA X/Z at R handshake (IMS-010)")
        if aw:
            self._s_aw.append((k, _int(s("awaddr")), _int(s("awprot"))))
        if w:
            self._s_w.append((k, _int(s("wdata")), _int(s("wstrb"))))
        while self._s_aw and self._s_w:
            ka, addr, prot = self._s_aw.popleft()
            kw, data, strb = self._s_w.popleft()
            if ka != kw and self.profile:
                self.error(
                    k, f"register write AW at edge {ka} and W at edge {kw} (IMS-015: same edge)"
                )
            if self._wait_b and self.profile:
                self.error(k, "register write taken while a B is still outstanding (IMS-016)")
            wr = RegWrite(max(ka, kw), addr, data, strb, prot, ka, kw)
            self._wait_b.append(wr)
            steps += 1
            self.counts["writes"] += 1
            self._reg(wr)
        if ar:
            if self._wait_r and self.profile:
                self.error(k, "register read taken while an R is still outstanding (IMS-016)")
            rd = RegRead(k, _int(s("araddr")), _int(s("arprot")))
            self._wait_r.append(rd)
            steps += 1
            self.counts["reads"] += 1
            self._reg(rd)
        return steps


def _int(v: int | None) -> int:
    """Payload of a handshake; X/Z reads as 0 (flagged separately by the X check)."""
    return 0 if v is None else v
