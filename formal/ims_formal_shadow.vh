// ims_formal_shadow.vh: what the wrapper observes and the shadow model of the spec.
// Included by formal/ims_formal_tb.v inside `ifdef FORMAL, in the scope of module
// ims_formal_tb (no module of its own): it names the wrapper's ports, the DUT's outputs and
// the wires of the files included before it. See formal/ims_formal_tb.v for the order.
//
// Previous-cycle samples (p_*) of every port, the handshakes of this edge (hs_*), the decode of
// a register write (wd_*) and of an event (e_inr), and the shadow model (spec sections 3-6,
// updated at the step edges of IMS-080 seen on the ports): CTRL, ERR_STATUS.VALID, per entry
// MASK / pending / tagged, per IMS entry PASID_EN / PASID. Every step that the spec says sends a
// message (event on an open, unmasked entry; unmask of a pending entry; flush; error-interrupt
// raise) adds one to the entry's allowance (or to the untagged pool while the entry has no
// tag); messages are counted per tag at their W handshake (sh_sent*). Counters f_* of message
// handshakes, outstanding register responses and steps feed the environment and P-RSP.
//
// Entry tags. Message address/data are opaque to the device, so the environment programs a
// unique tag into each entry's data word: a write of the data word (+8) of entry e with
// WSTRB[0] = 1 carries WDATA[2:0] = e + 1 (e = 0..1 MSI-X 0..1, e = 2..5 IMS 0..3). An entry's
// data then reads tag(e) in bits [2:0] once written, 0 (its reset value) before: a message
// whose WDATA[2:0] = e + 1 comes from entry e, a message with 0 from some entry not yet tagged.

    // ------------------------------------------------------------------ previous cycle
    reg         f_past_valid = 1'b0;   // at least one edge (the first one, in reset) has passed
    reg         p_rst_n;
    reg         p_s_awvalid, p_s_awready, p_s_wvalid, p_s_wready, p_s_arvalid, p_s_arready;
    reg  [15:0] p_s_awaddr, p_s_araddr;
    reg  [2:0]  p_s_awprot, p_s_arprot;
    reg  [31:0] p_s_wdata;
    reg  [3:0]  p_s_wstrb;
    reg         p_s_bvalid, p_s_bready, p_s_rvalid, p_s_rready;
    reg  [1:0]  p_s_bresp, p_s_rresp;
    reg  [31:0] p_s_rdata;
    reg         p_m_awvalid, p_m_awready, p_m_wvalid, p_m_wready, p_m_bvalid, p_m_bready;
    reg  [63:0] p_m_awaddr;
    reg  [2:0]  p_m_awprot;
    reg  [31:0] p_m_wdata;
    reg  [3:0]  p_m_wstrb;
    reg  [1:0]  p_m_bresp;
    reg         p_hs_ar;

    // ------------------------------------------------------------------ handshakes at this edge
    wire hs_wc  = s_axil_awvalid && s_axil_awready;            // write commit edge (IMS-012)
    wire hs_ww  = s_axil_wvalid && s_axil_wready;
    wire hs_ar  = s_axil_arvalid && s_axil_arready;
    wire hs_ev  = evt_valid && evt_ready;
    wire hs_sb  = s_axil_bvalid && s_axil_bready;
    wire hs_sr  = s_axil_rvalid && s_axil_rready;
    wire hs_maw = m_axil_awvalid && m_axil_awready;
    wire hs_mw  = m_axil_wvalid && m_axil_wready;
    wire hs_mb  = m_axil_bvalid && m_axil_bready;
    // a non-OKAY B is the logged B error step (IMS-053): the environment offers none for a raise
    wire hs_berr = hs_mb && (m_axil_bresp != 2'b00);

    // ------------------------------------------------------------------ register write decode
    wire [15:0] wa     = s_axil_awaddr;
    wire        wd_ctl = (wa[15:2] == 14'h0002);                     // CTRL
    wire        wd_rel = (wa[15:2] == 14'h000E) && (s_axil_wstrb != 4'd0);   // HANDLE_RELEASE
    wire        wd_est = (wa[15:2] == 14'h0004);                     // ERR_STATUS
    wire        wd_mt  = (wa[15:12] == 4'h1) && ({24'd0, wa[11:4]} < MSIX_ENTRIES);   // MSI-X entry
    wire        wd_it  = wa[15] && ({21'd0, wa[14:4]} < IMS_ENTRIES);               // IMS entry
    wire [2:0]  wd_e   = wd_mt ? wa[6:4] : wa[6:4] + MSIX_ENTRIES[2:0];          // entry number 0..NE-1
    wire [1:0]  wd_dw  = wa[3:2];
    wire        wd_tab = wd_mt || wd_it;

    // event decode
    wire e_inr = evt_ims ? ({16'd0, evt_handle} < IMS_ENTRIES) : ({16'd0, evt_handle} < MSIX_ENTRIES);

    // ------------------------------------------------------------------ shadow state
    reg  [3:0]      sh_ctrl;         // {ERR_INT_ENABLE, IMS_ENABLE, MSIX_FUNC_MASK, MSIX_ENABLE}
    reg             sh_err_valid;
    reg             sh_raise_seen;   // an error-interrupt raise happened since reset
    reg  [ENTRIES-1:0]   sh_mask, sh_pend, sh_tag;
    reg  [IMS_ENTRIES-1:0]    sh_pen;
    reg  [20*IMS_ENTRIES-1:0] sh_pasid;
    reg  [CNT_W*ENTRIES-1:0] sh_allow, sh_sent;
    reg  [CNT_W-1:0]   sh_allow_u, sh_sent_u, sh_sent_bad;
    reg  [HS_W-1:0]   f_maw, f_mw, f_mb;   // message AW / W / B handshakes since reset
    reg  [1:0]      f_wpend, f_rpend;    // register writes without B, reads without R
    reg             f_wrel;              // the write without B is a HANDLE_RELEASE (B may be held)
    reg  [4:0]      f_nsteps;            // write commits + events since reset

    // next state
    reg  [3:0]      n_ctrl;
    reg             n_err_valid, n_raise_seen;
    reg  [ENTRIES-1:0]   n_mask, n_pend, n_tag;
    reg  [IMS_ENTRIES-1:0]    n_pen;
    reg  [20*IMS_ENTRIES-1:0] n_pasid;
    reg  [CNT_W*ENTRIES-1:0] n_allow, n_sent;
    reg  [CNT_W-1:0]   n_allow_u, n_sent_u, n_sent_bad;
    reg  [2*ENTRIES-1:0] give;            // messages this edge's steps allow, per entry
    reg             old_mopen, old_iopen, nm, ev_err, ev_masked, raise;
    reg             np_pen;              // an IMS control word's PASID_EN / PASID after the write
    reg  [19:0]     np_pasid;
    reg  [16:0]     rel_v;               // HANDLE_RELEASE operand (written bytes, others 0)
    reg  [1:0]      n_errs;
    integer         i;

    always @(*) begin
        n_ctrl       = sh_ctrl;
        n_err_valid  = sh_err_valid;
        n_raise_seen = sh_raise_seen;
        n_mask       = sh_mask;
        n_pend       = sh_pend;
        n_tag        = sh_tag;
        n_pen        = sh_pen;
        n_pasid      = sh_pasid;
        n_allow      = sh_allow;
        n_allow_u    = sh_allow_u;
        n_sent       = sh_sent;
        n_sent_u     = sh_sent_u;
        n_sent_bad   = sh_sent_bad;
        give         = {2*ENTRIES{1'b0}};
        old_mopen    = 1'b0;
        old_iopen    = 1'b0;
        nm           = 1'b0;
        ev_err       = 1'b0;
        ev_masked    = 1'b0;
        raise        = 1'b0;
        n_errs       = 2'd0;
        np_pen       = 1'b0;
        np_pasid     = 20'd0;
        rel_v        = 17'd0;

        // ---- register write at its commit edge (IMS-012, IMS-020..036)
        if (hs_wc) begin
            if (wd_ctl && s_axil_wstrb[0]) begin
                old_mopen = sh_ctrl[0] && !sh_ctrl[1];
                old_iopen = sh_ctrl[2];
                n_ctrl    = s_axil_wdata[3:0];
                // IMS-032: a table that opens flushes its pending, unmasked entries
                if (!old_mopen && n_ctrl[0] && !n_ctrl[1]) begin
                    for (i = 0; i < MSIX_ENTRIES; i = i + 1) begin
                        if (n_pend[i] && !n_mask[i]) begin
                            give[2*i +: 2] = give[2*i +: 2] + 2'd1;
                            n_pend[i]      = 1'b0;
                        end
                    end
                end
                if (!old_iopen && n_ctrl[2]) begin
                    for (i = MSIX_ENTRIES; i < ENTRIES; i = i + 1) begin
                        if (n_pend[i] && !n_mask[i]) begin
                            give[2*i +: 2] = give[2*i +: 2] + 2'd1;
                            n_pend[i]      = 1'b0;
                        end
                    end
                end
            end
            if (wd_est && s_axil_wstrb[0] && s_axil_wdata[0]) begin   // IMS-027
                n_err_valid = 1'b0;
            end
            // IMS-039: HANDLE_RELEASE clears the entry's pending bit and sets its MASK
            if (wd_rel) begin
                rel_v = s_axil_wdata[16:0] & {s_axil_wstrb[2], {8{s_axil_wstrb[1]}},
                                              {8{s_axil_wstrb[0]}}};
                for (i = 0; i < MSIX_ENTRIES; i = i + 1) begin
                    if (!rel_v[16] && rel_v[15:0] == i) begin
                        n_pend[i] = 1'b0;
                        n_mask[i] = 1'b1;
                    end
                end
                for (i = 0; i < IMS_ENTRIES; i = i + 1) begin
                    if (rel_v[16] && rel_v[15:0] == i) begin
                        n_pend[MSIX_ENTRIES + i] = 1'b0;
                        n_mask[MSIX_ENTRIES + i] = 1'b1;
                    end
                end
            end
            // MSI-X entries: data word tag, MASK (IMS-031, IMS-036)
            for (i = 0; i < MSIX_ENTRIES; i = i + 1) begin
                if (wd_mt && wd_e == i) begin
                    if (wd_dw == 2'd2 && s_axil_wstrb[0]) begin
                        n_tag[i] = 1'b1;
                    end
                    if (wd_dw == 2'd3 && s_axil_wstrb[0]) begin
                        nm = s_axil_wdata[0];
                        if (n_mask[i] && !nm && n_pend[i] && n_ctrl[0] && !n_ctrl[1]) begin
                            give[2*i +: 2] = give[2*i +: 2] + 2'd1;
                            n_pend[i]      = 1'b0;
                        end
                        n_mask[i] = nm;
                    end
                end
            end
            // IMS entries: data word tag, MASK, PASID_EN, PASID (byte strobes, IMS-023)
            for (i = 0; i < IMS_ENTRIES; i = i + 1) begin
                if (wd_it && wd_e == MSIX_ENTRIES + i) begin
                    if (wd_dw == 2'd2 && s_axil_wstrb[0]) begin
                        n_tag[MSIX_ENTRIES + i] = 1'b1;
                    end
                    if (wd_dw == 2'd3) begin
                        // IMS-038: a new owner (PASID_EN or PASID) drops the pending bit first
                        np_pen   = s_axil_wstrb[0] ? s_axil_wdata[3] : n_pen[i];
                        np_pasid = n_pasid[20*i +: 20];
                        if (s_axil_wstrb[1]) np_pasid[3:0]   = s_axil_wdata[15:12];
                        if (s_axil_wstrb[2]) np_pasid[11:4]  = s_axil_wdata[23:16];
                        if (s_axil_wstrb[3]) np_pasid[19:12] = s_axil_wdata[31:24];
                        if (np_pen != n_pen[i] || np_pasid != n_pasid[20*i +: 20]) begin
                            n_pend[MSIX_ENTRIES + i] = 1'b0;
                        end
                        if (s_axil_wstrb[0]) begin
                            nm = s_axil_wdata[0];
                            if (n_mask[MSIX_ENTRIES + i] && !nm && n_pend[MSIX_ENTRIES + i] && n_ctrl[2]) begin
                                give[2*(MSIX_ENTRIES + i) +: 2] = give[2*(MSIX_ENTRIES + i) +: 2] + 2'd1;
                                n_pend[MSIX_ENTRIES + i]        = 1'b0;
                            end
                            n_mask[MSIX_ENTRIES + i] = nm;
                            n_pen[i]      = s_axil_wdata[3];
                        end
                        if (s_axil_wstrb[1]) n_pasid[20*i +: 4]      = s_axil_wdata[15:12];
                        if (s_axil_wstrb[2]) n_pasid[20*i + 4 +: 8]  = s_axil_wdata[23:16];
                        if (s_axil_wstrb[3]) n_pasid[20*i + 12 +: 8] = s_axil_wdata[31:24];
                    end
                end
            end
        end

        // ---- event at its handshake edge (IMS-040..045)
        if (hs_ev) begin
            if (evt_ims) begin
                if (!n_ctrl[2] || !e_inr) begin
                    ev_err = 1'b1;                    // IMS_DISABLED, INVALID_HANDLE
                end else begin
                    for (i = 0; i < IMS_ENTRIES; i = i + 1) begin
                        if (evt_handle[2:0] == i) begin
                            if (n_pen[i] && (!evt_pasid_valid || evt_pasid != n_pasid[20*i +: 20])) begin
                                ev_err = 1'b1;        // PASID_MISMATCH
                            end else if (n_mask[MSIX_ENTRIES + i]) begin
                                n_pend[MSIX_ENTRIES + i] = 1'b1;                 // IMS-043
                            end else begin
                                give[2*(MSIX_ENTRIES + i) +: 2] = give[2*(MSIX_ENTRIES + i) +: 2] + 2'd1;   // IMS-044
                            end
                        end
                    end
                end
            end else begin
                if (!e_inr || !n_ctrl[0]) begin
                    ev_err = 1'b1;                    // INVALID_HANDLE, MSIX_DISABLED
                end else begin
                    for (i = 0; i < MSIX_ENTRIES; i = i + 1) begin
                        if (evt_handle[2:0] == i) begin
                            ev_masked = n_mask[i] || n_ctrl[1];
                            if (ev_masked) begin
                                n_pend[i] = 1'b1;
                            end else begin
                                give[2*i +: 2] = give[2*i +: 2] + 2'd1;
                            end
                        end
                    end
                end
            end
        end

        // ---- errors (IMS-050..053) and the error-interrupt raise (IMS-060, IMS-061)
        n_errs = {1'b0, ev_err} + {1'b0, hs_berr};
        if (n_errs != 2'd0) begin
            if (!n_err_valid) begin
                n_err_valid = 1'b1;
                raise       = n_ctrl[3];
            end
        end
        if (raise) begin
            n_raise_seen = 1'b1;
            if (n_ctrl[0]) begin
                if (n_mask[0] || n_ctrl[1]) begin
                    n_pend[0] = 1'b1;
                end else begin
                    give[1:0] = give[1:0] + 2'd1;
                end
            end
        end

        // ---- allowances: to the entry while it has its tag, else to the untagged pool
        for (i = 0; i < ENTRIES; i = i + 1) begin
            if (n_tag[i]) begin
                n_allow[CNT_W*i +: CNT_W] = n_allow[CNT_W*i +: CNT_W] + {{(CNT_W-2){1'b0}}, give[2*i +: 2]};
            end else begin
                n_allow_u = n_allow_u + {{(CNT_W-2){1'b0}}, give[2*i +: 2]};
            end
        end

        // ---- messages, identified by their tag at the W handshake
        if (hs_mw) begin
            if (m_axil_wdata[2:0] == 3'd0) begin
                n_sent_u = n_sent_u + 1'b1;
            end else if (m_axil_wdata[2:0] > ENTRIES) begin
                n_sent_bad = n_sent_bad + 1'b1;
            end
            for (i = 0; i < ENTRIES; i = i + 1) begin
                if (m_axil_wdata[2:0] == i + 1) begin
                    n_sent[CNT_W*i +: CNT_W] = n_sent[CNT_W*i +: CNT_W] + 1'b1;
                end
            end
        end
    end

    // sum of all allowances (P-MSG total)
    reg [HS_W-1:0] f_allow_total;
    always @(*) begin
        f_allow_total = {{(HS_W-CNT_W){1'b0}}, sh_allow_u};
        for (i = 0; i < ENTRIES; i = i + 1) begin
            f_allow_total = f_allow_total + {{(HS_W-CNT_W){1'b0}}, sh_allow[CNT_W*i +: CNT_W]};
        end
    end

    // messages whose AW and W both completed (AW and W both leave in message order, IMS-071)
    wire [HS_W-1:0] f_mdone = (f_maw < f_mw) ? f_maw : f_mw;

    always @(posedge clk) begin
        f_past_valid <= 1'b1;
        p_rst_n      <= rst_n;
        p_s_awvalid  <= s_axil_awvalid;
        p_s_awready  <= s_axil_awready;
        p_s_awaddr   <= s_axil_awaddr;
        p_s_awprot   <= s_axil_awprot;
        p_s_wvalid   <= s_axil_wvalid;
        p_s_wready   <= s_axil_wready;
        p_s_wdata    <= s_axil_wdata;
        p_s_wstrb    <= s_axil_wstrb;
        p_s_arvalid  <= s_axil_arvalid;
        p_s_arready  <= s_axil_arready;
        p_s_araddr   <= s_axil_araddr;
        p_s_arprot   <= s_axil_arprot;
        p_s_bvalid   <= s_axil_bvalid;
        p_s_bready   <= s_axil_bready;
        p_s_bresp    <= s_axil_bresp;
        p_s_rvalid   <= s_axil_rvalid;
        p_s_rready   <= s_axil_rready;
        p_s_rresp    <= s_axil_rresp;
        p_s_rdata    <= s_axil_rdata;
        p_m_awvalid  <= m_axil_awvalid;
        p_m_awready  <= m_axil_awready;
        p_m_awaddr   <= m_axil_awaddr;
        p_m_awprot   <= m_axil_awprot;
        p_m_wvalid   <= m_axil_wvalid;
        p_m_wready   <= m_axil_wready;
        p_m_wdata    <= m_axil_wdata;
        p_m_wstrb    <= m_axil_wstrb;
        p_m_bvalid   <= m_axil_bvalid;
        p_m_bready   <= m_axil_bready;
        p_m_bresp    <= m_axil_bresp;
        p_hs_ar      <= rst_n && hs_ar;

        if (!rst_n) begin
            sh_ctrl       <= 4'd0;
            sh_err_valid  <= 1'b0;
            sh_raise_seen <= 1'b0;
            sh_mask       <= {ENTRIES{1'b1}};
            sh_pend       <= {ENTRIES{1'b0}};
            sh_tag        <= {ENTRIES{1'b0}};
            sh_pen        <= {IMS_ENTRIES{1'b0}};
            sh_pasid      <= {20*IMS_ENTRIES{1'b0}};
            sh_allow      <= {CNT_W*ENTRIES{1'b0}};
            sh_sent       <= {CNT_W*ENTRIES{1'b0}};
            sh_allow_u    <= {CNT_W{1'b0}};
            sh_sent_u     <= {CNT_W{1'b0}};
            sh_sent_bad   <= {CNT_W{1'b0}};
            f_maw         <= {HS_W{1'b0}};
            f_mw          <= {HS_W{1'b0}};
            f_mb          <= {HS_W{1'b0}};
            f_wpend       <= 2'd0;
            f_rpend       <= 2'd0;
            f_wrel        <= 1'b0;
            f_nsteps      <= 5'd0;
        end else begin
            sh_ctrl       <= n_ctrl;
            sh_err_valid  <= n_err_valid;
            sh_raise_seen <= n_raise_seen;
            sh_mask       <= n_mask;
            sh_pend       <= n_pend;
            sh_tag        <= n_tag;
            sh_pen        <= n_pen;
            sh_pasid      <= n_pasid;
            sh_allow      <= n_allow;
            sh_sent       <= n_sent;
            sh_allow_u    <= n_allow_u;
            sh_sent_u     <= n_sent_u;
            sh_sent_bad   <= n_sent_bad;
            f_maw         <= f_maw + {{(HS_W-1){1'b0}}, hs_maw};
            f_mw          <= f_mw + {{(HS_W-1){1'b0}}, hs_mw};
            f_mb          <= f_mb + {{(HS_W-1){1'b0}}, hs_mb};
            f_wpend       <= f_wpend + {1'b0, hs_wc} - {1'b0, hs_sb};
            if (hs_wc) f_wrel <= wd_rel;
            f_rpend       <= f_rpend + {1'b0, hs_ar} - {1'b0, hs_sr};
            f_nsteps      <= f_nsteps + {4'd0, hs_wc} + {4'd0, hs_ev};
        end
    end
