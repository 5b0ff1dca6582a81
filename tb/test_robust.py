"""Robustness tests of `ims_ctrl`: bad input and faults (docs/testplan.hjson testpoints
`robustness_reg_fuzz`, `robustness_evt_fuzz`, `reset_midtraffic`, `extreme_backpressure`).

Plain cocotb on `tb/env.py` (the pyuvm layer's register mirror and coverage do not follow a reset
in mid-traffic): the BFMs drive, the monitor reports, and every response, read value and message
is checked by the scoreboard against `ImsModel` replayed in edge order. What the tests assert
themselves is bookkeeping on top of that: that the fuzzing hit what it was meant to hit, the
forbidden-attempt counters of the event fuzz (from the model's outcomes and the messages the DUT
actually sent), nothing lost or duplicated under backpressure, IMS-010/011/021 around resets.

* `ims_reg_fuzz_test`: random accesses over the whole 64 KiB slave space (registers, holes, table
  entries and PBA QWORDs in and out of range, address bits [1:0], AxPROT), random data and WSTRB
  (0, partial, full; reserved bits), reads issued while writes are half done, with events running.
* `ims_evt_fuzz_test`: random handles on both tables (in range, just past the end, anywhere in
  16 bits), random PASIDs against PASID_EN entries, events while a table is disabled or the
  function masked, racing random CTRL/mask/PASID writes. Counters "N <kind> events tried, 0
  delivered" for cross-PASID, masked, disabled-table and out-of-range attempts, and the events on
  PASID_EN=0 entries that must be taken whatever their PASID (IMS-045). The scoreboard is not
  strict here, so that a broken DUT still gets its counters reported.
* `ims_reset_midtraffic_test`: rst_n asserted several times at seeded random points while events
  wait, messages are queued and in flight and register accesses are half done (one reset with a
  committed write whose B is held back and which later steps observed); IMS-010 on every reset
  edge, IMS-011 after release, reads right after a reset against the register map's reset values
  (IMS-021, independent of the model), traffic after each reset checked by the scoreboard.
* `ims_extreme_backpressure_test`: sink ready 1 % of the cycles (AW, W or both), B responses
  100..300 cycles late, 16 writes in flight, SLVERR/DECERR on random messages: nothing lost or
  duplicated, every failure on an ordinary message logged (IMS-053), none on a raise (IMS-062).
* `ims_x_monitor_test`: the monitors already fail a test on X/Z on any output after reset and on a
  valid/ready output at 1 in reset (bfm/monitors.py, IMS-010); this test proves it: a strict
  monitor is shown each fault (forced on the real ports on Icarus, injected into its samples on
  either simulator: Verilator ignores Force and has no X/Z) and must raise naming the output and
  IMS-010; X sampled at the first reset edge (before the flip-flops reset) is no alarm.

Length: $IMS_ROBUST_ITEMS (default 200) scales the traffic of every test; the sim-time limits
grow with it and with the table sizes. A failing test logs its phase, seed and rerun command.
"""

from __future__ import annotations

import sys
from pathlib import Path

_TB = str(Path(__file__).resolve().parent)
if _TB not in sys.path:  # cocotb puts the test directory on sys.path; be robust anyway
    sys.path.insert(0, _TB)

import logging  # noqa: E402
import os  # noqa: E402
import random  # noqa: E402
import shlex  # noqa: E402
from collections import Counter, deque  # noqa: E402
from collections.abc import Awaitable, Callable, Coroutine, Hashable  # noqa: E402
from dataclasses import dataclass, field  # noqa: E402
from difflib import SequenceMatcher  # noqa: E402
from typing import Any  # noqa: E402

import cocotb  # noqa: E402
from cocotb.handle import Force, Release  # noqa: E402
from cocotb.task import Task  # noqa: E402
from cocotb.triggers import FallingEdge, RisingEdge  # noqa: E402
from cocotb.types import LogicArray  # noqa: E402

from bfm.axil_master import AxilMasterConfig, AxilRead, AxilWrite  # noqa: E402
from bfm.axil_sink import AxilSinkConfig, SinkWrite  # noqa: E402
from bfm.clocking import EdgeSampler, Snapshot  # noqa: E402
from bfm.common import Delay, ProtocolError  # noqa: E402
from bfm.evt_source import EvtOp, EvtSourceConfig  # noqa: E402
from bfm.monitors import (  # noqa: E402
    DUT_OUTPUTS,
    DUT_VALID_READY_OUTPUTS,
    EvtTxn,
    ImsMonitor,
    MsgAw,
    MsgB,
    RegRead,
    RegWrite,
    ResetTxn,
    Txn,
)
from env import (  # noqa: E402
    CTRL,
    CTRL_ERR_INT_ENABLE,
    CTRL_IMS_ENABLE,
    CTRL_MSIX_ENABLE,
    CTRL_MSIX_FUNC_MASK,
    ERR_COUNT,
    ERR_INFO,
    ERR_PASID,
    ERR_STATUS,
    IMS_PBA,
    IMS_TABLE,
    MSG_COUNT,
    MSIX_PBA,
    MSIX_TABLE,
    ImsEnv,
)
from imsmodel import EventOutcome, Message  # noqa: E402
from imsmodel import regmap as rm  # noqa: E402
from test_smoke import (  # noqa: E402
    DATA,
    ERR_OVERFLOW,
    ERR_VALID,
    MASK,
    PASID_EN,
    VCTRL,
    WORDS,
    entry_base,
    msg_addr,
    pba_qwords,
    picks,
    program,
    read_pba,
    read_regs,
    unmapped_offsets,
)
from uvm.model_probe import ProbedModel, StepRecord  # noqa: E402

MODULE = "test_robust"
log = logging.getLogger("cocotb.tb.robust")
#: Where monitors under proof log the errors they are expected to find (quiet: the test asserts
#: them and logs a summary).
quiet_log = logging.getLogger("cocotb.tb.robust.expected")
quiet_log.setLevel(logging.CRITICAL)


# ---------------------------------------------------------------------- sizing and limits
def _env_int(name: str, default: int) -> int:
    try:
        return max(1, int(os.environ.get(name, "") or default))
    except ValueError:
        return default


#: Traffic length of every test ($IMS_ROBUST_ITEMS; long runs: e.g. 5000).
ITEMS = _env_int("IMS_ROBUST_ITEMS", 200)
_N = _env_int("IMS_ENTRIES", rm.IMS_ENTRIES_DEFAULT)
_M = _env_int("MSIX_ENTRIES", rm.MSIX_ENTRIES_DEFAULT)
_SCALE = 1 + (_N + 4 * _M) // 256  # big tables: more to program and read back


def _limit_us(base: int) -> int:
    """Sim-time limit (us) of a test that needs well under base/10 us at 64/9 with the default
    length; grows with $IMS_ROBUST_ITEMS and the table sizes."""
    return base * _SCALE * max(ITEMS, 200) // 200


# ---------------------------------------------------------------------- failure report
def rerun_command(test: str, seed: int, n: int, m: int) -> str:
    """The command that reruns `test` (the pyuvm layer's helper; the same command is built here
    when that layer cannot be imported)."""
    try:
        from uvm.base_test import rerun_command as uvm_rerun

        return uvm_rerun(MODULE, test, seed, n, m)
    except Exception:  # the pyuvm layer is broken or missing: do not hide the real failure
        sim = os.environ.get("IMS_SIM", "icarus")
        args = [".venv/bin/ims", "run", "--sim", sim, "--config", f"{n}x{m}", "--module", MODULE]
        return shlex.join([*args, "--testcase", test, "--seed", str(seed), "--waves"])


@dataclass
class Run:
    """One robustness test: its env, the phase it is in, and the failure report."""

    env: ImsEnv
    test: str
    phase: str = "bring-up"
    notes: list[str] = field(default_factory=list)

    async def guard(self, body: Coroutine[Any, Any, None]) -> None:
        """Run the test body; on any failure (check, scoreboard, monitor, timeout) log the phase,
        the seeds and the rerun command, then re-raise."""
        try:
            await body
        except BaseException as exc:
            self.report_failure(exc)
            raise

    def report_failure(self, exc: BaseException) -> None:
        env = self.env
        regression = int(os.environ.get("COCOTB_RANDOM_SEED", env.seed))
        n, m = (env.n, env.m) if env.n else (_N, _M)
        why = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        if type(exc).__name__ == "CancelledError":
            why = "stopped by an error of a bench component (scoreboard, monitor) or the timeout"
        extra = "".join(f"\n  {note}" for note in self.notes[-5:])
        log.error(
            "%s FAILED in phase '%s' at edge %d (%s)%s\n  seed: COCOTB_RANDOM_SEED=%d "
            "(test seed %d)\n  rerun with waveforms: %s",
            self.test,
            self.phase,
            env.sampler.edge,
            why,
            extra,
            regression,
            env.seed,
            rerun_command(self.test, regression, n, m),
        )


# ---------------------------------------------------------------------- small helpers
def table_size(env: ImsEnv, ims: bool) -> int:
    return env.n if ims else env.m


def bad_handle(rng: random.Random, size: int) -> int:
    """A handle past the end of a table: just past, a bit further, anywhere, or 0xFFFF."""
    r = rng.random()
    if r < 0.4:
        h = size + rng.randrange(3)
    elif r < 0.8:
        h = rng.randrange(size, rm.HANDLE_MAX + 1)
    else:
        h = rm.HANDLE_MAX
    return min(h, rm.HANDLE_MAX)


def chosen_entries(env: ImsEnv, rng: random.Random, cap: int = 64) -> dict[bool, list[int]]:
    """Entries a test programs: the whole table when small, else first/second/middle/last and a
    random sample."""
    out: dict[bool, list[int]] = {}
    for ims in (False, True):
        size = table_size(env, ims)
        out[ims] = list(range(size)) if size <= cap else picks(size, rng, cap // 2)
    return out


async def read_entries(env: ImsEnv, entries: dict[bool, list[int]]) -> None:
    """Read every word of the given entries (the scoreboard compares them)."""
    for ims, idx in entries.items():
        for i in idx:
            for w in WORDS:
                env.master.read_nowait(entry_base(ims, i) + w)
    await env.master.drain()


async def read_errs(env: ImsEnv) -> None:
    for off in (ERR_STATUS, ERR_INFO, ERR_PASID, ERR_COUNT, MSG_COUNT):
        env.master.read_nowait(off)
    await env.master.drain()


async def start_env(run: Run) -> None:
    await run.env.start()
    run.phase = "traffic"


# ====================================================================== register fuzzing
_REG_WINDOW = 0x40  # ID..MSG_COUNT and the holes 0x0C, 0x24.. around them


def _fuzz_table_offset(rng: random.Random, base: int, size: int, cap: int) -> int:
    inside = rng.randrange(size)
    i = rng.choice((inside, inside, inside, size - 1, size, size + 1, rng.randrange(cap)))
    return base + 16 * min(i, cap - 1) + 4 * rng.randrange(4)


def fuzz_offset(rng: random.Random, n: int, m: int, edges: list[int]) -> int:
    """A slave-port offset anywhere in 0..0xFFFF, weighted towards the region boundaries."""
    r = rng.random()
    if r < 0.08:
        off = rng.choice((CTRL, ERR_STATUS))  # the registers with side effects
    elif r < 0.24:
        off = rng.randrange(0, _REG_WINDOW, 4)
    elif r < 0.44:
        off = _fuzz_table_offset(rng, MSIX_TABLE, m, rm.MSIX_ENTRIES_MAX)
    elif r < 0.66:
        off = _fuzz_table_offset(rng, IMS_TABLE, n, rm.IMS_ENTRIES_MAX)
    elif r < 0.78:
        base, size = rng.choice(((MSIX_PBA, m), (IMS_PBA, n)))
        g = pba_qwords(size)
        q = rng.choice((rng.randrange(g), rng.randrange(g), g, rng.randrange(512)))
        off = base + 8 * q + 4 * rng.randrange(2)
    elif r < 0.88:
        off = rng.choice(edges)
    else:
        off = rng.randrange(0, rm.ADDR_SPACE, 4)
    if rng.random() < 0.25:
        off |= rng.randrange(1, 4)  # IMS-013: address bits [1:0] ignored
    return off


def fuzz_data(rng: random.Random, loc: rm.Location) -> int:
    """Write data: all ones, zero, reserved bits only / with random bits, or random."""
    r = rng.random()
    if r < 0.15:
        return 0xFFFFFFFF
    if r < 0.25:
        return 0
    if r < 0.45 and loc.register is not None:
        reserved = ~loc.register.defined_mask & 0xFFFFFFFF
        return reserved if rng.random() < 0.5 else reserved | rng.getrandbits(32)
    return rng.getrandbits(32)


def fuzz_strobe(rng: random.Random) -> int:
    r = rng.random()
    if r < 0.45:
        return 0xF
    if r < 0.55:
        return 0x0
    return rng.randrange(1, 15)


@dataclass
class FuzzHits:
    """What the register fuzzing reached (asserted non-zero where the spec has a rule for it)."""

    by_region: Counter[str] = field(default_factory=Counter)
    counts: Counter[str] = field(default_factory=Counter)

    def account(self, writes: list[AxilWrite], reads: list[AxilRead], n: int, m: int) -> None:
        c = self.counts
        for w in writes:
            loc = rm.decode(w.addr, n, m)
            self.by_region[f"W {loc.kind.value} {w.resp}"] += 1
            bm = rm.STRB_BYTE_MASK[w.strb]
            c["writes"] += 1
            c["write_slverr"] += w.resp == "SLVERR"
            c["strobe_0"] += w.strb == 0
            c["strobe_partial"] += w.strb not in (0, 0xF)
            c["addr_low_bits"] += (w.addr & 3) != 0
            c["prot_nonzero"] += w.prot != 0
            if loc.register is not None and w.data & bm & ~loc.register.defined_mask:
                c["reserved_bits"] += 1
            reg = loc.register
            if reg is not None and not (reg.writable_mask | reg.w1c_mask):
                c["read_only_write"] += 1
        for rd in reads:
            loc = rm.decode(rd.addr, n, m)
            self.by_region[f"R {loc.kind.value} {rd.resp}"] += 1
            c["reads"] += 1
            c["read_slverr"] += rd.resp == "SLVERR"
        # reads whose AR handshake fell while a write was under way (VALID shown, B not taken)
        spans = sorted(
            (min(x for x in (w.aw_shown, w.w_shown) if x is not None) + 1, w.b_edge, w.addr & ~3)
            for w in writes
            if w.b_edge is not None and (w.aw_shown is not None or w.w_shown is not None)
        )
        for rd in reads:
            if rd.ar_edge is None:
                continue
            hits = [s for s in spans if s[0] <= rd.ar_edge <= s[1]]
            c["read_during_write"] += bool(hits)
            c["read_during_write_same_word"] += any(s[2] == rd.addr & ~3 for s in hits)

    def summary(self) -> str:
        regions = ", ".join(f"{k}: {v}" for k, v in sorted(self.by_region.items()))
        return f"{dict(self.counts)}\n  per region/response: {regions}"


@cocotb.test(timeout_time=_limit_us(400), timeout_unit="us")
async def ims_reg_fuzz_test(dut: object) -> None:
    """IMS-012..014, IMS-022..027, IMS-080/081: register fuzzing over the whole slave address
    space with random timing, reads racing half-done writes, events running; the scoreboard
    checks every response and read value."""
    env = ImsEnv(
        dut,
        master=AxilMasterConfig(
            aw_delay=Delay(0, 6, 0.4),
            w_delay=Delay(0, 6, 0.4),
            ar_delay=Delay(0, 3, 0.5),
            order="random",
            bready_prob=0.5,
            rready_prob=0.5,
        ),
        evt=EvtSourceConfig(gap=Delay(2, 12, 0.2)),
        sink=AxilSinkConfig(awready_prob=0.7, wready_prob=0.7, b_delay=Delay(0, 6)),
    )
    run = Run(env, "ims_reg_fuzz_test")
    await run.guard(_reg_fuzz(run))


async def _reg_fuzz(run: Run) -> None:
    env = run.env
    await start_env(run)
    rng = env.rng
    n, m = env.n, env.m
    edges = sorted(
        set(unmapped_offsets(n, m)) | {entry_base(True, n - 1), entry_base(False, m - 1)}
    )
    writes: list[AxilWrite] = []
    reads: list[AxilRead] = []
    accesses = 5 * ITEMS
    # a few entries live, so that events send messages while their words are fuzzed
    live = {ims: picks(table_size(env, ims), rng, 2) for ims in (False, True)}
    for ims, idx in live.items():
        for i in idx:
            await program(env, ims, i, mask=rng.random() < 0.3)
    await env.write(CTRL, CTRL_MSIX_ENABLE | CTRL_IMS_ENABLE | CTRL_ERR_INT_ENABLE)
    run.phase = f"fuzzing {accesses} writes and reads"

    async def writer() -> None:
        window: deque[AxilWrite] = deque()
        for _ in range(accesses // 2):
            off = fuzz_offset(rng, n, m, edges)
            loc = rm.decode(off, n, m)
            op = env.master.write_nowait(
                off, fuzz_data(rng, loc), fuzz_strobe(rng), prot=rng.randrange(8)
            )
            writes.append(op)
            window.append(op)
            if rng.random() < 0.3:  # the same word read while this write is under way
                reads.append(env.master.read_nowait(off ^ rng.randrange(4), rng.randrange(8)))
            if len(window) >= 3:
                await window.popleft().done.wait()

    async def reader() -> None:
        window: deque[AxilRead] = deque()
        for _ in range(accesses // 2):
            op = env.master.read_nowait(fuzz_offset(rng, n, m, edges), prot=rng.randrange(8))
            reads.append(op)
            window.append(op)
            if len(window) >= 2:
                await window.popleft().done.wait()

    async def events() -> None:
        for _ in range(ITEMS // 2):
            ims = rng.random() < 0.5
            size = table_size(env, ims)
            r = rng.random()
            h = rng.choice(live[ims]) if r < 0.6 else rng.randrange(size)
            h = bad_handle(rng, size) if r > 0.9 else h
            env.evt.send_nowait(ims, h, rng.getrandbits(20) if rng.random() < 0.5 else None)
            await env.cycles(rng.randint(0, 8))

    tasks = [cocotb.start_soon(t()) for t in (writer, reader, events)]
    for t in tasks:
        await t
    run.phase = "read-back"
    await env.settle()
    await read_regs(env)
    await read_pba(env)
    touched: dict[bool, set[int]] = {False: set(), True: set()}
    for w in writes:
        loc = rm.decode(w.addr, n, m)
        if loc.kind in (rm.Kind.MSIX_TABLE, rm.Kind.IMS_TABLE) and w.resp == "OKAY":
            touched[loc.ims].add(loc.index)
    sample = {t: sorted(rng.sample(sorted(s), min(len(s), 48))) for t, s in touched.items()}
    await read_entries(env, sample)
    run.phase = "end-of-test checks"
    hits = FuzzHits()
    hits.account(writes, reads, n, m)
    log.info("register fuzz hits: %s", hits.summary())
    log.info("model: %s", {k: v for k, v in env.model.stats.items() if v})
    c = hits.counts
    for key, rule in (
        ("write_slverr", "IMS-025"),
        ("read_slverr", "IMS-025"),
        ("strobe_0", "IMS-023"),
        ("strobe_partial", "IMS-023"),
        ("reserved_bits", "IMS-022"),
        ("read_only_write", "IMS-024"),
        ("addr_low_bits", "IMS-013"),
        ("prot_nonzero", "IMS-013"),
        ("read_during_write", "IMS-014/IMS-082"),
    ):
        assert c[key] > 0, f"register fuzzing never produced '{key}' ({rule}): stimulus problem"
    assert all(w.resp in ("OKAY", "SLVERR") for w in writes), "write answered neither OKAY/SLVERR"
    await env.finish()


# ====================================================================== event fuzzing
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
                self.steps.append((txn.edge, self._recs.popleft()))
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


@cocotb.test(timeout_time=_limit_us(400), timeout_unit="us")
async def ims_evt_fuzz_test(dut: object) -> None:
    """IMS-033, IMS-040..045, IMS-050..052: random events on both tables (out-of-range handles,
    random PASIDs, disabled tables, masked entries) racing random CTRL/mask/PASID writes; the
    forbidden attempts are counted against the messages the DUT sent: none may be delivered.
    The scoreboard is not strict here, so a broken DUT still gets its counters reported."""
    env = ImsEnv(
        dut,
        master=AxilMasterConfig(
            aw_delay=Delay(0, 3, 0.5), w_delay=Delay(0, 3, 0.5), order="random", bready_prob=0.7
        ),
        evt=EvtSourceConfig(gap=Delay(0, 3, 0.5)),
        sink=AxilSinkConfig(awready_prob=0.8, wready_prob=0.8, b_delay=Delay(0, 4)),
        strict=False,
        model_factory=ProbedModel,
    )
    run = Run(env, "ims_evt_fuzz_test")
    await run.guard(_evt_fuzz(run))


async def _evt_fuzz(run: Run) -> None:
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
            if ims:
                pasid_of[i] = rng.getrandbits(20)
                pasid_en[i] = rng.random() < 0.5
            await program(
                env, ims, i, mask=masked, pasid_en=pasid_en.get(i, False) and ims,
                pasid=pasid_of.get(i, 0) if ims else 0,
            )  # fmt: skip
    await env.write(CTRL, CTRL_MSIX_ENABLE | CTRL_IMS_ENABLE | CTRL_ERR_INT_ENABLE)
    n_events = 3 * ITEMS
    run.phase = f"fuzzing {n_events} events"

    def evt_pasid(ims: bool, h: int) -> int | None:
        r = rng.random()
        if not ims or h not in pasid_of:
            return None if r < 0.3 else rng.getrandbits(20)
        p = pasid_of[h]
        if r < 0.35:
            return p
        if r < 0.55:
            return p ^ (1 << rng.randrange(20))  # one comparator bit off
        if r < 0.7:
            return pasid_of[rng.choice(list(pasid_of))]  # another entry's PASID
        if r < 0.85:
            return rng.getrandbits(20)
        return None

    events_done = False

    async def events() -> None:
        nonlocal events_done
        for _ in range(n_events):
            ims = rng.random() < 0.55
            size = table_size(env, ims)
            h = rng.choice(chosen[ims]) if rng.random() < 0.75 else bad_handle(rng, size)
            op = env.evt.send_nowait(ims, h, evt_pasid(ims, h))
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
                extra = PASID_EN * pasid_en[i] | pasid_of[i] << 12 if ims else 0
                await env.write(entry_base(ims, i) + VCTRL, int(rng.random() < 0.4) | extra)
            elif r < 0.75:  # new PASID / PASID_EN on an IMS entry
                i = rng.choice(chosen[True])
                pasid_of[i] = rng.getrandbits(20)
                pasid_en[i] = rng.random() < 0.6
                ctl = int(rng.random() < 0.4) | PASID_EN * pasid_en[i] | pasid_of[i] << 12
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
    log.info(
        "event fuzz: %d events, %d DUT messages matched to model messages, %d not:\n  %s",
        n_ev,
        audit.matched,
        len(tracker.sent) - audit.matched,
        "\n  ".join(audit.lines()),
    )
    problems = [f"bench: {e}" for e in tracker.errors[:5]] + audit.problems()
    assert not problems, "\n".join(problems)
    for name, c in audit.forbidden.items():
        assert c.tried > 0, f"event fuzzing never tried a {name} event: stimulus problem"
    await env.finish()


# ====================================================================== reset in mid-traffic
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


@cocotb.test(timeout_time=_limit_us(600), timeout_unit="us")
async def ims_reset_midtraffic_test(dut: object) -> None:
    """IMS-010, IMS-011, IMS-021: rst_n asserted several times (seeded random points and
    lengths, 1..8 edges) while events wait, messages are queued and in flight and register
    accesses are half done; outputs checked on every reset edge, every register, PBA word and
    programmed entry read back after release, and the traffic after each reset is checked by the
    resynchronised scoreboard."""
    brng = random.Random()

    def decide(_: SinkWrite) -> str:
        return brng.choice(("SLVERR", "DECERR")) if brng.random() < 0.1 else "OKAY"

    env = ImsEnv(
        dut,
        master=AxilMasterConfig(
            aw_delay=Delay(0, 5, 0.3),
            w_delay=Delay(0, 5, 0.3),
            ar_delay=Delay(0, 2, 0.5),
            order="random",
            bready_prob=0.4,
            rready_prob=0.5,
        ),
        evt=EvtSourceConfig(gap=Delay(0, 3, 0.5)),
        sink=AxilSinkConfig(awready_prob=0.4, wready_prob=0.5, b_delay=Delay(0, 30), resp=decide),
    )
    run = Run(env, "ims_reset_midtraffic_test")
    brng.seed(env.rng.getrandbits(64))
    await run.guard(_reset_midtraffic(run))


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


async def _reset_midtraffic(run: Run) -> None:
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
            waited = await wait_for(env, lambda tr=traffic: hit(env, tr), 400)  # noqa: B023
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


# ====================================================================== extreme backpressure
@dataclass
class Phase:
    name: str
    awready: float
    wready: float
    b_delay: Delay


PHASES = (
    Phase("AW and W ready 1% of cycles, B 100..200 late", 0.01, 0.01, Delay(100, 200)),
    Phase("AW ready 1%, W always ready, B 100..150 late", 0.01, 1.0, Delay(100, 150)),
    Phase("W ready 1%, AW always ready, B 100..150 late", 1.0, 0.01, Delay(100, 150)),
    Phase("always ready, B 100..300 late (writes pile up in flight)", 1.0, 1.0, Delay(100, 300)),
)


@cocotb.test(timeout_time=_limit_us(1500), timeout_unit="us")
async def ims_extreme_backpressure_test(dut: object) -> None:
    """IMS-053, IMS-062, IMS-071..074, IMS-084: sink ready 1% of the cycles on AW, W or both, B
    responses 100+ cycles late, up to 16 writes in flight, SLVERR/DECERR on random messages,
    BREADY/RREADY 10% on the register port: every message exactly once and in order, MSG_COUNT
    counts them, every failed ordinary message logged (ERR_COUNT), no failed raise logged."""
    brng = random.Random()

    vector0 = msg_addr(False, 0)

    def decide(w: SinkWrite) -> str:  # vector 0 (error interrupt) fails more often
        p = 0.35 if w.addr == vector0 else 0.12
        return brng.choice(("SLVERR", "DECERR")) if brng.random() < p else "OKAY"

    env = ImsEnv(
        dut,
        master=AxilMasterConfig(order="random", bready_prob=0.1, rready_prob=0.1),
        evt=EvtSourceConfig(gap=Delay(0, 2, 0.6)),
        sink=AxilSinkConfig(resp=decide),
    )
    run = Run(env, "ims_extreme_backpressure_test")
    brng.seed(env.rng.getrandbits(64))
    await run.guard(_extreme_backpressure(run))


async def _extreme_backpressure(run: Run) -> None:
    env = run.env
    await start_env(run)
    rng = env.rng
    sink = env.sink
    pairs: list[Message] = []
    env.scoreboard.on_message.append(lambda msg, aw: pairs.append(msg))
    peak = [0]

    def track(_: int) -> None:
        peak[0] = max(peak[0], sink.inflight)

    env.sampler.on_edge(track)
    chosen = {False: picks(env.m, rng, 2), True: picks(env.n, rng, 3)}
    masked = {(ims, idx[len(idx) // 2]) for ims, idx in chosen.items() if len(idx) > 1}
    for ims, idx in chosen.items():
        for i in idx:
            await program(env, ims, i, mask=(ims, i) in masked)
    if 0 not in chosen[False]:
        await program(env, False, 0, mask=False)  # the error interrupt's vector
    await env.write(CTRL, CTRL_MSIX_ENABLE | CTRL_IMS_ENABLE | CTRL_ERR_INT_ENABLE)
    per_phase = max(4, ITEMS // 6)
    for ph in PHASES:
        run.phase = ph.name
        sink.cfg.awready_prob, sink.cfg.wready_prob, sink.cfg.b_delay = (
            ph.awready,
            ph.wready,
            ph.b_delay,
        )
        peak[0] = 0
        sent0, b0 = env.model.stats["sent"], env.model.stats["b_responses"]
        for k in range(per_phase):
            ims = rng.random() < 0.5
            env.evt.send_nowait(ims, rng.choice(chosen[ims]), None)
            if k == per_phase // 2:  # release the masked entries under backpressure (IMS-031)
                for t, i in masked:
                    env.master.write_nowait(entry_base(t, i) + VCTRL, 0)
        while not env.evt.idle:  # MSG_COUNT and the error log read while messages crawl
            await env.read(rng.choice((MSG_COUNT, ERR_STATUS, ERR_COUNT)))
            if rng.random() < 0.4:  # re-arm the latch: the next failure raises again
                await env.write(ERR_STATUS, ERR_VALID | ERR_OVERFLOW)
            await env.cycles(rng.randint(10, 60))
        # close and reopen MSI-X with pending entries: a flush under backpressure (IMS-032)
        for t, i in masked:
            env.master.write_nowait(entry_base(t, i) + VCTRL, MASK)
            env.evt.send_nowait(t, i, None)
        await env.evt.drain()
        await env.write(CTRL, CTRL_IMS_ENABLE | CTRL_ERR_INT_ENABLE)
        for t, i in masked:
            env.master.write_nowait(entry_base(t, i) + VCTRL, 0)
        await env.write(CTRL, CTRL_MSIX_ENABLE | CTRL_IMS_ENABLE | CTRL_ERR_INT_ENABLE)
        await env.settle(quiet=3000)
        await read_errs(env)
        st = env.model.stats
        log.info(
            "phase '%s': %d messages, %d B responses, peak %d writes in flight, edge %d",
            ph.name, st["sent"] - sent0, st["b_responses"] - b0, peak[0], env.sampler.edge,
        )  # fmt: skip
    run.phase = "end-of-test checks"
    await env.settle(quiet=3000)
    msg_count, _ = await env.read(MSG_COUNT)
    err_count, _ = await env.read(ERR_COUNT)
    await read_pba(env)
    st = env.model.stats
    writes = sink.writes
    failures = [(w, msg) for w, msg in zip(writes, pairs, strict=False) if w.resp != "OKAY"]
    logged = [(w, msg) for w, msg in failures if not msg.raise_]
    for w, msg in failures:
        t = "IMS" if msg.ims else "MSI-X"
        log.info(
            "B %s at edge %s for %s message %s[%d] -> %s",
            w.resp, w.b_edge, msg.cause, t, msg.index,
            "ignored (raise, IMS-062)" if msg.raise_ else "MSG_WRITE_FAILED logged (IMS-053)",
        )  # fmt: skip
    log.info(
        "extreme backpressure: %d messages sent, %d delivered to the sink, %d failed (%d on "
        "ordinary messages, logged; %d on raises, not logged), MSG_COUNT %d, ERR_COUNT %d",
        st["sent"], len(writes), len(failures), len(logged), len(failures) - len(logged),
        msg_count, err_count,
    )  # fmt: skip
    assert len(writes) == len(pairs) == st["sent"], (
        f"IMS-073: model sent {st['sent']}, DUT messages checked {len(pairs)}, sink completed "
        f"{len(writes)} (lost or duplicated)"
    )
    assert msg_count == st["sent"] & 0xFFFFFFFF, f"IMS-072: MSG_COUNT {msg_count}"
    assert st["error_msg_write_failed"] == len(logged), "IMS-053: failures and log disagree"
    raises = len(failures) - len(logged)
    expected = len(logged) + st["event_errors"]
    if err_count != expected:
        rule = "IMS-062" if raises and err_count == expected + raises else "IMS-053/IMS-050"
        raise AssertionError(
            f"{rule}: ERR_COUNT {err_count}, expected {expected}: {len(logged)} failed ordinary "
            f"messages (logged), {raises} failed raise messages (not logged)"
        )
    assert logged, "stimulus: no B error on an ordinary message"
    await env.finish()


# ====================================================================== X check proof
class ProbeSampler(EdgeSampler):
    """An `EdgeSampler` for a strict monitor under test: `inject` overrides sampled values
    (None = X/Z), and when the monitor raises, the loop ends and keeps the error in `caught`
    instead of failing the test."""

    def __init__(self, clk: Any) -> None:
        super().__init__(clk)
        self.inject: dict[str, int | None] = {}
        self.caught: ProtocolError | None = None

    def sample_now(self) -> Snapshot:
        snap = super().sample_now()
        for key, value in self.inject.items():  # keyed by signal path (slots are per sampler)
            snap[self.slot(key)] = value
            if value is None:
                self._snap_unresolved = True
        return snap

    def start(self) -> None:
        if self._task is None:
            self._task = cocotb.start_soon(self._catching())

    async def _catching(self) -> None:
        try:
            await self._run()
        except ProtocolError as exc:
            self.caught = exc


class XProof:
    """One strict monitor per scenario: armed before a reset (the X check starts at the first
    reset edge), shown one fault, expected to raise naming the output and IMS-010."""

    def __init__(self, env: ImsEnv) -> None:
        self.env = env
        self.dut = env.dut
        self.proven: Counter[str] = Counter()

    def _probe(self) -> tuple[ProbeSampler, ImsMonitor]:
        ps = ProbeSampler(self.dut.clk)
        mon = ImsMonitor(self.dut, ps, strict=True)
        mon.log = quiet_log
        ps.start()
        return ps, mon

    async def expect_raise(
        self,
        what: str,
        output: str,
        fault: Callable[[ProbeSampler], Awaitable[None]],
        undo: Callable[[ProbeSampler], Awaitable[None]],
        *,
        in_reset: bool,
    ) -> None:
        """Arm a probe, reset, apply `fault` (after release, or on the 2nd reset edge), expect the
        probe's strict monitor to raise within 3 edges naming `output` and IMS-010."""
        env = self.env
        ps, _ = self._probe()
        await RisingEdge(self.dut.clk)
        self.dut.rst_n.value = 0
        await RisingEdge(self.dut.clk)  # first reset edge
        if in_reset:
            await fault(ps)
            for _ in range(3):
                await RisingEdge(self.dut.clk)
            await undo(ps)
            self.dut.rst_n.value = 1
            await RisingEdge(self.dut.clk)
        else:
            await RisingEdge(self.dut.clk)
            self.dut.rst_n.value = 1
            for _ in range(2):
                await RisingEdge(self.dut.clk)
            await fault(ps)
            for _ in range(3):
                await RisingEdge(self.dut.clk)
            await undo(ps)
        await env.cycles(2)
        exc = ps.caught
        ps.stop()
        if exc is None:
            raise AssertionError(f"{what}: the strict monitor did not raise (IMS-010 check)")
        text = str(exc).splitlines()[0]
        if output not in text or "IMS-010" not in text:
            raise AssertionError(f"{what}: the monitor raised, but not for {output}: {text}")
        self.proven[what.split(":")[0]] += 1
        log.debug("%s -> %s", what, text)

    async def expect_quiet(self, what: str, inject: dict[str, int | None]) -> None:
        """X on every output at the first reset edge only (sampled before the flip-flops reset):
        no error (IMS-010 starts at that edge)."""
        ps, _ = self._probe()
        await RisingEdge(self.dut.clk)
        self.dut.rst_n.value = 0
        ps.inject.update(inject)  # sampled at the falling edge before the first reset edge
        await RisingEdge(self.dut.clk)
        ps.inject.clear()
        await self.env.cycles(3)
        self.dut.rst_n.value = 1
        await self.env.cycles(4)
        exc = ps.caught
        ps.stop()
        if exc is not None:
            raise AssertionError(f"{what}: false alarm: {exc}")
        self.proven["no false alarm"] += 1


def _inject(key: str, value: int | None) -> Callable[[ProbeSampler], Awaitable[None]]:
    async def fault(ps: ProbeSampler) -> None:
        ps.inject[key] = value

    return fault


async def _clear(ps: ProbeSampler) -> None:
    ps.inject.clear()


def _force(handle: Any, text: str) -> Callable[[ProbeSampler], Awaitable[None]]:
    async def fault(_: ProbeSampler) -> None:
        handle.value = Force(LogicArray(text * len(handle)))

    return fault


def _release(handle: Any) -> Callable[[ProbeSampler], Awaitable[None]]:
    async def undo(_: ProbeSampler) -> None:
        handle.value = Release()

    return undo


async def force_works(dut: Any) -> bool:
    """True when the simulator applies a Force on an output port (Icarus: yes; Verilator
    ignores it). Tried on a payload output while its VALID is 0, so no monitor notices."""
    h = dut.m_axil_wdata
    await FallingEdge(dut.clk)
    h.value = Force(LogicArray("10" * 16))
    await FallingEdge(dut.clk)
    applied = str(h.value) == "10" * 16
    h.value = Release()
    await FallingEdge(dut.clk)
    await FallingEdge(dut.clk)
    return applied


@cocotb.test(timeout_time=_limit_us(100), timeout_unit="us")
async def ims_x_monitor_test(dut: object) -> None:
    """IMS-010: proves the monitors' checks: X or Z on any DUT output after reset, X/Z or a
    valid/ready output at 1 on an edge in reset (after the first) each make a strict monitor
    raise naming the output and IMS-010; X sampled at the first reset edge is no alarm. Faults
    are forced on the real ports where the simulator supports it (Icarus) and injected into the
    monitor's samples on either simulator."""
    env = ImsEnv(dut, strict=False)
    run = Run(env, "ims_x_monitor_test")
    await run.guard(_x_monitor(run))


async def _x_monitor(run: Run) -> None:
    env = run.env
    await start_env(run)
    dut: Any = env.dut
    proof = XProof(env)
    sim = os.environ.get("IMS_SIM", cocotb.SIM_NAME or "")
    forced = await force_works(dut)
    if not forced and "icarus" in sim.lower():
        raise AssertionError("Force on an output port had no effect on Icarus")
    keys = {name: str(dut[name]._path) for name in DUT_OUTPUTS}  # the samplers' signal keys
    run.phase = "injected faults (both simulators)"
    for name in DUT_OUTPUTS:
        await proof.expect_raise(
            f"injected X after reset: {name}", name, _inject(keys[name], None), _clear,
            in_reset=False,
        )  # fmt: skip
        await proof.expect_raise(
            f"injected X in reset: {name}", name, _inject(keys[name], None), _clear, in_reset=True
        )
    for name in DUT_VALID_READY_OUTPUTS:
        await proof.expect_raise(
            f"injected 1 in reset: {name}", name, _inject(keys[name], 1), _clear, in_reset=True
        )
    await proof.expect_quiet("X at the first reset edge", {k: None for k in keys.values()})
    expected_main: set[str] = set()
    bench_log = env.monitor.log
    env.monitor.log = quiet_log  # the bench's monitor sees the forced faults too: asserted below
    if forced:
        run.phase = "forced faults on the ports (Icarus)"
        for name in DUT_OUTPUTS:
            h = dut[name]
            for text in ("X", "Z"):
                await proof.expect_raise(
                    f"forced {text} after reset: {name}", name, _force(h, text), _release(h),
                    in_reset=False,
                )  # fmt: skip
            expected_main.add(name)
        for name in DUT_VALID_READY_OUTPUTS:
            h = dut[name]
            await proof.expect_raise(
                f"forced 1 in reset: {name}", name, _force(h, "1"), _release(h), in_reset=True
            )
    else:
        log.info(
            "%s ignores Force on output ports (2-state: no X/Z can exist on an output); the "
            "monitor's checks are proven by injection into its samples only",
            sim,
        )
    env.monitor.log = bench_log
    run.phase = "the bench's own (non-strict) monitor"
    # it saw the forced faults (not the injected ones: they never reached its samples)
    main = env.monitor.errors
    named = {name for name in DUT_OUTPUTS for e in main if f" {name}" in e or f"{name}," in e}
    assert all("IMS-010" in e for e in main), f"unexpected monitor errors: {main[:3]}"
    assert named == expected_main, (
        f"bench monitor flagged {sorted(named)}, forced {sorted(expected_main)}"
    )
    log.info(
        "X/Z check proven (%s): %s; bench monitor collected %d IMS-010 errors for the forced ports",
        sim,
        dict(proof.proven),
        len(main),
    )
    if main:  # the end-of-test check of a bench with these errors fails the test
        try:
            await env.finish()
        except ProtocolError as exc:
            assert "IMS-010" in str(exc)
        else:
            raise AssertionError("env.finish() passed with IMS-010 errors collected")
        env.monitor.errors.clear()
    await env.finish()
