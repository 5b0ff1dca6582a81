"""Machinery of the robustness test of event fuzzing with forbidden-attempt counters
(`tb/test_robust_evt_fuzz.py`).

`ims_evt_fuzz_test`: handles on both tables picked by class (0, last, in range, = size, size + 1,
far) and PASID fields picked by class against the target entry's control word as the model has it
(equal, one bit off, absent with the entry's bits, absent with zeros, entry without PASID_EN;
`imstb.stim_classes`), entries programmed with PASID_EN = 1 three times in four and corner PASIDs,
events while a table is disabled or the function masked, racing random CTRL/mask/PASID writes. The
end of the log tallies each class as tried and as seen at the event's step (with outcomes). Counters
"N <kind> events tried, 0 delivered" for cross-PASID, masked, disabled-table and out-of-range
attempts, and the events on PASID_EN=0 entries that must be taken whatever their PASID (IMS-045).
The scoreboard is not strict here, so that a broken DUT still gets its counters reported.

Attribution. For a DUT claiming the ims_ctrl profile the step order is the edge order, and the
DUT's messages are aligned with the exact replay's (`audit_messages`). For any other DUT the
attempt counters come from the exact replay (a nominal order, for information), but whether a
forbidden event was delivered is decided with contract semantics (docs/spec.md section 8a): a
message is forbidden only when no linearization the windows allow explains it, which is what the
contract checker (`ImsScoreboard.contract`) reports; a write racing an event may legally decide
the event's outcome either way (IMS-102).
"""

from __future__ import annotations

import os
from collections import Counter, deque
from collections.abc import Hashable
from dataclasses import dataclass, field
from difflib import SequenceMatcher

import cocotb

from imsmodel import EventOutcome, Message
from imstb.bfm.monitors import EvtTxn, MsgAw, MsgB, RegRead, RegWrite, Txn
from imstb.directed import msg_addr, program, read_pba
from imstb.model_probe import ProbedModel, StepRecord
from imstb.reg_offsets import (
    CTRL,
    CTRL_ERR_INT_ENABLE,
    CTRL_IMS_ENABLE,
    CTRL_MSIX_ENABLE,
    CTRL_MSIX_FUNC_MASK,
    ERR_INFO,
    ERR_OVERFLOW,
    ERR_STATUS,
    ERR_VALID,
    IMS_PBA,
    MSIX_PBA,
    PASID_EN,
    PASID_LSB,
    VCTRL,
    entry_base,
)
from imstb.robust.common import (
    ITEMS,
    Run,
    chosen_entries,
    log,
    read_errs,
    report_counts,
    start_env,
    table_size,
)
from imstb.stim_classes import (
    PASID_CLASSES,
    StimTally,
    classify_handle,
    classify_pasid,
    handle_classes,
    handle_for,
    pick_handle_class,
    pick_pasid,
    specific_pasid,
)

#: Forbidden attempt kinds: (name, model outcomes, rules that forbid a message).
FORBIDDEN: tuple[tuple[str, tuple[EventOutcome, ...], str], ...] = (
    ("cross-PASID", (EventOutcome.PASID_MISMATCH,), "IMS-040/IMS-042"),
    ("masked", (EventOutcome.PENDING,), "IMS-043/IMS-034"),
    (
        "disabled-table",
        (EventOutcome.IMS_DISABLED, EventOutcome.MSIX_DISABLED),
        "IMS-040/IMS-041/IMS-033/IMS-042",
    ),
    ("out-of-range", (EventOutcome.INVALID_HANDLE,), "IMS-040/IMS-041/IMS-042"),
)
_KIND_OF = {o: name for name, outs, _ in FORBIDDEN for o in outs}
_RULES_OF = {name: rules for name, _, rules in FORBIDDEN}

Entry = tuple[bool, int]  # (ims, index)


def _record_matches(rec: StepRecord, txn: Txn) -> bool:
    if isinstance(txn, RegWrite):
        return rec.kind == "write" and (rec.offset, rec.value, rec.strb) == (
            txn.addr & 0xFFFC,
            txn.data,
            txn.strb,
        )
    if isinstance(txn, RegRead):
        return rec.kind == "read" and rec.offset == txn.addr & 0xFFFC
    if isinstance(txn, EvtTxn):
        pasid = txn.pasid if txn.pasid_valid else None
        return rec.kind == "event" and (rec.ims, rec.handle, rec.pasid) == (
            txn.ims,
            txn.handle,
            pasid,
        )
    if isinstance(txn, MsgB):
        return rec.kind == "b" and rec.resp == txn.resp
    return False


class StepTracker:
    """A monitor listener registered after the scoreboard: pairs every step record of the model
    (`ProbedModel`) with the monitored transaction it was replayed from, so each model step, its
    outcome and its messages get their DUT edge; and keeps every message AW the DUT sent.

    The scoreboard applies buffered transactions in order at `edge_done`; this listener runs
    right after it with the same buffer discipline, so the records are there when it looks."""

    def __init__(self, model: ProbedModel) -> None:
        self._recs: deque[StepRecord] = deque()
        model.probes.append(self._recs.append)
        self._buf: deque[Txn] = deque()
        self.steps: list[tuple[int, StepRecord]] = []
        self.events: list[tuple[EvtTxn, StepRecord]] = []  # each event with its model step
        self.sent: list[MsgAw] = []
        self.errors: list[str] = []

    def on_txn(self, txn: Txn) -> None:
        self._buf.append(txn)
        if isinstance(txn, MsgAw):
            self.sent.append(txn)

    def edge_done(self, k: int) -> None:
        self.flush()

    def flush(self) -> None:
        buf = self._buf
        while buf and buf[0].complete:
            txn = buf.popleft()
            if not isinstance(txn, RegWrite | RegRead | EvtTxn | MsgB):
                continue
            # records of the scoreboard's own diagnostic reads never belong to a transaction
            while self._recs and self._recs[0].kind == "read" and not isinstance(txn, RegRead):
                self._recs.popleft()
            if self._recs and _record_matches(self._recs[0], txn):
                rec = self._recs.popleft()
                self.steps.append((txn.edge, rec))
                if isinstance(txn, EvtTxn):
                    self.events.append((txn, rec))
            elif isinstance(txn, RegWrite | RegRead) and txn.resp == "RESET":
                continue  # not replayed
            elif isinstance(txn, MsgB):
                continue  # a B the scoreboard rejected (it failed already)
            else:
                self.errors.append(f"no model step record for {txn}")


@dataclass
class ForbiddenCount:
    tried: int = 0
    delivered: int = 0
    detail: Counter[str] = field(default_factory=Counter)
    examples: list[str] = field(default_factory=list)


_MISSING_RULE = {"event": "IMS-044", "unmask": "IMS-031", "flush": "IMS-032", "raise": "IMS-061"}
PASID_IGNORED = "PASID_EN=0 with a foreign or no PASID"
_OOR_WINDOW = 32  # edges from an out-of-range event to a message that would have delivered it


@dataclass
class Audit:
    """What the DUT delivered, against the model's step outcomes (see `audit_messages`)."""

    forbidden: dict[str, ForbiddenCount]
    pasid_ignored: int = 0  # IMS events on PASID_EN=0 entries with a foreign/absent PASID
    missing: Counter[str] = field(default_factory=Counter)  # rule -> model messages not sent
    missing_examples: list[str] = field(default_factory=list)
    unexplained: list[str] = field(default_factory=list)
    matched: int = 0

    def lines(self) -> list[str]:
        out = []
        for name, c in self.forbidden.items():
            detail = ", ".join(f"{k} {v}" for k, v in sorted(c.detail.items()))
            out.append(
                f"{c.tried} {name} events tried ({detail}), {c.delivered} delivered"
                f" [{_RULES_OF[name]}]"
            )
        lost = self.missing.get("IMS-045", 0)
        out.append(
            f"{self.pasid_ignored} events on {PASID_IGNORED} (must be taken as if no PASID), "
            f"{lost} of their messages missing [IMS-045]"
        )
        return out

    def problems(self) -> list[str]:
        out = []
        for name, c in self.forbidden.items():
            if c.delivered:
                out.append(
                    f"{c.delivered} of {c.tried} {name} events delivered a message "
                    f"({_RULES_OF[name]}); first: " + "; ".join(c.examples[:3])
                )
        if self.missing:
            out.append(
                f"{sum(self.missing.values())} model messages never sent "
                f"({', '.join(f'{r}: {v}' for r, v in sorted(self.missing.items()))}); first: "
                + "; ".join(self.missing_examples[:3])
            )
        if self.unexplained:
            out.append(
                f"{len(self.unexplained)} DUT messages match no model message and no forbidden "
                "attempt: " + "; ".join(self.unexplained[:3])
            )
        return out


def audit_messages(tracker: StepTracker, addr_of: dict[int, Entry]) -> Audit:
    """Forbidden attempts (by the model's outcome of each event) and what the DUT delivered.

    The DUT's messages (AW order, each decoded to its entry from AWADDR: every programmed entry
    has its own address) are aligned with the model's messages (step order; IMS-071 makes the
    two orders equal) by entry. A DUT message left out of the alignment delivered something the
    rules forbid: it is charged to the latest forbidden attempt on its entry before its AW edge
    (else to an out-of-range event on its table at most 32 edges before). A model message left
    out was not sent: it is reported with its rule (IMS-045 when it came from an event on a
    PASID_EN=0 entry with a foreign or no PASID)."""
    audit = Audit({name: ForbiddenCount() for name, _, _ in FORBIDDEN})
    attempts: dict[Entry, list[tuple[int, str, str]]] = {}  # entry -> (edge, kind, text)
    oor: dict[bool, list[tuple[int, str, str]]] = {False: [], True: []}
    expected: list[tuple[Entry, int, StepRecord, Message]] = []
    for edge, rec in tracker.steps:
        expected += [((msg.ims, msg.index), edge, rec, msg) for msg in rec.messages]
        if rec.kind != "event":
            continue
        if _pasid_ignored(rec) and rec.outcome in (EventOutcome.SENT, EventOutcome.PENDING):
            audit.pasid_ignored += 1
        if rec.outcome not in _KIND_OF:
            continue
        assert rec.outcome is not None
        kind = _KIND_OF[rec.outcome]
        c = audit.forbidden[kind]
        c.tried += 1
        c.detail["IMS" if rec.ims else "MSI-X"] += 1
        if kind == "cross-PASID" and rec.pasid is None:
            c.detail["no PASID"] += 1
        text = f"{_evt_str(edge, rec)} -> {rec.outcome.value}"
        if kind == "out-of-range":
            oor[rec.ims].append((edge, kind, text))
        else:
            attempts.setdefault((rec.ims, rec.handle), []).append((edge, kind, text))
    sent: list[tuple[Hashable, MsgAw]] = [
        (addr_of.get(aw.addr, ("unknown", aw.addr)), aw) for aw in tracker.sent
    ]
    sm = SequenceMatcher(None, [e[0] for e in expected], [e[0] for e in sent], autojunk=False)
    for tag, i1, i2, j1, j2 in sm.get_opcodes():
        if tag == "equal":
            audit.matched += i2 - i1
            continue
        for _, edge, rec, msg in expected[i1:i2]:
            rule = "IMS-045" if _pasid_ignored(rec) else _MISSING_RULE.get(msg.cause, "IMS-044")
            audit.missing[rule] += 1
            t = "IMS" if msg.ims else "MSI-X"
            what = _evt_str(edge, rec) if rec.kind == "event" else f"@{edge} {rec.kind}"
            audit.missing_examples.append(f"{msg.cause} message of {t}[{msg.index}] from {what}")
        for entry, aw in sent[j1:j2]:
            if not (isinstance(entry, tuple) and isinstance(entry[0], bool)):
                audit.unexplained.append(f"{aw}: address of no programmed entry")
                continue
            ims, index = entry
            t = f"{'IMS' if ims else 'MSI-X'}[{index}]"
            # the latest attempt on this entry (also one that left it pending and was released
            # later), else an out-of-range handle on this table right before (aliasing)
            cands = [a for a in attempts.get((ims, index), []) if a[0] < aw.edge]
            cands = cands or [a for a in oor[ims] if 0 < aw.edge - a[0] <= _OOR_WINDOW]
            if not cands:
                audit.unexplained.append(f"{aw} ({t}): no forbidden attempt before it")
                continue
            _, kind, text = max(cands)
            audit.forbidden[kind].delivered += 1
            audit.forbidden[kind].examples.append(f"{text}, delivered by {aw} ({t})")
    return audit


def _pasid_ignored(rec: StepRecord) -> bool:
    case = rec.pasid_case
    return rec.kind == "event" and case is not None and not case[0] and case[1] != "match"


def _evt_str(edge: int, rec: StepRecord) -> str:
    p = "" if rec.pasid is None else f" pasid=0x{rec.pasid:05x}"
    return f"@{edge} EVENT {'IMS' if rec.ims else 'MSI-X'}[{rec.handle}]{p}"


async def run_evt_fuzz(run: Run) -> None:
    env = run.env
    await start_env(run)
    model = env.model
    assert isinstance(model, ProbedModel)
    tracker = StepTracker(model)
    env.monitor.add_listener(tracker)  # after the scoreboard
    rng = env.rng
    chosen = chosen_entries(env, rng, cap=48)
    addr_of: dict[int, Entry] = {}
    pasid_of: dict[int, int] = {}  # IMS entry -> PASID last written (stimulus only)
    pasid_en: dict[int, bool] = {}
    run.phase = "programming"
    for ims, idx in chosen.items():
        for i in idx:
            addr_of[msg_addr(ims, i)] = (ims, i)
            masked = rng.random() < 0.3
            if ims:  # PASID_EN often, with corner PASIDs: the PASID classes need both
                pasid_of[i] = specific_pasid(rng)
                pasid_en[i] = rng.random() < 0.75
            await program(
                env, ims, i, mask=masked, pasid_en=pasid_en.get(i, False) and ims,
                pasid=pasid_of.get(i, 0) if ims else 0,
            )  # fmt: skip
    await env.write(CTRL, CTRL_MSIX_ENABLE | CTRL_IMS_ENABLE | CTRL_ERR_INT_ENABLE)
    n_events = 3 * ITEMS
    run.phase = f"fuzzing {n_events} events"

    tally = StimTally()

    def evt_fields(ims: bool, h: int) -> tuple[int | None, int | None]:
        """(pasid, absent bits): for an in-range IMS handle a PASID class picked against the
        entry's control word as the model has it now (imstb.stim_classes), else random."""
        if ims and h < env.n:
            pick = pick_pasid(model.entry_ctrl(True, h), rng)
            tally.pasid_tried[pick.cls] += 1
            return pick.pasid, pick.absent_bits
        return (None if rng.random() < 0.3 else rng.getrandbits(20)), None

    events_done = False

    async def events() -> None:
        nonlocal events_done
        for _ in range(n_events):
            ims = rng.random() < 0.55
            size = table_size(env, ims)
            hcls = pick_handle_class(size, rng, p_out=0.25)
            tally.handle_tried[ims, hcls] += 1
            h = handle_for(hcls, size, rng, chosen[ims])
            pasid, absent_bits = evt_fields(ims, h)
            op = env.evt.send_nowait(ims, h, pasid, absent_bits=absent_bits)
            if rng.random() < 0.2:
                await op.done.wait()
        await env.evt.drain()
        events_done = True

    async def writer() -> None:
        while not events_done:
            r = rng.random()
            if r < 0.25:  # tables open, closed, function-masked; error interrupt on/off
                ctrl = CTRL_MSIX_ENABLE * (rng.random() < 0.75) | CTRL_IMS_ENABLE * (
                    rng.random() < 0.75
                )
                ctrl |= CTRL_MSIX_FUNC_MASK * (rng.random() < 0.2)
                ctrl |= CTRL_ERR_INT_ENABLE * (rng.random() < 0.5)
                await env.write(CTRL, ctrl)
            elif r < 0.6:  # mask toggles (PASID settings kept)
                ims = rng.random() < 0.5
                i = rng.choice(chosen[ims])
                extra = PASID_EN * pasid_en[i] | pasid_of[i] << PASID_LSB if ims else 0
                await env.write(entry_base(ims, i) + VCTRL, int(rng.random() < 0.4) | extra)
            elif r < 0.75:  # new PASID / PASID_EN on an IMS entry
                i = rng.choice(chosen[True])
                pasid_of[i] = specific_pasid(rng)
                pasid_en[i] = rng.random() < 0.75
                ctl = int(rng.random() < 0.4) | PASID_EN * pasid_en[i] | pasid_of[i] << PASID_LSB
                await env.write(entry_base(True, i) + VCTRL, ctl)
            elif r < 0.85:
                await env.write(ERR_STATUS, rng.choice((ERR_VALID, ERR_OVERFLOW, 3)))
            else:
                env.master.read_nowait(rng.choice((MSIX_PBA, IMS_PBA, ERR_STATUS, ERR_INFO)))
            await env.cycles(rng.randint(0, 6))

    ev = cocotb.start_soon(events())
    await env.cycles(2)
    wr = cocotb.start_soon(writer())
    await ev
    await wr
    run.phase = "settle and read-back"
    await env.write(CTRL, CTRL_MSIX_ENABLE | CTRL_IMS_ENABLE)  # flush what may be released
    await env.settle()
    await read_pba(env)
    await read_errs(env)
    await env.settle()
    tracker.flush()
    run.phase = "forbidden-attempt counters"
    audit = audit_messages(tracker, addr_of)
    n_ev = sum(1 for _, rec in tracker.steps if rec.kind == "event")
    for txn, rec in tracker.events:  # what was observed: monitored fields, model outcome
        assert rec.outcome is not None
        out = rec.outcome.value
        tally.handle_seen[txn.ims, classify_handle(txn.handle, table_size(env, txn.ims)), out] += 1
        if rec.entry_ctrl is not None:
            cls = classify_pasid(rec.entry_ctrl, txn.pasid_valid, txn.pasid)
            tally.pasid_seen[cls, out] += 1
    log.info(
        "event fuzz: %d events, %d DUT messages matched to model messages, %d not:\n  %s",
        n_ev,
        audit.matched,
        len(tracker.sent) - audit.matched,
        "\n  ".join(audit.lines()),
    )
    seed = int(os.environ.get("COCOTB_RANDOM_SEED", env.seed))
    log.info("event fuzz (COCOTB_RANDOM_SEED=%d): %s", seed, tally.pasid_line())
    log.info("event fuzz (COCOTB_RANDOM_SEED=%d): %s", seed, tally.handle_line())
    # for `make soak`'s totals: the forbidden classes, and the cross-PASID events by PASID operand
    # class (delivered: the cross-PASID class's count, an upper bound per operand class)
    counts = {k: (c.tried, c.delivered) for k, c in audit.forbidden.items()}
    xp = audit.forbidden["cross-PASID"].delivered
    for (cls, out), v in sorted(tally.pasid_seen.items(), key=lambda kv: str(kv[0])):
        if out == EventOutcome.PASID_MISMATCH.value:
            counts[f"cross-PASID, {cls.value}"] = (v, xp)
    report_counts(env, "ims_evt_fuzz_test", counts)
    problems = [f"bench: {e}" for e in tracker.errors[:5]]
    if env.scoreboard.profile:
        problems += audit.problems()
    else:  # contract semantics: only what no allowed order explains
        problems += [
            f"contract (forbidden event delivered or message lost, IMS-102/IMS-104): {e}"
            for e in env.scoreboard.contract.errors
        ]
        if audit.problems():
            log.info(
                "ims_ctrl profile not claimed: the exact order's attribution would have said "
                "(not a failure):\n  %s",
                "\n  ".join(audit.problems()),
            )
    assert not problems, "\n".join(problems)
    for name, c in audit.forbidden.items():
        assert c.tried > 0, f"event fuzzing never tried a {name} event: stimulus problem"
    for pcls in PASID_CLASSES:
        assert tally.pasid_tried[pcls] > 0, f"event fuzzing never tried PASID class {pcls.name}"
    for ims in (False, True):
        for hc in handle_classes(table_size(env, ims)):
            assert tally.handle_tried[ims, hc] > 0, (
                f"event fuzzing never tried handle class {hc.name} on {'IMS' if ims else 'MSI-X'}"
            )
    await env.finish()
