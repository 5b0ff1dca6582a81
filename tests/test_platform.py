"""Platform model (docs/spec.md section 10): interrupt controller and driver table policy."""

from __future__ import annotations

from typing import Any

import pytest

from imsmodel import ImsArgumentError, ImsModel
from imsmodel.platform import InterruptController, UnknownInterrupt, choose_table, remap_address


def test_compat_format() -> None:
    """Section 10: compatibility format: address 0xFEE00000 | dest_id << 12, data = vector."""
    ic = InterruptController()
    assert ic.alloc_compat(0, 0x20) == (0xFEE00000, 0x20)
    assert ic.alloc_compat(255, 0xFF) == (0xFEEFF000, 0xFF)
    assert ic.alloc_compat(3, 0x41) == (0xFEE03000, 0x41)
    assert ic.decode(0xFEE03000, 0x41) == (3, 0x41)
    assert ic.decode(0xFEEFF000, 0xFF) == (255, 0xFF)


@pytest.mark.parametrize(("cpu", "vector"), [(-1, 0x20), (256, 0x20), (0, 0x1F), (0, 0x100)])
def test_compat_bad_target(cpu: int, vector: int) -> None:
    """cpu 0..255 and vector 0x20..0xFF, else ImsArgumentError."""
    ic = InterruptController()
    with pytest.raises(ImsArgumentError):
        ic.alloc_compat(cpu, vector)
    with pytest.raises(ImsArgumentError):
        ic.alloc_remappable(cpu, vector)
    assert ic.remap_in_use == 0


def test_remappable_format_bits() -> None:
    """Section 10: remappable format address 0xFEE00000 | handle[14:0] << 5 | 1 << 4 | 1 << 3 |
    handle[15] << 2, data 0."""
    assert remap_address(0) == 0xFEE00018
    assert remap_address(1) == 0xFEE00038
    assert remap_address(0x7FFF) == 0xFEE00000 | (0x7FFF << 5) | 0x18
    assert remap_address(0x8000) == 0xFEE0001C
    assert remap_address(0xFFFF) == 0xFEEFFFFC


def test_remappable_alloc_decode_free() -> None:
    """Remappable pairs decode back to (cpu, vector) while allocated, and are unknown after free."""
    ic = InterruptController(seed=1)
    pairs = {}
    for k in range(200):
        cpu, vec = k % 7, 0x20 + k % 200
        addr, data = ic.alloc_remappable(cpu, vec)
        assert data == 0 and addr >> 20 == 0xFEE and addr & 0x18 == 0x18
        pairs[(addr, data)] = (cpu, vec)
    assert len(pairs) == 200 == ic.remap_in_use  # distinct handles
    for (addr, data), target in pairs.items():
        assert ic.decode(addr, data) == target
    (addr, data), target = next(iter(pairs.items()))
    ic.free(addr, data)
    with pytest.raises(UnknownInterrupt, match="unknown"):
        ic.decode(addr, data)
    with pytest.raises(ImsArgumentError):
        ic.free(addr, data)
    assert ic.remap_in_use == 199


def test_remappable_without_shv_accepted() -> None:
    """decode also accepts the remappable format with SHV (bit 3) clear (sub-handle unused)."""
    ic = InterruptController()
    addr, _ = ic.alloc_remappable(1, 0x30)
    assert ic.decode(addr & ~0x8, 0) == (1, 0x30)


def test_seeded_and_exhaustible() -> None:
    """The handle choice is a seeded random draw: the same seed gives the same pairs; a full IRTE
    table raises."""
    a = InterruptController(seed=42)
    b = InterruptController(seed=42)
    c = InterruptController(seed=43)
    seq_a = [a.alloc_remappable(0, 0x30) for _ in range(20)]
    assert seq_a == [b.alloc_remappable(0, 0x30) for _ in range(20)]
    assert seq_a != [c.alloc_remappable(0, 0x30) for _ in range(20)]
    small = InterruptController(irte_entries=4)
    got = {small.alloc_remappable(0, 0x30) for _ in range(4)}
    assert len(got) == 4
    with pytest.raises(ImsArgumentError, match="no free"):
        small.alloc_remappable(0, 0x30)
    small.free(*got.pop())
    small.alloc_remappable(1, 0x31)
    with pytest.raises(ImsArgumentError):
        InterruptController(irte_entries=0)


@pytest.mark.parametrize(
    ("addr", "data", "why"),
    [
        (0x1_FEE00000, 0x20, "upper 32"),
        (0xFED00000, 0x20, "window"),
        (0x00000000, 0, "window"),
        (0xFEE00004, 0x20, "bits"),  # compat with low bits set
        (0xFEE00000, 0x10, "vector"),
        (0xFEE00000, 0x120, "vector"),
        (0xFEE00018, 0, "unknown"),  # remappable handle 0 never allocated
        (0xFEE00018 | 1, 0, "bits"),
    ],
)
def test_decode_stray_writes(addr: int, data: int, why: str) -> None:
    """decode raises UnknownInterrupt (an ImsArgumentError) for a write that is not an interrupt."""
    ic = InterruptController()
    with pytest.raises(UnknownInterrupt, match=why):
        ic.decode(addr, data)


def test_decode_remappable_with_data_is_stray() -> None:
    """A remappable-format write whose data is not 0 is not a message this platform handed out."""
    ic = InterruptController()
    addr, _ = ic.alloc_remappable(2, 0x50)
    with pytest.raises(UnknownInterrupt, match="data"):
        ic.decode(addr, 1)


@pytest.mark.parametrize(("addr", "data"), [(-1, 0), (1 << 64, 0), (0xFEE00000, -1), ("x", 0)])
def test_decode_bad_arguments(addr: Any, data: Any) -> None:
    """Non-integer or out-of-range write values are argument errors."""
    with pytest.raises(ImsArgumentError):
        InterruptController().decode(addr, data)


def test_compat_free_counts() -> None:
    """Compatibility pairs are counted per (cpu, vector); freeing more than allocated raises."""
    ic = InterruptController()
    pair = ic.alloc_compat(1, 0x40)
    ic.alloc_compat(1, 0x40)
    ic.free(*pair)
    ic.free(*pair)
    with pytest.raises(ImsArgumentError, match="not allocated"):
        ic.free(*pair)


@pytest.mark.parametrize(
    ("ims_enabled", "hypercall", "table"),
    [(True, False, "ims"), (True, True, "ims"), (False, True, "ims"), (False, False, "msix")],
)
def test_driver_policy(ims_enabled: bool, hypercall: bool, table: str) -> None:
    """Section 10: bare metal uses IMS; IMS disabled by the platform: IMS only with the hypervisor
    call, else MSI-X."""
    assert choose_table(ims_enabled, hypercall) == table
    assert InterruptController.choose_table(ims_enabled, hypercall) == table


def test_driver_policy_bad_arguments() -> None:
    """choose_table takes bools."""
    with pytest.raises(ImsArgumentError):
        choose_table(1, False)  # type: ignore[arg-type]


def test_end_to_end_messages_decode() -> None:
    """The device's messages, programmed with platform pairs, decode back to their targets."""
    ic = InterruptController(seed=7)
    m = ImsModel(ims_entries=8, msix_entries=2)
    targets = {}
    for i in range(8):
        addr, data = ic.alloc_remappable(i, 0x40 + i) if i % 2 else ic.alloc_compat(i, 0x40 + i)
        m.write(0x8000 + 16 * i, addr & 0xFFFFFFFF)
        m.write(0x8004 + 16 * i, addr >> 32)
        m.write(0x8008 + 16 * i, data)
        m.write(0x800C + 16 * i, 0)
        targets[i] = (i, 0x40 + i)
    m.write(0x8, 0x4)
    for i in range(8):
        m.event(True, i)
    got = {x.index: ic.decode(x.addr, x.data) for x in m.take_messages()}
    assert got == targets
