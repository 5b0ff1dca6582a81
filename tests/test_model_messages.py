"""Messages on the master port and the step order: docs/spec.md sections 7 and 8
(IMS-070..074, IMS-080..085)."""

from __future__ import annotations

import pytest
from ims_spec import (
    ADDR_HI,
    ADDR_LO,
    CTRL,
    DATA,
    ERR_INFO,
    ERR_STATUS,
    IMS_EN,
    MSG_COUNT,
    MSIX_EN,
    VCTRL,
    full_state,
    ims,
    ims_ctl,
    msix,
    program,
    rd,
    snapshot,
    wr,
)

from imsmodel import ImsArgumentError, ImsModel, Message


def _open_all(m: ImsModel) -> None:
    wr(m, CTRL, IMS_EN | MSIX_EN)
    for i in range(m.msix_entries):
        program(m, False, i, 0xFEE0_0000 | (i << 12), 0x100 + i)
        wr(m, msix(i, VCTRL), 0)
    for i in range(m.ims_entries):
        program(m, True, i, 0xFEE0_0000 | (i << 12) | 0x10, i)
        wr(m, ims(i, VCTRL), 0)


def test_ims_070_message_format() -> None:
    """IMS-070: AWADDR = {addr_hi, addr_lo[31:2], 2'b00}, WDATA = data; the Message is a frozen
    dataclass with addr, data, ims, index, raise_, cause."""
    m = ImsModel()
    wr(m, CTRL, IMS_EN)
    wr(m, ims(3, ADDR_LO), 0xFEE0_1237)
    wr(m, ims(3, ADDR_HI), 0xFFFF_FFFF)
    wr(m, ims(3, DATA), 0xFFFF_FFFF)
    wr(m, ims(3, VCTRL), 0)
    m.event(True, 3)
    (msg,) = m.take_messages()
    assert msg == Message(0xFFFF_FFFF_FEE0_1234, 0xFFFF_FFFF, True, 3, False, "event")
    assert msg.addr & 3 == 0
    with pytest.raises(AttributeError):
        msg.data = 0  # type: ignore[misc]


def test_ims_071_messages_in_step_order() -> None:
    """IMS-071: messages leave in the order of the steps that caused them (events, unmasks,
    flushes, raises), interleaved as the steps were."""
    m = ImsModel()
    _open_all(m)
    wr(m, ims(2, VCTRL), 1)
    m.event(False, 5)
    m.event(True, 2)  # pends
    m.event(True, 1)
    wr(m, ims(2, VCTRL), 0)  # unmask
    m.event(False, 0)
    causes = [(x.ims, x.index, x.cause) for x in m.take_messages()]
    assert causes == [
        (False, 5, "event"),
        (True, 1, "event"),
        (True, 2, "unmask"),
        (False, 0, "event"),
    ]


def test_ims_072_msg_count_on_accept_and_wraps() -> None:
    """IMS-072: MSG_COUNT increments (wrapping) when a message completed AW and W; with
    auto_complete every emitted message counts at once."""
    m = ImsModel(auto_complete=False)
    _open_all(m)
    for i in range(3):
        m.event(True, i)
    assert rd(m, MSG_COUNT) == 0
    assert m.unaccepted == 3 and m.outstanding == 3
    m.message_accepted()
    assert rd(m, MSG_COUNT) == 1
    m.message_accepted()
    m.message_accepted()
    assert rd(m, MSG_COUNT) == 3
    with pytest.raises(ImsArgumentError):
        m.message_accepted()
    m._msg_count = 0xFFFFFFFF  # white box: wrap without 4 billion messages
    m.event(True, 0)
    m.message_accepted()
    assert rd(m, MSG_COUNT) == 0
    a = ImsModel()
    _open_all(a)
    for i in range(5):
        a.event(False, i % 9)
    assert rd(a, MSG_COUNT) == 5
    a._msg_count = 0xFFFFFFFF
    a.event(False, 0)
    assert rd(a, MSG_COUNT) == 0


def test_ims_073_b_matched_in_aw_order() -> None:
    """IMS-073: B responses are matched to messages in AW (emission) order; nothing is lost or
    duplicated."""
    m = ImsModel(auto_complete=False)
    _open_all(m)
    m.event(True, 10)
    m.event(False, 4)
    m.event(True, 20)
    sent = m.take_messages()
    for _ in sent:
        m.message_accepted()
    assert m.b_response("OKAY") == sent[0]
    assert m.b_response("SLVERR") == sent[1]
    assert rd(m, ERR_INFO) == 4  # MSI-X entry 4, not IMS 10 or 20
    assert m.b_response("OKAY") == sent[2]
    assert m.outstanding == 0


def test_ims_073_b_before_accept_is_misuse() -> None:
    """IMS-073/IMS-072: a B cannot precede its message's AW+W completion; the model reports it."""
    m = ImsModel(auto_complete=False)
    _open_all(m)
    m.event(True, 1)
    before = full_state(m)
    with pytest.raises(ImsArgumentError, match="message_accepted"):
        m.b_response("OKAY")
    assert full_state(m) == before


@pytest.mark.parametrize("auto", [True, False])
def test_ims_074_stray_b_rejected_by_model(auto: bool) -> None:
    """IMS-074: the RTL drops a B with no write in flight; the model API reports it as bench misuse
    (ImsArgumentError) and changes nothing."""
    m = ImsModel(auto_complete=auto)
    _open_all(m)
    m.event(True, 1)
    if not auto:
        m.message_accepted()
        m.b_response("OKAY")
    before = full_state(m)
    for resp in ("OKAY", "SLVERR"):
        with pytest.raises(ImsArgumentError, match="no message in flight"):
            m.b_response(resp)
    assert full_state(m) == before


def test_ims_080_step_consequences_inside_the_call() -> None:
    """IMS-080: a step's consequences (unmask message, whole flush, error latch and raise) are
    complete when the call returns."""
    m = ImsModel()
    wr(m, CTRL, IMS_EN)
    for i in range(10):
        m.event(True, i)
        wr(m, CTRL, 0)
        wr(m, ims(i, VCTRL), 0)
        wr(m, CTRL, IMS_EN)
        assert [x.index for x in m.take_messages()] == [i]
        assert not m.pending(True, i)


def test_ims_080_reads_change_nothing() -> None:
    """IMS-080: register reads are steps that change nothing (every mapped and unmapped offset)."""
    m = ImsModel(ims_entries=70, msix_entries=65, auto_complete=False)
    _open_all(m)
    wr(m, ims(3, VCTRL), ims_ctl(mask=1, pasid_en=1, pasid=5))
    m.event(True, 3, pasid=5)
    m.event(True, 1)
    m.event(True, 900)
    before = full_state(m)[:3]  # stats count reads and SLVERRs; device state must not change
    for off in range(0, 0x10000, 4):
        m.read(off)
    assert full_state(m)[:3] == before
    assert len(m.take_messages()) == 1


def test_ims_082_event_observes_earlier_writes_only() -> None:
    """IMS-081/IMS-082: steps are totally ordered; an event sees every earlier write (a data write,
    a mask write, a CTRL write) and none of the later ones."""
    m = ImsModel()
    _open_all(m)
    wr(m, ims(9, DATA), 0xAAAA)
    m.event(True, 9)
    wr(m, ims(9, DATA), 0xBBBB)
    wr(m, ims(9, VCTRL), 1)
    m.event(True, 9)  # masked by the previous write
    wr(m, CTRL, MSIX_EN)
    m.event(True, 9)  # IMS disabled by the previous write
    msgs = m.take_messages()
    assert [x.data for x in msgs] == [0xAAAA]
    assert m.pending(True, 9)
    assert rd(m, ERR_STATUS) & 1


def test_ims_083_okay_b_not_a_step() -> None:
    """IMS-083: OKAY B responses (and B responses of raise messages) change no register."""
    m = ImsModel(auto_complete=False)
    _open_all(m)
    m.event(True, 0)
    m.message_accepted()
    before = snapshot(m)
    m.b_response("OKAY")
    assert snapshot(m) == before


def test_ims_084_msg_count_read_counts_completed() -> None:
    """IMS-084: a MSG_COUNT read counts exactly the messages whose AW+W completed before it."""
    m = ImsModel(auto_complete=False)
    _open_all(m)
    for k in range(6):
        m.event(False, k)
    seen = []
    for _ in range(6):
        seen.append(rd(m, MSG_COUNT))
        m.message_accepted()
    seen.append(rd(m, MSG_COUNT))
    assert seen == [0, 1, 2, 3, 4, 5, 6]


def test_ims_085_flush_is_one_step() -> None:
    """IMS-085: the whole flush belongs to the CTRL write: when write() returns every flushed
    message has been emitted and no entry of the opened table is left pending with MASK = 0."""
    n = 2048
    m = ImsModel(ims_entries=n)
    wr(m, CTRL, IMS_EN)
    for i in range(0, n, 3):
        m.event(True, i)
    wr(m, CTRL, 0)
    for i in range(0, n, 3):
        wr(m, ims(i, VCTRL), 0)
    wr(m, CTRL, IMS_EN)
    msgs = m.take_messages()
    assert [x.index for x in msgs] == list(range(0, n, 3))
    assert all(x.cause == "flush" for x in msgs)
    assert not any(m.pending(True, i) for i in range(n))
