"""Tests of `imsmodel.regmap` against the literal numbers of docs/spec.md section 3."""

from __future__ import annotations

import pytest
from ims_spec import g, ims, ims_pba, msix, msix_pba

from imsmodel import ErrorCode, ImsArgumentError
from imsmodel import regmap as rm
from imsmodel.regmap import Access, Kind


def test_ims_054_error_codes() -> None:
    """IMS-054: error code values."""
    assert int(ErrorCode.MSG_WRITE_FAILED) == 0x01
    assert int(ErrorCode.IMS_DISABLED) == 0x02
    assert int(ErrorCode.MSIX_DISABLED) == 0x03
    assert int(ErrorCode.INVALID_HANDLE) == 0x19
    assert int(ErrorCode.PASID_MISMATCH) == 0x1A
    assert len(ErrorCode) == 5


def test_ims_020_id_and_cap_values() -> None:
    """IMS-020: ID = 0x494D5301; CAP = {1, 4'b0, (M-1)[10:0], N[15:0]}."""
    assert rm.ID_VALUE == 0x494D5301
    assert rm.ID.reset == 0x494D5301
    assert rm.cap_value(64, 9) == 0x8008_0040
    assert rm.cap_value(2048, 256) == 0x80FF_0800
    assert rm.cap_value(1, 1) == 0x8000_0001
    assert rm.reset_value(rm.CAP, 64, 9) == 0x8008_0040


def test_ims_001_parameter_ranges() -> None:
    """IMS-001: N in 1..2048, M in 1..256, defaults 64 and 9."""
    assert (rm.IMS_ENTRIES_MIN, rm.IMS_ENTRIES_MAX, rm.IMS_ENTRIES_DEFAULT) == (1, 2048, 64)
    assert (rm.MSIX_ENTRIES_MIN, rm.MSIX_ENTRIES_MAX, rm.MSIX_ENTRIES_DEFAULT) == (1, 256, 9)
    rm.check_params(1, 1)
    rm.check_params(2048, 256)
    for n, m in [(0, 9), (2049, 9), (64, 0), (64, 257), (True, 9), ("64", 9)]:
        with pytest.raises(ImsArgumentError):
            rm.check_params(n, m)


def test_register_offsets_and_access() -> None:
    """Section 3 table: offsets and access codes of the registers."""
    expect = {
        "ID": (0x0, Access.RO),
        "CAP": (0x4, Access.RO),
        "CTRL": (0x8, Access.RW),
        "ERR_STATUS": (0x10, Access.RW1C),
        "ERR_INFO": (0x14, Access.RO),
        "ERR_PASID": (0x18, Access.RO),
        "ERR_COUNT": (0x1C, Access.RO),
        "MSG_COUNT": (0x20, Access.RO),
        "HANDLE_RELEASE": (0x38, Access.WO),
    }
    assert {r.name: (r.offset, r.access) for r in rm.REGISTERS} == expect
    assert (rm.MSIX_TABLE_BASE, rm.MSIX_PBA_BASE, rm.IMS_PBA_BASE, rm.IMS_TABLE_BASE) == (
        0x1000,
        0x2000,
        0x3000,
        0x8000,
    )


def test_ims_021_field_resets_and_layout() -> None:
    """IMS-021/IMS-022: field positions, reset values and reserved bits of every word."""
    assert rm.CTRL.reset == 0 and rm.CTRL.writable_mask == 0xF
    assert rm.CTRL_MSIX_ENABLE == 1 and rm.CTRL_MSIX_FUNC_MASK == 2
    assert rm.CTRL_IMS_ENABLE == 4 and rm.CTRL_ERR_INT_ENABLE == 8
    assert rm.ERR_STATUS.reset == 0
    assert rm.ERR_STATUS.w1c_mask == 0x3
    assert rm.ERR_STATUS.field("code").mask == 0xFF00
    assert rm.ERR_STATUS.field("code").access is Access.RO
    assert rm.ERR_INFO.defined_mask == 0x3FFFF
    assert rm.ERR_PASID.defined_mask == 0xFFFFF
    assert rm.ERR_COUNT.defined_mask == rm.MSG_COUNT.defined_mask == 0xFFFFFFFF
    lo, hi, data, xctl = rm.MSIX_ENTRY_WORDS
    assert (lo.offset, hi.offset, data.offset, xctl.offset) == (0, 4, 8, 0xC)
    assert lo.writable_mask == 0xFFFFFFFC and lo.reset == 0
    assert hi.writable_mask == data.writable_mask == 0xFFFFFFFF
    assert xctl.writable_mask == 0x1 and xctl.reset == 1
    ictl = rm.IMS_ENTRY_WORDS[3]
    assert ictl.writable_mask == 0xFFFFF009 and ictl.reset == 1
    assert ictl.field("pasid").lsb == 12 and ictl.field("pasid").width == 20
    assert rm.IMS_ENTRY_WORDS[:3] == rm.MSIX_ENTRY_WORDS[:3]


def test_ims_023_strobe_masks() -> None:
    """IMS-023: WSTRB bit b enables byte b."""
    assert rm.STRB_BYTE_MASK[0] == 0
    assert rm.STRB_BYTE_MASK[0xF] == 0xFFFFFFFF
    assert rm.STRB_BYTE_MASK[0b0101] == 0x00FF00FF
    assert rm.STRB_BYTE_MASK[0b1000] == 0xFF000000


def test_field_get_put() -> None:
    """Field helpers."""
    f = rm.IMS_ENTRY_WORDS[3].field("pasid")
    assert f.get(0xABCDE009) == 0xABCDE
    assert f.put(0x9, 0x12345) == 0x12345009
    with pytest.raises(ImsArgumentError):
        f.put(0, 1 << 20)
    with pytest.raises(KeyError):
        rm.CTRL.field("nope")


@pytest.mark.parametrize(("n", "m"), [(64, 9), (1, 1), (2048, 256), (65, 64), (100, 65)])
def test_ims_025_decode_every_offset(n: int, m: int) -> None:
    """IMS-025/IMS-013: decode of every 4-byte offset, and address bits [1:0] are ignored."""
    regs = {0x0: "ID", 0x4: "CAP", 0x8: "CTRL", 0x10: "ERR_STATUS", 0x14: "ERR_INFO"}
    regs |= {0x18: "ERR_PASID", 0x1C: "ERR_COUNT", 0x20: "MSG_COUNT", 0x38: "HANDLE_RELEASE"}
    for off in range(0, 0x10000, 4):
        loc = rm.decode(off, n, m)
        if off in regs:
            assert loc.kind is Kind.REGISTER and loc.name == regs[off]
        elif 0x1000 <= off < 0x1000 + 16 * m:
            assert loc.kind is Kind.MSIX_TABLE
            assert (loc.index, loc.word) == ((off - 0x1000) // 16, (off % 16) // 4)
            assert not loc.ims
        elif 0x2000 <= off < 0x2000 + 8 * g(m):
            assert loc.kind is Kind.MSIX_PBA
            assert (loc.index, loc.word) == ((off - 0x2000) // 8, (off % 8) // 4)
        elif 0x3000 <= off < 0x3000 + 8 * g(n):
            assert loc.kind is Kind.IMS_PBA and loc.ims
            assert (loc.index, loc.word) == ((off - 0x3000) // 8, (off % 8) // 4)
        elif 0x8000 <= off < 0x8000 + 16 * n:
            assert loc.kind is Kind.IMS_TABLE and loc.ims
            assert (loc.index, loc.word) == ((off - 0x8000) // 16, (off % 16) // 4)
        else:
            assert loc.kind is Kind.UNMAPPED and not loc.mapped and loc.name == "unmapped"
        for low in (1, 2, 3):
            assert rm.decode(off + low, n, m) == loc


def test_decode_names() -> None:
    """Readable names of decoded locations."""
    assert rm.decode(ims(3, 0xC), 64, 9).name == "IMS_TABLE[3].ctrl"
    assert rm.decode(msix(8, 0xC), 64, 9).name == "MSIX_TABLE[8].vector_ctrl"
    assert rm.decode(msix_pba(0, 1), 64, 9).name == "MSIX_PBA[0].pba_hi"
    assert rm.decode(ims_pba(0, 0), 64, 9).name == "IMS_PBA[0].pba_lo"


def test_decode_bad_arguments() -> None:
    """decode rejects offsets outside 0..0xFFFF and bad parameters."""
    for bad in (-1, 0x10000, "8", 8.0, None):
        with pytest.raises(ImsArgumentError):
            rm.decode(bad, 64, 9)  # type: ignore[arg-type]
    with pytest.raises(ImsArgumentError):
        rm.decode(0, 0, 9)
    with pytest.raises(ImsArgumentError):
        rm.decode(0, 64, 257)
