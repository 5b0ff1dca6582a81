// Simple dual-port RAM: one write port, one synchronous read port.
// A read of the address written at the same edge returns the new data (write-first),
// so the step pipeline in ims_core never sees a stale entry (IMS-080).
// Contents are not reset: users gate the read data with their own "written since
// reset" bits (IMS-011, IMS-093), so reset takes one clock whatever the depth.
//
// Tools depend on internal names of this file (formal probes of src/imsmodel/formal.py name
// u_tab.mem / u_flg.mem and the write port): see docs/rtl-internals.md.
`default_nettype none

module ims_ram #(
    parameter integer WIDTH = 8,    // word width, >= 1
    parameter integer DEPTH = 16,   // words, >= 1
    parameter integer AW    = 4     // address width, 2**AW >= DEPTH
) (
    input  wire             clk,

    // ---------------------------------------------------------------- write port
    input  wire             we,
    input  wire [AW-1:0]    waddr,
    input  wire [WIDTH-1:0] wdata,

    // ---------------------------------------------------------------- read port (synchronous)
    input  wire             re,
    input  wire [AW-1:0]    raddr,
    output reg  [WIDTH-1:0] rdata
);

    // ------------------------------------------------------------------ parameter checks
`ifndef SYNTHESIS
    initial begin
        if (WIDTH < 1 || DEPTH < 1 || AW < 1 || DEPTH > (1 << AW)) begin
            $error("ims_ram: WIDTH=%0d DEPTH=%0d AW=%0d: need WIDTH >= 1, 1 <= DEPTH <= 2**AW",
                   WIDTH, DEPTH, AW);
            $finish;
        end
    end
`endif

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
