ims_ctrl.v
ims_fsm_engine.v
ims_fsm_ram.v
ims_fsm_fifo.v
ims_fsm_master.v
