"""The platform in the loop: `imsmodel.platform.InterruptController` plus the bench's record of
which handler (cpu, vector) each table entry was programmed for.

Sequences program entries with pairs from `PlatformModel.alloc`; the sink monitor decodes every
message the DUT writes back into (cpu, vector) with `decode`; the scoreboard checks that the
handler that fired is the one the entry was bound to, and counts it in `fired`. Scenario sequences
check `fired` (the right handlers ran, the guarded ones did not).

`OwnerChecker` (owner isolation, docs/spec.md IMS-038/039/107/108): owners (processes with a
PASID) get entries with pairs unique per owner and entry generation; every delivered message is
attributed to the owner whose event raised it and fails when it reaches another owner's pair or
a pair whose generation was already revoked.
"""

from __future__ import annotations

import random
from collections import Counter
from dataclasses import dataclass

from imsmodel.platform import VECTOR_MAX, VECTOR_MIN, InterruptController, UnknownInterrupt

__all__ = [
    "Binding",
    "Grant",
    "Handler",
    "Owner",
    "OwnerChecker",
    "PlatformModel",
    "UnknownInterrupt",
]

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


# ---------------------------------------------------------------------- owner isolation
#: x86 message address of an owner's pairs: 0xFEE00000 | dest << 12 (dest = the owner's id).
OWNER_ADDR_BASE = 0xFEE00000
OWNER_MAX = 0xFF  # dest is 8 bits


@dataclass(frozen=True, slots=True)
class Owner:
    """A process that owns entries: its id (the pairs' x86 destination) and its PASID."""

    ident: int
    pasid: int


@dataclass(slots=True)
class Grant:
    """One generation of one entry: owner `owner` got the entry (ims, index) with the pair
    (addr, data) at edge `granted`; `revoked` is the edge at which it lost it (the B of the
    HANDLE_RELEASE that ended it), None while it holds it."""

    owner: int
    ims: bool
    index: int
    gen: int
    addr: int
    data: int
    granted: int
    revoked: int | None = None

    def __str__(self) -> str:
        t = "IMS" if self.ims else "MSI-X"
        end = "held" if self.revoked is None else f"revoked @{self.revoked}"
        return (
            f"owner {self.owner}'s pair 0x{self.addr:08x}/0x{self.data:08x} for {t}[{self.index}]"
            f" (generation {self.gen}, granted @{self.granted}, {end})"
        )


class OwnerChecker:
    """Which owner each programmed address/data pair belongs to, and whose event each delivered
    message carries.

    Attribution (exact): every event carries the owner that raised it (the bench tags each event
    it sends; `delivered` is told the raiser of the message, the owner whose event caused it:
    the event itself for a message sent at the event, the event that set the pending bit for a
    message sent later by an unmask or a flush). Whom a message reaches is decided by its pair
    alone: pairs are unique per owner and entry generation (address 0xFEE00000 | owner << 12,
    data = generation << 8 | vector), so a pair names one owner, one entry, one generation.

    Failures (each one message naming owners, entry, generation and edges):
      * cross-owner delivery: the pair's owner is not the raiser;
      * a message arriving at a pair after that pair's generation was revoked (the B of the
        release that ended it): something of the previous owner was still in flight;
      * a message to a pair no owner was ever granted (stray) or with no known raiser.
    """

    def __init__(self) -> None:
        self.owners: dict[int, Owner] = {}
        self._by_pasid: dict[int, int] = {}
        self._pairs: dict[tuple[int, int], Grant] = {}
        self._current: dict[tuple[bool, int], Grant] = {}
        self._gen = 0
        self.delivered_ok = 0
        self.failures: list[str] = []
        self.cross_owner = 0

    # ------------------------------------------------------------------ owners and pairs
    def add_owner(self, ident: int, pasid: int) -> Owner:
        if not 1 <= ident <= OWNER_MAX or ident in self.owners:
            raise ValueError(f"owner id {ident} taken or not in 1..{OWNER_MAX}")
        if pasid in self._by_pasid:
            other = self._by_pasid[pasid]
            raise ValueError(f"PASID 0x{pasid:05x} already belongs to owner {other}")
        o = self.owners[ident] = Owner(ident, pasid)
        self._by_pasid[pasid] = ident
        return o

    def owner_of_pasid(self, pasid: int | None) -> int | None:
        return None if pasid is None else self._by_pasid.get(pasid)

    def grant(self, owner: int, ims: bool, index: int, edge: int, vector: int = 0x40) -> Grant:
        """A fresh pair of `owner` for entry (ims, index), from `edge` on (the bench then
        programs it). The entry's previous generation must have been revoked."""
        if owner not in self.owners:
            raise ValueError(f"unknown owner {owner}")
        prev = self._current.get((ims, index))
        if prev is not None and prev.revoked is None:
            raise ValueError(f"{prev} not revoked before a new grant")
        self._gen += 1
        addr = OWNER_ADDR_BASE | owner << 12
        data = (self._gen & 0xFFFFFF) << 8 | (vector & 0xFF)
        g = Grant(owner, ims, index, self._gen, addr, data, edge)
        if (addr, data) in self._pairs:
            raise ValueError(f"pair 0x{addr:08x}/0x{data:08x} reused")
        self._pairs[(addr, data)] = g
        self._current[(ims, index)] = g
        return g

    def revoke(self, ims: bool, index: int, edge: int) -> Grant:
        """Ownership of entry (ims, index) ends at `edge` (the B of its HANDLE_RELEASE): after it,
        no message may reach the revoked pair."""
        g = self._current[(ims, index)]
        if g.revoked is None:
            g.revoked = edge
        return g

    def current(self, ims: bool, index: int) -> Grant | None:
        return self._current.get((ims, index))

    def pair(self, addr: int, data: int) -> Grant | None:
        return self._pairs.get((addr, data))

    # ------------------------------------------------------------------ deliveries
    def delivered(
        self, addr: int, data: int, edge: int, raiser: int | None, what: str = ""
    ) -> bool:
        """A message the sink received at `edge` for (addr, data), carrying an event of owner
        `raiser` (`what`: how it was raised, for the message). False (and a failure recorded)
        when it reaches an owner other than the raiser, a revoked pair, or no pair."""
        g = self._pairs.get((addr, data))
        src = f" ({what})" if what else ""
        fail = None
        if g is None:
            fail = f"message @{edge} to 0x{addr:08x}/0x{data:08x}: no owner was granted this pair"
        elif raiser is None:
            fail = f"message @{edge} to {g}: raised by no known owner{src}"
        elif raiser != g.owner:
            fail = (
                f"cross-owner delivery @{edge}: an event of owner {raiser}{src} reached {g}"
                f"{self._owner_note(raiser, g)}"
            )
        elif g.revoked is not None and edge > g.revoked:
            fail = (
                f"cross-owner delivery @{edge}: a message of owner {raiser}{src} reached {g} "
                f"after the release's B @{g.revoked} (IMS-108: nothing of the previous owner "
                "may be in flight then)"
            )
        if fail is None:
            self.delivered_ok += 1
            return True
        self.cross_owner += 1
        self.failures.append(fail)
        return False

    def _owner_note(self, raiser: int, g: Grant) -> str:
        cur = self._current.get((g.ims, g.index))
        if cur is not None and cur is not g:
            return f"; the entry is now {cur}"
        return ""

    def summary(self) -> str:
        return (
            f"{len(self.owners)} owners, {self._gen} pairs granted, {self.delivered_ok} messages "
            f"delivered to their raiser's pair, {self.cross_owner} cross-owner deliveries"
        )
