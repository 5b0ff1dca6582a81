"""UVM agents of the three `ims_ctrl` ports: registers (`reg_agent`), events (`evt_agent`) and the
message sink (`sink_agent`). Drivers call the BFMs of `imstb.bfm`; monitors forward the shared port
monitor's transactions (`imstb.bfm.monitors`) through analysis ports."""
