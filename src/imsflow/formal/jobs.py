"""The formal jobs: the property sets of formal/ims_formal_tb.v, their groups and results."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

DEFAULT_DEPTH = 12  # BMC steps incl. the reset step 0 (see docs/formal.md for runtimes)
DEFAULT_TIMEOUT = 1200.0
KIND_BMC = 20  # bmc3 frames of a k-induction job whose inductive step fails (counterexamples)
# bmc3 frames of the base case once `ind -F k` has proved the step (sound from k frames on; a
# deeper bmc3 could then find nothing): past step 8, the first message of a fresh entry
KIND_BASE = 10
YOSYS_TIMEOUT = 300.0
SOLVERS = ("z3", "boolector", "yices", "bitwuzla")
ENGINES = ("pdr", "bmc")

WRAPPER = "ims_formal_tb.v"
TOP = "ims_formal_tb"


@dataclass(frozen=True)
class PropertyGroup:
    """A group of assertions in the wrapper, marked by a `// P-NAME` comment."""

    name: str
    rules: str
    meaning: str


GROUPS = {
    "P-MSG": PropertyGroup(
        "P-MSG",
        "IMS-031..036, IMS-040..045, IMS-060/061",
        "no message for a masked entry, a PASID mismatch, an invalid handle or a disabled "
        "table; at most one message per pending episode",
    ),
    "P-AXI": PropertyGroup(
        "P-AXI",
        "IMS-013, IMS-070",
        "VALID held with a stable payload until READY; message AWPROT/AWADDR/WSTRB format",
    ),
    "P-WR": PropertyGroup("P-WR", "IMS-012", "AW and W of a register write at the same edge"),
    "P-RSP": PropertyGroup("P-RSP", "IMS-014", "one B and one R outstanding, none lost"),
    "P-STEP": PropertyGroup("P-STEP", "IMS-081", "at most one step per edge"),
    "P-RST": PropertyGroup("P-RST", "IMS-010", "valid/ready outputs 0 in reset"),
    "P-MASK": PropertyGroup("P-MASK", "IMS-031, IMS-043", "no message from a masked entry"),
    "P-PASID": PropertyGroup("P-PASID", "IMS-040, IMS-041", "no message on a PASID mismatch"),
    "P-INVALID": PropertyGroup(
        "P-INVALID",
        "IMS-042, IMS-044, IMS-045",
        "no message for an invalid handle or a disabled table",
    ),
    "P-EPISODE": PropertyGroup(
        "P-EPISODE", "IMS-032, IMS-034, IMS-043", "at most one message per pending episode"
    ),
}


@dataclass(frozen=True)
class FormalJob:
    """One property set: the wrapper macros that select its assertions and environment."""

    name: str
    defines: tuple[str, ...]
    groups: tuple[str, ...]
    what: str
    induction: int = 0  # k > 0: with --engine bmc, also prove by k-induction
    default: bool = True  # part of the default job list
    engine: str = "pdr"  # pdr: proved for every depth by ABC's PDR; bmc: yosys-smtbmc to --depth
    # AIGER flow only: (wrapper wire, DUT signal after flatten/memory_map) pairs joined with
    # `connect -set`, so that the wrapper's lemmas can name DUT internals
    probes: tuple[tuple[str, str], ...] = ()
    # AIGER flow only: assertions, like assumptions, check the cycle they name (chformal -early)
    # instead of through the activation flip-flop Yosys adds; the prover then sees lemmas about
    # the current state, which is what makes them strengthen the invariant
    early_asserts: bool = False
    # k > 0: the pdr engine proves the job by k-induction in ABC instead of PDR: `ind -F k`
    # (inductive step), then bmc3 from reset: KIND_BASE frames (the base case) when the step is
    # proved, else KIND_BMC frames (the search for the counterexample).
    # For assertion sets that are k-inductive but not compact as clauses (PDR stalls on them)
    kind: int = 0


_CORE = "dut.u_core"
# DUT internals that the P-EPISODE lemmas name (formal/ims_formal_lemmas.vh, under
# IMS_FORMAL_EPISODE_LEMMAS); the one list of RTL names tools depend on: docs/rtl-internals.md
EPISODE_PROBES: tuple[tuple[str, str], ...] = (
    ("h_flg0", f"{_CORE}.u_flg.mem[0]"),
    ("h_flg1", f"{_CORE}.u_flg.mem[1]"),
    ("h_flg_we", f"{_CORE}.u_flg.we"),
    ("h_flg_waddr", f"{_CORE}.u_flg.waddr"),
    ("h_flg_wdata", f"{_CORE}.u_flg.wdata"),
    ("h_grp_init", f"{_CORE}.grp_init"),
    ("h_tab0", f"{_CORE}.u_tab.mem[0]"),
    ("h_tab1", f"{_CORE}.u_tab.mem[1]"),
    ("h_tab64", f"{_CORE}.u_tab.mem[64]"),
    ("h_tab65", f"{_CORE}.u_tab.mem[65]"),
    ("h_tab66", f"{_CORE}.u_tab.mem[66]"),
    ("h_tab67", f"{_CORE}.u_tab.mem[67]"),
    ("h_tab_we", f"{_CORE}.u_tab.we"),
    ("h_tab_waddr", f"{_CORE}.u_tab.waddr"),
    ("h_tab_wdata", f"{_CORE}.u_tab.wdata"),
    ("h_ctrl_reg", f"{_CORE}.ctrl_reg"),
    ("h_ctrl_next", f"{_CORE}.ctrl_next"),
    ("h_wr_ctrl_reg", f"{_CORE}.wr_ctrl_reg"),
    ("h_push", f"{_CORE}.s1_push"),
    ("h_push_data", f"{_CORE}.push_data"),
    ("h_s1_flush", f"{_CORE}.s1_flush"),
    ("h_flush_first_g", f"{_CORE}.flush_first_g"),
    ("h_flush_last_g", f"{_CORE}.flush_last_g"),
    ("h_walk_active", f"{_CORE}.u_flush.active"),
    ("h_walk_cur_valid", f"{_CORE}.u_flush.cur_valid"),
    ("h_walk_cur_g", f"{_CORE}.u_flush.cur_g"),
    ("h_walk_cur_b", f"{_CORE}.u_flush.cur_b"),
    ("h_walk_last_g", f"{_CORE}.u_flush.last_g"),
    ("h_walk_held_valid", f"{_CORE}.u_flush.held_valid"),
    ("h_walk_held_g", f"{_CORE}.u_flush.held_g"),
    ("h_is_flush", f"{_CORE}.is_flush"),
    ("h_s1_g", f"{_CORE}.s1_g"),
    ("h_s1_valid", f"{_CORE}.s1_valid"),
    ("h_s1_op", f"{_CORE}.s1_op"),
    ("h_q0", "dut.u_msg.q_data[0]"),
    ("h_q1", "dut.u_msg.q_data[1]"),
    ("h_q2", "dut.u_msg.q_data[2]"),
    ("h_q3", "dut.u_msg.q_data[3]"),
    ("h_q_wr", "dut.u_msg.q_wr"),
    ("h_q_w", "dut.u_msg.q_w"),
    ("h_q_aw", "dut.u_msg.q_aw"),
    ("h_q_cpl", "dut.u_msg.q_cpl"),
)

JOBS: dict[str, FormalJob] = {
    job.name: job
    for job in (
        FormalJob(
            "axi",
            ("IMS_FORMAL_HS", "IMS_FORMAL_M_READY", "IMS_FORMAL_B_OKAY"),
            ("P-AXI", "P-WR", "P-RSP", "P-STEP"),
            "register-port handshakes and responses, message format, one step per edge "
            "(message port always ready, every B OKAY)",
            induction=3,
        ),
        FormalJob(
            "reset",
            ("IMS_FORMAL_RESET",),
            ("P-RST",),
            "reset asserted at any clock: every valid/ready output 0 while rst_n = 0",
            induction=2,
        ),
        FormalJob(
            "mask",
            ("IMS_FORMAL_X", "IMS_FORMAL_FORBID_MASK"),
            ("P-MASK",),
            "no message from an entry that stays masked (symbolic entry)",
        ),
        FormalJob(
            "pasid",
            # X pinned to IMS entry 0: with X free as well, PDR stalled at frame 4 (docs/formal.md)
            # The event's PASID shares the write-data register and comparator with control
            # writes (RTL 1385dc4); PDR then stalls (frame 8), so: 2-induction with the
            # P-EPISODE lemmas plus L-PASID (formal/ims_formal_lemmas.vh, docs/formal.md)
            (
                "IMS_FORMAL_X",
                "IMS_FORMAL_FORBID_PASID",
                "IMS_FORMAL_XFIX=2",
                "IMS_FORMAL_EPISODE_LEMMAS",
            ),
            ("P-PASID",),
            "no message from IMS entry 0 while its events all carry no PASID or one that "
            "differs in a (free) bit",
            probes=EPISODE_PROBES,
            early_asserts=True,
            kind=2,
        ),
        FormalJob(
            "invalid",
            ("IMS_FORMAL_FORBID_INVALID",),
            ("P-INVALID",),
            "no message when every event has an invalid handle or a disabled table",
        ),
        FormalJob(
            "episode",
            ("IMS_FORMAL_X", "IMS_FORMAL_EPISODE", "IMS_FORMAL_EPISODE_LEMMAS"),
            ("P-EPISODE",),
            "at most one message per pending episode of a symbolic IMS entry",
            probes=EPISODE_PROBES,
            early_asserts=True,
            kind=2,
        ),
        FormalJob(
            "msg",
            ("IMS_FORMAL_MSG",),
            ("P-MSG",),
            "every message allowed by a step of the spec, all entries (shadow model)",
            default=False,
            engine="bmc",
        ),
        FormalJob(
            "maxi",
            ("IMS_FORMAL_HS", "IMS_FORMAL_B_OKAY", "IMS_FORMAL_NO_READS"),
            ("P-AXI",),
            "message port VALID/payload stable until READY under backpressure "
            "(every B OKAY, no register reads)",
        ),
    )
}


@dataclass
class FormalResult:
    job: str
    status: str  # PASS | FAIL | TIMEOUT | ERROR
    depth: int
    seconds: float
    step: int | None = None  # the step of a counterexample
    assertion: str = ""  # file:line of the failing assertion
    source: str = ""  # its source text
    group: str = ""  # its property group (P-MSG, ...)
    trace: Path | None = None
    detail: str = ""
    log: Path | None = None
    rerun: str = ""
    engine: str = "pdr"

    @property
    def rules(self) -> str:
        g = GROUPS.get(self.group)
        return g.rules if g else ""
