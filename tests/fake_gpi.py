"""Stand-ins for cocotb signal handles and their raw GPI objects, for tests of the bench's BFMs
and sampler without a simulator (imported by tests/test_sampler.py and friends)."""

from __future__ import annotations


class RawSignal:
    """The raw GPI object: a value as bits (four-state) and as a signed 32-bit int (two-state)."""

    def __init__(self, width: int, bits: str | None = None) -> None:
        self.width = width
        self.bits = bits if bits is not None else "0" * width
        self.writes: list[tuple[int, int]] = []

    def get_signal_val_binstr(self) -> str:
        return self.bits

    def get_signal_val_long(self) -> int:
        assert self.width <= 32, "an integer read of a wide signal"
        v = int(self.bits, 2)  # a two-state simulator has no X/Z
        return v - (1 << 32) if self.width == 32 and v >> 31 else v  # signed, like VPI

    def set_signal_val_int(self, action: int, value: int) -> None:
        self.writes.append((action, value))
        self.bits = format(value, f"0{self.width}b")


class Handle:
    """A cocotb signal handle: path, width, raw object, and the `value` setter."""

    def __init__(self, name: str, width: int, bits: str | None = None) -> None:
        self._path = f"top.{name}"
        self._handle = RawSignal(width, bits)
        self.assigned: list[int] = []

    def __len__(self) -> int:
        return self._handle.width

    @property
    def value(self) -> str:
        return self._handle.bits

    @value.setter
    def value(self, v: int) -> None:
        self.assigned.append(v)
