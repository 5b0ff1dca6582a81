"""The bottom layer of imsflow: imports nothing from the rest of imsflow.

* :mod:`imsflow.core.defaults` - simulators, toplevel, timeouts;
* :mod:`imsflow.core.paths` - the repository root, its RTL and its test folder;
* :mod:`imsflow.core.types` - the job/result types every tool passes around;
* :mod:`imsflow.core.proc` - Linux process trees (/proc) and killing them;
* :mod:`imsflow.core.rerun` - the copy-paste commands that rerun a job.
"""
