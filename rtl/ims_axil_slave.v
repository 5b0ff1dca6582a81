// Register slave front end (AXI4-Lite). It offers a write to the core only when both
// AW and W are valid and the B slot is free or being freed, and raises AWREADY and
// WREADY together in the cycle the core takes it: the write's commit edge (IMS-012).
// A read is offered when the R slot will be free; its data comes from the core one
// clock after the AR handshake. One B and one R response at most (IMS-014).
// b_hold hides a taken B (BVALID 0) while a HANDLE_RELEASE waits for its messages' B's
// (IMS-107, IMS-087); no new write is taken meanwhile. b_hold is 1 only while a B is taken.
//
// Tools depend on internal names of this file (mutants named by source text in tests/,
// docs/mutation_analysis.hjson): see docs/rtl-internals.md before renaming or moving a line.
`default_nettype none

module ims_axil_slave (
    input  wire        clk,
    input  wire        rst_n,

    // ---------------------------------------------------------------- AXI4-Lite slave
    input  wire [15:0] s_axil_awaddr,
    input  wire [2:0]  s_axil_awprot,
    input  wire        s_axil_awvalid,
    output wire        s_axil_awready,
    input  wire [31:0] s_axil_wdata,
    input  wire [3:0]  s_axil_wstrb,
    input  wire        s_axil_wvalid,
    output wire        s_axil_wready,
    output reg  [1:0]  s_axil_bresp,
    output wire        s_axil_bvalid,
    input  wire        s_axil_bready,
    input  wire [15:0] s_axil_araddr,
    input  wire [2:0]  s_axil_arprot,
    input  wire        s_axil_arvalid,
    output wire        s_axil_arready,
    output reg  [31:0] s_axil_rdata,
    output reg  [1:0]  s_axil_rresp,
    output reg         s_axil_rvalid,
    input  wire        s_axil_rready,

    // ---------------------------------------------------------------- register access (ims_core)
    output wire        wr_req,
    output wire [15:2] wr_addr,
    output wire [31:0] wr_data,
    output wire [3:0]  wr_strb,
    input  wire        wr_grant,
    input  wire        wr_slverr,     // response of the granted write
    output wire        rd_req,
    output wire [15:2] rd_addr,
    input  wire        rd_grant,
    input  wire        rd_busy,       // a granted read is in the core's second stage
    input  wire        rd_done,       // its data is valid this cycle
    input  wire [31:0] rd_data,
    input  wire        rd_slverr,
    input  wire        b_hold         // the B taken is a release's, not to be shown yet
);

    // AXI4-Lite response codes
    localparam [1:0] RESP_OKAY = 2'b00, RESP_SLVERR = 2'b10;

    reg    b_taken;   // a B response is waiting (shown unless b_hold)
    assign s_axil_bvalid = b_taken && !b_hold;
    assign wr_req  = s_axil_awvalid && s_axil_wvalid && (!s_axil_bvalid || s_axil_bready) && !b_hold;
    assign wr_addr = s_axil_awaddr[15:2];
    assign wr_data = s_axil_wdata;
    assign wr_strb = s_axil_wstrb;
    assign s_axil_awready = wr_grant;
    assign s_axil_wready  = wr_grant;

    assign rd_req  = s_axil_arvalid && !rd_busy && (!s_axil_rvalid || s_axil_rready);
    assign rd_addr = s_axil_araddr[15:2];
    assign s_axil_arready = rd_grant;

    // AxPROT and address bits [1:0] carry no meaning here (IMS-013)
    wire unused_ok = &{1'b0, s_axil_awprot, s_axil_arprot, s_axil_awaddr[1:0],
                       s_axil_araddr[1:0]};

    always @(posedge clk) begin
        if (!rst_n) begin
            b_taken       <= 1'b0;
            s_axil_bresp  <= RESP_OKAY;
            s_axil_rvalid <= 1'b0;
            s_axil_rresp  <= RESP_OKAY;
            s_axil_rdata  <= 32'd0;
        end else begin
            if (wr_grant) begin
                b_taken       <= 1'b1;
                s_axil_bresp  <= wr_slverr ? RESP_SLVERR : RESP_OKAY;
            end else if (s_axil_bvalid && s_axil_bready) begin
                b_taken       <= 1'b0;
            end
            if (rd_done) begin
                s_axil_rvalid <= 1'b1;
                s_axil_rresp  <= rd_slverr ? RESP_SLVERR : RESP_OKAY;
                s_axil_rdata  <= rd_data;
            end else if (s_axil_rready) begin
                s_axil_rvalid <= 1'b0;
            end
        end
    end

endmodule

`default_nettype wire
