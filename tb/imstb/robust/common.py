"""What the robustness tests (`tb/test_robust_*.py`) share: their length ($IMS_ROBUST_ITEMS),
sim-time limits, the `Run` (phase, failure report with seed and rerun command) and small helpers.

Length: $IMS_ROBUST_ITEMS (default 200) scales the traffic of every test; the sim-time limits
grow with it and with the table sizes. A failing test logs its phase, seed and rerun command.
"""

from __future__ import annotations

import json
import logging
import os
import random
import time
from collections.abc import Coroutine
from dataclasses import dataclass, field
from typing import Any

from imsmodel import regmap as rm
from imstb.directed import ImsEnv, picks
from imstb.harness import rerun_command
from imstb.reg_offsets import (
    ERR_COUNT,
    ERR_INFO,
    ERR_PASID,
    ERR_STATUS,
    MSG_COUNT,
    WORDS,
    entry_base,
)

log = logging.getLogger("cocotb.tb.robust")
#: Where monitors under proof log the errors they are expected to find (quiet: the test asserts
#: them and logs a summary).
quiet_log = logging.getLogger("cocotb.tb.robust.expected")
quiet_log.setLevel(logging.CRITICAL)


# ---------------------------------------------------------------------- sizing and limits
def _env_int(name: str, default: int) -> int:
    try:
        return max(1, int(os.environ.get(name, "") or default))
    except ValueError:
        return default


#: Traffic length of every test ($IMS_ROBUST_ITEMS; long runs: e.g. 5000).
ITEMS = _env_int("IMS_ROBUST_ITEMS", 200)
_N = _env_int("IMS_ENTRIES", rm.IMS_ENTRIES_DEFAULT)
_M = _env_int("MSIX_ENTRIES", rm.MSIX_ENTRIES_DEFAULT)
_SCALE = 1 + (_N + 4 * _M) // 256  # big tables: more to program and read back


def limit_us(base: int) -> int:
    """Sim-time limit (us) of a test that needs well under base/10 us at 64/9 with the default
    length; grows with $IMS_ROBUST_ITEMS and the table sizes."""
    return base * _SCALE * max(ITEMS, 200) // 200


# ---------------------------------------------------------------------- failure report
@dataclass
class Run:
    """One robustness test: its env, the phase it is in, and the failure report."""

    env: ImsEnv
    test: str
    module: str  # the cocotb test module (`__name__` of tb/test_robust_*.py), for the rerun
    phase: str = "bring-up"
    notes: list[str] = field(default_factory=list)

    async def guard(self, body: Coroutine[Any, Any, None]) -> None:
        """Run the test body; on any failure (check, scoreboard, monitor, timeout) log the phase,
        the seeds and the rerun command, then re-raise."""
        try:
            await body
        except BaseException as exc:
            self.report_failure(exc)
            raise

    def report_failure(self, exc: BaseException) -> None:
        env = self.env
        regression = int(os.environ.get("COCOTB_RANDOM_SEED", env.seed))
        n, m = (env.n, env.m) if env.n else (_N, _M)
        why = f"{type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}"
        if type(exc).__name__ == "CancelledError":
            why = "stopped by an error of a bench component (scoreboard, monitor) or the timeout"
        extra = "".join(f"\n  {note}" for note in self.notes[-5:])
        log.error(
            "%s FAILED in phase '%s' at edge %d (%s)%s\n  seed: COCOTB_RANDOM_SEED=%d "
            "(test seed %d)\n  rerun with waveforms: %s",
            self.test,
            self.phase,
            env.sampler.edge,
            why,
            extra,
            regression,
            env.seed,
            rerun_command(self.module, self.test, regression, n, m),
        )


# ---------------------------------------------------------------------- machine-readable counts
#: Prefix of the one log line per test that carries its counts as JSON (`report_counts`).
COUNTS_TAG = "ROBUST-COUNTS"
#: Folder where each test also writes its counts as a file (`make soak` sets it).
COUNTS_DIR_ENV = "IMS_ROBUST_COUNTS_DIR"


def report_counts(env: ImsEnv, test: str, classes: dict[str, tuple[int, int]]) -> dict[str, Any]:
    """Publish a test's per-class counts {class: (tried, delivered)} for aggregation (`make soak`,
    `imsflow.regress.soak`): one log line `ROBUST-COUNTS {json}` and, when $IMS_ROBUST_COUNTS_DIR
    is set, a file `<test>-<sim>-<n>x<m>-<seed>-<pid>.json` there."""
    sim = os.environ.get("IMS_SIM", "")
    rec: dict[str, Any] = {
        "test": test,
        "sim": sim,
        "config": f"{env.n}x{env.m}",
        "seed": int(os.environ.get("COCOTB_RANDOM_SEED", env.seed)),
        "items": ITEMS,
        "classes": {k: {"tried": t, "delivered": d} for k, (t, d) in classes.items()},
    }
    line = json.dumps(rec, sort_keys=True)
    log.info("%s %s", COUNTS_TAG, line)
    folder = os.environ.get(COUNTS_DIR_ENV)
    if folder:
        os.makedirs(folder, exist_ok=True)
        name = f"{test}-{sim or 'sim'}-{env.n}x{env.m}-{rec['seed']}-{os.getpid()}"
        path = os.path.join(folder, f"{name}-{time.time_ns()}.json")
        with open(path, "w", encoding="utf-8") as f:
            f.write(line + "\n")
    return rec


# ---------------------------------------------------------------------- small helpers
def table_size(env: ImsEnv, ims: bool) -> int:
    return env.n if ims else env.m


def bad_handle(rng: random.Random, size: int) -> int:
    """A handle past the end of a table: just past, a bit further, anywhere, or 0xFFFF."""
    r = rng.random()
    if r < 0.4:
        h = size + rng.randrange(3)
    elif r < 0.8:
        h = rng.randrange(size, rm.HANDLE_MAX + 1)
    else:
        h = rm.HANDLE_MAX
    return min(h, rm.HANDLE_MAX)


def chosen_entries(env: ImsEnv, rng: random.Random, cap: int = 64) -> dict[bool, list[int]]:
    """Entries a test programs: the whole table when small, else first/second/middle/last and a
    random sample."""
    out: dict[bool, list[int]] = {}
    for ims in (False, True):
        size = table_size(env, ims)
        out[ims] = list(range(size)) if size <= cap else picks(size, rng, cap // 2)
    return out


async def read_entries(env: ImsEnv, entries: dict[bool, list[int]]) -> None:
    """Read every word of the given entries (the scoreboard compares them)."""
    for ims, idx in entries.items():
        for i in idx:
            for w in WORDS:
                env.master.read_nowait(entry_base(ims, i) + w)
    await env.master.drain()


async def read_errs(env: ImsEnv) -> None:
    for off in (ERR_STATUS, ERR_INFO, ERR_PASID, ERR_COUNT, MSG_COUNT):
        env.master.read_nowait(off)
    await env.master.drain()


async def start_env(run: Run) -> None:
    await run.env.start()
    run.phase = "traffic"
