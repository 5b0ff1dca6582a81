"""Scoreboard: replays the monitored steps into `ImsModel(auto_complete=False)` in edge order
(docs/spec.md section 8) and compares every response, read value and message bit for bit.

The monitor reports, per edge k and in this order: message AW, message W, message accept, message
B, then the step of edge k (register write at its commit edge, register read at its AR edge, event
at its handshake edge). The scoreboard keeps them in a FIFO and applies the head only when it is
complete (a write needs its B, a read its R), so nothing is applied before every earlier item:

* message accept at edge k -> `message_accepted()` (before a read at edge k: IMS-084);
* message B -> `b_response(resp)`; a non-OKAY B on a non-raise message is a step (IMS-053/080);
* register write -> `write(addr & 0xFFFC, data, strb)`, response compared (a write whose B was
  lost in a reset committed all the same: replayed, response not compared);
* register read -> `read(addr & 0xFFFC)`, data and response compared;
* event -> `event(ims, handle, pasid or None)`;
* message AW/W -> compared with the model's next message (IMS-070/071): AWADDR, AWPROT = 0,
  WDATA, WSTRB = 0xF.

A message caused by the step at edge k has its AW/W at edge > k, and the AW/W of edge k are
applied before the step of edge k, so a message that the DUT sends too early shows up as extra.

Two layers (docs/spec.md): the replay above is the *ims_ctrl profile* checker (exact step order,
bit for bit). Every transaction also goes to an `imstb.contract.ContractChecker`, which checks the
device *contract* (windows instead of edges; every race outcome the contract allows). With
`profile=True` (a DUT claiming the profile: our RTL by default, `imstb.profile`) both judge; with
`profile=False` only the contract checker does, and the exact replay still runs (it drives the
nominal model that coverage and the tests' bookkeeping read) but its disagreements are recorded
as `deviations` from the unclaimed profile, never failures.
"""

from __future__ import annotations

import logging
import time
from collections import Counter, deque
from collections.abc import Callable
from typing import Any

from imsmodel import EventOutcome, ImsModel, Message
from imsmodel import regmap as rm
from imstb.bfm.monitors import (
    EvtTxn,
    MsgAccept,
    MsgAw,
    MsgB,
    MsgW,
    RegRead,
    RegWrite,
    ResetTxn,
    Txn,
)
from imstb.contract import ContractChecker
from imstb.profile import profile_claimed

__all__ = ["ImsScoreboard", "ScoreboardError", "describe_offset"]


class ScoreboardError(AssertionError):
    """The DUT disagrees with the reference model."""


# ---------------------------------------------------------------------- register naming
# Where an offset is comes from `imsmodel.regmap.lookup`; here only the bench's names for the
# report and the rules a wrong value there most likely breaks.
_REG_RULES = {
    "ID": "IMS-020",
    "CAP": "IMS-020",
    "CTRL": "IMS-021/IMS-022/IMS-023",
    "ERR_STATUS": "IMS-027/IMS-051/IMS-052",
    "ERR_INFO": "IMS-051/IMS-052/IMS-053",
    "ERR_PASID": "IMS-051/IMS-052",
    "ERR_COUNT": "IMS-050",
    "MSG_COUNT": "IMS-072/IMS-084",
    "HANDLE_RELEASE": "IMS-028/IMS-039",
}
_WORDS = ("addr_lo", "addr_hi", "data", "ctrl")
_WORD_RULES = (
    "IMS-021/IMS-022/IMS-023",
    "IMS-021/IMS-023",
    "IMS-021/IMS-023",
    "IMS-021/IMS-022/IMS-023/IMS-038",
)
_PBA_RULES = "IMS-026/IMS-030/IMS-031/IMS-043"


_REL_OFF = rm.HANDLE_RELEASE.offset


def describe_offset(off: int, n: int, m: int) -> tuple[str, str]:
    """(name, most likely rules) of a slave-port offset."""
    loc = rm.lookup(off & 0xFFFC, n, m)
    kind = loc.kind
    if kind is rm.Kind.REGISTER and loc.register is not None:
        name = loc.register.name
        return name, _REG_RULES[name]
    if kind is rm.Kind.MSIX_TABLE or kind is rm.Kind.IMS_TABLE:
        t = "IMS" if kind is rm.Kind.IMS_TABLE else "MSI-X"
        return f"{t}[{loc.index}].{_WORDS[loc.word]}", _WORD_RULES[loc.word]
    if kind is rm.Kind.MSIX_PBA or kind is rm.Kind.IMS_PBA:
        t = "IMS" if kind is rm.Kind.IMS_PBA else "MSI-X"
        return f"{t} PBA word {2 * loc.index + loc.word}", _PBA_RULES
    return f"unmapped 0x{loc.offset:04x}", "IMS-025"


def _emits_str(msg: Message) -> str:
    return f"    model emits {_msg_str(msg)}"


def _b_str(t: MsgB, msg: Message) -> str:
    return f"{t} for {_msg_str(msg)}"


# by the outcome's value string (`outcome._value_`): an Enum member's `.value` and its hash are
# Python-level code, a str's hash is cached
_EVENT_KEY = {o.value: f"event_{o.value}" for o in EventOutcome}

_CAUSE_RULE = {
    "event": "IMS-044",
    "unmask": "IMS-031",
    "flush": "IMS-032",
    "raise": "IMS-060/IMS-061",
}


def _msg_str(msg: Message) -> str:
    t = "IMS" if msg.ims else "MSI-X"
    return f"{msg.cause} {t}[{msg.index}] addr=0x{msg.addr:016x} data=0x{msg.data:08x}"


class _Lazy(tuple[Any, ...]):
    """A history line or step description that is formatted only when a report shows it:
    `_Lazy((fn, *args))`, and `str()` is `fn(*args)`. Every step and message goes into the
    history, and formatting them all cost more than checking them; the parts are immutable
    (reported transactions, messages, ints, strings), so the text is the one an eager format
    would have given. (A tuple: made without a Python-level `__init__`.)"""

    __slots__ = ()

    def __str__(self) -> str:
        return str(self[0](*self[1:]))


_ARROW = "{} -> {}".format
_B_RESPS = frozenset(("OKAY", "SLVERR", "DECERR"))
_B_FAILED = "{} -> MSG_WRITE_FAILED".format


Text = str | _Lazy | EvtTxn | MsgAw | MsgW | MsgAccept | MsgB | ResetTxn
"""A history line or step description: text, or what formats to it (`str()`)."""


# ---------------------------------------------------------------------- the scoreboard
class ImsScoreboard:
    """Replays monitored transactions into the model; a `TxnListener` of `ImsMonitor`."""

    def __init__(
        self,
        model: ImsModel,
        *,
        strict: bool = True,
        history: int = 40,
        log: logging.Logger | None = None,
        profile: bool | None = None,
        ready_count: Callable[[], int] | None = None,
    ) -> None:
        self.model = model
        self.n = model.ims_entries
        self.m = model.msix_entries
        self.profile = profile_claimed() if profile is None else profile
        self.strict = strict
        self.log = log if log is not None else logging.getLogger("cocotb.tb.scoreboard")
        self.errors: list[str] = []
        self.deviations: list[str] = []  # profile disagreements of a DUT not claiming it
        self.wall_s = 0.0  # time spent in the exact (profile) replay
        self.contract = ContractChecker(
            self.n, self.m, strict=strict, ready_count=ready_count, log=self.log
        )
        self.history: deque[Text] = deque(maxlen=history)
        self.stats: Counter[str] = Counter()
        self._buf: deque[Txn] = deque()
        self._expected: list[tuple[Message, Text]] = []  # model message, step that made it
        self._aw_i = 0
        self._w_i = 0
        self._last_step: tuple[int, Text] | None = None  # (edge, description)
        self._last_outcome: EventOutcome | None = None
        self._last_write_off: int | None = None
        # a HANDLE_RELEASE whose held B (IMS-087) waits for the model's messages to be answered
        self._rel_hold: RegWrite | None = None
        self.on_message: list[Callable[[Message, MsgAw], None]] = []
        self._debug = self.log.isEnabledFor(logging.DEBUG)  # refreshed at every edge
        self._handlers: dict[type, Callable[[Any], None]] = {
            MsgAw: self._msg_aw,
            MsgW: self._msg_w,
            MsgAccept: self._accept,
            MsgB: self._msg_b,
            RegWrite: self._write,
            RegRead: self._read,
            EvtTxn: self._event,
            ResetTxn: self._reset,
        }

    # ------------------------------------------------------------------ listener protocol
    def on_txn(self, txn: Txn) -> None:
        self._buf.append(txn)
        self.contract.on_txn(txn)

    def tick(self, k: int) -> None:
        """Edge k passed (idle edges the UVM port monitor does not report)."""
        self.contract.tick(k)

    # For a DUT that claims the profile the exact replay judges each edge first: a mismatch there
    # names the rule it breaks (the contract checker's "allowed by no order" cannot); otherwise
    # the contract checker's verdict comes first and the exact replay only logs deviations.
    def edge_done(self, k: int) -> None:
        if not self.profile:
            self.contract.edge_done(k)
        t0 = time.perf_counter()
        self._debug = self.log.isEnabledFor(logging.DEBUG)
        buf = self._buf
        while buf and buf[0].complete:
            self._apply(buf.popleft())
        self.wall_s += time.perf_counter() - t0
        if self.profile:
            self.contract.edge_done(k)

    def on_edge_txns(self, k: int, txns: list[Txn]) -> None:
        """`on_txn` for each of the transactions of edge k, then `edge_done(k)`."""
        if not self.profile:
            self.contract.on_edge_txns(k, txns)
        t0 = time.perf_counter()
        try:
            self._on_edge_txns(k, txns)
        finally:
            self.wall_s += time.perf_counter() - t0
        if self.profile:
            self.contract.on_edge_txns(k, txns)

    def _on_edge_txns(self, k: int, txns: list[Txn]) -> None:
        self._debug = self.log.isEnabledFor(logging.DEBUG)
        buf = self._buf
        if buf:
            buf.extend(txns)
        else:  # nothing waiting: apply in order until one needs its response
            handlers = self._handlers
            for i, t in enumerate(txns):
                if not t.complete:
                    buf.extend(txns[i:])
                    break
                handler = handlers.get(type(t))
                if handler is not None:
                    handler(t)
                else:
                    self._apply_slow(t)
            return
        while buf and buf[0].complete:
            self._apply(buf.popleft())

    def stats_model(self) -> ImsModel:
        """The model whose statistics describe what happened: the exact replay's when the DUT
        claims the profile, else one state the contract checker still holds."""
        if self.profile or not self.contract.states:
            return self.model
        return self.contract.states[0].model

    @property
    def settled_all(self) -> bool:
        """`settled`, and no order the contract still allows owes a message: a DUT that may
        still be working (a slow background flush) is waited for."""
        return self.settled and self.contract.settled_all

    # ------------------------------------------------------------------ status
    @property
    def pending_items(self) -> int:
        """Monitored items not yet applied (waiting for a response)."""
        return len(self._buf)

    @property
    def unmatched(self) -> int:
        """Model messages the DUT has not sent yet (AW or W missing)."""
        return len(self._expected) - min(self._aw_i, self._w_i)

    @property
    def settled(self) -> bool:
        """Everything applied, every expected message seen, every B reported to the model."""
        if not self.profile:
            return not self._buf and self.contract.settled
        return self.contract.settled and (
            not self._buf
            and self.unmatched == 0
            and self.model.unaccepted == 0
            and self.model.outstanding == 0
        )

    def check_done(self) -> None:
        """End of test: nothing pending, no missing message (extra ones failed already)."""
        self.contract.check_done()
        problems: list[str] = []
        if self._buf:
            items = "; ".join(str(t) for t in list(self._buf)[:5])
            problems.append(
                f"{len(self._buf)} monitored items never completed (response missing, IMS-014): "
                f"{items}"
            )
        missing = self._expected[min(self._aw_i, self._w_i) :]
        for msg, step in missing[:10]:
            rule = _CAUSE_RULE.get(msg.cause, "IMS-044")
            problems.append(
                f"missing message ({rule}; or lost on the master port, IMS-073): {_msg_str(msg)}"
                f" caused by [{step}]"
            )
        if len(missing) > 10:
            problems.append(f"... and {len(missing) - 10} more missing messages")
        if not missing and self._aw_i != self._w_i:
            problems.append(f"message AW count {self._aw_i} != W count {self._w_i} (IMS-071)")
        if not missing and self.model.unaccepted:
            problems.append(f"{self.model.unaccepted} messages never accepted (IMS-072)")
        if not missing and self.model.outstanding:
            problems.append(
                f"{self.model.outstanding} messages without a B response (IMS-073: BREADY?)"
            )
        for p in problems:
            self._fail(p)
        self.log.info(
            "scoreboard: %s; exact replay %.3f s, contract checker %s",
            dict(self.stats),
            self.wall_s,
            self.contract.stats(),
        )
        if self.deviations:
            self.log.info(
                "ims_ctrl profile not claimed: %d deviations from its exact step order (not "
                "failures; the contract checker judged), first: %s",
                len(self.deviations),
                self.deviations[0].splitlines()[0],
            )

    # ------------------------------------------------------------------ failure
    def _fail(self, text: str) -> None:
        if not self.profile:
            self.deviations.append(text)
            return
        self.errors.append(text)
        tail = "\n  ".join(str(h) for h in self.history)
        full = f"{text}\n step history (oldest first):\n  {tail}"
        self.log.error("%s", full)
        if self.strict:
            raise ScoreboardError(full)

    def _note(self, text: Text) -> None:
        self.history.append(text)
        if self._debug:
            self.log.debug("%s", text)

    # ------------------------------------------------------------------ apply one item
    def _apply(self, txn: Txn) -> None:
        handler = self._handlers.get(type(txn))
        if handler is not None:  # by exact type, the common case
            handler(txn)
        else:
            self._apply_slow(txn)

    def _apply_slow(self, txn: Txn) -> None:
        if isinstance(txn, MsgAw):
            self._msg_aw(txn)
        elif isinstance(txn, MsgW):
            self._msg_w(txn)
        elif isinstance(txn, MsgAccept):
            self._accept(txn)
        elif isinstance(txn, MsgB):
            self._msg_b(txn)
        elif isinstance(txn, RegWrite):
            self._write(txn)
        elif isinstance(txn, RegRead):
            self._read(txn)
        elif isinstance(txn, EvtTxn):
            self._event(txn)
        elif isinstance(txn, ResetTxn):
            self._reset(txn)
        else:  # pragma: no cover
            raise TypeError(f"unknown transaction {txn!r}")

    def _step(self, edge: int, desc: Text) -> None:
        if self._last_step is not None and self._last_step[0] == edge:
            self._fail(f"two steps at edge {edge}: [{self._last_step[1]}] and [{desc}] (IMS-081)")
        self._last_step = (edge, desc)

    def _collect(self, step: Text) -> None:
        msgs = self.model.take_messages()
        if msgs:
            hist = self.history
            for msg in msgs:
                self._expected.append((msg, step))
                hist.append(_Lazy((_emits_str, msg)))
                if self._debug:
                    self.log.debug("%s", hist[-1])

    def _write(self, t: RegWrite) -> None:
        assert t.resp is not None
        # A write whose B was lost in a reset still committed at its commit edge (IMS-012) and
        # steps before the reset may have observed it: replay it, do not compare its response.
        lost = t.resp == "RESET"
        desc = str(t)
        self._step(t.edge, desc)
        off = t.addr & 0xFFFC
        exp = self.model.write(off, t.data, t.strb)
        self.stats["writes"] += 1
        self._last_write_off = off
        self._last_outcome = None
        name, rules = describe_offset(off, self.n, self.m)
        self._note(f"{desc} [{name}] model {exp}" + (" (B lost in reset)" if lost else ""))
        if t.resp != exp and not lost:
            rule = "IMS-025" if "SLVERR" in (exp, t.resp) else rules
            self._fail(
                f"write response mismatch at edge {t.edge} ({name}, 0x{t.addr:04x}): DUT {t.resp},"
                f" model {exp} ({rule}; IMS-024 for read-only registers)"
            )
        self._collect(desc)
        if off == _REL_OFF and exp == "OKAY" and t.strb and not lost:
            self._release_b(t)

    def _release_b(self, t: RegWrite) -> None:
        """IMS-087 (profile): the B of an in-range HANDLE_RELEASE is first shown one edge after
        the B handshake that leaves the master port idle (nothing queued or in flight; the commit
        edge + 1 when it is idle at the release's step)."""
        self.stats["releases"] += 1
        if self.model.outstanding == 0:
            self._check_release_b(t, t.edge + 1, "no message was unanswered at its step")
        else:
            self._rel_hold = t

    def _check_release_b(self, t: RegWrite, want: int, why: str) -> None:
        shown = t.bv_edge if t.bv_edge is not None else t.b_edge
        if shown != want:
            self._fail(
                f"HANDLE_RELEASE {t}: BVALID first @{shown}, the profile shows it @{want} ({why}; "
                f"IMS-087, IMS-107)"
            )

    def _read(self, t: RegRead) -> None:
        assert t.resp is not None
        if t.resp == "RESET":
            self._note(f"{t} (lost in reset)")
            return
        desc = str(t)
        self._step(t.edge, desc)
        off = t.addr & 0xFFFC
        exp_data, exp_resp = self.model.read(off)
        self.stats["reads"] += 1
        name, rules = describe_offset(off, self.n, self.m)
        self._note(f"{desc} [{name}] model 0x{exp_data:08x} {exp_resp}")
        if t.resp != exp_resp:
            self._fail(
                f"read response mismatch at edge {t.edge} ({name}): DUT {t.resp}, model "
                f"{exp_resp} (IMS-025)"
            )
        if t.data != exp_data:
            diff = (t.data or 0) ^ exp_data
            self._fail(
                f"read data mismatch at edge {t.edge} ({name}, 0x{t.addr:04x}): DUT "
                f"0x{(t.data or 0):08x}, model 0x{exp_data:08x} (bits 0x{diff:08x} differ; "
                f"{rules}; IMS-082 if a recent write/event was not observed)"
            )
        self._collect(desc)

    def _event(self, t: EvtTxn) -> None:
        # t is never changed after it is reported: str(t) is the description
        last = self._last_step
        if last is not None and last[0] == t.edge:
            self._step(t.edge, t)  # reports IMS-081
        self._last_step = (t.edge, t)
        outcome = self.model.event(t.ims, t.handle, t.pasid if t.pasid_valid else None)
        stats = self.stats
        stats["events"] += 1
        value = outcome._value_
        stats[_EVENT_KEY[value]] += 1
        self._last_outcome = outcome
        self._last_write_off = None
        self.history.append(_Lazy((_ARROW, t, value)))
        if self._debug:
            self.log.debug("%s", self.history[-1])
        self._collect(t)

    def _reset(self, t: ResetTxn) -> None:
        self.model.reset()
        self.model.take_messages()
        self._expected.clear()
        self._aw_i = self._w_i = 0
        self._last_step = None
        self._rel_hold = None
        self._note(t)

    def _accept(self, t: MsgAccept) -> None:
        self.history.append(t)
        if self._debug:
            self.log.debug("%s", t)
        if self.model.unaccepted <= 0:
            self._fail(f"message #{t.seq} accepted but the model expects no message (IMS-072)")
            return
        self.model.message_accepted()

    def _msg_b(self, t: MsgB) -> None:
        if t.resp not in _B_RESPS:
            self._fail(f"message B response {t.resp} at edge {t.edge}")
            return
        outstanding = self.model.outstanding
        if outstanding <= 0:
            self._fail(f"B for message #{t.seq} but the model has no message in flight")
            return
        if outstanding <= self.model.unaccepted:  # none accepted awaits its B
            self._fail(f"B for message #{t.seq} before the model's message was accepted (IMS-073)")
            return
        msg = self.model.b_response(t.resp)
        self.stats["msg_b"] += 1
        rel = self._rel_hold
        # the last message unanswered before this B (a raise this B's step emits is pushed after
        # the port went idle: the RTL does not wait for it)
        if rel is not None and outstanding == 1:
            self._rel_hold = None
            self._check_release_b(
                rel, t.edge + 1, f"the last unanswered message had its B @{t.edge}"
            )
        desc = _Lazy((_b_str, t, msg))
        if t.resp != "OKAY" and not msg.raise_:
            self._step(t.edge, desc)  # IMS-053: a logged B error is a step
            self.stats["msg_b_errors"] += 1
            self._last_outcome = None
            self._last_write_off = None
            self._note(_Lazy((_B_FAILED, desc)))
        else:
            self.history.append(desc)
            if self._debug:
                self.log.debug("%s", desc)
        self._collect(desc)

    # ------------------------------------------------------------------ messages
    def _msg_aw(self, t: MsgAw) -> None:
        self.history.append(t)
        if self._debug:
            self.log.debug("%s", t)
        if t.prot != 0:
            self._fail(f"message #{t.seq} AWPROT={t.prot}, must be 0 (IMS-013/IMS-070)")
        if self._aw_i >= len(self._expected):
            self._fail(
                f"extra message #{t.seq} at edge {t.edge}: AWADDR 0x{t.addr:016x}, the model "
                f"expects none ({self._guess_extra(t.addr)})"
            )
            return
        msg, step = self._expected[self._aw_i]
        if t.addr != msg.addr:
            self._fail(
                f"message #{t.seq} AWADDR 0x{t.addr:016x} at edge {t.edge}, model expects "
                f"{_msg_str(msg)} from [{step}] ({self._guess_wrong(self._aw_i, addr=t.addr)})"
            )
        self._aw_i += 1
        self.stats["messages"] += 1
        for cb in self.on_message:
            cb(msg, t)

    def _msg_w(self, t: MsgW) -> None:
        self.history.append(t)
        if self._debug:
            self.log.debug("%s", t)
        if t.strb != 0xF:
            self._fail(f"message #{t.seq} WSTRB=0x{t.strb:x}, must be 0xF (IMS-070)")
        if self._w_i >= len(self._expected):
            self._fail(
                f"extra message W #{t.seq} at edge {t.edge}: WDATA 0x{t.data:08x}, the model "
                f"expects none ({self._guess_extra(None)})"
            )
            return
        msg, step = self._expected[self._w_i]
        if t.data != msg.data:
            self._fail(
                f"message #{t.seq} WDATA 0x{t.data:08x} at edge {t.edge}, model expects "
                f"{_msg_str(msg)} from [{step}] ({self._guess_wrong(self._w_i, data=t.data)})"
            )
        self._w_i += 1

    def _guess_wrong(self, i: int, addr: int | None = None, data: int | None = None) -> str:
        """Rule most likely broken when message i does not match."""
        exp = self._expected[i][0]
        for j in range(i + 1, len(self._expected)):
            later = self._expected[j][0]
            if (addr is None or later.addr == addr) and (data is None or later.data == data):
                if exp.cause == "flush" and later.cause == "flush":
                    return f"it matches later message #{j}: flush order, IMS-032"
                return f"it matches later message #{j}: wrong message order, IMS-071"
        if addr is not None:
            return (
                "wrong address: IMS-070 (AWADDR = {addr_hi, addr_lo[31:2], 2'b00}), IMS-035, "
                "IMS-082"
            )
        return "wrong data: IMS-070, IMS-035 (data current when sent), IMS-082"

    def _guess_extra(self, addr: int | None) -> str:
        """Rule most likely broken by a message the model does not expect."""
        hints: list[str] = []
        if addr is not None:
            for ims, size in ((False, self.m), (True, self.n)):
                for i in self._entries_with_addr(ims, size, addr):
                    t = "IMS" if ims else "MSI-X"
                    if self.model.masked(ims, i):
                        hints.append(f"{t}[{i}] has MASK=1: IMS-043")
                    elif self.model.effectively_masked(ims, i):
                        hints.append(f"{t}[{i}] is in a closed table: IMS-033")
                    else:
                        hints.append(f"{t}[{i}] is open: duplicate message? IMS-034/IMS-036")
        o = self._last_outcome
        if o is EventOutcome.PENDING:
            hints.append("last event found its entry masked: IMS-043")
        elif o is not None and o.error_code is not None:
            hints.append(f"last event was an error ({o.value}): IMS-042")
        elif self._last_write_off is not None:
            name, _ = describe_offset(self._last_write_off, self.n, self.m)
            hints.append(f"last step wrote {name}: IMS-031/IMS-032/IMS-036")
        return "; ".join(hints) if hints else "IMS-042/IMS-043/IMS-033/IMS-034"

    def _entries_with_addr(self, ims: bool, size: int, addr: int) -> list[int]:
        base = rm.IMS_TABLE_BASE if ims else rm.MSIX_TABLE_BASE
        found: list[int] = []
        for i in range(min(size, 256)):
            lo, _ = self.model.read(base + rm.ENTRY_BYTES * i + 4 * rm.WORD_ADDR_LO)
            hi, _ = self.model.read(base + rm.ENTRY_BYTES * i + 4 * rm.WORD_ADDR_HI)
            if (hi << 32 | lo) == addr:
                found.append(i)
        return found

    def raise_if_errors(self) -> None:
        """For non-strict use: fail at the end with every collected error."""
        if self.contract.errors:
            raise ScoreboardError(
                f"{len(self.contract.errors)} contract errors:\n" + "\n".join(self.contract.errors)
            )
        if self.errors:
            raise ScoreboardError(
                f"{len(self.errors)} scoreboard errors:\n" + "\n".join(self.errors)
            )
