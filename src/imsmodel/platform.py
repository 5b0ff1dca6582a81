"""Platform model around `ims_ctrl` (docs/spec.md section 10): an x86 interrupt controller that
hands out opaque message address/data pairs and decodes every write it receives, plus the driver's
table-choice policy.

* Compatibility format: address ``0xFEE00000 | dest_id << 12``, data = vector (0x20..0xFF).
* Remappable format: an IRTE handle (0..65535) from a free list; address
  ``0xFEE00000 | handle[14:0] << 5 | 1 << 4 | 1 << 3 | handle[15] << 2``, data = 0. Bit 3 (SHV) is
  set as docs/spec.md section 10 writes it; `decode` also accepts it clear (the sub-handle is
  unused either way: data must be 0).

`decode` raises `UnknownInterrupt` for a write that is not an interrupt message, which is how a
bench detects a stray write on the master port. Where the model picks anything (the IRTE handle), it
uses its own seeded `random.Random`.
"""

from __future__ import annotations

import random

from imsmodel.errors import ImsArgumentError

__all__ = [
    "CPU_MAX",
    "INTERRUPT_WINDOW",
    "IRTE_ENTRIES",
    "VECTOR_MAX",
    "VECTOR_MIN",
    "InterruptController",
    "UnknownInterrupt",
    "choose_table",
    "remap_address",
]

INTERRUPT_WINDOW = 0xFEE00000  # address[31:20] = 0xFEE
CPU_MAX = 255  # 8-bit destination id
VECTOR_MIN = 0x20  # vectors 0..31 are exceptions
VECTOR_MAX = 0xFF
IRTE_ENTRIES = 1 << 16  # 16-bit handle

_WINDOW_MASK = 0xFFF00000
_FMT_REMAP = 1 << 4
_SHV = 1 << 3
_H15 = 1 << 2
_COMPAT_DEST_LSB = 12
_REMAP_LO_LSB = 5


class UnknownInterrupt(ImsArgumentError):
    """A memory write that the interrupt controller cannot decode as an interrupt message."""


def _check_target(cpu: object, vector: object) -> tuple[int, int]:
    if not isinstance(cpu, int) or isinstance(cpu, bool) or not 0 <= cpu <= CPU_MAX:
        raise ImsArgumentError(f"cpu must be an int in 0..{CPU_MAX}, got {cpu!r}")
    if (
        not isinstance(vector, int)
        or isinstance(vector, bool)
        or not VECTOR_MIN <= vector <= VECTOR_MAX
    ):
        raise ImsArgumentError(
            f"vector must be an int in {VECTOR_MIN:#x}..{VECTOR_MAX:#x}, got {vector!r}"
        )
    return cpu, vector


def _check_write(addr: object, data: object) -> tuple[int, int]:
    if not isinstance(addr, int) or not 0 <= addr < (1 << 64):
        raise ImsArgumentError(f"addr must be a 64-bit unsigned int, got {addr!r}")
    if not isinstance(data, int) or not 0 <= data <= 0xFFFFFFFF:
        raise ImsArgumentError(f"data must be a 32-bit unsigned int, got {data!r}")
    return addr, data


def remap_address(handle: int) -> int:
    """The remappable-format address of IRTE `handle` (docs/spec.md section 10)."""
    return (
        INTERRUPT_WINDOW
        | ((handle & 0x7FFF) << _REMAP_LO_LSB)
        | _FMT_REMAP
        | _SHV
        | (((handle >> 15) & 1) << 2)
    )


def choose_table(platform_ims_enabled: bool, has_hypercall: bool) -> str:
    """Driver policy (docs/spec.md section 10).

    "ims" on bare metal or wherever the platform allows IMS; when the platform reports IMS
    disabled, "ims" only with the hypervisor call, else "msix".
    """
    if not isinstance(platform_ims_enabled, bool) or not isinstance(has_hypercall, bool):
        raise ImsArgumentError(
            f"choose_table takes two bools, got {platform_ims_enabled!r}, {has_hypercall!r}"
        )
    if platform_ims_enabled or has_hypercall:
        return "ims"
    return "msix"


class InterruptController:
    """x86 interrupt controller with interrupt remapping, as the bench's platform model."""

    __slots__ = ("_compat", "_free", "_irte", "_rng")

    def __init__(self, seed: int | None = 0, irte_entries: int = IRTE_ENTRIES) -> None:
        if not isinstance(irte_entries, int) or not 1 <= irte_entries <= IRTE_ENTRIES:
            raise ImsArgumentError(
                f"irte_entries must be an int in 1..{IRTE_ENTRIES}, got {irte_entries!r}"
            )
        self._rng = random.Random(seed)
        self._free: list[int] = list(range(irte_entries))
        self._irte: dict[int, tuple[int, int]] = {}
        self._compat: dict[tuple[int, int], int] = {}  # (cpu, vector) -> allocation count

    @property
    def remap_in_use(self) -> int:
        """Number of allocated IRTE handles."""
        return len(self._irte)

    def alloc_compat(self, cpu: int, vector: int) -> tuple[int, int]:
        """Compatibility-format pair: (0xFEE00000 | cpu << 12, vector)."""
        cpu, vector = _check_target(cpu, vector)
        key = (cpu, vector)
        self._compat[key] = self._compat.get(key, 0) + 1
        return INTERRUPT_WINDOW | (cpu << _COMPAT_DEST_LSB), vector

    def alloc_remappable(self, cpu: int, vector: int) -> tuple[int, int]:
        """Remappable-format pair for a fresh IRTE handle picked at random from the free list."""
        cpu, vector = _check_target(cpu, vector)
        free = self._free
        if not free:
            raise ImsArgumentError("no free IRTE handle")
        k = self._rng.randrange(len(free))
        free[k], free[-1] = free[-1], free[k]
        handle = free.pop()
        self._irte[handle] = (cpu, vector)
        return remap_address(handle), 0

    def free(self, addr: int, data: int) -> None:
        """Release a pair returned by an alloc_* call."""
        addr, data = _check_write(addr, data)
        handle = self._remap_handle(addr, data)
        if handle is not None:
            del self._irte[handle]
            self._free.append(handle)
            return
        key = self._compat_target(addr, data)
        count = self._compat.get(key, 0)
        if count == 0:
            raise ImsArgumentError(f"free of a pair that is not allocated: {addr:#x}/{data:#x}")
        if count == 1:
            del self._compat[key]
        else:
            self._compat[key] = count - 1

    def decode(self, addr: int, data: int) -> tuple[int, int]:
        """(cpu, vector) of a received memory write; `UnknownInterrupt` if it is not an interrupt.

        Compatibility format is decoded statelessly, as a local APIC would; remappable format
        must name an allocated IRTE handle.
        """
        addr, data = _check_write(addr, data)
        handle = self._remap_handle(addr, data)
        if handle is not None:
            return self._irte[handle]
        return self._compat_target(addr, data)

    def _remap_handle(self, addr: int, data: int) -> int | None:
        """The IRTE handle of a remappable-format write, None for compatibility format."""
        if addr >> 32:
            raise UnknownInterrupt(f"write to {addr:#x}: upper 32 address bits are not 0")
        if addr & _WINDOW_MASK != INTERRUPT_WINDOW:
            raise UnknownInterrupt(f"write to {addr:#x}: outside the 0xFEExxxxx interrupt window")
        if not addr & _FMT_REMAP:
            return None
        if addr & 0x3:
            raise UnknownInterrupt(f"remappable write to {addr:#x}: address bits [1:0] not 0")
        if data != 0:
            raise UnknownInterrupt(
                f"remappable write to {addr:#x} with data {data:#x}: "
                "sub-handle unused, data must be 0"
            )
        handle = ((addr >> _REMAP_LO_LSB) & 0x7FFF) | (((addr & _H15) >> 2) << 15)
        if handle not in self._irte:
            raise UnknownInterrupt(f"remappable write to {addr:#x}: IRTE handle {handle} unknown")
        return handle

    def _compat_target(self, addr: int, data: int) -> tuple[int, int]:
        if addr & 0xFFF:
            raise UnknownInterrupt(
                f"compatibility write to {addr:#x}: bits [11:0] not 0 (only fixed, physical, "
                "8-bit destination messages are handed out)"
            )
        if not VECTOR_MIN <= data <= VECTOR_MAX:
            raise UnknownInterrupt(
                f"compatibility write to {addr:#x} with data {data:#x}: not a vector in "
                f"{VECTOR_MIN:#x}..{VECTOR_MAX:#x}"
            )
        return (addr >> _COMPAT_DEST_LSB) & 0xFF, data

    #: The driver policy, also reachable from the controller.
    choose_table = staticmethod(choose_table)
