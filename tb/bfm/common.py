"""Small pieces shared by the BFMs: response names, random delays, protocol errors."""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import Any

__all__ = [
    "RESP_CODE",
    "RESP_NAME",
    "Delay",
    "ProtocolError",
    "SignalWriter",
    "chance",
    "resp_name",
]

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
    """Writes a signal only when the value changes (each write costs a simulator call)."""

    __slots__ = ("_handle", "_last")

    def __init__(self, handle: Any, value: int = 0) -> None:
        self._handle = handle
        self._last = value
        handle.value = value

    def put(self, value: int) -> None:
        if value != self._last:
            self._last = value
            self._handle.value = value

    @property
    def last(self) -> int:
        return self._last
