"""Port sequences, the bench context and the base of every scenario sequence.

* `RegPort`, `EvtPort`, `SinkPort`: long-lived sequences bound to one agent's sequencer; their
  methods send one item each. Scenario sequences are virtual (no sequencer of their own) and reach
  the agents through these ports and through the register model (frontdoor via the adapter).
* `BenchCtx`: what a sequence works with: the ports, the register model, the platform model, the
  reference model (read-only: scenario sequences check that their stimulus happened, never DUT
  values; those are the scoreboard's), the BFM knobs, the random generator and the sizes N, M.
* `ImsSeq`: base class of scenario sequences, with the common driver-level operations.

Every offset comes from `imsmodel.regmap` (through the register model or `entry_offset`).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from pyuvm import uvm_sequence, uvm_sequencer, uvm_status_e

from imsmodel import regmap as rm
from imstb.bfm.axil_master import WriteOrder
from imstb.bfm.common import Delay
from imstb.platform_model import Binding, PlatformModel
from imstb.stim_classes import (
    HandleClass,
    PasidClass,
    PasidPick,
    handle_for,
    pasid_for,
    pick_handle_class,
    pick_pasid,
)
from imstb.uvm.reg_model import ImsReg, ImsRegBlock
from imstb.uvm.sequences.items import EvtBurstItem, EvtItem, RegItem, SinkItem

if TYPE_CHECKING:
    from imstb.harness import DutHarness
    from imstb.model_probe import ProbedModel
    from imstb.uvm.env import ImsUvmEnv

__all__ = [
    "BURST",
    "EI_EN",
    "I_EN",
    "LONG_B",
    "MASK",
    "PASID_EN",
    "PASID_LSB",
    "SHORT_B",
    "X_EN",
    "X_FM",
    "BenchCtx",
    "EntrySeq",
    "EvtPort",
    "ImsSeq",
    "RegPort",
    "SeqError",
    "SinkPort",
    "entry_offset",
]

MASK = rm.IMS_CTRL_MASK
PASID_EN = rm.IMS_CTRL_PASID_EN
PASID_LSB = rm.IMS_CTRL_PASID_LSB
X_EN = rm.CTRL_MSIX_ENABLE
X_FM = rm.CTRL_MSIX_FUNC_MASK
I_EN = rm.CTRL_IMS_ENABLE
EI_EN = rm.CTRL_ERR_INT_ENABLE
BURST = Delay(0, 0)
SHORT_B = Delay(0, 2)
LONG_B = Delay(3, 12)


class SeqError(AssertionError):
    """A scenario did not do what it was written to do (a stimulus problem, or the DUT did not
    deliver what the scenario needs; the message says which)."""


def entry_offset(ims: bool, index: int, word: int = rm.WORD_ADDR_LO) -> int:
    """Slave-port offset of word `word` (WORD_*) of entry `index`; `index` may be out of range
    (for unmapped-access tests)."""
    base = rm.IMS_TABLE_BASE if ims else rm.MSIX_TABLE_BASE
    return base + rm.ENTRY_BYTES * index + 4 * word


class RegPort(uvm_sequence):
    """Raw register accesses on the register agent's sequencer."""

    def __init__(self, seqr: uvm_sequencer) -> None:
        super().__init__("reg_port")
        self.sequencer = seqr

    async def write(
        self,
        addr: int,
        data: int,
        strb: int = 0xF,
        *,
        prot: int = 0,
        order: WriteOrder | None = None,
        wait: bool = True,
    ) -> RegItem:
        item = RegItem(write=True, addr=addr, data=data, strb=strb, prot=prot, order=order)
        await self.start_item(item)
        await self.finish_item(item)
        if wait:
            await item.wait()
        return item

    async def read(self, addr: int, *, prot: int = 0, wait: bool = True) -> RegItem:
        item = RegItem(write=False, addr=addr, prot=prot)
        await self.start_item(item)
        await self.finish_item(item)
        if wait:
            await item.wait()
        return item


class EvtPort(uvm_sequence):
    """Events on the event agent's sequencer."""

    def __init__(self, seqr: uvm_sequencer) -> None:
        super().__init__("evt_port")
        self.sequencer = seqr

    async def send(
        self,
        ims: bool,
        handle: int,
        pasid: int | None = None,
        *,
        absent_bits: int | None = None,
        wait: bool = False,
    ) -> EvtItem:
        item = EvtItem(ims=ims, handle=handle, pasid=pasid, absent_bits=absent_bits)
        await self.start_item(item)
        await self.finish_item(item)
        if wait:
            await item.wait()
        return item

    async def send_burst(
        self, events: Sequence[tuple[bool, int, int | None]], *, wait: bool = False
    ) -> EvtBurstItem:
        """A burst of (ims, handle, pasid) events as one item (queued in order)."""
        item = EvtBurstItem(events=events)
        await self.start_item(item)
        await self.finish_item(item)
        if wait:
            await item.wait()
        return item


class SinkPort(uvm_sequence):
    """Behaviour changes of the message sink."""

    def __init__(self, seqr: uvm_sequencer) -> None:
        super().__init__("sink_port")
        self.sequencer = seqr

    async def configure(
        self,
        *,
        ready: float | None = None,
        awready: float | None = None,
        wready: float | None = None,
        b_delay: Delay | None = None,
        max_inflight: int | None = None,
    ) -> None:
        item = SinkItem(
            ready=ready, awready=awready, wready=wready, b_delay=b_delay, max_inflight=max_inflight
        )
        await self.start_item(item)
        await self.finish_item(item)

    async def inject(self, *resps: str) -> None:
        """Responses for the next messages, in AW order ("OKAY", "SLVERR", "DECERR")."""
        item = SinkItem(inject=tuple(resps))
        await self.start_item(item)
        await self.finish_item(item)

    async def stray_b(self, *resps: str) -> None:
        """B responses that belong to no message, sent when none is in flight (IMS-074)."""
        item = SinkItem(stray_b=tuple(resps))
        await self.start_item(item)
        await self.finish_item(item)


@dataclass
class BenchCtx:
    """Everything a scenario sequence uses."""

    env: ImsUvmEnv
    reg: RegPort
    evt: EvtPort
    sink: SinkPort
    regs: ImsRegBlock
    platform: PlatformModel
    harness: DutHarness
    rng: random.Random
    n: int
    m: int

    @classmethod
    def create(cls, env: ImsUvmEnv) -> BenchCtx:
        seed = env.harness.rng.getrandbits(64)
        return cls(
            env=env,
            reg=RegPort(env.reg_agent.seqr),
            evt=EvtPort(env.evt_agent.seqr),
            sink=SinkPort(env.sink_agent.seqr),
            regs=env.regs,
            platform=env.platform,
            harness=env.harness,
            rng=random.Random(seed),
            n=env.n,
            m=env.m,
        )

    @property
    def model(self) -> ProbedModel:
        """The reference model, for checks that a scenario's stimulus happened."""
        return self.env.scoreboard.model

    def size(self, ims: bool) -> int:
        return self.n if ims else self.m


RESOLVE_AT = 32
"""`ImsSeq.resolve`: contract-checker states at which a sequence reads to narrow them."""


class ImsSeq(uvm_sequence):
    """Base of the scenario sequences (virtual: they run without a sequencer of their own)."""

    def __init__(self, name: str, ctx: BenchCtx) -> None:
        super().__init__(name)
        self.ctx = ctx
        self.rng = random.Random(ctx.rng.getrandbits(64))

    async def run(self) -> None:
        """Start this sequence (virtual)."""
        await self.start()

    # ------------------------------------------------------------------ timing
    async def cycles(self, n: int) -> None:
        await self.ctx.harness.cycles(n)

    async def quiesce(self) -> None:
        """Wait until all traffic is done and every expected message was sent and answered."""
        await self.ctx.env.settle(tail=4)

    async def resolver(self, at: int = RESOLVE_AT) -> None:
        """Run beside a random sequence (`cocotb.start_soon`; kill it when the sequence ends):
        whenever the contract checker holds `at` or more states (past races that no read or
        message has decided yet, e.g. an event racing a CTRL write leaves ERR_COUNT and pending
        bits open), read the registers that tell them apart, so the set narrows instead of
        growing with every race (IMS-102, IMS-104). The reads queue behind the sequence's own
        accesses; the next check waits for their responses."""
        checker = self.ctx.env.scoreboard.sb.contract
        while True:
            await self.cycles(1)
            if len(checker.states) < at:
                continue
            offsets = checker.ambiguous_reads()
            self.ctx.env.logger.debug("resolve: %d states, read %s", len(checker.states), offsets)
            for k, off in enumerate(offsets):
                await self.ctx.reg.read(off, wait=k == len(offsets) - 1)

    def set_evt_gap(self, gap: Delay) -> None:
        """Idle cycles between events of the event BFM (gap.zero_prob: back-to-back bursts)."""
        self.ctx.harness.evt.cfg.gap = gap

    # ------------------------------------------------------------------ registers (reg layer)
    async def reg_write(self, reg: ImsReg, value: int) -> None:
        status = await reg.write(value)
        if status != uvm_status_e.UVM_IS_OK:
            raise SeqError(f"register-layer write of {reg.get_name()} answered {status}")

    async def reg_read(self, reg: ImsReg) -> int:
        status, value = await reg.read()
        if status != uvm_status_e.UVM_IS_OK:
            raise SeqError(f"register-layer read of {reg.get_name()} answered {status}")
        return int(value)

    async def ctrl_write(self, value: int) -> None:
        await self.reg_write(self.ctx.regs.reg("CTRL"), value)

    async def ctrl_update(self, set_bits: int = 0, clear_bits: int = 0) -> None:
        """Read-modify-write of CTRL from the mirror (CTRL changes only by writes)."""
        ctrl = self.ctx.regs.reg("CTRL")
        await self.ctrl_write((ctrl.get_mirrored_value() | set_bits) & ~clear_bits)

    async def enable(self, msix: bool | None = None, ims: bool | None = None) -> None:
        s = c = 0
        for flag, bit in ((msix, rm.CTRL_MSIX_ENABLE), (ims, rm.CTRL_IMS_ENABLE)):
            if flag is True:
                s |= bit
            elif flag is False:
                c |= bit
        await self.ctrl_update(s, c)

    # ------------------------------------------------------------------ entries
    async def program(
        self,
        ims: bool,
        index: int,
        *,
        cpu: int | None = None,
        vector: int | None = None,
        remappable: bool | None = None,
        reg_layer: bool = True,
    ) -> Binding:
        """Bind entry (ims, index) to a handler: a pair from the platform into addr_lo, addr_hi,
        data (register layer, one at a time; or raw writes queued back to back)."""
        b = self.ctx.platform.alloc(ims, index, cpu=cpu, vector=vector, remappable=remappable)
        e = self.ctx.regs.entry(ims, index)
        words = ((e.addr_lo, b.addr & 0xFFFFFFFF), (e.addr_hi, b.addr >> 32), (e.data, b.data))
        if reg_layer:
            for reg, value in words:
                await self.reg_write(reg, value)
        else:
            for reg, value in words:
                await self.ctx.reg.write(reg.offset, value, wait=False)
        return b

    async def set_ctrl_word(self, ims: bool, index: int, value: int, *, wait: bool = True) -> None:
        """Whole control-word write (raw, so it may be queued without waiting)."""
        off = entry_offset(ims, index, rm.WORD_CTRL)
        await self.ctx.reg.write(off, value, wait=wait)

    async def mask(self, ims: bool, index: int, masked: bool, *, wait: bool = True) -> None:
        """Set or clear MASK keeping the other control bits (from the mirror)."""
        ctrl = self.ctx.regs.entry(ims, index).ctrl.get_mirrored_value()
        value = (ctrl | MASK) if masked else (ctrl & ~MASK)
        await self.set_ctrl_word(ims, index, value, wait=wait)

    async def event(
        self,
        ims: bool,
        handle: int,
        pasid: int | None = None,
        *,
        absent_bits: int | None = None,
        wait: bool = False,
    ) -> EvtItem:
        """One event; `pasid=None`: evt_pasid_valid = 0 with evt_pasid = `absent_bits` (junk when
        None)."""
        return await self.ctx.evt.send(ims, handle, pasid, absent_bits=absent_bits, wait=wait)

    async def class_event(
        self,
        ims: bool,
        handle_cls: HandleClass | None = None,
        *,
        pasid_cls: PasidClass | None = None,
        in_range: Sequence[int] = (),
        wait: bool = False,
    ) -> EvtItem:
        """An event whose handle (class `handle_cls`, else one picked by weight) and, for an IMS
        entry, PASID fields (class `pasid_cls` when the entry has PASID_EN = 1, else one picked
        by weight) are chosen on purpose against the entry's control word as the model has it
        (`imstb.stim_classes`); MSI-X events carry random PASID fields (IMS-045)."""
        size = self.ctx.size(ims)
        cls = handle_cls or pick_handle_class(size, self.rng)
        h = handle_for(cls, size, self.rng, in_range)
        return await self.pasid_event(ims, h, pasid_cls, wait=wait)

    async def pasid_event(
        self, ims: bool, h: int, pasid_cls: PasidClass | None = None, *, wait: bool = False
    ) -> EvtItem:
        """An event on (ims, h) whose PASID fields, for an in-range IMS entry, are of class
        `pasid_cls` when the entry has PASID_EN = 1 (else one picked by weight) against its
        control word as the model has it; random fields otherwise."""
        if ims and h < self.ctx.n:
            ctl = self.ctx.model.entry_ctrl(True, h)
            if pasid_cls is not None and ctl & PASID_EN:
                pick = PasidPick(pasid_cls, *pasid_for(pasid_cls, ctl, self.rng))
            else:
                pick = pick_pasid(ctl, self.rng)
            return await self.event(ims, h, pick.pasid, absent_bits=pick.absent_bits, wait=wait)
        p = self.rng.getrandbits(20) if self.rng.random() < 0.5 else None
        return await self.event(ims, h, p, wait=wait)

    # ------------------------------------------------------------------ reads for the scoreboard
    async def read_pbas(self, *, wait: bool = True) -> None:
        """Read every PBA word of both tables (the scoreboard compares them, IMS-026/IMS-030)."""
        items = []
        for ims in (False, True):
            for lo, hi in self.ctx.regs.pba(ims):
                items.append(await self.ctx.reg.read(lo.offset, wait=False))
                items.append(await self.ctx.reg.read(hi.offset, wait=False))
        if wait:
            for it in items:
                await it.wait()

    async def read_errors(self, *, wait: bool = True) -> None:
        """Read the error registers and the counters (compared by the scoreboard, IMS-050..053)."""
        items = [
            await self.ctx.reg.read(r.offset, wait=False)
            for r in (rm.ERR_STATUS, rm.ERR_INFO, rm.ERR_PASID, rm.ERR_COUNT, rm.MSG_COUNT)
        ]
        if wait:
            for it in items:
                await it.wait()

    async def clear_errors(self) -> None:
        """Write 1s to ERR_STATUS VALID and OVERFLOW (W1C, IMS-027)."""
        await self.ctx.reg.write(rm.ERR_STATUS.offset, rm.ERR_STATUS_VALID | rm.ERR_STATUS_OVERFLOW)

    # ------------------------------------------------------------------ scenario checks
    def expect(self, cond: bool, what: str) -> None:
        if not cond:
            raise SeqError(f"{self.get_name()}: {what}")


class EntrySeq(ImsSeq):
    """ImsSeq with helpers to pick entries and handles and to program several entries."""

    def pick(self, ims: bool, k: int) -> list[int]:
        size = self.ctx.size(ims)
        return sorted(self.rng.sample(range(size), min(k, size)))

    def bad_handle(self, ims: bool) -> int:
        """A handle past the end of the table (IMS-040/041), sometimes just past, sometimes far."""
        size = self.ctx.size(ims)
        return size if self.rng.random() < 0.5 else self.rng.randint(size, rm.HANDLE_MAX)

    async def program_all(self, ims: bool, indexes: list[int], *, unmask: bool) -> None:
        """Pairs from the platform into `indexes`, raw writes queued back to back."""
        for i in indexes:
            await self.program(ims, i, reg_layer=False)
            if unmask:
                await self.set_ctrl_word(ims, i, 0, wait=False)
        await self.ctx.harness.master.drain()
