"""Errors and the error interrupt: docs/spec.md section 6 (IMS-050..063)."""

from __future__ import annotations

import pytest
from ims_spec import (
    CTRL,
    ERR_COUNT,
    ERR_INFO,
    ERR_INT_EN,
    ERR_PASID,
    ERR_STATUS,
    FUNC_MASK,
    IMS_DISABLED,
    IMS_EN,
    INVALID_HANDLE,
    MSG_WRITE_FAILED,
    MSIX_DISABLED,
    MSIX_EN,
    OVERFLOW,
    PASID_MISMATCH,
    VALID,
    VCTRL,
    ims,
    ims_ctl,
    msix,
    program,
    rd,
    wr,
)

from imsmodel import ErrorCode, EventOutcome, ImsModel, Message

VEC0 = (0xFEE0_0000 | (1 << 12), 0x30)  # the error vector's address/data in these tests


def _with_vector0(m: ImsModel, ctrl: int, vec0_mask: int = 0) -> None:
    program(m, False, 0, *VEC0)
    wr(m, msix(0, VCTRL), vec0_mask)
    wr(m, CTRL, ctrl)


def _raise_msg() -> Message:
    return Message(VEC0[0], VEC0[1], False, 0, True, "raise")


def test_ims_050_every_error_counts_and_saturates() -> None:
    """IMS-050: every error (latched or overflow) increments ERR_COUNT, saturating at 0xFFFFFFFF."""
    m = ImsModel()
    for k in range(1, 6):
        m.event(True, 0)
        assert rd(m, ERR_COUNT) == k
    wr(m, ERR_STATUS, 0x3)
    assert rd(m, ERR_COUNT) == 5  # clearing status does not clear the count
    m._err_count = 0xFFFFFFFE  # white box: 4 billion events would take too long
    m.event(True, 0)
    assert rd(m, ERR_COUNT) == 0xFFFFFFFF
    m.event(False, 0)
    m.event(False, 99)
    assert rd(m, ERR_COUNT) == 0xFFFFFFFF
    m.reset()
    assert rd(m, ERR_COUNT) == 0


def test_ims_051_latch_fields() -> None:
    """IMS-051: an error while VALID = 0 latches VALID, CODE, ERR_INFO {pasid_valid, ims, handle}
    and ERR_PASID (0 when the event had no PASID)."""
    m = ImsModel()
    wr(m, CTRL, IMS_EN)
    wr(m, ims(33, VCTRL), ims_ctl(mask=0, pasid_en=1, pasid=0x4242))
    m.event(True, 33, pasid=0xFFFFF)
    assert rd(m, ERR_STATUS) == VALID | (PASID_MISMATCH << 8)
    assert rd(m, ERR_INFO) == (1 << 17) | (1 << 16) | 33
    assert rd(m, ERR_PASID) == 0xFFFFF
    wr(m, ERR_STATUS, VALID)
    m.event(True, 0xBEEF)
    assert rd(m, ERR_STATUS) == VALID | (INVALID_HANDLE << 8)
    assert rd(m, ERR_INFO) == (1 << 16) | 0xBEEF
    assert rd(m, ERR_PASID) == 0
    wr(m, ERR_STATUS, VALID)
    m.event(False, 4)
    assert rd(m, ERR_STATUS) == VALID | (MSIX_DISABLED << 8)
    assert rd(m, ERR_INFO) == 4
    assert rd(m, ERR_PASID) == 0


def test_ims_051_msix_event_pasid_is_latched() -> None:
    """IMS-051 (with IMS-045, interpretation noted in the model): an MSI-X event's error latches
    the PASID the event carried; IMS-045 only makes it irrelevant for delivery."""
    m = ImsModel()
    m.event(False, 200, pasid=0x77)
    assert rd(m, ERR_INFO) == (1 << 17) | 200
    assert rd(m, ERR_PASID) == 0x77


def test_ims_052_overflow_keeps_latched_error() -> None:
    """IMS-052: an error while VALID = 1 sets OVERFLOW and changes nothing but ERR_COUNT;
    OVERFLOW survives a later latch; ERR_INFO/ERR_PASID survive clearing VALID."""
    m = ImsModel()
    m.event(True, 7, pasid=0x123)  # IMS_DISABLED latched
    m.event(False, 100, pasid=0x456)  # INVALID_HANDLE: overflow
    assert rd(m, ERR_STATUS) == VALID | OVERFLOW | (IMS_DISABLED << 8)
    assert rd(m, ERR_INFO) == (1 << 17) | (1 << 16) | 7
    assert rd(m, ERR_PASID) == 0x123
    assert rd(m, ERR_COUNT) == 2
    wr(m, ERR_STATUS, VALID)
    assert rd(m, ERR_STATUS) == OVERFLOW
    assert rd(m, ERR_INFO) == (1 << 17) | (1 << 16) | 7  # kept until the next latch
    assert rd(m, ERR_PASID) == 0x123
    m.event(False, 3)  # MSIX_DISABLED latched; OVERFLOW stays
    assert rd(m, ERR_STATUS) == VALID | OVERFLOW | (MSIX_DISABLED << 8)
    assert rd(m, ERR_INFO) == 3
    assert rd(m, ERR_PASID) == 0


@pytest.mark.parametrize("resp", ["SLVERR", "DECERR"])
def test_ims_053_b_error_logs_msg_write_failed(resp: str) -> None:
    """IMS-053: a non-OKAY B of a message logs MSG_WRITE_FAILED with handle = entry index, ims =
    its table, pasid_valid = 0, ERR_PASID = 0; the message is not retried."""
    m = ImsModel(auto_complete=False)
    wr(m, CTRL, IMS_EN | MSIX_EN)
    wr(m, ims(0x2A, VCTRL), ims_ctl(mask=0, pasid_en=1, pasid=0x999))
    m.event(True, 0x2A, pasid=0x999)
    assert len(m.take_messages()) == 1
    m.message_accepted()
    m.b_response(resp)
    assert rd(m, ERR_STATUS) == VALID | (MSG_WRITE_FAILED << 8)
    assert rd(m, ERR_INFO) == (1 << 16) | 0x2A
    assert rd(m, ERR_PASID) == 0
    assert rd(m, ERR_COUNT) == 1
    assert m.take_messages() == []  # no retry
    assert m.outstanding == 0
    # an MSI-X message's failure latches ims = 0 (after clearing VALID)
    wr(m, ERR_STATUS, VALID)
    wr(m, msix(5, VCTRL), 0)
    m.event(False, 5)
    m.message_accepted()
    m.b_response(resp)
    assert rd(m, ERR_INFO) == 5
    assert m.stats["error_msg_write_failed"] == 2


def test_ims_053_okay_b_logs_nothing() -> None:
    """IMS-053/IMS-083: an OKAY B changes no register."""
    m = ImsModel(auto_complete=False)
    wr(m, CTRL, MSIX_EN)
    wr(m, msix(1, VCTRL), 0)
    m.event(False, 1)
    m.message_accepted()
    m.b_response("OKAY")
    assert rd(m, ERR_STATUS) == 0 and rd(m, ERR_COUNT) == 0


def test_ims_054_codes_exported() -> None:
    """IMS-054: the ErrorCode enum carries the spec's codes."""
    assert [int(c) for c in ErrorCode] == [0x01, 0x02, 0x03, 0x19, 0x1A]
    assert EventOutcome.PASID_MISMATCH.error_code is ErrorCode.PASID_MISMATCH
    assert EventOutcome.SENT.error_code is None


def test_ims_060_raise_on_latch_inside_the_step() -> None:
    """IMS-060: a latch with ERR_INT_ENABLE = 1 raises MSI-X vector 0 within the same step, before
    any later event; an overflow raises nothing; ERR_INT_ENABLE = 0 raises nothing."""
    m = ImsModel()
    _with_vector0(m, MSIX_EN | IMS_EN | ERR_INT_EN)
    program(m, True, 1, 0xFEE0_2000, 0x41)
    wr(m, ims(1, VCTRL), 0)
    assert m.event(True, 500) is EventOutcome.INVALID_HANDLE
    assert m.take_messages() == [_raise_msg()]
    m.event(True, 1)
    m.event(True, 501)  # overflow: no raise
    assert m.take_messages() == [Message(0xFEE0_2000, 0x41, True, 1, False, "event")]
    wr(m, ERR_STATUS, VALID)
    m.event(True, 502)  # latches again: raises again
    m.event(True, 1)
    assert m.take_messages() == [
        _raise_msg(),
        Message(0xFEE0_2000, 0x41, True, 1, False, "event"),
    ]
    wr(m, ERR_STATUS, VALID)
    wr(m, CTRL, MSIX_EN | IMS_EN)
    m.event(True, 503)
    assert m.take_messages() == []
    assert m.stats["raises"] == 2


def test_ims_061_raise_dropped_when_msix_disabled() -> None:
    """IMS-061: with MSIX_ENABLE = 0 the raise is dropped silently: no message, no pending bit, no
    further error."""
    m = ImsModel()
    _with_vector0(m, IMS_EN | ERR_INT_EN)
    m.event(True, 64)
    assert m.take_messages() == []
    assert not m.pending(False, 0)
    assert rd(m, ERR_COUNT) == 1
    assert rd(m, ERR_STATUS) == VALID | (INVALID_HANDLE << 8)
    assert m.stats["raise_dropped"] == 1


@pytest.mark.parametrize(("vec0_mask", "ctrl_extra"), [(1, 0), (0, FUNC_MASK), (1, FUNC_MASK)])
def test_ims_061_raise_pends_vector0_when_masked(vec0_mask: int, ctrl_extra: int) -> None:
    """IMS-061: vector 0 effectively masked (MASK or function mask): the raise sets pending bit 0;
    its later release is an ordinary message (IMS-062)."""
    m = ImsModel()
    _with_vector0(m, MSIX_EN | ERR_INT_EN | ctrl_extra, vec0_mask)
    m.event(False, 9)
    assert m.take_messages() == []
    assert m.pending(False, 0)
    wr(m, msix(0, VCTRL), 0)
    wr(m, CTRL, MSIX_EN | ERR_INT_EN)
    msgs = m.take_messages()
    cause = "unmask" if ctrl_extra == 0 else "flush"
    assert msgs == [Message(VEC0[0], VEC0[1], False, 0, False, cause)]
    assert not m.pending(False, 0)


def test_ims_062_raise_message_failure_not_logged() -> None:
    """IMS-062: a non-OKAY B of the message sent directly by a raise is not logged."""
    m = ImsModel(auto_complete=False)
    _with_vector0(m, MSIX_EN | ERR_INT_EN)
    m.event(False, 50)  # INVALID_HANDLE, raise message
    assert m.take_messages() == [_raise_msg()]
    wr(m, ERR_STATUS, VALID)
    m.message_accepted()
    assert m.b_response("SLVERR") == _raise_msg()
    assert rd(m, ERR_STATUS) == 0
    assert rd(m, ERR_COUNT) == 1
    assert m.take_messages() == []
    assert m.stats["b_errors_ignored"] == 1


def test_ims_062_released_vector0_failure_is_logged() -> None:
    """IMS-062 (decided): vector 0 pended by a raise and sent later by unmask is an ordinary
    message; its failure is logged, and (VALID = 0, ERR_INT_ENABLE = 1) raises again."""
    m = ImsModel(auto_complete=False)
    _with_vector0(m, MSIX_EN | ERR_INT_EN, vec0_mask=1)
    m.event(False, 50)
    assert m.pending(False, 0)
    wr(m, ERR_STATUS, VALID)
    wr(m, msix(0, VCTRL), 0)
    assert m.take_messages() == [Message(VEC0[0], VEC0[1], False, 0, False, "unmask")]
    m.message_accepted()
    m.b_response("DECERR")
    assert rd(m, ERR_STATUS) == VALID | (MSG_WRITE_FAILED << 8)
    assert rd(m, ERR_INFO) == 0
    assert m.take_messages() == [_raise_msg()]


def test_ims_063_b_error_raise_in_the_b_step() -> None:
    """IMS-063/IMS-060: a raise caused by a B error belongs to that B step: its message is emitted
    by the b_response call, after any flush already emitted and before later steps' messages."""
    m = ImsModel(auto_complete=False)
    _with_vector0(m, MSIX_EN | FUNC_MASK | ERR_INT_EN)
    program(m, False, 3, 0xFEE0_3000, 0x33)
    program(m, False, 4, 0xFEE0_4000, 0x44)
    for i in (3, 4):
        wr(m, msix(i, VCTRL), 0)
        m.event(False, i)
    wr(m, CTRL, MSIX_EN | ERR_INT_EN)  # flush 3, 4
    assert [(x.index, x.cause) for x in m.take_messages()] == [(3, "flush"), (4, "flush")]
    m.message_accepted()
    m.b_response("SLVERR")  # first flush message fails: latch and raise, now
    assert m.take_messages() == [_raise_msg()]
    assert rd(m, ERR_INFO) == 3
    m.message_accepted()
    m.b_response("SLVERR")  # second fails: overflow only
    assert m.take_messages() == []
    assert rd(m, ERR_STATUS) == VALID | OVERFLOW | (MSG_WRITE_FAILED << 8)
    assert m.outstanding == 1
