// Formal wrapper of ims_ctrl: proofs with ABC's PDR and bounded checks with yosys-smtbmc
// (src/imsmodel/formal.py, docs/formal.md).
//
// Small configuration: IMS_ENTRIES = 4, MSIX_ENTRIES = 2 (6 entries). Every DUT input is a free
// input of this module; `assume` keeps the environment legal, `assert` states the properties.
// Everything is derived from the DUT ports (no hierarchical references). With IMS_FORMAL_AIGER
// (the PDR flow) the anyconst values are registers loaded from a free input at the first edge.
//
// Entry tags. Message address/data are opaque to the device, so the environment programs a
// unique tag into each entry's data word: a write of the data word (+8) of entry e with
// WSTRB[0] = 1 carries WDATA[2:0] = e + 1 (e = 0..1 MSI-X 0..1, e = 2..5 IMS 0..3). An entry's
// data then reads tag(e) in bits [2:0] once written, 0 (its reset value) before: a message
// whose WDATA[2:0] = e + 1 comes from entry e, a message with 0 from some entry not yet tagged.
//
// Shadow model (spec sections 3-6, updated at the step edges of IMS-080 seen on the ports):
// CTRL, ERR_STATUS.VALID, per entry MASK / pending / tagged, per IMS entry PASID_EN / PASID.
// Every step that the spec says sends a message (event on an open, unmasked entry; unmask of a
// pending entry; flush; error-interrupt raise) adds one to the entry's allowance (or to the
// untagged pool while the entry has no tag). Properties (checked from the first edge after
// reset; one `assert` per line so a counterexample names its rule):
//   P-MSG  messages (W handshakes) per entry <= its allowance; untagged messages <= the untagged
//          pool; no message with a tag of no entry; AW handshakes <= all allowances.
//          Covers IMS-031..036, IMS-040..045, IMS-060/061: no message for a masked entry, a PASID
//          mismatch, an invalid handle or a disabled/closed table, at most one per pending
//          episode (a release clears the shadow pending bit, repeated masked events add nothing).
//   P-AXI  m_axil AW/W and s_axil B/R: VALID stays 1 with a stable payload until READY;
//          AWPROT = 0, AWADDR[1:0] = 0, WSTRB = 0xF (IMS-013, IMS-070).
//   P-WR   AW and W handshakes of a register write at the same edge, AWREADY = WREADY (IMS-012).
//   P-RSP  one B and one R outstanding at most, none lost or duplicated: BVALID exactly while a
//          committed write has no B yet; RVALID only for an AR, one clock after it (IMS-014).
//   P-STEP at most one step (write commit, AR, event, logged B error) per edge (IMS-081).
//   P-RST  (only with IMS_FORMAL_RESET: rst_n free after the first cycle) every valid/ready
//          output is 0 while rst_n = 0 and the previous edge sampled rst_n = 0 too (IMS-010:
//          reset is synchronous, the outputs follow from the first edge that samples it).
//
// Environment (assume): rst_n = 0 in the first cycle, then 1 (with IMS_FORMAL_RESET: free, and
// AXI masters drive no VALID while rst_n = 0); s_axil AW/W/AR and m_axil B hold VALID with a
// stable payload until READY; m_axil B only for a message whose AW and W both completed; a
// non-OKAY B response may only start while no error-interrupt raise has happened since reset
// (so every non-OKAY B is the logged B error of IMS-053, never the unlogged one of IMS-062);
// events, READY inputs, addresses and data are free (apart from the data-word tags).
`default_nettype none

module ims_formal_tb (
    input  wire        clk,
    input  wire        rst_n,

    input  wire [15:0] s_axil_awaddr,
    input  wire [2:0]  s_axil_awprot,
    input  wire        s_axil_awvalid,
    input  wire [31:0] s_axil_wdata,
    input  wire [3:0]  s_axil_wstrb,
    input  wire        s_axil_wvalid,
    input  wire        s_axil_bready,
    input  wire [15:0] s_axil_araddr,
    input  wire [2:0]  s_axil_arprot,
    input  wire        s_axil_arvalid,
    input  wire        s_axil_rready,

    input  wire        evt_valid,
    input  wire        evt_ims,
    input  wire [15:0] evt_handle,
    input  wire        evt_pasid_valid,
    input  wire [19:0] evt_pasid,

    input  wire        m_axil_awready,
    input  wire        m_axil_wready,
    input  wire [1:0]  m_axil_bresp,
    input  wire        m_axil_bvalid
);

    localparam integer N  = 4;        // IMS_ENTRIES
    localparam integer M  = 2;        // MSIX_ENTRIES
    localparam integer NE = M + N;    // entries; tags 1..NE fit in 3 bits
    localparam integer CW = 6;        // allowance / message counters (no wrap within the depth)
    localparam integer KW = 8;        // handshake counters

    wire        s_axil_awready, s_axil_wready, s_axil_bvalid, s_axil_arready, s_axil_rvalid;
    wire [1:0]  s_axil_bresp, s_axil_rresp;
    wire [31:0] s_axil_rdata;
    wire        evt_ready;
    wire [63:0] m_axil_awaddr;
    wire [2:0]  m_axil_awprot;
    wire        m_axil_awvalid, m_axil_wvalid, m_axil_bready;
    wire [31:0] m_axil_wdata;
    wire [3:0]  m_axil_wstrb;

    ims_ctrl #(
        .IMS_ENTRIES  (N),
        .MSIX_ENTRIES (M)
    ) dut (
        .clk             (clk),
        .rst_n           (rst_n),
        .s_axil_awaddr   (s_axil_awaddr),
        .s_axil_awprot   (s_axil_awprot),
        .s_axil_awvalid  (s_axil_awvalid),
        .s_axil_awready  (s_axil_awready),
        .s_axil_wdata    (s_axil_wdata),
        .s_axil_wstrb    (s_axil_wstrb),
        .s_axil_wvalid   (s_axil_wvalid),
        .s_axil_wready   (s_axil_wready),
        .s_axil_bresp    (s_axil_bresp),
        .s_axil_bvalid   (s_axil_bvalid),
        .s_axil_bready   (s_axil_bready),
        .s_axil_araddr   (s_axil_araddr),
        .s_axil_arprot   (s_axil_arprot),
        .s_axil_arvalid  (s_axil_arvalid),
        .s_axil_arready  (s_axil_arready),
        .s_axil_rdata    (s_axil_rdata),
        .s_axil_rresp    (s_axil_rresp),
        .s_axil_rvalid   (s_axil_rvalid),
        .s_axil_rready   (s_axil_rready),
        .evt_valid       (evt_valid),
        .evt_ready       (evt_ready),
        .evt_ims         (evt_ims),
        .evt_handle      (evt_handle),
        .evt_pasid_valid (evt_pasid_valid),
        .evt_pasid       (evt_pasid),
        .m_axil_awaddr   (m_axil_awaddr),
        .m_axil_awprot   (m_axil_awprot),
        .m_axil_awvalid  (m_axil_awvalid),
        .m_axil_awready  (m_axil_awready),
        .m_axil_wdata    (m_axil_wdata),
        .m_axil_wstrb    (m_axil_wstrb),
        .m_axil_wvalid   (m_axil_wvalid),
        .m_axil_wready   (m_axil_wready),
        .m_axil_bresp    (m_axil_bresp),
        .m_axil_bvalid   (m_axil_bvalid),
        .m_axil_bready   (m_axil_bready)
    );

`ifdef FORMAL

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
    wire        wd_est = (wa[15:2] == 14'h0004);                     // ERR_STATUS
    wire        wd_mt  = (wa[15:12] == 4'h1) && ({24'd0, wa[11:4]} < M);   // MSI-X entry
    wire        wd_it  = wa[15] && ({21'd0, wa[14:4]} < N);               // IMS entry
    wire [2:0]  wd_e   = wd_mt ? wa[6:4] : wa[6:4] + M[2:0];          // entry number 0..NE-1
    wire [1:0]  wd_dw  = wa[3:2];
    wire        wd_tab = wd_mt || wd_it;

    // event decode
    wire e_inr = evt_ims ? ({16'd0, evt_handle} < N) : ({16'd0, evt_handle} < M);

    // ------------------------------------------------------------------ shadow state
    reg  [3:0]      sh_ctrl;         // {ERR_INT_ENABLE, IMS_ENABLE, MSIX_FUNC_MASK, MSIX_ENABLE}
    reg             sh_err_valid;
    reg             sh_raise_seen;   // an error-interrupt raise happened since reset
    reg  [NE-1:0]   sh_mask, sh_pend, sh_tag;
    reg  [N-1:0]    sh_pen;
    reg  [20*N-1:0] sh_pasid;
    reg  [CW*NE-1:0] sh_allow, sh_sent;
    reg  [CW-1:0]   sh_allow_u, sh_sent_u, sh_sent_bad;
    reg  [KW-1:0]   f_maw, f_mw, f_mb;   // message AW / W / B handshakes since reset
    reg  [1:0]      f_wpend, f_rpend;    // register writes without B, reads without R
    reg  [4:0]      f_nsteps;            // write commits + events since reset

    // next state
    reg  [3:0]      n_ctrl;
    reg             n_err_valid, n_raise_seen;
    reg  [NE-1:0]   n_mask, n_pend, n_tag;
    reg  [N-1:0]    n_pen;
    reg  [20*N-1:0] n_pasid;
    reg  [CW*NE-1:0] n_allow, n_sent;
    reg  [CW-1:0]   n_allow_u, n_sent_u, n_sent_bad;
    reg  [2*NE-1:0] give;            // messages this edge's steps allow, per entry
    reg             old_mopen, old_iopen, nm, ev_err, ev_masked, raise;
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
        give         = {2*NE{1'b0}};
        old_mopen    = 1'b0;
        old_iopen    = 1'b0;
        nm           = 1'b0;
        ev_err       = 1'b0;
        ev_masked    = 1'b0;
        raise        = 1'b0;
        n_errs       = 2'd0;

        // ---- register write at its commit edge (IMS-012, IMS-020..036)
        if (hs_wc) begin
            if (wd_ctl && s_axil_wstrb[0]) begin
                old_mopen = sh_ctrl[0] && !sh_ctrl[1];
                old_iopen = sh_ctrl[2];
                n_ctrl    = s_axil_wdata[3:0];
                // IMS-032: a table that opens flushes its pending, unmasked entries
                if (!old_mopen && n_ctrl[0] && !n_ctrl[1]) begin
                    for (i = 0; i < M; i = i + 1) begin
                        if (n_pend[i] && !n_mask[i]) begin
                            give[2*i +: 2] = give[2*i +: 2] + 2'd1;
                            n_pend[i]      = 1'b0;
                        end
                    end
                end
                if (!old_iopen && n_ctrl[2]) begin
                    for (i = M; i < NE; i = i + 1) begin
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
            // MSI-X entries: data word tag, MASK (IMS-031, IMS-036)
            for (i = 0; i < M; i = i + 1) begin
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
            for (i = 0; i < N; i = i + 1) begin
                if (wd_it && wd_e == M + i) begin
                    if (wd_dw == 2'd2 && s_axil_wstrb[0]) begin
                        n_tag[M + i] = 1'b1;
                    end
                    if (wd_dw == 2'd3) begin
                        if (s_axil_wstrb[0]) begin
                            nm = s_axil_wdata[0];
                            if (n_mask[M + i] && !nm && n_pend[M + i] && n_ctrl[2]) begin
                                give[2*(M + i) +: 2] = give[2*(M + i) +: 2] + 2'd1;
                                n_pend[M + i]        = 1'b0;
                            end
                            n_mask[M + i] = nm;
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
                    for (i = 0; i < N; i = i + 1) begin
                        if (evt_handle[2:0] == i) begin
                            if (n_pen[i] && (!evt_pasid_valid || evt_pasid != n_pasid[20*i +: 20])) begin
                                ev_err = 1'b1;        // PASID_MISMATCH
                            end else if (n_mask[M + i]) begin
                                n_pend[M + i] = 1'b1;                 // IMS-043
                            end else begin
                                give[2*(M + i) +: 2] = give[2*(M + i) +: 2] + 2'd1;   // IMS-044
                            end
                        end
                    end
                end
            end else begin
                if (!e_inr || !n_ctrl[0]) begin
                    ev_err = 1'b1;                    // INVALID_HANDLE, MSIX_DISABLED
                end else begin
                    for (i = 0; i < M; i = i + 1) begin
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
        for (i = 0; i < NE; i = i + 1) begin
            if (n_tag[i]) begin
                n_allow[CW*i +: CW] = n_allow[CW*i +: CW] + {{(CW-2){1'b0}}, give[2*i +: 2]};
            end else begin
                n_allow_u = n_allow_u + {{(CW-2){1'b0}}, give[2*i +: 2]};
            end
        end

        // ---- messages, identified by their tag at the W handshake
        if (hs_mw) begin
            if (m_axil_wdata[2:0] == 3'd0) begin
                n_sent_u = n_sent_u + 1'b1;
            end else if (m_axil_wdata[2:0] > NE) begin
                n_sent_bad = n_sent_bad + 1'b1;
            end
            for (i = 0; i < NE; i = i + 1) begin
                if (m_axil_wdata[2:0] == i + 1) begin
                    n_sent[CW*i +: CW] = n_sent[CW*i +: CW] + 1'b1;
                end
            end
        end
    end

    // sum of all allowances (P-MSG total)
    reg [KW-1:0] f_allow_total;
    always @(*) begin
        f_allow_total = {{(KW-CW){1'b0}}, sh_allow_u};
        for (i = 0; i < NE; i = i + 1) begin
            f_allow_total = f_allow_total + {{(KW-CW){1'b0}}, sh_allow[CW*i +: CW]};
        end
    end

    // messages whose AW and W both completed (AW and W both leave in message order, IMS-071)
    wire [KW-1:0] f_mdone = (f_maw < f_mw) ? f_maw : f_mw;

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
            sh_mask       <= {NE{1'b1}};
            sh_pend       <= {NE{1'b0}};
            sh_tag        <= {NE{1'b0}};
            sh_pen        <= {N{1'b0}};
            sh_pasid      <= {20*N{1'b0}};
            sh_allow      <= {CW*NE{1'b0}};
            sh_sent       <= {CW*NE{1'b0}};
            sh_allow_u    <= {CW{1'b0}};
            sh_sent_u     <= {CW{1'b0}};
            sh_sent_bad   <= {CW{1'b0}};
            f_maw         <= {KW{1'b0}};
            f_mw          <= {KW{1'b0}};
            f_mb          <= {KW{1'b0}};
            f_wpend       <= 2'd0;
            f_rpend       <= 2'd0;
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
            f_maw         <= f_maw + {{(KW-1){1'b0}}, hs_maw};
            f_mw          <= f_mw + {{(KW-1){1'b0}}, hs_mw};
            f_mb          <= f_mb + {{(KW-1){1'b0}}, hs_mb};
            f_wpend       <= f_wpend + {1'b0, hs_wc} - {1'b0, hs_sb};
            f_rpend       <= f_rpend + {1'b0, hs_ar} - {1'b0, hs_sr};
            f_nsteps      <= f_nsteps + {4'd0, hs_wc} + {4'd0, hs_ev};
        end
    end

    // ------------------------------------------------------------------ environment
    wire f_live = f_past_valid && p_rst_n && rst_n;   // this edge and the previous one out of reset

    always @(posedge clk) begin
        if (!f_past_valid) begin
            assume(!rst_n);
        end
`ifndef IMS_FORMAL_RESET
        if (f_past_valid) begin
            assume(rst_n);
        end
`else
        // AXI masters drive no VALID during reset (the event source neither)
        if (!rst_n) begin
            assume(!s_axil_awvalid);
            assume(!s_axil_wvalid);
            assume(!s_axil_arvalid);
            assume(!m_axil_bvalid);
            assume(!evt_valid);
        end
`endif
        // register port master: VALID held with a stable payload until READY
        if (f_live && p_s_awvalid && !p_s_awready) begin
            assume(s_axil_awvalid);
            assume(s_axil_awaddr == p_s_awaddr);
            assume(s_axil_awprot == p_s_awprot);
        end
        if (f_live && p_s_wvalid && !p_s_wready) begin
            assume(s_axil_wvalid);
            assume(s_axil_wdata == p_s_wdata);
            assume(s_axil_wstrb == p_s_wstrb);
        end
        if (f_live && p_s_arvalid && !p_s_arready) begin
            assume(s_axil_arvalid);
            assume(s_axil_araddr == p_s_araddr);
            assume(s_axil_arprot == p_s_arprot);
        end
        // entry tags: a data-word write of entry e carries e + 1 in its low bits
        if (s_axil_awvalid && s_axil_wvalid && wd_tab && wd_dw == 2'd2 && s_axil_wstrb[0]) begin
            assume(s_axil_wdata[2:0] == wd_e + 3'd1);
        end
        // message slave: B held with a stable response until BREADY, only for a completed write
        if (f_live && p_m_bvalid && !p_m_bready) begin
            assume(m_axil_bvalid);
            assume(m_axil_bresp == p_m_bresp);
        end
        if (f_past_valid && rst_n && m_axil_bvalid) begin
            assume(f_mb < f_mdone);
        end
        // property-set restrictions (src/imsmodel/formal.py: which job uses which)
`ifdef IMS_FORMAL_B_OKAY
        assume(m_axil_bresp == 2'b00);                 // no message write fails
`endif
`ifdef IMS_FORMAL_NO_EIE
        if (s_axil_awvalid && s_axil_wvalid && wd_ctl) begin
            assume(!s_axil_wdata[3]);                  // ERR_INT_ENABLE stays 0: no raise
        end
`endif
`ifdef IMS_FORMAL_NO_READS
        assume(!s_axil_arvalid);                       // no register reads
`endif
`ifdef IMS_FORMAL_STEPS
        if (f_nsteps >= `IMS_FORMAL_STEPS) begin
            assume(!s_axil_awvalid && !evt_valid);     // at most IMS_FORMAL_STEPS writes + events
        end
`endif
`ifdef IMS_FORMAL_SMALL
        assume(evt_handle[15:3] == 13'd0);
        assume(evt_pasid[19:1] == 19'd0);
        if (s_axil_awvalid && s_axil_wvalid && wd_it && wd_dw == 2'd3) begin
            assume(s_axil_wdata[31:13] == 19'd0);
        end
`endif
`ifdef IMS_FORMAL_M_READY
        if (rst_n) begin
            assume(m_axil_awready && m_axil_wready);   // the message slave never stalls
        end
`endif
        // a new non-OKAY B only before any raise: it then answers an ordinary message (IMS-062)
        if (f_past_valid && rst_n && m_axil_bvalid && m_axil_bresp != 2'b00 &&
            !(p_rst_n && p_m_bvalid && !p_m_bready)) begin
            assume(!sh_raise_seen);
        end
    end

    // ------------------------------------------------------------------ forbidden messages
    // One symbolic entry X (any of the NE entries, fixed for the whole trace) and an
    // environment in which the spec allows X no message (IMS_FORMAL_FORBID_*), or allows X
    // messages only through pending releases (IMS_FORMAL_EPISODE). No counting over all
    // entries: these are the per-rule forms of P-MSG that a solver reaches at depth 20.
    // X gets its tag before any table opens, so every message of X carries the tag X + 1.
`ifdef IMS_FORMAL_X
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
    wire [2:0]  ev_e     = evt_ims ? evt_handle[2:0] + M[2:0] : evt_handle[2:0];
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
        assume(f_x < NE);
`ifdef IMS_FORMAL_XFIX
        assume(f_x == `IMS_FORMAL_XFIX);   // X pinned to one entry (see the job)
`endif
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
        assume(f_x >= M);
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
`ifdef IMS_FORMAL_EPISODE_LEMMAS
`ifdef IMS_FORMAL_AIGER
    // the lemmas below are stated for an IMS entry X: no error-interrupt raise reaches X (the
    // bounded yosys-smtbmc check of the job, which has no lemmas, keeps X free over all entries)
    always @(posedge clk) begin
        assume(f_x >= M);
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
    (* keep *) wire [191:0] h_flg0, h_flg1;           // flag RAM words: group 0 (MSI-X), 1 (IMS)
    (* keep *) wire         h_flg_we, h_flg_waddr;
    (* keep *) wire [191:0] h_flg_wdata;
    (* keep *) wire [1:0]   h_grp_init;
    (* keep *) wire [114:0] h_tab0, h_tab1, h_tab64, h_tab65, h_tab66, h_tab67;   // table RAM words
    (* keep *) wire         h_tab_we;
    (* keep *) wire [6:0]   h_tab_waddr;
    (* keep *) wire [114:0] h_tab_wdata;
    (* keep *) wire [3:0]   h_ctrl, h_n_ctrl;
    (* keep *) wire         h_w_ctl;
    (* keep *) wire         h_push;                 // stage 1 pushes a message at this edge
    (* keep *) wire [31:0]  h_push_data;
    (* keep *) wire         h_s1_flush;             // stage 1 holds a write that opens a table
    (* keep *) wire         h_fl_first, h_fl_last;  // its flush's first and last group
    (* keep *) wire         h_fl_active, h_fl_cur_valid, h_fl_cur_g, h_fl_lastr;
    (* keep *) wire [5:0]   h_fl_cur_b;
    (* keep *) wire         h_fl_c_valid, h_fl_c_g;   // the walker's held cursor
    (* keep *) wire         h_is_fl, h_s1_g;          // stage 1 holds a flush visit of group s1_g
    (* keep *) wire         h_s1_valid;               // stage 1 holds a step ...
    (* keep *) wire [2:0]   h_s1_op;                  // ... of this kind (OP_FL 5, OP_B 3)
    (* keep *) wire [31:0]  h_q0, h_q1, h_q2, h_q3;  // message queue data slots
    (* keep *) wire [2:0]   h_wr, h_wp, h_awp, h_cp;

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
    wire [3:0]   ctrl_n    = h_w_ctl ? h_n_ctrl : h_ctrl;
    wire         x_open_n  = ctrl_n[2];
    // X pending and unmasked in an open table: a flush is under way that will send X
    wire         x_fl_n    = x_pend_n && !x_mask_n && x_open_n;
    // messages of X in the queue that have not left on W, and the one stage 1 pushes now
    wire [2:0]   q_wn   = h_wr - h_wp;
    wire [2:0]   q_used = h_wr - h_cp;
    wire [2:0]   x_tag  = f_x + 3'd1;
    wire [1:0]   s0 = h_wp[1:0], s1i = h_wp[1:0] + 2'd1, s2i = h_wp[1:0] + 2'd2,
                 s3i = h_wp[1:0] + 2'd3;
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
    wire         x_cur_ok = h_fl_cur_valid &&
                            (!h_fl_cur_g || (h_fl_cur_b <= {4'd0, xb}));

    always @(posedge clk) begin
        if (f_past_valid) begin
            // L-Q: the message queue holds at most 4 messages, W and AW pointers within them,
            // and stage 1 pushes only into a free slot (it was granted with room)
            assert(q_used <= 3'd4);                                         // L-Q
            assert(q_wn <= q_used);                                         // L-Q
            assert((h_wr - h_awp) <= q_used);                               // L-Q
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
            assert(!x_fl_n || (h_s1_flush && h_fl_last) ||
                   (h_fl_active && h_fl_lastr && x_cur_ok));                // L-FL
            // L-FL: a flush whose last group is the IMS group runs only while IMS_ENABLE = 1
            // (it started with the write that set it, and no write is taken until it ends)
            assert(!(h_fl_active && h_fl_lastr) || ctrl_n[2]);              // L-FL
            // L-FL: the walker's held cursor and its visit in stage 1 belong to an active
            // flush and lie within its groups (GW = 1: group 1 only when the last group is 1)
            assert(!h_fl_c_valid || h_fl_active);                           // L-FL
            assert(!h_is_fl || h_fl_active);                                // L-FL
            assert(!(h_fl_c_valid && h_fl_c_g) || h_fl_lastr);              // L-FL
            assert(!(h_is_fl && h_s1_g) || h_fl_lastr);                     // L-FL
            // L-FL: while a flush is active stage 1 holds only its visits and B errors
            assert(!h_fl_active || !h_s1_valid || h_s1_op == 3'd5 || h_s1_op == 3'd3); // L-FL
            // L-CREDIT: X's credit is exactly the messages of X still to leave on W
            assert({1'b0, x_credit} == x_due);                              // L-CREDIT
        end
    end
`endif
`endif
`endif
`ifdef IMS_FORMAL_FORBID_INVALID
    // every event names a handle beyond its table or a disabled table (IMS-042, IMS-044,
    // IMS-045): none may send or leave anything pending; with ERR_INT_ENABLE = 0 (no raise)
    // no message may leave at all
    always @(posedge clk) begin
        if (evt_valid) begin
            assume(!e_inr || (evt_ims ? !sh_ctrl[2] : !sh_ctrl[0]));
        end
        if (s_axil_awvalid && s_axil_wvalid && wd_ctl) begin
            assume(!s_axil_wdata[3]);
        end
    end
`endif

    // ------------------------------------------------------------------ properties
    always @(posedge clk) begin
`ifdef IMS_FORMAL_MSG
        if (f_past_valid) begin
            // P-MSG
            assert(sh_sent[CW*0 +: CW] <= sh_allow[CW*0 +: CW]);   // MSI-X 0
            assert(sh_sent[CW*1 +: CW] <= sh_allow[CW*1 +: CW]);   // MSI-X 1
            assert(sh_sent[CW*2 +: CW] <= sh_allow[CW*2 +: CW]);   // IMS 0
            assert(sh_sent[CW*3 +: CW] <= sh_allow[CW*3 +: CW]);   // IMS 1
            assert(sh_sent[CW*4 +: CW] <= sh_allow[CW*4 +: CW]);   // IMS 2
            assert(sh_sent[CW*5 +: CW] <= sh_allow[CW*5 +: CW]);   // IMS 3
            assert(sh_sent_u <= sh_allow_u);                       // entries without a tag
            assert(sh_sent_bad == {CW{1'b0}});                     // no entry has this tag
            assert(f_maw <= f_allow_total);                       // AW handshakes
        end
`endif
`ifdef IMS_FORMAL_FORBID_MASK
        if (f_past_valid) begin
            assert(!msg_x);   // P-MASK: no message from an entry that stays masked
        end
`endif
`ifdef IMS_FORMAL_FORBID_PASID
        if (f_past_valid) begin
            assert(!msg_x);   // P-PASID: no message from an entry whose events all mismatch
        end
`endif
`ifdef IMS_FORMAL_FORBID_INVALID
        if (f_past_valid) begin
            assert(!m_axil_awvalid);   // P-INVALID: no message from invalid or disabled events
            assert(!m_axil_wvalid);    // P-INVALID
        end
`endif
`ifdef IMS_FORMAL_EPISODE
        if (f_past_valid) begin
            // P-EPISODE: X's messages never outnumber X's releases (one per pending episode)
            assert(!(msg_x && x_credit == 3'd0));   // P-EPISODE: a message needs a release
            assert(x_credit != 3'd7);                 // P-EPISODE: (the credit never wraps)
        end
`endif
`ifdef IMS_FORMAL_HS
        if (f_past_valid && p_rst_n) begin
            // P-AXI: the DUT's VALID outputs hold with a stable payload until READY
            if (p_m_awvalid && !p_m_awready) begin
                assert(m_axil_awvalid);
                assert(m_axil_awaddr == p_m_awaddr);
                assert(m_axil_awprot == p_m_awprot);
            end
            if (p_m_wvalid && !p_m_wready) begin
                assert(m_axil_wvalid);
                assert(m_axil_wdata == p_m_wdata);
                assert(m_axil_wstrb == p_m_wstrb);
            end
            if (p_s_bvalid && !p_s_bready) begin
                assert(s_axil_bvalid);
                assert(s_axil_bresp == p_s_bresp);
            end
            if (p_s_rvalid && !p_s_rready) begin
                assert(s_axil_rvalid);
                assert(s_axil_rresp == p_s_rresp);
                assert(s_axil_rdata == p_s_rdata);
            end
        end
        if (f_past_valid && rst_n) begin
            // P-AXI: message format (IMS-013, IMS-070)
            if (m_axil_awvalid) begin
                assert(m_axil_awprot == 3'b000);
                assert(m_axil_awaddr[1:0] == 2'b00);
            end
            if (m_axil_wvalid) begin
                assert(m_axil_wstrb == 4'hF);
            end
            // P-WR (IMS-012)
            assert(s_axil_awready == s_axil_wready);
            assert(hs_wc == hs_ww);
            // P-RSP (IMS-014)
            assert(f_wpend <= 2'd1);
            assert(s_axil_bvalid == (f_wpend == 2'd1));
            assert(f_rpend <= 2'd1);
            if (s_axil_rvalid) begin
                assert(f_rpend == 2'd1);
            end
            if (f_rpend == 2'd1 && !s_axil_rvalid) begin
                assert(p_hs_ar);
            end
            // P-STEP (IMS-081)
            assert({1'b0, hs_wc} + {1'b0, hs_ar} + {1'b0, hs_ev} + {1'b0, hs_berr} <= 3'd1);
        end
`endif
`ifdef IMS_FORMAL_RESET
        // P-RST (IMS-010): every valid/ready output 0 while rst_n = 0 after the first reset edge
        if (f_past_valid && !p_rst_n && !rst_n) begin   // rst_n sampled 0 at the last edge too
            assert(!s_axil_awready);
            assert(!s_axil_wready);
            assert(!s_axil_bvalid);
            assert(!s_axil_arready);
            assert(!s_axil_rvalid);
            assert(!evt_ready);
            assert(!m_axil_awvalid);
            assert(!m_axil_wvalid);
            assert(!m_axil_bready);
        end
`endif
    end

`endif

endmodule

`default_nettype wire
