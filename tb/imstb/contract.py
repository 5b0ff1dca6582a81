"""`ContractChecker`: checks the device *contract* (docs/spec.md section 8a), not `ims_ctrl`'s
micro-architecture.

The contract does not fix the instant at which a step takes effect, only a window per step:

* register write: one instant in [later AW/W handshake edge, B edge];
* register read: one instant in [AR edge, R edge];
* event: one instant in [handshake edge, handshake edge + EVT_BOUND], events in handshake order;
* logged B error (IMS-053): one instant in [B edge, B edge + EVT_BOUND];
* flush: per-entry release steps (ascending index) after the opening write, each within
  FLUSH_BOUND(P) edges of it;
* message accept (both AW and W done; MSG_COUNT, IMS-072/084): exactly at its edge.

A HANDLE_RELEASE (IMS-039) is a register write whose B is held (IMS-107): applying it in a state
records, with its response, how many B's that state's model must have seen (the entry's last
message of earlier steps answered) before the B may be shown; a state in which the B shows
earlier is dropped, and none left is "HANDLE_RELEASE B shown before ..." (C-HOLD).

Steps of one channel (writes, reads, events, B errors, releases) keep their order. Messages must
leave in the order of the steps of one linearization consistent with all windows.

The checker keeps the *set* of model states (`ImsModel(flush_steps=True)`) consistent with what
was observed. A state is (model, steps not applied yet, messages emitted but not yet matched,
read/write results not yet compared). Steps are applied lazily: only when an observation needs
them (a message to explain, an R or B to compare, a deadline reached, an accept); then every
order of the other eligible steps (first of their channel, window open) before the needed one
is enumerated, and those steps may also stay unapplied. States are deduplicated
(`ImsModel.state_key`) and pruned by R data/response, B response, message address/data/order
and the message bound (a state whose oldest unsent message waited MSG_BOUND master-ready edges
is dropped), and by subsumption: a state that another one reaches by applying one of its pending
steps now allows nothing more and is dropped (`_subsume`). When no state is left the DUT broke
the contract (the error names what was observed and what the surviving states expected); when
more than `bound` states remain the checker fails with "contract checker: ambiguity bound N
exceeded" (never a silent pass).
"""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from imsmodel import ImsModel, Message
from imsmodel import regmap as rm
from imsmodel.regmap import ErrorCode, Kind
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

__all__ = [
    "BOUND",
    "EVT_BOUND",
    "EVT_INFLIGHT",
    "MSG_BOUND",
    "ContractChecker",
    "ContractError",
    "flush_bound",
]

EVT_BOUND = int(os.environ.get("IMS_CONTRACT_EVT_BOUND", "64"))
"""An event (and a logged B error) takes effect within this many master-ready edges (see
MSG_BOUND) after its handshake: a DUT may hold steps back while its message path is full."""
EVT_INFLIGHT = 2
"""At most this many events are taken and not yet in effect: event i takes effect at the latest
at the handshake edge of event i + EVT_INFLIGHT."""
MSG_BOUND = int(os.environ.get("IMS_CONTRACT_MSG_BOUND", "16"))
"""A message due leaves (AW handshake) within this many master-ready edges (AWREADY = WREADY = 1
sampled and no message write in flight)."""
BOUND = int(os.environ.get("IMS_CONTRACT_BOUND", "20000"))
"""Most model states the checker keeps; more is an error ("ambiguity bound N exceeded")."""
SUBSUME_MIN = int(os.environ.get("IMS_CONTRACT_SUBSUME_MIN", "2"))
"""`ContractChecker._subsume` runs on an edge that leaves at least this many states."""

_E_WRITE = int(ErrorCode.MSG_WRITE_FAILED)
_REL_OFF = rm.HANDLE_RELEASE.offset


RELEASE_BOUND = 64
"""Master-ready edges per release step of a flush (see `flush_bound`)."""


def flush_bound(j: int, n: int) -> int:
    """Master-ready edges after the opening write's instant by which release step j (0-based,
    ascending entry order, counting the releases of earlier flushes still due first) of a flush
    of a table of n entries has taken effect."""
    return RELEASE_BOUND * (j + 1) + 16 * n  # a DUT may visit every entry of the table


class ContractError(AssertionError):
    """The DUT broke the device contract (or the checker's ambiguity bound was exceeded)."""


@dataclass(eq=False)
class Step:
    sid: int
    kind: str  # write, read, event, berr, release, accept
    lo: int
    hi: int | None  # None: not known yet (a write before its B, a read before its R)
    txn: Any = None
    ims: bool = False
    index: int = 0
    # footprint: resources read / written; `every` = depends on everything (CTRL writes)
    r: frozenset[object] = frozenset()
    w: frozenset[object] = frozenset()
    every: bool = False
    # events / logged B errors taken before this register access: in effect by its response
    before: tuple[Step, ...] = ()

    def depends(self, o: Step) -> bool:
        """True unless the two steps commute and neither observes the other."""
        if self.every or o.every:
            return bool(self.r or self.w or self.every) and bool(o.r or o.w or o.every)
        return bool(self.w & (o.r | o.w) or o.w & self.r)

    def __str__(self) -> str:
        if self.kind == "release":
            return f"release {'IMS' if self.ims else 'MSI-X'}[{self.index}] (flush)"
        if self.kind == "berr":
            return f"B error of {'IMS' if self.ims else 'MSI-X'}[{self.index}] message @{self.lo}"
        if self.kind == "accept":
            return f"@{self.lo} message accept"
        return str(self.txn)


_OUT = "out"  # the message order: two steps that may send are never reordered
_ERR = "err"
_CTRL = "ctrl"
_MSGCOUNT = "msg_count"
# per entry: ("e", ims, i) its words (address, data, control), ("p", ims, i) its pending bit
_X0E = ("e", False, 0)  # MSI-X vector 0 (error interrupt)
_X0P = ("p", False, 0)
_ERR_W = frozenset((_ERR, _OUT, _X0P))  # an error: log, raise (message or pending bit 0)
_ERR_R = frozenset((_CTRL, _X0E, _X0P, _ERR))


def _set_footprint(st: Step, n: int, m: int) -> None:
    """Which resources a step reads and writes (conservative; used to enumerate only the orders
    of steps that do not commute: partial-order reduction)."""
    kind = st.kind
    if kind == "event":
        t = st.txn
        if t.handle < (n if t.ims else m):
            e, p = ("e", t.ims, t.handle), ("p", t.ims, t.handle)
            st.r = _ERR_R | {e, p}
            st.w = _ERR_W | {p}
        else:
            st.r, st.w = _ERR_R, _ERR_W
        return
    if kind == "release":
        e, p = ("e", st.ims, st.index), ("p", st.ims, st.index)
        st.r = frozenset((_CTRL, e, p))
        st.w = frozenset((_OUT, p))
        return
    if kind == "berr":
        st.r, st.w = _ERR_R, _ERR_W
        return
    if kind == "accept":
        st.w = frozenset((_MSGCOUNT,))
        return
    off = st.txn.addr & 0xFFFC
    loc = rm.lookup(off, n, m)
    k = loc.kind
    if kind == "write" and off == _REL_OFF:
        # HANDLE_RELEASE: the entry's MASK and pending bit; its held B depends on which messages
        # were emitted before it (_OUT)
        value = st.txn.data & rm.STRB_BYTE_MASK[st.txn.strb]
        ims, i = bool(value & rm.RELEASE_IMS), value & rm.RELEASE_INDEX
        if st.txn.strb and i < (n if ims else m):
            e, p = ("e", ims, i), ("p", ims, i)
            st.r = frozenset((e, p, _OUT))
            st.w = frozenset((e, p))
        return
    if kind == "read":
        if k is Kind.REGISTER and loc.register is not None:
            name = loc.register.name
            if name == "CTRL":
                st.r = frozenset((_CTRL,))
            elif name == "MSG_COUNT":
                st.r = frozenset((_MSGCOUNT,))
            elif name.startswith("ERR"):
                st.r = frozenset((_ERR,))
        elif k is Kind.MSIX_TABLE or k is Kind.IMS_TABLE:
            st.r = frozenset((("e", k is Kind.IMS_TABLE, loc.index),))
        elif k is Kind.MSIX_PBA or k is Kind.IMS_PBA:
            ims = k is Kind.IMS_PBA
            base = 64 * loc.index + 32 * loc.word
            top = min(base + 32, n if ims else m)
            st.r = frozenset(("p", ims, i) for i in range(base, top))
        return
    # write
    if k is Kind.REGISTER and loc.register is not None:
        name = loc.register.name
        if name == "CTRL":
            # opening a table snapshots its pending bits (the release steps do the rest); the
            # error interrupt enable is read by every error
            st.r = frozenset(
                [_CTRL] + [("p", False, i) for i in range(m)] + [("p", True, i) for i in range(n)]
            )
            st.w = frozenset((_CTRL, _OUT))  # an opening write's releases send
        elif name == "ERR_STATUS":
            st.r = st.w = frozenset((_ERR,))
    elif k is Kind.MSIX_TABLE or k is Kind.IMS_TABLE:
        ims = k is Kind.IMS_TABLE
        e, p = ("e", ims, loc.index), ("p", ims, loc.index)
        if loc.word == rm.WORD_CTRL:
            if st.txn.strb & 1 and not st.txn.data & 1:  # may unmask: send, clear pending
                st.r = frozenset((_CTRL, e, p))
                st.w = frozenset((e, p, _OUT))
            elif ims and st.txn.strb:  # may change the owner: clears pending (IMS-038)
                st.r = st.w = frozenset((e, p))
            else:  # MASK set or kept: changes the words only (IMS-036)
                st.r = st.w = frozenset((e,))
        else:
            st.r = st.w = frozenset((e,))


_CHAINS = {"write": 0, "read": 1, "event": 2, "berr": 3, "release": 4, "accept": 5}


def _chain(st: Step) -> int:
    """The channel whose order a step keeps: writes, reads, events, B errors, accepts; the
    release steps of each table's flushes (the two tables' flushes may interleave)."""
    c = _CHAINS[st.kind]
    return c + 2 if c == 4 and st.ims else c


@dataclass(eq=False, slots=True)
class _State:
    model: ImsModel
    pending: tuple[Step, ...]
    q: tuple[Message, ...] = ()  # emitted, not yet matched by both AW and W
    aw: int = 0  # of q, matched by an AW
    w: int = 0  # of q, matched by a W
    obs: tuple[tuple[int, int, str], ...] = ()  # (step id, data, resp) of applied reads/writes
    due: int = 0  # ready count when q[aw] became due
    trail: tuple[str, ...] = field(default=())  # last applied steps (for reports)
    kc: tuple[object, ...] | None = None  # `key()`, cached; None after any field changed

    def key(self) -> tuple[object, ...]:
        if self.kc is None:
            self.kc = self._key()
        return self.kc

    def _key(self) -> tuple[object, ...]:
        return (
            self.model.state_key(),
            tuple(s.sid for s in self.pending),
            tuple((x.addr, x.data, x.ims, x.index, x.raise_) for x in self.q),
            self.aw,
            self.w,
            self.obs,
        )


class ContractChecker:
    """A `TxnListener` of `ImsMonitor` (or fed by hand in unit tests)."""

    def __init__(
        self,
        n: int,
        m: int,
        *,
        bound: int = BOUND,
        evt_bound: int = EVT_BOUND,
        evt_inflight: int = EVT_INFLIGHT,
        msg_bound: int = MSG_BOUND,
        ready_count: Callable[[], int] | None = None,
        strict: bool = True,
        log: logging.Logger | None = None,
        subsume: bool = True,
    ) -> None:
        self.n, self.m = n, m
        self.subsume = subsume
        self.bound = bound
        self.evt_bound = evt_bound
        self.evt_inflight = evt_inflight
        self._recent_events: list[Step] = []
        self._floating: list[Step] = []  # events / B errors maybe not in effect yet
        self.msg_bound = msg_bound
        self.ready_count = ready_count
        self.strict = strict
        self.log = log if log is not None else logging.getLogger("cocotb.tb.contract")
        self.errors: list[str] = []
        self.states: list[_State] = [_State(ImsModel(n, m, False, flush_steps=True), ())]
        self._txns: list[Txn] = []
        self._open: list[RegWrite | RegRead] = []  # awaiting their B / R
        self._step_of: dict[int, Step] = {}  # id(txn) -> step
        self._deadlines: dict[int, list[Step]] = {}  # by edge
        self._rdeadlines: dict[int, list[Step]] = {}  # by master-ready count
        self._releases: dict[tuple[int, bool, int], Step] = {}
        self._sid = 0
        self._edge = -1
        self._ready = 0
        self.failed = False
        dump = os.environ.get("IMS_CONTRACT_DUMP")  # triage: pickle the stream for replay
        self._record: list[tuple[int, int, list[Txn]]] | None = [] if dump else None
        # cost statistics
        self.edges = 0
        self.states_max = 1
        self.states_sum = 0
        self.applied = 0
        self.wall_s = 0.0
        self.messages = 0  # DUT messages (AW) explained
        self.subsumed = 0  # states dropped by `_subsume`

    # ------------------------------------------------------------------ listener protocol
    def on_txn(self, txn: Txn) -> None:
        self._txns.append(txn)

    def on_edge_txns(self, k: int, txns: list[Txn]) -> None:
        self._txns.extend(txns)
        self.edge_done(k)

    def edge_done(self, k: int) -> None:
        if self.failed:
            if self._record is not None:  # triage: keep recording past the failure
                rc = self.ready_count() if self.ready_count is not None else k
                self._record.append((k, rc, self._txns))
            self._txns = []
            return
        self._edge = k
        self._ready = self.ready_count() if self.ready_count is not None else k
        txns = self._txns
        self._txns = []
        if self._record is not None:
            self._record.append((k, self._ready, list(txns)))
        t0 = time.perf_counter()
        try:
            self._process(k, txns)
        except ContractError as exc:
            self.failed = True
            self.errors.append(str(exc))
            self.log.error("%s", exc)
            if self.strict:
                raise
        finally:
            self.wall_s += time.perf_counter() - t0

    def tick(self, k: int) -> None:
        """Edge k passed with nothing to report (deadlines, message bound), unless seen."""
        if k > self._edge and not self._txns:
            self.edge_done(k)

    # ------------------------------------------------------------------ status
    @property
    def settled(self) -> bool:
        """No register access open and some state has nothing left to do."""
        if self._open:
            return False
        for s in self.states:
            if s.q or s.model.unaccepted or s.model.outstanding:
                continue
            if not s.pending or self._quiet(s):
                return True
        return False

    @property
    def settled_all(self) -> bool:
        """Every state consistent with the observations owes nothing (see `settled`)."""
        if self._open:
            return False
        return all(
            not (s.q or s.model.unaccepted or s.model.outstanding)
            and (not s.pending or self._quiet(s))
            for s in self.states
        )

    def _quiet(self, s: _State) -> bool:
        """The steps still pending in s send nothing when applied now, in channel order (one
        order: a cheap test for `settled`; `check_done` enumerates them all). Pending steps
        may wait for master-ready edges that an idle, backpressured port rarely gives."""
        cur = s
        while cur.pending:
            st = cur.pending[0]
            if st.kind == "accept":
                return False
            try:
                cur = self._apply(cur, st, 1 << 62)
            except _Impossible:
                return False
            if cur.q:
                return False
        return True

    def ambiguous_reads(self, limit: int = 8) -> list[int]:
        """Up to `limit` register and PBA word offsets whose value differs between the states
        consistent with what was observed, most-split first. Reading them narrows the set: the
        way a bench resolves past races that nothing else observes (an event that raced a CTRL
        write leaves ERR_COUNT or a pending bit unknown until something reads it)."""
        states = self.states
        if len(states) < 2:
            return []
        offs = [r.offset for r in rm.REGISTERS if r.name not in ("ID", "CAP", "MSG_COUNT")]
        for base, entries in ((rm.MSIX_PBA_BASE, self.m), (rm.IMS_PBA_BASE, self.n)):
            offs += [base + 4 * w for w in range(2 * rm.pba_qwords(entries))]
        split: list[tuple[int, int]] = []
        for off in offs:
            values = {s.model.read(off)[0] for s in states}
            if len(values) > 1:
                split.append((len(values), off))
        split.sort(key=lambda x: -x[0])
        return [off for _, off in split[:limit]]

    def stats(self) -> dict[str, float]:
        return {
            "edges": self.edges,
            "states_max": self.states_max,
            "states_avg": round(self.states_sum / self.edges, 3) if self.edges else 0.0,
            "steps_applied": self.applied,
            "wall_s": round(self.wall_s, 3),
        }

    def check_done(self) -> None:
        """End of test: every step takes effect now at the latest; some state must then have
        every message it emitted sent, accepted and answered."""
        self.dump()
        if self.failed:
            self._raise_collected()
            return
        done: list[_State] = []
        for s in self.states:
            for t in self._complete_all(s):
                done.append(t)
        ok = [t for t in done if not t.q and t.model.unaccepted == 0]
        if not ok:
            best = min(done, key=lambda t: len(t.q)) if done else None
            what = ", ".join(_msg_str(x) for x in best.q[:5]) if best else "?"
            self._fail(
                f"contract: message(s) never sent (C-MSG: every message leaves; lost message): "
                f"in every order allowed by the windows the DUT still owes {what}"
            )
        self.log.info("contract checker: %s", self.stats())

    def _raise_collected(self) -> None:
        if self.errors and self.strict:
            raise ContractError(self.errors[0])

    # ------------------------------------------------------------------ failure
    def dump(self) -> None:
        path = os.environ.get("IMS_CONTRACT_DUMP")
        if path and self._record is not None:
            import pickle

            with open(path, "wb") as f:
                pickle.dump((self.n, self.m, self._record), f)

    def _fail(self, text: str) -> None:
        self.dump()
        raise_it = ContractError(text)
        if self.failed:
            return
        self.failed = True
        self.errors.append(text)
        self.log.error("%s", text)
        if self.strict:
            raise raise_it

    # ------------------------------------------------------------------ one edge
    def _new_step(self, kind: str, lo: int, hi: int | None, txn: Any = None) -> Step:
        self._sid += 1
        st = Step(self._sid, kind, lo, hi, txn)
        if txn is not None:
            _set_footprint(st, self.n, self.m)
        if hi is not None:
            self._deadlines.setdefault(hi, []).append(st)
        return st

    def _process(self, k: int, txns: list[Txn]) -> None:
        before = self.states
        new: list[Step] = []
        msgs: list[Txn] = []
        for t in txns:
            tp = type(t)
            if tp is ResetTxn:
                self._reset()
                new.clear()
                msgs.clear()
            elif tp is RegWrite or tp is RegRead:
                assert isinstance(t, RegWrite | RegRead)
                st = self._new_step("write" if tp is RegWrite else "read", t.edge, None, t)
                if self._floating:  # C-EVT: no response before earlier events take effect
                    st.before = tuple(x for x in self._floating if x.lo < t.edge)
                self._step_of[id(t)] = st
                self._open.append(t)
                new.append(st)
            elif tp is EvtTxn:
                ev = self._new_step("event", k, None, t)
                self._floating.append(ev)
                self._rdeadlines.setdefault(self._ready + self.evt_bound, []).append(ev)
                new.append(ev)
                rec = self._recent_events
                rec.append(ev)
                if len(rec) > self.evt_inflight:
                    old = rec.pop(0)  # taken EVT_INFLIGHT events ago: in effect by now
                    if old.hi is None:
                        old.hi = k
                        self._deadlines.setdefault(k, []).append(old)
            else:
                msgs.append(t)
        if new:
            add = tuple(new)
            for s in self.states:
                s.pending = s.pending + add
                s.kc = None
        for t in msgs:
            if type(t) is MsgAw:
                assert isinstance(t, MsgAw)
                self._on_aw(k, t)
            elif type(t) is MsgW:
                assert isinstance(t, MsgW)
                self._on_w(k, t)
            elif type(t) is MsgAccept:
                self._sid += 1
                acc = Step(self._sid, "accept", k, k, w=frozenset((_MSGCOUNT,)))
                for s in self.states:
                    s.pending = (*s.pending, acc)
                    s.kc = None
                self._force(acc, k, f"{t}")
            elif type(t) is MsgB:
                assert isinstance(t, MsgB)
                self._on_b(k, t)
        # responses of register accesses: the step is in effect when its response is first
        # presented (BVALID/RVALID sampled 1, or the handshake); compared at the handshake
        if self._open:
            still: list[RegWrite | RegRead] = []
            for r in self._open:
                st = self._step_of[id(r)]
                if st.hi is None:
                    shown = r.bv_edge if isinstance(r, RegWrite) else r.rv_edge
                    if shown is not None or r.resp is not None:
                        if r.resp == "RESET":
                            del self._step_of[id(r)]
                            continue
                        st.hi = k
                        for x in st.before:
                            if x in self._floating:
                                self._force(x, k, f"{x} (taken before {r}, whose response shows)")
                        self._force(st, k, str(r))
                        # the response is on the bus from now on and stable: compare it now
                        if isinstance(r, RegWrite):
                            resp, data = r.bv_resp or r.resp, None
                        else:
                            resp, data = r.rv_resp or r.resp, r.rv_data
                            data = r.data if r.resp is not None and data is None else data
                        if resp is not None:
                            self._compare(st, r, resp, data)
                if r.resp is None:
                    still.append(r)
                    continue
                del self._step_of[id(r)]
            self._open = still
        # deadlines (also those of edges nobody reported: the UVM port monitor skips idle edges)
        if self._deadlines:
            for d in sorted(d for d in self._deadlines if d <= k):
                for st in self._deadlines.pop(d):
                    self._force(st, k, f"deadline of {st}")
        if self._rdeadlines:
            for d in sorted(d for d in self._rdeadlines if d <= self._ready):
                for st in self._rdeadlines.pop(d):
                    self._force(st, k, f"deadline ({self.evt_bound} master-ready edges) of {st}")
        # message bound
        limit = self._ready - self.msg_bound
        if any(len(s.q) > s.aw and s.due < limit for s in self.states):
            keep = [s for s in self.states if not (len(s.q) > s.aw and s.due < limit)]
            if not keep:
                s0 = self.states[0]
                self._fail(
                    f"contract: message not sent within {self.msg_bound} master-ready edges "
                    f"(C-MSG bound; lost message?) at edge {k}: every allowed order owes "
                    f"{_msg_str(s0.q[s0.aw])} (after [{'; '.join(s0.trail[-3:])}])"
                )
                return
            self.states = keep
        # only a new state list can hold new subsumptions (steps added this edge are pending
        # in every state alike)
        if self.subsume and self.states is not before and len(self.states) >= SUBSUME_MIN:
            self.states = self._subsume(self.states, k)
        self.edges += 1
        ns = len(self.states)
        self.states_sum += ns
        if ns > self.states_max:
            self.states_max = ns
        if ns > self.bound:
            self._fail(
                f"contract checker: ambiguity bound {self.bound} exceeded at edge {k} "
                f"({ns} model states consistent with what was observed; raise IMS_CONTRACT_BOUND "
                f"or reduce the overlap of windows)"
            )

    def _reset(self) -> None:
        s = self.states[0]
        model = s.model.clone()
        model.reset()
        model.take_messages()
        model.take_releases()
        self.states = [_State(model, ())]
        self._open.clear()
        self._step_of.clear()
        self._deadlines.clear()
        self._rdeadlines.clear()
        self._recent_events.clear()
        self._floating.clear()

    # ------------------------------------------------------------------ observations
    def _on_aw(self, k: int, t: MsgAw) -> None:
        before = self.states
        out = self._explain(lambda s: len(s.q) > s.aw, k, _senders)
        keep: list[_State] = []
        for s in out:
            if s.q[s.aw].addr == t.addr:
                s.aw += 1
                s.kc = None
                self.messages += len(keep) == 0
                s.due = self._ready
                self._pop_done(s)
                keep.append(s)
        if not keep:
            exp = sorted({_msg_str(s.q[s.aw]) for s in out})[:6]
            self._fail(
                f"contract: message #{t.seq} AWADDR 0x{t.addr:016x} at edge {k} is allowed by no "
                f"order of the steps within their windows (C-ORDER/C-RACE; IMS-070/071). "
                f"The {len(before)} consistent state(s) allow next: "
                f"{'; '.join(exp) if exp else 'no message at all'}"
            )
            return
        self.states = self._dedupe(keep)

    def _on_w(self, k: int, t: MsgW) -> None:
        out = self._explain(lambda s: len(s.q) > s.w, k, _senders)
        keep: list[_State] = []
        for s in out:
            if s.q[s.w].data == t.data:
                s.w += 1
                s.kc = None
                self._pop_done(s)
                keep.append(s)
        if not keep:
            exp = sorted({_msg_str(s.q[s.w]) for s in out})[:6]
            self._fail(
                f"contract: message #{t.seq} WDATA 0x{t.data:08x} at edge {k} is allowed by no "
                f"order of the steps within their windows (C-ORDER/C-RACE; IMS-070/071). "
                f"Allowed next: {'; '.join(exp) if exp else 'no message at all'}"
            )
            return
        self.states = self._dedupe(keep)

    @staticmethod
    def _pop_done(s: _State) -> None:
        n = min(s.aw, s.w)
        if n:
            s.q = s.q[n:]
            s.aw -= n
            s.w -= n
            s.kc = None

    def _on_b(self, k: int, t: MsgB) -> None:
        out: list[_State] = []
        for s in self.states:
            model = s.model
            if model.outstanding <= 0 or model.outstanding <= model.unaccepted:
                continue  # this state has no accepted message awaiting a B
            model = model.clone()
            msg = model.b_response("OKAY")
            pending = s.pending
            if t.resp not in ("OKAY", "EXOKAY") and not msg.raise_:
                st = self._releases.get((-k, msg.ims, msg.index))
                if st is None:
                    st = self._new_step("berr", k, None)
                    self._floating.append(st)
                    self._rdeadlines.setdefault(self._ready + self.evt_bound, []).append(st)
                    st.ims, st.index = msg.ims, msg.index
                    _set_footprint(st, self.n, self.m)
                    self._releases[(-k, msg.ims, msg.index)] = st
                pending = (*pending, st)
            out.append(_State(model, pending, s.q, s.aw, s.w, s.obs, s.due, s.trail))
        if not out:
            self._fail(f"contract: message B at edge {k} but no message awaits one (IMS-073)")
            return
        self.states = self._dedupe(out)

    def _compare(self, st: Step, r: RegWrite | RegRead, resp: str, data: int | None) -> None:
        keep: list[_State] = []
        seen: set[tuple[int, str]] = set()
        early: list[int] = []  # a release's B shown while this many B's are missing (IMS-107)
        for s in self.states:
            obs = [o for o in s.obs if o[0] == st.sid]
            if not obs:
                continue
            _, s_data, s_resp = obs[0]
            seen.add((s_data, s_resp))
            s.obs = tuple(o for o in s.obs if o[0] != st.sid)
            s.kc = None
            if s_resp != resp:
                continue
            if isinstance(r, RegRead) and s_data != data:
                continue
            if isinstance(r, RegWrite) and s_data > s.model.b_answered:
                early.append(s_data - s.model.b_answered)
                continue
            keep.append(s)
        if not keep and early and isinstance(r, RegWrite):
            self._fail(
                f"contract: HANDLE_RELEASE {r} shows its B @{r.bv_edge or r.b_edge} while "
                f"{min(early)} B response(s) up to the last message of that "
                f"entry emitted before the release are still missing, in every allowed order "
                f"(C-HOLD; IMS-107)"
            )
            return
        if not keep:
            if isinstance(r, RegRead):
                allowed = ", ".join(f"0x{d:08x} {rs}" for d, rs in sorted(seen))
                got = "?" if data is None else f"0x{data:08x}"
                self._fail(
                    f"contract: read 0x{r.addr:04x} (AR @{r.edge}, RVALID "
                    f"@{r.rv_edge or r.r_edge}) returned {got} {resp}; no instant of its window "
                    f"allows that (C-READ). Allowed: {allowed}"
                )
            else:
                allowed = ", ".join(sorted({rs for _, rs in seen}))
                self._fail(
                    f"contract: write 0x{r.addr:04x} answered {resp} at B "
                    f"@{r.bv_edge or r.b_edge}, allowed {allowed} (IMS-025/IMS-024)"
                )
            return
        self.states = self._dedupe(keep)

    # ------------------------------------------------------------------ enumeration
    def _eligible(
        self, s: _State, now: int, only: set[int] | None = None, fresh: int = 1 << 62
    ) -> list[Step]:
        seen: set[int] = set()
        out: list[Step] = []
        for st in s.pending:
            c = _chain(st)
            if c in seen:
                continue
            seen.add(c)
            # steps made while searching (an opening write's releases, sid >= fresh) are open
            if st.lo <= now and (only is None or st.sid in only or st.sid >= fresh):
                out.append(st)
        return out

    @staticmethod
    def _closure(s: _State, seeds: list[Step], now: int) -> set[int]:
        """The pending steps that may have to come before `seeds`: the seeds, their channel
        predecessors, and (transitively) every open step that does not commute with one of
        them. Every other step may as well stay pending (it commutes with all of these), so
        the orders that put it first need not be enumerated."""
        open_ = [st for st in s.pending if st.lo <= now]
        inset: set[int] = set()
        members: list[Step] = []

        def add(st: Step) -> None:
            # st and its channel predecessors
            c = _chain(st)
            for p in open_:
                if _chain(p) == c and p.sid not in inset:
                    inset.add(p.sid)
                    members.append(p)
                if p is st:
                    break

        for st in seeds:
            add(st)
        changed = True
        while changed:
            changed = False
            for y in open_:
                if y.sid in inset:
                    continue
                if any(y.depends(d) for d in members):
                    add(y)
                    changed = True
        return inset

    def _apply(self, s: _State, st: Step, now: int) -> _State:
        self.applied += 1
        model = s.model.clone()
        pending = tuple(p for p in s.pending if p is not st)
        obs = s.obs
        kind = st.kind
        if kind == "write":
            t = st.txn
            was_open = (model.table_open(False), model.table_open(True))
            off = t.addr & 0xFFFC
            resp = model.write(off, t.data, t.strb)
            held = 0  # IMS-107: B count the B of a release waits for (0: none)
            if off == _REL_OFF and resp == "OKAY" and t.strb:
                rw = model.last_release
                assert rw is not None
                held = rw.b_done + rw.wait
            obs = (*obs, (st.sid, held, resp))
            # C-FLUSH: a flush ends when its table closes; its release steps still pending are
            # dropped (the table sends nothing after the closing write, and reopening it starts
            # a new flush of every pending entry)
            for ims in (False, True):
                if was_open[ims] and not model.table_open(ims):
                    pending = tuple(
                        p for p in pending if not (p.kind == "release" and p.ims == ims)
                    )
            rel = model.take_releases()
            if rel:
                add = []
                # releases of earlier flushes still due go first (a DUT may serialise flushes)
                earlier = sum(1 for p in pending if p.kind == "release")
                for j, (ims, i) in enumerate(rel, start=earlier):
                    r = self._releases.get((st.sid, ims, i))
                    if r is None:
                        self._sid += 1
                        r = Step(self._sid, "release", now, None, None, ims, i)
                        _set_footprint(r, self.n, self.m)
                        hr = self._ready + flush_bound(j, self.n)
                        self._rdeadlines.setdefault(hr, []).append(r)
                        self._releases[(st.sid, ims, i)] = r
                    add.append(r)
                pending = pending + tuple(add)
        elif kind == "read":
            data, resp = model.read(st.txn.addr & 0xFFFC)
            obs = (*obs, (st.sid, data, resp))
        elif kind == "event":
            t = st.txn
            model.event(t.ims, t.handle, t.pasid if t.pasid_valid else None)
        elif kind == "release":
            model.release(st.ims, st.index)
        elif kind == "berr":
            model._log_error(_E_WRITE, st.index, st.ims, 0, 0)
        elif kind == "accept":
            if model.unaccepted <= 0:
                raise _Impossible
            model.message_accepted()
        msgs = model.take_messages()
        q, due = s.q, s.due
        if msgs:
            if len(q) <= s.aw:
                due = self._ready
            q = q + tuple(msgs)
        trail = (*s.trail[-5:], str(st))
        return _State(model, pending, q, s.aw, s.w, obs, due, trail)

    def _search(
        self,
        s: _State,
        goal: Callable[[_State], bool],
        now: int,
        out: dict[Any, _State],
        only: set[int] | None = None,
        fresh: int | None = None,
    ) -> None:
        """Every state reachable from s by applying eligible steps (of `only`, if given, and
        every step made at or after sid `fresh`, default: made during this search), stopping at
        the first that meets `goal` on each path; those go into `out` (deduplicated)."""
        stack = [s]
        visited: set[Any] = set()
        if fresh is None:
            fresh = self._sid + 1
        while stack:
            cur = stack.pop()
            if goal(cur):
                key = cur.key()
                old = out.get(key)
                if old is None or old.due < cur.due:
                    out[key] = cur
                continue
            for st in self._eligible(cur, now, only, fresh):
                try:
                    nxt = self._apply(cur, st, now)
                except _Impossible:
                    continue
                key = nxt.key()
                if key in visited:
                    continue
                visited.add(key)
                stack.append(nxt)
            if len(visited) > 50 * self.bound:
                self._fail(
                    f"contract checker: ambiguity bound {self.bound} exceeded at edge {now} "
                    f"({len(visited)} orders searched for one observation)"
                )
                return

    def _explain(
        self,
        goal: Callable[[_State], bool],
        now: int,
        seeds: Callable[[_State], list[Step]] | None = None,
    ) -> list[_State]:
        out: dict[Any, _State] = {}
        # Steps made while explaining (an opening write's releases) are open in every state's
        # search: the search of the first state makes them, later states reuse them
        # (`_releases`), and their sids are not in a closure taken before they existed.
        fresh = self._sid + 1
        for s in self.states:
            if goal(s):
                out[id(s)] = s
            else:
                only = self._closure(s, seeds(s), now) if seeds is not None else None
                self._search(s, goal, now, out, only, fresh)
        return list(out.values())

    def _force(self, st: Step, now: int, why: str) -> None:
        def goal(s: _State) -> bool:
            return st not in s.pending

        out = self._explain(goal, now, lambda s: [st])
        if st.kind in ("event", "berr") and st in self._floating:
            self._floating.remove(st)
        if not out:
            self._fail(
                f"contract: [{why}] cannot take effect at edge {now} in any allowed order "
                f"(C-MSG/C-ORDER; a message was never accepted?)"
            )
            return
        self.states = self._dedupe(out)

    def _subsume(self, states: list[_State], now: int) -> list[_State]:
        """Drop every state that another state reaches by applying one of its eligible steps
        now. A step still pending may take effect at any instant of its window, this edge
        included, so such a state B = apply(A, x) allows no future observation that A does not
        allow (A may take x now): dropping B changes nothing the checker accepts or rejects.
        (The relation is acyclic: applying a step shrinks the pending set; chains keep their
        maximal state.) Typical case: a release step of a flush, or an event, that is pending in
        one state and already applied as a no-op (closed table, entry not pending) in another,
        which otherwise multiplies the state set by every subset of such steps."""
        index: dict[Any, int] = {}
        for i, s in enumerate(states):
            index[s.key()] = i
        drop: set[int] = set()
        for i, s in enumerate(states):
            if not s.pending:
                continue
            for st in self._eligible(s, now):
                if st.kind == "accept":
                    continue
                try:
                    nxt = self._apply(s, st, now)
                except _Impossible:
                    continue
                j = index.get(nxt.key())
                if j is None or j == i or j in drop:
                    continue
                b = states[j]
                # the message bound: B's oldest unsent message may not have waited less
                if len(b.q) > b.aw and nxt.due < b.due:
                    continue
                drop.add(j)
        self.subsumed += len(drop)
        if not drop:
            return states
        return [s for i, s in enumerate(states) if i not in drop]

    def _complete_all(self, s: _State) -> list[_State]:
        out: dict[Any, _State] = {}
        self._search(s, lambda x: not x.pending, 1 << 62, out)
        return list(out.values())

    @staticmethod
    def _dedupe(states: list[_State]) -> list[_State]:
        if len(states) < 2:
            return states
        out: dict[Any, _State] = {}
        for s in states:
            key = s.key()
            old = out.get(key)
            if old is None or old.due < s.due:
                out[key] = s
        return list(out.values())


def _senders(s: _State) -> list[Step]:
    """The pending steps that may send a message."""
    return [st for st in s.pending if _OUT in st.w or st.every]


class _Impossible(Exception):
    """This order cannot happen (e.g. an accept with no message emitted)."""


def _msg_str(msg: Message) -> str:
    t = "IMS" if msg.ims else "MSI-X"
    return f"{msg.cause} {t}[{msg.index}] addr=0x{msg.addr:016x} data=0x{msg.data:08x}"
