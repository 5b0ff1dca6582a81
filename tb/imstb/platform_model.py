"""The platform in the loop: `imsmodel.platform.InterruptController` plus the bench's record of
which handler (cpu, vector) each table entry was programmed for.

Sequences program entries with pairs from `PlatformModel.alloc`; the sink monitor decodes every
message the DUT writes back into (cpu, vector) with `decode`; the scoreboard checks that the
handler that fired is the one the entry was bound to, and counts it in `fired`. Scenario sequences
check `fired` (the right handlers ran, the guarded ones did not).
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass

from imsmodel.platform import VECTOR_MAX, VECTOR_MIN, InterruptController, UnknownInterrupt

__all__ = ["Binding", "Handler", "PlatformModel", "UnknownInterrupt"]

Handler = tuple[int, int]  # (cpu, vector)


@dataclass(frozen=True, slots=True)
class Binding:
    """Entry (ims, index) programmed with the pair (addr, data) for `handler`."""

    ims: bool
    index: int
    addr: int
    data: int
    handler: Handler
    remappable: bool

    def __str__(self) -> str:
        t = "IMS" if self.ims else "MSI-X"
        fmt = "remap" if self.remappable else "compat"
        return (
            f"{t}[{self.index}] -> cpu {self.handler[0]} vector 0x{self.handler[1]:02x} ({fmt} "
            f"0x{self.addr:08x}/0x{self.data:x})"
        )


class PlatformModel:
    """Interrupt controller model plus the entry -> handler bindings of the running test."""

    def __init__(self, seed: int, cpus: int = 8) -> None:
        self.ic = InterruptController(seed)
        self.rng = random.Random(seed ^ 0x1F5)
        self.cpus = cpus
        self._bindings: dict[tuple[bool, int], Binding] = {}
        self.fired: Counter[Handler] = Counter()
        # decoded writes, until the next alloc/free (the only changes to `ic` made here)
        self._decoded: dict[tuple[int, int], Handler] = {}

    def alloc(
        self,
        ims: bool,
        index: int,
        *,
        cpu: int | None = None,
        vector: int | None = None,
        remappable: bool | None = None,
    ) -> Binding:
        """A fresh pair for entry (ims, index) (its previous pair is released)."""
        self.free(ims, index)
        self._decoded.clear()
        rng = self.rng
        cpu = rng.randrange(self.cpus) if cpu is None else cpu
        vector = rng.randint(VECTOR_MIN, VECTOR_MAX) if vector is None else vector
        remap = rng.random() < 0.5 if remappable is None else remappable
        if remap:
            addr, data = self.ic.alloc_remappable(cpu, vector)
        else:
            addr, data = self.ic.alloc_compat(cpu, vector)
        b = Binding(ims, index, addr, data, (cpu, vector), remap)
        self._bindings[(ims, index)] = b
        return b

    def free(self, ims: bool, index: int) -> None:
        """Release the pair of entry (ims, index), if it has one."""
        b = self._bindings.pop((ims, index), None)
        if b is not None:
            self._decoded.clear()
            self.ic.free(b.addr, b.data)

    def binding(self, ims: bool, index: int) -> Binding | None:
        return self._bindings.get((ims, index))

    def bindings(self) -> list[Binding]:
        """Every current binding."""
        return list(self._bindings.values())

    def decode(self, addr: int, data: int) -> Handler:
        """(cpu, vector) of a message write; raises `UnknownInterrupt` for a stray write.
        Remembered until the interrupt controller's allocations change (an entry's message is
        decoded once per pair, not once per message)."""
        key = (addr, data)
        handler = self._decoded.get(key)
        if handler is None:
            handler = self._decoded[key] = self.ic.decode(addr, data)
        return handler

    def handler_of(self, ims: bool, index: int) -> Handler:
        b = self._bindings[(ims, index)]
        return b.handler
