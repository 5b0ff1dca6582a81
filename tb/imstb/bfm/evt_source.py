"""Event stream driver (`evt_valid`/`evt_ready`, `evt_ims`, `evt_handle`, `evt_pasid_valid`,
`evt_pasid`).

Events are sent in call order. Between two events the source idles a random gap (`gap`); with
probability `gap.zero_prob` the next event follows back to back, so bursts happen naturally.
EVT_VALID is held with a stable payload until EVT_READY; while it is 0 the payload carries random
junk (`idle_junk`), as does `evt_pasid` of an event without a PASID.
"""

from __future__ import annotations

import logging
import random
from collections import deque
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from cocotb.triggers import Event
from cocotb_bus.bus import Bus

from imstb.bfm.clocking import EdgeSampler
from imstb.bfm.common import Delay, SignalWriter

__all__ = ["EvtOp", "EvtSource", "EvtSourceConfig"]

SIGNALS = ["valid", "ready", "ims", "handle", "pasid_valid", "pasid"]


@dataclass
class EvtSourceConfig:
    gap: Delay = field(default_factory=lambda: Delay(0, 3, zero_prob=0.4))
    idle_junk: bool = True


class EvtOp:
    """One event and the edge of its handshake. `done` (a cocotb `Event`) is made only when
    someone asks for it: a long burst of events needs no `Event` per event."""

    __slots__ = ("_done", "at", "edge", "handle", "ims", "junk_pasid", "pasid")

    def __init__(self, ims: bool, handle: int, pasid: int | None, junk_pasid: int = 0) -> None:
        self.ims = ims
        self.handle = handle
        self.pasid = pasid
        self.edge: int | None = None
        self.at: int | None = None  # first edge after which EVT_VALID may be driven
        self.junk_pasid = junk_pasid  # evt_pasid driven when `pasid` is None (ignored, IMS-051)
        self._done: Event | None = None

    @property
    def done(self) -> Event:
        """Set at the event's handshake edge."""
        if self._done is None:
            self._done = Event()
            if self.edge is not None:
                self._done.set()
        return self._done

    def _taken(self, k: int) -> None:
        self.edge = k
        if self._done is not None:
            self._done.set()

    def __repr__(self) -> str:
        return f"EvtOp(ims={self.ims}, handle={self.handle}, pasid={self.pasid}, edge={self.edge})"


class EvtSource:
    """Drives the event stream `<name>_*` (default `evt`)."""

    def __init__(
        self,
        entity: Any,
        sampler: EdgeSampler,
        rng: random.Random,
        cfg: EvtSourceConfig | None = None,
        *,
        name: str = "evt",
        rst_n: Any = None,
    ) -> None:
        self.cfg = cfg if cfg is not None else EvtSourceConfig()
        self.rng = rng
        self.log = logging.getLogger(f"cocotb.tb.{name}.source")
        self.bus = Bus(entity, name, SIGNALS)
        self.v = sampler.watch(self.bus)
        self._sampler = sampler
        self._rst = sampler.watch_signal("rst_n", rst_n) if rst_n is not None else None
        self._q: deque[EvtOp] = deque()
        self._cur: EvtOp | None = None
        self._last_edge = 0  # edge of the previous handshake (for the gap)
        self._idle = Event()
        self._idle.set()
        self.sent = 0
        self._o = {n: SignalWriter(getattr(self.bus, n)) for n in SIGNALS if n != "ready"}
        self._k_ready = self.v.key("ready")
        self._writers = tuple(
            self._o[n] for n in ("valid", "ims", "handle", "pasid_valid", "pasid")
        )
        sampler.on_edge(self._edge)

    def send_nowait(
        self, ims: bool, handle: int, pasid: int | None = None, *, absent_bits: int | None = None
    ) -> EvtOp:
        """Queue one event; `pasid=None` sends it with evt_pasid_valid = 0 and evt_pasid =
        `absent_bits` (random junk when None)."""
        junk = self._junk(20) if absent_bits is None else absent_bits & 0xFFFFF
        op = EvtOp(bool(ims), handle & 0xFFFF, None if pasid is None else pasid & 0xFFFFF, junk)
        self._q.append(op)
        self._idle.clear()
        return op

    def send_many(self, events: Iterable[tuple[bool, int, int | None]]) -> list[EvtOp]:
        """Queue a burst of (ims, handle, pasid) events, in order (as `send_nowait` each)."""
        junk = self._junk
        ops = [
            EvtOp(bool(ims), handle & 0xFFFF, None if pasid is None else pasid & 0xFFFFF, junk(20))
            for ims, handle, pasid in events
        ]
        if ops:
            self._q.extend(ops)
            self._idle.clear()
        return ops

    async def send(self, ims: bool, handle: int, pasid: int | None = None) -> int:
        """Send one event; returns the edge of its handshake."""
        op = self.send_nowait(ims, handle, pasid)
        await op.done.wait()
        assert op.edge is not None
        return op.edge

    @property
    def idle(self) -> bool:
        return not self._q and self._cur is None

    async def drain(self) -> None:
        """Wait until every queued event has been taken."""
        while not self.idle:
            await self._idle.wait()

    def _edge(self, k: int) -> None:
        vals = self._sampler.values
        in_reset = self._rst is not None and vals[self._rst] != 1
        cur = self._cur
        if in_reset:
            if cur is not None:  # not taken: send it again after reset
                cur.at = None
                self._q.appendleft(cur)
                self._cur = cur = None
        elif cur is not None and vals[self._k_ready] == 1:
            cur._taken(k)
            self._cur = cur = None
            self._last_edge = k
            self.sent += 1
        if cur is None and self._q and not in_reset:
            op = self._q[0]
            if op.at is None:
                op.at = k + self.cfg.gap.draw(self.rng)
            if k >= op.at:
                self._cur = cur = self._q.popleft()
        o = self._o
        if cur is not None:  # (compared here first: most of these writes change nothing)
            w_valid, w_ims, w_handle, w_pv, w_pasid = self._writers
            if not w_valid.last:
                w_valid.put(1)
            if cur.ims != w_ims.last:
                w_ims.put(int(cur.ims))
            if cur.handle != w_handle.last:
                w_handle.put(cur.handle)
            pasid = cur.pasid
            if pasid is None:
                if w_pv.last:
                    w_pv.put(0)
                if cur.junk_pasid != w_pasid.last:
                    w_pasid.put(cur.junk_pasid)
            else:
                if not w_pv.last:
                    w_pv.put(1)
                if pasid != w_pasid.last:
                    w_pasid.put(pasid)
        elif o["valid"].last:
            o["valid"].put(0)
            if self.cfg.idle_junk:  # new junk once per idle period
                o["ims"].put(self._junk(1))
                o["handle"].put(self._junk(16))
                o["pasid_valid"].put(self._junk(1))
                o["pasid"].put(self._junk(20))
        if cur is None and not self._q and not self._idle.is_set():
            self._idle.set()

    def _junk(self, bits: int) -> int:
        return self.rng.getrandbits(bits) if self.cfg.idle_junk else 0
