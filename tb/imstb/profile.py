"""Which layer of docs/spec.md the DUT claims: the device *contract* (every DUT) and, on top, the
*ims_ctrl profile* (how our block is built: same-edge AW/W, one step per edge, single
outstanding B/R, the exact step order, flush blocking accesses, latencies).

`IMS_PROFILE=ims_ctrl` claims the profile, `IMS_PROFILE=none` does not. Unset: our RTL claims
it, a foreign file list (`IMS_FILELIST`, set by `ims regress --rtl`) does not. `ims regress
--profile ims_ctrl|none` sets it for every job.
"""

from __future__ import annotations

import os

__all__ = ["PROFILE_ENV", "PROFILE_RULES", "profile_claimed"]

PROFILE_ENV = "IMS_PROFILE"

#: Rules of the ims_ctrl profile that the bench checks only when the profile is claimed.
PROFILE_RULES = ("IMS-015", "IMS-016", "IMS-081", "IMS-082", "IMS-084", "IMS-085", "IMS-086")


def profile_claimed() -> bool:
    value = os.environ.get(PROFILE_ENV, "").strip().lower()
    if value in ("ims_ctrl", "1", "yes", "true"):
        return True
    if value in ("none", "0", "no", "false"):
        return False
    if value:
        raise ValueError(f"{PROFILE_ENV}={value!r}: expected 'ims_ctrl' or 'none'")
    return not os.environ.get("IMS_FILELIST")
