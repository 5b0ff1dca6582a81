"""`ImsBaseTest`: what every test of `tb/test_ims.py` shares.

* Seeds: the test's random generators derive from cocotb's per-test seed (`cocotb.RANDOM_SEED`,
  itself derived from COCOTB_RANDOM_SEED and the test name), so `--seed S --testcase T` reruns a
  test exactly. Both seeds are logged at the start.
* Run phase: bring-up (clock, reset), the test's `body()`, then the end-of-test protocol: drain,
  read back both PBAs, the error registers and the counters (the scoreboard compares them with
  the model), settle, and the scoreboard's final check (missing or extra messages, responses never
  received, unpaired messages).
* Failures: any exception (scoreboard, protocol checker, sequence check, timeout cancelling the
  test) logs the seed and the one command that reruns the test with waveforms. Any ERROR logged
  by any component during the test (pyuvm register layer included) fails it in `check_phase`.
* Coverage is exported in `report_phase` (only reached when the test passed).
"""

from __future__ import annotations

import logging
import os
import random
from asyncio import CancelledError

import cocotb
from pyuvm import ConfigDB, uvm_test

from imstb.bfm.axil_master import AxilMasterConfig
from imstb.bfm.axil_sink import AxilSinkConfig
from imstb.bfm.common import Delay
from imstb.bfm.evt_source import EvtSourceConfig
from imstb.harness import BfmConfigs, rerun_command
from imstb.uvm.env import ImsUvmEnv
from imstb.uvm.sequences.base import BenchCtx, ImsSeq

__all__ = ["ImsBaseTest"]


class _ErrorLog(logging.Handler):
    """Collects every ERROR (or worse) record logged while a test runs."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.records: list[str] = []
        self.armed = True

    def emit(self, record: logging.LogRecord) -> None:
        if self.armed:
            self.records.append(f"{record.name}: {record.getMessage()}")


class ImsBaseTest(uvm_test):
    """Base of the `ims_*_test` classes: override `body()` (and optionally `bfm_configs`)."""

    def bfm_configs(self, rng: random.Random) -> BfmConfigs:
        """BFM timing of this test: by default a legal but irregular mix (random AW/W order and
        delays, BREADY/RREADY backpressure, random event gaps with bursts, a slightly slow
        sink)."""
        return BfmConfigs(
            master=AxilMasterConfig(
                aw_delay=Delay(0, 2, zero_prob=0.5),
                w_delay=Delay(0, 2, zero_prob=0.5),
                ar_delay=Delay(0, 2, zero_prob=0.5),
                order="random",
                bready_prob=0.8,
                rready_prob=0.8,
            ),
            evt=EvtSourceConfig(gap=Delay(0, 3, zero_prob=0.4)),
            sink=AxilSinkConfig(awready_prob=0.9, wready_prob=0.9, b_delay=Delay(0, 2)),
        )

    # ------------------------------------------------------------------ phases
    def build_phase(self) -> None:
        self.test_name = type(self).__name__
        self.module = type(self).__module__
        self.seed = int(cocotb.RANDOM_SEED)
        self.regression_seed = int(os.environ.get("COCOTB_RANDOM_SEED", self.seed))
        self.rng = random.Random(self.seed)
        self.errors = _ErrorLog()
        logging.getLogger().addHandler(self.errors)
        ConfigDB().set(None, "*", "ims_seed", self.seed)
        ConfigDB().set(None, "*", "ims_bfm_configs", self.bfm_configs(random.Random(self.seed)))
        self.env = ImsUvmEnv("env", self)

    def end_of_elaboration_phase(self) -> None:
        self.ctx: BenchCtx = self.env.ctx
        self.logger.info(
            "%s: IMS_ENTRIES=%d MSIX_ENTRIES=%d, COCOTB_RANDOM_SEED=%d (test seed %d); rerun: %s",
            self.test_name,
            self.env.n,
            self.env.m,
            self.regression_seed,
            self.seed,
            self.rerun,
        )

    @property
    def rerun(self) -> str:
        return rerun_command(
            self.module, self.test_name, self.regression_seed, self.env.n, self.env.m
        )

    async def run_phase(self) -> None:
        self.raise_objection()
        try:
            await self.env.bring_up()
            await self.body()
            await self.finish()
        except BaseException as exc:
            self.report_failure(exc)
            raise
        self.drop_objection()

    async def body(self) -> None:
        raise NotImplementedError

    async def finish(self) -> None:
        """End of test: settle, read back PBAs, error registers and counters, settle, check."""
        await self.env.settle()
        closing = ImsSeq("final_readback", self.ctx)
        await closing.read_pbas()
        await closing.read_errors()
        await self.env.settle()
        self.env.scoreboard.final_check()

    def check_phase(self) -> None:
        try:
            if self.errors.records:
                shown = "\n  ".join(self.errors.records[:10])
                raise AssertionError(
                    f"{len(self.errors.records)} errors were logged during the test:\n  {shown}"
                )
        except BaseException as exc:
            self.report_failure(exc)
            raise

    def report_phase(self) -> None:
        pct = self.env.coverage.close()
        path = self.env.coverage.export(
            self.test_name, self.regression_seed, os.environ.get("IMS_SIM", "sim")
        )
        self.logger.info("coverage %s -> %s", pct, path)
        self.logger.info(
            "%s passed at edge %d: monitor %s", self.test_name, self.env.harness.edge,
            self.env.harness.monitor.counts,
        )  # fmt: skip

    def final_phase(self) -> None:
        logging.getLogger().removeHandler(self.errors)
        self.env.harness.stop()

    def report_failure(self, exc: BaseException) -> None:
        self.errors.armed = False
        if isinstance(exc, CancelledError):
            why = "stopped by an error of a bench component or by the timeout, logged above"
        else:
            why = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        self.logger.error(
            "%s FAILED (%s)\n  seed: COCOTB_RANDOM_SEED=%d (test seed %d)\n"
            "  rerun with waveforms: %s",
            self.test_name,
            why,
            self.regression_seed,
            self.seed,
            self.rerun,
        )
