"""Owner isolation: docs/spec.md sections 3, 4 and 8a (IMS-028, IMS-038, IMS-039, IMS-107, IMS-108).

A control-word write that changes an IMS entry's owner (PASID_EN, PASID) drops its pending bit;
HANDLE_RELEASE clears pending and sets MASK, and reports what its held B waits for."""

from __future__ import annotations

import pytest
from ims_spec import (
    CTRL,
    ERR_COUNT,
    ERR_STATUS,
    HANDLE_RELEASE,
    IMS_EN,
    MSIX_EN,
    PASID_MISMATCH,
    REL_IMS,
    VCTRL,
    ims,
    ims_ctl,
    msix,
    program,
    rd,
    wr,
)

from imsmodel import EventOutcome, ImsModel

CTL = 0xC
ADDR = 0xFEE00000


def _pended(m: ImsModel, i: int, pen: int = 1, pasid: int = 7) -> None:
    """IMS entry i programmed for owner `pasid`, masked, table open, one event pended."""
    wr(m, CTRL, IMS_EN | MSIX_EN)
    program(m, True, i, ADDR | i << 12, 0x40 + i)
    wr(m, ims(i, CTL), ims_ctl(mask=1, pasid_en=pen, pasid=pasid))
    assert m.event(True, i, pasid) is EventOutcome.PENDING
    assert m.pending(True, i)


@pytest.mark.parametrize(
    ("value", "strb", "dropped"),
    [
        (ims_ctl(mask=1, pasid_en=1, pasid=8), 0xF, True),  # PASID value changes
        (ims_ctl(mask=1, pasid_en=0, pasid=7), 0xF, True),  # PASID_EN changes
        (ims_ctl(mask=1, pasid_en=1, pasid=7), 0xF, False),  # same owner: pending kept
        (ims_ctl(mask=1, pasid_en=1, pasid=0x10007), 0x8, True),  # PASID[19:12] by byte 3 only
        (ims_ctl(mask=1, pasid_en=1, pasid=0x7), 0x1, False),  # byte 0 only, owner unchanged
        (ims_ctl(mask=1, pasid_en=1, pasid=0x99), 0x1, False),  # PASID byte not written
    ],
)
def test_ims_038_owner_change_drops_pending(value: int, strb: int, dropped: bool) -> None:
    """IMS-038: PASID or PASID_EN changed (WSTRB applied) clears pending, sends nothing."""
    m = ImsModel()
    _pended(m, 3)
    m.take_messages()
    wr(m, ims(3, CTL), value, strb)
    assert m.pending(True, 3) is (not dropped)
    assert m.take_messages() == []
    assert m.stats["owner_cleared"] == int(dropped)


def test_ims_038_owner_change_with_unmask_sends_nothing() -> None:
    """IMS-038 decision: a new owner and MASK 1 -> 0 in one write: pending cleared first, no
    unmask message; the same unmask without the owner change sends (IMS-031)."""
    m = ImsModel()
    _pended(m, 2)
    m.take_messages()
    wr(m, ims(2, CTL), ims_ctl(mask=0, pasid_en=1, pasid=9))
    assert not m.pending(True, 2) and m.take_messages() == []
    m2 = ImsModel()
    _pended(m2, 2)
    m2.take_messages()
    wr(m2, ims(2, CTL), ims_ctl(mask=0, pasid_en=1, pasid=7))
    assert [x.cause for x in m2.take_messages()] == ["unmask"]


def test_ims_038_msix_has_no_owner() -> None:
    """IMS-038: MSI-X vector control bits other than MASK are reserved: pending kept."""
    m = ImsModel()
    wr(m, CTRL, MSIX_EN)
    m.event(False, 1)
    assert m.pending(False, 1)
    wr(m, msix(1, VCTRL), 0xFFFFF009)  # MASK stays 1, reserved bits ignored
    assert m.pending(False, 1)


def test_ims_028_039_release_clears_pending_sets_mask_keeps_fields() -> None:
    """IMS-039: release clears pending, sets MASK, keeps address/data/PASID; reads 0."""
    m = ImsModel()
    _pended(m, 5)
    wr(m, ims(5, CTL), ims_ctl(mask=1, pasid_en=1, pasid=7))
    wr(m, HANDLE_RELEASE, REL_IMS | 5)
    assert not m.pending(True, 5)
    assert rd(m, ims(5, CTL)) == ims_ctl(mask=1, pasid_en=1, pasid=7)
    assert rd(m, ims(5, 0)) == ADDR | 5 << 12 and rd(m, ims(5, 8)) == 0x45
    assert rd(m, HANDLE_RELEASE) == 0
    # an unmasked entry gets MASK = 1 back
    wr(m, ims(5, CTL), ims_ctl(mask=0, pasid_en=1, pasid=7))
    wr(m, HANDLE_RELEASE, REL_IMS | 5)
    assert rd(m, ims(5, CTL)) & 1 == 1
    assert m.take_messages() == []
    assert m.stats["releases"] == 2


def test_ims_039_release_msix_entry() -> None:
    """IMS-039 decision: an MSI-X release clears pending and sets its vector-control MASK."""
    m = ImsModel()
    wr(m, CTRL, MSIX_EN)
    m.event(False, 2)
    wr(m, msix(2, VCTRL), 0)  # unmask sends, pending clears
    m.event(False, 3)
    assert m.pending(False, 3)
    wr(m, msix(3, VCTRL), 0, strb=0)  # nothing
    wr(m, HANDLE_RELEASE, 3)
    assert not m.pending(False, 3) and rd(m, msix(3, VCTRL)) == 1
    wr(m, HANDLE_RELEASE, 2)
    assert rd(m, msix(2, VCTRL)) == 1


def test_ims_028_out_of_range_slverr_nothing_logged() -> None:
    """IMS-028: an index past its table answers SLVERR, changes nothing, logs nothing."""
    m = ImsModel(ims_entries=4, msix_entries=2)
    wr(m, CTRL, IMS_EN)
    m.event(True, 3)
    before = (rd(m, ERR_COUNT), rd(m, ERR_STATUS), m.pending(True, 3))
    assert m.write(HANDLE_RELEASE, REL_IMS | 4) == "SLVERR"
    assert m.write(HANDLE_RELEASE, 2) == "SLVERR"
    assert m.write(HANDLE_RELEASE, REL_IMS | 0x10003) == "OKAY"  # [31:17] ignored
    assert (rd(m, ERR_COUNT), rd(m, ERR_STATUS)) == before[:2]
    assert before[2] and not m.pending(True, 3)
    assert m.last_release is not None and m.last_release.index == 3


@pytest.mark.parametrize(
    ("value", "strb", "target"),
    [
        (REL_IMS | 0x0305, 0xF, (True, 0x305)),
        (REL_IMS | 0x0305, 0x1, (False, 0x05)),  # unwritten bytes count as 0
        (REL_IMS | 0x0305, 0x5, (True, 0x05)),
        (REL_IMS | 0x0305, 0x2, (False, 0x300)),  # MSI-X 0x300: past the table, SLVERR
        (REL_IMS | 0x0305, 0x0, None),  # WSTRB = 0: nothing (IMS-023)
    ],
)
def test_ims_028_partial_strobes(value: int, strb: int, target: tuple[bool, int] | None) -> None:
    """IMS-028 decision: partial WSTRB uses the written bytes, the others as 0."""
    m = ImsModel(ims_entries=1024, msix_entries=256)
    wr(m, CTRL, IMS_EN | MSIX_EN)
    for t, i in ((True, 0x305), (False, 5), (True, 5), (False, 0)):
        m.event(t, i)  # all masked at reset: pended
    resp = m.write(HANDLE_RELEASE, value, strb)
    if target is not None and target[1] >= (1024 if target[0] else 256):
        assert resp == "SLVERR"
        target = None
    else:
        assert resp == "OKAY"
    for t, i in ((True, 0x305), (False, 5), (True, 5), (False, 0)):
        assert m.pending(t, i) is ((t, i) != target)
    assert m.stats["releases"] == int(target is not None)


def test_ims_107_release_reports_what_its_b_waits_for() -> None:
    """IMS-107/IMS-087: the release counts the unanswered messages of earlier steps: of its entry
    (and how far in B order the last one is), and of every entry."""
    m = ImsModel(auto_complete=False)
    wr(m, CTRL, IMS_EN | MSIX_EN)
    for i in (1, 2):
        program(m, True, i, ADDR | i << 12, i)
        wr(m, ims(i, CTL), ims_ctl(mask=0))
    m.event(True, 1)
    m.event(True, 2)
    m.event(True, 1)
    m.event(True, 2)
    m.message_accepted()
    m.b_response("OKAY")  # first IMS[1] message answered
    wr(m, HANDLE_RELEASE, REL_IMS | 1)
    r = m.last_release
    assert r is not None
    assert (r.ims, r.index, r.entry_unanswered, r.wait, r.all_unanswered) == (True, 1, 1, 2, 3)
    assert r.b_done == 1 == m.b_answered
    m.event(True, 1)  # masked now: pended, not counted
    assert m.take_messages()[-1].index == 2
    wr(m, HANDLE_RELEASE, REL_IMS | 2)
    r2 = m.last_release
    assert r2 is not None and (r2.entry_unanswered, r2.wait, r2.all_unanswered) == (2, 3, 3)
    wr(m, HANDLE_RELEASE, 0)  # MSI-X 0: no message of it anywhere
    r3 = m.last_release
    assert r3 is not None and (r3.entry_unanswered, r3.wait, r3.all_unanswered) == (0, 0, 3)


def test_ims_108_reassignment_sequence() -> None:
    """IMS-108: after steps (1) and (2) nothing of the old owner is pending; its late event fails
    the PASID check (logged, nothing sent); the new owner's event is delivered after (3)."""
    m = ImsModel()
    _pended(m, 4, pasid=0x11)
    m.take_messages()
    wr(m, ims(4, CTL), ims_ctl(mask=1, pasid_en=1, pasid=0x22))  # (1)
    wr(m, HANDLE_RELEASE, REL_IMS | 4)  # (2)
    assert not m.pending(True, 4)
    assert m.event(True, 4, 0x11) is EventOutcome.PASID_MISMATCH
    assert rd(m, ERR_STATUS) >> 8 & 0xFF == PASID_MISMATCH
    program(m, True, 4, ADDR | 0x99 << 12, 0x99)  # (3)
    wr(m, ims(4, CTL), ims_ctl(mask=0, pasid_en=1, pasid=0x22))
    assert m.take_messages() == []
    assert m.event(True, 4, 0x22) is EventOutcome.SENT
    assert [(x.addr, x.data) for x in m.take_messages()] == [(ADDR | 0x99 << 12, 0x99)]
