// ims_formal_lemmas.vh: strengthening lemmas of P-EPISODE and P-PASID (IMS_FORMAL_X +
// IMS_FORMAL_EPISODE_LEMMAS; the L-PASID block also needs IMS_FORMAL_FORBID_PASID).
// Included by formal/ims_formal_tb.v inside `ifdef FORMAL, in the scope of module
// ims_formal_tb (no module of its own): it names the wrapper's ports, the DUT's outputs and
// the wires of the files included before it. See formal/ims_formal_tb.v for the order.
//
// Only in the AIGER flow (k-induction with ABC): the h_* wires are DUT internals driven by the
// job's `connect -set` probes (EPISODE_PROBES in src/imsmodel/formal.py); the list of probed
// RTL names is docs/rtl-internals.md. The yosys-smtbmc flows never read these lines, so every
// assertion that yosys-smtbmc can report stays in formal/ims_formal_tb.v.

`ifdef IMS_FORMAL_AIGER
    // the lemmas below are stated for an IMS entry X: no error-interrupt raise reaches X (the
    // bounded yosys-smtbmc check of the job, which has no lemmas, keeps X free over all entries)
    always @(posedge clk) begin
        assume(f_x >= MSIX_ENTRIES);
    end
    // ---------------------------------------------------------------- P-EPISODE lemmas
    // Strengthening lemmas for the proof of P-EPISODE: invariants that tie the DUT's
    // internal state to the shadow model and to X's credit, so that their conjunction with
    // the property is (2-)inductive. They are asserted: ABC's `ind -F 2` proves them together
    // with P-EPISODE, after bmc3 has checked 20 frames from reset.
    // X is an IMS entry here (no error-interrupt raise reaches it). The h_* wires are DUT
    // internals, driven only by `connect -set` after `flatten` and `memory_map` (the job's
    // probes in src/imsmodel/formal.py); this block exists only in the AIGER flow.
    //
    // "_n" values are the state after the coming edge as far as stage 1 writes it: a RAM
    // word / CTRL with the write that stage 1 performs at this edge applied. The shadow
    // applies a step at its handshake edge, the DUT one clock later in stage 1, so the
    // shadow state equals the DUT state with stage 1's write applied.
    // probe wire                                     DUT signal (EPISODE_PROBES)
    (* keep *) wire [191:0] h_flg0, h_flg1;           // u_flg.mem[0], mem[1]: flag words, group 0 (MSI-X), 1 (IMS)
    (* keep *) wire         h_flg_we, h_flg_waddr;    // u_flg.we, waddr
    (* keep *) wire [191:0] h_flg_wdata;              // u_flg.wdata
    (* keep *) wire [1:0]   h_grp_init;               // grp_init: flag word written since reset
    (* keep *) wire [114:0] h_tab0, h_tab1, h_tab64, h_tab65, h_tab66, h_tab67;   // u_tab.mem[..]
    (* keep *) wire         h_tab_we;                 // u_tab.we
    (* keep *) wire [6:0]   h_tab_waddr;              // u_tab.waddr
    (* keep *) wire [114:0] h_tab_wdata;              // u_tab.wdata
    (* keep *) wire [3:0]   h_ctrl_reg, h_ctrl_next;  // ctrl_reg (CTRL), ctrl_next (its write data)
    (* keep *) wire         h_wr_ctrl_reg;            // wr_ctrl_reg: stage 1 writes CTRL
    (* keep *) wire         h_push;                   // s1_push: stage 1 pushes a message at this edge
    (* keep *) wire [31:0]  h_push_data;              // push_data
    (* keep *) wire         h_s1_flush;               // s1_flush: stage 1 holds a write that opens a table
    (* keep *) wire         h_flush_first_g, h_flush_last_g;   // its flush's first and last group
    (* keep *) wire         h_walk_active, h_walk_cur_valid, h_walk_cur_g, h_walk_last_g;   // u_flush.*
    (* keep *) wire [5:0]   h_walk_cur_b;             // u_flush.cur_b
    (* keep *) wire         h_walk_held_valid, h_walk_held_g;   // u_flush.held_*: the held cursor
    (* keep *) wire         h_is_flush, h_s1_g;       // stage 1 holds a flush visit of group s1_g
    (* keep *) wire         h_s1_valid;               // stage 1 holds a step ...
    (* keep *) wire [2:0]   h_s1_op;                  // ... of this kind (OP_FLUSH 5, OP_BERR 3)
    (* keep *) wire [31:0]  h_q0, h_q1, h_q2, h_q3;   // u_msg.q_data[0..3]: message queue data slots
    (* keep *) wire [2:0]   h_q_wr, h_q_w, h_q_aw, h_q_cpl;   // u_msg queue pointers

    // flag words and group-init bits after this edge
    wire [191:0] fn0 = (h_flg_we && !h_flg_waddr) ? h_flg_wdata : h_flg0;
    wire [191:0] fn1 = (h_flg_we &&  h_flg_waddr) ? h_flg_wdata : h_flg1;
    wire         in0 = h_grp_init[0] || (h_flg_we && !h_flg_waddr);
    wire         in1 = h_grp_init[1] || (h_flg_we &&  h_flg_waddr);
    // valid bits of the six entries (entry e: 0..1 MSI-X, 2..5 IMS 0..3) after this edge
    wire [5:0]   vn  = {in1 ? fn1[128 +: 4] : 4'd0, in0 ? fn0[128 +: 2] : 2'd0};
    // table words after this edge
    wire [114:0] tn0  = (h_tab_we && h_tab_waddr == 7'd0)  ? h_tab_wdata : h_tab0;
    wire [114:0] tn1  = (h_tab_we && h_tab_waddr == 7'd1)  ? h_tab_wdata : h_tab1;
    wire [114:0] tn64 = (h_tab_we && h_tab_waddr == 7'd64) ? h_tab_wdata : h_tab64;
    wire [114:0] tn65 = (h_tab_we && h_tab_waddr == 7'd65) ? h_tab_wdata : h_tab65;
    wire [114:0] tn66 = (h_tab_we && h_tab_waddr == 7'd66) ? h_tab_wdata : h_tab66;
    wire [114:0] tn67 = (h_tab_we && h_tab_waddr == 7'd67) ? h_tab_wdata : h_tab67;
    // data-word tag bits [2:0] of each entry as stage 1 would read it (0 while not valid)
    wire [2:0]   dg0 = vn[0] ? tn0[64:62]  : 3'd0;
    wire [2:0]   dg1 = vn[1] ? tn1[64:62]  : 3'd0;
    wire [2:0]   dg2 = vn[2] ? tn64[64:62] : 3'd0;
    wire [2:0]   dg3 = vn[3] ? tn65[64:62] : 3'd0;
    wire [2:0]   dg4 = vn[4] ? tn66[64:62] : 3'd0;
    wire [2:0]   dg5 = vn[5] ? tn67[64:62] : 3'd0;

    // X (an IMS entry): bit xb of flag group 1, table word 64 + xb
    wire [1:0]   xb      = f_x[1:0] - 2'd2;   // f_x - M for f_x in 2..5
    wire         x_pend_n = in1 && fn1[xb];
    wire         x_mask_n = !in1 || fn1[64 + xb];
    wire         x_valid_n = vn[f_x];
    reg  [114:0] x_tab_n;
    always @(*) begin
        case (xb)
            2'd0:    x_tab_n = tn64;
            2'd1:    x_tab_n = tn65;
            2'd2:    x_tab_n = tn66;
            default: x_tab_n = tn67;
        endcase
    end
    wire [20:0]  x_pasid_n = x_valid_n ? x_tab_n[114:94] : 21'd0;   // {PASID, PASID_EN}
    wire [19:0]  x_sh_pasid = sh_pasid >> (20 * xb);
    wire         x_sh_pen   = sh_pen >> xb;
    wire [3:0]   ctrl_n    = h_wr_ctrl_reg ? h_ctrl_next : h_ctrl_reg;
    wire         x_open_n  = ctrl_n[2];
    // X pending and unmasked in an open table: a flush is under way that will send X
    wire         x_fl_n    = x_pend_n && !x_mask_n && x_open_n;
    // messages of X in the queue that have not left on W, and the one stage 1 pushes now
    wire [2:0]   q_wn   = h_q_wr - h_q_w;
    wire [2:0]   q_used = h_q_wr - h_q_cpl;
    wire [2:0]   x_tag  = f_x + 3'd1;
    wire [1:0]   s0 = h_q_w[1:0], s1i = h_q_w[1:0] + 2'd1, s2i = h_q_w[1:0] + 2'd2,
                 s3i = h_q_w[1:0] + 2'd3;
    wire [31:0]  qd0 = (s0  == 2'd0) ? h_q0 : (s0  == 2'd1) ? h_q1 : (s0  == 2'd2) ? h_q2 : h_q3;
    wire [31:0]  qd1 = (s1i == 2'd0) ? h_q0 : (s1i == 2'd1) ? h_q1 : (s1i == 2'd2) ? h_q2 : h_q3;
    wire [31:0]  qd2 = (s2i == 2'd0) ? h_q0 : (s2i == 2'd1) ? h_q1 : (s2i == 2'd2) ? h_q2 : h_q3;
    wire [31:0]  qd3 = (s3i == 2'd0) ? h_q0 : (s3i == 2'd1) ? h_q1 : (s3i == 2'd2) ? h_q2 : h_q3;
    wire [3:0]   x_q = {3'd0, q_wn > 3'd0 && qd0[2:0] == x_tag} +
                       {3'd0, q_wn > 3'd1 && qd1[2:0] == x_tag} +
                       {3'd0, q_wn > 3'd2 && qd2[2:0] == x_tag} +
                       {3'd0, q_wn > 3'd3 && qd3[2:0] == x_tag};
    wire         x_s1 = h_push && h_push_data[2:0] == x_tag;
    wire [3:0]   x_due = x_q + {3'd0, x_s1} + {3'd0, x_fl_n};
    // the flush cursor has not passed X: X is a candidate of the flush under way
    wire         x_cur_ok = h_walk_cur_valid &&
                            (!h_walk_cur_g || (h_walk_cur_b <= {4'd0, xb}));

    always @(posedge clk) begin
        if (f_past_valid) begin
            // L-Q: the message queue holds at most 4 messages, W and AW pointers within them,
            // and stage 1 pushes only into a free slot (it was granted with room)
            assert(q_used <= 3'd4);                                         // L-Q
            assert(q_wn <= q_used);                                         // L-Q
            assert((h_q_wr - h_q_aw) <= q_used);                               // L-Q
            assert({1'b0, q_used} + {3'd0, h_push} <= 4'd4);                // L-Q
            // L-U: no valid or pending bit for a slot beyond the tables
            assert(!in0 || fn0[128 + 2 +: 62] == 62'd0);                   // L-U
            assert(!in0 || fn0[2 +: 62] == 62'd0);                         // L-U
            assert(!in1 || fn1[128 + 4 +: 60] == 60'd0);                   // L-U
            assert(!in1 || fn1[4 +: 60] == 60'd0);                         // L-U
            // L-TAG: an entry's data word carries its own tag or 0; X's carries its tag
            // exactly when the shadow has seen the tag written
            assert(dg0 == 3'd0 || dg0 == 3'd1);                             // L-TAG
            assert(dg1 == 3'd0 || dg1 == 3'd2);                             // L-TAG
            assert(dg2 == 3'd0 || dg2 == 3'd3);                             // L-TAG
            assert(dg3 == 3'd0 || dg3 == 3'd4);                             // L-TAG
            assert(dg4 == 3'd0 || dg4 == 3'd5);                             // L-TAG
            assert(dg5 == 3'd0 || dg5 == 3'd6);                             // L-TAG
            assert((sh_tag >> f_x) & 1'b1 ? (x_valid_n && x_tab_n[64:62] == x_tag)
                                           : (!x_valid_n || x_tab_n[64:62] == 3'd0)); // L-TAG
            assert(!sh_ctrl[2] || ((sh_tag >> f_x) & 1'b1));                // L-TAG: open => tagged
            // L-SH: X's MASK, PASID_EN/PASID and CTRL in the DUT equal the shadow's
            assert(x_mask_n == sh_mask[f_x]);                               // L-SH
            assert(x_pasid_n == {x_sh_pasid, x_sh_pen});                    // L-SH
            assert(ctrl_n == sh_ctrl);                                      // L-SH
            // L-PEND: X is pending in the DUT exactly when the shadow has it pending, or a
            // flush that the shadow has already counted will still send it
            assert(sh_pend[f_x] == (x_pend_n && !x_fl_n));                  // L-PEND
            // L-FL: such a flush is under way (opening write in stage 1, or the walker is
            // active and its cursor has not passed X), so no write or event can intervene
            assert(!x_fl_n || (h_s1_flush && h_flush_last_g) ||
                   (h_walk_active && h_walk_last_g && x_cur_ok));                // L-FL
            // L-FL: a flush whose last group is the IMS group runs only while IMS_ENABLE = 1
            // (it started with the write that set it, and no write is taken until it ends)
            assert(!(h_walk_active && h_walk_last_g) || ctrl_n[2]);              // L-FL
            // L-FL: the walker's held cursor and its visit in stage 1 belong to an active
            // flush and lie within its groups (GW = 1: group 1 only when the last group is 1)
            assert(!h_walk_held_valid || h_walk_active);                           // L-FL
            assert(!h_is_flush || h_walk_active);                                // L-FL
            assert(!(h_walk_held_valid && h_walk_held_g) || h_walk_last_g);              // L-FL
            assert(!(h_is_flush && h_s1_g) || h_walk_last_g);                     // L-FL
            // L-FL: while a flush is active stage 1 holds only its visits and B errors
            assert(!h_walk_active || !h_s1_valid || h_s1_op == 3'd5 || h_s1_op == 3'd3); // L-FL
            // L-CREDIT: X's credit is exactly the messages of X still to leave on W
            assert({1'b0, x_credit} == x_due);                              // L-CREDIT
        end
    end
`ifdef IMS_FORMAL_FORBID_PASID
    // ---------------------------------------------------------------- P-PASID lemmas
    // With the lemmas above (L-CREDIT: every message of X in flight is owed by a credit),
    // P-PASID follows from "X never gets a credit": the shadow never has X pending, since
    // every event to X fails its PASID check. L-PASID states why, in the shadow: X's
    // PASID_EN is 1 once written, and its PASID bit J is C once that byte is written (0
    // before). L-PEND and L-SH carry this to the DUT's table word and flag bit, the 2-step
    // window of ind -F 2 carries the event's PASID from the input to s1_wdata[31:12].
    always @(posedge clk) begin
        if (f_past_valid) begin
            assert(!x_pen_set || x_sh_pen);                                 // L-PASID
            assert(x_sh_pasid[f_j] == (x_j_set && f_c));                    // L-PASID
            assert(!sh_pend[f_x]);                                          // L-PASID
            assert(x_credit == 3'd0);                                       // L-PASID
        end
    end
`endif
`endif
