"""`ProbedModel`: `ImsModel` that reports what every step did, for functional coverage.

The scoreboard (`imstb.scoreboard`) drives the model one step at a time and collects the step's
messages with `take_messages()` right after it. `ProbedModel` records the state a step found
(entry MASK/pending, table open, PASID setting), lets the model run the step unchanged, and on
`take_messages()` publishes a `StepRecord` with the outcome, the messages, and what happened to the
error log and the error interrupt (from the model's public `error_counters()`, the numbers of
`stats` without building the dict, compared only when `errors_logged` says an error was logged
in the step). Coverage samples these records: they describe what the DUT was checked to have
done, since the scoreboard compares every message and read value against this model.

The probe reads entry control words with `entry_ctrl()` (not a step: `stats["reads"]` counts
only the bench's reads).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

from imsmodel import EventOutcome, ImsModel, Message
from imsmodel import regmap as rm

__all__ = ["ProbedModel", "StepRecord"]

_CODES = tuple(rm.ErrorCode)  # the order of ImsModel.error_counters()
_LATCHED = len(_CODES)  # index of "latched" in error_counters(), then the three raise results
_RAISE_RESULTS = ((_LATCHED + 1, "sent"), (_LATCHED + 2, "pending"), (_LATCHED + 3, "dropped"))
_X_EN = rm.CTRL_MSIX_ENABLE
_X_FM = rm.CTRL_MSIX_FUNC_MASK
_I_EN = rm.CTRL_IMS_ENABLE
_MASK = rm.IMS_CTRL_MASK
_PASID_EN = rm.IMS_CTRL_PASID_EN
_PASID_LSB = rm.IMS_CTRL_PASID_LSB


def _open(ctrl: int, ims: bool) -> bool:
    """Table open (docs/spec.md section 4)."""
    if ims:
        return bool(ctrl & _I_EN)
    return ctrl & (_X_EN | _X_FM) == _X_EN


@dataclass(init=False)
class StepRecord:
    """One model step and what it did. Fields a step does not set keep the class defaults (one
    record per step and several steps per clock: `__init__` sets only what every step has)."""

    kind: str  # "write" | "read" | "event" | "b"
    offset: int = 0
    value: int = 0
    strb: int = 0xF
    resp: str = ""
    ims: bool = False
    handle: int = 0
    pasid: int | None = None
    outcome: EventOutcome | None = None
    # entry control write that changes MASK: ("unmask" | "mask", pending before, table open)
    mask_change: tuple[str, bool, bool] | None = None
    # CTRL write that changes MSIX_FUNC_MASK: ("set" | "clear", any MSI-X entry pending before)
    func_mask_change: tuple[str, bool] | None = None
    opened: tuple[bool, bool] = (False, False)  # (MSI-X, IMS) went closed -> open
    # IMS event that reached the PASID check: (PASID_EN, "match" | "mismatch" | "absent")
    pasid_case: tuple[bool, str] | None = None
    entry_pasid: int = 0  # the entry's PASID field then
    # IMS event with an in-range handle: the entry's control word it found (any table state)
    entry_ctrl: int | None = None
    b_message: Message | None = None  # the message a B response belonged to
    messages: list[Message] = field(default_factory=list)
    error: tuple[rm.ErrorCode, bool] | None = None  # (code, latched) or overflow when False
    raise_result: str | None = None  # error interrupt: "sent" | "pending" | "dropped"

    def __init__(self, kind: str, offset: int = 0, value: int = 0, strb: int = 0xF) -> None:
        self.kind = kind
        if offset:  # (else the class default, 0)
            self.offset = offset
        if value:
            self.value = value
        if strb != 0xF:
            self.strb = strb
        self.messages = []

    def flush_counts(self) -> tuple[int, int]:
        """Messages of this step's flushes: (MSI-X, IMS)."""
        x = sum(1 for msg in self.messages if msg.cause == "flush" and not msg.ims)
        i = sum(1 for msg in self.messages if msg.cause == "flush" and msg.ims)
        return x, i


class ProbedModel(ImsModel):
    """The reference model with step records for coverage (`probes` get every record)."""

    def __init__(self, ims_entries: int, msix_entries: int) -> None:
        super().__init__(ims_entries, msix_entries, auto_complete=False)
        self.probes: list[Callable[[StepRecord], None]] = []
        self._rec: StepRecord | None = None
        self._logged0 = 0  # errors_logged when the step began
        self._counters: tuple[int, tuple[int, ...]] = (0, self.error_counters())  # at a count
        self._ims_n = ims_entries

    def _begin(self, rec: StepRecord) -> None:
        self._rec = rec
        logged = self._logged0 = self.errors_logged
        if self._counters[0] != logged:  # the counters as the step finds them (rarely stale)
            self._counters = (logged, self.error_counters())

    # ------------------------------------------------------------------ steps
    def write(self, offset: int, value: int, strb: int = 0xF) -> str:
        rec = StepRecord("write", offset=offset, value=value, strb=strb)
        loc = rm.decode(offset, self.ims_entries, self.msix_entries)
        old_ctrl = self.ctrl
        if loc.kind in (rm.Kind.MSIX_TABLE, rm.Kind.IMS_TABLE) and loc.word == rm.WORD_CTRL:
            ims, i = loc.ims, loc.index
            old = self.masked(ims, i)
            new = bool((value & rm.STRB_BYTE_MASK[strb] & _MASK) if strb & 1 else old)
            if old != new:
                rec.mask_change = (
                    "unmask" if old else "mask",
                    self.pending(ims, i),
                    _open(old_ctrl, ims),
                )
        any_x_pending = (
            any(self.pending(False, i) for i in range(self.msix_entries))
            if loc.kind is rm.Kind.REGISTER and loc.offset == rm.CTRL.offset
            else False
        )
        self._begin(rec)
        rec.resp = super().write(offset, value, strb)
        if loc.kind is rm.Kind.REGISTER and loc.offset == rm.CTRL.offset:
            new_ctrl = self.ctrl
            if (old_ctrl ^ new_ctrl) & _X_FM:
                rec.func_mask_change = ("set" if new_ctrl & _X_FM else "clear", any_x_pending)
            rec.opened = (
                not _open(old_ctrl, False) and _open(new_ctrl, False),
                not _open(old_ctrl, True) and _open(new_ctrl, True),
            )
        return rec.resp

    def read(self, offset: int) -> tuple[int, str]:
        self._begin(StepRecord("read", offset=offset))
        value, resp = super().read(offset)
        if self._rec is not None:
            self._rec.value = value
            self._rec.resp = resp
        return value, resp

    def event(self, ims: bool, handle: int, pasid: int | None = None) -> EventOutcome:
        rec = StepRecord("event")
        rec.ims = bool(ims)
        rec.handle = handle
        rec.pasid = pasid
        if ims and handle < self._ims_n:
            ctl = rec.entry_ctrl = self.entry_ctrl(True, handle)
            if self.ctrl & _I_EN:  # the event reaches the PASID check
                if pasid is None:
                    case = "absent"
                elif pasid == ctl >> _PASID_LSB:
                    case = "match"
                else:
                    case = "mismatch"
                rec.pasid_case = (bool(ctl & _PASID_EN), case)
                rec.entry_pasid = ctl >> _PASID_LSB
        self._rec = rec  # `_begin`, inline: one event step per clock at full rate
        logged = self._logged0 = self.errors_logged
        if self._counters[0] != logged:
            self._counters = (logged, self.error_counters())
        rec.outcome = super().event(ims, handle, pasid)
        return rec.outcome

    def b_response(self, resp: str) -> Message:
        rec = StepRecord("b")
        rec.resp = resp
        self._rec = rec  # `_begin`, inline: one B per message
        logged = self._logged0 = self.errors_logged
        if self._counters[0] != logged:
            self._counters = (logged, self.error_counters())
        rec.b_message = super().b_response(resp)
        return rec.b_message

    def take_messages(self) -> list[Message]:
        msgs = super().take_messages()
        rec, self._rec = self._rec, None
        if rec is not None:
            rec.messages = msgs
            if self.errors_logged != self._logged0:
                self._finish(rec)
            for probe in self.probes:
                probe(rec)
        return msgs

    def _finish(self, rec: StepRecord) -> None:
        logged = self.errors_logged
        if logged == self._logged0:  # no error logged, so no counter moved: the common case
            return
        c0 = self._counters[1]  # taken at `_begin`'s count
        c1 = self.error_counters()
        self._counters = (logged, c1)
        for i, code in enumerate(_CODES):
            if c1[i] != c0[i]:
                rec.error = (code, c1[_LATCHED] != c0[_LATCHED])
        for i, name in _RAISE_RESULTS:
            if c1[i] != c0[i]:
                rec.raise_result = name
