"""Small pieces shared by the BFMs: response names, random delays, protocol errors."""

from __future__ import annotations

import random
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import cocotb
import cocotb.handle

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
# cocotb's write scheduler and its deposit action (cocotb 2.x internals; cocotb is pinned): what
# `handle.value = v` ends in; None if this cocotb has other names (then `handle.value = v`)
_SCHEDULE_WRITE: Callable[..., None] | None = getattr(cocotb.handle, "_schedule_write", None)
_DEPOSIT_ACTION = getattr(getattr(cocotb.handle, "_GPISetAction", None), "DEPOSIT", None)
if _DEPOSIT_ACTION is None:
    _SCHEDULE_WRITE = None


def _raw_writes() -> bool:
    """cocotb writes at once here (COCOTB_TRUST_INERTIAL_WRITES, set for Verilator by cocotb's
    runner), so SignalWriter may deposit directly."""
    return bool(getattr(cocotb.handle, "_trust_inertial", False))


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
    """Writes a signal only when the value changes, and then as cheaply as cocotb allows.

    BFMs write integers of at most 32 bits, from edge callbacks, right after a rising edge. The
    write is the one cocotb's `handle.value = v` makes, without the setter's per-call checks and
    type dispatch: on a simulator where cocotb trusts inertial writes (Verilator: cocotb's runner
    sets COCOTB_TRUST_INERTIAL_WRITES), the raw GPI deposit at once, as cocotb does; elsewhere
    (Icarus) the same deposit handed to cocotb's write scheduler, which applies it in the
    ReadWrite phase (a write during the edge callback could race the flip-flops)."""

    __slots__ = ("_handle", "_raw", "_schedule", "last")

    def __init__(self, handle: Any, value: int = 0) -> None:
        self._handle = handle
        self.last = value  # the value written last (callers may compare before calling `put`)
        raw = getattr(getattr(handle, "_handle", None), "set_signal_val_int", None)
        self._raw: Callable[[int, int], None] | None = None
        self._schedule: Callable[..., None] | None = None
        if callable(raw) and len(handle) <= 32:
            if _raw_writes():
                self._raw = raw
            elif _SCHEDULE_WRITE is not None:
                self._raw = raw
                self._schedule = _SCHEDULE_WRITE
        handle.value = value

    def put(self, value: int) -> None:
        if value != self.last:
            self.last = value
            if self._schedule is not None:
                self._schedule(self._handle, self._raw, _DEPOSIT_ACTION, value)
            elif self._raw is not None:
                self._raw(_DEPOSIT, value)
            else:
                self._handle.value = value
