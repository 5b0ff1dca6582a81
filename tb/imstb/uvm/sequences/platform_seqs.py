"""Virtual sequences of whole platform scenarios (docs/testplan.hjson `platform_scenarios`).

The platform model hands out the pairs and the driver policy (`imsmodel.platform.choose_table`)
picks the table. Every message the DUT sends is decoded by the sink into (cpu, vector); the
scoreboard checks that it is the handler the entry was bound to and counts it in
`PlatformModel.fired`. These sequences then check the scenario's intent from those counts: each
completion ran its handler exactly once, guarded completions ran none, errors ran the device's
misc handler (MSI-X vector 0, IMS-060) once per error, which the handler then clears.
"""

from __future__ import annotations

from imsmodel import regmap as rm
from imsmodel.platform import choose_table
from imstb.platform_model import Handler
from imstb.uvm.sequences.base import EI_EN, I_EN, MASK, PASID_EN, PASID_LSB, X_EN, ImsSeq, SeqError

__all__ = ["BareMetalVseq", "GuestFallbackVseq", "UserPasidVseq"]

MISC_VECTOR = 0x22


class _Platform(ImsSeq):
    async def wait_fired(self, handler: Handler, count: int, limit: int = 3000) -> None:
        """Wait until `handler` has run `count` times (the scoreboard counts checked messages)."""
        fired = self.ctx.platform.fired
        for _ in range(limit):
            if fired[handler] >= count:
                return
            await self.cycles(1)
        raise SeqError(
            f"{self.get_name()}: handler cpu {handler[0]} vector 0x{handler[1]:02x} ran "
            f"{fired[handler]} times, expected {count} within {limit} cycles"
        )

    async def misc_handler(self, handler: Handler, count: int) -> None:
        """The device's error interrupt handler: wait for it, read the log, clear VALID."""
        await self.wait_fired(handler, count)
        await self.read_errors()
        await self.ctx.reg.write(rm.ERR_STATUS.offset, rm.ERR_STATUS_VALID)

    def expect_fired(self, handler: Handler, count: int, who: str) -> None:
        got = self.ctx.platform.fired[handler]
        self.expect(got == count, f"{who}: handler {handler} ran {got} times, expected {count}")

    async def setup_misc(self) -> Handler:
        """MSI-X vector 0 bound to the misc handler, unmasked."""
        b = await self.program(False, 0, cpu=0, vector=MISC_VECTOR)
        await self.set_ctrl_word(False, 0, 0)
        return b.handler


class BareMetalVseq(_Platform):
    """Bare metal: the driver uses IMS for its work queues, MSI-X vector 0 for errors; every
    completion interrupts its queue's handler once; a bad handle interrupts the misc handler."""

    async def body(self) -> None:
        ctx = self.ctx
        table = choose_table(True, False)
        self.expect(table == "ims", f"bare metal policy chose {table}")
        misc = await self.setup_misc()
        queues = sorted(self.rng.sample(range(ctx.n), min(8, ctx.n)))
        handlers: dict[int, Handler] = {}
        for q, i in enumerate(queues):
            b = await self.program(True, i, cpu=q % 4, vector=0x30 + q, remappable=True)
            handlers[i] = b.handler
            await self.set_ctrl_word(True, i, 0, wait=False)
        await self.ctrl_write(X_EN | I_EN | EI_EN)
        done = dict.fromkeys(queues, 0)
        errors = 0
        for _ in range(60):
            if self.rng.random() < 0.06:  # a descriptor with a bad handle: error -> misc
                await self.event(True, ctx.n + self.rng.randint(0, 100))
                errors += 1
                await self.misc_handler(misc, errors)
            else:
                i = self.rng.choice(queues)
                await self.event(True, i)
                done[i] += 1
        await self.quiesce()
        for i in queues:
            self.expect_fired(handlers[i], done[i], f"IMS queue {i}")
        self.expect_fired(misc, errors, "misc (error) handler")


class GuestFallbackVseq(_Platform):
    """A guest whose platform disables IMS (no hypercall): the driver falls back to MSI-X and the
    device works fully on it. IMS stays disabled; work submitted to an IMS portal is an error
    (IMS_DISABLED) that reaches the misc handler. An affinity change (mask, reprogram, unmask)
    coalesces the completions that arrive while masked into one interrupt (IMS-034)."""

    async def body(self) -> None:
        ctx = self.ctx
        table = choose_table(False, False)
        self.expect(table == "msix", f"guest without hypercall chose {table}")
        self.expect(choose_table(False, True) == "ims", "the hypercall must allow IMS")
        misc = await self.setup_misc()
        queues = list(range(1, ctx.m))[:8]
        handlers: dict[int, Handler] = {}
        for q, i in enumerate(queues):
            b = await self.program(False, i, cpu=q % 4, vector=0x40 + q)
            handlers[i] = b.handler
            await self.set_ctrl_word(False, i, 0, wait=False)
        await self.ctrl_write(X_EN | EI_EN)  # the guest never enables IMS
        expected: dict[Handler, int] = {h: 0 for h in handlers.values()}
        errors = 0
        for _ in range(40):
            if self.rng.random() < 0.08 or not queues:  # IMS portal: IMS_DISABLED -> misc
                await self.event(True, self.rng.randrange(max(ctx.n, 1)))
                errors += 1
                await self.misc_handler(misc, errors)
            else:
                i = self.rng.choice(queues)
                await self.event(False, i)
                expected[handlers[i]] += 1
        await self.quiesce()
        # affinity change of one queue: mask, completions (coalesced), new pair, unmask
        if queues:
            i = self.rng.choice(queues)
            await self.set_ctrl_word(False, i, MASK)
            for _ in range(self.rng.randint(2, 5)):
                await self.event(False, i)
            await self.quiesce()
            b = await self.program(False, i, cpu=7, vector=0xE0)
            await self.set_ctrl_word(False, i, 0)  # one message to the new handler
            await self.event(False, i)
            expected[b.handler] = expected.get(b.handler, 0) + 2
            await self.quiesce()
        for h, count in expected.items():
            self.expect_fired(h, count, "MSI-X queue")
        self.expect_fired(misc, errors, "misc (error) handler")


class UserPasidVseq(_Platform):
    """User-space completion interrupts guarded by PASID: each process's IMS entries carry its
    PASID (PASID_EN); its completions interrupt it; another process (or a kernel thread without a
    PASID) naming its handle gets PASID_MISMATCH and interrupts nobody but the misc handler. An
    exited process's slot is freed and reassigned with a new PASID (IMS-040, IMS-042, IMS-045)."""

    async def body(self) -> None:
        ctx = self.ctx
        misc = await self.setup_misc()
        await self.ctrl_write(X_EN | I_EN | EI_EN)
        slots = sorted(self.rng.sample(range(ctx.n), min(4, ctx.n)))
        half = max(1, len(slots) // 2)
        owners = {"A": slots[:half], "B": slots[half:]}  # with one slot B owns none
        pasid = {"A": 0x0A0A0, "B": 0x0B0B0 ^ self.rng.getrandbits(8)}
        handler: dict[int, Handler] = {}
        for p, mine in owners.items():
            for k, i in enumerate(mine):
                vector = 0x50 + slots.index(i)  # one handler per slot
                b = await self.program(True, i, cpu=k, vector=vector, remappable=True)
                handler[i] = b.handler
                await self.set_ctrl_word(True, i, (pasid[p] << PASID_LSB) | PASID_EN)
        legit: dict[int, int] = dict.fromkeys(slots, 0)
        attacks = 0
        for _ in range(40):
            p = self.rng.choice([o for o in owners if owners[o]] or ["A"])
            r = self.rng.random()
            if r < 0.85 and owners[p]:
                i = self.rng.choice(owners[p])
                await self.event(True, i, pasid[p])
                legit[i] += 1
            else:  # someone names a slot it does not own, or has no PASID at all
                victim = self.rng.choice(slots)
                intruder = next((o for o in owners if victim not in owners[o]), None)
                bad = pasid[intruder] if intruder and r < 0.95 else None
                if bad is None and r < 0.95:
                    bad = pasid["A"] ^ 0x1
                await self.event(True, victim, bad)
                attacks += 1
                await self.misc_handler(misc, attacks)
        await self.quiesce()
        for i in slots:
            self.expect_fired(handler[i], legit[i], f"user slot {i}")
        self.expect_fired(misc, attacks, "misc (error) handler")
        # process A exits: free its first slot, reassign it to C with a new PASID
        i = owners["A"][0]
        e = ctx.regs.entry(True, i)
        ctx.platform.free(True, i)
        for reg in (e.addr_lo, e.addr_hi, e.data):
            await self.reg_write(reg, 0)
        await self.reg_write(e.ctrl, MASK)
        await self.reg_read(e.ctrl)
        c_pasid = 0x0C0C0
        b = await self.program(True, i, cpu=3, vector=0xC0, remappable=True)
        ctrl = await self.reg_read(e.ctrl)
        await self.reg_write(e.ctrl, (ctrl & 0x7) | (c_pasid << PASID_LSB) | PASID_EN)
        await self.reg_write(e.ctrl, (c_pasid << PASID_LSB) | PASID_EN)  # unmask
        await self.event(True, i, c_pasid)
        await self.event(True, i, pasid["A"])  # A's stale PASID: mismatch
        attacks += 1
        await self.misc_handler(misc, attacks)
        await self.event(True, i, c_pasid)
        await self.quiesce()
        self.expect_fired(b.handler, 2, "process C")
        self.expect_fired(misc, attacks, "misc (error) handler")
        self.expect(
            ctx.model.stats["error_pasid_mismatch"] == attacks, "every intrusion was a mismatch"
        )
