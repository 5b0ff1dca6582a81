"""Small pieces shared by the BFMs: response names, random delays, protocol errors."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import cocotb

__all__ = [
    "RESP_CODE",
    "RESP_NAME",
    "Delay",
    "ProtocolError",
    "SignalWriter",
    "chance",
    "resp_name",
]

_DEPOSIT = 0  # cocotb.handle._GPISetAction.DEPOSIT: the simulator's ordinary (inertial) write


def _raw_writes() -> bool:
    """Signal writes may go to the simulator at once (two-state Verilator, see SignalWriter)."""
    return "verilator" in (getattr(cocotb, "SIM_NAME", None) or "").lower()


#: AXI resp[1:0] encodings by the names the model API uses.
RESP_CODE: dict[str, int] = {"OKAY": 0, "EXOKAY": 1, "SLVERR": 2, "DECERR": 3}
RESP_NAME: dict[int, str] = {v: k for k, v in RESP_CODE.items()}


def resp_name(code: int | None) -> str:
    """Name of a sampled resp[1:0] value ("X" when it was not resolvable)."""
    return "X" if code is None else RESP_NAME[code & 3]


class ProtocolError(AssertionError):
    """A valid/ready or AXI rule broken on a bus, seen by a BFM or a monitor."""


@dataclass
class Delay:
    """A random number of idle cycles: `lo..hi` inclusive, drawn uniformly; with probability
    `zero_prob` it is 0 regardless (back-to-back bursts)."""

    lo: int = 0
    hi: int = 0
    zero_prob: float = 0.0

    def draw(self, rng: random.Random) -> int:
        lo = max(0, self.lo)
        if self.hi <= lo:
            return lo
        if self.zero_prob > 0.0 and rng.random() < self.zero_prob:
            return 0
        return rng.randint(lo, self.hi)


def chance(rng: random.Random, prob: float) -> bool:
    """True with probability `prob` (1.0 always, 0.0 never; no draw at the extremes)."""
    if prob >= 1.0:
        return True
    if prob <= 0.0:
        return False
    return rng.random() < prob


class SignalWriter:
    """Writes a signal only when the value changes (each write costs a simulator call).

    BFMs write only from edge callbacks, right after a rising edge. On a two-state simulator
    (Verilator) the write goes straight to the simulator (the raw GPI deposit): Verilator has
    evaluated the edge before it calls back, and evaluates again after the callback, so the DUT
    sees the value at the next edge, as with cocotb's own write, which on every simulator waits
    for the ReadWrite phase (one more simulator callback per clock). Elsewhere (Icarus, where a
    write during the edge callback could race the flip-flops) it is cocotb's write."""

    __slots__ = ("_handle", "_raw", "last")

    def __init__(self, handle: Any, value: int = 0) -> None:
        self._handle = handle
        self.last = value  # the value written last (callers may compare before calling `put`)
        self._raw: Callable[[int, int], None] | None = None
        if _raw_writes():
            raw = getattr(getattr(handle, "_handle", None), "set_signal_val_int", None)
            if callable(raw) and len(handle) <= 32:
                self._raw = raw
        handle.value = value

    def put(self, value: int) -> None:
        if value != self.last:
            self.last = value
            if self._raw is not None:
                self._raw(_DEPOSIT, value)
            else:
                self._handle.value = value
