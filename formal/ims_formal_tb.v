// Formal wrapper of ims_ctrl: proofs with ABC's PDR and bounded checks with yosys-smtbmc
// (src/imsmodel/formal.py, docs/formal.md).
//
// Small configuration: IMS_ENTRIES = 4, MSIX_ENTRIES = 2 (6 entries). Every DUT input is a free
// input of this module; `assume` keeps the environment legal, `assert` states the properties.
// Everything is derived from the DUT ports (no hierarchical references). With IMS_FORMAL_AIGER
// (the PDR flow) the anyconst values are registers loaded from a free input at the first edge.
//
// Files (`include, same directory; the order matters, each names what the ones before declare):
//   ims_formal_tb.v              this top: DUT, job restrictions, every property (P-*)
//   ims_formal_shadow.vh         previous-cycle samples, handshakes, write decode, entry tags,
//                                shadow model of the spec (allowances per entry), counters
//   ims_formal_env.vh            the legal environment common to every job (assume)
//   ims_formal_symbolic_entry.vh the symbolic entry X (IMS_FORMAL_X)
//   ims_formal_lemmas.vh         strengthening lemmas of P-EPISODE (AIGER flow, probes of DUT
//                                internals: docs/rtl-internals.md)
// Every assertion that yosys-smtbmc can report is in this file: src/imsmodel/formal.py names a
// counterexample's source line and property group (the nearest property-group comment above
// it) from this file only. The lemmas (L-*) are checked by ABC alone.
//
// Properties (checked from the first edge after reset; one `assert` per line so a
// counterexample names its rule):
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
// Environment: ims_formal_env.vh, plus the job restrictions below (IMS_FORMAL_B_OKAY, ...).
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

    localparam integer IMS_ENTRIES  = 4;                            // the DUT's configuration
    localparam integer MSIX_ENTRIES = 2;
    localparam integer ENTRIES      = MSIX_ENTRIES + IMS_ENTRIES;   // tags 1..ENTRIES fit in 3 bits
    localparam integer CNT_W        = 6;   // allowance / message counters (no wrap within the depth)
    localparam integer HS_W         = 8;   // handshake counters

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
        .IMS_ENTRIES  (IMS_ENTRIES),
        .MSIX_ENTRIES (MSIX_ENTRIES)
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

    // ------------------------------------------------------------------ observation, shadow model
`include "ims_formal_shadow.vh"

    // ------------------------------------------------------------------ environment
`include "ims_formal_env.vh"

    // ------------------------------------------------------------------ job restrictions
    // property-set restrictions of the environment (src/imsmodel/formal.py: which job uses which)
    always @(posedge clk) begin
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
    end

    // ------------------------------------------------------------------ forbidden messages
`ifdef IMS_FORMAL_X
`include "ims_formal_symbolic_entry.vh"
`ifdef IMS_FORMAL_XFIX
    always @(posedge clk) begin
        assume(f_x == `IMS_FORMAL_XFIX);   // X pinned to one entry (see the job)
    end
`endif
`ifdef IMS_FORMAL_EPISODE_LEMMAS
`include "ims_formal_lemmas.vh"
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
            assert(sh_sent[CNT_W*0 +: CNT_W] <= sh_allow[CNT_W*0 +: CNT_W]);   // MSI-X 0
            assert(sh_sent[CNT_W*1 +: CNT_W] <= sh_allow[CNT_W*1 +: CNT_W]);   // MSI-X 1
            assert(sh_sent[CNT_W*2 +: CNT_W] <= sh_allow[CNT_W*2 +: CNT_W]);   // IMS 0
            assert(sh_sent[CNT_W*3 +: CNT_W] <= sh_allow[CNT_W*3 +: CNT_W]);   // IMS 1
            assert(sh_sent[CNT_W*4 +: CNT_W] <= sh_allow[CNT_W*4 +: CNT_W]);   // IMS 2
            assert(sh_sent[CNT_W*5 +: CNT_W] <= sh_allow[CNT_W*5 +: CNT_W]);   // IMS 3
            assert(sh_sent_u <= sh_allow_u);                       // entries without a tag
            assert(sh_sent_bad == {CNT_W{1'b0}});                     // no entry has this tag
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
            // (the B of a HANDLE_RELEASE may be held while messages are unanswered, IMS-087)
            if (!(f_wpend == 2'd1 && f_wrel)) begin
                assert(s_axil_bvalid == (f_wpend == 2'd1));
            end
            if (s_axil_bvalid) begin
                assert(f_wpend == 2'd1);
            end
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
