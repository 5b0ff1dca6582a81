"""Events: docs/spec.md section 5 (IMS-040..045)."""

from __future__ import annotations

import pytest
from ims_spec import (
    CTRL,
    ERR_COUNT,
    ERR_STATUS,
    FUNC_MASK,
    IMS_DISABLED,
    IMS_EN,
    INVALID_HANDLE,
    MSIX_DISABLED,
    MSIX_EN,
    PASID_MISMATCH,
    VALID,
    VCTRL,
    ims,
    ims_ctl,
    msix,
    program,
    rd,
    snapshot,
    wr,
)

from imsmodel import EventOutcome, ImsModel, Message

Out = EventOutcome


def _code(m: ImsModel) -> int:
    """CODE of the latched error, then clear VALID so the next error latches."""
    status = rd(m, ERR_STATUS)
    assert status & VALID
    wr(m, ERR_STATUS, 0x3)
    return (status >> 8) & 0xFF


@pytest.mark.parametrize(
    ("ims_en", "handle", "pasid_en", "pasid", "expect", "code"),
    [
        # IMS_DISABLED wins over everything
        (False, 70, 1, None, Out.IMS_DISABLED, IMS_DISABLED),
        (False, 3, 1, None, Out.IMS_DISABLED, IMS_DISABLED),
        (False, 3, 0, 5, Out.IMS_DISABLED, IMS_DISABLED),
        # then range (handle >= N) before PASID
        (True, 64, 1, None, Out.INVALID_HANDLE, INVALID_HANDLE),
        (True, 0xFFFF, 0, 1, Out.INVALID_HANDLE, INVALID_HANDLE),
        # then PASID: PASID_EN = 1 and (no PASID or a different one)
        (True, 3, 1, None, Out.PASID_MISMATCH, PASID_MISMATCH),
        (True, 3, 1, 0x12344, Out.PASID_MISMATCH, PASID_MISMATCH),
        (True, 3, 1, 0x12345, Out.SENT, None),
        (True, 63, 0, None, Out.SENT, None),
    ],
)
def test_ims_040_ims_check_order(
    ims_en: bool,
    handle: int,
    pasid_en: int,
    pasid: int | None,
    expect: EventOutcome,
    code: int | None,
) -> None:
    """IMS-040: IMS event checks enable, then range, then PASID; the first failing one is the
    error."""
    m = ImsModel(ims_entries=64)
    for i in (3, 63):
        wr(m, ims(i, VCTRL), ims_ctl(mask=0, pasid_en=pasid_en, pasid=0x12345))
    wr(m, CTRL, IMS_EN if ims_en else 0)
    assert m.event(True, handle, pasid) is expect
    if code is None:
        assert rd(m, ERR_STATUS) == 0
        assert len(m.take_messages()) == 1
    else:
        assert _code(m) == code
        assert m.take_messages() == []


def test_ims_040_pasid_check_before_mask() -> None:
    """IMS-040/IMS-042: a PASID mismatch on a masked entry is an error and sets no pending bit."""
    m = ImsModel()
    wr(m, CTRL, IMS_EN)
    wr(m, ims(2, VCTRL), ims_ctl(mask=1, pasid_en=1, pasid=7))
    assert m.event(True, 2, pasid=8) is Out.PASID_MISMATCH
    assert not m.pending(True, 2)
    assert m.event(True, 2, pasid=7) is Out.PENDING
    assert m.pending(True, 2)


@pytest.mark.parametrize(
    ("msix_en", "handle", "expect", "code"),
    [
        (False, 9, Out.INVALID_HANDLE, INVALID_HANDLE),  # range before enable
        (True, 9, Out.INVALID_HANDLE, INVALID_HANDLE),
        (False, 0xFFFF, Out.INVALID_HANDLE, INVALID_HANDLE),
        (False, 8, Out.MSIX_DISABLED, MSIX_DISABLED),
        (False, 0, Out.MSIX_DISABLED, MSIX_DISABLED),
        (True, 8, Out.SENT, None),
    ],
)
def test_ims_041_msix_check_order(
    msix_en: bool, handle: int, expect: EventOutcome, code: int | None
) -> None:
    """IMS-041: MSI-X event checks range, then enable."""
    m = ImsModel(msix_entries=9)
    wr(m, msix(8, VCTRL), 0)
    wr(m, msix(0, VCTRL), 0)
    wr(m, CTRL, MSIX_EN if msix_en else 0)
    assert m.event(False, handle) is expect
    if code is None:
        assert rd(m, ERR_STATUS) == 0
    else:
        assert _code(m) == code


def test_ims_042_error_changes_no_pending_and_sends_nothing() -> None:
    """IMS-042: an event with an error sends no message and changes no pending bit (a set bit
    stays set, a clear one stays clear); only the error registers change."""
    m = ImsModel()
    wr(m, CTRL, IMS_EN | MSIX_EN)
    wr(m, ims(1, VCTRL), ims_ctl(mask=1, pasid_en=1, pasid=1))
    m.event(True, 1, pasid=1)
    assert m.pending(True, 1)
    wr(m, ims(4, VCTRL), ims_ctl(mask=1, pasid_en=1, pasid=1))
    before = snapshot(m)
    assert m.event(True, 1, pasid=2) is Out.PASID_MISMATCH
    assert m.event(True, 4) is Out.PASID_MISMATCH
    assert m.event(True, 64) is Out.INVALID_HANDLE
    assert m.event(False, 9) is Out.INVALID_HANDLE
    wr(m, CTRL, 0)
    assert m.event(True, 4) is Out.IMS_DISABLED
    assert m.event(False, 4) is Out.MSIX_DISABLED
    wr(m, CTRL, IMS_EN | MSIX_EN)
    assert m.take_messages() == []
    after = snapshot(m)
    changed = {off for off in before if before[off] != after[off]}
    assert changed == {ERR_STATUS, 0x14, 0x18, ERR_COUNT}
    assert m.pending(True, 1) and not m.pending(True, 4)


def test_ims_043_masked_or_function_masked_pends() -> None:
    """IMS-043: an event on an effectively masked entry (MASK = 1, or MSIX_FUNC_MASK = 1 for MSI-X)
    sets its pending bit and sends nothing."""
    m = ImsModel()
    wr(m, CTRL, IMS_EN | MSIX_EN)
    assert m.event(True, 0) is Out.PENDING  # reset MASK = 1
    assert m.event(False, 0) is Out.PENDING
    wr(m, msix(3, VCTRL), 0)
    wr(m, CTRL, IMS_EN | MSIX_EN | FUNC_MASK)
    assert m.event(False, 3) is Out.PENDING
    assert m.pending(True, 0) and m.pending(False, 0) and m.pending(False, 3)
    assert m.take_messages() == []


def test_ims_044_event_sends_one_message_with_current_address_data() -> None:
    """IMS-044/IMS-070: an event on an unmasked entry of an open table sends exactly one message to
    {addr_hi, addr_lo[31:2], 00} with the entry's data, as programmed before the event."""
    m = ImsModel()
    wr(m, CTRL, IMS_EN | MSIX_EN)
    program(m, True, 12, 0xABCD_0123_FEE0_3004, 0xDEADBEEF)
    wr(m, ims(12, VCTRL), 0)
    assert m.event(True, 12) is Out.SENT
    program(m, True, 12, 0x0000_0000_FEE0_4000, 0x2)
    assert m.event(True, 12) is Out.SENT
    program(m, False, 7, 0x1_0000_0008, 0x5)
    wr(m, msix(7, VCTRL), 0)
    assert m.event(False, 7) is Out.SENT
    assert m.take_messages() == [
        Message(0xABCD_0123_FEE0_3004, 0xDEADBEEF, True, 12, False, "event"),
        Message(0xFEE0_4000, 0x2, True, 12, False, "event"),
        Message(0x1_0000_0008, 0x5, False, 7, False, "event"),
    ]


def test_ims_045_pasid_ignored_without_pasid_en_and_for_msix() -> None:
    """IMS-045: the entry PASID is ignored when PASID_EN = 0; evt_pasid is ignored for MSI-X."""
    m = ImsModel()
    wr(m, CTRL, IMS_EN | MSIX_EN)
    wr(m, ims(5, VCTRL), ims_ctl(mask=0, pasid_en=0, pasid=0xABCDE))
    for pasid in (None, 0, 0xABCDE, 0xFFFFF):
        assert m.event(True, 5, pasid) is Out.SENT
    wr(m, msix(5, VCTRL), 0)
    for pasid in (None, 0, 0xFFFFF):
        assert m.event(False, 5, pasid) is Out.SENT
    assert len(m.take_messages()) == 7
    assert rd(m, ERR_COUNT) == 0
