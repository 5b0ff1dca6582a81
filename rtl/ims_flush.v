// Flush engine (IMS-032): scans the flag words of groups g_first..g_last in ascending
// order, one group per clock; for every entry that is pending and unmasked it reads the
// table word and pushes one message, one per clock, and clears the pending bits of the
// group. While it runs the core takes no register access and no event (IMS-085), so the
// whole flush is one step. Timing (IMS-092): about P + groups + 3 clocks from the
// releasing write's commit edge to the last AW handshake with an always-ready port.
`default_nettype none

module ims_flush #(
    parameter integer MG = 1,          // MSI-X groups of 64 entries (groups 0..MG-1)
    parameter integer GT = 2,          // all groups (IMS groups are MG..GT-1)
    parameter integer GW = 1,          // group index width
    parameter integer TW = 7,          // table index width
    parameter integer TABW = 115
) (
    input  wire            clk,
    input  wire            rst_n,

    input  wire            start,
    input  wire [GW-1:0]   start_first,
    input  wire [GW-1:0]   start_last,
    output reg             busy,

    input  wire [GT-1:0]   grp_init,

    output wire            flg_re,
    output wire [GW-1:0]   flg_raddr,
    input  wire [191:0]    flg_q,
    output wire            flg_we,
    output wire [GW-1:0]   flg_waddr,
    output wire [191:0]    flg_wdata,

    output wire            tab_re,
    output wire [TW-1:0]   tab_raddr,
    input  wire [TABW-1:0] tab_q,

    output wire            push_valid,
    output wire [63:2]     push_addr,
    output wire [31:0]     push_data,
    output wire [10:0]     push_index,
    output wire            push_ims,
    input  wire [2:0]      free
);

    localparam [1:0] S_ISSUE = 2'd0,   // present the flag read of group g
                     S_FLAGS = 2'd1,   // flag word of group g is on flg_q
                     S_ITER  = 2'd2;   // sending the candidates of group g

    reg [1:0]    state;
    reg [GW-1:0] g, g_last;
    reg [63:0]   cand;       // candidates of group g not yet read
    reg [63:0]   gvalid;     // "written since reset" bits of group g
    reg          tq;         // a table read was issued last clock: tab_q is an entry to send

    wire        g_init  = grp_init[g];
    wire [63:0] f_pend  = g_init ? flg_q[63:0] : 64'd0;
    wire [63:0] f_mask  = flg_q[127:64];
    wire [63:0] f_cand  = f_pend & ~f_mask;

    // lowest set bit of the candidate vector in use this clock
    wire [63:0] cur     = (state == S_FLAGS) ? f_cand : cand;
    wire [63:0] low_bit = cur & (~cur + 64'd1);
    reg  [5:0]  low_idx;
    integer i;
    always @(*) begin
        low_idx = 6'd0;
        for (i = 0; i < 64; i = i + 1) begin
            if (low_bit[i]) begin
                low_idx = i[5:0];
            end
        end
    end
    wire [63:0] rest    = cur & ~low_bit;

    // a message leaves this clock when a table read was issued last clock
    assign push_valid = tq;
    // room for this clock's push and the next one
    wire room = (free > {2'b00, tq});

    wire in_group = (state == S_FLAGS) || (state == S_ITER);
    wire issue_tab = busy && in_group && (cur != 64'd0) && room;
    wire group_done = busy && in_group && (cur == 64'd0 || (issue_tab && rest == 64'd0));
    wire last_group = (g == g_last);
    wire next_flags = group_done && !last_group;

    assign tab_re    = issue_tab;
    assign flg_re    = busy && ((state == S_ISSUE) || next_flags);
    assign flg_raddr = (state == S_ISSUE) ? g : g + {{(GW-1){1'b0}}, 1'b1};

    // clear the pending bits of every candidate of the group when its flag word arrives
    assign flg_we    = busy && (state == S_FLAGS) && (f_cand != 64'd0);
    assign flg_waddr = g;
    assign flg_wdata = {flg_q[191:64], f_pend & ~f_cand};

    // what the issued table read belongs to, registered with it: the group may move on
    // before its message leaves
    wire          cur_valid = (state == S_FLAGS) ? (g_init && flg_q[{2'b10, low_idx}])
                                                 : gvalid[low_idx];
    wire          cur_ims   = (g >= MG[GW-1:0]);
    wire [GW-1:0] cur_lg    = cur_ims ? g - MG[GW-1:0] : g;
    wire [GW+16:0] cur_idx  = {11'd0, cur_lg, low_idx};
    wire          unused_ok = &{1'b0, cur_idx[GW+16:11], ent[TABW-1:94]};
    reg           tq_valid;
    reg           tq_ims;
    reg  [10:0]   tq_index;

    wire [TABW-1:0] ent = tq_valid ? tab_q : {TABW{1'b0}};
    assign push_addr  = {ent[61:30], ent[29:0]};
    assign push_data  = ent[93:62];
    assign push_ims   = tq_ims;
    assign push_index = tq_index;

    wire [GW+5:0] cur_tab = {g, low_idx};
    assign tab_raddr = cur_tab[TW-1:0];

    always @(posedge clk) begin
        if (!rst_n) begin
            busy   <= 1'b0;
            state  <= S_ISSUE;
            g      <= {GW{1'b0}};
            g_last <= {GW{1'b0}};
            cand   <= 64'd0;
            gvalid <= 64'd0;
            tq     <= 1'b0;
            tq_valid <= 1'b0;
            tq_ims   <= 1'b0;
            tq_index <= 11'd0;
        end else begin
            tq <= issue_tab;
            if (issue_tab) begin
                tq_valid <= cur_valid;
                tq_ims   <= cur_ims;
                tq_index <= cur_idx[10:0];
            end
            if (start && !busy) begin
                busy   <= 1'b1;
                state  <= S_ISSUE;
                g      <= start_first;
                g_last <= start_last;
            end else if (busy) begin
                case (state)
                    S_ISSUE: state <= S_FLAGS;
                    default: begin
                        if (state == S_FLAGS) begin
                            gvalid <= g_init ? flg_q[191:128] : 64'd0;
                        end
                        cand <= issue_tab ? rest : cur;
                        if (group_done) begin
                            if (last_group) begin
                                state <= S_ITER;
                                cand  <= 64'd0;
                                if (!issue_tab) begin
                                    busy <= 1'b0;
                                end
                            end else begin
                                g     <= g + {{(GW-1){1'b0}}, 1'b1};
                                state <= S_FLAGS;
                            end
                        end else begin
                            state <= S_ITER;
                        end
                    end
                endcase
            end
        end
    end

endmodule

`default_nettype wire
