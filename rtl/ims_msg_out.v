// Message master: a 4-deep message queue drained by an AXI4-Lite write master.
// AW and W leave independently from the queue head (each in message order, IMS-071);
// a slot is freed, and MSG_COUNT counts it, at the edge where its later handshake
// completes (IMS-072, IMS-084). Up to OST_DEPTH (16) writes stay in flight; B responses are matched
// to messages in AW order (IMS-073). A non-OKAY B of an ordinary message is offered to
// the core as a step (berr_valid) and held until the core takes it (IMS-053); other B
// responses are accepted at once (IMS-062, IMS-074, IMS-083).
//
// OST_DEPTH (a power of two, 2..256) sets how many writes may be in flight; the pointer and
// count widths follow from it. The top (ims_ctrl) keeps the default 16.
//
// HANDLE_RELEASE (IMS-107, profile IMS-087): from the clock a release is in the core's stage 1
// (rel_start) rel_hold stays 1 until the master port is idle (no message queued or in flight).
// It hides the release's B (ims_axil_slave) and stops the core taking events, so the only
// messages that can still be added while it waits are a raise's (at most one: the error stays
// latched, since no register write is taken while the B is held): the wait is bounded, and it
// covers every message of steps before the release, a superset of what the contract asks for.
// One flip-flop instead of a snapshot of B counts.
//
// Tools depend on internal names of this file (formal probes of src/imsmodel/formal.py,
// mutants named by source text in tests/): see docs/rtl-internals.md before renaming or
// moving a signal.
`default_nettype none

module ims_msg_out #(
    parameter integer OST_DEPTH = 16   // writes in flight (AW issued, B pending): 2..256, power of 2
) (
    input  wire        clk,
    input  wire        rst_n,

    // ---------------------------------------------------------------- push (ims_core; one message per clock at most)
    input  wire        push_valid,
    input  wire [63:2] push_addr,
    input  wire [31:0] push_data,
    input  wire [10:0] push_index,
    input  wire        push_ims,
    input  wire        push_raise,
    output wire [2:0]  free,

    // ---------------------------------------------------------------- B error step offered to the core
    output wire        berr_valid,
    output wire [10:0] berr_index,
    output wire        berr_ims,
    input  wire        berr_take,

    // ---------------------------------------------------------------- MSG_COUNT register value
    output reg  [31:0] msg_count,

    // ---------------------------------------------------------------- HANDLE_RELEASE B hold
    input  wire        rel_start,     // an in-range release is in the core's stage 1
    output wire        rel_hold,      // its B stays hidden, events wait (ims_axil_slave, ims_core)

    // ---------------------------------------------------------------- AXI4-Lite write master (messages)
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

    // ------------------------------------------------------------------ parameter checks
`ifndef SYNTHESIS
    initial begin
        if (OST_DEPTH < 2 || OST_DEPTH > 256 || (OST_DEPTH & (OST_DEPTH - 1)) != 0) begin
            $error("ims_msg_out: OST_DEPTH=%0d must be a power of two in 2..256", OST_DEPTH);
            $finish;
        end
    end
`endif

    // ------------------------------------------------------------------ sizes
    localparam integer Q_DEPTH    = 4;                   // message queue slots (free is 3 bits)
    localparam integer Q_IDX_W    = 2;                   // slot index: log2(Q_DEPTH)
    localparam integer INFO_W     = 13;                  // info word {raise, ims, index[10:0]}
    localparam integer INFO_RAISE = 12;                  // its raise bit
    localparam integer INFO_IMS   = 11;                  // its ims bit
    localparam integer OST_IDX_W  = $clog2(OST_DEPTH);   // in-flight slot index
    localparam integer OST_CNT_W  = OST_IDX_W + 1;       // in-flight pointers and count
    localparam [OST_CNT_W-1:0] OST_EMPTY = {OST_CNT_W{1'b0}};
    localparam [OST_CNT_W-1:0] OST_ONE   = {{(OST_CNT_W-1){1'b0}}, 1'b1};

    // message queue: q_wr = next free slot, q_aw / q_w = next message for AW / W,
    // q_cpl = oldest slot not yet complete. 3-bit pointers (Q_IDX_W + 1) over 4 slots.
    reg [61:0]        q_addr [0:Q_DEPTH-1];
    reg [31:0]        q_data [0:Q_DEPTH-1];
    reg [INFO_W-1:0]  q_info [0:Q_DEPTH-1];
    reg [Q_IDX_W:0]   q_wr, q_aw, q_w, q_cpl;

    // in-flight writes (AW issued, B pending), info of each in AW order
    reg [INFO_W-1:0]    ost_info [0:OST_DEPTH-1];
    reg [OST_CNT_W-1:0] ost_wr, ost_rd;

    wire [OST_CNT_W-1:0] ost_used  = ost_wr - ost_rd;
    wire                 ost_full  = ost_used[OST_CNT_W-1];
    wire                 ost_empty = (ost_used == OST_EMPTY);

    wire aw_pending = (q_aw != q_wr);
    wire w_pending  = (q_w != q_wr);

    assign m_axil_awvalid = aw_pending && !ost_full;
    // queue slots are not reset: outputs are forced to 0 while idle so none is X (IMS-010)
    assign m_axil_awaddr  = aw_pending ? {q_addr[q_aw[Q_IDX_W-1:0]], 2'b00} : 64'd0;
    assign m_axil_awprot  = 3'b000;
    assign m_axil_wvalid  = w_pending;
    assign m_axil_wdata   = w_pending ? q_data[q_w[Q_IDX_W-1:0]] : 32'd0;
    assign m_axil_wstrb   = 4'hF;

    wire aw_hs = m_axil_awvalid && m_axil_awready;
    wire w_hs  = m_axil_wvalid && m_axil_wready;

    wire [Q_IDX_W:0] q_aw_next = q_aw + {2'b00, aw_hs};
    wire [Q_IDX_W:0] q_w_next  = q_w + {2'b00, w_hs};
    // slot q_cpl completes at this edge when both pointers will have passed it
    wire complete = (q_cpl != q_wr) && (q_aw_next != q_cpl) && (q_w_next != q_cpl);

    wire [Q_IDX_W:0] used = q_wr - q_cpl;
    assign free = 3'd4 - used;

    // HANDLE_RELEASE: hold until nothing is queued or in flight
    reg  rel_wait;
    assign rel_hold = (rel_start || rel_wait) && (aw_pending || !ost_empty);

    wire [INFO_W-1:0] head_info = ost_info[ost_rd[OST_IDX_W-1:0]];
    assign berr_valid = m_axil_bvalid && !ost_empty && (m_axil_bresp != 2'b00) &&
                        !head_info[INFO_RAISE];
    assign berr_index = head_info[10:0];
    assign berr_ims   = head_info[INFO_IMS];
    assign m_axil_bready = rst_n && (berr_valid ? berr_take : 1'b1);   // 0 in reset (IMS-010)
    wire b_hs = m_axil_bvalid && m_axil_bready;

    always @(posedge clk) begin
        if (push_valid) begin
            q_addr[q_wr[Q_IDX_W-1:0]] <= push_addr;
            q_data[q_wr[Q_IDX_W-1:0]] <= push_data;
            q_info[q_wr[Q_IDX_W-1:0]] <= {push_raise, push_ims, push_index};
        end
        if (aw_hs) begin
            ost_info[ost_wr[OST_IDX_W-1:0]] <= q_info[q_aw[Q_IDX_W-1:0]];
        end
    end

    always @(posedge clk) begin
        if (!rst_n) begin
            q_wr      <= 3'd0;
            q_aw      <= 3'd0;
            q_w       <= 3'd0;
            q_cpl     <= 3'd0;
            ost_wr    <= OST_EMPTY;
            ost_rd    <= OST_EMPTY;
            msg_count <= 32'd0;
            rel_wait  <= 1'b0;
        end else begin
            rel_wait <= rel_hold;
            if (push_valid) begin
                q_wr <= q_wr + 3'd1;
            end
            q_aw <= q_aw_next;
            q_w  <= q_w_next;
            if (complete) begin
                q_cpl     <= q_cpl + 3'd1;
                msg_count <= msg_count + 32'd1;
            end
            if (aw_hs) begin
                ost_wr <= ost_wr + OST_ONE;
            end
            if (b_hs && !ost_empty) begin
                ost_rd <= ost_rd + OST_ONE;
            end
        end
    end

endmodule

`default_nettype wire
