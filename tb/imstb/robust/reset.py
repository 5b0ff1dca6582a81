"""Machinery of the robustness test reset in mid-traffic (`tb/test_robust_reset.py`).

`ims_reset_midtraffic_test`: rst_n asserted several times at seeded random points while events wait,
messages are queued and in flight and register accesses are half done (one reset with a committed
write whose B is held back and which later steps observed); IMS-010 on every reset edge, IMS-011
after release, reads right after a reset against the register map's reset values (IMS-021,
independent of the model), traffic after each reset checked by the scoreboard.
"""

from __future__ import annotations

import random
from collections import Counter, deque
from collections.abc import Callable
from dataclasses import dataclass

import cocotb
from cocotb.task import Task
from cocotb.triggers import RisingEdge

from imsmodel import regmap as rm
from imstb.bfm.axil_master import AxilRead, AxilWrite
from imstb.bfm.common import Delay
from imstb.bfm.evt_source import EvtOp
from imstb.bfm.monitors import (
    DUT_OUTPUTS,
    DUT_VALID_READY_OUTPUTS,
    EvtTxn,
    MsgAw,
    MsgB,
    RegRead,
    RegWrite,
    ResetTxn,
    Txn,
)
from imstb.directed import ImsEnv, picks, program, read_pba, read_regs
from imstb.reg_offsets import (
    CTRL,
    CTRL_ERR_INT_ENABLE,
    CTRL_IMS_ENABLE,
    CTRL_MSIX_ENABLE,
    CTRL_MSIX_FUNC_MASK,
    DATA,
    ERR_COUNT,
    ERR_OVERFLOW,
    ERR_STATUS,
    ERR_VALID,
    IMS_PBA,
    MSG_COUNT,
    MSIX_PBA,
    VCTRL,
    WORDS,
    entry_base,
)
from imstb.robust.common import (
    ITEMS,
    Run,
    bad_handle,
    log,
    read_entries,
    read_errs,
    start_env,
    table_size,
)


class ResetWatch:
    """Edge callback (after the monitor's): on every edge in reset after the first one, every
    valid/ready output must be 0 and no output X/Z (IMS-010); counts what it checked."""

    def __init__(self, env: ImsEnv) -> None:
        s = env.sampler
        self.sampler = s
        self.rst = s.watch_signal("rst_n", env.dut.rst_n)
        self.keys = {
            name: s.watch_signal(env.dut[name]._path, env.dut[name]) for name in DUT_OUTPUTS
        }
        self.prev: int | None = None
        self.edges_checked = 0
        self.values: dict[str, set[int]] = {name: set() for name in DUT_OUTPUTS}
        s.on_edge(self._edge)

    def _edge(self, k: int) -> None:
        vals = self.sampler.values
        rst = vals[self.rst]
        prev, self.prev = self.prev, rst
        if rst != 0 or prev != 0:
            return
        self.edges_checked += 1
        bad = []
        for name, key in self.keys.items():
            v = vals[key]
            if v is None:
                bad.append(f"{name}=X/Z")
                continue
            self.values[name].add(v)
            if v and name in DUT_VALID_READY_OUTPUTS:
                bad.append(f"{name}={v}")
        if bad:
            raise AssertionError(f"edge {k}, in reset: {', '.join(bad)} (IMS-010)")


def reset_value(off: int, n: int, m: int) -> tuple[int, str]:
    """(value, response) of a read of `off` right after reset (IMS-021, IMS-025, IMS-026)."""
    loc = rm.decode(off & 0xFFFC, n, m)
    if not loc.mapped or loc.register is None:
        return 0, "SLVERR"
    if loc.kind is rm.Kind.REGISTER:
        return rm.reset_value(loc.register, n, m), "OKAY"
    if loc.kind in (rm.Kind.MSIX_PBA, rm.Kind.IMS_PBA):
        return 0, "OKAY"
    return loc.register.reset, "OKAY"


class ResetValues:
    """Monitor listener placed *before* the scoreboard: a read whose AR edge comes after a reset
    and before any other step that could change state (write commit, event, message B) must
    return the reset value from the register map (IMS-021): an oracle independent of the model,
    so a register that reset does not clear fails naming IMS-021 and the register."""

    def __init__(self, n: int, m: int) -> None:
        self.n = n
        self.m = m
        self.pristine = False
        self.pending: deque[RegRead] = deque()
        self.checked = 0

    def on_txn(self, txn: Txn) -> None:
        if isinstance(txn, ResetTxn):
            self.pristine = True
        elif isinstance(txn, RegWrite | EvtTxn | MsgB | MsgAw):
            self.pristine = False
        elif isinstance(txn, RegRead) and self.pristine:
            self.pending.append(txn)

    def edge_done(self, k: int) -> None:
        while self.pending and self.pending[0].complete:
            rd = self.pending.popleft()
            if rd.resp == "RESET":
                continue
            value, resp = reset_value(rd.addr, self.n, self.m)
            if (rd.data, rd.resp) != (value, resp):
                name = rm.decode(rd.addr & 0xFFFC, self.n, self.m).name
                got = "X" if rd.data is None else f"0x{rd.data:08x}"
                raise AssertionError(
                    f"IMS-021: {name} (0x{rd.addr:04x}) read {got} {rd.resp} at edge {rd.edge}, "
                    f"after a reset with no step since; reset value 0x{value:08x} {resp}"
                )
            self.checked += 1


class StepEdges:
    """Monitor listener: the edges of every step (write commit, AR, event handshake)."""

    def __init__(self) -> None:
        self.edges: list[int] = []

    def on_txn(self, txn: Txn) -> None:
        if isinstance(txn, RegWrite | RegRead | EvtTxn):
            self.edges.append(txn.edge)

    def edge_done(self, k: int) -> None:
        pass

    def first_after(self, edge: int) -> int | None:
        return next((e for e in self.edges if e >= edge), None)


class Traffic:
    """Background traffic for the reset test: events, register writes and reads, each stream
    keeping a few items queued; `running = False` stops new items."""

    def __init__(self, env: ImsEnv, rng: random.Random, chosen: dict[bool, list[int]]) -> None:
        self.env = env
        self.rng = rng
        self.chosen = chosen
        self.running = True
        self.pause_writes = False
        self.tasks: list[Task[None]] = []
        self.writes: list[AxilWrite] = []
        self.reads: list[AxilRead] = []
        self.events: list[EvtOp] = []

    def start(self) -> None:
        self.running = True
        self.tasks = [cocotb.start_soon(c()) for c in (self._events, self._writes, self._reads)]

    async def join(self) -> None:
        for t in self.tasks:
            await t

    def _entry(self) -> tuple[bool, int]:
        ims = self.rng.random() < 0.5
        return ims, self.rng.choice(self.chosen[ims])

    async def _events(self) -> None:
        env, rng = self.env, self.rng
        window: deque[EvtOp] = deque()
        while self.running:
            ims, i = self._entry()
            if rng.random() < 0.1:
                i = bad_handle(rng, table_size(env, ims))
            op = env.evt.send_nowait(ims, i, rng.getrandbits(20) if rng.random() < 0.3 else None)
            self.events.append(op)
            window.append(op)
            if len(window) >= 3:
                await window.popleft().done.wait()
            await env.cycles(rng.randint(0, 2))

    async def _writes(self) -> None:
        env, rng = self.env, self.rng
        while self.running:
            if self.pause_writes:
                await env.cycles(1)
                continue
            r = rng.random()
            ims, i = self._entry()
            if r < 0.45:
                op = env.master.write_nowait(entry_base(ims, i) + VCTRL, int(rng.random() < 0.4))
            elif r < 0.65:
                op = env.master.write_nowait(entry_base(ims, i) + DATA, rng.getrandbits(32))
            elif r < 0.85:
                ctrl = CTRL_MSIX_ENABLE | CTRL_IMS_ENABLE | CTRL_ERR_INT_ENABLE * rng.randrange(2)
                ctrl &= ~(CTRL_IMS_ENABLE * (rng.random() < 0.2))
                ctrl |= CTRL_MSIX_FUNC_MASK * (rng.random() < 0.2)
                op = env.master.write_nowait(CTRL, ctrl)
            else:
                op = env.master.write_nowait(ERR_STATUS, ERR_VALID | ERR_OVERFLOW)
            self.writes.append(op)
            await op.done.wait()

    async def _reads(self) -> None:
        env, rng = self.env, self.rng
        regs = (MSG_COUNT, ERR_STATUS, ERR_COUNT, MSIX_PBA, IMS_PBA, CTRL)
        while self.running:
            if rng.random() < 0.5:
                op = env.master.read_nowait(rng.choice(regs))
            else:
                ims, i = self._entry()
                op = env.master.read_nowait(entry_base(ims, i) + rng.choice(WORDS))
            self.reads.append(op)
            await op.done.wait()


@dataclass
class InFlight:
    """What was under way at the edge rst_n went low (for the report and the coverage check)."""

    events_waiting: int
    messages_in_flight: int
    messages_queued: int
    writes_half_done: int
    writes_b_pending: int
    reads_pending: int

    def __str__(self) -> str:
        return (
            f"{self.events_waiting} events waiting, {self.messages_queued} messages queued and "
            f"{self.messages_in_flight} in flight on the master port, {self.writes_half_done} "
            f"writes half done, {self.writes_b_pending} B pending, {self.reads_pending} reads "
            "pending"
        )


def in_flight(env: ImsEnv, traffic: Traffic) -> InFlight:
    m = env.monitor.m
    half = pend_b = 0
    for w in traffic.writes:
        if w.resp is not None:
            continue
        if w.aw_edge is not None:
            pend_b += 1  # committed, B not taken yet
        elif w.aw_shown is not None or w.w_shown is not None:
            half += 1  # VALID shown on AW and/or W, not taken yet
    return InFlight(
        events_waiting=sum(1 for e in traffic.events if e.edge is None),
        messages_in_flight=env.sink.inflight,
        messages_queued=int(m("awvalid") == 1 or m("wvalid") == 1),
        writes_half_done=half,
        writes_b_pending=pend_b,
        reads_pending=sum(1 for r in traffic.reads if r.resp is None and r.ar_edge is not None),
    )


async def wait_for(env: ImsEnv, cond: Callable[[], bool], limit: int) -> int:
    """Wait (at most `limit` edges) until `cond()`; returns the edges waited."""
    for k in range(limit):
        if cond():
            return k
        await RisingEdge(env.dut.clk)
    return limit


async def setup_tables(env: ImsEnv, rng: random.Random, chosen: dict[bool, list[int]]) -> None:
    for ims, idx in chosen.items():
        for i in idx:
            await program(env, ims, i, mask=rng.random() < 0.3)
    await env.write(CTRL, CTRL_MSIX_ENABLE | CTRL_IMS_ENABLE | CTRL_ERR_INT_ENABLE)


_TARGETS: dict[str, Callable[[ImsEnv, Traffic], bool]] = {
    "messages in flight": lambda env, tr: env.sink.inflight > 0,
    "message queued": lambda env, tr: env.monitor.m("awvalid") == 1,
    "write half done": lambda env, tr: in_flight(env, tr).writes_half_done > 0,
    "write B pending": lambda env, tr: in_flight(env, tr).writes_b_pending > 0,
    "event waiting": lambda env, tr: not env.evt.idle,
    "anywhere": lambda env, tr: True,
}
B_HELD = "write committed, B held, observed"


async def hold_b_observed(env: ImsEnv, traffic: Traffic, chosen: dict[bool, list[int]]) -> bool:
    """A write to an entry's data word commits while BREADY is held at 0; a read of that word
    and an event on that entry observe it before the reset takes the B away. The write happened
    (IMS-012: at its commit edge), so the scoreboard must replay it although its B never comes.
    Returns True when the write committed and both observers were taken."""
    rng = env.rng
    traffic.pause_writes = True  # the B slot must be free for this write
    await wait_for(env, lambda: all(w.resp is not None for w in traffic.writes), 200)
    env.master.cfg.bready_prob = 0.0
    ims = rng.random() < 0.5
    i = rng.choice(chosen[ims])
    op = env.master.write_nowait(entry_base(ims, i) + DATA, rng.getrandbits(32))
    traffic.writes.append(op)
    await wait_for(env, lambda: op.aw_edge is not None, 200)
    rd = env.master.read_nowait(entry_base(ims, i) + DATA)
    ev = env.evt.send_nowait(ims, i, None)
    await wait_for(env, lambda: rd.resp is not None and ev.edge is not None, 200)
    await env.cycles(4)  # the event's message (if it sends one) leaves
    return op.aw_edge is not None and rd.resp is not None and ev.edge is not None and not op.resp


async def run_reset_midtraffic(run: Run) -> None:
    env = run.env
    await start_env(run)
    rng = env.rng
    watch = ResetWatch(env)
    steps = StepEdges()
    env.monitor.add_listener(steps)
    oracle = ResetValues(env.n, env.m)
    env.monitor.listeners.insert(0, oracle)  # before the scoreboard: it names IMS-021 first
    sb = env.scoreboard
    chosen = {ims: picks(table_size(env, ims), rng, 3) for ims in (False, True)}
    resets = 6 + ITEMS // 100
    targets = [*_TARGETS, B_HELD]
    rng.shuffle(targets)
    seen: Counter[str] = Counter()  # resets that found this under way
    reached_targets: Counter[str] = Counter()
    mcfg, ecfg = env.master.cfg, env.evt.cfg
    timing = (mcfg.bready_prob, mcfg.aw_delay, mcfg.w_delay, ecfg.gap)
    hold = Delay(80, 80)  # leftover writes and events wait after release: the read-back first
    for r in range(resets + 1):
        run.phase = f"segment {r}: programming"
        await setup_tables(env, rng, chosen)
        traffic = Traffic(env, rng, chosen)
        traffic.start()
        run.phase = f"segment {r}: traffic"
        msgs0 = sb.stats["messages"]
        await env.cycles(rng.randint(30, 30 + ITEMS))
        if r == resets:  # the last segment ends normally
            traffic.running = False
            await traffic.join()
            await env.settle()
            assert sb.stats["messages"] > msgs0, f"segment {r}: no message checked"
            break
        target = targets[r % len(targets)]
        if target == B_HELD:
            reached = await hold_b_observed(env, traffic, chosen)
        else:
            hit = _TARGETS[target]

            def reached_target(
                hit: Callable[[ImsEnv, Traffic], bool] = hit, tr: Traffic = traffic
            ) -> bool:
                return hit(env, tr)

            waited = await wait_for(env, reached_target, 400)
            reached = waited < 400
        flight = in_flight(env, traffic)
        cycles = rng.choice((1, 2, 2, 3, 5, 8))
        traffic.running = False
        mcfg.aw_delay = mcfg.w_delay = ecfg.gap = hold
        edge0 = env.sampler.edge
        checked0 = watch.edges_checked
        resets0 = env.model.stats["resets"]
        note = (
            f"reset {r + 1}/{resets} for {cycles} edges after edge {edge0}, target "
            f"'{target}'{'' if reached else ' (not reached)'}: {flight}; "
            f"{sb.stats['messages'] - msgs0} messages checked before it"
        )
        run.notes.append(note)
        run.phase = f"segment {r}: reset {r + 1}"
        await env.reset(cycles)
        mcfg.bready_prob = timing[0]
        run.phase = f"segment {r}: reset values after reset {r + 1} (IMS-021)"
        checked = oracle.checked
        env.master.read_nowait(CTRL)  # something to take right after release (IMS-011)
        await read_regs(env)
        await read_pba(env)
        mcfg.aw_delay, mcfg.w_delay, ecfg.gap = timing[1:]
        assert env.model.stats["resets"] == resets0 + 1, "scoreboard did not reset the model"
        assert watch.edges_checked - checked0 == cycles - 1, (
            f"{watch.edges_checked - checked0} reset edges checked, expected {cycles - 1}"
        )
        reached_targets[target] += reached
        for what, v in vars(flight).items():
            seen[what] += v > 0
        run.phase = f"segment {r}: read-back after reset {r + 1}"
        await traffic.join()  # the streams' last items complete (or were lost in reset)
        await read_entries(env, chosen)
        await read_regs(env)
        rel = env.monitor.release_edge
        first = steps.first_after(rel) if rel is not None else None
        assert rel is not None and rel > edge0 and first is not None
        assert first - rel <= 16, f"IMS-011: first step {first - rel} edges after reset release"
        note += (
            f"; first step {first - rel} edges after release; {oracle.checked - checked} reads "
            "equal to reset values before any other step"
        )
        steps.edges.clear()
        log.info("%s; read-back done at edge %d", note, env.sampler.edge)
    run.phase = "end of test"
    log.info(
        "reset test: %d resets; %d edges in reset checked (IMS-010: valid/ready 0, no X/Z; "
        "outputs not 0 in reset: %s); %d reads equal to reset values before any other step "
        "(IMS-021); reset points reached: %s; resets that hit, per kind of work under way: %s; "
        "scoreboard %s",
        resets,
        watch.edges_checked,
        {k: sorted(v) for k, v in watch.values.items() if v - {0}},
        oracle.checked,
        dict(reached_targets),
        dict(seen),
        dict(sb.stats),
    )
    assert oracle.checked > 0, "no read right after a reset was checked against reset values"
    assert reached_targets[B_HELD], "the committed-write-with-B-held reset never happened"
    for what in ("messages_in_flight", "writes_half_done", "events_waiting"):
        assert seen[what] > 0, f"no reset hit with {what} under way: stimulus problem"
    await read_errs(env)
    await env.finish()
