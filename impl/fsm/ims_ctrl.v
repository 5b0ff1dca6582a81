// ims_ctrl: a second, independent implementation of the IMS/MSI-X interrupt controller of
// docs/spec.md (written from the spec only, not from rtl/). Small and slow on purpose: a
// multi-cycle step FSM in the style of corundum's pcie_msix.
//
//  * the register slave takes AW, W and AR into 2-deep FIFOs independently of each other
//    (AW may come a cycle before W or after it); B and R answer in order;
//  * one engine FSM (ims_fsm_engine) executes one step at a time over several clocks and
//    serves register writes, reads, events, B errors and flush visits oldest first (by the
//    edge of their handshake; same-edge requests in a fixed internal order);
//  * a flush (table closed -> open) is a background scan over the PBA, one entry per visit;
//  * messages go through a 4-deep queue to the write master (ims_fsm_master).
`default_nettype none

module ims_ctrl #(
    parameter integer IMS_ENTRIES  = 64,
    parameter integer MSIX_ENTRIES = 9
) (
    input  wire        clk,
    input  wire        rst_n,

    input  wire [15:0] s_axil_awaddr,
    input  wire [2:0]  s_axil_awprot,
    input  wire        s_axil_awvalid,
    output wire        s_axil_awready,
    input  wire [31:0] s_axil_wdata,
    input  wire [3:0]  s_axil_wstrb,
    input  wire        s_axil_wvalid,
    output wire        s_axil_wready,
    output wire [1:0]  s_axil_bresp,
    output wire        s_axil_bvalid,
    input  wire        s_axil_bready,
    input  wire [15:0] s_axil_araddr,
    input  wire [2:0]  s_axil_arprot,
    input  wire        s_axil_arvalid,
    output wire        s_axil_arready,
    output wire [31:0] s_axil_rdata,
    output wire [1:0]  s_axil_rresp,
    output wire        s_axil_rvalid,
    input  wire        s_axil_rready,

    input  wire        evt_valid,
    output wire        evt_ready,
    input  wire        evt_ims,
    input  wire [15:0] evt_handle,
    input  wire        evt_pasid_valid,
    input  wire [19:0] evt_pasid,

    output wire [63:0] m_axil_awaddr,
    output wire [2:0]  m_axil_awprot,
    output wire        m_axil_awvalid,
    input  wire        m_axil_awready,
    output wire [31:0] m_axil_wdata,
    output wire [3:0]  m_axil_wstrb,
    output wire        m_axil_wvalid,
    input  wire        m_axil_wready,
    input  wire [1:0]  m_axil_bresp,
    input  wire        m_axil_bvalid,
    output wire        m_axil_bready
);
    // ------------------------------------------------------------------ IMS-001
    generate
        if (IMS_ENTRIES < 1 || IMS_ENTRIES > 2048) begin : g_bad_ims_entries
            ims_fsm_error_IMS_ENTRIES_must_be_1_to_2048 u_param_error ();
        end
        if (MSIX_ENTRIES < 1 || MSIX_ENTRIES > 256) begin : g_bad_msix_entries
            ims_fsm_error_MSIX_ENTRIES_must_be_1_to_256 u_param_error ();
        end
    endgenerate

    // ------------------------------------------------------------------ reset
    // `run` is 0 in the clock after any edge that sampled rst_n = 0: every ready is 0
    // during reset (IMS-010) and the block accepts from the first clock after it (IMS-011).
    reg run;
    always @(posedge clk) run <= rst_n;

    // edge counter: requests are stamped with the edge of their handshake and the engine
    // serves the oldest first
    reg [15:0] now;
    always @(posedge clk) begin
        if (!rst_n) now <= 16'd0;
        else        now <= now + 16'd1;
    end

    // AxPROT and address bits [1:0] are ignored (IMS-013)
    wire unused_ok = &{1'b0, s_axil_awprot, s_axil_arprot, s_axil_awaddr[1:0],
                       s_axil_araddr[1:0]};

    // ------------------------------------------------------------------ slave FIFOs
    wire        aw_full, aw_empty, aw_pop;
    wire [13:0] aw_head;
    wire        w_full, w_empty, w_pop;
    wire [35:0] w_head;
    wire        ar_full, ar_empty, ar_pop;
    wire [29:0] ar_head;
    wire        aw_hs = s_axil_awvalid && s_axil_awready;
    wire        w_hs  = s_axil_wvalid && s_axil_wready;

    // a write is complete at the later of its AW and W handshakes; AW and W pair in order.
    // wdiff = (AWs taken) - (Ws taken) among the writes not yet complete (-2..2).
    reg  [2:0]  wdiff;
    wire        wdiff_pos = !wdiff[2] && (wdiff != 3'd0);
    wire        wdiff_neg = wdiff[2];
    wire        pair = (aw_hs && w_hs) || (aw_hs && wdiff_neg) || (w_hs && wdiff_pos);
    always @(posedge clk) begin
        if (!rst_n) wdiff <= 3'd0;
        else        wdiff <= wdiff + {2'b00, aw_hs} - {2'b00, w_hs};
    end
    wire        ws_full, ws_empty;
    wire [15:0] wr_stamp;
    wire unused_ws = &{1'b0, ws_full, ws_empty};

    assign s_axil_awready = run && !aw_full;
    assign s_axil_wready  = run && !w_full;
    assign s_axil_arready = run && !ar_full;

    ims_fsm_fifo #(.WIDTH(14), .LOG2(1)) u_aw (
        .clk(clk), .rst_n(rst_n),
        .push(aw_hs), .din(s_axil_awaddr[15:2]), .full(aw_full),
        .pop(aw_pop), .dout(aw_head), .empty(aw_empty)
    );
    ims_fsm_fifo #(.WIDTH(36), .LOG2(1)) u_w (
        .clk(clk), .rst_n(rst_n),
        .push(w_hs), .din({s_axil_wdata, s_axil_wstrb}),
        .full(w_full), .pop(w_pop), .dout(w_head), .empty(w_empty)
    );
    // stamps of the complete writes (at most two: AW and W FIFOs are two deep)
    ims_fsm_fifo #(.WIDTH(16), .LOG2(1)) u_wstamp (
        .clk(clk), .rst_n(rst_n),
        .push(pair), .din(now), .full(ws_full),
        .pop(aw_pop), .dout(wr_stamp), .empty(ws_empty)
    );
    ims_fsm_fifo #(.WIDTH(30), .LOG2(1)) u_ar (
        .clk(clk), .rst_n(rst_n),
        .push(s_axil_arvalid && s_axil_arready), .din({now, s_axil_araddr[15:2]}),
        .full(ar_full),
        .pop(ar_pop), .dout(ar_head), .empty(ar_empty)
    );

    // ------------------------------------------------------------------ engine
    wire         be_push, be_full, be_empty, be_pop;
    wire [11:0]  be_din;
    wire [27:0]  be_head;
    wire         mq_push, mq_full, mq_empty, mq_pop;
    wire [106:0] mq_din, mq_head;
    wire         msg_sent;
    wire         b_done;

    ims_fsm_engine #(.N(IMS_ENTRIES), .M(MSIX_ENTRIES)) u_engine (
        .clk(clk), .rst_n(rst_n), .run(run), .now(now),
        .aw_empty(aw_empty), .aw_head(aw_head), .wr_stamp(wr_stamp), .aw_pop(aw_pop),
        .w_empty(w_empty), .w_head(w_head), .w_pop(w_pop),
        .ar_empty(ar_empty), .ar_head(ar_head), .ar_pop(ar_pop),
        .s_bvalid(s_axil_bvalid), .s_bresp(s_axil_bresp), .s_bready(s_axil_bready),
        .s_rvalid(s_axil_rvalid), .s_rdata(s_axil_rdata), .s_rresp(s_axil_rresp),
        .s_rready(s_axil_rready),
        .evt_valid(evt_valid), .evt_ready(evt_ready), .evt_ims(evt_ims),
        .evt_handle(evt_handle), .evt_pasid_valid(evt_pasid_valid), .evt_pasid(evt_pasid),
        .be_empty(be_empty), .be_head(be_head), .be_pop(be_pop),
        .mq_push(mq_push), .mq_din(mq_din), .mq_full(mq_full),
        .msg_sent(msg_sent), .b_done(b_done)
    );

    // logged B errors waiting for their step
    ims_fsm_fifo #(.WIDTH(28), .LOG2(1)) u_berr (
        .clk(clk), .rst_n(rst_n),
        .push(be_push), .din({now, be_din}), .full(be_full),
        .pop(be_pop), .dout(be_head), .empty(be_empty)
    );

    // messages waiting for the master port, in step order
    ims_fsm_fifo #(.WIDTH(107), .LOG2(2)) u_msgq (
        .clk(clk), .rst_n(rst_n),
        .push(mq_push), .din(mq_din), .full(mq_full),
        .pop(mq_pop), .dout(mq_head), .empty(mq_empty)
    );

    ims_fsm_master #(.QW(107)) u_master (
        .clk(clk), .rst_n(rst_n), .run(run),
        .q_empty(mq_empty), .q_head(mq_head), .q_pop(mq_pop),
        .m_axil_awaddr(m_axil_awaddr), .m_axil_awprot(m_axil_awprot),
        .m_axil_awvalid(m_axil_awvalid), .m_axil_awready(m_axil_awready),
        .m_axil_wdata(m_axil_wdata), .m_axil_wstrb(m_axil_wstrb),
        .m_axil_wvalid(m_axil_wvalid), .m_axil_wready(m_axil_wready),
        .m_axil_bresp(m_axil_bresp), .m_axil_bvalid(m_axil_bvalid),
        .m_axil_bready(m_axil_bready),
        .sent(msg_sent), .be_push(be_push), .be_din(be_din), .be_full(be_full),
        .b_done(b_done)
    );
endmodule

`default_nettype wire
