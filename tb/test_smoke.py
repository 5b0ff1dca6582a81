"""Directed smoke tests of `ims_ctrl`, one per major feature (docs/spec.md rule IDs in each doc).

Every check goes through the scoreboard: the tests only drive traffic and read registers, and the
scoreboard compares every response, read value and message with `ImsModel` replayed in edge order.
The few `assert`s in the tests are about the *model's* statistics (that the scenario really
happened, e.g. a flush sent messages) or about spec timing rules (IMS-011), never about values the
DUT produced. Handles are derived from the DUT parameters, so every test runs on any configuration
(64/9 default, 1/1, 2048/256).
"""

from __future__ import annotations

import random

import cocotb

from imsmodel.regmap import pba_qwords
from imstb.bfm.axil_sink import AxilSinkConfig, SinkWrite
from imstb.bfm.common import Delay
from imstb.bfm.evt_source import EvtSourceConfig
from imstb.directed import (
    ImsEnv,
    events,
    model_stat,
    msg_addr,
    msg_data,
    picks,
    program,
    random_master,
    read_err,
    read_pba,
    read_regs,
    set_mask,
    unmapped_offsets,
)
from imstb.reg_offsets import (
    ADDR_LO,
    CAP,
    CTRL,
    CTRL_ERR_INT_ENABLE,
    CTRL_IMS_ENABLE,
    CTRL_MSIX_ENABLE,
    CTRL_MSIX_FUNC_MASK,
    DATA,
    ERR_COUNT,
    ERR_INFO,
    ERR_OVERFLOW,
    ERR_PASID,
    ERR_STATUS,
    ERR_VALID,
    HANDLE_RELEASE,
    ID,
    IMS_PBA,
    MSG_COUNT,
    MSIX_PBA,
    PASID_EN,
    PASID_LSB,
    RELEASE_IMS,
    VCTRL,
    WORDS,
    entry_base,
)

# Sim-time limits (us). The longest test needs ~18 us at 2048/256; >10x margin, yet a hang ends
# after at most 40k clock cycles (seconds of wall clock).
T_SHORT = 200
T_LONG = 400

# ---------------------------------------------------------------------- tests


@cocotb.test(timeout_time=T_SHORT, timeout_unit="us")
async def reset_values(dut: object) -> None:
    """IMS-010, IMS-011, IMS-020, IMS-021, IMS-026: every register, every PBA word and the table
    words (all entries of small tables, a sample of big ones) read their reset values; after a
    mid-test reset the block takes a read and an event within 16 edges."""
    env = ImsEnv(dut)
    await env.start()
    await read_regs(env)
    for ims, size in ((False, env.m), (True, env.n)):
        idx = list(range(size)) if size <= 64 else picks(size, env.rng, 8)
        for i in idx:
            for w in WORDS:
                env.master.read_nowait(entry_base(ims, i) + w)
        await env.master.drain()
    await read_pba(env)
    # dirty some state, then reset in the middle of the test
    await env.write(CTRL, CTRL_MSIX_ENABLE | CTRL_IMS_ENABLE)
    await program(env, True, env.n - 1, mask=False)
    await env.event(True, env.n - 1)
    await env.event(True, 0xFFFF)  # INVALID_HANDLE: ERR_* now non-zero
    await env.settle()
    await env.reset()
    rd = env.master.read_nowait(ID)
    ev = env.evt.send_nowait(False, 0)  # MSIX_DISABLED after reset
    await rd.done.wait()
    await ev.done.wait()
    rel = env.monitor.release_edge
    assert rel is not None and rd.ar_edge is not None and ev.edge is not None
    assert rd.ar_edge - rel <= 16, f"IMS-011: first read taken {rd.ar_edge - rel} edges after reset"
    assert ev.edge - rel <= 16, f"IMS-011: first event taken {ev.edge - rel} edges after reset"
    await read_regs(env)
    for ims, size in ((False, env.m), (True, env.n)):
        for w in WORDS:
            env.master.read_nowait(entry_base(ims, size - 1) + w)
    await read_pba(env)
    await env.finish()


@cocotb.test(timeout_time=T_LONG, timeout_unit="us")
async def reserved_bits_and_strobes(dut: object) -> None:
    """IMS-013, IMS-022, IMS-023, IMS-024: reserved bits read 0 and ignore writes, WSTRB per byte,
    WSTRB = 0 changes and triggers nothing, address bits [1:0] and AxPROT are ignored, writes to
    read-only registers and PBA words answer OKAY and change nothing."""
    env = ImsEnv(dut, master=random_master())
    await env.start()
    rng = env.rng
    # CTRL: reserved bits, every single-byte strobe, strobe 0
    for strb in (0xF, 0x1, 0x2, 0x4, 0x8, 0x0, 0xE):
        env.master.write_nowait(CTRL, 0xFFFFFFF0 | rng.getrandbits(4), strb)
        env.master.read_nowait(CTRL)
    await env.write(CTRL, 0)
    # table words of a few entries of both tables
    for ims, size in ((False, env.m), (True, env.n)):
        for i in picks(size, rng, 1):
            for w in WORDS:
                off = entry_base(ims, i) + w
                env.master.write_nowait(off, 0xFFFFFFFF)
                env.master.read_nowait(off)
                for strb in (0x1, 0x2, 0x4, 0x8, 0x5, 0xA, 0x0):
                    env.master.write_nowait(off, rng.getrandbits(32), strb)
                    env.master.read_nowait(off)
            await env.master.drain()
    # address bits [1:0] and AxPROT ignored (IMS-013)
    off = entry_base(True, env.n - 1) + DATA
    for low in (1, 2, 3):
        env.master.write_nowait(off | low, rng.getrandbits(32), prot=rng.getrandbits(3))
        env.master.read_nowait(off | (3 - low + 1) % 4, prot=rng.getrandbits(3))
    # read-only registers and in-range PBA words (IMS-024)
    for ro in (ID, CAP, ERR_STATUS, ERR_INFO, ERR_PASID, ERR_COUNT, MSG_COUNT):
        env.master.write_nowait(ro, 0xFFFFFFFF if ro != ERR_STATUS else 0xFFFFFF00)
        env.master.read_nowait(ro)
    for base, size in ((MSIX_PBA, env.m), (IMS_PBA, env.n)):
        last = base + 8 * (pba_qwords(size) - 1)
        for o in (base, base + 4, last, last + 4):
            env.master.write_nowait(o, 0xFFFFFFFF)
            env.master.read_nowait(o)
    await env.master.drain()
    # WSTRB = 0 (or a strobe that misses the MASK byte) on a pending entry's control word
    # triggers nothing; then a real unmask sends the one message (IMS-023, IMS-031)
    await env.write(CTRL, CTRL_MSIX_ENABLE | CTRL_IMS_ENABLE)
    for ims, size in ((False, env.m), (True, env.n)):
        i = size - 1
        await program(env, ims, i, mask=True)
        await env.event(ims, i)
        await env.write(entry_base(ims, i) + VCTRL, 0, 0x0)
        await env.write(entry_base(ims, i) + VCTRL, 0, 0xE)
        await read_pba(env, ims)
        await env.write(entry_base(ims, i) + VCTRL, 0, 0x1)
        await read_pba(env, ims)
    await env.settle()
    assert model_stat(env, "unmask_messages") == 2
    await env.finish()


@cocotb.test(timeout_time=T_SHORT, timeout_unit="us")
async def unmapped_slverr(dut: object) -> None:
    """IMS-025: every hole answers SLVERR, reads 0 and changes nothing (also with address bits
    [1:0] set); the registers and last entries read unchanged afterwards."""
    env = ImsEnv(dut, master=random_master())
    await env.start()
    rng = env.rng
    await env.write(CTRL, CTRL_MSIX_ENABLE)
    for off in unmapped_offsets(env.n, env.m):
        env.master.write_nowait(off | rng.randrange(4), rng.getrandbits(32), rng.randrange(16))
        env.master.read_nowait(off | rng.randrange(4))
    await env.master.drain()
    await read_regs(env)
    for ims, size in ((False, env.m), (True, env.n)):
        for w in WORDS:
            env.master.read_nowait(entry_base(ims, size - 1) + w)
    await read_pba(env)
    assert model_stat(env, "slverr") >= 2 * 8
    await env.finish()


async def table_messages(env: ImsEnv, ims: bool) -> None:
    size = env.n if ims else env.m
    idx = picks(size, env.rng, 3)
    for i in idx:
        await program(env, ims, i, mask=False)
    await env.write(CTRL, CTRL_IMS_ENABLE if ims else CTRL_MSIX_ENABLE)
    evts: list[tuple[bool, int, int | None]] = []
    for i in idx + idx[::-1]:
        evts.append((ims, i, env.rng.getrandbits(20) if env.rng.random() < 0.5 else None))
    await events(env, evts)
    await env.settle()
    await env.read(MSG_COUNT)
    assert model_stat(env, "event_sent") == len(evts)


@cocotb.test(timeout_time=T_SHORT, timeout_unit="us")
async def msix_program_event_message(dut: object) -> None:
    """IMS-041, IMS-044, IMS-045, IMS-070, IMS-072: program MSI-X entries, enable, events -> one
    message each (address, data, WSTRB, AWPROT checked); MSG_COUNT counts them."""
    env = ImsEnv(dut)
    await env.start()
    await table_messages(env, False)
    await env.finish()


@cocotb.test(timeout_time=T_SHORT, timeout_unit="us")
async def ims_program_event_message(dut: object) -> None:
    """IMS-040, IMS-044, IMS-045, IMS-070: program IMS entries (64-bit addresses), enable, events
    (with and without PASID, PASID_EN = 0) -> one message each."""
    env = ImsEnv(dut)
    await env.start()
    await table_messages(env, True)
    await env.finish()


@cocotb.test(timeout_time=T_SHORT, timeout_unit="us")
async def mask_pending_unmask(dut: object) -> None:
    """IMS-030, IMS-031, IMS-033..036, IMS-043: events on masked entries set pending (many events,
    one pending bit), writes to addr/data or the control word with MASK unchanged send nothing,
    unmask sends exactly one message with the address/data current after the write; unmask in a
    closed table (MSIX_FUNC_MASK) keeps the entry pending."""
    env = ImsEnv(dut)
    await env.start()
    rng = env.rng
    await env.write(CTRL, CTRL_MSIX_ENABLE | CTRL_IMS_ENABLE)
    tables = ((False, env.m), (True, env.n))
    chosen = {ims: picks(size, rng, 1) for ims, size in tables}
    for ims, _ in tables:
        for i in chosen[ims]:
            await program(env, ims, i, mask=True)
    for ims, _ in tables:
        await events(env, [(ims, i, None) for i in chosen[ims] for _ in range(3)])  # IMS-034
    await read_pba(env)
    for ims, _ in tables:
        i = chosen[ims][-1]
        b = entry_base(ims, i)
        await env.write(b + DATA, msg_data(ims, i) ^ 0x00FF0000)  # IMS-036 / IMS-035
        await env.write(b + ADDR_LO, (msg_addr(ims, i) & 0xFFFFFFFF) ^ 0x00000F00)
        await set_mask(env, ims, i, True)  # MASK unchanged: nothing
    await read_pba(env)
    for ims, _ in tables:
        for i in chosen[ims]:
            await set_mask(env, ims, i, False)  # IMS-031: one message each
    await read_pba(env)
    await env.settle()
    await env.read(MSG_COUNT)
    # MSIX_FUNC_MASK: masked function pends events of unmasked entries; unmask of a masked entry
    # while the table is closed keeps it pending (IMS-031/IMS-033)
    i = chosen[False][0]
    await env.write(CTRL, CTRL_MSIX_ENABLE | CTRL_MSIX_FUNC_MASK | CTRL_IMS_ENABLE)
    await env.event(False, i)
    await set_mask(env, False, i, True)
    await set_mask(env, False, i, False)
    await read_pba(env, False)
    await env.settle()
    await env.read(MSIX_PBA)
    assert model_stat(env, "unmask_messages") == sum(len(v) for v in chosen.values())
    assert model_stat(env, "pended") >= 3 * sum(len(v) for v in chosen.values())
    await env.finish()


@cocotb.test(timeout_time=T_SHORT, timeout_unit="us")
async def function_mask_flush(dut: object) -> None:
    """IMS-032, IMS-033, IMS-043, IMS-085: with MSIX_FUNC_MASK = 1 events pend; clearing it
    flushes every pending unmasked entry in ascending index order (a masked pending entry stays
    pending), and the PBA reads clear afterwards."""
    env = ImsEnv(dut)
    await env.start()
    m = env.m
    idx = list(range(m)) if m <= 16 else picks(m, env.rng, 8)
    masked = idx[len(idx) // 2] if len(idx) > 2 else None
    for i in idx:
        await program(env, False, i, mask=i == masked)
    await env.write(CTRL, CTRL_MSIX_ENABLE | CTRL_MSIX_FUNC_MASK)
    await events(env, [(False, i, None) for i in reversed(idx)])
    await read_pba(env, False)
    await env.write(CTRL, CTRL_MSIX_ENABLE)  # flush, ascending
    await read_pba(env, False)
    await env.settle()
    await env.read(MSG_COUNT)
    assert model_stat(env, "flush_messages") == len(idx) - (masked is not None)
    await env.finish()


@cocotb.test(timeout_time=T_SHORT, timeout_unit="us")
async def enable_flush(dut: object) -> None:
    """IMS-031, IMS-032, IMS-033: entries pend while masked; with both tables disabled an unmask
    keeps them pending; one CTRL write that enables both tables flushes MSI-X first, then IMS,
    each in ascending order."""
    env = ImsEnv(dut)
    await env.start()
    rng = env.rng
    await env.write(CTRL, CTRL_MSIX_ENABLE | CTRL_IMS_ENABLE)
    tables = ((False, env.m), (True, env.n))
    chosen = {ims: picks(size, rng, 3) for ims, size in tables}
    for ims, _ in tables:
        for i in chosen[ims]:
            await program(env, ims, i, mask=True)
        await events(env, [(ims, i, None) for i in reversed(chosen[ims])])
    await env.write(CTRL, 0)  # close both tables
    for ims, _ in tables:
        for i in chosen[ims]:
            await set_mask(env, ims, i, False)  # closed: stays pending
    await read_pba(env)
    await env.event(False, chosen[False][0])  # MSIX_DISABLED: error, no pending change
    await env.write(CTRL, CTRL_MSIX_ENABLE | CTRL_IMS_ENABLE)  # MSI-X flush, then IMS flush
    await read_pba(env)
    await env.settle()
    await env.read(MSG_COUNT)
    assert model_stat(env, "flush_messages") == sum(len(v) for v in chosen.values())
    assert model_stat(env, "unmask_messages") == 0
    await env.finish()


@cocotb.test(timeout_time=T_SHORT, timeout_unit="us")
async def one_table_flush(dut: object) -> None:
    """IMS-032, IMS-033: opening one table flushes that table only; pending unmasked entries of
    the other, still closed table stay pending (its PBA is read back) until it opens. Both
    orders: MSI-X first, then IMS; and IMS first, then MSI-X (found by mutation testing: a flush
    range one group too long went unnoticed while every flush opened both tables)."""
    env = ImsEnv(dut)
    await env.start()
    rng = env.rng
    tables = ((False, env.m), (True, env.n))
    opened = 0
    for first_ims in (False, True):
        await env.write(CTRL, CTRL_MSIX_ENABLE | CTRL_IMS_ENABLE)
        chosen = {ims: picks(size, rng, 3) for ims, size in tables}
        for ims, _ in tables:
            for i in chosen[ims]:
                await program(env, ims, i, mask=True)
            await events(env, [(ims, i, None) for i in chosen[ims]])
        await env.write(CTRL, 0)  # close both tables
        for ims, _ in tables:
            for i in chosen[ims]:
                await set_mask(env, ims, i, False)  # closed: stays pending
        first = CTRL_IMS_ENABLE if first_ims else CTRL_MSIX_ENABLE
        await env.write(CTRL, first)  # opens one table: only its entries flush
        await read_pba(env)
        await env.write(CTRL, CTRL_MSIX_ENABLE | CTRL_IMS_ENABLE)  # now the other one
        await read_pba(env)
        await env.settle()
        opened += sum(len(v) for v in chosen.values())
    await env.read(MSG_COUNT)
    assert model_stat(env, "flush_messages") == opened
    await env.finish()


@cocotb.test(timeout_time=T_LONG, timeout_unit="us")
async def flush_backpressure_b_error(dut: object) -> None:
    """IMS-032, IMS-035, IMS-053, IMS-073: a flush of pending entries of both tables into a slow
    sink with at most one write in flight, so the message queue fills while the flush walks and
    the walker must keep its place; in each round one flushed message, a different one each time
    (the last one, from the IMS table, in the first round), is answered SLVERR or DECERR and must
    be logged with its own table and index. Found by mutation testing: a walker that dropped its
    cursor whenever the queue was full or a B error took the step, and flush messages logged as
    the wrong table, went unnoticed while every flush ran into an always-ready sink."""
    env = ImsEnv(
        dut,
        sink=AxilSinkConfig(
            awready_prob=0.15, wready_prob=0.25, b_delay=Delay(0, 10), max_inflight=1
        ),
    )
    await env.start()
    rng = env.rng
    chosen = {False: picks(env.m, rng, 3), True: picks(env.n, rng, 5)}
    flushed = sum(len(v) for v in chosen.values())
    for rnd in range(3):
        await env.write(CTRL, CTRL_MSIX_ENABLE | CTRL_IMS_ENABLE)
        for ims, idx in chosen.items():
            for i in idx:
                await program(env, ims, i, mask=True)
            await events(env, [(ims, i, None) for i in idx])  # masked: pending
        await env.write(CTRL, 0)  # close both tables
        for ims, idx in chosen.items():
            for i in idx:
                await set_mask(env, ims, i, False)  # closed: stays pending
        bad = flushed - 1 if rnd == 0 else rng.randrange(flushed)
        env.sink.inject(["OKAY"] * bad + [rng.choice(("SLVERR", "DECERR"))])
        await env.write(CTRL, CTRL_MSIX_ENABLE | CTRL_IMS_ENABLE)  # flush both tables
        await env.settle()
        await read_err(env)
        await read_pba(env)
        await env.write(ERR_STATUS, ERR_VALID | ERR_OVERFLOW)
    await env.read(MSG_COUNT)
    assert model_stat(env, "flush_messages") == 3 * flushed
    assert model_stat(env, "error_msg_write_failed") == 3
    await env.finish()


@cocotb.test(timeout_time=T_SHORT, timeout_unit="us")
async def pasid_check(dut: object) -> None:
    """IMS-040, IMS-042, IMS-045, IMS-051: PASID_EN entry: matching PASID sends, a different PASID
    or no PASID is PASID_MISMATCH (no message, no pending); PASID_EN = 0 ignores the PASID; MSI-X
    events ignore evt_pasid."""
    env = ImsEnv(dut)
    await env.start()
    rng = env.rng
    n = env.n
    a = n - 1
    pasid = rng.getrandbits(20) | 1
    await env.write(CTRL, CTRL_MSIX_ENABLE | CTRL_IMS_ENABLE)
    await program(env, True, a, mask=False, pasid_en=True, pasid=pasid)
    await program(env, False, 0, mask=False)
    await env.event(True, a, pasid)  # match: message
    for p in (pasid ^ 1, pasid ^ 0x80000, None):  # mismatch, mismatch, absent
        await env.event(True, a, p)
        await read_err(env)
        await env.write(ERR_STATUS, ERR_VALID | ERR_OVERFLOW)
    # masked PASID_EN entry: a mismatch still errors (check before mask), a match pends
    await set_mask(env, True, a, True, PASID_EN | pasid << PASID_LSB)
    await env.event(True, a, pasid ^ 2)
    await env.event(True, a, pasid)
    await read_pba(env, True)
    await read_err(env)
    # PASID_EN = 0 with a PASID value: evt_pasid ignored (IMS-045)
    await program(env, True, a, mask=False, pasid_en=False, pasid=pasid)
    await events(env, [(True, a, None), (True, a, pasid ^ 5), (False, 0, pasid)])
    await env.settle()
    await read_regs(env)
    assert model_stat(env, "error_pasid_mismatch") == 4
    assert model_stat(env, "event_sent") == 4
    await env.finish()


@cocotb.test(timeout_time=T_SHORT, timeout_unit="us")
async def error_codes_latch_overflow(dut: object) -> None:
    """IMS-040, IMS-041, IMS-050..054, IMS-027: every error code; the first error latches CODE,
    ERR_INFO and ERR_PASID, later ones set OVERFLOW and count; W1C of VALID clears VALID and CODE
    only, OVERFLOW is its own W1C bit and survives a new latch, 0s and strobe-less bytes clear
    nothing, ERR_INFO/ERR_PASID keep the last latch; ERR_COUNT counts every error."""
    env = ImsEnv(dut, master=random_master())
    await env.start()
    n, m = env.n, env.m
    await read_err(env)
    await program(env, True, 0, mask=False, pasid_en=True, pasid=0x00ABC)
    both = CTRL_IMS_ENABLE | CTRL_MSIX_ENABLE
    # every event error code latched on its own, with and without a PASID (IMS-051)
    cases: list[tuple[int, bool, int, int | None]] = [
        (0, True, 0, 0x12345),  # IMS_DISABLED (enable checked before range)
        (0, True, 0xFFFF, None),  # IMS_DISABLED
        (0, False, 0, None),  # MSIX_DISABLED
        (CTRL_IMS_ENABLE, False, m - 1, 0x00777),  # MSIX_DISABLED with a PASID
        (0, False, m, 0x54321),  # INVALID_HANDLE (MSI-X range checked before enable)
        (both, False, 0xFFFF, None),  # INVALID_HANDLE
        (CTRL_IMS_ENABLE, True, n, None),  # INVALID_HANDLE
        (both, True, 0xFFFF, 0xFFFFF),  # INVALID_HANDLE
        (both, True, 0, 0x00ABD),  # PASID_MISMATCH
        (both, True, 0, None),  # PASID_MISMATCH (no PASID)
    ]
    for ctrl, ims, handle, pasid in cases:
        await env.write(CTRL, ctrl)
        await env.event(ims, handle, pasid)
        await read_err(env)
        await env.write(ERR_STATUS, ERR_VALID)
    # latch, then overflow (IMS-052) and the W1C rules (IMS-027)
    await env.write(CTRL, 0)
    await env.event(True, 0, 0x12345)  # IMS_DISABLED latched
    await env.event(False, 0, None)  # MSIX_DISABLED -> overflow
    await env.event(False, m, 0x54321)  # INVALID_HANDLE -> overflow
    await read_err(env)
    await env.write(ERR_STATUS, 0)  # 0s clear nothing
    await env.write(ERR_STATUS, ERR_VALID | ERR_OVERFLOW, 0x2)  # strobe misses byte 0
    await read_err(env)
    await env.write(ERR_STATUS, ERR_VALID | 0xFF00)  # VALID and CODE clear, OVERFLOW stays
    await read_err(env)
    await env.write(CTRL, both)
    await env.event(True, n, None)  # INVALID_HANDLE: new latch, OVERFLOW still 1
    await read_err(env)
    await env.event(True, 0xFFFF, 0xFFFFF)  # overflow again
    await env.write(ERR_STATUS, ERR_OVERFLOW)
    await read_err(env)
    await env.write(ERR_STATUS, ERR_VALID)
    await read_err(env)
    # MSG_WRITE_FAILED (IMS-053): SLVERR and DECERR B responses on ordinary messages
    await program(env, False, m - 1, mask=False)
    await env.settle()
    env.sink.inject(["SLVERR", "DECERR"])
    await env.event(False, m - 1)
    await env.event(True, 0, 0x00ABC)
    await env.settle()
    await read_err(env)
    await env.write(ERR_STATUS, ERR_VALID | ERR_OVERFLOW)
    await read_err(env)
    await read_regs(env)
    st = env.model.stats
    for code in ("ims_disabled", "msix_disabled", "invalid_handle", "pasid_mismatch"):
        assert st[f"error_{code}"] >= 1, code
    assert st["error_msg_write_failed"] == 2
    await env.finish()


@cocotb.test(timeout_time=T_SHORT, timeout_unit="us")
async def error_interrupt(dut: object) -> None:
    """IMS-060..063: a latched error with ERR_INT_ENABLE raises MSI-X vector 0 right after it;
    overflow raises nothing; a masked vector 0 pends; MSIX_ENABLE = 0 drops the raise silently;
    a failed B of a raise message is not logged, but a failed vector-0 message sent later by
    unmask is (IMS-062)."""
    env = ImsEnv(dut)
    await env.start()
    n = env.n
    await program(env, False, 0, mask=False)
    await env.write(CTRL, CTRL_MSIX_ENABLE | CTRL_IMS_ENABLE | CTRL_ERR_INT_ENABLE)
    await env.event(True, n)  # INVALID_HANDLE latched -> raise message
    await env.event(True, n)  # overflow: no raise
    await read_err(env)
    await env.write(ERR_STATUS, ERR_VALID | ERR_OVERFLOW)
    # a failed raise message is not logged (IMS-062)
    await env.settle()
    env.sink.inject(["SLVERR"])
    await env.event(True, n)  # latch -> raise -> SLVERR (ignored)
    await env.settle()
    await read_err(env)
    await env.write(ERR_STATUS, ERR_VALID)
    # vector 0 masked: the raise sets pending bit 0 (IMS-061)
    await set_mask(env, False, 0, True)
    await env.event(True, n)
    await read_pba(env, False)
    await env.write(ERR_STATUS, ERR_VALID)
    # unmask sends an ordinary vector-0 message; its failure is logged (IMS-062) and raises again
    await env.settle()
    env.sink.inject(["DECERR"])
    await set_mask(env, False, 0, False)
    await env.settle()
    await read_err(env)
    await read_pba(env, False)
    await env.write(ERR_STATUS, ERR_VALID)
    # MSIX_ENABLE = 0: the raise is dropped silently (no error, no pending bit)
    await env.write(CTRL, CTRL_IMS_ENABLE | CTRL_ERR_INT_ENABLE)
    await env.event(True, n)
    await read_pba(env, False)
    await read_err(env)
    await env.settle()
    await read_regs(env)
    st = env.model.stats
    assert st["raise_messages"] >= 3 and st["raise_pended"] == 1 and st["raise_dropped"] == 1
    assert st["b_errors_ignored"] == 1 and st["error_msg_write_failed"] == 1
    await env.finish()


@cocotb.test(timeout_time=T_SHORT, timeout_unit="us")
async def b_error_injection(dut: object) -> None:
    """IMS-053, IMS-073, IMS-083: random SLVERR/DECERR B responses on a stream of messages from
    both tables; each one is logged as MSG_WRITE_FAILED with the message's entry and table,
    interleaved with reads and W1C of ERR_STATUS."""
    rng = random.Random()

    def decide(_: SinkWrite) -> str:
        return rng.choice(("OKAY", "OKAY", "SLVERR", "DECERR"))

    env = ImsEnv(dut, sink=AxilSinkConfig(resp=decide, b_delay=Delay(0, 4)))
    await env.start()
    rng.seed(env.rng.getrandbits(64))
    chosen = {False: picks(env.m, env.rng, 2), True: picks(env.n, env.rng, 2)}
    for ims, idx in chosen.items():
        for i in idx:
            await program(env, ims, i, mask=False)
    await env.write(CTRL, CTRL_MSIX_ENABLE | CTRL_IMS_ENABLE)
    for _ in range(8):
        evts: list[tuple[bool, int, int | None]] = []
        for _ in range(6):
            ims = env.rng.random() < 0.5
            evts.append((ims, env.rng.choice(chosen[ims]), None))
        await events(env, evts)
        await env.settle()
        await read_err(env)
        await env.write(ERR_STATUS, ERR_VALID | ERR_OVERFLOW)
    await env.read(MSG_COUNT)
    assert env.model.stats["error_msg_write_failed"] >= 1
    await env.finish()


@cocotb.test(timeout_time=T_SHORT, timeout_unit="us")
async def back_to_back_events(dut: object) -> None:
    """IMS-044, IMS-071, IMS-073: back-to-back events (no gaps) to unmasked and masked
    entries of both tables, always-ready master port; every message in order. The message rate
    (IMS-090) is only logged here; `make bench` measures it (the rule is waived in the plan)."""
    env = ImsEnv(dut, evt=EvtSourceConfig(gap=Delay(0, 0)))
    await env.start()
    chosen = {False: picks(env.m, env.rng, 4), True: picks(env.n, env.rng, 6)}
    masked = {(ims, idx[-1]) for ims, idx in chosen.items() if len(idx) > 1}
    for ims, idx in chosen.items():
        for i in idx:
            await program(env, ims, i, mask=(ims, i) in masked)
    await env.write(CTRL, CTRL_MSIX_ENABLE | CTRL_IMS_ENABLE)
    evts: list[tuple[bool, int, int | None]] = []
    for _ in range(200):
        ims = env.rng.random() < 0.6
        evts.append((ims, env.rng.choice(chosen[ims]), None))
    await events(env, evts)
    await env.settle()
    await env.read(MSG_COUNT)
    await read_pba(env)
    ev = env.monitor.counts["events"]
    env.log.info("events %d, messages %d, edges %d", ev, env.monitor.counts["messages"],
                 env.sampler.edge)  # fmt: skip
    assert model_stat(env, "event_sent") >= 100
    await env.finish()


@cocotb.test(timeout_time=T_LONG, timeout_unit="us")
async def sink_backpressure(dut: object) -> None:
    """IMS-071..073, IMS-084: slow and random AWREADY/WREADY, late B responses and few writes in
    flight on the master port, random timing on the slave port, MSG_COUNT read while messages
    are in flight: nothing lost, duplicated or reordered."""
    env = ImsEnv(
        dut,
        master=random_master(),
        evt=EvtSourceConfig(gap=Delay(0, 4, 0.5)),
        sink=AxilSinkConfig(
            awready_prob=0.2, wready_prob=0.3, b_delay=Delay(0, 12), max_inflight=3
        ),
    )
    await env.start()
    chosen = {False: picks(env.m, env.rng, 3), True: picks(env.n, env.rng, 3)}
    for ims, idx in chosen.items():
        for i in idx:
            await program(env, ims, i, mask=False)
    await env.write(CTRL, CTRL_MSIX_ENABLE | CTRL_IMS_ENABLE)
    for _ in range(120):
        ims = env.rng.random() < 0.5
        env.evt.send_nowait(ims, env.rng.choice(chosen[ims]), None)
    while not env.evt.idle:
        await env.read(MSG_COUNT)  # IMS-084 while messages are in flight
    await env.settle()
    await env.read(MSG_COUNT)
    assert model_stat(env, "event_sent") == 120
    await env.finish()


@cocotb.test(timeout_time=T_LONG, timeout_unit="us")
async def concurrent_steps(dut: object) -> None:
    """IMS-080..085, IMS-063, IMS-082: register writes (mask toggles, data changes, CTRL opening
    and closing tables, W1C), reads (PBA, MSG_COUNT, ERR_*), events (valid and invalid handles,
    PASIDs) and B errors all racing with random timing on every port; the scoreboard replays them
    in edge order, so every observed/not-observed write and every flush is checked."""
    brng = random.Random()

    def decide(_: SinkWrite) -> str:
        return "SLVERR" if brng.random() < 0.1 else "OKAY"

    env = ImsEnv(
        dut,
        master=random_master(),
        evt=EvtSourceConfig(gap=Delay(0, 3, 0.5)),
        sink=AxilSinkConfig(awready_prob=0.6, wready_prob=0.6, b_delay=Delay(0, 6), resp=decide),
    )
    await env.start()
    rng = env.rng
    brng.seed(rng.getrandbits(64))
    chosen = {False: picks(env.m, rng, 2), True: picks(env.n, rng, 2)}
    for ims, idx in chosen.items():
        for i in idx:
            await program(env, ims, i, mask=rng.random() < 0.3)
    await env.write(CTRL, CTRL_MSIX_ENABLE | CTRL_IMS_ENABLE | CTRL_ERR_INT_ENABLE)
    pasid = 0x00123
    await program(env, True, chosen[True][-1], mask=False, pasid_en=True, pasid=pasid)

    async def writer() -> None:
        for _ in range(150):
            r = rng.random()
            ims = rng.random() < 0.5
            i = rng.choice(chosen[ims])
            if r < 0.45:
                extra = PASID_EN | pasid << PASID_LSB if ims and i == chosen[True][-1] else 0
                op = env.master.write_nowait(entry_base(ims, i) + VCTRL, rng.randrange(2) | extra)
            elif r < 0.6:
                op = env.master.write_nowait(entry_base(ims, i) + DATA, rng.getrandbits(32))
            elif r < 0.8:
                ctrl = CTRL_ERR_INT_ENABLE | CTRL_IMS_ENABLE * (rng.random() < 0.8)
                ctrl |= CTRL_MSIX_ENABLE * (rng.random() < 0.8)
                ctrl |= CTRL_MSIX_FUNC_MASK * (rng.random() < 0.3)
                op = env.master.write_nowait(CTRL, ctrl)
            else:
                op = env.master.write_nowait(ERR_STATUS, rng.choice((1, 2, 3)))
            if rng.random() < 0.5:
                await op.done.wait()

    async def reader() -> None:
        regs = [MSG_COUNT, ERR_STATUS, ERR_INFO, ERR_COUNT, MSIX_PBA, IMS_PBA, CTRL]
        for _ in range(120):
            await env.read(rng.choice(regs))

    for _ in range(250):
        ims = rng.random() < 0.5
        r = rng.random()
        h = rng.choice(chosen[ims]) if r < 0.9 else rng.choice((env.n if ims else env.m, 0xFFFF))
        env.evt.send_nowait(ims, h, rng.choice((None, pasid, pasid ^ 1)))
    tasks = [cocotb.start_soon(writer()), cocotb.start_soon(reader())]
    for t in tasks:
        await t
    await env.settle()
    await env.write(CTRL, CTRL_MSIX_ENABLE | CTRL_IMS_ENABLE)
    await read_pba(env)
    await read_regs(env)
    st = env.model.stats
    env.log.info("model stats: %s", {k: v for k, v in st.items() if v})
    assert st["event_sent"] > 0 and st["pended"] > 0 and st["errors"] > 0
    await env.finish()


@cocotb.test(timeout_time=T_SHORT, timeout_unit="us")
async def stray_b_ignored(dut: object) -> None:
    """IMS-074: B responses (OKAY, SLVERR, DECERR) that arrive with no message write in flight
    are accepted and dropped: no error is logged, and later messages still match their own B."""
    env = ImsEnv(dut)
    await env.start()
    await program(env, False, 0, mask=False)
    await env.write(CTRL, CTRL_MSIX_ENABLE | CTRL_ERR_INT_ENABLE)
    env.sink.inject_stray_b(["SLVERR", "OKAY", "DECERR"])
    await env.settle()
    await read_err(env)
    env.sink.inject(["SLVERR"])  # the next message's own B fails: logged (IMS-053) and raises
    await env.event(False, 0)
    await env.settle()
    env.sink.inject_stray_b(["DECERR"])
    await env.settle()
    await read_err(env)
    await env.read(MSG_COUNT)
    assert env.sink.strays_sent == 4 and env.monitor.counts["msg_b_ignored"] == 4
    assert env.model.stats["error_msg_write_failed"] == 1
    await env.finish()


# ---------------------------------------------------------------------- owner isolation
def _owner(pasid: int, mask: bool = True, pasid_en: bool = True) -> int:
    """An IMS control word: MASK, PASID_EN, PASID."""
    return int(mask) | (PASID_EN if pasid_en else 0) | pasid << PASID_LSB


@cocotb.test(timeout_time=T_SHORT, timeout_unit="us")
async def owner_change_clears_pending(dut: object) -> None:
    """IMS-038, IMS-030, IMS-031: a pending IMS entry whose control word gets a new PASID value, or
    a new PASID_EN, loses its pending bit and sends nothing (also when the same write clears
    MASK); rewriting the same owner keeps it pending; the entries are then unmasked and only the
    kept one sends."""
    env = ImsEnv(dut)
    await env.start()
    n = env.n
    pasid = env.rng.getrandbits(19) | 1
    # (entry, new control word): PASID value, PASID_EN, same owner, PASID + unmask in one write,
    # PASID byte 3 only (partial strobe)
    cases = [
        (_owner(pasid ^ 0x10), 0xF),
        (_owner(pasid, pasid_en=False), 0xF),
        (_owner(pasid), 0xF),
        (_owner(pasid ^ 0x40000, mask=False), 0xF),
        (_owner(pasid ^ 0x40000), 0x8),
    ]
    await env.write(CTRL, CTRL_IMS_ENABLE)
    for k, (value, strb) in enumerate(cases):
        i = (n - 1 - k) % n  # distinct entries where the table has them (1x1: all entry 0)
        await program(env, True, i, mask=True, pasid_en=True, pasid=pasid)
        await env.event(True, i, pasid)  # masked: pending
        await read_pba(env, True)
        await env.write(entry_base(True, i) + VCTRL, value, strb)
        await read_pba(env, True)
        await env.read(entry_base(True, i) + VCTRL)
        await set_mask(env, True, i, False, PASID_EN | pasid << PASID_LSB)  # unmask
    await env.settle()
    await read_pba(env, True)
    assert model_stat(env, "owner_cleared") >= 1
    if n >= len(cases):
        assert model_stat(env, "owner_cleared") == 4
        assert model_stat(env, "unmask_messages") == 1
    await env.finish()


@cocotb.test(timeout_time=T_LONG, timeout_unit="us")
async def release_held_by_backpressure(dut: object) -> None:
    """IMS-039, IMS-107, IMS-087, IMS-108: HANDLE_RELEASE of an entry whose messages are still
    held back by a slow sink (late AWREADY and B): its B waits for them (exact edge checked by
    the scoreboard, the window by the contract checker); meanwhile reads go on. Then the
    reassignment sequence: new owner with MASK = 1, release, new address/data and unmask; a late
    event of the old owner is PASID_MISMATCH, the new owner's event is sent."""
    env = ImsEnv(
        dut,
        sink=AxilSinkConfig(awready_prob=0.3, wready_prob=0.5, b_delay=Delay(20, 40)),
    )
    await env.start()
    n, m = env.n, env.m
    a = n - 1
    old, new = 0x111, 0x222
    await env.write(CTRL, CTRL_MSIX_ENABLE | CTRL_IMS_ENABLE)
    await program(env, True, a, mask=False, pasid_en=True, pasid=old)
    await program(env, False, m - 1, mask=False)
    for _ in range(3):
        await env.event(True, a, old)
        await env.event(False, m - 1, None)
    # (1) the new owner, masked; (2) the release, while the messages are in flight
    await env.write(entry_base(True, a) + VCTRL, _owner(new))
    rel = env.master.write_nowait(HANDLE_RELEASE, RELEASE_IMS | a)
    for _ in range(4):
        await env.read(IMS_PBA)  # reads are taken while the B is held
    await rel.done.wait()
    await env.read(ID)  # one more step: the scoreboard has replayed the release
    held = env.scoreboard.model.last_release
    # (3) new address and data, then unmask; the old owner's late event fails the PASID check
    await program(env, True, a, mask=False, pasid_en=True, pasid=new, data=0x5A0F0F0F)
    await env.event(True, a, old)
    await env.event(True, a, new)
    await read_err(env)
    # a release of an MSI-X entry while its messages are in flight
    await env.event(False, m - 1, None)
    await env.write(HANDLE_RELEASE, m - 1)
    await env.settle()
    await read_pba(env)
    assert held is not None and held.all_unanswered >= 1, held
    assert model_stat(env, "releases") == 2
    assert model_stat(env, "error_pasid_mismatch") == 1
    await env.finish()


@cocotb.test(timeout_time=T_SHORT, timeout_unit="us")
async def release_out_of_range_slverr(dut: object) -> None:
    """IMS-028: HANDLE_RELEASE with an index past its table answers SLVERR, changes nothing and
    logs no error; it reads 0; the same indices in range are OKAY."""
    env = ImsEnv(dut)
    await env.start()
    n, m = env.n, env.m
    await env.write(CTRL, CTRL_MSIX_ENABLE | CTRL_IMS_ENABLE)
    await env.event(True, n - 1)  # masked at reset: pending
    await env.event(False, m - 1)
    for value in (RELEASE_IMS | n, m, RELEASE_IMS | 0xFFFF, 0xFFFF, RELEASE_IMS | 0x800, 0x100):
        await env.write(HANDLE_RELEASE, value)
    await read_pba(env)
    await read_regs(env)  # ERR_* unchanged, HANDLE_RELEASE reads 0
    await env.write(HANDLE_RELEASE, RELEASE_IMS | (n - 1))
    await env.write(HANDLE_RELEASE, 0xFFFE0000 | (m - 1))  # [31:17] ignored: MSI-X m-1
    await read_pba(env)
    assert model_stat(env, "slverr") >= 4
    assert model_stat(env, "releases") == 2
    await env.finish()


@cocotb.test(timeout_time=T_SHORT, timeout_unit="us")
async def release_partial_strobes(dut: object) -> None:
    """IMS-028, IMS-023: HANDLE_RELEASE with partial WSTRB uses the written bytes and takes the
    unwritten ones as 0 (index bytes, the ims byte); WSTRB = 0 changes nothing."""
    env = ImsEnv(dut)
    await env.start()
    n, m = env.n, env.m
    await env.write(CTRL, CTRL_MSIX_ENABLE | CTRL_IMS_ENABLE)
    big = n - 1  # IMS entry whose index has a high byte when n > 256
    value = RELEASE_IMS | big
    for strb in (0x0, 0x1, 0x2, 0x3, 0x4, 0x5, 0x6, 0x7, 0x8, 0xF):
        hit = [(True, big), (True, big & 0xFF), (True, big & 0xFF00)]
        hit += [(False, big & 0xFF), (False, big & 0xFF00), (False, 0)]
        for ims, i in hit:
            if i < (n if ims else m):
                await env.event(ims, i)  # masked: pending
        await env.write(HANDLE_RELEASE, value, strb)
        await read_pba(env)
    assert model_stat(env, "releases") >= 4
    await env.finish()


@cocotb.test(timeout_time=T_SHORT, timeout_unit="us")
async def release_msix_entry(dut: object) -> None:
    """IMS-039: HANDLE_RELEASE of an MSI-X entry clears its pending bit and sets its vector
    control MASK (address and data kept); an unmasked one is masked again; unmasking it later
    sends nothing for the dropped interrupt."""
    env = ImsEnv(dut)
    await env.start()
    m = env.m
    i = m - 1
    await program(env, False, i, mask=True)
    await env.write(CTRL, CTRL_MSIX_ENABLE)
    await env.event(False, i)  # pending
    await read_pba(env, False)
    await env.write(HANDLE_RELEASE, i)
    await read_pba(env, False)
    for w in WORDS:
        await env.read(entry_base(False, i) + w)
    await set_mask(env, False, i, False)  # nothing pending: nothing sent
    await env.event(False, i)  # sent
    await env.write(HANDLE_RELEASE, i)  # masks it again
    await env.read(entry_base(False, i) + VCTRL)
    await env.event(False, i)  # pending
    await read_pba(env, False)
    await env.settle()
    assert model_stat(env, "releases") == 2
    assert model_stat(env, "event_sent") == 1
    assert model_stat(env, "pended") == 2
    await env.finish()
