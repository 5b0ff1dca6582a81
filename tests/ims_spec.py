# Deliberately independent of imsmodel.regmap (a second reading of docs/spec.md): never import it.
"""Spec constants and helpers for the model tests, written from docs/spec.md with literal numbers.

Deliberately independent of `imsmodel.regmap`, so that a wrong constant there cannot make a model
test agree with a wrong model. Only plain helpers; no fixtures (tests/conftest.py is not ours).
"""

from __future__ import annotations

from imsmodel import ImsModel

# Section 3, register map
ID = 0x0000
CAP = 0x0004
CTRL = 0x0008
ERR_STATUS = 0x0010
ERR_INFO = 0x0014
ERR_PASID = 0x0018
ERR_COUNT = 0x001C
MSG_COUNT = 0x0020
HANDLE_RELEASE = 0x0038  # WO: [15:0] index, [16] ims (IMS-028)
REL_IMS = 1 << 16
REGISTER_OFFSETS = (
    ID, CAP, CTRL, ERR_STATUS, ERR_INFO, ERR_PASID, ERR_COUNT, MSG_COUNT, HANDLE_RELEASE,
)  # fmt: skip

MSIX_EN = 1 << 0
FUNC_MASK = 1 << 1
IMS_EN = 1 << 2
ERR_INT_EN = 1 << 3

VALID = 1 << 0
OVERFLOW = 1 << 1

ADDR_LO, ADDR_HI, DATA, VCTRL = 0x0, 0x4, 0x8, 0xC

MASK = 1 << 0
PASID_EN = 1 << 3

# Section 6, IMS-054
MSG_WRITE_FAILED = 0x01
IMS_DISABLED = 0x02
MSIX_DISABLED = 0x03
INVALID_HANDLE = 0x19
PASID_MISMATCH = 0x1A


def msix(i: int, word: int = 0) -> int:
    """Offset of MSI-X entry i, word at byte offset `word` (0, 4, 8, 0xC)."""
    return 0x1000 + 16 * i + word


def ims(i: int, word: int = 0) -> int:
    """Offset of IMS entry i."""
    return 0x8000 + 16 * i + word


def entry(table_ims: bool, i: int, word: int = 0) -> int:
    return ims(i, word) if table_ims else msix(i, word)


def msix_pba(q: int, half: int = 0) -> int:
    return 0x2000 + 8 * q + 4 * half


def ims_pba(q: int, half: int = 0) -> int:
    return 0x3000 + 8 * q + 4 * half


def ims_ctl(mask: int = 0, pasid_en: int = 0, pasid: int = 0) -> int:
    """IMS control word: [0] MASK, [3] PASID_EN, [31:12] PASID."""
    return mask | (pasid_en << 3) | (pasid << 12)


def g(x: int) -> int:
    """G(x) = ceil(x / 64)."""
    return -(-x // 64)


def rd(m: ImsModel, offset: int) -> int:
    """Read a mapped offset, asserting OKAY."""
    value, resp = m.read(offset)
    assert resp == "OKAY", f"read {offset:#x} answered {resp}"
    return value


def wr(m: ImsModel, offset: int, value: int, strb: int = 0xF) -> None:
    """Write a mapped offset, asserting OKAY."""
    resp = m.write(offset, value, strb)
    assert resp == "OKAY", f"write {offset:#x} answered {resp}"


def program(m: ImsModel, table_ims: bool, i: int, addr: int, data: int) -> None:
    """Program an entry's address and data (does not touch the control word)."""
    wr(m, entry(table_ims, i, ADDR_LO), addr & 0xFFFFFFFF)
    wr(m, entry(table_ims, i, ADDR_HI), addr >> 32)
    wr(m, entry(table_ims, i, DATA), data)


def mapped_offsets(n: int, m: int) -> list[int]:
    """Every mapped offset for table sizes N = n, M = m (IMS-025)."""
    offs = list(REGISTER_OFFSETS)
    offs += [msix(i, w) for i in range(m) for w in (0, 4, 8, 12)]
    offs += [msix_pba(q, h) for q in range(g(m)) for h in (0, 1)]
    offs += [ims_pba(q, h) for q in range(g(n)) for h in (0, 1)]
    offs += [ims(i, w) for i in range(n) for w in (0, 4, 8, 12)]
    return offs


def snapshot(m: ImsModel) -> dict[int, int]:
    """Every software-visible register and table word (reads change nothing, IMS-080)."""
    return {off: rd(m, off) for off in mapped_offsets(m.ims_entries, m.msix_entries)}


def full_state(m: ImsModel) -> tuple[dict[int, int], int, int, dict[str, int]]:
    """Snapshot, master-port bookkeeping and stats (minus the read counter snapshot bumps)."""
    stats = m.stats
    stats.pop("reads")
    return snapshot(m), m.outstanding, m.unaccepted, stats
