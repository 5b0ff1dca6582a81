"""The plain-cocotb layer of the directed tests (`tb/test_smoke.py`, `tb/test_robust_*.py`):
`ImsEnv` (the shared `DutHarness` plus the reference model and the scoreboard) and the helpers
those tests program and read the DUT with.

Usage in a cocotb test::

    env = ImsEnv(dut)            # optional BFM configs
    await env.start()            # clock (10 ns), reset, parameters
    await env.write(CTRL, CTRL_MSIX_ENABLE)
    await env.event(False, 0)
    await env.finish()           # settle, scoreboard and monitor end-of-test checks

Every response, read value and message is checked by the scoreboard against `ImsModel` replayed
in edge order; tests assert only bookkeeping (that a scenario happened) and timing rules.
"""

from __future__ import annotations

import random
from collections.abc import Callable
from typing import Any

from imsmodel import ImsModel
from imsmodel import regmap as rm
from imstb.bfm.axil_master import AxilMasterConfig
from imstb.bfm.axil_sink import AxilSinkConfig
from imstb.bfm.common import Delay, ProtocolError
from imstb.bfm.evt_source import EvtSourceConfig
from imstb.harness import SETTLE_QUIET, BfmConfigs, DutHarness
from imstb.reg_offsets import (
    ADDR_HI,
    ADDR_LO,
    DATA,
    ERR_COUNT,
    ERR_INFO,
    ERR_PASID,
    ERR_STATUS,
    IMS_PBA,
    IMS_TABLE,
    MSIX_PBA,
    MSIX_TABLE,
    PASID_EN,
    PASID_LSB,
    REGISTERS,
    VCTRL,
    WORDS,
    entry_base,
)
from imstb.scoreboard import ImsScoreboard

__all__ = [
    "ImsEnv",
    "events",
    "model_stat",
    "msg_addr",
    "msg_data",
    "picks",
    "program",
    "random_master",
    "read_err",
    "read_pba",
    "read_regs",
    "set_mask",
    "unmapped_offsets",
]


class ImsEnv(DutHarness):
    """Everything a directed test needs around one `ims_ctrl` instance."""

    def __init__(
        self,
        dut: Any,
        *,
        master: AxilMasterConfig | None = None,
        evt: EvtSourceConfig | None = None,
        sink: AxilSinkConfig | None = None,
        strict: bool = True,
        model_factory: Callable[[int, int], ImsModel] | None = None,
    ) -> None:
        """`model_factory(n, m)` builds the reference model the scoreboard replays into (default
        `ImsModel(n, m, auto_complete=False)`), e.g. a subclass that records every step."""
        cfg = BfmConfigs()
        cfg.master = master if master is not None else cfg.master
        cfg.evt = evt if evt is not None else cfg.evt
        cfg.sink = sink if sink is not None else cfg.sink
        super().__init__(dut, None, cfg, strict=strict)
        self.strict = strict
        make = model_factory
        self.model: ImsModel = make(self.n, self.m) if make else ImsModel(self.n, self.m, False)
        self.scoreboard = ImsScoreboard(
            self.model,
            strict=strict,
            profile=self.profile,
            ready_count=lambda: self.monitor.m_ready_edges,
        )
        self.monitor.add_listener(self.scoreboard)

    # ------------------------------------------------------------------ traffic
    async def write(self, addr: int, data: int, strb: int = 0xF) -> str:
        return await self.master.write(addr, data, strb)

    async def read(self, addr: int) -> tuple[int, str]:
        return await self.master.read(addr)

    async def event(self, ims: bool, handle: int, pasid: int | None = None) -> int:
        return await self.evt.send(ims, handle, pasid)

    async def settle(  # type: ignore[override]  # the scoreboard is this env's own
        self, quiet: int = SETTLE_QUIET, tail: int = 16
    ) -> None:
        """`DutHarness.settle` with this env's scoreboard: fails after `quiet` idle cycles."""
        await super().settle(self.scoreboard, quiet, tail)

    async def finish(self) -> None:
        """End of test: drain all traffic, then the scoreboard's and monitors' final checks."""
        await self.settle()
        self.scoreboard.check_done()
        if self.monitor.errors:
            raise ProtocolError("\n".join(self.monitor.errors))
        self.scoreboard.raise_if_errors()
        self.log.info(
            "done at edge %d: monitor %s, scoreboard %s",
            self.sampler.edge,
            self.monitor.counts,
            dict(self.scoreboard.stats),
        )


# ---------------------------------------------------------------------- helpers of the tests
def msg_addr(ims: bool, i: int) -> int:
    """A unique x86-style message address per entry (docs/spec.md section 10); some IMS entries
    get a non-zero addr_hi so that all 64 AWADDR bits are exercised."""
    lo = 0xFEE00000 | (i & 0xFF) << 12 | ((i >> 8) & 7) << 4 | (int(ims) << 3)
    hi = (0x10 + (i & 7)) if ims and i % 2 else 0
    return hi << 32 | lo


def msg_data(ims: bool, i: int) -> int:
    return 0x5A000000 | int(ims) << 20 | i


def picks(size: int, rng: random.Random, extra: int = 2) -> list[int]:
    """A few entries of a table of `size`: first, second, middle, last and `extra` random ones."""
    s = {0, min(1, size - 1), size // 2, size - 1}
    s |= {rng.randrange(size) for _ in range(extra)}
    return sorted(s)


async def program(
    env: ImsEnv,
    ims: bool,
    i: int,
    *,
    mask: bool = True,
    pasid_en: bool = False,
    pasid: int = 0,
    addr: int | None = None,
    data: int | None = None,
) -> None:
    """Write all four words of one entry (control word last)."""
    b = entry_base(ims, i)
    a = msg_addr(ims, i) if addr is None else addr
    env.master.write_nowait(b + ADDR_LO, a & 0xFFFFFFFF)
    env.master.write_nowait(b + ADDR_HI, a >> 32)
    env.master.write_nowait(b + DATA, msg_data(ims, i) if data is None else data)
    ctrl = int(mask) | (PASID_EN if pasid_en else 0) | (pasid & rm.PASID_MAX) << PASID_LSB
    await env.write(b + VCTRL, ctrl)


async def set_mask(env: ImsEnv, ims: bool, i: int, mask: bool, extra: int = 0) -> None:
    await env.write(entry_base(ims, i) + VCTRL, int(mask) | extra)


async def read_regs(env: ImsEnv) -> None:
    """Read every register (values are checked by the scoreboard)."""
    for off in REGISTERS:
        env.master.read_nowait(off)
    await env.master.drain()


async def read_err(env: ImsEnv) -> None:
    for off in (ERR_STATUS, ERR_INFO, ERR_PASID, ERR_COUNT):
        env.master.read_nowait(off)
    await env.master.drain()


async def read_pba(env: ImsEnv, ims: bool | None = None) -> None:
    """Read every mapped PBA word of one table (or both)."""
    tables = (False, True) if ims is None else (ims,)
    for t in tables:
        base, size = (IMS_PBA, env.n) if t else (MSIX_PBA, env.m)
        for q in range(rm.pba_qwords(size)):
            env.master.read_nowait(base + 8 * q)
            env.master.read_nowait(base + 8 * q + 4)
    await env.master.drain()


async def events(env: ImsEnv, evts: list[tuple[bool, int, int | None]]) -> None:
    for ims, h, pasid in evts:
        env.evt.send_nowait(ims, h, pasid)
    await env.evt.drain()


def model_stat(env: ImsEnv, key: str) -> int:
    """A statistic of the model: the exact replay's for a DUT claiming the ims_ctrl profile,
    else that of one linearization the contract checker still holds (the exact replay's order
    need not be the DUT's)."""
    return env.scoreboard.stats_model().stats[key]


def random_master() -> AxilMasterConfig:
    return AxilMasterConfig(
        aw_delay=Delay(0, 3, 0.5),
        w_delay=Delay(0, 3, 0.5),
        ar_delay=Delay(0, 2, 0.5),
        order="random",
        bready_prob=0.6,
        rready_prob=0.6,
    )


def unmapped_offsets(n: int, m: int) -> list[int]:
    """Holes of IMS-025 for these parameters: edges of every hole plus a point inside."""
    offs = [0x000C, 0x0024, 0x0028, 0x0800, 0x0FFC, 0x4000, 0x5A5C, 0x7FFC]
    e = rm.ENTRY_BYTES
    if e * m < rm.REGION_SIZE["MSIX_TABLE"]:
        offs += [MSIX_TABLE + e * m + w for w in WORDS] + [MSIX_PBA - 4]
    gm, gn = rm.pba_qwords(m), rm.pba_qwords(n)
    if 8 * gm < rm.REGION_SIZE["MSIX_PBA"]:
        offs += [MSIX_PBA + 8 * gm, MSIX_PBA + 8 * gm + 4, IMS_PBA - 4]
    if 8 * gn < rm.REGION_SIZE["IMS_PBA"]:
        offs += [IMS_PBA + 8 * gn, IMS_PBA + 8 * gn + 4, IMS_PBA + rm.REGION_SIZE["IMS_PBA"] - 4]
    if e * n < rm.REGION_SIZE["IMS_TABLE"]:
        offs += [IMS_TABLE + e * n + w for w in WORDS] + [rm.ADDR_SPACE - 4]
    return offs
