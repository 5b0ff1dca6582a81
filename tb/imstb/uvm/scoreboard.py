"""`ImsScoreboardComp`: the UVM scoreboard, a component around `imstb.scoreboard.ImsScoreboard`.

* `port_imp` takes the port monitor's stream (the transactions of each edge, in DUT order)
  and feeds it to `ImsScoreboard`, which replays the steps into the model in edge order
  (docs/spec.md section 8) and compares every response, read value and message bit for bit and
  in order. It raises at the first disagreement, naming the rule most likely broken.
* The model is a `ProbedModel`; its step records leave on `step_ap` (coverage).
* `sink_imp` takes the sink monitor's decoded messages: each is paired with the model message it
  was checked against, and when the entry was programmed from the platform model with that pair,
  the handler that fired (cpu, vector) must be the one it was bound to; it is then counted in
  `PlatformModel.fired`.
* `final_check` (end of test): nothing pending, no missing message, every accepted message
  paired, no stray handler.

When `ImsScoreboard` fails on a message (wrong or extra AW/W), this component adds a diagnosis
from the model's recent steps: if the DUT's message belongs to an entry whose latest event the
model rejected or held pending, the rule of that decision is named (IMS-040/041 checks, IMS-043
mask, IMS-033 closed table), since the message-order view alone cannot tell that.
"""

from __future__ import annotations

import re
from collections import deque
from collections.abc import Callable

from pyuvm import uvm_analysis_port, uvm_scoreboard

from imsmodel import EventOutcome, Message
from imsmodel import regmap as rm
from imstb.bfm.monitors import MsgAw
from imstb.model_probe import ProbedModel, StepRecord
from imstb.platform_model import PlatformModel
from imstb.scoreboard import ImsScoreboard, ScoreboardError
from imstb.uvm.agents.sink_agent import SinkMsg
from imstb.uvm.port_monitor import PortItem, analysis_imp

__all__ = ["ImsScoreboardComp", "ScoreboardError"]


class ImsScoreboardComp(uvm_scoreboard):
    def build_phase(self) -> None:
        self.port_imp = analysis_imp("port_imp", self, self._on_port)
        self.sink_imp = analysis_imp("sink_imp", self, self._on_sink)
        self.step_ap = uvm_analysis_port("step_ap", self)
        self._model_msgs: deque[Message] = deque()
        self._sink_msgs: deque[SinkMsg] = deque()
        self._recent: deque[StepRecord] = deque(maxlen=256)  # recent event steps
        self.handler_checks = 0
        self._pair = True
        self.platform: PlatformModel | None = None

    def setup(
        self,
        ims_entries: int,
        msix_entries: int,
        platform: PlatformModel,
        *,
        profile: bool = True,
        ready_count: Callable[[], int] | None = None,
    ) -> None:
        """Create the model and the scoreboard (before the first edge). Without the ims_ctrl
        profile the nominal model's messages do not pair with the DUT's one to one, so the
        handler check (platform bindings) pairs only when the profile is claimed."""
        self.model = ProbedModel(ims_entries, msix_entries)
        self.model.probes.append(self._on_record)
        self.sb = ImsScoreboard(
            self.model,
            strict=True,
            history=100,
            log=self.logger,
            profile=profile,
            ready_count=ready_count,
        )
        if profile:
            self.sb.on_message.append(self._on_model_msg)
        self._pair = profile
        self.platform = platform

    # ------------------------------------------------------------------ inputs
    def _on_port(self, item: PortItem) -> None:
        try:
            self.sb.on_edge_txns(item.edge, item.txns)
        except ScoreboardError as exc:
            why = self.diagnose(str(exc))
            if not why:
                raise
            self.logger.error("bench diagnosis: %s", why)
            raise ScoreboardError(f"{why}\n{exc}") from exc

    def _on_record(self, rec: StepRecord) -> None:
        """A model step record: out on `step_ap` (coverage); event steps kept for `diagnose`."""
        for sub in self.step_ap.subscribers:  # what `step_ap.write(rec)` does, one call less
            sub.write(rec)
        if rec.kind == "event":
            self._recent.append(rec)

    # Model messages and sink writes pair in order; at most one of the two queues is non-empty.
    def _on_model_msg(self, msg: Message, aw: MsgAw) -> None:
        if self._sink_msgs:
            self._check_handler(msg, self._sink_msgs.popleft())
        else:
            self._model_msgs.append(msg)

    def _on_sink(self, smsg: SinkMsg) -> None:
        if not self._pair:  # no profile: the message order is the contract checker's business
            self._check_by_pair(smsg)
            return
        if self._model_msgs:
            self._check_handler(self._model_msgs.popleft(), smsg)
        else:
            self._sink_msgs.append(smsg)

    def _check_by_pair(self, smsg: SinkMsg) -> None:
        """Without the exact order: the binding is found by the message's (addr, data) pair
        (each binding has its own pair), and the handler that fired must be its handler."""
        assert self.platform is not None
        for b in self.platform.bindings():
            if (b.addr, b.data) == (smsg.addr, smsg.data):
                if smsg.handler != b.handler:
                    why = smsg.stray or f"cpu/vector {smsg.handler}"
                    raise ScoreboardError(
                        f"wrong interrupt handler: message 0x{smsg.addr:x}/0x{smsg.data:x} "
                        f"decoded as {why}, its pair is bound to {b} (IMS-070)\n {smsg}"
                    )
                self.platform.fired[b.handler] += 1
                self.handler_checks += 1
                return

    def _check_handler(self, msg: Message, smsg: SinkMsg) -> None:
        """The handler that fired is the one the entry was bound to (platform in the loop)."""
        assert self.platform is not None
        b = self.platform.binding(msg.ims, msg.index)
        handler = smsg.handler
        if b is None or (b.addr, b.data) != (msg.addr, msg.data):
            return  # entry not programmed from the platform (or reprogrammed since): no binding
        if handler != b.handler:
            t = "IMS" if msg.ims else "MSI-X"
            why = smsg.stray or f"cpu/vector {handler}"
            raise ScoreboardError(
                f"wrong interrupt handler: {msg.cause} message of {t}[{msg.index}] decoded as "
                f"{why}, entry bound to {b} (IMS-070: AWADDR/WDATA of the entry's pair; "
                f"IMS-044/IMS-031/IMS-032)\n {smsg}"
            )
        self.platform.fired[b.handler] += 1
        self.handler_checks += 1

    # ------------------------------------------------------------------ diagnosis
    def diagnose(self, failure: str) -> str:
        """The rule behind a wrong or extra message, from the model's recent event decisions."""
        found = re.search(r"AWADDR 0x([0-9a-f]+)", failure)
        if found is None:
            if "extra message W" not in failure or not self._recent:
                return ""
            # a W ahead of its AW names no entry: judge by the latest event decision
            rec = self._recent[-1]
            t = f"{'IMS' if rec.ims else 'MSI-X'}[{rec.handle}]"
            verdict = _VERDICT.get(rec.outcome, "")
            if not verdict:
                return ""
            return verdict.format(t=t, rec=rec, pasid=_pasid(rec)) + " (judged by the W)"
        addr = int(found.group(1), 16)
        for rec in reversed(self._recent):
            if not self._entry_has_addr(rec.ims, rec.handle, addr):
                continue
            t = f"{'IMS' if rec.ims else 'MSI-X'}[{rec.handle}]"
            return _VERDICT.get(rec.outcome, "").format(t=t, rec=rec, pasid=_pasid(rec))
        return ""

    def _entry_has_addr(self, ims: bool, index: int, addr: int) -> bool:
        if index >= (self.model.ims_entries if ims else self.model.msix_entries):
            return False
        base = (rm.IMS_TABLE_BASE if ims else rm.MSIX_TABLE_BASE) + rm.ENTRY_BYTES * index
        lo, _ = self.model.read(base + 4 * rm.WORD_ADDR_LO)
        hi, _ = self.model.read(base + 4 * rm.WORD_ADDR_HI)
        return (hi << 32 | lo) == addr

    # ------------------------------------------------------------------ end of test
    @property
    def settled(self) -> bool:
        return self.sb.settled

    def final_check(self) -> None:
        self.sb.check_done()
        self.sb.raise_if_errors()
        if self._model_msgs or self._sink_msgs:
            raise ScoreboardError(
                f"{len(self._model_msgs)} model messages and {len(self._sink_msgs)} sink writes "
                "left unpaired at the end of the test (IMS-071/IMS-073)"
            )
        self.logger.info(
            "scoreboard: %s; %d handlers checked against the platform bindings",
            dict(self.sb.stats),
            self.handler_checks,
        )


def _pasid(rec: StepRecord) -> str:
    return "absent" if rec.pasid is None else f"0x{rec.pasid:05x}"


_VERDICT: dict[EventOutcome | None, str] = {
    EventOutcome.PASID_MISMATCH: (
        "IMS-040 PASID check (IMS-042): the DUT sent a message for {t}, whose latest event "
        "(PASID {pasid}; entry PASID 0x{rec.entry_pasid:05x}, PASID_EN=1) the model rejected as "
        "PASID_MISMATCH"
    ),
    EventOutcome.PENDING: (
        "IMS-043 mask check: the DUT sent a message for {t}, whose latest event the model found "
        "masked (MASK=1 or MSIX_FUNC_MASK=1) and left pending"
    ),
    EventOutcome.IMS_DISABLED: (
        "IMS-040/IMS-033: the DUT sent a message for {t}, whose latest event the model rejected "
        "because IMS_ENABLE=0"
    ),
    EventOutcome.MSIX_DISABLED: (
        "IMS-041/IMS-033: the DUT sent a message for {t}, whose latest event the model rejected "
        "because MSIX_ENABLE=0"
    ),
}
