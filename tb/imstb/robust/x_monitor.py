"""Machinery of the robustness test that proves the monitors' X/Z checks
(`tb/test_robust_x_monitor.py`).

`ims_x_monitor_test`: the monitors already fail a test on X/Z on any output after reset and on a
valid/ready output at 1 in reset (`imstb.bfm.monitors`, IMS-010); this test proves it: a strict
monitor is shown each fault (forced on the real ports on Icarus, injected into its samples on either
simulator: Verilator ignores Force and has no X/Z) and must raise naming the output and IMS-010; X
sampled at the first reset edge (before the flip-flops reset) is no alarm.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Awaitable, Callable
from typing import Any

import cocotb
from cocotb.handle import Force, Release
from cocotb.triggers import FallingEdge, RisingEdge
from cocotb.types import LogicArray

from imstb.bfm.clocking import EdgeSampler, Snapshot
from imstb.bfm.common import ProtocolError
from imstb.bfm.monitors import DUT_OUTPUTS, DUT_VALID_READY_OUTPUTS, ImsMonitor
from imstb.directed import ImsEnv
from imstb.robust.common import Run, log, quiet_log, start_env


class ProbeSampler(EdgeSampler):
    """An `EdgeSampler` for a strict monitor under test: `inject` overrides sampled values
    (None = X/Z), and when the monitor raises, the loop ends and keeps the error in `caught`
    instead of failing the test."""

    def __init__(self, clk: Any) -> None:
        super().__init__(clk)
        self.inject: dict[str, int | None] = {}
        self.caught: ProtocolError | None = None

    def sample_now(self) -> Snapshot:
        snap = super().sample_now()
        for key, value in self.inject.items():  # keyed by signal path (slots are per sampler)
            snap[self.slot(key)] = value
            if value is None:
                self._snap_unresolved = True
        return snap

    def start(self) -> None:
        if self._task is None:
            self._task = cocotb.start_soon(self._catching())

    async def _catching(self) -> None:
        try:
            await self._run()
        except ProtocolError as exc:
            self.caught = exc


class XProof:
    """One strict monitor per scenario: armed before a reset (the X check starts at the first
    reset edge), shown one fault, expected to raise naming the output and IMS-010."""

    def __init__(self, env: ImsEnv) -> None:
        self.env = env
        self.dut = env.dut
        self.proven: Counter[str] = Counter()

    def _probe(self) -> tuple[ProbeSampler, ImsMonitor]:
        ps = ProbeSampler(self.dut.clk)
        mon = ImsMonitor(self.dut, ps, strict=True)
        mon.log = quiet_log
        ps.start()
        return ps, mon

    async def expect_raise(
        self,
        what: str,
        output: str,
        fault: Callable[[ProbeSampler], Awaitable[None]],
        undo: Callable[[ProbeSampler], Awaitable[None]],
        *,
        in_reset: bool,
    ) -> None:
        """Arm a probe, reset, apply `fault` (after release, or on the 2nd reset edge), expect the
        probe's strict monitor to raise within 3 edges naming `output` and IMS-010."""
        env = self.env
        ps, _ = self._probe()
        await RisingEdge(self.dut.clk)
        self.dut.rst_n.value = 0
        await RisingEdge(self.dut.clk)  # first reset edge
        if in_reset:
            await fault(ps)
            for _ in range(3):
                await RisingEdge(self.dut.clk)
            await undo(ps)
            self.dut.rst_n.value = 1
            await RisingEdge(self.dut.clk)
        else:
            await RisingEdge(self.dut.clk)
            self.dut.rst_n.value = 1
            for _ in range(2):
                await RisingEdge(self.dut.clk)
            await fault(ps)
            for _ in range(3):
                await RisingEdge(self.dut.clk)
            await undo(ps)
        await env.cycles(2)
        exc = ps.caught
        ps.stop()
        if exc is None:
            raise AssertionError(f"{what}: the strict monitor did not raise (IMS-010 check)")
        text = str(exc).splitlines()[0]
        if output not in text or "IMS-010" not in text:
            raise AssertionError(f"{what}: the monitor raised, but not for {output}: {text}")
        self.proven[what.split(":")[0]] += 1
        log.debug("%s -> %s", what, text)

    async def expect_quiet(self, what: str, inject: dict[str, int | None]) -> None:
        """X on every output at the first reset edge only (sampled before the flip-flops reset):
        no error (IMS-010 starts at that edge)."""
        ps, _ = self._probe()
        await RisingEdge(self.dut.clk)
        self.dut.rst_n.value = 0
        ps.inject.update(inject)  # sampled at the falling edge before the first reset edge
        await RisingEdge(self.dut.clk)
        ps.inject.clear()
        await self.env.cycles(3)
        self.dut.rst_n.value = 1
        await self.env.cycles(4)
        exc = ps.caught
        ps.stop()
        if exc is not None:
            raise AssertionError(f"{what}: false alarm: {exc}")
        self.proven["no false alarm"] += 1


def _inject(key: str, value: int | None) -> Callable[[ProbeSampler], Awaitable[None]]:
    async def fault(ps: ProbeSampler) -> None:
        ps.inject[key] = value

    return fault


async def _clear(ps: ProbeSampler) -> None:
    ps.inject.clear()


def _force(handle: Any, text: str) -> Callable[[ProbeSampler], Awaitable[None]]:
    async def fault(_: ProbeSampler) -> None:
        handle.value = Force(LogicArray(text * len(handle)))

    return fault


def _release(handle: Any) -> Callable[[ProbeSampler], Awaitable[None]]:
    async def undo(_: ProbeSampler) -> None:
        handle.value = Release()

    return undo


async def force_works(dut: Any) -> bool:
    """True when the simulator applies a Force on an output port (Icarus: yes; Verilator
    ignores it). Tried on a payload output while its VALID is 0, so no monitor notices."""
    h = dut.m_axil_wdata
    await FallingEdge(dut.clk)
    h.value = Force(LogicArray("10" * 16))
    await FallingEdge(dut.clk)
    applied = str(h.value) == "10" * 16
    h.value = Release()
    await FallingEdge(dut.clk)
    await FallingEdge(dut.clk)
    return applied


async def run_x_monitor(run: Run) -> None:
    env = run.env
    await start_env(run)
    dut: Any = env.dut
    proof = XProof(env)
    sim = os.environ.get("IMS_SIM", cocotb.SIM_NAME or "")
    forced = await force_works(dut)
    if not forced and "icarus" in sim.lower():
        raise AssertionError("Force on an output port had no effect on Icarus")
    keys = {name: str(dut[name]._path) for name in DUT_OUTPUTS}  # the samplers' signal keys
    run.phase = "injected faults (both simulators)"
    for name in DUT_OUTPUTS:
        await proof.expect_raise(
            f"injected X after reset: {name}", name, _inject(keys[name], None), _clear,
            in_reset=False,
        )  # fmt: skip
        await proof.expect_raise(
            f"injected X in reset: {name}", name, _inject(keys[name], None), _clear, in_reset=True
        )
    for name in DUT_VALID_READY_OUTPUTS:
        await proof.expect_raise(
            f"injected 1 in reset: {name}", name, _inject(keys[name], 1), _clear, in_reset=True
        )
    await proof.expect_quiet("X at the first reset edge", {k: None for k in keys.values()})
    expected_main: set[str] = set()
    bench_log = env.monitor.log
    env.monitor.log = quiet_log  # the bench's monitor sees the forced faults too: asserted below
    if forced:
        run.phase = "forced faults on the ports (Icarus)"
        for name in DUT_OUTPUTS:
            h = dut[name]
            for text in ("X", "Z"):
                await proof.expect_raise(
                    f"forced {text} after reset: {name}", name, _force(h, text), _release(h),
                    in_reset=False,
                )  # fmt: skip
            expected_main.add(name)
        for name in DUT_VALID_READY_OUTPUTS:
            h = dut[name]
            await proof.expect_raise(
                f"forced 1 in reset: {name}", name, _force(h, "1"), _release(h), in_reset=True
            )
    else:
        log.info(
            "%s ignores Force on output ports (2-state: no X/Z can exist on an output); the "
            "monitor's checks are proven by injection into its samples only",
            sim,
        )
    env.monitor.log = bench_log
    run.phase = "the bench's own (non-strict) monitor"
    # it saw the forced faults (not the injected ones: they never reached its samples)
    main = env.monitor.errors
    named = {name for name in DUT_OUTPUTS for e in main if f" {name}" in e or f"{name}," in e}
    assert all("IMS-010" in e for e in main), f"unexpected monitor errors: {main[:3]}"
    assert named == expected_main, (
        f"bench monitor flagged {sorted(named)}, forced {sorted(expected_main)}"
    )
    log.info(
        "X/Z check proven (%s): %s; bench monitor collected %d IMS-010 errors for the forced ports",
        sim,
        dict(proof.proven),
        len(main),
    )
    if main:  # the end-of-test check of a bench with these errors fails the test
        try:
            await env.finish()
        except ProtocolError as exc:
            assert "IMS-010" in str(exc)
        else:
            raise AssertionError("env.finish() passed with IMS-010 errors collected")
        env.monitor.errors.clear()
    await env.finish()
