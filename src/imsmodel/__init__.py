"""Python reference model of the `ims_ctrl` IMS/MSI-X interrupt controller (docs/spec.md).

Re-exports only: the model (`model.py`), its value types (`message.py`), the register map's error
codes (`regmap.py`) and the argument error (`errors.py`). The platform model is
`imsmodel.platform`.
"""

from imsmodel.errors import ImsArgumentError
from imsmodel.message import EventOutcome, Message
from imsmodel.model import ImsModel
from imsmodel.regmap import ErrorCode

__all__ = ["ErrorCode", "EventOutcome", "ImsArgumentError", "ImsModel", "Message"]
