"""Reference-model throughput: events per second through `ImsModel` on one core.

The workload mixes what a regression feeds the model: sends on unmasked entries of both
tables, events on masked entries (pending), errors (invalid handles, PASID mismatches),
unmasks of pending entries and function-mask flushes. The mix is fixed by a seed, so two
runs measure the same work.
"""

from __future__ import annotations

import random
import time
from dataclasses import dataclass

from imsmodel import ImsModel
from imsmodel.regmap import (
    CTRL,
    CTRL_IMS_ENABLE,
    CTRL_MSIX_ENABLE,
    CTRL_MSIX_FUNC_MASK,
    IMS_TABLE_BASE,
    MSIX_TABLE_BASE,
)

CTRL_OFF = CTRL.offset
MSIX_TAB = MSIX_TABLE_BASE
IMS_TAB = IMS_TABLE_BASE


@dataclass(frozen=True)
class ModelPerf:
    events: int
    seconds: float
    messages: int
    steps: int  # events + register writes

    @property
    def events_per_s(self) -> float:
        return self.events / self.seconds


def _program(m: ImsModel, base: int, i: int, ctrl: int) -> None:
    m.write(base + 16 * i, 0xFEE00000 | (i & 0xFF) << 12)
    m.write(base + 16 * i + 8, 0x20 + (i % 0xD0))
    m.write(base + 16 * i + 12, ctrl)


def run(
    events: int = 200_000, ims_entries: int = 64, msix_entries: int = 9, seed: int = 1
) -> ModelPerf:
    rng = random.Random(seed)
    m = ImsModel(ims_entries=ims_entries, msix_entries=msix_entries)
    for i in range(msix_entries):
        _program(m, MSIX_TAB, i, 0)
    for i in range(ims_entries):
        # every 8th IMS entry masked, every 16th PASID-guarded (PASID = i)
        ctrl = (1 if i % 8 == 7 else 0) | ((i << 12 | 8) if i % 16 == 5 else 0)
        _program(m, IMS_TAB, i, ctrl)
    m.write(CTRL_OFF, CTRL_MSIX_ENABLE | CTRL_IMS_ENABLE)
    # pre-draw the workload so the timed loop measures the model, not the RNG
    ops: list[tuple[int, int, int | None]] = []
    for _ in range(events):
        r = rng.random()
        if r < 0.70:
            ops.append((1, rng.randrange(ims_entries), rng.choice((None, 5))))
        elif r < 0.90:
            ops.append((0, rng.randrange(msix_entries), None))
        elif r < 0.95:
            ops.append((1, ims_entries + rng.randrange(16), None))  # INVALID_HANDLE
        else:
            ops.append((2, rng.randrange(ims_entries), None))  # unmask/remask churn
    writes = 0
    messages = 0
    start = time.perf_counter()
    for n, (kind, handle, pasid) in enumerate(ops):
        if kind == 2:
            off = IMS_TAB + 16 * handle + 12
            m.write(off, 0 if n & 1 else 1)
            writes += 1
        else:
            m.event(ims=bool(kind), handle=handle, pasid=pasid)
        if n % 1000 == 999:
            # function-mask episode: pend MSI-X events, then flush them
            m.write(CTRL_OFF, CTRL_MSIX_ENABLE | CTRL_MSIX_FUNC_MASK | CTRL_IMS_ENABLE)
            m.write(CTRL_OFF, CTRL_MSIX_ENABLE | CTRL_IMS_ENABLE)
            writes += 2
            messages += len(m.take_messages())
    seconds = time.perf_counter() - start
    messages += len(m.take_messages())
    return ModelPerf(events=events, seconds=seconds, messages=messages, steps=events + writes)


if __name__ == "__main__":
    p = run()
    print(
        f"{p.events} events in {p.seconds:.3f} s: {p.events_per_s:,.0f} events/s, "
        f"{p.messages} messages"
    )
