// Simple dual-port RAM: one write port, one synchronous read port.
// A read of the address written at the same edge returns the new data (write-first),
// so the step pipeline in ims_core never sees a stale entry (IMS-080).
// Contents are not reset: users gate the read data with their own "written since
// reset" bits (IMS-011, IMS-093), so reset takes one clock whatever the depth.
`default_nettype none

module ims_ram #(
    parameter integer WIDTH = 8,
    parameter integer DEPTH = 16,
    parameter integer AW    = 4
) (
    input  wire             clk,
    input  wire             we,
    input  wire [AW-1:0]    waddr,
    input  wire [WIDTH-1:0] wdata,
    input  wire             re,
    input  wire [AW-1:0]    raddr,
    output reg  [WIDTH-1:0] rdata
);

    reg [WIDTH-1:0] mem [0:DEPTH-1];

    always @(posedge clk) begin
        if (we) begin
            mem[waddr] <= wdata;
        end
        if (re) begin
            if (we && waddr == raddr) begin
                rdata <= wdata;
            end else begin
                rdata <= mem[raddr];
            end
        end
    end

endmodule

`default_nettype wire
