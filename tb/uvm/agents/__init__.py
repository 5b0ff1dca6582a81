"""UVM agents of the three `ims_ctrl` ports: registers (`reg_agent`), events (`evt_agent`) and the
message sink (`sink_agent`). Drivers call the BFMs of `tb/bfm/`; monitors forward the shared port
monitor's transactions (`tb/bfm/monitors.py`) through analysis ports."""
