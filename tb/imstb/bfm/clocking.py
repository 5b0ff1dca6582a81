"""One shared sampler for every BFM and monitor: a single edge counter and one snapshot per edge.

Why sample at the falling edge: at `RisingEdge(clk)` Verilator has already evaluated the edge
(post-edge values), and Icarus does not reliably show every pre-edge value either (sampling there
changed simulated times when tried), and some DUT outputs depend combinationally on the bench's
inputs, so the sampler needs a moment after its own writes and before the next edge. The values a
flip-flop samples at rising edge k are the values that were stable during the half cycle before it,
so the sampler reads every watched signal at the falling edge that precedes edge k (the bench drives
only right after rising edges, so nothing changes in between) and publishes them at edge k.

Every component registers an edge callback; at each rising edge the sampler increments the edge
counter `edge` (k = number of rising edges the sampler has seen) and calls the callbacks in
registration order, synchronously. Handshake "at edge k" therefore means valid && ready were both 1
in the snapshot published at edge k. Callbacks drive their outputs from inside the callback, which
runs right after edge k, so the DUT sees the new values at edge k+1.

A snapshot is a list indexed by the slot `watch_signal` returned (one list per edge, no keys to
hash). Reading is the per-clock cost every component pays, so it is as cheap as the simulator
allows: one C-level pass over the raw GPI read of every signal; on a two-state simulator
(Verilator: no X/Z can exist) signals up to 32 bits are read as integers; on a four-state one
(Icarus) as bit strings, each distinct string converted once (a memo: the values on a bus
repeat), "x"/"z" anywhere giving None. `unresolved` tells whether the published snapshot holds a
None, so a check for X/Z costs nothing on the clocks that have none.
"""

from __future__ import annotations

from collections.abc import Callable
from itertools import repeat
from operator import call
from typing import Any

import cocotb
from cocotb import _event_loop
from cocotb._base_triggers import TriggerCallback
from cocotb.task import Task
from cocotb.triggers import Event, FallingEdge, RisingEdge
from cocotb_bus.bus import Bus

__all__ = ["BusView", "EdgeSampler", "Snapshot", "two_state"]

#: Sampled signal values of one edge, by slot: an int, or None when X/Z (not resolvable).
Snapshot = list[int | None]

_MEMO_MAX = 1 << 16  # bit strings remembered by a four-state sampler before it starts afresh
_MISS = -1  # memo lookup of a bit string not seen yet
_X = -2  # memo value of a bit string with an X/Z (the snapshot holds None)


def _no_long() -> int:
    """Stands in the integer-read list for a signal wider than 32 bits (read as bits after)."""
    return 0


def two_state() -> bool:
    """True on a simulator whose signals hold only 0/1 (Verilator): X/Z cannot be sampled."""
    return "verilator" in (getattr(cocotb, "SIM_NAME", None) or "").lower()


def _binstr_reader(handle: Any) -> Callable[[], str]:
    """A fast reader of the signal's bits as a string ("01xz..."): the raw GPI call when the handle
    exposes it (it skips building a LogicArray per read, ~10x faster), else `str(handle.value)`."""
    raw = getattr(getattr(handle, "_handle", None), "get_signal_val_binstr", None)
    if callable(raw):
        return raw

    def read() -> str:
        return str(handle.value)

    return read


def _int_reader(handle: Any) -> Callable[[], int] | None:
    """A reader of the signal as a non-negative int on a two-state simulator (raw GPI integer
    read, 32 bits at most), or None when the signal is wider or the handle has no raw access."""
    raw = getattr(getattr(handle, "_handle", None), "get_signal_val_long", None)
    try:
        width = len(handle)
    except TypeError:
        width = 1
    if not callable(raw) or width > 32:
        return None
    if width < 32:
        return raw
    mask = (1 << width) - 1

    def read() -> int:
        return raw() & mask  # the GPI integer is signed 32-bit

    return read


class BusView:
    """Read access to the sampled values of one `Bus` at the current edge."""

    def __init__(self, sampler: EdgeSampler, bus: Bus, keys: dict[str, int]) -> None:
        self._sampler = sampler
        self.bus = bus
        self._keys = keys

    def __call__(self, attr: str) -> int | None:
        """The value of `attr` sampled for the current edge (None if X/Z)."""
        return self._sampler.values[self._keys[attr]]

    def bit(self, attr: str) -> bool:
        """A single-bit control sampled for the current edge; X/Z reads as 0 (monitors flag it)."""
        return self._sampler.values[self._keys[attr]] == 1

    def key(self, attr: str) -> int:
        """The snapshot slot of `attr`."""
        return self._keys[attr]


class EdgeSampler:
    """Samples the watched signals once per clock and calls edge callbacks in a fixed order."""

    def __init__(self, clk: Any) -> None:
        self.clk = clk
        self.edge = 0
        self.values: Snapshot = []
        self.names: list[str] = []  # slot -> key given to `watch_signal`
        self._slots: dict[str, int] = {}
        self._readers: list[Callable[[], Any]] = []
        self._two_state = two_state()
        # the raw GPI read of every signal (bound methods), all called by one `map` (a C loop)
        # per clock; None when a handle has no raw access (then `_readers`, in a Python loop)
        self._raw: list[Callable[[], Any]] | None = []
        self._fix32: list[int] = []  # two-state: 32-bit slots (the GPI integer is signed)
        self._wide: list[tuple[int, Callable[[], str]]] = []  # two-state: > 32 bits, as bits
        self._memo: dict[str, int] = {}  # bit string -> value, _X when not resolvable
        self.unresolved = False  # `values` may hold None (X/Z somewhere): see `sample_now`
        self._snap_unresolved = False
        self._callbacks: list[Callable[[int], None]] = []
        self._task: Task[None] | None = None
        self._armed = False
        self._waiting: TriggerCallback | None = None  # our callback on an edge trigger
        self._snap: Snapshot = []

    def watch_signal(self, key: str, handle: Any) -> int:
        """Sample `handle` under `key` (idempotent); returns its slot in `values`."""
        slot = self._slots.get(key)
        if slot is None:
            slot = self._slots[key] = len(self.names)
            self.names.append(key)
            reader: Callable[[], Any] | None = _int_reader(handle) if self._two_state else None
            if reader is None:
                binstr = _binstr_reader(handle)
                reader = binstr if not self._two_state else _parsed(binstr)
            self._readers.append(reader)
            self.values.append(None)
            self._add_raw(slot, handle)
        return slot

    def _add_raw(self, slot: int, handle: Any) -> None:
        raw: Any = getattr(handle, "_handle", None)
        if self._raw is None or not callable(getattr(raw, "get_signal_val_binstr", None)):
            self._raw = None
            return
        if not self._two_state:
            self._raw.append(raw.get_signal_val_binstr)
            return
        try:
            width = len(handle)
        except TypeError:
            width = 1
        if width > 32:
            self._raw.append(_no_long)
            self._wide.append((slot, raw.get_signal_val_binstr))
            return
        self._raw.append(raw.get_signal_val_long)
        if width == 32:
            self._fix32.append(slot)

    def watch(self, bus: Bus) -> BusView:
        """Sample every signal of `bus`; returns a view keyed by the bus attribute names."""
        keys: dict[str, int] = {}
        for attr, handle in bus._signals.items():
            keys[attr] = self.watch_signal(handle._path, handle)
        return BusView(self, bus, keys)

    def slot(self, key: str) -> int:
        """The slot of a watched signal, by the key it was watched under."""
        return self._slots[key]

    def on_edge(self, callback: Callable[[int], None]) -> None:
        """Call `callback(k)` right after every rising edge k, after the earlier-registered ones."""
        self._callbacks.append(callback)

    def start(self) -> None:
        """Start sampling (call before the clock starts so that edge 1 is the first edge)."""
        if self._task is None:
            self._task = cocotb.start_soon(self._run())

    def stop(self) -> None:
        self._disarm()
        if self._task is not None:
            self._task.cancel()
            self._task = None

    def sample_now(self) -> Snapshot:
        """Read every watched signal now (X/Z anywhere in a signal reads as None). Sets
        `_snap_unresolved` when the snapshot holds a None (never on a two-state simulator)."""
        self._snap_unresolved = False
        raw = self._raw
        if raw is None:  # some handle without raw access: one reader call per signal
            if self._two_state:
                return [read() for read in self._readers]
            return self._resolve([read() for read in self._readers], [_MISS] * len(self.names))
        if self._two_state:
            vals: Snapshot = list(map(call, raw))
            for i in self._fix32:
                vals[i] &= 0xFFFFFFFF  # type: ignore[operator]
            for i, bits in self._wide:
                vals[i] = int(bits(), 2)
            return vals
        strs: list[str] = list(map(call, raw))
        codes = list(map(self._memo.get, strs, repeat(_MISS)))
        if min(codes) < 0:  # a string not seen yet (_MISS) or not resolvable (_X)
            return self._resolve(strs, codes)
        return codes  # type: ignore[return-value]

    def _resolve(self, strs: list[str], codes: list[int]) -> Snapshot:
        """Values of `strs` where `codes` (memo lookups) has a miss or an X/Z."""
        vals: Snapshot = list(codes)
        for i, code in enumerate(codes):
            if code < 0:
                if code == _MISS:
                    code = self._convert(strs[i])
                if code == _X:
                    vals[i] = None
                    self._snap_unresolved = True
                else:
                    vals[i] = code
        return vals

    def _convert(self, bits: str) -> int:
        """A bit string's value (_X if any bit is X, Z, U, W, ...), remembered."""
        memo = self._memo
        if len(memo) > _MEMO_MAX:  # e.g. random junk on idle payloads: start afresh
            memo.clear()
        try:
            value = int(bits, 2)
        except ValueError:
            value = _X
        memo[bits] = value
        return value

    async def _run(self) -> None:
        """Sample until stopped or cancelled (the end of the test cancels every task); raises what
        `sample_now` or an edge callback raised, and then samples no more.

        The edges are not awaited by this task: the sampler registers its own callback on the
        edge trigger, and that callback puts the edge's work on cocotb's event loop, exactly where
        a task waiting on the edge would be resumed (so everything runs in the same order as with
        an `await`), without resuming a coroutine twice per clock."""
        self._failure = Event()
        self._error: BaseException | None = None
        self._fall = FallingEdge(self.clk)
        self._rise = RisingEdge(self.clk)
        self._armed = True
        self._waiting = self._fall._register(self._on_fall)
        try:
            await self._failure.wait()
        finally:
            self._disarm()
        assert self._error is not None
        raise self._error

    def _disarm(self) -> None:
        self._armed = False
        waiting, self._waiting = self._waiting, None
        if waiting is not None:
            waiting.cancel()

    def _fail(self, exc: BaseException) -> None:
        self._disarm()
        self._error = exc
        self._failure.set()

    # edge trigger callbacks: schedule the work on the event loop, as a waiting task's resume is
    def _on_fall(self) -> None:
        self._waiting = None
        _event_loop._inst.schedule(self._at_fall)

    def _on_rise(self) -> None:
        self._waiting = None
        _event_loop._inst.schedule(self._at_rise)

    def _at_fall(self) -> None:
        if not self._armed:
            return
        try:
            self._snap = self.sample_now()
        except BaseException as exc:  # re-raised by `_run`: the test fails with it
            self._fail(exc)
            return
        self._waiting = self._rise._register(self._on_rise)

    def _at_rise(self) -> None:
        if not self._armed:
            return
        k = self.edge = self.edge + 1
        self.values = self._snap
        self.unresolved = self._snap_unresolved
        try:
            for cb in self._callbacks:
                cb(k)
        except BaseException as exc:  # re-raised by `_run`: the test fails with it
            self._fail(exc)
            return
        if self._armed:  # (a callback may have stopped the sampler)
            self._waiting = self._fall._register(self._on_fall)


def _parsed(binstr: Callable[[], str]) -> Callable[[], int]:
    """An int reader from a bit-string reader (two-state: always resolvable)."""

    def read() -> int:
        return int(binstr(), 2)

    return read
