// ims_fsm_master: sends the queued interrupt messages, one at a time, on the AXI4-Lite
// write master. AW and W of the message at the head are offered together and may complete
// in any order; up to 16 writes are tracked in flight (AW issued, B not received) so that a
// B response can be matched to its message (IMS-073); a B with nothing in flight is
// accepted and dropped (IMS-074). A failed B of an ordinary message is handed to the
// engine as a step (IMS-053); a failed B of an error-interrupt raise is not (IMS-062).
`default_nettype none

module ims_fsm_master #(
    parameter integer QW = 107   // {raise, ims, idx[10:0], addr[63:2], data[31:0]}
) (
    input  wire          clk,
    input  wire          rst_n,
    input  wire          run,
    // message queue head
    input  wire          q_empty,
    input  wire [QW-1:0] q_head,
    output wire          q_pop,
    // AXI4-Lite write master
    output reg  [63:0]   m_axil_awaddr,
    output wire [2:0]    m_axil_awprot,
    output wire          m_axil_awvalid,
    input  wire          m_axil_awready,
    output reg  [31:0]   m_axil_wdata,
    output wire [3:0]    m_axil_wstrb,
    output wire          m_axil_wvalid,
    input  wire          m_axil_wready,
    input  wire [1:0]    m_axil_bresp,
    input  wire          m_axil_bvalid,
    output wire          m_axil_bready,
    // to the engine
    output wire          sent,       // a message completed both AW and W (IMS-072)
    output wire          be_push,    // a logged B error {ims, idx}
    output wire [11:0]   be_din,
    input  wire          be_full,
    output wire          b_done      // a B response of a message in flight was taken
);
    reg        hold;      // a message is loaded in the output registers
    reg        aw_p;      // its AW is still to be sent
    reg        w_p;       // its W is still to be sent
    reg [12:0] meta;      // {raise, ims, idx}

    wire        if_full;
    wire        if_empty;
    wire [12:0] if_head;

    wire aw_hs = m_axil_awvalid && m_axil_awready;
    wire w_hs  = m_axil_wvalid && m_axil_wready;
    wire b_hs  = m_axil_bvalid && m_axil_bready;

    assign m_axil_awprot  = 3'b000;
    assign m_axil_wstrb   = 4'hF;
    assign m_axil_awvalid = hold && aw_p && !if_full;
    assign m_axil_wvalid  = hold && w_p;
    assign m_axil_bready  = run && !be_full;

    assign sent  = hold && !(aw_p && !aw_hs) && !(w_p && !w_hs);
    assign q_pop = run && !hold && !q_empty;

    // a B error of an ordinary (not raise) message in flight is a step for the engine
    assign be_push = b_hs && !if_empty && (m_axil_bresp != 2'b00) && !if_head[12];
    assign be_din  = if_head[11:0];
    assign b_done  = b_hs && !if_empty;

    always @(posedge clk) begin
        if (!rst_n) begin
            hold          <= 1'b0;
            aw_p          <= 1'b0;
            w_p           <= 1'b0;
            meta          <= 13'd0;
            m_axil_awaddr <= 64'd0;
            m_axil_wdata  <= 32'd0;
        end else if (q_pop) begin
            hold          <= 1'b1;
            aw_p          <= 1'b1;
            w_p           <= 1'b1;
            meta          <= q_head[QW-1:QW-13];
            m_axil_awaddr <= {q_head[93:32], 2'b00};
            m_axil_wdata  <= q_head[31:0];
        end else if (hold) begin
            if (aw_hs) aw_p <= 1'b0;
            if (w_hs) w_p <= 1'b0;
            if (sent) hold <= 1'b0;
        end
    end

    // writes in flight, in AW order
    ims_fsm_fifo #(.WIDTH(13), .LOG2(4)) u_inflight (
        .clk(clk), .rst_n(rst_n),
        .push(aw_hs), .din(meta), .full(if_full),
        .pop(b_hs), .dout(if_head), .empty(if_empty)
    );
endmodule

`default_nettype wire
