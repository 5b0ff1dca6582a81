"""AXI4-Lite register master (drives the DUT's `s_axil_*` slave port).

All channels are handled by one edge callback of the shared `EdgeSampler`, so a handshake at edge k
is seen exactly once, in the callback of edge k, whatever the response latency: a B or R that comes
in the cycle right after its request (handshake at edge k+1) is never missed.

Writes and reads are queued in call order; several coroutines may call `write`/`read` at once, and
up to `max_writes` writes (`max_reads` reads) are issued before their responses. The write order
modes follow AXI's dependency rules (a master never waits for a READY before asserting a VALID):

* ``together``: AWVALID and WVALID of a write rise in the same cycle;
* ``aw_first``: WVALID rises at least one cycle after AWVALID (plus the W delay);
* ``w_first``: AWVALID rises at least one cycle after WVALID (plus the AW delay);
* ``random``: one of the three per write.

VALID is held, with stable payload, until the handshake. BREADY/RREADY are random per cycle.
"""

from __future__ import annotations

import itertools
import logging
import random
from collections import deque
from dataclasses import dataclass, field
from typing import Any, Literal

from cocotb.triggers import Event
from cocotb_bus.bus import Bus

from imstb.bfm.clocking import EdgeSampler
from imstb.bfm.common import Delay, ProtocolError, SignalWriter, chance, resp_name

__all__ = ["AxilMaster", "AxilMasterConfig", "AxilRead", "AxilWrite", "WriteOrder"]

WriteOrder = Literal["together", "aw_first", "w_first", "random"]
_ORDERS: tuple[WriteOrder, ...] = ("together", "aw_first", "w_first")

SIGNALS = [
    "awaddr", "awprot", "awvalid", "awready",
    "wdata", "wstrb", "wvalid", "wready",
    "bresp", "bvalid", "bready",
    "araddr", "arprot", "arvalid", "arready",
    "rdata", "rresp", "rvalid", "rready",
]  # fmt: skip


@dataclass
class AxilMasterConfig:
    """Timing knobs of `AxilMaster` (all cycles are clock cycles)."""

    aw_delay: Delay = field(default_factory=Delay)  # idle cycles before AWVALID
    w_delay: Delay = field(default_factory=Delay)  # idle cycles before WVALID
    ar_delay: Delay = field(default_factory=Delay)  # idle cycles before ARVALID
    order: WriteOrder = "together"
    bready_prob: float = 1.0  # per-cycle probability that BREADY is 1
    rready_prob: float = 1.0  # per-cycle probability that RREADY is 1
    max_writes: int = 4  # writes issued and not yet answered by B
    max_reads: int = 4  # reads issued and not yet answered by R
    idle_junk: bool = True  # drive random payload while VALID is 0


@dataclass(eq=False)
class AxilWrite:
    """One register write and what happened to it (edges are `EdgeSampler` indexes)."""

    addr: int
    data: int
    strb: int
    prot: int
    order: WriteOrder
    aw_edge: int | None = None
    w_edge: int | None = None
    b_edge: int | None = None
    resp: str | None = None
    done: Event = field(default_factory=Event)
    aw_at: int | None = None  # first edge after which AWVALID may be driven
    w_at: int | None = None
    aw_shown: int | None = None  # edge after which AWVALID was first driven
    w_shown: int | None = None


@dataclass(eq=False)
class AxilRead:
    """One register read and what happened to it."""

    addr: int
    prot: int
    ar_edge: int | None = None
    r_edge: int | None = None
    data: int | None = None
    resp: str | None = None
    done: Event = field(default_factory=Event)
    ar_at: int | None = None


class AxilMaster:
    """AXI4-Lite master on the bus `<name>_*` of `entity` (default `s_axil`)."""

    def __init__(
        self,
        entity: Any,
        sampler: EdgeSampler,
        rng: random.Random,
        cfg: AxilMasterConfig | None = None,
        *,
        name: str = "s_axil",
        rst_n: Any = None,
    ) -> None:
        self.cfg = cfg if cfg is not None else AxilMasterConfig()
        self.rng = rng
        self.log = logging.getLogger(f"cocotb.tb.{name}.master")
        self.bus = Bus(entity, name, SIGNALS)
        self.v = sampler.watch(self.bus)
        self._rst = sampler.watch_signal("rst_n", rst_n) if rst_n is not None else None
        self._sampler = sampler
        self._writes: deque[AxilWrite] = deque()  # issued or queued, no B yet, in order
        self._reads: deque[AxilRead] = deque()
        self._aw_cur: AxilWrite | None = None
        self._w_cur: AxilWrite | None = None
        self._ar_cur: AxilRead | None = None
        self._bready = False
        self._rready = False
        self._idle = Event()
        self._idle.set()
        self._o = {
            n: SignalWriter(getattr(self.bus, n))
            for n in SIGNALS
            if n
            not in ("awready", "wready", "bresp", "bvalid", "arready", "rdata", "rresp", "rvalid")
        }
        self._at_rest = False  # see `_quiet`
        self._k_bvalid = self.v.key("bvalid")
        self._k_rvalid = self.v.key("rvalid")
        sampler.on_edge(self._edge)

    # ------------------------------------------------------------------ public API
    def write_nowait(
        self, addr: int, data: int, strb: int = 0xF, prot: int = 0, order: WriteOrder | None = None
    ) -> AxilWrite:
        """Queue a write; await `op.done.wait()` for its response."""
        o = order if order is not None else self.cfg.order
        if o == "random":
            o = self.rng.choice(_ORDERS)
        op = AxilWrite(addr & 0xFFFF, data & 0xFFFFFFFF, strb & 0xF, prot & 7, o)
        self._writes.append(op)
        self._idle.clear()
        return op

    def read_nowait(self, addr: int, prot: int = 0) -> AxilRead:
        """Queue a read; await `op.done.wait()` for its data and response."""
        op = AxilRead(addr & 0xFFFF, prot & 7)
        self._reads.append(op)
        self._idle.clear()
        return op

    async def write(
        self, addr: int, data: int, strb: int = 0xF, prot: int = 0, order: WriteOrder | None = None
    ) -> str:
        """Write one register; returns the B response name ("OKAY", "SLVERR", ...)."""
        op = self.write_nowait(addr, data, strb, prot, order)
        await op.done.wait()
        assert op.resp is not None
        return op.resp

    async def read(self, addr: int, prot: int = 0) -> tuple[int, str]:
        """Read one register; returns (data, response name)."""
        op = self.read_nowait(addr, prot)
        await op.done.wait()
        assert op.resp is not None and op.data is not None
        return op.data, op.resp

    @property
    def idle(self) -> bool:
        """No request queued or waiting for its response."""
        return not self._writes and not self._reads

    async def drain(self) -> None:
        """Wait until every queued request has its response."""
        while not self.idle:
            await self._idle.wait()

    # ------------------------------------------------------------------ edge callback
    def _in_reset(self) -> bool:
        return self._rst is not None and self._sampler.values[self._rst] != 1

    def _quiet(self) -> bool:
        """Nothing queued, out of reset, every VALID low and BREADY/RREADY held 1 (with
        probability 1, so no random draw is due): an edge changes nothing unless the DUT sends a
        response nobody asked for, which the full path reports. (`_at_rest`: the full path left
        the outputs so at the previous edge.)"""
        if self._writes or self._reads or not self._at_rest:
            return False
        vals = self._sampler.values
        cfg = self.cfg
        return (
            (self._rst is None or vals[self._rst] == 1)
            and cfg.bready_prob >= 1.0
            and cfg.rready_prob >= 1.0
            and vals[self._k_bvalid] != 1
            and vals[self._k_rvalid] != 1
        )

    def _edge(self, k: int) -> None:
        if self._quiet():
            return
        v = self.v
        if self._in_reset():
            self._reset_state()
            self._drive(k)
            self._at_rest = False  # BREADY/RREADY are 0 in reset
            return
        # handshakes at edge k
        if self._aw_cur is not None and v.bit("awready"):
            self._aw_cur.aw_edge = k
            self._aw_cur = None
        if self._w_cur is not None and v.bit("wready"):
            self._w_cur.w_edge = k
            self._w_cur = None
        if self._bready and v.bit("bvalid"):
            self._on_b(k, v("bresp"))
        if self._ar_cur is not None and v.bit("arready"):
            self._ar_cur.ar_edge = k
            self._ar_cur = None
        if self._rready and v.bit("rvalid"):
            self._on_r(k, v("rdata"), v("rresp"))
        self._drive(k)
        if self.idle and not self._idle.is_set():
            self._idle.set()
        o = self._o
        self._at_rest = (
            self._bready
            and self._rready
            and not o["awvalid"].last
            and not o["wvalid"].last
            and not o["arvalid"].last
        )

    def _on_b(self, k: int, resp: int | None) -> None:
        op = self._writes[0] if self._writes else None
        if op is None or op.aw_edge is None or op.w_edge is None:
            raise ProtocolError(
                f"{self.bus._name}: B handshake at edge {k} with no write whose AW and W "
                "handshakes are complete (IMS-014: response duplicated or early)"
            )
        if max(op.aw_edge, op.w_edge) >= k:
            raise ProtocolError(f"{self.bus._name}: B at edge {k} not after its AW/W handshakes")
        if resp is None:
            raise ProtocolError(f"{self.bus._name}: BRESP is X/Z at B handshake edge {k}")
        self._writes.popleft()
        op.b_edge = k
        op.resp = resp_name(resp)
        op.done.set()

    def _on_r(self, k: int, data: int | None, resp: int | None) -> None:
        op = self._reads[0] if self._reads else None
        if op is None or op.ar_edge is None or op.ar_edge >= k:
            raise ProtocolError(
                f"{self.bus._name}: R handshake at edge {k} with no read whose AR handshake is "
                "complete (IMS-014: response duplicated or early)"
            )
        if data is None or resp is None:
            raise ProtocolError(f"{self.bus._name}: RDATA/RRESP X/Z at R handshake edge {k}")
        self._reads.popleft()
        op.r_edge = k
        op.data = data
        op.resp = resp_name(resp)
        op.done.set()

    def _reset_state(self) -> None:
        """The DUT forgets everything in reset: requests already (partly) issued end with resp
        "RESET"; the others stay queued and go out after reset."""
        for wop in list(self._writes):
            if wop.aw_edge is not None or wop.w_edge is not None:
                self._writes.remove(wop)
                wop.resp = "RESET"
                wop.done.set()
            else:
                wop.aw_at = wop.w_at = wop.aw_shown = wop.w_shown = None
        for rop in list(self._reads):
            if rop.ar_edge is not None:
                self._reads.remove(rop)
                rop.resp = "RESET"
                rop.data = 0
                rop.done.set()
            else:
                rop.ar_at = None
        self._aw_cur = self._w_cur = self._ar_cur = None
        if self.idle:
            self._idle.set()

    # ------------------------------------------------------------------ driving
    def _drive(self, k: int) -> None:
        o = self._o
        rst = self._in_reset()
        if not rst:
            self._pick_write(k)
            self._pick_read(k)
        junk = self.cfg.idle_junk
        rng = self.rng
        aw, w, ar = self._aw_cur, self._w_cur, self._ar_cur
        if aw is not None:
            o["awaddr"].put(aw.addr)
            o["awprot"].put(aw.prot)
            o["awvalid"].put(1)
        elif o["awvalid"].last:
            o["awvalid"].put(0)
            if junk:  # new junk once per idle period
                o["awaddr"].put(rng.getrandbits(16))
                o["awprot"].put(rng.getrandbits(3))
        if w is not None:
            o["wdata"].put(w.data)
            o["wstrb"].put(w.strb)
            o["wvalid"].put(1)
        elif o["wvalid"].last:
            o["wvalid"].put(0)
            if junk:
                o["wdata"].put(rng.getrandbits(32))
                o["wstrb"].put(rng.getrandbits(4))
        if ar is not None:
            o["araddr"].put(ar.addr)
            o["arprot"].put(ar.prot)
            o["arvalid"].put(1)
        elif o["arvalid"].last:
            o["arvalid"].put(0)
            if junk:
                o["araddr"].put(rng.getrandbits(16))
                o["arprot"].put(rng.getrandbits(3))
        self._bready = not rst and chance(rng, self.cfg.bready_prob)
        self._rready = not rst and chance(rng, self.cfg.rready_prob)
        o["bready"].put(int(self._bready))
        o["rready"].put(int(self._rready))

    def _pick_write(self, k: int) -> None:
        if not self._writes:
            return
        window = list(itertools.islice(self._writes, self.cfg.max_writes))
        aw_op = next((o for o in window if o.aw_shown is None), None)
        w_op = next((o for o in window if o.w_shown is None), None)
        if aw_op is not None and aw_op.order == "together":
            # both channels free and this write next on both: show AW and W in the same cycle
            if self._aw_cur is None and self._w_cur is None and w_op is aw_op:
                if aw_op.aw_at is None:
                    aw_op.aw_at = aw_op.w_at = k + self.cfg.aw_delay.draw(self.rng)
                if k >= aw_op.aw_at:
                    aw_op.aw_shown = aw_op.w_shown = k
                    self._aw_cur = self._w_cur = aw_op
            aw_op = None  # the AW channel waits for the W channel to reach this write
        if self._aw_cur is None and aw_op is not None:
            lead_ok = aw_op.order != "w_first" or (aw_op.w_shown is not None and aw_op.w_shown < k)
            if lead_ok:
                if aw_op.aw_at is None:
                    aw_op.aw_at = k + self.cfg.aw_delay.draw(self.rng)
                if k >= aw_op.aw_at:
                    aw_op.aw_shown = k
                    self._aw_cur = aw_op
        if self._w_cur is None and w_op is not None and w_op.order != "together":
            lead_ok = w_op.order != "aw_first" or (w_op.aw_shown is not None and w_op.aw_shown < k)
            if lead_ok:
                if w_op.w_at is None:
                    w_op.w_at = k + self.cfg.w_delay.draw(self.rng)
                if k >= w_op.w_at:
                    w_op.w_shown = k
                    self._w_cur = w_op

    def _pick_read(self, k: int) -> None:
        if self._ar_cur is not None:
            return
        for op in itertools.islice(self._reads, self.cfg.max_reads):
            if op.ar_edge is None:
                if op.ar_at is None:
                    op.ar_at = k + self.cfg.ar_delay.draw(self.rng)
                if k >= op.ar_at:
                    self._ar_cur = op
                return
