"""Tables, masks and pending bits: docs/spec.md section 4 (IMS-030..036)."""

from __future__ import annotations

from ims_spec import (
    ADDR_HI,
    ADDR_LO,
    CTRL,
    DATA,
    FUNC_MASK,
    IMS_EN,
    MSIX_EN,
    VCTRL,
    ims,
    ims_ctl,
    ims_pba,
    msix,
    msix_pba,
    program,
    rd,
    wr,
)

from imsmodel import EventOutcome, ImsModel, Message


def _msg(ims_: bool, i: int, addr: int, data: int, cause: str) -> Message:
    return Message(addr=addr, data=data, ims=ims_, index=i, raise_=False, cause=cause)


def test_ims_030_pending_set_only_by_masked_event() -> None:
    """IMS-030: a pending bit is set only by an event that finds the entry masked; writes (PBA,
    control with MASK unchanged, address/data) never set or clear it."""
    m = ImsModel()
    wr(m, CTRL, IMS_EN | MSIX_EN)
    for off in (ims_pba(0, 0), ims_pba(0, 1), msix_pba(0, 0)):
        wr(m, off, 0xFFFFFFFF)
    assert rd(m, ims_pba(0, 0)) == 0 and rd(m, msix_pba(0, 0)) == 0
    m.event(True, 5)
    assert m.pending(True, 5)
    wr(m, ims_pba(0, 0), 0)
    wr(m, ims(5, VCTRL), ims_ctl(mask=1))  # same owner (a new one clears it: IMS-038)
    wr(m, ims(5, DATA), 0x99)
    wr(m, ims(5, ADDR_LO), 0x1000)
    assert m.pending(True, 5)
    assert rd(m, ims_pba(0, 0)) == 1 << 5
    assert [i for i in range(64) if m.pending(True, i)] == [5]
    assert m.take_messages() == []


def test_ims_030_pending_cleared_only_by_unmask_flush_reset() -> None:
    """IMS-030: pending clears when its message is sent by an unmask or a flush, or by reset."""
    m = ImsModel()
    wr(m, CTRL, IMS_EN)
    m.event(True, 1)
    m.event(True, 2)
    wr(m, CTRL, 0)  # closing does not clear
    assert m.pending(True, 1) and m.pending(True, 2)
    wr(m, ims(1, VCTRL), 0)  # closed: stays pending
    assert m.pending(True, 1)
    wr(m, CTRL, IMS_EN)  # flush clears 1 (MASK = 0), not 2 (MASK = 1)
    assert not m.pending(True, 1) and m.pending(True, 2)
    m.reset()
    assert not m.pending(True, 2)


def test_ims_031_unmask_sends_once_with_current_data() -> None:
    """IMS-031: MASK 1 -> 0 on a pending entry of an open table sends exactly one message with the
    address and data current after the write, and clears pending."""
    m = ImsModel()
    wr(m, CTRL, IMS_EN | MSIX_EN)
    program(m, True, 4, 0xFEE00000, 0x31)
    assert m.event(True, 4) is EventOutcome.PENDING
    program(m, True, 4, 0x1_2345_6788, 0x77)  # reprogrammed while masked
    wr(m, ims(4, VCTRL), ims_ctl(mask=0))
    assert m.take_messages() == [_msg(True, 4, 0x1_2345_6788, 0x77, "unmask")]
    assert not m.pending(True, 4)
    wr(m, ims(4, VCTRL), ims_ctl(mask=1))
    wr(m, ims(4, VCTRL), ims_ctl(mask=0))
    assert m.take_messages() == []
    # MSI-X too
    program(m, False, 8, 0xFEE01000, 0x45)
    assert m.event(False, 8) is EventOutcome.PENDING
    wr(m, msix(8, VCTRL), 0)
    assert m.take_messages() == [_msg(False, 8, 0xFEE01000, 0x45, "unmask")]


def test_ims_031_038_unmask_with_pasid_change_in_same_write() -> None:
    """IMS-031/IMS-038: an unmask write that also changes PASID drops the pending interrupt of
    the old owner first: nothing is sent (before IMS-038 the message was sent)."""
    m = ImsModel()
    wr(m, CTRL, IMS_EN)
    program(m, True, 0, 0xFEE00000, 1)
    wr(m, ims(0, VCTRL), ims_ctl(mask=1, pasid_en=1, pasid=0x10))
    m.event(True, 0, pasid=0x10)
    wr(m, ims(0, VCTRL), ims_ctl(mask=0, pasid_en=1, pasid=0x20))
    assert m.take_messages() == []
    assert not m.pending(True, 0)


def test_ims_031_unmask_on_closed_table_stays_pending() -> None:
    """IMS-031/IMS-033: unmasking a pending entry of a closed table sends nothing; it stays
    pending (IMS disabled; MSI-X disabled; MSI-X function-masked)."""
    m = ImsModel()
    wr(m, CTRL, IMS_EN | MSIX_EN | FUNC_MASK)
    m.event(True, 3)
    wr(m, msix(2, VCTRL), 1)
    m.event(False, 2)
    wr(m, CTRL, MSIX_EN | FUNC_MASK)  # IMS closed, MSI-X function-masked
    wr(m, ims(3, VCTRL), 0)
    wr(m, msix(2, VCTRL), 0)
    assert m.pending(True, 3) and m.pending(False, 2)
    assert m.take_messages() == []
    wr(m, msix(2, VCTRL), 1)
    wr(m, CTRL, 0)  # MSI-X disabled
    wr(m, msix(2, VCTRL), 0)
    assert m.pending(False, 2)
    assert m.take_messages() == []


def test_ims_032_flush_on_enable_ascending_order() -> None:
    """IMS-032: closed -> open flushes every pending entry with MASK = 0 in ascending index order;
    pending entries with MASK = 1 stay pending."""
    m = ImsModel(ims_entries=200)
    wr(m, CTRL, IMS_EN)
    order = [150, 3, 77, 64, 0, 199, 63, 10]
    for i in order:
        program(m, True, i, 0xFEE00000 + (i << 12), 0x100 + i)
        m.event(True, i)
    wr(m, CTRL, 0)
    for i in order:
        if i != 10:
            wr(m, ims(i, VCTRL), 0)
    assert m.take_messages() == []
    wr(m, CTRL, IMS_EN)
    expect = [
        _msg(True, i, 0xFEE00000 + (i << 12), 0x100 + i, "flush") for i in sorted(order) if i != 10
    ]
    assert m.take_messages() == expect
    assert [i for i in range(200) if m.pending(True, i)] == [10]
    wr(m, CTRL, IMS_EN)  # no closed -> open transition: nothing
    assert m.take_messages() == []


def test_ims_032_flush_on_function_mask_clear() -> None:
    """IMS-032: clearing MSIX_FUNC_MASK while MSIX_ENABLE = 1 flushes; setting MSIX_ENABLE while
    MSIX_FUNC_MASK = 1 does not."""
    m = ImsModel(msix_entries=20)
    for i in range(20):
        program(m, False, i, 0xFEE00000, i)
        wr(m, msix(i, VCTRL), 0 if i % 3 else 1)
    wr(m, CTRL, MSIX_EN | FUNC_MASK)
    for i in (19, 0, 5, 6, 9, 12):
        assert m.event(False, i) is EventOutcome.PENDING
    wr(m, CTRL, FUNC_MASK)
    wr(m, CTRL, MSIX_EN | FUNC_MASK)
    assert m.take_messages() == []
    wr(m, CTRL, MSIX_EN)
    assert m.take_messages() == [_msg(False, i, 0xFEE00000, i, "flush") for i in (5, 19)]
    assert [i for i in range(20) if m.pending(False, i)] == [0, 6, 9, 12]


def test_ims_032_msix_flush_before_ims_flush() -> None:
    """IMS-032: if one CTRL write opens both tables, the MSI-X flush goes first."""
    m = ImsModel()
    wr(m, CTRL, IMS_EN | MSIX_EN)
    for i in (2, 1):
        program(m, True, i, 0xFEE00000, 0x200 + i)
        program(m, False, i, 0xFEE01000, 0x100 + i)
        m.event(True, i)
        m.event(False, i)
    wr(m, CTRL, 0)
    for i in (1, 2):
        wr(m, ims(i, VCTRL), 0)
        wr(m, msix(i, VCTRL), 0)
    wr(m, CTRL, IMS_EN | MSIX_EN)
    assert m.take_messages() == [
        _msg(False, 1, 0xFEE01000, 0x101, "flush"),
        _msg(False, 2, 0xFEE01000, 0x102, "flush"),
        _msg(True, 1, 0xFEE00000, 0x201, "flush"),
        _msg(True, 2, 0xFEE00000, 0x202, "flush"),
    ]


def test_ims_033_closed_table_sends_nothing_func_mask_keeps_mask_bits() -> None:
    """IMS-033: a closed table sends nothing and keeps pending bits; MSIX_FUNC_MASK never changes a
    per-entry MASK bit."""
    m = ImsModel()
    wr(m, msix(1, VCTRL), 0)
    wr(m, CTRL, MSIX_EN)
    assert m.event(False, 1) is EventOutcome.SENT
    m.take_messages()
    wr(m, CTRL, MSIX_EN | FUNC_MASK)
    assert rd(m, msix(1, VCTRL)) == 0 and rd(m, msix(0, VCTRL)) == 1
    assert m.event(False, 1) is EventOutcome.PENDING
    wr(m, CTRL, 0)
    assert rd(m, msix(1, VCTRL)) == 0 and m.pending(False, 1)
    assert m.take_messages() == []


def test_ims_034_many_events_one_pending_one_message() -> None:
    """IMS-034: many events on a masked entry leave one pending bit and one message on release."""
    m = ImsModel()
    wr(m, CTRL, IMS_EN)
    program(m, True, 7, 0xFEE00000, 7)
    for _ in range(50):
        assert m.event(True, 7) is EventOutcome.PENDING
    assert rd(m, ims_pba(0, 0)) == 1 << 7
    wr(m, ims(7, VCTRL), 0)
    assert m.take_messages() == [_msg(True, 7, 0xFEE00000, 7, "unmask")]
    wr(m, ims(7, VCTRL), 1)
    wr(m, ims(7, VCTRL), 0)
    wr(m, CTRL, 0)
    wr(m, CTRL, IMS_EN)
    assert m.take_messages() == []


def test_ims_035_release_does_not_recheck_pasid() -> None:
    """IMS-035: a flush or unmask does not re-check PASID; the message goes to the address/data
    current when it is sent."""
    m = ImsModel()
    wr(m, CTRL, IMS_EN)
    wr(m, ims(1, VCTRL), ims_ctl(mask=1, pasid_en=1, pasid=0x111))
    wr(m, ims(2, VCTRL), ims_ctl(mask=1, pasid_en=1, pasid=0x222))
    assert m.event(True, 1, pasid=0x111) is EventOutcome.PENDING
    assert m.event(True, 2, pasid=0x222) is EventOutcome.PENDING
    # the events' PASIDs no longer count (a PASID change would drop them: IMS-038), data
    # reprogrammed
    program(m, True, 1, 0xFEE0A000, 0xA1)
    program(m, True, 2, 0xFEE0B000, 0xB2)
    wr(m, ims(1, VCTRL), ims_ctl(mask=0, pasid_en=1, pasid=0x111))
    assert m.take_messages() == [_msg(True, 1, 0xFEE0A000, 0xA1, "unmask")]
    wr(m, CTRL, 0)
    wr(m, ims(2, VCTRL), ims_ctl(mask=0, pasid_en=1, pasid=0x222))
    wr(m, CTRL, IMS_EN)
    assert m.take_messages() == [_msg(True, 2, 0xFEE0B000, 0xB2, "flush")]


def test_ims_036_mask_unchanged_or_data_writes_send_nothing() -> None:
    """IMS-036: a control write with MASK unchanged, or any address/data write, sends nothing even
    when the entry is pending."""
    m = ImsModel()
    wr(m, CTRL, IMS_EN | MSIX_EN)
    m.event(True, 6)
    m.event(False, 6)
    for table in (True, False):
        base = ims if table else msix
        wr(m, base(6, VCTRL), 1 | (0xFF6 if table else 0xFFFFFFFE))  # reserved bits only
        wr(m, base(6, VCTRL), 1)
        for word in (ADDR_LO, ADDR_HI, DATA):
            wr(m, base(6, word), 0x12345678)
        assert m.pending(table, 6)
    assert m.take_messages() == []
    # MASK 0 -> 0 while pending (possible only through a closed table) sends nothing either.
    wr(m, CTRL, 0)
    wr(m, ims(6, VCTRL), 0)
    wr(m, ims(6, VCTRL), 0x0FF0)  # reserved bits only
    assert m.pending(True, 6)
    assert m.take_messages() == []
