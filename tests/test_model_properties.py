"""Property tests (hypothesis) of model invariants over random operation sequences.

Operations: CTRL writes, control-word and address/data writes (random strobes), events (random
table, handle, PASID), ERR_STATUS clears, and in bench mode message acceptances and B responses
(OKAY/SLVERR/DECERR), plus the odd reset. After every step the test checks, against a shadow of
what software programmed (kept here, from docs/spec.md, not from the model):

* no event is lost: each ends as exactly one of a message, a pending bit, a logged error
  (IMS-042..044, IMS-050), and stats agree;
* pending bits clear only with exactly one unmask/flush message, and a release message always
  clears a set bit: at most one message per pending episode (IMS-030, IMS-031, IMS-032, IMS-034);
  an IMS control write that changes PASID_EN/PASID clears the bit and sends nothing (IMS-038);
* pending bits are set only by a masked event or a masked raise (IMS-030, IMS-043, IMS-061);
* an entry with MASK = 1 and a closed table never emit (IMS-033, IMS-043);
* every message carries its entry's programmed address/data (IMS-035, IMS-044, IMS-070);
* flush messages leave in ascending order, MSI-X first (IMS-032);
* a raise happens exactly on a latch with ERR_INT_ENABLE (IMS-060, IMS-061);
* PBA reads equal pending(); ERR_COUNT equals the number of errors; MSG_COUNT counts accepted
  messages (IMS-026, IMS-050, IMS-072).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from ims_spec import (
    CTRL,
    ERR_COUNT,
    ERR_INT_EN,
    ERR_STATUS,
    FUNC_MASK,
    IMS_EN,
    MSG_COUNT,
    MSIX_EN,
    VALID,
    entry,
    g,
    ims_pba,
    msix_pba,
    rd,
)

from imsmodel import EventOutcome, ImsModel, Message

SETTINGS = settings(
    max_examples=200,
    deadline=None,
    report_multiple_bugs=False,  # shrink one failure only: keeps a failing run short
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)

STRB = st.sampled_from([0xF, 0xF, 0xF, 0xF, 0x1, 0x0, 0xE, 0x5])
IDX = st.sampled_from([0, 0, 1, 1, 2, 3]) | st.integers(0, 75)  # small indexes collide more
TABLE = st.booleans()
Op = tuple[Any, ...]
PASIDS = [0, 1, 5]
PASID = st.one_of(st.none(), st.sampled_from(PASIDS))
# CTRL values biased towards open tables; raw 32-bit values exercise the reserved bits.
CTRL_VALUES = st.sampled_from([0x5, 0x5, 0xD, 0xD, 0x7, 0xF, 0x1, 0x4, 0x3, 0x0, 0x9, 0xC])

_CTRL_OP = st.tuples(
    st.just("ctrl"),
    st.builds(lambda lo, hi: lo | hi << 4, CTRL_VALUES, st.sampled_from([0, 0, 0, 0xFFFFFFF])),
    STRB,
)
_CTL_OP = st.tuples(
    st.just("ctl"),
    TABLE,
    IDX,
    st.sampled_from([0, 0, 1]),  # MASK
    st.sampled_from([0, 0, 1]),  # PASID_EN
    st.sampled_from(PASIDS),
    STRB,
)
_WORD_OP = st.tuples(
    st.just("word"), TABLE, IDX, st.sampled_from([0, 4, 8]), st.integers(0, 2**32 - 1), STRB
)
# handle = slot % (size + 1): mostly in range, sometimes exactly the size; or 0xFFFF
_EVENT_OP = st.tuples(st.just("event"), TABLE, IDX | st.just(0xFFFF), PASID)
_ERRCLR_OP = st.tuples(st.just("errclr"), st.integers(0, 3), STRB)
_ACC_OP = st.tuples(st.just("acc"))
_B_OP = st.tuples(st.just("b"), st.sampled_from(["OKAY", "OKAY", "SLVERR", "DECERR"]))
_RESET_OP = st.tuples(st.just("reset"))
# Weighted by repetition: one_of picks among its branches; `.map(_same)` makes each repetition a
# distinct branch. Events first (one_of leans towards its first branches), reset last.
_WEIGHTED = [
    *[_EVENT_OP] * 10,
    *[_CTL_OP] * 4,
    *[_WORD_OP] * 3,
    *[_ACC_OP] * 3,
    *[_B_OP] * 3,
    *[_CTRL_OP] * 2,
    _ERRCLR_OP,
    _RESET_OP,
]


def _same(op: Op) -> Op:
    return op


OPS = st.one_of(*(s.map(_same) for s in _WEIGHTED))
# Every run starts by unmasking some of entries 0..3 of each table and a CTRL write (mostly
# opening tables), then random operations.
OP_LISTS = st.builds(
    lambda masks, first, rest: [
        *(("ctl", k % 2 == 1, k // 2, mask, 0, 0, 0xF) for k, mask in enumerate(masks)),
        ("ctrl", first, 0xF),
        *rest,
    ],
    st.lists(st.sampled_from([0, 0, 0, 1]), min_size=8, max_size=8),
    CTRL_VALUES,
    st.lists(OPS, min_size=20, max_size=60),
)
SIZES = st.sampled_from([(1, 1), (3, 2), (5, 9), (70, 65)])

Key = tuple[bool, int]


@dataclass
class Shadow:
    """What software programmed, computed from the spec's write rules (IMS-022, IMS-023)."""

    ctrl: int = 0
    addr: dict[Key, int] = field(default_factory=dict)
    data: dict[Key, int] = field(default_factory=dict)
    mask: dict[Key, int] = field(default_factory=dict)
    owner: dict[Key, int] = field(default_factory=dict)  # IMS ctrl bits 31:12 and 3 (IMS-038)

    def open(self, ims: bool) -> bool:
        if ims:
            return bool(self.ctrl & IMS_EN)
        return self.ctrl & (MSIX_EN | FUNC_MASK) == MSIX_EN


def _merge(old: int, value: int, strb: int) -> int:
    for b in range(4):
        if strb >> b & 1:
            old = (old & ~(0xFF << 8 * b)) | (value & (0xFF << 8 * b))
    return old


def _pending(m: ImsModel) -> dict[Key, bool]:
    p = {(False, i): m.pending(False, i) for i in range(m.msix_entries)}
    p |= {(True, i): m.pending(True, i) for i in range(m.ims_entries)}
    return p


def _check_pba(m: ImsModel, pend: dict[Key, bool]) -> None:
    for table, size, pba in ((False, m.msix_entries, msix_pba), (True, m.ims_entries, ims_pba)):
        for q in range(g(size)):
            for half in (0, 1):
                want = 0
                for k in range(32):
                    i = 64 * q + 32 * half + k
                    if i < size and pend[(table, i)]:
                        want |= 1 << k
                assert rd(m, pba(q, half)) == want


def _run(sizes: tuple[int, int], ops: list[Op], auto: bool) -> None:
    n, mm = sizes
    m = ImsModel(ims_entries=n, msix_entries=mm, auto_complete=auto)
    sh = Shadow()
    size = {True: n, False: mm}

    def reset_shadow() -> None:
        sh.ctrl = 0
        for t in (True, False):
            for i in range(size[t]):
                sh.addr[(t, i)] = 0
                sh.data[(t, i)] = 0
                sh.mask[(t, i)] = 1
                sh.owner[(t, i)] = 0

    reset_shadow()
    accepted = 0
    total_msgs = 0
    errors_at_reset = 0
    # State seen after the previous step (the test only reads; reads change nothing, IMS-080).
    pend = _pending(m)
    stats = m.stats
    err = rd(m, ERR_COUNT)
    valid = rd(m, ERR_STATUS) & VALID
    for op in ops:
        kind = op[0]
        pend_before, stats_before, err_before, valid_before = pend, stats, err, valid
        outcome: EventOutcome | None = None
        ev_key: Key | None = None
        new_owner: Key | None = None  # an IMS ctrl write that changed PASID_EN/PASID (IMS-038)
        if kind == "ctrl":
            value, strb = int(op[1]), int(op[2])
            assert m.write(CTRL, value, strb) == "OKAY"
            sh.ctrl = _merge(sh.ctrl, value, strb) & 0xF
        elif kind == "ctl":
            t, i = bool(op[1]), int(op[2]) % size[bool(op[1])]
            mask, pen, pasid, strb = (int(x) for x in op[3:])
            value = mask | (pen << 3) | (pasid << 12) if t else mask | 0xFFFFFFFE
            assert m.write(entry(t, i, 0xC), value, strb) == "OKAY"
            if strb & 1:
                sh.mask[(t, i)] = mask
            if t:
                owner = _merge(sh.owner[(t, i)], value, strb) & 0xFFFFF008
                if owner != sh.owner[(t, i)]:
                    new_owner = (t, i)
                sh.owner[(t, i)] = owner
        elif kind == "word":
            t, i = bool(op[1]), int(op[2]) % size[bool(op[1])]
            word, value, strb = int(op[3]), int(op[4]), int(op[5])
            assert m.write(entry(t, i, word), value, strb) == "OKAY"
            k = (t, i)
            if word == 0:
                lo = _merge(sh.addr[k] & 0xFFFFFFFF, value, strb) & 0xFFFFFFFC
                sh.addr[k] = (sh.addr[k] >> 32 << 32) | lo
            elif word == 4:
                hi = _merge(sh.addr[k] >> 32, value, strb)
                sh.addr[k] = (hi << 32) | (sh.addr[k] & 0xFFFFFFFF)
            else:
                sh.data[k] = _merge(sh.data[k], value, strb)
        elif kind == "event":
            t, h, pasid = bool(op[1]), int(op[2]), op[3]
            if h != 0xFFFF:
                h %= size[t] + 1 if h % 8 else size[t]  # in range 7 times out of 8
            assert pasid is None or isinstance(pasid, int)
            outcome = m.event(t, h, pasid)
            ev_key = (t, h)
        elif kind == "errclr":
            assert m.write(ERR_STATUS, int(op[1]), int(op[2])) == "OKAY"
        elif kind == "acc":
            if m.unaccepted == 0:
                continue  # nothing to accept: not a step
            m.message_accepted()
            accepted += 1
        elif kind == "b":
            if m.outstanding == 0 or m.outstanding == m.unaccepted:
                continue
            m.b_response(str(op[1]))
            if m.stats["b_errors"] > stats_before["b_errors"]:
                event("B error logged")
        else:
            m.reset()
            reset_shadow()
            accepted = 0
            errors_at_reset = m.stats["errors"]

        msgs = m.take_messages()
        total_msgs += len(msgs)
        pend = _pending(m)
        stats = m.stats
        err = rd(m, ERR_COUNT)
        valid = rd(m, ERR_STATUS) & VALID
        latched = not valid_before and valid

        # Every message: programmed address/data, unmasked entry, open table, consistent tags.
        for x in msgs:
            assert isinstance(x, Message)
            k = (x.ims, x.index)
            assert x.addr == sh.addr[k] and x.data == sh.data[k], x
            assert x.addr & 3 == 0
            assert sh.mask[k] == 0, f"masked entry emitted {x}"
            assert sh.open(x.ims), f"closed table emitted {x}"
            assert x.raise_ == (x.cause == "raise")
            if x.raise_:
                assert k == (False, 0)
        causes = [x.cause for x in msgs]
        for c in set(causes):
            event(f"message cause {c}")  # hypothesis statistics: shows what the runs reach
        if outcome is not None:
            event(f"event {outcome.name}")
        if latched:
            event("error latched")
        allowed = {
            "ctrl": {"flush"},
            "ctl": {"unmask"},
            "event": {"event", "raise"},
            "b": {"raise"},
        }.get(kind, set())
        assert set(causes) <= allowed, (kind, causes)

        # Pending: releases == cleared bits, one message each; new bits only from masked events
        # or a masked raise.
        if kind == "reset":
            assert not any(pend.values()) and msgs == []
        else:
            released = [(x.ims, x.index) for x in msgs if x.cause in ("flush", "unmask")]
            cleared = [k for k in pend if pend_before[k] and not pend[k]]
            if new_owner is not None and pend_before[new_owner]:
                # IMS-038: the old owner's pending interrupt is dropped, nothing sent
                assert new_owner in cleared and new_owner not in released
                assert not msgs
                cleared.remove(new_owner)
                event("pending dropped by an owner change")
            assert sorted(released) == sorted(cleared)
            assert len(set(released)) == len(released)
            flushed = [(x.ims, x.index) for x in msgs if x.cause == "flush"]
            assert flushed == sorted(flushed)  # ascending; MSI-X (False) before IMS (True)
            newly = {k for k in pend if pend[k] and not pend_before[k]}
            allowed_new: set[Key] = set()
            if outcome is EventOutcome.PENDING and ev_key is not None:
                allowed_new.add(ev_key)
            if latched:
                allowed_new.add((False, 0))
            assert newly <= allowed_new

        # Events: exactly one outcome, never lost.
        if kind == "event":
            assert ev_key is not None
            d = {k: stats[k] - stats_before[k] for k in ("events", "event_sent", "pended")}
            d_err = stats["event_errors"] - stats_before["event_errors"]
            assert d["events"] == 1
            assert d["event_sent"] + d["pended"] + d_err == 1
            t, h = ev_key
            if outcome is EventOutcome.SENT:
                assert [(x.ims, x.index, x.cause) for x in msgs] == [(t, h, "event")]
                assert d["event_sent"] == 1
                assert err == err_before
            elif outcome is EventOutcome.PENDING:
                assert msgs == [] and pend[ev_key] and d["pended"] == 1
                assert sh.mask[ev_key] == 1 or not sh.open(t)
            else:
                assert outcome is not None and outcome.error_code is not None
                assert d_err == 1
                assert err == err_before + 1
                assert all(x.raise_ for x in msgs) and len(msgs) <= 1

        # Raise: exactly on a latch with ERR_INT_ENABLE, under the vector-0 rules.
        raises = [x for x in msgs if x.raise_]
        if latched and sh.ctrl & ERR_INT_EN:
            if not sh.ctrl & MSIX_EN:
                assert raises == [] and pend[(False, 0)] == pend_before[(False, 0)]
            elif sh.mask[(False, 0)] or sh.ctrl & FUNC_MASK:
                assert raises == [] and pend[(False, 0)]
            else:
                assert len(raises) == 1 and msgs[-1] is raises[0]
        else:
            assert raises == []

        # Registers agree with pending() and the counters.
        _check_pba(m, pend)
        assert err == stats["errors"] - errors_at_reset
        if not auto:
            assert rd(m, MSG_COUNT) == accepted
            assert m.outstanding >= m.unaccepted
        assert stats["sent"] == total_msgs


@SETTINGS
@given(sizes=SIZES, ops=OP_LISTS)
def test_properties_auto_complete(sizes: tuple[int, int], ops: list[Op]) -> None:
    """Invariants of module docstring, standalone mode (every message completes OKAY at once)."""
    _run(sizes, ops, auto=True)


@SETTINGS
@given(sizes=SIZES, ops=OP_LISTS)
def test_properties_bench_mode(sizes: tuple[int, int], ops: list[Op]) -> None:
    """Invariants of module docstring, bench mode (acceptances and B responses, with errors)."""
    _run(sizes, ops, auto=False)


@SETTINGS
@given(
    sizes=SIZES,
    prefix=st.lists(OPS, max_size=30),
    table=TABLE,
    idx=IDX,
    count=st.integers(1, 20),
)
def test_property_ims_034_one_message_per_episode(
    sizes: tuple[int, int], prefix: list[Op], table: bool, idx: int, count: int
) -> None:
    """IMS-034: after any history, `count` events on a masked entry of an enabled table followed by
    opening the table and unmasking give exactly one message for that entry."""
    n, mm = sizes
    m = ImsModel(ims_entries=n, msix_entries=mm)
    for op in prefix:  # random history, only through the public API
        if op[0] == "event":
            m.event(bool(op[1]), int(op[2]), op[3])
        elif op[0] == "word":
            m.write(entry(bool(op[1]), int(op[2]) % (n if op[1] else mm), int(op[3])), int(op[4]))
    i = idx % (n if table else mm)
    m.write(CTRL, MSIX_EN | IMS_EN)
    m.write(entry(table, i, 0xC), 1)
    m.take_messages()
    for _ in range(count):
        assert m.event(table, i) is EventOutcome.PENDING
    m.write(entry(table, i, 0xC), 0)
    m.write(entry(table, i, 0xC), 1)
    m.write(entry(table, i, 0xC), 0)
    m.write(CTRL, 0)
    m.write(CTRL, MSIX_EN | IMS_EN)
    mine = [x for x in m.take_messages() if (x.ims, x.index) == (table, i)]
    assert len(mine) == 1 and mine[0].cause == "unmask"
