"""The `stats` counters the benches report (not a spec rule; cross-checked against the spec's
outcomes of a scripted sequence)."""

from __future__ import annotations

from ims_spec import CTRL, ERR_INT_EN, ERR_STATUS, FUNC_MASK, IMS_EN, MSIX_EN, VCTRL, ims, msix, wr

from imsmodel import ImsModel


def test_stats_accounting() -> None:
    """Each counter moves exactly as the spec's outcomes of this sequence say."""
    m = ImsModel(auto_complete=False)
    wr(m, msix(0, VCTRL), 0)
    wr(m, ims(1, VCTRL), 0)
    wr(m, CTRL, IMS_EN | MSIX_EN | ERR_INT_EN)
    m.event(True, 1)  # sent
    m.event(True, 2)  # pended
    m.event(True, 2)  # pended again
    m.event(True, 99)  # INVALID_HANDLE latched -> raise message
    m.event(False, 50)  # INVALID_HANDLE overflow
    wr(m, ims(2, VCTRL), 0)  # unmask message
    wr(m, CTRL, IMS_EN | MSIX_EN | FUNC_MASK | ERR_INT_EN)
    m.event(False, 0)  # function-masked: pended
    wr(m, CTRL, IMS_EN | MSIX_EN | ERR_INT_EN)  # flush vector 0
    wr(m, ERR_STATUS, 0x3)
    assert [x.cause for x in m.take_messages()] == ["event", "raise", "unmask", "flush"]
    for _ in range(4):
        m.message_accepted()
    m.b_response("OKAY")
    m.b_response("SLVERR")  # the raise: ignored
    m.b_response("DECERR")  # the unmask: MSG_WRITE_FAILED latched -> raise message
    m.b_response("OKAY")
    assert [x.cause for x in m.take_messages()] == ["raise"]
    m.write(0xC, 0)  # SLVERR
    m.reset()
    s = m.stats
    expect = {
        "events": 6,
        "event_sent": 1,
        "pended": 3,
        "event_errors": 2,
        "sent": 5,
        "unmask_messages": 1,
        "flush_messages": 1,
        "raises": 2,
        "raise_messages": 2,
        "raise_pended": 0,
        "raise_dropped": 0,
        "errors": 3,
        "latched": 2,
        "overflows": 1,
        "error_invalid_handle": 2,
        "error_msg_write_failed": 1,
        "error_ims_disabled": 0,
        "error_msix_disabled": 0,
        "error_pasid_mismatch": 0,
        "accepted": 4,
        "b_responses": 4,
        "b_errors": 1,
        "b_errors_ignored": 1,
        "slverr": 1,
        "resets": 1,
    }
    assert {k: s[k] for k in expect} == expect
    assert s["flushes"] == 3  # both tables opened by the first CTRL write, MSI-X by the last


def test_error_counters_match_stats() -> None:
    """`error_counters()` (the benches' cheap per-step probe) carries the numbers of `stats`."""
    from imsmodel.regmap import ErrorCode

    m = ImsModel(auto_complete=False)
    keys = [f"error_{c.name.lower()}" for c in ErrorCode]
    keys += ["latched", "raise_messages", "raise_pended", "raise_dropped"]

    def check() -> None:
        s = m.stats
        assert m.error_counters() == tuple(s[k] for k in keys)

    check()
    m.event(True, 3)  # IMS_DISABLED latched, ERR_INT_EN = 0: no raise
    check()
    wr(m, CTRL, MSIX_EN | ERR_INT_EN)
    wr(m, ERR_STATUS, 0x3)
    m.event(False, 99)  # INVALID_HANDLE latched, raise pended (vector 0 masked)
    check()
    m.event(True, 1)  # overflow
    check()
    wr(m, ERR_STATUS, 0x3)
    wr(m, msix(0, VCTRL), 0)  # unmask: the pending raise goes out
    m.event(False, 77)  # latched, raise sent
    check()
    wr(m, CTRL, ERR_INT_EN)
    wr(m, ERR_STATUS, 0x3)
    m.event(False, 0)  # MSIX_DISABLED, raise dropped
    check()
    assert m.error_counters()[-4:] == (4, 1, 1, 1)  # latched, raise sent, pended, dropped
