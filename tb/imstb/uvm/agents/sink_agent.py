"""Message sink agent: the AXI4-Lite slave that answers the DUT's message master (`m_axil_*`).

* `SinkDriver` applies `SinkItem`s to `bfm.axil_sink.AxilSink`: random AWREADY/WREADY levels, B
  delays, in-flight limit, SLVERR/DECERR responses injected for the next messages, and stray B
  responses with no message in flight (IMS-074).
* `SinkMonitor` reports every accepted write (AW and W both done) as a `SinkMsg` on `ap`, in
  message order, decoded by the platform model into the (cpu, vector) it interrupts; B responses
  follow on `b_ap`.
"""

from __future__ import annotations

from dataclasses import dataclass

from pyuvm import (
    ConfigDB,
    uvm_agent,
    uvm_analysis_port,
    uvm_driver,
    uvm_monitor,
    uvm_sequencer,
)

from imstb.bfm.axil_sink import AxilSink
from imstb.bfm.monitors import MsgAccept, MsgB
from imstb.harness import DutHarness
from imstb.platform_model import Handler, PlatformModel, UnknownInterrupt
from imstb.uvm.port_monitor import PortItem, analysis_imp
from imstb.uvm.sequences.items import SinkItem

__all__ = ["SinkAgent", "SinkDriver", "SinkMonitor", "SinkMsg"]


@dataclass(eq=False, slots=True)
class SinkMsg:
    """One message write accepted by the sink (edges are sampler edges)."""

    seq: int
    addr: int
    prot: int
    data: int
    strb: int
    aw_edge: int
    w_edge: int
    edge: int  # the later of the AW and W handshakes
    handler: Handler | None  # decoded (cpu, vector); None for a stray write
    stray: str  # why the write is not an interrupt ("" when it is)
    ready: float  # sink AWREADY probability when the write was accepted
    b_delay_hi: int  # sink's longest B delay then
    resp: str | None = None  # B response, once taken

    def __str__(self) -> str:
        h = f"cpu {self.handler[0]} vector 0x{self.handler[1]:02x}" if self.handler else self.stray
        return (
            f"@{self.edge} MSG#{self.seq} 0x{self.addr:016x} <= 0x{self.data:08x} ({h})"
            f" B {self.resp or '-'}"
        )


class SinkDriver(uvm_driver):
    def connect_phase(self) -> None:
        harness: DutHarness = ConfigDB().get(self, "", "ims_harness")
        self.sink: AxilSink = harness.sink

    async def run_phase(self) -> None:
        while True:
            item: SinkItem = await self.seq_item_port.get_next_item()
            cfg = self.sink.cfg
            if item.awready is not None:
                cfg.awready_prob = item.awready
            if item.wready is not None:
                cfg.wready_prob = item.wready
            if item.b_delay is not None:
                cfg.b_delay = item.b_delay
            if item.max_inflight is not None:
                cfg.max_inflight = item.max_inflight
            if item.inject:
                self.sink.inject(item.inject)
            if item.stray_b:
                self.sink.inject_stray_b(item.stray_b)
            self.seq_item_port.item_done()


class SinkMonitor(uvm_monitor):
    """Publishes accepted message writes (`ap`) and their B responses (`b_ap`)."""

    def build_phase(self) -> None:
        self.ap = uvm_analysis_port("ap", self)
        self.b_ap = uvm_analysis_port("b_ap", self)
        self.port_imp = analysis_imp("port_imp", self, self._on_port)
        self._wait_b: dict[int, SinkMsg] = {}

    def connect_phase(self) -> None:
        harness: DutHarness = ConfigDB().get(self, "", "ims_harness")
        self.sink: AxilSink = harness.sink
        self.platform: PlatformModel = ConfigDB().get(self, "", "ims_platform")

    def _on_port(self, item: PortItem) -> None:
        if item.reset is not None:
            self._wait_b.clear()
        for t in item.msgs:  # AW and W reach us inside their MsgAccept
            # (final classes: the exact type is the isinstance test, and cheaper)
            if type(t) is MsgAccept:
                self._accept(t)
            elif type(t) is MsgB:
                msg = self._wait_b.pop(t.seq, None)
                if msg is not None:
                    msg.resp = t.resp
                    if self.b_ap.subscribers:  # (nobody in this env listens to B responses)
                        self.b_ap.write(msg)

    def _accept(self, t: MsgAccept) -> None:
        aw, w = t.aw, t.w
        assert aw is not None and w is not None, f"{t} without its AW/W"
        handler: Handler | None = None
        stray = ""
        try:
            handler = self.platform.decode(aw.addr, w.data)
        except UnknownInterrupt as exc:
            stray = str(exc)
        cfg = self.sink.cfg
        msg = SinkMsg(
            t.seq, aw.addr, aw.prot, w.data, w.strb, aw.edge, w.edge, t.edge, handler, stray,
            cfg.awready_prob, cfg.b_delay.hi,
        )  # fmt: skip
        self._wait_b[t.seq] = msg
        self.ap.write(msg)


class SinkAgent(uvm_agent):
    def build_phase(self) -> None:
        super().build_phase()
        self.monitor = SinkMonitor("monitor", self)
        if self.active():
            self.seqr = uvm_sequencer("seqr", self)
            self.driver = SinkDriver("driver", self)

    def connect_phase(self) -> None:
        if self.active():
            self.driver.seq_item_port.connect(self.seqr.seq_item_export)
