"""pyuvm tests of `ims_ctrl`; the class names are the test names of docs/testplan.hjson.

Run one test by name and seed (waveforms: add --waves):

    ims run --sim icarus --config 64x9 --module test_ims --testcase ims_smoke_test --seed 1

Every test has a simulation-time timeout (pyuvm.test -> cocotb) that scales with the table sizes
of the configuration (IMS_ENTRIES/MSIX_ENTRIES, set by the runner); `ims_random_test`'s length
is $IMS_RANDOM_ITEMS (default 300). The checks are the scoreboard's (every response, read value
and message against the model) and the sequences' scenario checks; see tb/imstb/uvm/.
"""

from __future__ import annotations

import os
import random

import pyuvm

from imstb.bfm.axil_master import AxilMasterConfig
from imstb.bfm.axil_sink import AxilSinkConfig
from imstb.bfm.common import Delay
from imstb.bfm.evt_source import EvtSourceConfig
from imstb.harness import BfmConfigs
from imstb.uvm.base_test import ImsBaseTest
from imstb.uvm.sequences.base import ImsSeq
from imstb.uvm.sequences.driver_patterns import DriverPatternsSeq
from imstb.uvm.sequences.error_seqs import BerrSeq, ErrIrqSeq, ErrorSeq
from imstb.uvm.sequences.masking import FlushSeq, FuncMaskSeq, MaskPendingSeq, MaskRaceSeq
from imstb.uvm.sequences.pasid import PasidSeq
from imstb.uvm.sequences.platform_seqs import (
    BareMetalVseq,
    GuestFallbackVseq,
    UserPasidVseq,
)
from imstb.uvm.sequences.programming import EventStormSeq, ProgramPairsSeq
from imstb.uvm.sequences.random_mix import RandomMixSeq, random_items
from imstb.uvm.sequences.reg_seqs import RegResetSeq, RegRwSeq, UnmappedSeq
from imstb.uvm.sequences.rule_inputs import EventClassSeq, OpenBothSeq, StrobeSeq
from imstb.uvm.sequences.timing import BackpressureSeq, RaceSeq

_N = int(os.environ.get("IMS_ENTRIES", 64))
_M = int(os.environ.get("MSIX_ENTRIES", 9))
_SCALE = 1 + (_N + 4 * _M) // 256  # big tables: more to read, program and flush


def _us(base: int) -> int:
    """Timeout (us of simulated time) of a test that needs about base/4 us at 64/9."""
    return base * _SCALE


# ---------------------------------------------------------------------- V1
@pyuvm.test(timeout_time=_us(200), timeout_unit="us")
class ims_smoke_test(ImsBaseTest):
    """One MSI-X and one IMS entry programmed, both tables enabled, one event each (IMS-044,
    IMS-070, IMS-011)."""

    async def body(self) -> None:
        s = ImsSeq("smoke", self.ctx)
        await s.program(False, 0)
        await s.program(True, 0)
        await s.mask(False, 0, False)
        await s.mask(True, 0, False)
        await s.enable(msix=True, ims=True)
        await s.event(False, 0)
        await s.event(True, 0)
        await s.quiesce()
        s.expect(self.ctx.model.stats["event_sent"] == 2, "two messages expected")


@pyuvm.test(timeout_time=_us(400), timeout_unit="us")
class ims_reg_reset_test(ImsBaseTest):
    """Every register, table word and PBA word after reset (IMS-010, IMS-020, IMS-021)."""

    async def body(self) -> None:
        await RegResetSeq("reset_values", self.ctx).run()


@pyuvm.test(timeout_time=_us(600), timeout_unit="us")
class ims_reg_rw_test(ImsBaseTest):
    """Register semantics and the slave-port protocol: reserved bits, WSTRB, RO, W1C, AxPROT,
    unmapped offsets, AW/W orders, delays, BREADY/RREADY backpressure, interleaving
    (IMS-012..014, IMS-022..025, IMS-027)."""

    def bfm_configs(self, rng: random.Random) -> BfmConfigs:
        cfg = super().bfm_configs(rng)
        cfg.master = AxilMasterConfig(
            aw_delay=Delay(0, 4, zero_prob=0.3), w_delay=Delay(0, 4, zero_prob=0.3),
            ar_delay=Delay(0, 3, zero_prob=0.3), order="random", bready_prob=0.5,
            rready_prob=0.5, max_writes=4, max_reads=4,
        )  # fmt: skip
        return cfg

    async def body(self) -> None:
        await RegRwSeq("reg_rw", self.ctx).run()
        await UnmappedSeq("unmapped", self.ctx).run()


@pyuvm.test(timeout_time=_us(400), timeout_unit="us")
class ims_table_prog_test(ImsBaseTest):
    """Pairs from the platform model into both tables, read back and used (IMS-044, IMS-070,
    IMS-022)."""

    async def body(self) -> None:
        await ProgramPairsSeq("program_pairs", self.ctx, per_table=16).run()


@pyuvm.test(timeout_time=_us(400), timeout_unit="us")
class ims_mask_pending_test(ImsBaseTest):
    """Pending bits, one bit for many events, unmask sends once with the current pair
    (IMS-030, IMS-031, IMS-034, IMS-036, IMS-043)."""

    async def body(self) -> None:
        await MaskPendingSeq("mask_pending", self.ctx).run()
        await MaskRaceSeq("mask_race", self.ctx).run()


@pyuvm.test(timeout_time=_us(800), timeout_unit="us")
class ims_flush_test(ImsBaseTest):
    """Flushes on enable, function-mask clear and both tables at once; closed tables send
    nothing (IMS-032, IMS-033, IMS-035, IMS-085)."""

    async def body(self) -> None:
        await FlushSeq("flush", self.ctx).run()
        await FuncMaskSeq("func_mask", self.ctx).run()


@pyuvm.test(timeout_time=_us(400), timeout_unit="us")
class ims_pasid_test(ImsBaseTest):
    """PASID_EN with matching, mismatching and absent PASIDs (IMS-040, IMS-042, IMS-045)."""

    async def body(self) -> None:
        await PasidSeq("pasid", self.ctx).run()


@pyuvm.test(timeout_time=_us(400), timeout_unit="us")
class ims_error_test(ImsBaseTest):
    """Every error code, latch, overflow, W1C, ERR_COUNT, check order (IMS-040..042,
    IMS-050..052, IMS-054)."""

    async def body(self) -> None:
        await ErrorSeq("errors", self.ctx).run()


@pyuvm.test(timeout_time=_us(400), timeout_unit="us")
class ims_err_irq_test(ImsBaseTest):
    """The error interrupt: sent, pending, dropped; raise failures not logged (IMS-060..063)."""

    async def body(self) -> None:
        await ErrIrqSeq("err_irq", self.ctx).run()


@pyuvm.test(timeout_time=_us(400), timeout_unit="us")
class ims_berr_test(ImsBaseTest):
    """SLVERR/DECERR on messages: MSG_WRITE_FAILED with the entry (IMS-053, IMS-062, IMS-073)."""

    async def body(self) -> None:
        await BerrSeq("berr", self.ctx).run()


@pyuvm.test(timeout_time=_us(1000), timeout_unit="us")
class ims_backpressure_test(ImsBaseTest):
    """Every sink READY level x B delay, bursts, MSG_COUNT racing acceptance, register-port
    backpressure (IMS-071..073, IMS-084, IMS-090, IMS-014)."""

    def bfm_configs(self, rng: random.Random) -> BfmConfigs:
        cfg = super().bfm_configs(rng)
        cfg.master.bready_prob = cfg.master.rready_prob = 0.3
        cfg.evt = EvtSourceConfig(gap=Delay(0, 2, zero_prob=0.7))
        cfg.sink = AxilSinkConfig(awready_prob=1.0, wready_prob=1.0, b_delay=Delay(0, 2))
        return cfg

    async def body(self) -> None:
        await BackpressureSeq("backpressure", self.ctx).run()
        await EventStormSeq("storm", self.ctx, count=80).run()


@pyuvm.test(timeout_time=_us(600), timeout_unit="us")
class ims_race_test(ImsBaseTest):
    """Register writes racing events on the same entry, 0..4 cycles apart, both orders; reads
    racing message acceptance (IMS-080..084)."""

    async def body(self) -> None:
        await RaceSeq("race", self.ctx, rounds=64).run()
        await MaskRaceSeq("mask_race", self.ctx).run()


@pyuvm.test(timeout_time=_us(600), timeout_unit="us")
class ims_driver_patterns_test(ImsBaseTest):
    """Linux driver access patterns: 2021 IMS chip, 2022 idxd chip, MSI-X, slot alloc/free
    (IMS-031, IMS-036, IMS-023)."""

    async def body(self) -> None:
        await DriverPatternsSeq("driver_patterns", self.ctx).run()


@pyuvm.test(timeout_time=_us(600), timeout_unit="us")
class ims_rule_inputs_test(ImsBaseTest):
    """Rule inputs reached on purpose (imstb.stim_classes): every handle class of both tables and
    every PASID class x table and entry state (IMS-040..045); every byte strobe on every entry
    word (IMS-023); one CTRL write opening both tables with pending entries, PBA words past
    bit 31 read while pending (IMS-026, IMS-032, IMS-037)."""

    async def body(self) -> None:
        await EventClassSeq("event_classes", self.ctx).run()
        await StrobeSeq("strobes", self.ctx).run()
        await OpenBothSeq("open_both", self.ctx).run()


# ---------------------------------------------------------------------- platform scenarios
@pyuvm.test(timeout_time=_us(400), timeout_unit="us")
class ims_bare_metal_test(ImsBaseTest):
    """Bare metal on IMS, errors on MSI-X vector 0 (IMS-044, IMS-040, IMS-060)."""

    async def body(self) -> None:
        await BareMetalVseq("bare_metal", self.ctx).run()


@pyuvm.test(timeout_time=_us(400), timeout_unit="us")
class ims_guest_fallback_test(ImsBaseTest):
    """A guest without IMS falls back to MSI-X (IMS-041, IMS-044, IMS-034)."""

    async def body(self) -> None:
        await GuestFallbackVseq("guest_fallback", self.ctx).run()


@pyuvm.test(timeout_time=_us(400), timeout_unit="us")
class ims_user_pasid_test(ImsBaseTest):
    """User-space completion interrupts guarded by PASID (IMS-040, IMS-042, IMS-045)."""

    async def body(self) -> None:
        await UserPasidVseq("user_pasid", self.ctx).run()


# ---------------------------------------------------------------------- V3
@pyuvm.test(timeout_time=_us(100 + 4 * random_items()), timeout_unit="us")
class ims_random_test(ImsBaseTest):
    """Constrained-random mix of everything, checked against the model (IMS-080, IMS-071,
    IMS-030). Length: $IMS_RANDOM_ITEMS."""

    async def body(self) -> None:
        self.logger.info("random test: %d items, seed %d", random_items(), self.seed)
        await RandomMixSeq("random_mix", self.ctx, random_items()).run()
