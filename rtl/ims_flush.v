// Flush cursor (IMS-032, IMS-092). A flush is run by the step pipeline of ims_core as a
// series of internal flush steps, one entry each. This block holds the cursor: the next
// (group, bit) to visit. The first visit of a group probes bit 0; every visit, in stage 1,
// hands back the group's remaining candidates (pending and unmasked, with the visited
// entry already cleared), and the cursor moves to the lowest of them, or to bit 0 of the
// next group, or ends the flush after the last group. So a flush of P entries over G
// groups takes about P + G visits, one per clock. While `active` the core takes no
// register access and no event (IMS-085); B errors may still come between visits.
`default_nettype none

module ims_flush #(
    parameter integer GW = 1
) (
    input  wire          clk,
    input  wire          rst_n,

    input  wire          start,          // a write opens a table this clock (stage 1)
    input  wire [GW-1:0] start_first,
    input  wire [GW-1:0] start_last,

    input  wire          visit,          // stage 1 holds a flush visit this clock
    input  wire [GW-1:0] visit_g,
    input  wire [63:0]   visit_cand,     // remaining candidates of visit_g after the visit
    input  wire          take,           // the core issues the cursor this clock

    output reg           active,
    output wire          cur_valid,      // the cursor, as the core may issue it this clock
    output wire [GW-1:0] cur_g,
    output wire [5:0]    cur_b
);

    reg          c_valid;
    reg [GW-1:0] c_g;
    reg [5:0]    c_b;
    reg [GW-1:0] last;

    // lowest remaining candidate
    reg  [5:0]  low_idx;
    integer i;
    always @(*) begin
        low_idx = 6'd0;
        for (i = 63; i >= 0; i = i - 1) begin
            if (visit_cand[i]) begin
                low_idx = i[5:0];
            end
        end
    end
    wire          more_here = (visit_cand != 64'd0);
    wire          more_grp  = (visit_g != last);
    wire          n_valid   = more_here || more_grp;
    wire [GW-1:0] n_g       = more_here ? visit_g : visit_g + {{(GW-1){1'b0}}, 1'b1};
    wire [5:0]    n_b       = more_here ? low_idx : 6'd0;

    assign cur_valid = start ? 1'b1 : (visit ? n_valid : c_valid);
    assign cur_g     = start ? start_first : (visit ? n_g : c_g);
    assign cur_b     = start ? 6'd0 : (visit ? n_b : c_b);

    always @(posedge clk) begin
        if (!rst_n) begin
            active  <= 1'b0;
            c_valid <= 1'b0;
            c_g     <= {GW{1'b0}};
            c_b     <= 6'd0;
            last    <= {GW{1'b0}};
        end else begin
            if (start) begin
                active <= 1'b1;
                last   <= start_last;
            end else if (visit && !n_valid) begin
                active <= 1'b0;
            end
            c_valid <= cur_valid && !take;
            c_g     <= cur_g;
            c_b     <= cur_b;
        end
    end

endmodule

`default_nettype wire
