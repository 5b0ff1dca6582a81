// ims_fsm_ram: one-read, one-write synchronous RAM of 32-bit words (no reset; the engine
// keeps a per-entry "written since reset" bit and never trusts a word it has not written).
`default_nettype none

module ims_fsm_ram #(
    parameter integer DEPTH = 8,
    parameter integer AW    = 3
) (
    input  wire          clk,
    input  wire          we,
    input  wire [AW-1:0] waddr,
    input  wire [31:0]   wdata,
    input  wire [AW-1:0] raddr,
    output reg  [31:0]   q
);
    reg [31:0] mem [0:DEPTH-1];

    always @(posedge clk) begin
        if (we) mem[waddr] <= wdata;
        q <= mem[raddr];
    end
endmodule

`default_nettype wire
