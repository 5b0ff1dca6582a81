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

from bfm.clocking import EdgeSampler
from bfm.common import RESP_CODE, Delay, SignalWriter, chance

__all__ = ["AxilSink", "AxilSinkConfig", "RespDecider", "SinkWrite"]

SIGNALS = [
    "awaddr", "awprot", "awvalid", "awready",
    "wdata", "wstrb", "wvalid", "wready",
    "bresp", "bvalid", "bready",
]  # fmt: skip


@dataclass(eq=False)
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
        v = self.v
        o = self._o
        if self._rst is not None and self._sampler.values[self._rst] != 1:
            self._aw.clear()
            self._w.clear()
            self._b.clear()
            self._awready = self._wready = self._bvalid = self._stray_cur = False
            o["awready"].put(0)
            o["wready"].put(0)
            o["bvalid"].put(0)
            return
        if self._awready and v.bit("awvalid"):
            self._aw.append((k, v("awaddr"), v("awprot")))
        if self._wready and v.bit("wvalid"):
            self._w.append((k, v("wdata"), v("wstrb")))
        if self._bvalid and v.bit("bready"):
            if self._stray_cur:
                self._stray.popleft()
                self._stray_cur = False
                self.strays_sent += 1
            else:
                done = self._b.popleft()
                done.b_edge = k
                self.writes.append(done)
        while self._aw and self._w:
            ka, addr, prot = self._aw.popleft()
            kw, data, strb = self._w.popleft()
            wr = SinkWrite(addr, prot, data, strb, ka, kw)
            wr.resp = self._decide(wr)
            wr.b_at = k + self.cfg.b_delay.draw(self.rng)
            self._b.append(wr)
            for cb in self.listeners:
                cb(wr)
        if self._stray and not (self._aw or self._w or self._b):
            self._stray_cur = True
        if self._stray_cur:  # a stray B: nothing else moves until it is taken
            self._awready = self._wready = False
            self._bvalid = True
            o["awready"].put(0)
            o["wready"].put(0)
            o["bresp"].put(RESP_CODE[self._stray[0]])
            o["bvalid"].put(1)
            return
        outstanding = len(self._aw) + len(self._b)
        self._awready = outstanding < self.cfg.max_inflight and chance(
            self.rng, self.cfg.awready_prob
        )
        self._wready = len(self._w) < self.cfg.max_inflight and chance(
            self.rng, self.cfg.wready_prob
        )
        self._bvalid = bool(self._b) and k >= self._b[0].b_at
        o["awready"].put(int(self._awready))
        o["wready"].put(int(self._wready))
        if self._bvalid:
            o["bresp"].put(RESP_CODE[self._b[0].resp])
        elif o["bvalid"].last:
            o["bresp"].put(self.rng.getrandbits(2))  # junk while BVALID is 0
        o["bvalid"].put(int(self._bvalid))
