"""`ImsRegPredictor`: the bench's explicit predictor (pyuvm's `uvm_reg_predictor` is not
implemented).

It subscribes to the register agent's monitor and updates the register model's mirror from every
completed access, whoever issued it (register layer, raw sequences, concurrent sequences):

* OKAY write: the write is merged byte by byte with the mirror first (WSTRB, IMS-023: a byte whose
  strobe is 0 keeps its value; a W1C bit in such a byte is not written), then predicted with the
  fields' access codes (RW takes the value, W1C clears the ones, RO keeps its mirror);
* OKAY read: the mirror takes the value read (volatile registers included);
* SLVERR (unmapped, IMS-025) or an access lost in reset: nothing is predicted.

pyuvm's own field prediction takes or drops a whole field by the byte enable of the field's LSB
byte, which is wrong for fields that span bytes (the IMS PASID, bits 31:12); merging first avoids
that. An OKAY response at an offset the model does not map is a register-map disagreement and is
reported as an error (IMS-025).
"""

from __future__ import annotations

from pyuvm import uvm_door_e, uvm_predict_e, uvm_reg_item, uvm_status_e, uvm_subscriber

from imsmodel.regmap import STRB_BYTE_MASK
from imstb.bfm.monitors import RegRead, RegWrite
from imstb.profile import profile_claimed
from imstb.uvm.reg_model import ImsReg, ImsRegBlock

__all__ = ["ImsRegPredictor"]


class ImsRegPredictor(uvm_subscriber):
    """Mirror updates from monitored register accesses (connect to `RegMonitor.ap`)."""

    def build_phase(self) -> None:
        self.regs: ImsRegBlock | None = None
        self.predicted = 0
        # A read returns the state at one instant of its AR..R window (the contract, IMS-100):
        # for a DUT that does not claim the ims_ctrl profile, a read whose R comes after the B
        # of a later write may still show the old value, so only writes update the mirror (the
        # contract checker judges every read value). With the profile, reads update it too.
        self.predict_reads = profile_claimed()

    def write(self, tt: RegWrite | RegRead) -> None:
        if tt.resp != "OKAY" or self.regs is None:
            return
        reg = self.regs.at(tt.addr)
        if reg is None:
            self.logger.error(
                "OKAY response at 0x%04x, which the register model does not map (IMS-025): %s",
                tt.addr,
                tt,
            )
            return
        if isinstance(tt, RegWrite):
            self._predict(reg, self._merged(reg, tt.data, tt.strb), uvm_predict_e.UVM_PREDICT_WRITE)
        elif self.predict_reads:
            assert tt.data is not None
            self._predict(reg, tt.data, uvm_predict_e.UVM_PREDICT_READ)
        else:
            return
        self.predicted += 1

    @staticmethod
    def _merged(reg: ImsReg, data: int, strb: int) -> int:
        bm = STRB_BYTE_MASK[strb]
        mirror = reg.get_mirrored_value()
        merged = (mirror & ~bm) | (data & bm)
        return merged & ~(reg.w1c_mask & ~bm) & 0xFFFFFFFF

    def _predict(self, reg: ImsReg, value: int, kind: uvm_predict_e) -> None:
        rw = uvm_reg_item("predict")
        rw.set_value(value)
        rw.set_door(uvm_door_e.UVM_PREDICT)
        rw.set_map(self.regs.map if self.regs is not None else None)
        rw.set_status(uvm_status_e.UVM_IS_OK)
        reg.do_predict(rw, kind)
