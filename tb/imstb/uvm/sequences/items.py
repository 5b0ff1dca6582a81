"""Sequence items of the three agents.

A driver hands an item to its BFM and, unless the item is `blocking`, calls `item_done()` at once:
sequences can therefore queue many accesses (reads and writes interleaved, several in flight) and
`await item.wait()` only where they need the response. The register layer's items are blocking
(the adapter reads the response right after `finish_item`).
"""

from __future__ import annotations

from collections.abc import Sequence

from pyuvm import uvm_sequence_item

from imstb.bfm.axil_master import AxilMaster, AxilRead, AxilWrite, WriteOrder
from imstb.bfm.common import Delay
from imstb.bfm.evt_source import EvtOp, EvtSource

__all__ = ["EvtBurstItem", "EvtItem", "RegItem", "SinkItem"]


class RegItem(uvm_sequence_item):
    """One register access on the slave port."""

    def __init__(
        self,
        name: str = "reg_item",
        *,
        write: bool,
        addr: int,
        data: int = 0,
        strb: int = 0xF,
        prot: int = 0,
        order: WriteOrder | None = None,
        blocking: bool = False,
    ) -> None:
        super().__init__(name)
        self.write = write
        self.addr = addr & 0xFFFF
        self.data = data & 0xFFFFFFFF
        self.strb = strb & 0xF
        self.prot = prot & 7
        self.order: WriteOrder | None = order
        self.blocking = blocking
        self.op: AxilWrite | AxilRead | None = None

    def issue(self, master: AxilMaster) -> None:
        """Queue the access in the BFM (driver side)."""
        if self.write:
            self.op = master.write_nowait(self.addr, self.data, self.strb, self.prot, self.order)
        else:
            self.op = master.read_nowait(self.addr, self.prot)

    async def wait(self) -> None:
        """Wait for the B (write) or R (read) response."""
        assert self.op is not None, f"{self} was never issued"
        await self.op.done.wait()

    @property
    def done(self) -> bool:
        return self.op is not None and self.op.resp is not None

    @property
    def resp(self) -> str | None:
        return None if self.op is None else self.op.resp

    @property
    def rdata(self) -> int | None:
        return self.op.data if isinstance(self.op, AxilRead) else None

    def __str__(self) -> str:
        if self.write:
            what = f"WRITE 0x{self.addr:04x} <= 0x{self.data:08x} strb=0x{self.strb:x}"
        else:
            what = f"READ 0x{self.addr:04x}"
            if self.rdata is not None:
                what += f" -> 0x{self.rdata:08x}"
        return f"{what} {self.resp or '(pending)'}"


class EvtItem(uvm_sequence_item):
    """One event (`pasid=None`: evt_pasid_valid = 0, evt_pasid = `absent_bits` or junk)."""

    def __init__(
        self,
        name: str = "evt_item",
        *,
        ims: bool,
        handle: int,
        pasid: int | None = None,
        absent_bits: int | None = None,
        blocking: bool = False,
    ) -> None:
        super().__init__(name)
        self.ims = ims
        self.handle = handle & 0xFFFF
        self.pasid = None if pasid is None else pasid & 0xFFFFF
        self.absent_bits = absent_bits  # evt_pasid while evt_pasid_valid = 0 (None: junk)
        self.blocking = blocking
        self.op: EvtOp | None = None

    def issue(self, source: EvtSource) -> None:
        self.op = source.send_nowait(
            self.ims, self.handle, self.pasid, absent_bits=self.absent_bits
        )

    async def wait(self) -> None:
        """Wait for the event's handshake."""
        assert self.op is not None, f"{self} was never issued"
        await self.op.done.wait()

    @property
    def edge(self) -> int | None:
        return None if self.op is None else self.op.edge

    def __str__(self) -> str:
        p = "" if self.pasid is None else f" pasid=0x{self.pasid:05x}"
        return f"EVENT {'IMS' if self.ims else 'MSI-X'}[{self.handle}]{p}"


class EvtBurstItem(uvm_sequence_item):
    """A burst of events, queued in the event BFM in order by one driver call (the BFM still
    idles its configured gap before each). Long event streams go through the sequencer as bursts:
    each item costs a few task switches, the events of a burst none."""

    def __init__(
        self,
        name: str = "evt_burst",
        *,
        events: Sequence[tuple[bool, int, int | None]],
        blocking: bool = False,
    ) -> None:
        super().__init__(name)
        self.events = [
            (bool(ims), handle & 0xFFFF, None if pasid is None else pasid & 0xFFFFF)
            for ims, handle, pasid in events
        ]
        self.blocking = blocking
        self.ops: list[EvtOp] = []

    def issue(self, source: EvtSource) -> None:
        self.ops = source.send_many(self.events)

    async def wait(self) -> None:
        """Wait for the handshake of the burst's last event (events are taken in order)."""
        assert len(self.ops) == len(self.events), f"{self} was never issued"
        if self.ops:
            await self.ops[-1].done.wait()

    @property
    def edges(self) -> list[int | None]:
        return [op.edge for op in self.ops]

    def __str__(self) -> str:
        return f"EVENT BURST of {len(self.events)}"


class SinkItem(uvm_sequence_item):
    """A change of the message sink's behaviour: READY probabilities, B delay, in-flight limit,
    responses to inject for the next messages (in AW order), and stray B responses that belong
    to no message (IMS-074). None leaves a knob as it is."""

    def __init__(
        self,
        name: str = "sink_item",
        *,
        ready: float | None = None,
        awready: float | None = None,
        wready: float | None = None,
        b_delay: Delay | None = None,
        max_inflight: int | None = None,
        inject: tuple[str, ...] = (),
        stray_b: tuple[str, ...] = (),
    ) -> None:
        super().__init__(name)
        self.awready = awready if awready is not None else ready
        self.wready = wready if wready is not None else ready
        self.b_delay = b_delay
        self.max_inflight = max_inflight
        self.inject = inject
        self.stray_b = stray_b

    def __str__(self) -> str:
        return (
            f"SINK awready={self.awready} wready={self.wready} b_delay={self.b_delay} "
            f"max_inflight={self.max_inflight} inject={list(self.inject)} "
            f"stray_b={list(self.stray_b)}"
        )
