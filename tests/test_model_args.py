"""Every `ImsArgumentError` path of the model API; each asserts the model state is unchanged.

IMS-001 (parameters), and the API contract of the brief: offsets, values, strobes, handles,
PASIDs, response strings, indexes, and bench callbacks with nothing outstanding.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from ims_spec import CTRL, FUNC_MASK, IMS_EN, MSIX_EN, VCTRL, full_state, ims, wr

from imsmodel import ImsArgumentError, ImsModel


def _busy_model(auto: bool = False) -> ImsModel:
    """A model with state everywhere: pending bits, a latched error, messages in flight."""
    m = ImsModel(ims_entries=70, msix_entries=9, auto_complete=auto)
    wr(m, CTRL, IMS_EN | MSIX_EN | FUNC_MASK)
    wr(m, ims(1, VCTRL), 0)
    m.event(True, 1)
    m.event(True, 2)
    m.event(False, 3)
    m.event(True, 300)
    m.event(True, 1)
    if not auto:
        m.message_accepted()
    return m


def _assert_rejected(m: ImsModel, call: Callable[[], Any], match: str | None = None) -> None:
    before = full_state(m)
    unseen = list(m._out)
    with pytest.raises(ImsArgumentError, match=match):
        call()
    assert full_state(m) == before
    assert m._out == unseen


@pytest.mark.parametrize(
    ("n", "mm"),
    [(0, 9), (2049, 9), (64, 0), (64, 257), (-5, 9), ("64", 9), (64.0, 9), (None, 9), (True, 9)],
)
def test_ims_001_bad_parameters(n: Any, mm: Any) -> None:
    """IMS-001: out-of-range or non-int table sizes raise ImsArgumentError (a ValueError)."""
    with pytest.raises(ImsArgumentError, match="IMS-001"):
        ImsModel(ims_entries=n, msix_entries=mm)
    assert issubclass(ImsArgumentError, ValueError)


def test_bad_auto_complete() -> None:
    """auto_complete must be a bool."""
    with pytest.raises(ImsArgumentError):
        ImsModel(auto_complete=1)  # type: ignore[arg-type]


@pytest.mark.parametrize("offset", [-4, 0x10000, 0x10004, 1, 2, 0x8003, "8", 8.0, None])
def test_bad_offset_write_and_read(offset: Any) -> None:
    """An offset not an int in 0..0xFFFF, or not 4-byte aligned, is rejected by write and read."""
    m = _busy_model()
    _assert_rejected(m, lambda: m.write(offset, 0), "offset")
    _assert_rejected(m, lambda: m.read(offset), "offset")


@pytest.mark.parametrize("value", [-1, 1 << 32, 0x1_0000_0001, 1.0, "1", None])
def test_bad_value(value: Any) -> None:
    """A value outside 0..2^32-1 is rejected (even towards an unmapped offset)."""
    m = _busy_model()
    _assert_rejected(m, lambda: m.write(CTRL, value), "value")
    _assert_rejected(m, lambda: m.write(0xC, value), "value")


@pytest.mark.parametrize("strb", [-1, 16, 0xFF, 1.0, None])
def test_bad_strb(strb: Any) -> None:
    """A strobe outside 0..0xF is rejected."""
    m = _busy_model()
    _assert_rejected(m, lambda: m.write(ims(1, VCTRL), 1, strb), "strb")


@pytest.mark.parametrize("handle", [-1, 0x10000, 1 << 20, "3", 3.0, None])
def test_bad_handle(handle: Any) -> None:
    """A handle outside 16 bits is rejected (a 16-bit handle >= N is the device's INVALID_HANDLE,
    not an exception)."""
    m = _busy_model()
    _assert_rejected(m, lambda: m.event(True, handle), "handle")
    _assert_rejected(m, lambda: m.event(False, handle), "handle")


def test_handle_in_16_bits_but_out_of_table_is_not_an_exception() -> None:
    """IMS-040/041: a 16-bit handle >= table size is a device error, not ImsArgumentError."""
    m = ImsModel()
    assert m.event(True, 0xFFFF).name == "IMS_DISABLED"
    assert m.event(False, 0xFFFF).name == "INVALID_HANDLE"


@pytest.mark.parametrize("pasid", [-1, 1 << 20, "1", 1.0])
def test_bad_pasid(pasid: Any) -> None:
    """A PASID that is not None and not in 0..2^20-1 is rejected."""
    m = _busy_model()
    _assert_rejected(m, lambda: m.event(True, 1, pasid), "pasid")
    _assert_rejected(m, lambda: m.event(False, 1, pasid), "pasid")


@pytest.mark.parametrize("table", [2, -1, "ims", None, 1.0])
def test_bad_table_flag(table: Any) -> None:
    """ims must be a bool (0/1 are accepted as False/True)."""
    m = _busy_model()
    _assert_rejected(m, lambda: m.event(table, 1), "ims")
    _assert_rejected(m, lambda: m.pending(table, 1), "ims")
    _assert_rejected(m, lambda: m.masked(table, 1), "ims")


def test_int_table_flag_accepted() -> None:
    """0 and 1 work as table flags (signal values from a bench)."""
    m = ImsModel()
    wr(m, CTRL, IMS_EN | MSIX_EN)
    assert m.event(1, 0).name == "PENDING"
    assert m.pending(1, 0) and not m.pending(0, 0)


@pytest.mark.parametrize("resp", ["OK", "okay", "EXOKAY", 0, 2, None])
def test_bad_resp(resp: Any) -> None:
    """b_response takes "OKAY", "SLVERR" or "DECERR" only."""
    m = _busy_model()
    _assert_rejected(m, lambda: m.b_response(resp), "resp")


def test_b_response_nothing_outstanding() -> None:
    """IMS-074 (model API): b_response with nothing in flight raises, in both modes."""
    m = _busy_model(auto=True)
    _assert_rejected(m, lambda: m.b_response("OKAY"), "auto_complete")
    b = ImsModel(auto_complete=False)
    _assert_rejected(b, lambda: b.b_response("SLVERR"), "no message in flight")


def test_b_response_before_accept() -> None:
    """b_response for a message whose AW+W has not been reported raises."""
    m = _busy_model()
    m.b_response("OKAY")  # the one accepted message
    assert m.outstanding == 1
    _assert_rejected(m, lambda: m.b_response("OKAY"), "message_accepted")


def test_message_accepted_nothing_outstanding() -> None:
    """message_accepted with no emitted message awaiting AW+W raises, in both modes."""
    m = _busy_model()
    m.message_accepted()
    _assert_rejected(m, m.message_accepted, "message_accepted")
    a = _busy_model(auto=True)
    _assert_rejected(a, a.message_accepted, "auto_complete")


@pytest.mark.parametrize(("table", "index"), [(True, 70), (True, -1), (False, 9), (False, 1.0)])
def test_bad_index(table: bool, index: Any) -> None:
    """pending() and masked() reject an index outside the table."""
    m = _busy_model()
    _assert_rejected(m, lambda: m.pending(table, index), "index")
    _assert_rejected(m, lambda: m.masked(table, index), "index")
    _assert_rejected(m, lambda: m.effectively_masked(table, index), "index")


def test_index_bounds_accepted() -> None:
    """The last entry of each table is a valid index."""
    m = _busy_model()
    assert m.masked(True, 69) and m.masked(False, 8)
    assert not m.pending(True, 69) and m.pending(False, 3)
    assert m.effectively_masked(False, 3) and not m.effectively_masked(True, 1)
