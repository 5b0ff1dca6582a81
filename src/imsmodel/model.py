"""`ImsModel`: the transaction-level reference model of `ims_ctrl` (docs/spec.md sections 1-8).

The model is a sequence of *steps* (IMS-080): every public call that is a step (`write`, `read`,
`event`, and `b_response` with a non-OKAY response to a non-raise message) completes with all its
consequences before it returns: an unmask message (IMS-031), a whole flush (IMS-032, IMS-085), an
error latch and its raise (IMS-051, IMS-060..063). Messages are appended to an output list in step
order (IMS-071) and handed out by `take_messages`.

Two completion modes:

* ``auto_complete=True`` (standalone): every message counts as accepted (MSG_COUNT, IMS-072) and as
  answered OKAY as soon as it is emitted.
* ``auto_complete=False`` (benches): the bench reports the master port. `message_accepted` is the
  completion of both AW and W of the oldest message not yet accepted (IMS-072, IMS-084);
  `b_response` is the B response of the oldest message without one (AW order, IMS-073). A non-OKAY B
  on a message that was not sent directly by a raise logs MSG_WRITE_FAILED (IMS-053, IMS-062).

Rule map: IMS-001 `__init__`; IMS-020..027 `read`/`write`; IMS-030..036 `_write_entry`,
`_write_ctrl`, `_flush`; IMS-040..045 `event`; IMS-050..053 `_log_error`; IMS-060..063 `_raise`;
IMS-070..074 `_emit`, `message_accepted`, `b_response`. The register layout comes from `regmap`.

Performance: state is plain lists of ints, one list per table and word; an event is O(1), a write
O(1) except a flush, which scans its table once.
"""

from __future__ import annotations

from collections import deque

from imsmodel import regmap as rm
from imsmodel.errors import ImsArgumentError
from imsmodel.message import EventOutcome, Message, ReleaseWait
from imsmodel.regmap import ErrorCode, Kind

__all__ = [
    "EventOutcome",
    "ImsModel",
    "Message",
    "ReleaseWait",
]  # the value types live in message.py

# Local constants for the hot paths (all derived from regmap).
_MASK32 = 0xFFFFFFFF
_LO_KEEP = ~_MASK32  # addr bits [63:32]
_ADDR_LO_MASK = rm.ADDR_LO_MASK
_X_EN = rm.CTRL_MSIX_ENABLE
_X_FM = rm.CTRL_MSIX_FUNC_MASK
_X_OPEN_BITS = _X_EN | _X_FM
_I_EN = rm.CTRL_IMS_ENABLE
_EI_EN = rm.CTRL_ERR_INT_ENABLE
_CTRL_WR = rm.CTRL_WRITABLE
_X_CTL_WR = rm.MSIX_CTRL_WRITABLE
_I_CTL_WR = rm.IMS_CTRL_WRITABLE
_MASK = rm.MSIX_CTRL_MASK
assert _MASK == rm.IMS_CTRL_MASK
_PASID_EN = rm.IMS_CTRL_PASID_EN
_PASID_LSB = rm.IMS_CTRL_PASID_LSB
# IMS-038: the owner fields of an IMS control word (PASID_EN and PASID)
_OWNER = _PASID_EN | (rm.IMS_CTRL_WRITABLE & ~((1 << _PASID_LSB) - 1))
_REL_OFF = rm.HANDLE_RELEASE.offset
_REL_INDEX = rm.RELEASE_INDEX
_REL_IMS = rm.RELEASE_IMS
_ST_VALID = rm.ERR_STATUS_VALID
_ST_OVF = rm.ERR_STATUS_OVERFLOW
_CODE_LSB = rm.ERR_STATUS.field("code").lsb
_INFO_IMS_LSB = rm.ERR_INFO.field("ims").lsb
_INFO_PV_LSB = rm.ERR_INFO.field("pasid_valid").lsb
_ERR_MAX = rm.ERR_COUNT_MAX
_STRB = rm.STRB_BYTE_MASK
_HANDLE_MAX = rm.HANDLE_MAX
_PASID_MAX = rm.PASID_MAX
_ADDR_SPACE = rm.ADDR_SPACE
_decode = rm.lookup  # offsets are checked (aligned, in range) before the lookup
_RESPS = ("OKAY", "SLVERR", "DECERR")  # AXI4-Lite has no EXOKAY

_K_REG = Kind.REGISTER
_K_XT = Kind.MSIX_TABLE
_K_IT = Kind.IMS_TABLE
_K_XP = Kind.MSIX_PBA
_K_IP = Kind.IMS_PBA

_OKAY = "OKAY"
_SLVERR = "SLVERR"

_SENT = EventOutcome.SENT
_PENDING = EventOutcome.PENDING
_O_IMS_DIS = EventOutcome.IMS_DISABLED
_O_MSIX_DIS = EventOutcome.MSIX_DISABLED
_O_INV = EventOutcome.INVALID_HANDLE
_O_PASID = EventOutcome.PASID_MISMATCH
_E_WRITE = int(ErrorCode.MSG_WRITE_FAILED)
_E_IMS_DIS = int(ErrorCode.IMS_DISABLED)
_E_MSIX_DIS = int(ErrorCode.MSIX_DISABLED)
_E_INV = int(ErrorCode.INVALID_HANDLE)
_E_PASID = int(ErrorCode.PASID_MISMATCH)
# (stats key, code) per error code in ErrorCode order: `stats` runs once per step in the benches'
# probes, and walking the enum (names, lower()) each time cost more than the rest of `stats`.
_ERR_STAT_KEYS = tuple(("error_" + c.name.lower(), int(c)) for c in ErrorCode)


def _bad(what: str, value: object) -> ImsArgumentError:
    return ImsArgumentError(f"{what}, got {value!r}")


def _as_table(ims: object) -> bool:
    if ims is True or ims is False:
        return ims
    if isinstance(ims, int) and ims in (0, 1):
        return bool(ims)
    raise _bad("ims must be a bool (True: IMS table, False: MSI-X table)", ims)


class ImsModel:
    """Reference model of `ims_ctrl`. See the module docstring for the step semantics."""

    # Tables: _x* MSI-X, _i* IMS; *a 64-bit address (bits [1:0] = 0), *d data, *c control word,
    # *p pending (0/1). _s_* are statistics (cumulative across reset).
    __slots__ = (
        "_auto",
        "_cap",
        "_ctrl",
        "_err_code",
        "_err_count",
        "_err_info",
        "_err_ovf",
        "_err_pasid",
        "_err_valid",
        "_evt_msgs",
        "_flush_steps",
        "_ia",
        "_ic",
        "_id",
        "_inflight",
        "_ip",
        "_kc",
        "_last_release",
        "_m",
        "_msg_count",
        "_n",
        "_n_accepted",
        "_n_bdone",
        "_n_emitted",
        "_out",
        "_own",
        "_releases",
        "_s_accepted",
        "_s_b",
        "_s_b_ignored",
        "_s_err",
        "_s_ev_pended",
        "_s_ev_sent",
        "_s_flush",
        "_s_flushes",
        "_s_latched",
        "_s_logged",
        "_s_overflows",
        "_s_owner_cleared",
        "_s_raise_dropped",
        "_s_raise_pended",
        "_s_raise_sent",
        "_s_raises",
        "_s_reads",
        "_s_released",
        "_s_resets",
        "_s_slverr",
        "_s_unmask",
        "_s_writes",
        "_xa",
        "_xc",
        "_xd",
        "_xp",
    )

    def __init__(
        self,
        ims_entries: int = 64,
        msix_entries: int = 9,
        auto_complete: bool = True,
        *,
        flush_steps: bool = False,
    ) -> None:
        rm.check_params(ims_entries, msix_entries)  # IMS-001
        if not isinstance(auto_complete, bool):
            raise _bad("auto_complete must be a bool", auto_complete)
        if not isinstance(flush_steps, bool):
            raise _bad("flush_steps must be a bool", flush_steps)
        # flush_steps=True (contract checkers, docs/spec.md section 8a): a flush is not done
        # inside the opening write; it leaves per-entry release steps in `_releases` (ascending
        # index, MSI-X flush first), which the caller applies one by one with `release`.
        self._flush_steps = flush_steps
        self._releases: list[tuple[bool, int]] = []
        self._n = ims_entries
        self._m = msix_entries
        self._auto = auto_complete
        self._cap = rm.cap_value(ims_entries, msix_entries)
        self._out: list[Message] = []
        self._inflight: deque[Message] = deque()
        # per table (by `ims`) and entry: the last event message made (see `_event_message`)
        self._evt_msgs: dict[bool, list[Message | None]] = {
            False: [None] * msix_entries,
            True: [None] * ims_entries,
        }
        self._s_err: dict[int, int] = {int(c): 0 for c in ErrorCode}
        self._s_ev_sent = self._s_ev_pended = 0
        self._s_unmask = self._s_flush = self._s_flushes = 0
        self._s_raises = self._s_raise_sent = self._s_raise_pended = self._s_raise_dropped = 0
        self._s_latched = self._s_overflows = self._s_logged = 0
        self._s_writes = self._s_reads = self._s_slverr = 0
        self._s_b = self._s_b_ignored = self._s_resets = self._s_accepted = 0
        self._s_released = self._s_owner_cleared = 0
        self._init_state()

    # ------------------------------------------------------------------ state
    def _init_state(self) -> None:
        """Reset values (IMS-021); also forgets every message in flight on the master port."""
        self._ctrl = 0
        self._err_valid = 0
        self._err_ovf = 0
        self._err_code = 0
        self._err_info = 0
        self._err_pasid = 0
        self._err_count = 0
        self._msg_count = 0
        m, n = self._m, self._n
        self._xa = [0] * m
        self._xd = [0] * m
        self._xc = [_MASK] * m
        self._xp = [0] * m
        self._ia = [0] * n
        self._id = [0] * n
        self._ic = [_MASK] * n
        self._ip = [0] * n
        self._own = _ALL_TABLES  # this model's table lists are its own (copy-on-write, `clone`)
        self._kc: dict[str, _Key] = {}  # cached `state_key` parts of the table lists
        self._inflight.clear()
        self._n_emitted = self._n_accepted = self._n_bdone = 0
        self._releases = []
        self._last_release: ReleaseWait | None = None

    def reset(self) -> None:
        """Reset the device (IMS-021). Messages emitted before and not yet taken stay in the output
        list; messages in flight on the master port are forgotten (no B is expected for them).
        Statistics are cumulative and count resets."""
        self._init_state()
        self._s_resets += 1

    # ------------------------------------------------------------------ read-only views
    @property
    def ims_entries(self) -> int:
        """N (IMS-001)."""
        return self._n

    @property
    def msix_entries(self) -> int:
        """M (IMS-001)."""
        return self._m

    @property
    def auto_complete(self) -> bool:
        """True when messages complete themselves (standalone use)."""
        return self._auto

    @property
    def ctrl(self) -> int:
        """The CTRL register value."""
        return self._ctrl

    @property
    def outstanding(self) -> int:
        """Messages emitted whose B response has not been reported (always 0 with auto_complete)."""
        return len(self._inflight)

    @property
    def b_answered(self) -> int:
        """B responses reported since reset (`b_response` calls; 0 with auto_complete)."""
        return self._n_bdone

    @property
    def last_release(self) -> ReleaseWait | None:
        """The most recent in-range HANDLE_RELEASE step since reset (IMS-039) and what its held B
        waits for (IMS-107, IMS-087); None before the first."""
        return self._last_release

    @property
    def unaccepted(self) -> int:
        """Messages emitted whose AW+W completion has not been reported (0 with auto_complete)."""
        return self._n_emitted - self._n_accepted

    def _check_index(self, ims: object, index: object) -> tuple[bool, int]:
        t = _as_table(ims)
        size = self._n if t else self._m
        if not isinstance(index, int) or not 0 <= index < size:
            raise _bad(f"index must be an int in 0..{size - 1} for the {_tname(t)} table", index)
        return t, index

    def pending(self, ims: bool, index: int) -> bool:
        """The entry's pending bit (IMS-030)."""
        t, i = self._check_index(ims, index)
        return bool((self._ip if t else self._xp)[i])

    def entry_ctrl(self, ims: bool, index: int) -> int:
        """The entry's control word (MASK, PASID_EN, PASID), as a read would return it; not a
        step, not counted in stats["reads"]."""
        if ims is True and type(index) is int and 0 <= index < self._n:  # the common case
            return self._ic[index]
        t, i = self._check_index(ims, index)
        return (self._ic if t else self._xc)[i]

    def masked(self, ims: bool, index: int) -> bool:
        """The entry's own MASK bit (not the table's state; see `effectively_masked`)."""
        t, i = self._check_index(ims, index)
        return bool((self._ic if t else self._xc)[i] & _MASK)

    def effectively_masked(self, ims: bool, index: int) -> bool:
        """MASK = 1 or the entry's table is closed (docs/spec.md section 4)."""
        t, i = self._check_index(ims, index)
        return bool((self._ic if t else self._xc)[i] & _MASK) or not self._open(t)

    def table_open(self, ims: bool) -> bool:
        """The table is open: enabled and, for MSI-X, not function-masked (docs/spec.md 4)."""
        return self._open(bool(ims))

    def _open(self, ims: bool) -> bool:
        c = self._ctrl
        if ims:
            return bool(c & _I_EN)
        return c & _X_OPEN_BITS == _X_EN

    def take_messages(self) -> list[Message]:
        """Messages emitted since the last call, in emission (step) order (IMS-071)."""
        out = self._out
        self._out = []
        return out

    @property
    def stats(self) -> dict[str, int]:
        """Counters for reports (cumulative across `reset`).

        Event outcomes: events = event_sent + pended + event_errors. Messages: sent = event_sent +
        unmask_messages + flush_messages + raise_messages. Errors: errors = sum of error_<code>;
        errors = latched + overflows. raises = raise_messages + raise_pended + raise_dropped.
        accepted: messages counted into MSG_COUNT (= sent with auto_complete); b_responses,
        b_errors (logged, = error_msg_write_failed), b_errors_ignored (raise messages, IMS-062).
        releases: in-range HANDLE_RELEASE steps (IMS-039); owner_cleared: pending bits cleared by
        an owner (PASID/PASID_EN) change (IMS-038).
        """
        e = self._s_err
        ev_err = e[_E_IMS_DIS] + e[_E_MSIX_DIS] + e[_E_INV] + e[_E_PASID]
        sent = self._s_ev_sent + self._s_unmask + self._s_flush + self._s_raise_sent
        d = {
            "events": self._s_ev_sent + self._s_ev_pended + ev_err,
            "event_sent": self._s_ev_sent,
            "pended": self._s_ev_pended,
            "event_errors": ev_err,
            "sent": sent,
            "unmask_messages": self._s_unmask,
            "flush_messages": self._s_flush,
            "flushes": self._s_flushes,
            "raises": self._s_raises,
            "raise_messages": self._s_raise_sent,
            "raise_pended": self._s_raise_pended,
            "raise_dropped": self._s_raise_dropped,
            "errors": sum(e.values()),
            "latched": self._s_latched,
            "overflows": self._s_overflows,
            "writes": self._s_writes,
            "reads": self._s_reads,
            "slverr": self._s_slverr,
            "accepted": sent if self._auto else self._s_accepted,
            "b_responses": self._s_b,
            "b_errors": e[_E_WRITE],
            "b_errors_ignored": self._s_b_ignored,
            "resets": self._s_resets,
            "releases": self._s_released,
            "owner_cleared": self._s_owner_cleared,
        }
        for key, code in _ERR_STAT_KEYS:
            d[key] = e[code]
        return d

    @property
    def errors_logged(self) -> int:
        """Errors logged so far (stats["errors"], cumulative). Every counter of `error_counters()`
        changes only when an error is logged, so a probe that sees this number unchanged after a
        step knows that none of them changed, at the cost of one attribute read."""
        return self._s_logged

    def error_counters(self) -> tuple[int, ...]:
        """The error-log and error-interrupt counters of `stats`, cheaply, for probes that compare
        them before and after every step: the count of each error code in `ErrorCode` order
        (`stats["error_<code>"]`), then latched, raise_messages, raise_pended, raise_dropped."""
        return (
            *self._s_err.values(),  # keyed by int(code), created in ErrorCode order
            self._s_latched,
            self._s_raise_sent,
            self._s_raise_pended,
            self._s_raise_dropped,
        )

    # ------------------------------------------------------------------ slave port: reads
    def read(self, offset: int) -> tuple[int, str]:
        """Register read step (IMS-080): returns (value, "OKAY"|"SLVERR"); changes no state."""
        if not isinstance(offset, int) or not 0 <= offset < _ADDR_SPACE or offset & 3:
            raise _bad("offset must be a 4-byte aligned int in 0..0xFFFC", offset)
        self._s_reads += 1
        loc = _decode(offset, self._n, self._m)
        kind = loc.kind
        if kind is _K_IT or kind is _K_XT:
            i = loc.index
            w = loc.word
            if kind is _K_IT:
                a, d, c = self._ia, self._id, self._ic
            else:
                a, d, c = self._xa, self._xd, self._xc
            if w == rm.WORD_ADDR_LO:
                return a[i] & _MASK32, _OKAY
            if w == rm.WORD_ADDR_HI:
                return a[i] >> 32, _OKAY
            if w == rm.WORD_DATA:
                return d[i], _OKAY
            return c[i], _OKAY
        if kind is _K_REG:
            return self._read_register(loc.offset), _OKAY
        if kind is _K_XP:
            return _pba_word(self._xp, loc.index, loc.word), _OKAY  # IMS-026
        if kind is _K_IP:
            return _pba_word(self._ip, loc.index, loc.word), _OKAY
        self._s_slverr += 1
        return 0, _SLVERR  # IMS-025

    def _read_register(self, off: int) -> int:
        if off == rm.CTRL.offset:
            return self._ctrl
        if off == rm.ERR_STATUS.offset:
            # IMS-027: CODE reads 0 while VALID = 0 (it is cleared with VALID).
            return self._err_valid | (self._err_ovf << 1) | (self._err_code << _CODE_LSB)
        if off == rm.ERR_INFO.offset:
            return self._err_info
        if off == rm.ERR_PASID.offset:
            return self._err_pasid
        if off == rm.ERR_COUNT.offset:
            return self._err_count
        if off == rm.MSG_COUNT.offset:
            return self._msg_count
        if off == rm.CAP.offset:
            return self._cap
        if off == _REL_OFF:
            return 0  # IMS-028: write-only
        return rm.ID_VALUE

    # ------------------------------------------------------------------ slave port: writes
    def write(self, offset: int, value: int, strb: int = 0xF) -> str:
        """Register write step (IMS-080): returns "OKAY" or "SLVERR" (IMS-025)."""
        if not isinstance(offset, int) or not 0 <= offset < _ADDR_SPACE or offset & 3:
            raise _bad("offset must be a 4-byte aligned int in 0..0xFFFC", offset)
        if not isinstance(value, int) or not 0 <= value <= _MASK32:
            raise _bad("value must be an int in 0..0xFFFFFFFF", value)
        if not isinstance(strb, int) or not 0 <= strb <= 0xF:
            raise _bad("strb must be an int in 0..0xF", strb)
        self._s_writes += 1
        loc = _decode(offset, self._n, self._m)
        kind = loc.kind
        bm = _STRB[strb]  # IMS-023: bytes whose strobe is 0 keep their value
        if kind is _K_IT:
            self._write_entry(True, loc.index, loc.word, value, bm)
            return _OKAY
        if kind is _K_XT:
            self._write_entry(False, loc.index, loc.word, value, bm)
            return _OKAY
        if kind is _K_REG:
            off = loc.offset
            if off == rm.CTRL.offset:
                self._write_ctrl(value, bm)
            elif off == _REL_OFF:
                if bm and not self._release_write(value & bm):  # WSTRB = 0: nothing (IMS-023)
                    self._s_slverr += 1
                    return _SLVERR  # IMS-028: index past its table
            elif off == rm.ERR_STATUS.offset:
                w1c = value & bm  # a byte with strobe 0 is not written, so it clears nothing
                if w1c & _ST_VALID:  # IMS-027
                    self._err_valid = 0
                    self._err_code = 0
                if w1c & _ST_OVF:
                    self._err_ovf = 0
            # IMS-024: other registers are RO: OKAY, nothing changes.
            return _OKAY
        if kind is _K_XP or kind is _K_IP:
            return _OKAY  # IMS-024: in-range PBA QWORD is RO
        self._s_slverr += 1
        return _SLVERR  # IMS-025

    def _tab(self, ims: bool, part: int) -> list[int]:
        """Table list `part` (_A, _D, _C, _P) of a table, to be written: copied first when a
        clone shares it (copy-on-write), and its cached `state_key` part dropped."""
        name = _TABLE_NAMES[ims][part]
        bit = 1 << (4 * ims + part)
        if not self._own & bit:
            setattr(self, name, getattr(self, name)[:])
            self._own |= bit
        self._kc.pop(name, None)
        lst: list[int] = getattr(self, name)
        return lst

    def _write_entry(self, ims: bool, i: int, word: int, value: int, bm: int) -> None:
        if ims:
            a, d, c, p = self._ia, self._id, self._ic, self._ip
        else:
            a, d, c, p = self._xa, self._xd, self._xc, self._xp
        if word == rm.WORD_ADDR_LO:  # IMS-022: addr_lo[1:0] reserved
            old = a[i]
            lo = ((old & ~bm) | (value & bm)) & _ADDR_LO_MASK
            self._tab(ims, _A)[i] = (old & _LO_KEEP) | lo
        elif word == rm.WORD_ADDR_HI:
            old = a[i]
            hi = ((old >> 32) & ~bm) | (value & bm)
            self._tab(ims, _A)[i] = (hi << 32) | (old & _MASK32)
        elif word == rm.WORD_DATA:
            self._tab(ims, _D)[i] = (d[i] & ~bm) | (value & bm)
        else:
            old = c[i]
            new = ((old & ~bm) | (value & bm)) & (_I_CTL_WR if ims else _X_CTL_WR)
            self._tab(ims, _C)[i] = new
            # IMS-038: a new owner (PASID_EN or PASID changed) drops the pending interrupt of the
            # old one, first: an unmask in the same write then finds nothing pending.
            if ims and p[i] and (old ^ new) & _OWNER:
                p = self._tab(ims, _P)  # the list written (a clone's copy), read again below
                p[i] = 0
                self._s_owner_cleared += 1
            # IMS-031: MASK 1 -> 0 on a pending entry of an open table sends one message with the
            # address/data after this write; a closed table keeps it pending (IMS-033).
            # IMS-036: MASK unchanged (or other words) sends nothing.
            if old & _MASK and not new & _MASK and p[i] and self._open(ims):
                self._tab(ims, _P)[i] = 0
                self._s_unmask += 1
                self._emit(Message(a[i], d[i], ims, i, False, "unmask"))

    def _release_write(self, value: int) -> bool:
        """HANDLE_RELEASE (IMS-028, IMS-039) with the written bytes of the write (unwritten ones
        0). False for an index past its table (SLVERR, nothing changes, nothing logged)."""
        ims = bool(value & _REL_IMS)
        i = value & _REL_INDEX
        if i >= (self._n if ims else self._m):
            return False
        self._tab(ims, _P)[i] = 0
        c = self._tab(ims, _C)
        c[i] |= _MASK
        self._s_released += 1
        # IMS-107: the B waits for the entry's messages of earlier steps not yet answered (B's
        # come in AW order, so for every message up to the entry's last one)
        wait = entry = 0
        for pos, msg in enumerate(self._inflight, start=1):
            if msg.ims == ims and msg.index == i:
                entry += 1
                wait = pos
        self._last_release = ReleaseWait(ims, i, entry, wait, len(self._inflight), self._n_bdone)
        return True

    def _write_ctrl(self, value: int, bm: int) -> None:
        old = self._ctrl
        new = ((old & ~bm) | (value & bm)) & _CTRL_WR  # IMS-022: [31:4] reserved
        self._ctrl = new
        # IMS-032: closed -> open flushes; MSI-X before IMS when one write opens both.
        if old & _X_OPEN_BITS != _X_EN and new & _X_OPEN_BITS == _X_EN:
            self._flush(False)
        if not old & _I_EN and new & _I_EN:
            self._flush(True)

    def _flush(self, ims: bool) -> None:
        """IMS-032/IMS-085: every pending entry with MASK = 0, ascending index, one message each.
        IMS-035: no PASID re-check; address/data current now."""
        self._s_flushes += 1
        if ims:
            a, d, c, p = self._ia, self._id, self._ic, self._ip
        else:
            a, d, c, p = self._xa, self._xd, self._xc, self._xp
        if 1 not in p:
            return
        if self._flush_steps:  # contract mode: one release step per entry it sends, later
            # (a masked entry is never released by this flush: an unmask sends it, IMS-031)
            self._releases.extend((ims, i) for i, pend in enumerate(p) if pend and not c[i] & _MASK)
            return
        emit = self._emit
        p = self._tab(ims, _P)
        for i, pend in enumerate(p):
            if pend and not c[i] & _MASK:
                p[i] = 0
                self._s_flush += 1
                emit(Message(a[i], d[i], ims, i, False, "flush"))

    # ------------------------------------------------------------------ contract mode
    def take_releases(self) -> list[tuple[bool, int]]:
        """flush_steps=True: the release steps (ims, index) the flushes since the last call left,
        in the order they must be applied (ascending index; MSI-X first when one write opened
        both tables)."""
        out = self._releases
        self._releases = []
        return out

    def release(self, ims: bool, index: int) -> bool:
        """One per-entry release step of a flush (flush_steps=True, docs/spec.md section 8a):
        an entry that is still pending, has MASK = 0 and whose table is still open sends one
        message (address/data current now, IMS-035) and its pending bit clears; otherwise
        nothing happens (the entry stays as it is). Returns True when a message was sent."""
        t, i = self._check_index(ims, index)
        if t:
            a, d, c, p = self._ia, self._id, self._ic, self._ip
        else:
            a, d, c, p = self._xa, self._xd, self._xc, self._xp
        if not p[i] or c[i] & _MASK or not self._open(t):
            return False
        self._tab(t, _P)[i] = 0
        self._s_flush += 1
        self._emit(Message(a[i], d[i], t, i, False, "flush"))
        return True

    def clone(self) -> ImsModel:
        """An independent copy (state, messages in flight, statistics); messages are immutable
        and shared. About 20x cheaper than `copy.deepcopy` (contract checkers clone per step)."""
        new = ImsModel.__new__(ImsModel)
        for name in _SCALAR_SLOTS:
            setattr(new, name, getattr(self, name))
        new._out = list(self._out)
        new._inflight = deque(self._inflight)
        new._releases = list(self._releases)
        new._evt_msgs = self._evt_msgs  # a cache of immutable values: safe to share
        new._s_err = dict(self._s_err)
        # the table lists are shared until one side writes them (`_tab`), with their cached
        # `state_key` parts: clones of a 2048-entry model cost what its scalars cost
        for name in _ALL_TABLE_NAMES:
            setattr(new, name, getattr(self, name))
        new._own = self._own = 0
        new._kc = dict(self._kc)
        return new

    def state_key(self) -> tuple[object, ...]:
        """Everything a later step, read or message can observe (no statistics; of a message in
        flight not its cause, which nothing observes): two models with equal keys behave
        identically from here on. For deduplicating model states."""
        return (
            self._ctrl,
            self._err_valid,
            self._err_ovf,
            self._err_code,
            self._err_info,
            self._err_pasid,
            self._err_count,
            self._msg_count,
            self._n_emitted - self._n_accepted,
            tuple((x.addr, x.data, x.ims, x.index, x.raise_) for x in self._inflight),
            tuple(self._releases),
            *(self._table_key(name) for name in _ALL_TABLE_NAMES),
        )

    def _table_key(self, name: str) -> _Key:
        key = self._kc.get(name)
        if key is None:
            key = self._kc[name] = _Key(getattr(self, name))
        return key

    # ------------------------------------------------------------------ events (IMS-040..045)
    def event(self, ims: bool, handle: int, pasid: int | None = None) -> EventOutcome:
        """Event step (IMS-080). `pasid=None` means evt_pasid_valid = 0."""
        if ims is not True and ims is not False:
            ims = _as_table(ims)
        if not isinstance(handle, int) or not 0 <= handle <= _HANDLE_MAX:
            raise _bad("handle must be an int in 0..0xFFFF", handle)
        if pasid is not None and (not isinstance(pasid, int) or not 0 <= pasid <= _PASID_MAX):
            raise _bad("pasid must be None or an int in 0..0xFFFFF", pasid)
        if ims:
            # IMS-040: enable, then range, then PASID.
            if not self._ctrl & _I_EN:
                self._event_error(_E_IMS_DIS, True, handle, pasid)
                return _O_IMS_DIS
            if handle >= self._n:
                self._event_error(_E_INV, True, handle, pasid)
                return _O_INV
            c = self._ic[handle]
            # IMS-045: the entry PASID matters only when PASID_EN = 1.
            if c & _PASID_EN and (pasid is None or pasid != c >> _PASID_LSB):
                self._event_error(_E_PASID, True, handle, pasid)
                return _O_PASID
            if c & _MASK:  # IMS-043
                self._tab(True, _P)[handle] = 1
                self._s_ev_pended += 1
                return _PENDING
            self._s_ev_sent += 1  # IMS-044
            self._emit(self._event_message(True, handle, self._ia[handle], self._id[handle]))
            return _SENT
        # IMS-041: range, then enable. IMS-045: evt_pasid plays no part in MSI-X delivery.
        if handle >= self._m:
            self._event_error(_E_INV, False, handle, pasid)
            return _O_INV
        ctrl = self._ctrl
        if not ctrl & _X_EN:
            self._event_error(_E_MSIX_DIS, False, handle, pasid)
            return _O_MSIX_DIS
        if ctrl & _X_FM or self._xc[handle] & _MASK:  # IMS-043
            self._tab(False, _P)[handle] = 1
            self._s_ev_pended += 1
            return _PENDING
        self._s_ev_sent += 1  # IMS-044
        self._emit(self._event_message(False, handle, self._xa[handle], self._xd[handle]))
        return _SENT

    def _event_message(self, ims: bool, index: int, addr: int, data: int) -> Message:
        """The event message of an entry with this (addr, data). Messages are immutable values:
        the last one made for the entry is handed out again while the pair is unchanged."""
        made = self._evt_msgs[ims]
        msg = made[index]
        if msg is None or msg.addr != addr or msg.data != data:
            msg = made[index] = Message(addr, data, ims, index, False, "event")
        return msg

    def _event_error(self, code: int, ims: bool, handle: int, pasid: int | None) -> None:
        # IMS-042: no message, no pending change. IMS-051: ERR_INFO/ERR_PASID latch what the event
        # carried, for both tables (spec question: IMS-045 says evt_pasid is "ignored" for MSI-X
        # events; we read that as "for delivery", and IMS-051 latches the event's PASID as given).
        if pasid is None:
            self._log_error(code, handle, ims, 0, 0)
        else:
            self._log_error(code, handle, ims, 1, pasid)

    # ------------------------------------------------------------------ errors (IMS-050..063)
    def _log_error(self, code: int, handle: int, ims: bool, pasid_valid: int, pasid: int) -> None:
        self._s_logged += 1
        self._s_err[code] += 1
        if self._err_count != _ERR_MAX:  # IMS-050: saturating
            self._err_count += 1
        if self._err_valid:  # IMS-052: overflow changes nothing else
            self._err_ovf = 1
            self._s_overflows += 1
            return
        # IMS-051: latch
        self._s_latched += 1
        self._err_valid = 1
        self._err_code = code
        self._err_info = handle | (int(ims) << _INFO_IMS_LSB) | (pasid_valid << _INFO_PV_LSB)
        self._err_pasid = pasid
        if self._ctrl & _EI_EN:  # IMS-060: raise on latch only, inside this step
            self._raise()

    def _raise(self) -> None:
        """IMS-061: MSI-X vector 0 under the event rules, except MSIX_ENABLE = 0 drops it."""
        self._s_raises += 1
        ctrl = self._ctrl
        if not ctrl & _X_EN:
            self._s_raise_dropped += 1
            return
        if ctrl & _X_FM or self._xc[0] & _MASK:
            self._tab(False, _P)[0] = 1
            self._s_raise_pended += 1
            return
        self._s_raise_sent += 1
        self._emit(Message(self._xa[0], self._xd[0], False, 0, True, "raise"))

    # ------------------------------------------------------------------ master port (IMS-070..074)
    def _emit(self, msg: Message) -> None:
        self._out.append(msg)
        if self._auto:
            self._msg_count = (self._msg_count + 1) & _MASK32  # IMS-072: wrapping
        else:
            self._inflight.append(msg)
            self._n_emitted += 1

    def message_accepted(self) -> None:
        """Bench: the oldest emitted message not yet accepted completed both AW and W (IMS-072).
        Not a step (it changes only MSG_COUNT)."""
        if self._n_accepted >= self._n_emitted:
            raise ImsArgumentError(
                "message_accepted() with no emitted message awaiting AW+W"
                + (" (auto_complete=True accepts every message itself)" if self._auto else "")
            )
        self._n_accepted += 1
        self._s_accepted += 1
        self._msg_count = (self._msg_count + 1) & _MASK32

    def b_response(self, resp: str) -> Message:
        """Bench: the B response of the oldest message without one (AW order, IMS-073).

        Returns that message. A non-OKAY response to a message not sent directly by a raise is a
        step that logs MSG_WRITE_FAILED (IMS-053) and may raise (IMS-060); otherwise nothing
        changes (IMS-062, IMS-083). A B before the message's AW+W completion, or with nothing
        outstanding, is bench misuse (IMS-074 is the RTL's view) and raises ImsArgumentError.
        """
        if resp not in _RESPS:
            raise _bad("resp must be 'OKAY', 'SLVERR' or 'DECERR'", resp)
        if not self._inflight:
            raise ImsArgumentError(
                "b_response() with no message in flight"
                + (" (auto_complete=True completes every message itself)" if self._auto else "")
            )
        if self._n_bdone >= self._n_accepted:
            raise ImsArgumentError(
                "b_response() for a message whose AW and W have not both completed "
                "(call message_accepted() first)"
            )
        msg = self._inflight.popleft()
        self._n_bdone += 1
        self._s_b += 1
        if resp != _OKAY:
            if msg.raise_:
                self._s_b_ignored += 1  # IMS-062
            else:
                self._log_error(_E_WRITE, msg.index, msg.ims, 0, 0)  # IMS-053
        return msg


class _Key(tuple[int, ...]):
    """A table list frozen for `ImsModel.state_key`, hashed once (clones share it)."""

    def __hash__(self) -> int:
        h: int | None = self.__dict__.get("h")
        if h is None:
            h = self.__dict__["h"] = tuple.__hash__(self)
        return h

    def __eq__(self, other: object) -> bool:
        return self is other or tuple.__eq__(self, other)

    def __ne__(self, other: object) -> bool:
        return not self == other


_A, _D, _C, _P = 0, 1, 2, 3  # parts of a table (`ImsModel._tab`)
_TABLE_NAMES = {False: ("_xa", "_xd", "_xc", "_xp"), True: ("_ia", "_id", "_ic", "_ip")}
_ALL_TABLE_NAMES = _TABLE_NAMES[False] + _TABLE_NAMES[True]
_ALL_TABLES = 0xFF  # `ImsModel._own`: bit 4*ims + part

_SCALAR_SLOTS = tuple(
    name
    for name in ImsModel.__slots__
    if name
    not in (
        "_out", "_inflight", "_releases", "_evt_msgs", "_s_err", "_own", "_kc",
        "_xa", "_xd", "_xc", "_xp", "_ia", "_id", "_ic", "_ip",
    )
)  # fmt: skip


def _tname(ims: bool) -> str:
    return "IMS" if ims else "MSI-X"


def _pba_word(pend: list[int], qword: int, half: int) -> int:
    """IMS-026: live pending bits 64q+32h .. +31; entries past the table read 0."""
    base = 64 * qword + 32 * half
    value = 0
    for k, bit in enumerate(pend[base : base + 32]):
        if bit:
            value |= 1 << k
    return value
