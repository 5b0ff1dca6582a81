"""Exceptions of the imsmodel package.

`ImsArgumentError` is raised for misuse of the model API: a parameter out of range (IMS-001), a bad
offset, value, strobe, handle, PASID, response string or index, or a bench callback with nothing
outstanding. It is never raised for a device error such as INVALID_HANDLE (IMS-040/041): those are
device behaviour and are logged in the ERR_* registers.
"""

from __future__ import annotations

__all__ = ["ImsArgumentError"]


class ImsArgumentError(ValueError):
    """A call into the model or the platform model had an argument outside its contract.

    The object the call was made on is left exactly as it was before the call.
    """
