// ims_fsm_fifo: small synchronous FIFO (2**LOG2 entries), first-word-fall-through head.
// Part of the independent multi-cycle implementation of ims_ctrl (impl/fsm), written from
// docs/spec.md only.
`default_nettype none

module ims_fsm_fifo #(
    parameter integer WIDTH = 8,
    parameter integer LOG2  = 1
) (
    input  wire             clk,
    input  wire             rst_n,
    input  wire             push,
    input  wire [WIDTH-1:0] din,
    output wire             full,
    input  wire             pop,
    output wire [WIDTH-1:0] dout,
    output wire             empty
);
    localparam integer DEPTH = 1 << LOG2;

    reg [WIDTH-1:0] mem [0:DEPTH-1];
    reg [LOG2:0]    wp;
    reg [LOG2:0]    rp;

    assign empty = (wp == rp);
    assign full  = (wp[LOG2-1:0] == rp[LOG2-1:0]) && (wp[LOG2] != rp[LOG2]);
    assign dout  = mem[rp[LOG2-1:0]];

    always @(posedge clk) begin
        if (!rst_n) begin
            wp <= {(LOG2+1){1'b0}};
            rp <= {(LOG2+1){1'b0}};
        end else begin
            if (push && !full) wp <= wp + 1'b1;
            if (pop && !empty) rp <= rp + 1'b1;
        end
    end

    // storage has no reset: the head is only used while the FIFO is not empty
    always @(posedge clk) begin
        if (push && !full) mem[wp[LOG2-1:0]] <= din;
    end
endmodule

`default_nettype wire
