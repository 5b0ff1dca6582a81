"""Functional coverage of the testplan (docs/testplan.hjson `covergroups`), with cocotb-coverage.

Each covergroup is a coverage-tree node named exactly as in the testplan (`cg_event_outcome`, ...);
each coverpoint under it names the spec rules it evidences in brackets, e.g.
`cg_pasid.pasid_en_x_evt_pasid[IMS-040,IMS-045]`. Crosses are coverpoints whose bins are tuples,
restricted to the combinations the spec allows in this configuration (for example no IMS PASID
mismatch for an MSI-X event, no "middle" handle in a 2-entry table, no 64-message flush of a
9-entry table), so 100 % is reachable in every configuration. `cg_pasid.mismatch_bit` goes
beyond the testplan's cross: which PASID bit a single-bit mismatch flipped (every comparator bit
must be seen to reject). Distance 0 of `cg_race` is not a
bin: two steps never share an edge (IMS-081, checked by the monitor).

Sources: the model's step records (`ProbedModel`: outcomes, mask transitions, flushes, PASID
cases, error log, B responses), the event monitor (back-to-back runs; race distances with the
register monitor's writes) and the sink monitor (backpressure level of each accepted message).
The classes of `imstb.stim_classes` are sampled from what was observed, never from what a
sequence aimed at: `cg_pasid_class` pairs each monitored IMS event (its evt_pasid bits, also
while evt_pasid_valid = 0) with the model's step of it (the control word the event found, the
outcome); `cg_handle_class` is the step's handle and outcome; `cg_strobe` the monitored WSTRB of
each OKAY table write; `cg_pba_high` each OKAY PBA read whose data has a pending bit;
`cg_open_both` the flush messages of a CTRL write that opened both tables.

The tree is rebuilt empty for every test (`ImsCoverage.setup`) and exported when the test passes,
as YAML (the format cocotb-coverage's merge reads) to
`$IMS_COV_DIR/<sim>-<N>x<M>/<test>_<seed>.yml` (default IMS_COV_DIR: `<repo>/build/cov`), one
folder per simulator and configuration so a regression's jobs never overwrite each other. No bin
or coverpoint name contains the substring "bin" (cocotb-coverage's XML merge breaks on it).
"""

from __future__ import annotations

import os
from collections import deque
from collections.abc import Hashable, Sequence
from pathlib import Path

from cocotb_coverage.coverage import CoverPoint, coverage_db
from pyuvm import uvm_component

from imsmodel import EventOutcome
from imsmodel import regmap as rm
from imstb.bfm.monitors import EvtTxn, RegRead, RegWrite
from imstb.model_probe import StepRecord
from imstb.stim_classes import (
    IN_RANGE_CLASSES,
    PASID_CLASSES,
    PasidClass,
    classify_handle,
    classify_pasid,
    handle_classes,
)
from imstb.uvm.agents.sink_agent import SinkMsg
from imstb.uvm.port_monitor import analysis_imp

__all__ = ["COVERGROUPS", "Covergroups", "ImsCoverage", "cov_dir"]

COVERGROUPS = (
    "cg_event_outcome",
    "cg_handle_position",
    "cg_mask_transition",
    "cg_flush_size",
    "cg_pasid",
    "cg_race",
    "cg_error_log",
    "cg_b_response",
    "cg_backpressure",
    "cg_back_to_back",
    "cg_pasid_class",
    "cg_handle_class",
    "cg_strobe",
    "cg_open_both",
    "cg_pba_high",
)

Label = Hashable


def _no_bin(text: str) -> None:
    if "bin" in text.lower():
        raise ValueError(f"coverage name {text!r} contains 'bin' (cocotb-coverage XML merge)")


class _Point:
    """One coverpoint whose bins are labels; `sample(label)` hits exactly one bin.

    The first hit of a bin goes through cocotb-coverage's sampling wrapper, which raises the
    coverage of the point and its covergroup. Later hits of a covered bin only count: for a
    point with plain equality bins and no callbacks the wrapper does nothing else either
    (`_hits[bin] += 1`, `_new_hits = [bin]`, a coverage change of 0 up the tree), so the fast
    path leaves the database exactly as the wrapper would, hit counts included, at a fraction of
    its cost (it scans every bin twice per call). Should anyone register a callback, every sample
    takes the wrapper again. (`_hits`, `_new_hits` and the callback tables are cocotb-coverage
    2.0 internals; the version is pinned in pyproject.toml.)
    """

    def __init__(self, cg: str, name: str, rules: Sequence[str], bins: Sequence[Label]) -> None:
        self.name = f"{cg}.{name}[{','.join(rules)}]"
        _no_bin(self.name)
        for b in bins:
            _no_bin(str(b))
        self.bins = frozenset(bins)
        cp = CoverPoint(self.name, bins=list(bins))
        self._cp = cp
        self._hit = cp(_sampled)
        self._hits: dict[Label, int] = cp._hits
        self._bins_cbs = cp._bins_callbacks
        self._threshold_cbs = cp._threshold_callbacks
        self._parent_cbs = cp._parent._threshold_callbacks
        self._covered: dict[Label, list[Label]] = {}  # covered bin -> [bin]

    def sample(self, label: Label) -> None:
        if label in self._covered and not (
            self._bins_cbs or self._threshold_cbs or self._parent_cbs
        ):
            self._hits[label] += 1
            self._cp._new_hits = self._covered[label]  # [label], made once per bin
            return
        if label not in self.bins:
            raise ValueError(f"{self.name}: {label!r} is not a bin (coverage model out of date?)")
        self._hit(label)
        if self._hits[label] >= self._cp.at_least:
            self._covered[label] = [label]


def _sampled(label: Label) -> None:
    """The function each CoverPoint decorates (sampling is the call)."""


_OUTCOME_LABEL = {
    (ims, o.value): ("ims" if ims else "msix", o.value)
    for ims in (False, True)
    for o in EventOutcome
}  # the event_outcome bin of (ims, outcome value): no Enum.value or Enum hash per sample


def _position(handle: int, size: int) -> str:
    if handle >= size:
        return "past_end"
    if handle == 0:
        return "first"
    if handle == size - 1:
        return "last"
    return "middle"


def _positions(size: int) -> list[str]:
    return (
        ["first"] + (["middle"] if size > 2 else []) + (["last"] if size > 1 else []) + ["past_end"]
    )


#: PASID class -> the outcomes it can have ("other_error": the IMS table is disabled).
_PASID_CLASS_OUTCOMES = {
    PasidClass.EQUAL: ("sent", "pending", "other_error"),
    PasidClass.ONE_BIT: ("pasid_mismatch", "other_error"),
    PasidClass.ABSENT_SAME_BITS: ("pasid_mismatch", "other_error"),
    PasidClass.ABSENT_ZERO: ("pasid_mismatch", "other_error"),
    PasidClass.NO_PASID_EN: ("sent", "pending", "other_error"),
}
_PASID_OUT = {
    EventOutcome.SENT: "sent",
    EventOutcome.PENDING: "pending",
    EventOutcome.PASID_MISMATCH: "pasid_mismatch",
}
_HANDLE_OUT = {
    EventOutcome.SENT: "sent",
    EventOutcome.PENDING: "pending",
    EventOutcome.IMS_DISABLED: "disabled",
    EventOutcome.MSIX_DISABLED: "disabled",
    EventOutcome.INVALID_HANDLE: "invalid_handle",
    EventOutcome.PASID_MISMATCH: "pasid_mismatch",
}


def _handle_outcomes(ims: bool, in_range: bool) -> tuple[str, ...]:
    """Outcomes a handle can have (IMS-040/041 check order: an MSI-X handle past the end is
    INVALID_HANDLE whatever the table state, an IMS one is IMS_DISABLED first)."""
    if in_range:
        return ("sent", "pending", "disabled") + (("pasid_mismatch",) if ims else ())
    return ("invalid_handle", "disabled") if ims else ("invalid_handle",)


_WORDS = ("addr_lo", "addr_hi", "data", "ctrl")  # WORD_* order
_STROBES = ("none", "lane0", "lane1", "lane2", "lane3", "full", "multi")
_STROBE_LABEL = tuple(
    "none" if s == 0 else "full" if s == 0xF else f"lane{s.bit_length() - 1}"
    if s & (s - 1) == 0 else "multi"
    for s in range(16)
)  # fmt: skip

_SIZES = ((0, "0"), (1, "1"), (2, "2-7"), (8, "8-63"), (64, "64+"))
_RUNS = ((1, "1"), (2, "2-3"), (4, "4-15"), (16, "16+"))
_READY = ((0.0, "ready_10"), (0.4, "ready_50"), (0.7, "ready_75"), (0.99, "ready_100"))
_B_SHORT_MAX = 2  # B delays up to this many cycles count as short


def _range_label(value: float, table: Sequence[tuple[float, str]]) -> str:
    """The label of the last range (ascending lower bounds) that `value` reaches."""
    label = table[0][1]
    for lo, name in table:
        if value >= lo:
            label = name
    return label


class Covergroups:
    """The testplan's covergroups for one configuration (N IMS, M MSI-X entries)."""

    def __init__(self, ims_entries: int, msix_entries: int) -> None:
        _clear()
        n, m = ims_entries, msix_entries
        outcomes = [
            ("msix", o) for o in ("sent", "pending", "msix_disabled", "invalid_handle")
        ] + [("ims", o) for o in ("sent", "pending", "ims_disabled", "invalid_handle",
                                  "pasid_mismatch")]  # fmt: skip
        self.event_outcome = _Point(
            "cg_event_outcome", "table_x_outcome", ("IMS-040", "IMS-041", "IMS-043", "IMS-044"),
            outcomes,
        )  # fmt: skip
        self.handle_position = _Point(
            "cg_handle_position", "table_x_position", ("IMS-040", "IMS-041"),
            [("msix", p) for p in _positions(m)] + [("ims", p) for p in _positions(n)],
        )  # fmt: skip
        self.entry_mask = _Point(
            "cg_mask_transition", "entry_mask_x_pending_x_table", ("IMS-031", "IMS-033"),
            [
                (d, p, t)
                for d in ("unmask", "mask")
                for p in ("pending", "idle")
                for t in ("open", "closed")
                if (d, p, t) != ("mask", "pending", "open")  # pending + MASK 0 + open: flushed
            ],
        )  # fmt: skip
        self.func_mask = _Point(
            "cg_mask_transition", "func_mask_x_pending", ("IMS-032", "IMS-033"),
            [(d, p) for d in ("set", "clear") for p in ("pending", "idle")],
        )  # fmt: skip
        caps = {"msix": m, "ims": n, "both": m + n}
        self.flush_size = _Point(
            "cg_flush_size", "table_x_messages", ("IMS-032", "IMS-092"),
            [(t, s) for t, cap in caps.items() for lo, s in _SIZES if lo <= cap],
        )  # fmt: skip
        self.pasid = _Point(
            "cg_pasid", "pasid_en_x_evt_pasid", ("IMS-040", "IMS-045"),
            [(e, c) for e in ("pasid_en", "pasid_off") for c in ("match", "mismatch", "absent")],
        )  # fmt: skip
        self.pasid_bits = _Point(
            "cg_pasid", "mismatch_bit", ("IMS-040",),
            [f"bit_{k}" for k in range(20)] + ["multi"],
        )  # fmt: skip
        self.race = _Point(
            "cg_race", "order_x_distance_x_write", ("IMS-080", "IMS-082"),
            [
                (o, d, k)
                for o in ("write_first", "event_first")
                for d in (1, 2, 3)
                for k in ("ctrl", "addr_data")
            ],
        )  # fmt: skip
        self.error_log = _Point(
            "cg_error_log", "code_x_log", ("IMS-050", "IMS-051", "IMS-052"),
            [(c.name.lower(), w) for c in rm.ErrorCode for w in ("latched", "overflow")],
        )  # fmt: skip
        self.error_irq = _Point(
            "cg_error_log", "error_interrupt", ("IMS-060", "IMS-061"),
            ["sent", "pending", "dropped"],
        )  # fmt: skip
        self.b_response = _Point(
            "cg_b_response", "resp_x_message", ("IMS-053", "IMS-062"),
            [(r, k) for r in ("OKAY", "SLVERR", "DECERR") for k in ("ordinary", "raise")],
        )  # fmt: skip
        self.backpressure = _Point(
            "cg_backpressure", "ready_x_b_delay", ("IMS-071", "IMS-073"),
            [(r, b) for _, r in _READY for b in ("b_short", "b_long")],
        )  # fmt: skip
        self.back_to_back = _Point(
            "cg_back_to_back", "run_length", ("IMS-090",), [s for _, s in _RUNS]
        )
        # rule inputs reached on purpose (imstb.stim_classes): observed event fields against
        # the entry the model found, crossed with the model's outcome
        self.pasid_class = _Point(
            "cg_pasid_class", "class_x_outcome", ("IMS-040", "IMS-042", "IMS-045"),
            [(c.value, o) for c in PASID_CLASSES for o in _PASID_CLASS_OUTCOMES[c]],
        )  # fmt: skip
        self.handle_class = _Point(
            "cg_handle_class", "table_x_class_x_outcome", ("IMS-040", "IMS-041"),
            [
                (t, c.value, o)
                for t, ims, size in (("msix", False, m), ("ims", True, n))
                for c in handle_classes(size)
                for o in _handle_outcomes(ims, c in IN_RANGE_CLASSES)
            ],
        )  # fmt: skip
        self.strobe = _Point(
            "cg_strobe", "table_x_word_x_strobe", ("IMS-023",),
            [(t, w, s) for t in ("msix", "ims") for w in _WORDS for s in _STROBES],
        )  # fmt: skip
        self.open_both = _Point(
            "cg_open_both", "flushed_tables", ("IMS-032", "IMS-103"),
            ["msix_and_ims", "msix_only", "ims_only", "none"],
        )  # fmt: skip
        # a PBA word read with a pending bit set: the upper word (entries 64q+32..64q+63) only
        # exists with a pending bit when the table has more than 32 entries
        self.pba_high = _Point(
            "cg_pba_high", "table_x_word_pending", ("IMS-026", "IMS-030"),
            [
                (t, w)
                for t, size in (("msix", m), ("ims", n))
                for w in ("low", "high")
                if w == "low" or size > 32
            ],
        )  # fmt: skip

    @staticmethod
    def percentages() -> dict[str, float]:
        """cover_percentage of every covergroup (bins hit / bins)."""
        return {cg: round(coverage_db[cg].cover_percentage, 1) for cg in COVERGROUPS}


def _clear() -> None:
    for key in [k for k in coverage_db if k.split(".")[0] in COVERGROUPS]:
        del coverage_db[key]


def cov_dir() -> Path:
    """$IMS_COV_DIR, default <repo>/build/cov."""
    env = os.environ.get("IMS_COV_DIR")
    if env:
        return Path(env)
    return Path(__file__).resolve().parents[3] / "build" / "cov"  # tb/imstb/uvm/coverage.py


class ImsCoverage(uvm_component):
    """Samples the covergroups from step records and monitor transactions."""

    RACE_WINDOW = 3  # edges
    RACE_HISTORY = 64

    def build_phase(self) -> None:
        self.step_imp = analysis_imp("step_imp", self, self._on_step)
        self.reg_imp = analysis_imp("reg_imp", self, self._on_reg)
        self.evt_imp = analysis_imp("evt_imp", self, self._on_evt)
        self.sink_imp = analysis_imp("sink_imp", self, self._on_sink)

    def setup(self, ims_entries: int, msix_entries: int) -> None:
        self.n, self.m = ims_entries, msix_entries
        self.cg = Covergroups(ims_entries, msix_entries)
        self._writes: deque[tuple[int, bool, int, str]] = deque(maxlen=self.RACE_HISTORY)
        self._events: deque[tuple[int, bool, int]] = deque(maxlen=self.RACE_HISTORY)
        self._run = 0
        self._run_last = -10
        # handle_position bins by table and handle (past the end: `_past_end`)
        self._pos_labels = {
            ims: [("ims" if ims else "msix", _position(h, size)) for h in range(size)]
            for ims, size in ((True, ims_entries), (False, msix_entries))
        }
        self._past_end = {True: ("ims", "past_end"), False: ("msix", "past_end")}
        self._sink_labels: dict[tuple[float, int], tuple[str, str]] = {}
        # IMS event steps (model) and monitored IMS events, paired in order for cg_pasid_class
        self._evt_recs: deque[StepRecord] = deque()
        self._evt_txns: deque[EvtTxn] = deque()
        self._sizes = {True: ims_entries, False: msix_entries}

    # ------------------------------------------------------------------ model steps
    def _on_step(self, rec: StepRecord) -> None:
        cg = self.cg
        if rec.kind == "event" and rec.outcome is not None:
            cg.event_outcome.sample(_OUTCOME_LABEL[rec.ims, rec.outcome._value_])
            labels = self._pos_labels[rec.ims]
            h = rec.handle
            cg.handle_position.sample(labels[h] if h < len(labels) else self._past_end[rec.ims])
            cg.handle_class.sample(
                (
                    "ims" if rec.ims else "msix",
                    classify_handle(h, self._sizes[rec.ims]).value,
                    _HANDLE_OUT[rec.outcome],
                )
            )
            if rec.entry_ctrl is not None:
                if self._evt_txns:
                    self._pasid_class(rec, self._evt_txns.popleft())
                else:
                    self._evt_recs.append(rec)
            if rec.pasid_case is not None:
                en, case = rec.pasid_case
                cg.pasid.sample(("pasid_en" if en else "pasid_off", case))
                if en and case == "mismatch" and rec.pasid is not None:
                    diff = rec.pasid ^ rec.entry_pasid  # which comparator bits were exercised
                    one = diff & (diff - 1) == 0
                    cg.pasid_bits.sample(f"bit_{diff.bit_length() - 1}" if one else "multi")
        elif rec.kind == "write":
            if rec.mask_change is not None:
                d, pend, opn = rec.mask_change
                cg.entry_mask.sample(
                    (d, "pending" if pend else "idle", "open" if opn else "closed")
                )
            if rec.func_mask_change is not None:
                d, pend = rec.func_mask_change
                cg.func_mask.sample((d, "pending" if pend else "idle"))
            x_open, i_open = rec.opened
            if x_open or i_open:
                x, i = rec.flush_counts()
                table = "both" if x_open and i_open else "msix" if x_open else "ims"
                cg.flush_size.sample((table, _range_label(x + i, _SIZES)))
                if x_open and i_open:  # one CTRL write opened both tables
                    which = ("none", "ims_only", "msix_only", "msix_and_ims")
                    cg.open_both.sample(which[2 * (x > 0) + (i > 0)])
        elif rec.kind == "b" and rec.b_message is not None:
            cg.b_response.sample((rec.resp, "raise" if rec.b_message.raise_ else "ordinary"))
        if rec.error is not None:
            code, latched = rec.error
            cg.error_log.sample((code.name.lower(), "latched" if latched else "overflow"))
        if rec.raise_result is not None:
            cg.error_irq.sample(rec.raise_result)

    def _pasid_class(self, rec: StepRecord, t: EvtTxn) -> None:
        """An IMS event on an in-range entry: its observed PASID fields (the monitor's, also
        evt_pasid while evt_pasid_valid = 0) against the control word the model's step found."""
        if (t.ims, t.handle) != (rec.ims, rec.handle):
            raise ValueError(f"coverage: event {t} paired with the model step of {rec.handle}")
        assert rec.entry_ctrl is not None and rec.outcome is not None
        cls = classify_pasid(rec.entry_ctrl, t.pasid_valid, t.pasid)
        if cls is not PasidClass.OTHER:
            out = _PASID_OUT.get(rec.outcome, "other_error")
            self.cg.pasid_class.sample((cls.value, out))

    # ------------------------------------------------------------------ monitors
    def _on_reg(self, t: RegWrite | RegRead) -> None:
        if t.resp != "OKAY":
            return
        loc = rm.lookup(t.addr & 0xFFFC, self.n, self.m)
        if isinstance(t, RegRead):
            if loc.kind in (rm.Kind.MSIX_PBA, rm.Kind.IMS_PBA) and t.data:
                table = "ims" if loc.kind is rm.Kind.IMS_PBA else "msix"
                self.cg.pba_high.sample((table, "high" if loc.word else "low"))
            return
        if loc.kind not in (rm.Kind.MSIX_TABLE, rm.Kind.IMS_TABLE):
            return
        kind = "ctrl" if loc.word == rm.WORD_CTRL else "addr_data"
        ims = loc.kind is rm.Kind.IMS_TABLE
        self.cg.strobe.sample(("ims" if ims else "msix", _WORDS[loc.word], _STROBE_LABEL[t.strb]))
        # events arrive in edge order; only those within RACE_WINDOW edges of the write count
        # (the write is reported at its B, so events after its commit edge are already here)
        lo, hi = t.edge - self.RACE_WINDOW, t.edge + self.RACE_WINDOW
        for ke, e_ims, handle in reversed(self._events):
            if ke < lo:
                break
            if ke <= hi and (e_ims, handle) == (ims, loc.index):
                self._race(t.edge, ke, kind)
        self._writes.append((t.edge, ims, loc.index, kind))

    def _on_evt(self, t: EvtTxn) -> None:
        # writes arrive in commit-edge order, all before this event (one step per edge); only
        # those within RACE_WINDOW edges count
        lo = t.edge - self.RACE_WINDOW
        for kw, ims, index, kind in reversed(self._writes):
            if kw < lo:
                break
            if (ims, index) == (t.ims, t.handle):
                self._race(kw, t.edge, kind)
        self._events.append((t.edge, t.ims, t.handle))
        if t.ims and t.handle < self.n:  # an IMS event whose step records the entry's ctrl
            if self._evt_recs:
                self._pasid_class(self._evt_recs.popleft(), t)
            else:
                self._evt_txns.append(t)
        if t.edge == self._run_last + 1:
            self._run += 1
        else:
            self._close_run()
            self._run = 1
        self._run_last = t.edge

    def _race(self, write_edge: int, event_edge: int, kind: str) -> None:
        d = abs(write_edge - event_edge)
        if 1 <= d <= self.RACE_WINDOW:
            order = "write_first" if write_edge < event_edge else "event_first"
            self.cg.race.sample((order, d, kind))

    def _close_run(self) -> None:
        if self._run > 0:
            self.cg.back_to_back.sample(_range_label(self._run, _RUNS))
        self._run = 0

    def _on_sink(self, msg: SinkMsg) -> None:
        key = (msg.ready, msg.b_delay_hi)
        label = self._sink_labels.get(key)
        if label is None:
            ready = _range_label(msg.ready, _READY)
            delay = "b_short" if msg.b_delay_hi <= _B_SHORT_MAX else "b_long"
            label = self._sink_labels[key] = (ready, delay)
        self.cg.backpressure.sample(label)

    # ------------------------------------------------------------------ end of test
    def close(self) -> dict[str, float]:
        """End of test: count the last back-to-back run; returns the percentages."""
        self._close_run()
        return Covergroups.percentages()

    def export(self, test: str, seed: int, sim: str) -> Path:
        folder = cov_dir() / f"{sim}-{self.n}x{self.m}"
        folder.mkdir(parents=True, exist_ok=True)
        path = folder / f"{test}_{seed}.yml"
        coverage_db.export_to_yaml(str(path))
        return path
