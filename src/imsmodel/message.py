"""The values the model hands to benches: `Message` (one interrupt write, IMS-070) and
`EventOutcome` (what one event did, IMS-040..044)."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from imsmodel.regmap import ErrorCode

__all__ = ["CAUSES", "EventOutcome", "Message", "ReleaseWait"]

#: The values of `Message.cause`.
CAUSES = ("event", "unmask", "flush", "raise")


@dataclass(frozen=True, slots=True)
class Message:
    """One interrupt message (IMS-070): a 32-bit write of `data` to `addr` with WSTRB 0xF.

    `ims`/`index` name the entry it was sent for. `raise_` is True only for a message sent directly
    by the error-interrupt raise (IMS-061/062); `cause` is "event" (IMS-044), "unmask" (IMS-031),
    "flush" (IMS-032) or "raise" (IMS-061). A raise's vector 0 released later by an unmask or flush
    is an ordinary message: raise_=False, cause "unmask"/"flush" (IMS-062).
    """

    addr: int
    data: int
    ims: bool
    index: int
    raise_: bool = False
    cause: str = "event"


@dataclass(frozen=True, slots=True)
class ReleaseWait:
    """What a HANDLE_RELEASE step (IMS-039) leaves a bench to check about its held B (IMS-107).

    Counted at the release's step, over the messages emitted by earlier steps and not yet
    answered (no B), in B order (AW order, IMS-073):

    * `entry_unanswered`: how many of them belong to the released entry;
    * `wait`: how many B responses must come before the release's B may be shown (the position of
      the entry's last unanswered message, 1-based; 0 when the entry has none): the contract;
    * `all_unanswered`: all of them, of any entry (what the ims_ctrl profile waits for, IMS-087);
    * `b_done`: B responses counted at the step (`ImsModel.b_answered`), so the B may be shown
      once `b_answered >= b_done + wait`.
    """

    ims: bool
    index: int
    entry_unanswered: int
    wait: int
    all_unanswered: int
    b_done: int


class EventOutcome(enum.Enum):
    """What one event did (IMS-040..044)."""

    SENT = "sent"
    PENDING = "pending"
    IMS_DISABLED = "ims_disabled"
    MSIX_DISABLED = "msix_disabled"
    INVALID_HANDLE = "invalid_handle"
    PASID_MISMATCH = "pasid_mismatch"

    @property
    def error_code(self) -> ErrorCode | None:
        """The logged error code, or None for SENT/PENDING."""
        return _OUTCOME_CODE.get(self)


_OUTCOME_CODE: dict[EventOutcome, ErrorCode] = {
    EventOutcome.IMS_DISABLED: ErrorCode.IMS_DISABLED,
    EventOutcome.MSIX_DISABLED: ErrorCode.MSIX_DISABLED,
    EventOutcome.INVALID_HANDLE: ErrorCode.INVALID_HANDLE,
    EventOutcome.PASID_MISMATCH: ErrorCode.PASID_MISMATCH,
}
