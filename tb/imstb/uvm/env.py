"""`ImsUvmEnv`: agents, register layer, scoreboard, coverage and platform model around `ims_ctrl`.

Connections (all analysis ports are synchronous, so order is preserved):

    port_mon.ap ─┬─> scoreboard.port_imp          (EdgeTxns: each active edge, DUT order)
                 ├─> reg_agent.monitor ──> predictor, coverage.reg_imp   (completed accesses)
                 ├─> evt_agent.monitor ──> coverage.evt_imp              (accepted events)
                 └─> sink_agent.monitor ─> scoreboard.sink_imp, coverage.sink_imp (messages)
    scoreboard.step_ap ──> coverage.step_imp                             (model step records)
    reg model map ──(AxilRegAdapter)──> reg_agent.seqr

The scoreboard subscribes first, so the model has taken the steps of an edge before the agent
monitors publish that edge. The bench context (`ctx`) is what sequences work through.
"""

from __future__ import annotations

import cocotb
from pyuvm import ConfigDB, uvm_env

from imstb.harness import SETTLE_QUIET, BfmConfigs, DutHarness
from imstb.platform_model import PlatformModel
from imstb.uvm.agents.evt_agent import EvtAgent
from imstb.uvm.agents.reg_agent import RegAgent
from imstb.uvm.agents.sink_agent import SinkAgent
from imstb.uvm.coverage import ImsCoverage
from imstb.uvm.port_monitor import ImsPortMonitor
from imstb.uvm.reg_adapter import AxilRegAdapter
from imstb.uvm.reg_model import ImsRegBlock, get_reg_block
from imstb.uvm.reg_predictor import ImsRegPredictor
from imstb.uvm.scoreboard import ImsScoreboardComp
from imstb.uvm.sequences.base import BenchCtx

__all__ = ["ImsUvmEnv"]


class ImsUvmEnv(uvm_env):
    def build_phase(self) -> None:
        seed: int = ConfigDB().get(self, "", "ims_seed")
        cfgs: BfmConfigs = ConfigDB().get(self, "", "ims_bfm_configs")
        self.harness = DutHarness(cocotb.top, seed, cfgs)
        self.n, self.m = self.harness.n, self.harness.m
        self.platform = PlatformModel(seed)
        ConfigDB().set(self, "*", "ims_harness", self.harness)
        ConfigDB().set(self, "*", "ims_platform", self.platform)
        self.regs: ImsRegBlock = get_reg_block(self.n, self.m)
        self.port_mon = ImsPortMonitor("port_mon", self)
        self.reg_agent = RegAgent("reg_agent", self)
        self.evt_agent = EvtAgent("evt_agent", self)
        self.sink_agent = SinkAgent("sink_agent", self)
        self.scoreboard = ImsScoreboardComp("scoreboard", self)
        self.predictor = ImsRegPredictor("predictor", self)
        self.coverage = ImsCoverage("coverage", self)
        self.adapter = AxilRegAdapter()

    def connect_phase(self) -> None:
        mon = self.harness.monitor
        self.scoreboard.setup(
            self.n,
            self.m,
            self.platform,
            profile=self.harness.profile,
            ready_count=lambda: mon.m_ready_edges,
        )
        self.coverage.setup(self.n, self.m)
        self.predictor.regs = self.regs
        ap = self.port_mon.ap
        ap.connect(self.scoreboard.port_imp)  # first: the model steps before anyone publishes
        ap.connect(self.reg_agent.monitor.port_imp)
        ap.connect(self.evt_agent.monitor.port_imp)
        ap.connect(self.sink_agent.monitor.port_imp)
        self.reg_agent.monitor.ap.connect(self.predictor.analysis_export)
        self.reg_agent.monitor.ap.connect(self.coverage.reg_imp)
        self.evt_agent.monitor.ap.connect(self.coverage.evt_imp)
        self.sink_agent.monitor.ap.connect(self.scoreboard.sink_imp)
        self.sink_agent.monitor.ap.connect(self.coverage.sink_imp)
        self.scoreboard.step_ap.connect(self.coverage.step_imp)
        self.regs.map.set_sequencer(self.reg_agent.seqr, self.adapter)
        self.regs.map.set_auto_predict(False)  # ImsRegPredictor predicts from the monitor
        self.port_mon.attach(self.harness.monitor)

    def end_of_elaboration_phase(self) -> None:
        self.ctx = BenchCtx.create(self)

    # ------------------------------------------------------------------ run-time helpers
    async def bring_up(self) -> None:
        """Clock, reset (and CAP confirmed when the simulator hides the parameters); the
        scoreboard's model was reset by the monitor's reset transaction."""
        await self.harness.start()

    async def settle(self, quiet: int = SETTLE_QUIET, tail: int = 16) -> None:
        """The harness's `settle` with this env's scoreboard; when it gives up, the scoreboard
        component's final check names the missing messages and their rules."""
        sbc = self.scoreboard
        await self.harness.settle(sbc.sb, quiet, tail, final_check=sbc.final_check)
