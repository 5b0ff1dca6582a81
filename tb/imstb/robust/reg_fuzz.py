"""Machinery of the robustness test register fuzzing (`tb/test_robust_reg_fuzz.py`).

`ims_reg_fuzz_test`: random accesses over the whole 64 KiB slave space (registers, holes, table
entries and PBA QWORDs in and out of range, address bits [1:0], AxPROT), random data and WSTRB (0,
partial, full; reserved bits), reads issued while writes are half done, with events running.
"""

from __future__ import annotations

import random
from collections import Counter, deque
from dataclasses import dataclass, field

import cocotb

from imsmodel import regmap as rm
from imsmodel.regmap import pba_qwords
from imstb.bfm.axil_master import AxilRead, AxilWrite
from imstb.directed import picks, program, read_pba, read_regs, unmapped_offsets
from imstb.reg_offsets import (
    CTRL,
    CTRL_ERR_INT_ENABLE,
    CTRL_IMS_ENABLE,
    CTRL_MSIX_ENABLE,
    ERR_STATUS,
    IMS_PBA,
    IMS_TABLE,
    MSIX_PBA,
    MSIX_TABLE,
    entry_base,
)
from imstb.robust.common import ITEMS, Run, bad_handle, log, read_entries, start_env, table_size

_REG_WINDOW = 0x40  # ID..MSG_COUNT and the holes 0x0C, 0x24.. around them


def _fuzz_table_offset(rng: random.Random, base: int, size: int, cap: int) -> int:
    inside = rng.randrange(size)
    i = rng.choice((inside, inside, inside, size - 1, size, size + 1, rng.randrange(cap)))
    return base + rm.ENTRY_BYTES * min(i, cap - 1) + 4 * rng.randrange(4)


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


async def run_reg_fuzz(run: Run) -> None:
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
