// ims_formal_symbolic_entry.vh: the symbolic entry X (included with IMS_FORMAL_X).
// Included by formal/ims_formal_tb.v inside `ifdef FORMAL, in the scope of module
// ims_formal_tb (no module of its own): it names the wrapper's ports, the DUT's outputs and
// the wires of the files included before it. See formal/ims_formal_tb.v for the order.
//
// X is any of the entries, fixed for the whole trace (anyconst; in the AIGER flow a register
// loaded from a free input at the first edge), with J and C, a PASID bit and its value (P-PASID).
// Derived: events and control-word writes that reach X, the messages of X (msg_x), X's credit
// (releases of X not yet matched by a message, P-EPISODE), and the assumptions of the
// FORBID_* / EPISODE jobs on X. The pin IMS_FORMAL_XFIX is in the top file.

    // One symbolic entry X (any of the NE entries, fixed for the whole trace) and an
    // environment in which the spec allows X no message (IMS_FORMAL_FORBID_*), or allows X
    // messages only through pending releases (IMS_FORMAL_EPISODE). No counting over all
    // entries: these are the per-rule forms of P-MSG that a solver reaches at depth 20.
    // X gets its tag before any table opens, so every message of X carries the tag X + 1.
`ifdef IMS_FORMAL_AIGER
    // AIGER has no anyconst: a register that takes a free value at the first edge and holds it
    (* anyseq *) wire [2:0] f_x_in;
    reg  [2:0] f_x_r;
    wire [2:0] f_x = f_past_valid ? f_x_r : f_x_in;
    always @(posedge clk) f_x_r <= f_x;
    (* anyseq *) wire [4:0] f_j_in;
    reg  [4:0] f_j_r;
    wire [4:0] f_j = f_past_valid ? f_j_r : f_j_in;
    always @(posedge clk) f_j_r <= f_j;
    (* anyseq *) wire f_c_in;
    reg  f_c_r;
    wire f_c = f_past_valid ? f_c_r : f_c_in;
    always @(posedge clk) f_c_r <= f_c;
`else
    (* anyconst *) wire [2:0] f_x;
    (* anyconst *) wire [4:0] f_j;   // P-PASID: the PASID bit in which X's events differ
    (* anyconst *) wire       f_c;   // P-PASID: X's PASID bit J
`endif
    wire [2:0]  ev_e     = evt_ims ? evt_handle[2:0] + MSIX_ENTRIES[2:0] : evt_handle[2:0];
    wire        ev_on_x  = evt_valid && e_inr && (ev_e == f_x);
    wire        wr_x_ctl = s_axil_awvalid && s_axil_wvalid && wd_tab && (wd_e == f_x) &&
                           (wd_dw == 2'd3);
    wire        opens    = s_axil_awvalid && s_axil_wvalid && wd_ctl && s_axil_wstrb[0] &&
                           (s_axil_wdata[0] || s_axil_wdata[2]);
    wire        msg_x    = hs_mw && (m_axil_wdata[2:0] == f_x + 3'd1);
    // X's control word holds PASID_EN = 1 and PASID bit J = C (both written since reset)
    reg         x_pen_set, x_j_set;
    wire        x_armed  = x_pen_set && (x_j_set || !f_c);
    always @(posedge clk) begin
        if (!rst_n) begin
            x_pen_set <= 1'b0;
            x_j_set   <= 1'b0;
        end else if (wr_x_ctl && s_axil_awready) begin
            x_pen_set <= 1'b1;
            if (s_axil_wstrb[(12 + f_j) >> 3]) x_j_set <= 1'b1;
        end
    end
    // X's credit: releases of X not yet matched by a message of X (P-EPISODE). One small
    // counter rather than two message counters: the invariant that proves the property then
    // relates it to the messages of X in flight, which a clause-based prover (PDR) can state.
    wire [1:0]  x_give   = give >> (2 * f_x);
    wire        x_tagged = n_tag >> f_x;
    reg  [2:0]  x_credit;
    always @(posedge clk) begin
        if (!rst_n) begin
            x_credit <= 3'd0;
        end else begin
            x_credit <= x_credit + (x_tagged ? {1'b0, x_give} : 3'd0) - {2'b00, msg_x};
        end
    end
    always @(posedge clk) begin
        assume(f_x < ENTRIES);
        if (opens) begin
            assume(sh_tag[f_x]);
        end
`ifdef IMS_FORMAL_FORBID_MASK
        // X stays masked (IMS-031, IMS-043): its control word is written with MASK = 1 only
        if (wr_x_ctl && s_axil_wstrb[0]) begin
            assume(s_axil_wdata[0]);
        end
`endif
`ifdef IMS_FORMAL_FORBID_PASID
        // X is an IMS entry with PASID_EN = 1 whose PASID has bit J = C, and every event to X
        // carries no PASID or one whose bit J is not C (J and C are free: any mismatch in one
        // bit). X's control word is written with PASID_EN = 1 and, when the byte that holds
        // bit J is written, bit J = C; events reach X only once both are stored. (A mismatch
        // stated as "bit J differs" rather than "the 20-bit values differ" is what a
        // clause-based prover can carry through the pipeline: see docs/formal.md.)
        assume(f_x >= MSIX_ENTRIES);
        assume(f_j < 5'd20);
        if (wr_x_ctl) begin
            assume(s_axil_wstrb[0] && s_axil_wdata[3]);
            if (s_axil_wstrb[(12 + f_j) >> 3]) begin
                assume(s_axil_wdata[12 + f_j] == f_c);
            end
        end
        if (ev_on_x) begin
            assume(x_armed && (!evt_pasid_valid || evt_pasid[f_j] != f_c));
        end
`endif
`ifdef IMS_FORMAL_EPISODE
        // events reach X only while X is masked: each one joins X's pending episode
        if (ev_on_x) begin
            assume(sh_mask[f_x]);
        end
`endif
    end
