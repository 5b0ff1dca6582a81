// Flush cursor (IMS-032, IMS-092). A flush is run by the step pipeline of ims_core as a
// series of internal flush steps, one entry each. This block holds the cursor: the next
// (group, bit) to visit. The first visit of a group probes bit 0; every visit, in stage 1,
// hands back the group's remaining candidates (pending and unmasked, with the visited
// entry already cleared), and the cursor moves to the lowest of them, or to bit 0 of the
// next group, or ends the flush after the last group. So a flush of P entries over G
// groups takes about P + G visits, one per clock. While `active` the core takes no
// register access and no event (IMS-085); B errors may still come between visits.
//
// Tools depend on internal names of this file (formal probes of src/imsmodel/formal.py, the
// mutation analysis in docs/mutation_analysis.hjson): see docs/rtl-internals.md before
// renaming or moving a signal.
`default_nettype none

module ims_flush #(
    parameter integer GROUP_W = 1   // group index width (flag RAM address), 1..6
) (
    input  wire               clk,
    input  wire               rst_n,

    // ---------------------------------------------------------------- start (ims_core stage 1)
    input  wire               start,         // a write opens a table this clock (stage 1)
    input  wire [GROUP_W-1:0] start_first,
    input  wire [GROUP_W-1:0] start_last,

    // ---------------------------------------------------------------- visit (ims_core stage 1)
    input  wire               visit,         // stage 1 holds a flush visit this clock
    input  wire [GROUP_W-1:0] visit_g,
    input  wire [63:0]        visit_cand,    // remaining candidates of visit_g after the visit
    input  wire               take,          // the core issues the cursor this clock

    // ---------------------------------------------------------------- flush state and cursor
    output reg                active,
    output wire               cur_valid,     // the cursor, as the core may issue it this clock
    output wire [GROUP_W-1:0] cur_g,
    output wire [5:0]         cur_b
);

    // ------------------------------------------------------------------ parameter checks
`ifndef SYNTHESIS
    initial begin
        // 1..6: 2048 IMS + 256 MSI-X entries are 36 groups of 64
        if (GROUP_W < 1 || GROUP_W > 6) begin
            $error("ims_flush: GROUP_W=%0d out of range 1..6", GROUP_W);
            $finish;
        end
    end
`endif

    reg               held_valid;   // the cursor held from the last clock
    reg [GROUP_W-1:0] held_g;
    reg [5:0]         held_b;
    reg [GROUP_W-1:0] last_g;       // last group of the flush under way

    // lowest remaining candidate
    // lowest candidate: a binary tree of (any, index) pairs, the lower half winning
    // (6 levels: about 120 gates for 64 candidates, against a 64-step priority chain)
    wire [63:0] t0_v = visit_cand;
    wire [31:0] t1_v;  wire [31:0] t1_i;
    wire [15:0] t2_v;  wire [31:0] t2_i;
    wire [7:0]  t3_v;  wire [23:0] t3_i;
    wire [3:0]  t4_v;  wire [15:0] t4_i;
    wire [1:0]  t5_v;  wire [9:0]  t5_i;
    genvar k;
    generate
        for (k = 0; k < 32; k = k + 1) begin : g_t1
            assign t1_v[k] = t0_v[2*k] | t0_v[2*k+1];
            assign t1_i[k] = !t0_v[2*k];
        end
        for (k = 0; k < 16; k = k + 1) begin : g_t2
            assign t2_v[k] = t1_v[2*k] | t1_v[2*k+1];
            assign t2_i[2*k +: 2] = t1_v[2*k] ? {1'b0, t1_i[2*k]} : {1'b1, t1_i[2*k+1]};
        end
        for (k = 0; k < 8; k = k + 1) begin : g_t3
            assign t3_v[k] = t2_v[2*k] | t2_v[2*k+1];
            assign t3_i[3*k +: 3] = t2_v[2*k] ? {1'b0, t2_i[4*k +: 2]} : {1'b1, t2_i[4*k+2 +: 2]};
        end
        for (k = 0; k < 4; k = k + 1) begin : g_t4
            assign t4_v[k] = t3_v[2*k] | t3_v[2*k+1];
            assign t4_i[4*k +: 4] = t3_v[2*k] ? {1'b0, t3_i[6*k +: 3]} : {1'b1, t3_i[6*k+3 +: 3]};
        end
        for (k = 0; k < 2; k = k + 1) begin : g_t5
            assign t5_v[k] = t4_v[2*k] | t4_v[2*k+1];
            assign t5_i[5*k +: 5] = t4_v[2*k] ? {1'b0, t4_i[8*k +: 4]} : {1'b1, t4_i[8*k+4 +: 4]};
        end
    endgenerate
    wire [5:0]  low_idx    = t5_v[0] ? {1'b0, t5_i[4:0]} : {1'b1, t5_i[9:5]};
    wire               more_here  = t5_v[0] | t5_v[1];
    wire               more_grp   = (visit_g != last_g);
    wire               next_valid = more_here || more_grp;
    wire [GROUP_W-1:0] next_g     = more_here ? visit_g : visit_g + {{(GROUP_W-1){1'b0}}, 1'b1};
    wire [5:0]         next_b     = more_here ? low_idx : 6'd0;

    assign cur_valid = start ? 1'b1 : (visit ? next_valid : held_valid);
    assign cur_g     = start ? start_first : (visit ? next_g : held_g);
    assign cur_b     = start ? 6'd0 : (visit ? next_b : held_b);

    always @(posedge clk) begin
        if (!rst_n) begin
            active     <= 1'b0;
            held_valid <= 1'b0;
            held_g     <= {GROUP_W{1'b0}};
            held_b     <= 6'd0;
            last_g     <= {GROUP_W{1'b0}};
        end else begin
            if (start) begin
                active <= 1'b1;
                last_g <= start_last;
            end else if (visit && !next_valid) begin
                active <= 1'b0;
            end
            held_valid <= cur_valid && !take;
            held_g     <= cur_g;
            held_b     <= cur_b;
        end
    end

endmodule

`default_nettype wire
