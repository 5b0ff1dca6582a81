// Message master: a 4-deep message queue drained by an AXI4-Lite write master.
// AW and W leave independently from the queue head (each in message order, IMS-071);
// a slot is freed, and MSG_COUNT counts it, at the edge where its later handshake
// completes (IMS-072, IMS-084). Up to 16 writes stay in flight; B responses are matched
// to messages in AW order (IMS-073). A non-OKAY B of an ordinary message is offered to
// the core as a step (berr_valid) and held until the core takes it (IMS-053); other B
// responses are accepted at once (IMS-062, IMS-074, IMS-083).
`default_nettype none

module ims_msg_out (
    input  wire        clk,
    input  wire        rst_n,

    // push side (one message per clock at most)
    input  wire        push_valid,
    input  wire [63:2] push_addr,
    input  wire [31:0] push_data,
    input  wire [10:0] push_index,
    input  wire        push_ims,
    input  wire        push_raise,
    output wire [2:0]  free,

    // B error step offered to the core
    output wire        berr_valid,
    output wire [10:0] berr_index,
    output wire        berr_ims,
    input  wire        berr_take,

    output reg  [31:0] msg_count,

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

    localparam integer OST_DEPTH = 16;

    // message queue: wr = next free slot, awp / wp = next message for AW / W,
    // cp = oldest slot not yet complete. 3-bit pointers over 4 slots.
    reg [61:0] q_addr [0:3];
    reg [31:0] q_data [0:3];
    reg [12:0] q_info [0:3];   // {raise, ims, index[10:0]}
    reg [2:0]  wr, awp, wp, cp;

    // in-flight writes (AW issued, B pending), info of each in AW order
    reg [12:0] ost_info [0:OST_DEPTH-1];
    reg [4:0]  ost_wr, ost_rd;

    wire [4:0] ost_used = ost_wr - ost_rd;
    wire       ost_full = ost_used[4];
    wire       ost_empty = (ost_used == 5'd0);

    wire aw_pending = (awp != wr);
    wire w_pending  = (wp != wr);

    assign m_axil_awvalid = aw_pending && !ost_full;
    // queue slots are not reset: outputs are forced to 0 while idle so none is X (IMS-010)
    assign m_axil_awaddr  = aw_pending ? {q_addr[awp[1:0]], 2'b00} : 64'd0;
    assign m_axil_awprot  = 3'b000;
    assign m_axil_wvalid  = w_pending;
    assign m_axil_wdata   = w_pending ? q_data[wp[1:0]] : 32'd0;
    assign m_axil_wstrb   = 4'hF;

    wire aw_hs = m_axil_awvalid && m_axil_awready;
    wire w_hs  = m_axil_wvalid && m_axil_wready;

    wire [2:0] awp_next = awp + {2'b00, aw_hs};
    wire [2:0] wp_next  = wp + {2'b00, w_hs};
    // slot cp completes at this edge when both pointers will have passed it
    wire complete = (cp != wr) && (awp_next != cp) && (wp_next != cp);

    wire [2:0] used = wr - cp;
    assign free = 3'd4 - used;

    wire [12:0] head_info = ost_info[ost_rd[3:0]];
    assign berr_valid = m_axil_bvalid && !ost_empty && (m_axil_bresp != 2'b00) && !head_info[12];
    assign berr_index = head_info[10:0];
    assign berr_ims   = head_info[11];
    assign m_axil_bready = rst_n && (berr_valid ? berr_take : 1'b1);   // 0 in reset (IMS-010)
    wire b_hs = m_axil_bvalid && m_axil_bready;

    always @(posedge clk) begin
        if (push_valid) begin
            q_addr[wr[1:0]] <= push_addr;
            q_data[wr[1:0]] <= push_data;
            q_info[wr[1:0]] <= {push_raise, push_ims, push_index};
        end
        if (aw_hs) begin
            ost_info[ost_wr[3:0]] <= q_info[awp[1:0]];
        end
    end

    always @(posedge clk) begin
        if (!rst_n) begin
            wr <= 3'd0;
            awp <= 3'd0;
            wp <= 3'd0;
            cp <= 3'd0;
            ost_wr <= 5'd0;
            ost_rd <= 5'd0;
            msg_count <= 32'd0;
        end else begin
            if (push_valid) begin
                wr <= wr + 3'd1;
            end
            awp <= awp_next;
            wp <= wp_next;
            if (complete) begin
                cp <= cp + 3'd1;
                msg_count <= msg_count + 32'd1;
            end
            if (aw_hs) begin
                ost_wr <= ost_wr + 5'd1;
            end
            if (b_hs && !ost_empty) begin
                ost_rd <= ost_rd + 5'd1;
            end
        end
    end

endmodule

`default_nettype wire
