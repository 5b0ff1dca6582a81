"""Error injection: every event error, the log (latch, overflow, W1C, count), the error
interrupt, and SLVERR/DECERR responses to messages (IMS-040..042, IMS-050..063)."""

from __future__ import annotations

from imsmodel import regmap as rm
from imstb.bfm.common import Delay
from imstb.uvm.sequences.base import (
    EI_EN,
    I_EN,
    MASK,
    PASID_EN,
    PASID_LSB,
    SHORT_B,
    X_EN,
    X_FM,
    EntrySeq,
)

__all__ = ["BerrSeq", "ErrIrqSeq", "ErrorSeq"]


class ErrorSeq(EntrySeq):
    """Every event error code, the first-error latch, overflow, W1C, ERR_COUNT and the check
    order of IMS and MSI-X events (IMS-040..042, IMS-050..052, IMS-054, IMS-027)."""

    async def body(self) -> None:
        ctx = self.ctx
        ims_i = self.pick(True, 1)[0]
        x_i = self.pick(False, 1)[0]
        await self.program(True, ims_i)
        await self.program(False, x_i)
        await self.set_ctrl_word(True, ims_i, (0x5A5A5 << PASID_LSB) | PASID_EN)
        await self.set_ctrl_word(False, x_i, 0)
        cases = [
            (0, True, ims_i, None),  # IMS_DISABLED (also for a bad handle: enable first)
            (0, True, self.bad_handle(True), 1),
            (0, False, x_i, None),  # MSIX_DISABLED
            (0, False, self.bad_handle(False), 7),  # INVALID_HANDLE before MSIX_DISABLED
            (X_EN | I_EN, True, self.bad_handle(True), None),  # INVALID_HANDLE
            (X_EN | I_EN, True, ims_i, None),  # PASID_MISMATCH (absent)
            (X_EN | I_EN, True, ims_i, 0x5A5A4),  # PASID_MISMATCH (wrong)
            (X_EN | I_EN, False, self.bad_handle(False), None),
        ]
        self.rng.shuffle(cases)
        for ctrl, ims, handle, pasid in cases:
            await self.ctrl_write(ctrl)
            for _ in range(self.rng.randint(1, 3)):  # 2nd, 3rd: overflow (IMS-052)
                await self.event(ims, handle, pasid)
            await self.quiesce()
            await self.read_errors()
            r = self.rng.random()  # W1C variants (IMS-027)
            if r < 0.3:
                await ctx.reg.write(rm.ERR_STATUS.offset, rm.ERR_STATUS_VALID)
            elif r < 0.5:
                await ctx.reg.write(rm.ERR_STATUS.offset, rm.ERR_STATUS_OVERFLOW)
                await self.read_errors()
                await ctx.reg.write(rm.ERR_STATUS.offset, rm.ERR_STATUS_VALID)
            elif r < 0.6:
                await ctx.reg.write(rm.ERR_STATUS.offset, 0xFFFFFFFF, strb=0xE)  # byte 0 off
                await self.read_errors()
                await self.clear_errors()
            elif r < 0.7:
                await ctx.reg.write(rm.ERR_STATUS.offset, 0)  # zeros change nothing
                await self.read_errors()
                await self.clear_errors()
            else:
                await self.clear_errors()
            await self.read_errors()
        # the latch keeps the first error; an error after clearing VALID latches again
        await self.ctrl_write(X_EN | I_EN)
        await self.event(True, self.bad_handle(True), 0x12345)
        await self.event(False, self.bad_handle(False))
        await self.quiesce()
        await self.read_errors()
        await ctx.reg.write(rm.ERR_STATUS.offset, rm.ERR_STATUS_VALID)
        await self.event(True, ims_i, 0x00001)
        await self.quiesce()
        await self.read_errors()
        for code in rm.ErrorCode:
            if code is not rm.ErrorCode.MSG_WRITE_FAILED:
                key = "error_" + code.name.lower()
                self.expect(ctx.model.stats[key] > 0, f"no {code.name} error was produced")


class ErrIrqSeq(EntrySeq):
    """ERR_INT_ENABLE raises MSI-X vector 0 on a latch: sent when open, pending when masked or
    function-masked, dropped when MSI-X is disabled; overflow raises nothing; a failed raise
    message is not logged, a later unmask/flush message of vector 0 is (IMS-060..063)."""

    async def body(self) -> None:
        ctx = self.ctx
        await self.program(False, 0)  # vector 0: the device's misc/error interrupt
        await self.set_ctrl_word(False, 0, 0)
        bad = self.bad_handle
        # sent, then overflow (nothing), then latch again after W1C
        await self.ctrl_write(X_EN | I_EN | EI_EN)
        await self.event(True, bad(True))
        await self.event(False, bad(False))
        await self.quiesce()
        await self.read_errors()
        await self.clear_errors()
        # raise messages answered SLVERR / DECERR: not logged (IMS-062)
        for resp in ("SLVERR", "DECERR"):
            await ctx.sink.inject(resp)
            await self.event(True, bad(True))
            await self.quiesce()
            await self.read_errors()
            await self.clear_errors()
        # vector 0 masked: pending; unmask releases an ordinary message; its failure is logged
        await self.set_ctrl_word(False, 0, MASK)
        await self.event(True, bad(True))
        await self.quiesce()
        await self.read_pbas()
        await self.clear_errors()
        await ctx.sink.inject("DECERR")
        await self.set_ctrl_word(False, 0, 0)  # unmask: message, DECERR -> MSG_WRITE_FAILED
        await self.quiesce()
        await self.read_errors()
        await self.clear_errors()
        # function mask: pending; clearing FM flushes vector 0
        await self.ctrl_write(X_EN | X_FM | I_EN | EI_EN)
        await self.event(False, bad(False))
        await self.quiesce()
        await self.read_pbas()
        await self.ctrl_write(X_EN | I_EN | EI_EN)
        await self.quiesce()
        await self.clear_errors()
        # MSI-X disabled: dropped silently
        await self.ctrl_write(I_EN | EI_EN)
        await self.event(True, bad(True))
        await self.quiesce()
        await self.read_errors()
        await self.read_pbas()
        await self.clear_errors()
        # B error of an ordinary message raises vector 0 (IMS-053 + IMS-060)
        if ctx.m > 1:
            await self.program(False, ctx.m - 1)
            await self.set_ctrl_word(False, ctx.m - 1, 0)
            await self.ctrl_write(X_EN | I_EN | EI_EN)
            await ctx.sink.inject("SLVERR")
            await self.event(False, ctx.m - 1)
            await self.quiesce()
            await self.read_errors()
        s = ctx.model.stats
        self.expect(s["raise_messages"] > 0 and s["raise_pended"] > 0, "raise not exercised")
        self.expect(s["raise_dropped"] > 0 and s["b_errors_ignored"] > 0, "raise not exercised")


class BerrSeq(EntrySeq):
    """SLVERR / DECERR B responses on messages log MSG_WRITE_FAILED with the entry (IMS-053);
    messages are not retried; B responses are matched in AW order with several in flight
    (IMS-073); B responses with no message in flight are accepted and dropped (IMS-074)."""

    async def body(self) -> None:
        ctx = self.ctx
        await self.enable(msix=True, ims=True)
        targets = [(False, i) for i in self.pick(False, 4)] + [
            (True, i) for i in self.pick(True, 6)
        ]
        for ims, i in targets:
            await self.program(ims, i, reg_layer=False)
            await self.set_ctrl_word(ims, i, 0, wait=False)
        await ctx.sink.configure(ready=0.5, b_delay=Delay(0, 6))
        for _ in range(6):
            resps = [self.rng.choice(("OKAY", "OKAY", "SLVERR", "DECERR")) for _ in range(8)]
            await ctx.sink.inject(*resps)
            for _ in range(8):
                await self.event(*self.rng.choice(targets))
            await self.quiesce()
            # B responses with nothing in flight: ignored, nothing logged (IMS-074)
            await ctx.sink.stray_b(*self.rng.choices(("OKAY", "SLVERR", "DECERR"), k=2))
            await self.quiesce()
            await self.read_errors()
            if self.rng.random() < 0.7:
                await self.clear_errors()
        await ctx.sink.configure(ready=1.0, b_delay=SHORT_B)
        self.expect(ctx.model.stats["error_msg_write_failed"] > 0, "no MSG_WRITE_FAILED")
        self.expect(ctx.harness.sink.strays_sent > 0, "no stray B response was sent")
