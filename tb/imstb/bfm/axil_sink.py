"""AXI4-Lite write slave (answers the DUT's `m_axil_*` message master).

AWREADY and WREADY are random per cycle (`awready_prob`, `wready_prob`) and independent of VALID
(AXI allows READY before VALID). AW i is paired with W i; once both handshakes are done the write
gets its B response after `b_delay` cycles (0: BVALID in the cycle right after the later
handshake), B responses in AW order, BVALID held until BREADY. Up to `max_inflight` writes may be
outstanding (AW taken, B not yet taken); at the limit AWREADY stays 0.

The response of each write comes from, in this order: the `inject()` queue, the `cfg.resp`
callable (given the write), else "OKAY". `inject_stray_b()` sends B responses that belong to no
write (IMS-074).
"""

from __future__ import annotations

import logging
import random
from collections import deque
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from cocotb_bus.bus import Bus

from imstb.bfm.clocking import EdgeSampler
from imstb.bfm.common import RESP_CODE, Delay, SignalWriter

__all__ = ["AxilSink", "AxilSinkConfig", "RespDecider", "SinkWrite"]

SIGNALS = [
    "awaddr", "awprot", "awvalid", "awready",
    "wdata", "wstrb", "wvalid", "wready",
    "bresp", "bvalid", "bready",
]  # fmt: skip


@dataclass(eq=False, slots=True)
class SinkWrite:
    """One write received by the sink (None: the sampled value was X/Z)."""

    addr: int | None
    prot: int | None
    data: int | None
    strb: int | None
    aw_edge: int
    w_edge: int
    resp: str = "OKAY"
    b_at: int = 0  # first edge after which BVALID may be driven
    b_edge: int | None = None


RespDecider = Callable[[SinkWrite], str]


@dataclass
class AxilSinkConfig:
    awready_prob: float = 1.0
    wready_prob: float = 1.0
    b_delay: Delay = field(default_factory=Delay)
    max_inflight: int = 32
    resp: RespDecider | None = None


class AxilSink:
    """AXI4-Lite slave on `<name>_*` (default `m_axil`)."""

    def __init__(
        self,
        entity: Any,
        sampler: EdgeSampler,
        rng: random.Random,
        cfg: AxilSinkConfig | None = None,
        *,
        name: str = "m_axil",
        rst_n: Any = None,
    ) -> None:
        self.cfg = cfg if cfg is not None else AxilSinkConfig()
        self.rng = rng
        self.log = logging.getLogger(f"cocotb.tb.{name}.sink")
        self.bus = Bus(entity, name, SIGNALS)
        self.v = sampler.watch(self.bus)
        self._sampler = sampler
        self._rst = sampler.watch_signal("rst_n", rst_n) if rst_n is not None else None
        self._aw: deque[tuple[int, int | None, int | None]] = deque()  # (edge, addr, prot)
        self._w: deque[tuple[int, int | None, int | None]] = deque()  # (edge, data, strb)
        self._b: deque[SinkWrite] = deque()  # both handshakes done, B not yet taken
        self._resp_q: deque[str] = deque()
        self._stray: deque[str] = deque()  # B responses to send with no write in flight
        self._stray_cur = False
        self.strays_sent = 0
        self._awready = False
        self._wready = False
        self._bvalid = False
        self.writes: list[SinkWrite] = []  # every completed write (B taken), in order
        self.listeners: list[Callable[[SinkWrite], None]] = []  # called when AW+W complete
        self._o = {
            n: SignalWriter(getattr(self.bus, n)) for n in ("awready", "wready", "bvalid", "bresp")
        }
        self._w_awready, self._w_wready = self._o["awready"], self._o["wready"]
        self._w_bvalid, self._w_bresp = self._o["bvalid"], self._o["bresp"]
        key = self.v.key
        self._k = (key("awvalid"), key("wvalid"), key("bready"))
        self._k_aw = (key("awaddr"), key("awprot"))
        self._k_w = (key("wdata"), key("wstrb"))
        sampler.on_edge(self._edge)

    def inject(self, resps: Iterable[str]) -> None:
        """Queue responses for the next writes (consumed in AW order)."""
        for r in resps:
            if r not in RESP_CODE:
                raise ValueError(f"bad AXI response {r!r}")
            self._resp_q.append(r)

    def inject_stray_b(self, resps: Iterable[str]) -> None:
        """Queue B responses that belong to no write (IMS-074: the DUT must accept and drop them).
        Each is sent only when no write is in flight, with AWREADY/WREADY held 0 meanwhile, so
        that no AW can be taken at the same edge."""
        for r in resps:
            if r not in RESP_CODE:
                raise ValueError(f"bad AXI response {r!r}")
            self._stray.append(r)

    @property
    def inflight(self) -> int:
        """Writes whose AW was taken and whose B was not yet taken."""
        return len(self._aw) + len(self._b)

    @property
    def idle(self) -> bool:
        return not self._aw and not self._w and not self._b and not self._stray

    def _decide(self, wr: SinkWrite) -> str:
        if self._resp_q:
            return self._resp_q.popleft()
        if self.cfg.resp is not None:
            return self.cfg.resp(wr)
        return "OKAY"

    def _edge(self, k: int) -> None:
        vals = self._sampler.values
        if self._rst is not None and vals[self._rst] != 1:
            self._aw.clear()
            self._w.clear()
            self._b.clear()
            self._awready = self._wready = self._bvalid = self._stray_cur = False
            self._w_awready.put(0)
            self._w_wready.put(0)
            self._w_bvalid.put(0)
            return
        k_awvalid, k_wvalid, k_bready = self._k
        if self._awready and vals[k_awvalid] == 1:
            addr, prot = self._k_aw
            self._aw.append((k, vals[addr], vals[prot]))
        if self._wready and vals[k_wvalid] == 1:
            data, strb = self._k_w
            self._w.append((k, vals[data], vals[strb]))
        if self._bvalid and vals[k_bready] == 1:
            if self._stray_cur:
                self._stray.popleft()
                self._stray_cur = False
                self.strays_sent += 1
            else:
                done = self._b.popleft()
                done.b_edge = k
                self.writes.append(done)
        if self._aw and self._w:
            self._pair(k)
        if self._stray and not (self._aw or self._w or self._b):
            self._stray_cur = True
        if self._stray_cur:  # a stray B: nothing else moves until it is taken
            self._awready = self._wready = False
            self._bvalid = True
            self._w_awready.put(0)
            self._w_wready.put(0)
            self._w_bresp.put(RESP_CODE[self._stray[0]])
            self._w_bvalid.put(1)
            return
        cfg = self.cfg
        rng = self.rng
        p = cfg.awready_prob  # as `chance()`: no random draw at probability 0 or 1
        awready = self._awready = len(self._aw) + len(self._b) < cfg.max_inflight and (
            p >= 1.0 or (p > 0.0 and rng.random() < p)
        )
        p = cfg.wready_prob
        wready = self._wready = len(self._w) < cfg.max_inflight and (
            p >= 1.0 or (p > 0.0 and rng.random() < p)
        )
        bvalid = self._bvalid = bool(self._b) and k >= self._b[0].b_at
        w = self._w_awready  # (compared here first: most edges change none of these)
        if awready != w.last:
            w.put(int(awready))
        w = self._w_wready
        if wready != w.last:
            w.put(int(wready))
        w = self._w_bresp
        if bvalid:
            code = RESP_CODE[self._b[0].resp]
            if code != w.last:
                w.put(code)
        elif self._w_bvalid.last:
            w.put(rng.getrandbits(2))  # junk while BVALID is 0
        w = self._w_bvalid
        if bvalid != w.last:
            w.put(int(bvalid))

    def _pair(self, k: int) -> None:
        """Writes with both AW and W taken: decide their response and B edge."""
        cfg = self.cfg
        while self._aw and self._w:
            ka, addr, prot = self._aw.popleft()
            kw, data, strb = self._w.popleft()
            wr = SinkWrite(addr, prot, data, strb, ka, kw)
            wr.resp = self._decide(wr) if self._resp_q or cfg.resp is not None else "OKAY"
            d = cfg.b_delay  # (`Delay.draw` takes no random draw when hi <= lo)
            wr.b_at = k + (d.lo if d.lo >= 0 and d.hi <= d.lo else d.draw(self.rng))
            self._b.append(wr)
            for cb in self.listeners:
                cb(wr)
