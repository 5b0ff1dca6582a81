"""One shared sampler for every BFM and monitor: a single edge counter and one snapshot per edge.

Why sample at the falling edge: with Icarus a coroutine resumed by `RisingEdge(clk)` still sees the
pre-edge values of registered signals, with Verilator it may see the post-edge ones. The values a
flip-flop samples at rising edge k are the values that were stable during the half cycle before it,
so the sampler reads every watched signal at the falling edge that precedes edge k (the bench drives
only right after rising edges, so nothing changes in between) and publishes them at edge k.

Every component registers an edge callback; at each rising edge the sampler increments the edge
counter `edge` (k = number of rising edges the sampler has seen) and calls the callbacks in
registration order, synchronously. Handshake "at edge k" therefore means valid && ready were both 1
in the snapshot published at edge k. Callbacks drive their outputs from inside the callback, which
runs right after edge k, so the DUT sees the new values at edge k+1.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import cocotb
from cocotb.task import Task
from cocotb.triggers import FallingEdge, RisingEdge
from cocotb_bus.bus import Bus

__all__ = ["BusView", "EdgeSampler", "Snapshot"]

#: Sampled signal values of one edge: signal key -> int, or None when X/Z (not resolvable).
Snapshot = dict[str, int | None]


def _binstr_reader(handle: Any) -> Callable[[], str]:
    """A fast reader of the signal's bits as a string ("01xz..."): the raw GPI call when the handle
    exposes it (it skips building a LogicArray per read, ~10x faster), else `str(handle.value)`."""
    raw = getattr(getattr(handle, "_handle", None), "get_signal_val_binstr", None)
    if callable(raw):
        return raw

    def read() -> str:
        return str(handle.value)

    return read


class BusView:
    """Read access to the sampled values of one `Bus` at the current edge."""

    def __init__(self, sampler: EdgeSampler, bus: Bus, keys: dict[str, str]) -> None:
        self._sampler = sampler
        self.bus = bus
        self._keys = keys

    def __call__(self, attr: str) -> int | None:
        """The value of `attr` sampled for the current edge (None if X/Z)."""
        return self._sampler.values[self._keys[attr]]

    def bit(self, attr: str) -> bool:
        """A single-bit control sampled for the current edge; X/Z reads as 0 (monitors flag it)."""
        return self._sampler.values[self._keys[attr]] == 1

    def key(self, attr: str) -> str:
        """The snapshot key of `attr`."""
        return self._keys[attr]


class EdgeSampler:
    """Samples the watched signals once per clock and calls edge callbacks in a fixed order."""

    def __init__(self, clk: Any) -> None:
        self.clk = clk
        self.edge = 0
        self.values: Snapshot = {}
        self._handles: dict[str, Any] = {}
        self._readers: dict[str, Callable[[], str]] = {}
        self._callbacks: list[Callable[[int], None]] = []
        self._task: Task[None] | None = None

    def watch_signal(self, key: str, handle: Any) -> str:
        """Sample `handle` under `key` (idempotent)."""
        if key not in self._handles:
            self._handles[key] = handle
            self._readers[key] = _binstr_reader(handle)
            self.values[key] = None
        return key

    def watch(self, bus: Bus) -> BusView:
        """Sample every signal of `bus`; returns a view keyed by the bus attribute names."""
        keys: dict[str, str] = {}
        for attr, handle in bus._signals.items():
            keys[attr] = self.watch_signal(handle._path, handle)
        return BusView(self, bus, keys)

    def on_edge(self, callback: Callable[[int], None]) -> None:
        """Call `callback(k)` right after every rising edge k, after the earlier-registered ones."""
        self._callbacks.append(callback)

    def start(self) -> None:
        """Start sampling (call before the clock starts so that edge 1 is the first edge)."""
        if self._task is None:
            self._task = cocotb.start_soon(self._run())

    def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            self._task = None

    def sample_now(self) -> Snapshot:
        """Read every watched signal now (X/Z anywhere in a signal reads as None)."""
        try:  # the common case, every signal resolvable: one comprehension, no per-signal try
            return {key: int(read(), 2) for key, read in self._readers.items()}
        except ValueError:  # a bit is X, Z, U, W, ... somewhere: again, signal by signal
            pass
        snap: Snapshot = {}
        for key, read in self._readers.items():
            try:
                snap[key] = int(read(), 2)
            except ValueError:
                snap[key] = None
        return snap

    async def _run(self) -> None:
        fall = FallingEdge(self.clk)
        rise = RisingEdge(self.clk)
        while True:
            await fall
            snap = self.sample_now()
            await rise
            self.edge += 1
            self.values = snap
            for cb in self._callbacks:
                cb(self.edge)
