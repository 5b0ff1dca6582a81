"""Register-map behaviour of the model: docs/spec.md sections 1 and 3 (IMS-001, IMS-020..027)."""

from __future__ import annotations

import pytest
from ims_spec import (
    ADDR_HI,
    ADDR_LO,
    CAP,
    CTRL,
    DATA,
    ERR_COUNT,
    ERR_INFO,
    ERR_INT_EN,
    ERR_PASID,
    ERR_STATUS,
    FUNC_MASK,
    ID,
    IMS_DISABLED,
    IMS_EN,
    INVALID_HANDLE,
    MSG_COUNT,
    MSIX_EN,
    OVERFLOW,
    VALID,
    VCTRL,
    g,
    ims,
    ims_ctl,
    ims_pba,
    mapped_offsets,
    msix,
    msix_pba,
    rd,
    snapshot,
    wr,
)

from imsmodel import ImsArgumentError, ImsModel


def test_ims_001_parameter_range_and_defaults() -> None:
    """IMS-001: N 1..2048 (default 64), M 1..256 (default 9); others raise ValueError."""
    m = ImsModel()
    assert (m.ims_entries, m.msix_entries) == (64, 9)
    for n, mm in [(1, 1), (2048, 256), (2048, 1), (1, 256)]:
        model = ImsModel(ims_entries=n, msix_entries=mm)
        assert rd(model, CAP) & 0xFFFF == n
    for n, mm in [(0, 9), (2049, 9), (64, 0), (64, 257), (-1, 9)]:
        with pytest.raises(ValueError):
            ImsModel(ims_entries=n, msix_entries=mm)
        with pytest.raises(ImsArgumentError):
            ImsModel(ims_entries=n, msix_entries=mm)


@pytest.mark.parametrize(
    ("n", "m", "cap"),
    [(64, 9, 0x80080040), (2048, 256, 0x80FF0800), (1, 1, 0x80000001), (100, 33, 0x80200064)],
)
def test_ims_020_id_and_cap(n: int, m: int, cap: int) -> None:
    """IMS-020: ID reads 0x494D5301; CAP reads {1'b1, 4'b0, (M-1)[10:0], N[15:0]}."""
    model = ImsModel(ims_entries=n, msix_entries=m)
    assert model.read(ID) == (0x494D5301, "OKAY")
    assert model.read(CAP) == (cap, "OKAY")


def _dirty(m: ImsModel) -> None:
    """Drive as much state as possible away from reset."""
    wr(m, CTRL, MSIX_EN | FUNC_MASK)  # MSI-X closed, so events pend
    for i in range(m.msix_entries):
        wr(m, msix(i, ADDR_LO), 0xFEE01000 + i * 4)
        wr(m, msix(i, ADDR_HI), 0x1)
        wr(m, msix(i, DATA), 0x40 + i)
        wr(m, msix(i, VCTRL), 0)
        m.event(False, i)
    wr(m, CTRL, IMS_EN)
    for i in range(m.ims_entries):
        wr(m, ims(i, ADDR_LO), 0xFEE02000)
        wr(m, ims(i, ADDR_HI), 0x2)
        wr(m, ims(i, DATA), i)
        m.event(True, i)  # masked: pends
        wr(m, ims(i, VCTRL), ims_ctl(mask=1, pasid_en=1, pasid=i + 1))
    m.event(True, 0xFFFF)
    m.event(True, 0xFFFF)
    wr(m, CTRL, 0xF)


def _assert_reset_state(m: ImsModel) -> None:
    n, mm = m.ims_entries, m.msix_entries
    expect = {ID: 0x494D5301, CAP: (1 << 31) | ((mm - 1) << 16) | n}
    for off in mapped_offsets(n, mm):
        is_ctl = (0x1000 <= off < 0x2000 or off >= 0x8000) and off % 16 == 12
        want = 1 if is_ctl else expect.get(off, 0)  # control words: MASK = 1, rest 0
        assert rd(m, off) == want, f"offset {off:#x}"
    for i in range(mm):
        assert not m.pending(False, i) and m.masked(False, i)
    for i in range(n):
        assert not m.pending(True, i) and m.masked(True, i)
    assert m.ctrl == 0


@pytest.mark.parametrize(("n", "m"), [(64, 9), (70, 65), (1, 1)])
def test_ims_021_reset_values(n: int, m: int) -> None:
    """IMS-021: after construction and after reset(), every register and entry has its reset
    value and every pending bit is 0."""
    model = ImsModel(ims_entries=n, msix_entries=m)
    _assert_reset_state(model)
    _dirty(model)
    assert snapshot(model) != snapshot(ImsModel(ims_entries=n, msix_entries=m))
    model.reset()
    _assert_reset_state(model)


def test_ims_022_reserved_bits_read_zero() -> None:
    """IMS-022: reserved bits (CTRL[31:4], addr_lo[1:0], control-word reserved bits,
    ERR_STATUS reserved bits) read 0 and writes to them are ignored."""
    m = ImsModel()
    wr(m, CTRL, 0xFFFFFFF0)
    assert rd(m, CTRL) == 0
    wr(m, CTRL, 0xFFFFFFFF)
    assert rd(m, CTRL) == 0xF
    wr(m, msix(2, ADDR_LO), 0xFFFFFFFF)
    assert rd(m, msix(2, ADDR_LO)) == 0xFFFFFFFC
    wr(m, ims(5, ADDR_LO), 0x12345677)
    assert rd(m, ims(5, ADDR_LO)) == 0x12345674
    wr(m, msix(2, VCTRL), 0xFFFFFFFF)
    assert rd(m, msix(2, VCTRL)) == 0x1
    wr(m, msix(2, VCTRL), 0xFFFFFFFE)
    assert rd(m, msix(2, VCTRL)) == 0x0
    wr(m, ims(5, VCTRL), 0xFFFFFFFF)
    assert rd(m, ims(5, VCTRL)) == 0xFFFFF009
    wr(m, ims(5, VCTRL), 0x00000FF6)
    assert rd(m, ims(5, VCTRL)) == 0x0
    # ERR_STATUS: with an error latched, only VALID, OVERFLOW and CODE are ever visible.
    wr(m, CTRL, 0)
    m.event(True, 0)  # IMS_DISABLED
    m.event(True, 0)  # overflow
    wr(m, ERR_STATUS, 0xFFFF00FC)  # 1s to reserved bits and CODE only
    assert rd(m, ERR_STATUS) == VALID | OVERFLOW | (IMS_DISABLED << 8)


def test_ims_023_wstrb_per_byte_on_table_words_and_ctrl() -> None:
    """IMS-023: a byte whose strobe is 0 keeps its value, on every RW register and table word."""
    m = ImsModel()
    for off in (msix(1, ADDR_HI), msix(1, DATA), ims(7, ADDR_HI), ims(7, DATA)):
        wr(m, off, 0x11223344)
        wr(m, off, 0xAABBCCDD, strb=0b0101)
        assert rd(m, off) == 0x11BB33DD
        wr(m, off, 0xEEFF0099, strb=0b1010)
        assert rd(m, off) == 0xEEBB00DD
    wr(m, ims(7, ADDR_LO), 0x11223344)
    wr(m, ims(7, ADDR_LO), 0xAABBCCDF, strb=0b0001)
    assert rd(m, ims(7, ADDR_LO)) == 0x112233DC
    # IMS control word: PASID bytes written without byte 0 leave MASK and PASID_EN alone.
    wr(m, ims(7, VCTRL), 0x12345000 | 0x8, strb=0b1110)
    assert rd(m, ims(7, VCTRL)) == 0x12345001
    wr(m, ims(7, VCTRL), 0xFFFFF008, strb=0b0001)
    assert rd(m, ims(7, VCTRL)) == 0x12345008
    # CTRL lives in byte 0.
    wr(m, CTRL, 0xF, strb=0b1110)
    assert rd(m, CTRL) == 0
    wr(m, CTRL, IMS_EN, strb=0b0001)
    assert rd(m, CTRL) == IMS_EN


def test_ims_023_wstrb_zero_changes_and_triggers_nothing() -> None:
    """IMS-023: WSTRB = 0 answers OKAY, changes nothing and, for a control word or CTRL, triggers
    nothing (no unmask message, no flush)."""
    m = ImsModel()
    wr(m, CTRL, IMS_EN | MSIX_EN | FUNC_MASK)
    assert m.event(True, 3).name == "PENDING"
    wr(m, msix(4, VCTRL), 0)
    assert m.event(False, 4).name == "PENDING"  # function mask
    before = snapshot(m)
    for off in (ims(3, VCTRL), CTRL, ims(3, DATA), msix(4, ADDR_LO), ERR_STATUS):
        assert m.write(off, 0, strb=0) == "OKAY"
    assert m.take_messages() == []
    assert snapshot(m) == before


def test_ims_023_control_word_without_byte0_cannot_unmask() -> None:
    """IMS-023: a control-word write whose byte-0 strobe is 0 cannot change MASK, so it sends no
    unmask message (IMS-031) even with value bit 0 = 0."""
    m = ImsModel()
    wr(m, CTRL, IMS_EN)
    m.event(True, 9)
    assert m.pending(True, 9)
    wr(m, ims(9, VCTRL), 0x00000000, strb=0b1110)
    assert m.masked(True, 9) and m.pending(True, 9)
    assert m.take_messages() == []


def test_ims_024_ro_registers_and_pba_ignore_writes() -> None:
    """IMS-024: writes to ID, CAP, ERR_INFO, ERR_PASID, ERR_COUNT, MSG_COUNT and in-range PBA
    QWORDs answer OKAY and change nothing; ERR_STATUS.CODE is read-only."""
    m = ImsModel()
    wr(m, CTRL, IMS_EN | MSIX_EN | FUNC_MASK)
    m.event(True, 1)  # pends IMS 1
    m.event(False, 0)  # pends MSI-X 0 (function-masked)
    wr(m, ims(2, VCTRL), 0)
    m.event(True, 2)  # a message: MSG_COUNT = 1
    m.event(True, 0x8000, pasid=0x55)  # INVALID_HANDLE latched
    m.take_messages()
    before = snapshot(m)
    for off in (ID, CAP, ERR_INFO, ERR_PASID, ERR_COUNT, MSG_COUNT):
        for value in (0, 0xFFFFFFFF):
            assert m.write(off, value) == "OKAY"
    for off in (msix_pba(0, 0), msix_pba(0, 1), ims_pba(0, 0), ims_pba(0, 1)):
        for value in (0, 0xFFFFFFFF):
            assert m.write(off, value) == "OKAY"
    assert m.write(ERR_STATUS, 0xFF00) == "OKAY"  # CODE bits only
    assert snapshot(m) == before
    assert rd(m, ERR_STATUS) == VALID | (INVALID_HANDLE << 8)
    assert m.pending(True, 1) and m.pending(False, 0)
    assert m.take_messages() == []


def _unmapped(n: int, mm: int) -> list[int]:
    offs = [0x000C, 0x0024, 0x0100, 0x0FFC, 0x1FFC, msix_pba(g(mm)), msix_pba(g(mm), 1), 0x2FFC]
    offs += [ims_pba(g(n)), ims_pba(g(n), 1), 0x3FFC, 0x4000, 0x5A5C, 0x7FFC]
    if mm < 256:  # a full MSI-X table reaches 0x1FFF
        offs += [msix(mm), msix(mm, 0xC)]
    else:
        offs.remove(0x1FFC)
    if n < 2048:  # a full IMS table reaches 0xFFFF
        offs += [ims(n), ims(n, 0x8), 0xFFFC]
    return offs


@pytest.mark.parametrize(("n", "m"), [(64, 9), (65, 64), (1, 1), (2048, 256)])
def test_ims_025_unmapped_offsets_slverr(n: int, m: int) -> None:
    """IMS-025: unmapped offsets answer SLVERR, read 0 and change nothing; the first and last
    in-range entry and PBA QWORD are mapped."""
    model = ImsModel(ims_entries=n, msix_entries=m)
    wr(model, CTRL, IMS_EN | MSIX_EN)
    model.event(True, 0)
    before = snapshot(model)
    for off in _unmapped(n, m):
        assert model.read(off) == (0, "SLVERR"), hex(off)
        assert model.write(off, 0xFFFFFFFF) == "SLVERR", hex(off)
        assert model.write(off, 0, strb=0) == "SLVERR", hex(off)
    assert snapshot(model) == before
    assert model.take_messages() == []
    for off in (msix(0), msix(m - 1, 0xC), msix_pba(g(m) - 1, 1), ims_pba(g(n) - 1, 1)):
        assert model.read(off)[1] == "OKAY"
    assert model.read(ims(n - 1, 0xC))[1] == "OKAY"
    assert model.write(ims(n - 1, 0x8), 1) == "OKAY"


def test_ims_025_every_offset_classified() -> None:
    """IMS-025: over the whole 64 KiB window exactly the mapped offsets answer OKAY."""
    n, mm = 70, 65
    model = ImsModel(ims_entries=n, msix_entries=mm)
    mapped = set(mapped_offsets(n, mm))
    for off in range(0, 0x10000, 4):
        value, resp = model.read(off)
        if off in mapped:
            assert resp == "OKAY", hex(off)
        else:
            assert (value, resp) == (0, "SLVERR"), hex(off)


def test_ims_026_pba_live_bits_and_past_size_zero() -> None:
    """IMS-026: PBA reads return live pending bits: bit k of the table is QWORD k/64, bit k%64;
    bits of entries past the table size read 0."""
    m = ImsModel(ims_entries=40, msix_entries=9)
    wr(m, CTRL, IMS_EN | MSIX_EN | FUNC_MASK)
    for i in (0, 3, 8):
        m.event(False, i)
    for i in (0, 31, 33, 39):
        m.event(True, i)
    assert rd(m, msix_pba(0, 0)) == (1 << 0) | (1 << 3) | (1 << 8)
    assert rd(m, msix_pba(0, 1)) == 0
    assert rd(m, ims_pba(0, 0)) == (1 << 0) | (1 << 31)
    assert rd(m, ims_pba(0, 1)) == (1 << 1) | (1 << 7)
    m2 = ImsModel(ims_entries=130, msix_entries=9)
    wr(m2, CTRL, IMS_EN)
    for i in (63, 64, 127, 128, 129):
        m2.event(True, i)
    assert rd(m2, ims_pba(0, 1)) == 1 << 31
    assert rd(m2, ims_pba(1, 0)) == 1
    assert rd(m2, ims_pba(1, 1)) == 1 << 31
    assert rd(m2, ims_pba(2, 0)) == 0b11
    assert rd(m2, ims_pba(2, 1)) == 0
    # live: an unmask clears the bit at once
    wr(m2, ims(64, VCTRL), 0)
    assert rd(m2, ims_pba(1, 0)) == 0


def test_ims_027_err_status_w1c() -> None:
    """IMS-027: writing 1 to VALID clears VALID and CODE; 1 to OVERFLOW clears OVERFLOW; 0s
    change nothing."""
    m = ImsModel()
    m.event(True, 1)  # IMS_DISABLED, latched
    m.event(True, 2)  # overflow
    assert rd(m, ERR_STATUS) == VALID | OVERFLOW | (IMS_DISABLED << 8)
    wr(m, ERR_STATUS, 0)
    assert rd(m, ERR_STATUS) == VALID | OVERFLOW | (IMS_DISABLED << 8)
    wr(m, ERR_STATUS, OVERFLOW)
    assert rd(m, ERR_STATUS) == VALID | (IMS_DISABLED << 8)
    m.event(True, 3)
    wr(m, ERR_STATUS, VALID)
    assert rd(m, ERR_STATUS) == OVERFLOW  # CODE reads 0 with VALID
    wr(m, ERR_STATUS, OVERFLOW | VALID)
    assert rd(m, ERR_STATUS) == 0
    # ERR_INFO/ERR_PASID keep the latched error (IMS-052); ERR_COUNT counts all three.
    assert rd(m, ERR_INFO) == (1 << 16) | 1
    assert rd(m, ERR_COUNT) == 3


def test_ims_027_w1c_honours_strobe() -> None:
    """IMS-027 with IMS-023 (decided in the model): VALID/OVERFLOW live in byte 0, so a write
    whose byte-0 strobe is 0 clears nothing."""
    m = ImsModel()
    m.event(True, 1)
    m.event(True, 1)
    wr(m, ERR_STATUS, 0x3, strb=0b1110)
    assert rd(m, ERR_STATUS) == VALID | OVERFLOW | (IMS_DISABLED << 8)
    wr(m, ERR_STATUS, 0x3, strb=0b0001)
    assert rd(m, ERR_STATUS) == 0


def test_ims_027_err_int_enable_does_not_raise_on_its_own() -> None:
    """IMS-060 with IMS-027: setting ERR_INT_ENABLE while VALID = 1 raises nothing (raise only on
    a latch)."""
    m = ImsModel()
    wr(m, msix(0, VCTRL), 0)
    m.event(True, 1)
    wr(m, CTRL, MSIX_EN | ERR_INT_EN)
    assert m.take_messages() == []
    assert not m.pending(False, 0)
