"""Machinery of the robustness test of owner isolation (`tb/test_robust_reassign.py`, issue #16
item 2; docs/spec.md IMS-038, IMS-039, IMS-107, IMS-108).

`ims_reassign_test` plays a driver that hands interrupt handles to user processes (owners, each
with its own PASID and its own x86 address/data pairs, `imstb.platform_model.OwnerChecker`):
under background traffic of every owner on the entries it holds, it moves entries from owner A
to owner B with the documented sequence (docs/spec.md section 4a):

  (1) the entry's control word with B's PASID, PASID_EN = 1, MASK = 1 (MSI-X: MASK = 1);
  (2) HANDLE_RELEASE of the entry, waiting for its B;
  (3) B's address and data, then MASK = 0.

A's own events keep coming around it: some just before (1), so messages to A's pair are in
flight when the release drains; and late ones at every timing (`TIMINGS`): after (1) but before
(2), offered while (2)'s B is held, and after (2)'s B (before and after (3)). The master port
is fast, slow (AWREADY/WREADY 40 %, B after 6..24 cycles) or slow with an injected B error
(SLVERR/DECERR) on the messages in flight while the release drains. MSI-X entries are moved too:
they have no PASID, so A's late events there can only come before the release (masked: pending,
dropped by the release, IMS-039); a later one could not be told apart from B's (not a device
property: the driver must stop the old owner's MSI-X source before the release).

Attribution (exact, see `OwnerChecker`): every event the bench sends is tagged with its raiser
(owner, timing); the model's step records (`ProbedModel`) give each model message its raiser
(the event for a message sent at the event, the event that set the pending bit for an unmask or
flush message); the scoreboard checks the DUT's messages bit for bit and in order against the
model's, so the k-th DUT message of an entry carries the k-th model message's raiser. Each DUT
message is then checked against the owner of the pair it reached. The counts "N reassignments,
M late events, K cross-owner deliveries" and the timing x outcome table are logged; K > 0, or a
late IMS event that was not PASID_MISMATCH (IMS-108), fails the test.
"""

from __future__ import annotations

import os
from collections import Counter, deque
from pathlib import Path

import cocotb
from cocotb_coverage.coverage import CoverPoint, coverage_db

from imsmodel import EventOutcome
from imstb.bfm.axil_master import AxilWrite
from imstb.bfm.common import Delay
from imstb.bfm.evt_source import EvtOp
from imstb.directed import picks, program, read_pba
from imstb.model_probe import ProbedModel, StepRecord
from imstb.platform_model import OwnerChecker
from imstb.reg_offsets import (
    CTRL,
    CTRL_IMS_ENABLE,
    CTRL_MSIX_ENABLE,
    HANDLE_RELEASE,
    ID,
    PASID_EN,
    PASID_LSB,
    RELEASE_IMS,
    VCTRL,
    entry_base,
)
from imstb.robust.common import ITEMS, Run, log, read_errs, report_counts, start_env

Entry = tuple[bool, int]  # (ims, index)
Tag = tuple[int, str]  # (raiser owner id, timing)

#: Timings of the previous owner's events relative to the reassignment of its entry.
IN_FLIGHT = "before owner change"  # before step (1): legal, delivered to A's own pair
TIMINGS = ("before release", "release B held", "after release", "after reprogram")
LATE = frozenset(TIMINGS)
TRAFFIC = "traffic"  # an owner's events on the entries it holds
RETURNED = "late, owner again"  # a late event taken after the entry came back to its raiser
OUTCOMES = ("sent", "pending", "pasid_mismatch", "other")
#: (timing, outcome) bins the test must reach at any length (coverage of IMS-108's timings):
#: the IMS late events fail the PASID check at every timing; MSI-X ones before the release pend.
REQUIRED_BINS = (
    *((t, "pasid_mismatch") for t in TIMINGS),
    (IN_FLIGHT, "sent"),
    (IN_FLIGHT, "pending"),
    ("before release", "pending"),
)

#: Coverage (docs/testplan.hjson `cg_reassign`): table x timing x outcome of the previous owner's
#: events around a reassignment, every combination the spec allows (IMS: the late ones all fail
#: the PASID check; MSI-X: late only before the release, where they pend and are dropped).
COVERGROUP = "cg_reassign"
COVER_POINT = f"{COVERGROUP}.table_x_timing_x_outcome[IMS-038,IMS-039,IMS-107,IMS-108]"
COVER_BINS = (
    ("ims", IN_FLIGHT, "sent"),
    ("ims", IN_FLIGHT, "pending"),
    *(("ims", t, "pasid_mismatch") for t in TIMINGS),
    ("msix", IN_FLIGHT, "sent"),
    ("msix", "before release", "pending"),
)

N_OWNERS = 8
#: Bench self-check only (never in a regression): IMS_REASSIGN_FAULT=driver_skips_isolation makes
#: the "driver" keep the old PASID in step (1) and skip step (2), so the old owner's late events
#: pend and reach the new owner's pair at the unmask; the owner checker must fail the test.
FAULT = os.environ.get("IMS_REASSIGN_FAULT", "")
#: Master port speeds while a release drains: (name, weight, AWREADY/WREADY prob, B delay).
PORT = (
    ("fast", 0.4, 0.9, Delay(0, 3)),
    ("slow", 0.4, 0.4, Delay(6, 24)),
    ("slow, B error", 0.2, 0.4, Delay(6, 24)),
)


def _outcome(o: EventOutcome | None) -> str:
    if o is EventOutcome.SENT:
        return "sent"
    if o is EventOutcome.PENDING:
        return "pending"
    if o is EventOutcome.PASID_MISMATCH:
        return "pasid_mismatch"
    return "other"


class Attribution:
    """Raisers of the model's messages, per entry in emission order (a model step probe)."""

    def __init__(self, model: ProbedModel, pasid_of: dict[int, int]) -> None:
        self.model = model
        self.pasid_of = pasid_of  # owner id -> PASID
        self.tags: dict[Entry, deque[Tag]] = {}  # events sent, in order, not yet stepped
        self.pending: dict[Entry, Tag] = {}  # who set an entry's pending bit
        self.raisers: dict[Entry, deque[Tag | None]] = {}  # model messages' raisers
        self.bins: Counter[tuple[str, str]] = Counter()  # (timing, outcome) of tagged events
        self.cov: Counter[tuple[str, str, str]] = Counter()  # (table, timing, outcome)
        self.errors: list[str] = []
        self.not_mismatch: list[str] = []  # late IMS events that passed the PASID check
        model.probes.append(self.on_step)

    def sent(self, e: Entry, tag: Tag) -> None:
        self.tags.setdefault(e, deque()).append(tag)

    def on_step(self, rec: StepRecord) -> None:
        tag: Tag | None = None
        if rec.kind == "event":
            e = (rec.ims, rec.handle)
            q = self.tags.get(e)
            if q:
                tag = q.popleft()
                if tag[1] in LATE and rec.ims and rec.entry_pasid == self.pasid_of[tag[0]]:
                    # a late event taken only after the entry came back to its raiser: the
                    # owner's own event again (its previous generation's events are gone)
                    tag = (tag[0], RETURNED)
                self.bins[(tag[1], _outcome(rec.outcome))] += 1
                self.cov[("ims" if rec.ims else "msix", tag[1], _outcome(rec.outcome))] += 1
                if rec.ims and tag[1] in LATE and rec.outcome is not EventOutcome.PASID_MISMATCH:
                    self.not_mismatch.append(f"{tag[1]} event of owner {tag[0]} on IMS[{e[1]}]")
            else:
                self.errors.append(f"model event on {e} the bench did not send")
            if rec.outcome is EventOutcome.PENDING and e not in self.pending and tag:
                self.pending[e] = tag
        for msg in rec.messages:
            if msg.raise_:
                continue  # the error interrupt is the function's, not an owner's (not enabled)
            e = (msg.ims, msg.index)
            raiser = tag if msg.cause == "event" else self.pending.pop(e, None)
            self.raisers.setdefault(e, deque()).append(raiser)
        if rec.kind == "write" and self.pending:  # owner change (IMS-038), release (IMS-039)
            for e in [e for e in self.pending if not self.model.pending(*e)]:
                del self.pending[e]


async def run_reassign(run: Run) -> None:
    env = run.env
    await start_env(run)
    model = env.model
    assert isinstance(model, ProbedModel)
    rng = env.rng
    checker = OwnerChecker()
    pasids: set[int] = set()
    while len(pasids) < N_OWNERS:
        pasids.add(rng.randrange(1, 1 << 20))
    owners = [checker.add_owner(k + 1, p) for k, p in enumerate(sorted(pasids))]
    rng.shuffle(owners)
    ims_entries = sorted(set(picks(env.n, rng, 4)))[:8]
    msix_entries = sorted({0, env.m - 1})
    entries: list[Entry] = [(True, i) for i in ims_entries] + [(False, i) for i in msix_entries]
    owner_of: dict[Entry, int] = {}
    pasid_of = {o.ident: o.pasid for o in owners}
    att = Attribution(model, pasid_of)

    run.phase = "programming"
    for e in entries:
        ims, i = e
        o = rng.choice(owners).ident
        owner_of[e] = o
        g = checker.grant(o, ims, i, env.sampler.edge, vector=rng.randrange(0x20, 0x100))
        await program(
            env, ims, i, mask=False, pasid_en=ims, pasid=pasid_of[o] if ims else 0,
            addr=g.addr, data=g.data,
        )  # fmt: skip
    await env.write(CTRL, CTRL_MSIX_ENABLE | CTRL_IMS_ENABLE)

    def send(e: Entry, owner: int, timing: str) -> EvtOp:
        att.sent(e, (owner, timing))
        return env.evt.send_nowait(e[0], e[1], pasid_of[owner] if e[0] else None)

    busy: set[Entry] = set()
    stop = False

    async def traffic() -> None:  # every owner raises events on the entries it holds
        while not stop:
            free = [e for e in entries if e not in busy]
            if free:
                e = rng.choice(free)
                op = send(e, owner_of[e], TRAFFIC)
                if rng.random() < 0.5:
                    await op.done.wait()
            await env.cycles(rng.randint(2, 24))

    n_reassign = ITEMS
    late = Counter[str]()
    drains = Counter[str]()
    held_edges = 0
    run.phase = f"{n_reassign} reassignments"
    tr = cocotb.start_soon(traffic())
    sink = env.sink
    for r in range(n_reassign):
        run.phase = f"reassignment {r + 1} of {n_reassign}"
        e = rng.choice(entries) if rng.random() < 0.25 else rng.choice(entries[: len(ims_entries)])
        ims, i = e
        a = owner_of[e]
        b = rng.choice([o.ident for o in owners if o.ident != a])
        busy.add(e)
        if not ims:
            await env.evt.drain()  # MSI-X: A's queued events are taken before the move
        # the master port while the release drains
        port, _, ready, b_delay = rng.choices(PORT, weights=[p[1] for p in PORT])[0]
        sink.cfg.awready_prob = sink.cfg.wready_prob = ready
        sink.cfg.b_delay = b_delay
        # A's messages in flight: events just before step (1); sometimes A has masked the entry
        # and its event is pending, for step (1) to drop (IMS-038)
        ops = [send(e, a, IN_FLIGHT) for _ in range(rng.randint(0, 3))]
        if ims and rng.random() < 0.2:
            for op in ops:
                await op.done.wait()
            await env.write(entry_base(ims, i) + VCTRL, 1 | PASID_EN | pasid_of[a] << PASID_LSB)
            ops = [send(e, a, IN_FLIGHT)]
        if port == "slow, B error":
            sink.inject([rng.choice(("SLVERR", "DECERR")) for _ in range(rng.randint(1, 2))])
        for op in ops:
            await op.done.wait()
        which = {t for t in TIMINGS if rng.random() < 0.6} or {rng.choice(TIMINGS)}
        if not ims:
            which &= {"before release"}
        # (1) the new owner, masked
        faulty = FAULT == "driver_skips_isolation"
        ctl = 1 | (PASID_EN | pasid_of[a if faulty else b] << PASID_LSB if ims else 0)
        await env.write(entry_base(ims, i) + VCTRL, ctl)
        if "before release" in which:
            ops = [send(e, a, "before release") for _ in range(rng.randint(1, 2))]
            late["before release"] += len(ops)
            for op in ops:
                await op.done.wait()
        # (2) the release; A's events offered while its B is held
        rel_value = (RELEASE_IMS if ims else 0) | i
        rel_reg = ID if faulty else HANDLE_RELEASE  # the fault writes a read-only register
        rel: AxilWrite = env.master.write_nowait(rel_reg, rel_value)
        if "release B held" in which:
            while rel.aw_edge is None or rel.w_edge is None:
                await env.cycles(1)
            if not rel.done.is_set():
                for _ in range(rng.randint(1, 2)):
                    send(e, a, "release B held")
                    late["release B held"] += 1
        await rel.done.wait()
        assert rel.b_edge is not None and rel.aw_edge is not None and rel.w_edge is not None
        held_edges += rel.b_edge - max(rel.aw_edge, rel.w_edge)
        checker.revoke(ims, i, rel.b_edge)
        lr = model.last_release
        if lr is not None and (lr.ims, lr.index) == e:
            drains[f"{port}: entry messages in flight" if lr.entry_unanswered else port] += 1
        if "after release" in which:
            for _ in range(rng.randint(1, 2)):
                send(e, a, "after release")
                late["after release"] += 1
        # (3) B's address and data, then unmask
        g = checker.grant(b, ims, i, env.sampler.edge, vector=rng.randrange(0x20, 0x100))
        await program(
            env, ims, i, mask=False, pasid_en=ims, pasid=pasid_of[b] if ims else 0,
            addr=g.addr, data=g.data,
        )  # fmt: skip
        owner_of[e] = b
        if "after reprogram" in which:
            for _ in range(rng.randint(1, 2)):
                send(e, a, "after reprogram")
                late["after reprogram"] += 1
        busy.discard(e)
        if rng.random() < 0.3:
            send(e, b, TRAFFIC)
    stop = True
    await tr
    sink.cfg.awready_prob = sink.cfg.wready_prob = 0.9
    sink.cfg.b_delay = Delay(0, 3)
    run.phase = "settle and read-back"
    await env.settle()
    await read_pba(env)
    await read_errs(env)
    await env.settle()

    run.phase = "owner attribution"
    late_delivered = 0  # DUT messages that carry a late event of a previous owner
    for wr in sink.writes:
        assert wr.addr is not None and wr.data is not None
        edge = max(wr.aw_edge, wr.w_edge)
        to = checker.pair(wr.addr, wr.data)
        raiser: Tag | None = None
        if to is not None:
            q = att.raisers.get((to.ims, to.index))
            raiser = q.popleft() if q else None
        what = f"{raiser[1]} event" if raiser else "no model message"
        late_delivered += bool(raiser and raiser[1] in LATE)
        checker.delivered(wr.addr, wr.data, edge, raiser[0] if raiser else None, what)
    _report(run, checker, att, late, drains, held_edges, n_reassign, late_delivered)


def _report(
    run: Run,
    checker: OwnerChecker,
    att: Attribution,
    late: Counter[str],
    drains: Counter[str],
    held_edges: int,
    n_reassign: int,
    late_delivered: int,
) -> None:
    env = run.env
    n_late = sum(late.values())
    table = "\n  ".join(
        f"{t:20s} " + "  ".join(f"{o} {att.bins[(t, o)]}" for o in OUTCOMES)
        for t in (TRAFFIC, IN_FLIGHT, *TIMINGS, RETURNED)
    )
    stats = env.model.stats
    log.info(
        "owner isolation: %s\n  late-event timing x outcome (model steps):\n  %s\n"
        "  releases by master port: %s; %d edges from release AW/W to its B in all; "
        "B errors on messages: %d; owner changes that dropped a pending bit: %d",
        checker.summary(),
        table,
        dict(sorted(drains.items())),
        held_edges,
        stats["error_msg_write_failed"],
        stats["owner_cleared"],
    )
    log.info(
        "%d reassignments, %d late events, %d cross-owner deliveries",
        n_reassign,
        n_late,
        checker.cross_owner,
    )
    report_counts(
        env,
        "ims_reassign_test",
        {
            "reassignments": (n_reassign, checker.cross_owner),
            "late events": (n_late, late_delivered),
        },
    )
    problems = [f"bench: {e}" for e in att.errors[:5]]
    problems += checker.failures[:10]
    if att.not_mismatch:
        problems.append(
            f"{len(att.not_mismatch)} late IMS events of the previous owner not PASID_MISMATCH "
            f"(IMS-108); first: {att.not_mismatch[:3]}"
        )
    leftover = {e: len(q) for e, q in att.raisers.items() if q}
    if leftover:
        problems.append(f"model messages the DUT never delivered: {leftover}")
    assert not problems, "\n".join(problems)
    if n_reassign >= 50:
        missing = [f"{t} x {o}" for t, o in REQUIRED_BINS if not att.bins[(t, o)]]
        assert not missing, f"late-event timings never reached (stimulus problem): {missing}"
    path = export_coverage(att, env.n, env.m)
    log.info("coverage %s: %s", COVERGROUP, path)


def export_coverage(att: Attribution, n: int, m: int) -> Path:
    """The test's own coverage feed: `cg_reassign` exported like the pyuvm coverage (YAML, to
    $IMS_COV_DIR/<sim>-<N>x<M>/ims_reassign_test_<seed>.yml), which the sign-off merges."""
    for key in [k for k in coverage_db if k.split(".")[0] == COVERGROUP]:
        del coverage_db[key]
    cp = CoverPoint(COVER_POINT, bins=list(COVER_BINS))
    hit = cp(lambda label: None)
    for label in COVER_BINS:
        count = att.cov[label]
        if count:
            hit(label)
            cp._hits[label] += count - 1  # the hit count, without sampling each event again
    env_dir = os.environ.get("IMS_COV_DIR")
    root = Path(env_dir) if env_dir else Path(__file__).resolve().parents[3] / "build" / "cov"
    folder = root / f"{os.environ.get('IMS_SIM', 'sim')}-{n}x{m}"
    folder.mkdir(parents=True, exist_ok=True)
    seed = int(os.environ.get("COCOTB_RANDOM_SEED", "0") or 0)
    path = folder / f"ims_reassign_test_{seed}.yml"
    coverage_db.export_to_yaml(str(path))
    return path


__all__ = ["TIMINGS", "Attribution", "run_reassign"]
