// Step pipeline of the IMS controller.
//
// Stage 0 picks at most one step per clock (IMS-081): a logged B error first, then the
// error-interrupt raise that an earlier step left (IMS-060), then register writes, reads
// and events in round-robin order. It decodes the step and issues the reads of the
// table word and the 64-entry flag word it touches. Stage 1 (the next clock) sees both
// words up to date (the RAMs are write-first) and performs the step: register and entry
// updates, mask/pending/PASID rules, error logging, messages. A step that latches an
// error with ERR_INT_ENABLE, or that opens a table, holds stage 0 for one clock so that
// its raise or its flush (ims_flush) comes before any later step (IMS-080).
//
// Entry storage (IMS-093): tab[gi] = {pasid, pasid_en, data, addr_hi, addr_lo[31:2]} (the
// table RAM, TAB_W bits); flg[g] = {valid[63:0], mask[63:0], pend[63:0]} (the flag RAM, the
// "flag word" of the 64 entries of group g; names flg_*). MSI-X entries use groups
// 0..MSIX_GROUPS-1, IMS entries groups MSIX_GROUPS..GROUPS-1 (gi = IMS_TAB_BASE + handle).
// Names: flg_* = the flag word, flush_* = the flush (ims_flush); ctrl_reg / wr_ctrl_reg = the
// CTRL register, ent_* / wr_entry_ctrl = an entry's fields and its control dword.
// grp_init[g] (flip-flops, one per group) tells whether flg[g] was ever written since
// reset; a clear bit reads as the reset value, so reset takes one clock (IMS-011).
//
// Tools depend on internal names of this file (formal probes of src/imsmodel/formal.py,
// mutants named by source text in tests/, docs/mutation_analysis.hjson): see
// docs/rtl-internals.md before renaming or moving a signal.
`default_nettype none

module ims_core #(
    parameter integer IMS_ENTRIES  = 64,   // 1..2048
    parameter integer MSIX_ENTRIES = 9     // 1..256
) (
    input  wire        clk,
    input  wire        rst_n,

    // ---------------------------------------------------------------- register access (ims_axil_slave)
    input  wire        wr_req,
    input  wire [15:2] wr_addr,
    input  wire [31:0] wr_data,
    input  wire [3:0]  wr_strb,
    output wire        wr_grant,
    output wire        wr_slverr,
    input  wire        rd_req,
    input  wire [15:2] rd_addr,
    output wire        rd_grant,
    output wire        rd_busy,
    output wire        rd_done,
    output reg  [31:0] rd_data,
    output wire        rd_slverr,

    // ---------------------------------------------------------------- device events
    input  wire        evt_valid,
    output wire        evt_ready,
    input  wire        evt_ims,
    input  wire [15:0] evt_handle,
    input  wire        evt_pasid_valid,
    input  wire [19:0] evt_pasid,

    // ---------------------------------------------------------------- messages (ims_msg_out)
    output wire        push_valid,
    output wire [63:2] push_addr,
    output wire [31:0] push_data,
    output wire [10:0] push_index,
    output wire        push_ims,
    output wire        push_raise,
    input  wire [2:0]  free,

    // ---------------------------------------------------------------- B errors (ims_msg_out)
    input  wire        berr_valid,
    input  wire [10:0] berr_index,
    input  wire        berr_ims,
    output wire        berr_take,

    input  wire [31:0] msg_count,

    // ---------------------------------------------------------------- HANDLE_RELEASE (IMS-039, IMS-107)
    output wire        rel_step,      // an in-range release is in stage 1: its B waits (ims_msg_out)
    input  wire        rel_hold       // its B is held: no event is taken meanwhile (IMS-087)
);

    // ------------------------------------------------------------------ parameter checks
`ifndef SYNTHESIS
    initial begin
        if (IMS_ENTRIES < 1 || IMS_ENTRIES > 2048) begin
            $error("ims_core: IMS_ENTRIES=%0d out of range 1..2048", IMS_ENTRIES);
            $finish;
        end
        if (MSIX_ENTRIES < 1 || MSIX_ENTRIES > 256) begin
            $error("ims_core: MSIX_ENTRIES=%0d out of range 1..256", MSIX_ENTRIES);
            $finish;
        end
    end
`endif

    // ------------------------------------------------------------------ sizes
    localparam integer GROUP_SIZE    = 64;   // entries per flag word (one 192-bit flag RAM word)
    localparam integer MSIX_GROUPS   = (MSIX_ENTRIES + 63) / 64;   // flag words of the MSI-X table
    localparam integer IMS_GROUPS    = (IMS_ENTRIES + 63) / 64;    // flag words of the IMS
    localparam integer GROUPS        = MSIX_GROUPS + IMS_GROUPS;   // flag RAM depth
    localparam integer GROUP_W       = (GROUPS > 1) ? $clog2(GROUPS) : 1;   // flag RAM address
    localparam integer IMS_TAB_BASE  = MSIX_GROUPS * GROUP_SIZE;   // table index of IMS entry 0
    localparam integer TAB_DEPTH     = IMS_TAB_BASE + IMS_ENTRIES;  // table RAM depth
    localparam integer TAB_AW        = $clog2(TAB_DEPTH);           // table RAM address
    localparam integer TAB_W         = 115;  // table word: {pasid, pasid_en, data, addr_hi, addr_lo[31:2]}
    localparam integer FLG_W         = 3 * GROUP_SIZE;   // flag word: {valid, mask, pend}
    // fields of a flag word and of a table word
    localparam integer FLG_PEND_LSB  = 0;
    localparam integer FLG_MASK_LSB  = GROUP_SIZE;
    localparam integer FLG_VALID_LSB = 2 * GROUP_SIZE;
    localparam integer ENT_LO_LSB    = 0;    // addr_lo[31:2], 30 bits
    localparam integer ENT_HI_LSB    = 30;   // addr_hi, 32 bits
    localparam integer ENT_DATA_LSB  = 62;   // data, 32 bits
    localparam integer ENT_PEN_BIT   = 94;   // PASID_EN
    localparam integer ENT_PASID_LSB = 95;   // PASID, 20 bits
    localparam integer MSIX_LAST     = MSIX_ENTRIES - 1;
    localparam integer LAST_GROUP    = GROUPS - 1;

    // the same values at the widths they are compared or concatenated at
    localparam [15:0]         IMS_ENTRIES_16  = IMS_ENTRIES[15:0];    // handle / entry compare
    localparam [8:0]          MSIX_ENTRIES_9  = MSIX_ENTRIES[8:0];    // MSI-X entry compare
    localparam [10:0]         MSIX_LAST_11    = MSIX_LAST[10:0];      // CAP[26:16]
    localparam [8:0]          MSIX_GROUPS_9   = MSIX_GROUPS[8:0];     // MSI-X PBA QWORD compare
    localparam [8:0]          IMS_GROUPS_9    = IMS_GROUPS[8:0];      // IMS PBA QWORD compare
    localparam [GROUP_W-1:0]  IMS_GROUP0_G    = MSIX_GROUPS[GROUP_W-1:0];   // first IMS group
    localparam [GROUP_W-1:0]  LAST_GROUP_G    = LAST_GROUP[GROUP_W-1:0];
    localparam [TAB_AW-1:0]   IMS_TAB_BASE_T  = IMS_TAB_BASE[TAB_AW-1:0];

    // register values
    localparam [31:0] ID_VALUE  = 32'h494D5301;
    localparam [31:0] CAP_VALUE = {1'b1, 4'b0000, MSIX_LAST_11, IMS_ENTRIES_16};

    // register-space regions (address bits [14:12] below 0x8000; 0x8000.. is the IMS)
    localparam [2:0] RGN_REGS = 3'd0, RGN_MSIX_TAB = 3'd1, RGN_MSIX_PBA = 3'd2, RGN_IMS_PBA = 3'd3;
    // register byte offsets: last mapped register, the one hole below it
    localparam [11:0] REG_LAST_OFFSET = 12'h020, REG_HOLE_OFFSET = 12'h00C;
    localparam [15:0] REG_REL_ADDR    = 16'h0038;   // HANDLE_RELEASE (IMS-028), alone above the rest
    // register indices (byte offset [5:2])
    localparam [3:0] REG_ID = 4'd0, REG_CAP = 4'd1, REG_CTRL = 4'd2, REG_ERR_STATUS = 4'd4,
                     REG_ERR_INFO = 4'd5, REG_ERR_PASID = 4'd6, REG_ERR_COUNT = 4'd7,
                     REG_MSG_COUNT = 4'd8, REG_RELEASE = 4'd14;
    // dwords of a table entry (byte offset [3:2])
    localparam [1:0] DW_ADDR_LO = 2'd0, DW_ADDR_HI = 2'd1, DW_DATA = 2'd2, DW_CTRL = 2'd3;
    // round-robin: the last of write / read / event granted
    localparam [1:0] RR_WRITE = 2'd0, RR_READ = 2'd1, RR_EVENT = 2'd2;

    // step kinds
    localparam [2:0] OP_WRITE = 3'd0, OP_READ = 3'd1, OP_EVENT = 3'd2, OP_BERR = 3'd3,
                     OP_RAISE = 3'd4, OP_FLUSH = 3'd5;
    // decoded register-space kinds
    localparam [2:0] K_REGS = 3'd0, K_MSIX_TAB = 3'd1, K_MSIX_PBA = 3'd2, K_IMS_PBA = 3'd3,
                     K_IMS_TAB = 3'd4, K_NONE = 3'd5;
    // error codes (IMS-054)
    localparam [7:0] E_NONE = 8'h00, E_MSG_WRITE_FAILED = 8'h01, E_IMS_DISABLED = 8'h02,
                     E_MSIX_DISABLED = 8'h03, E_INVALID_HANDLE = 8'h19,
                     E_PASID_MISMATCH = 8'h1A;

    // ------------------------------------------------------------------ state
    reg  [3:0]  ctrl_reg;        // CTRL: {ERR_INT_ENABLE, IMS_ENABLE, MSIX_FUNC_MASK, MSIX_ENABLE}
    reg         err_valid, err_ovf;
    reg  [7:0]  err_code;
    reg  [17:0] err_info;
    reg  [19:0] err_pasid;
    reg  [31:0] err_count;
    reg         raise_req;
    reg  [GROUPS-1:0] grp_init;  // flag word g written since reset
    reg  [1:0]  rr_last;         // last of write / read / event granted (RR_*)

    wire msix_en    = ctrl_reg[0];
    wire func_msk   = ctrl_reg[1];
    wire ims_en     = ctrl_reg[2];
    wire err_int_en = ctrl_reg[3];
    wire msix_open  = msix_en && !func_msk;
    wire ims_open   = ims_en;

    // ------------------------------------------------------------------ stage 1 regs
    reg          s1_valid;
    reg  [2:0]   s1_op;
    reg  [2:0]   s1_kind;
    reg  [3:0]   s1_reg;         // register index (REG_*), offset[5:2]
    reg  [TAB_AW-1:0]  s1_gi;   // table RAM index
    reg  [GROUP_W-1:0] s1_g;    // flag RAM index (group)
    reg  [31:0]  s1_wdata;
    reg  [3:0]   s1_strb;
    reg          s1_ims;
    reg          s1_inr;
    reg  [15:0]  s1_handle;      // event handle; entry index for the other steps
    wire [1:0]   s1_dw   = s1_reg[1:0];   // table dword (DW_*)
    wire         s1_half = s1_reg[0];     // PBA dword
    wire [10:0]  s1_index = s1_handle[10:0];
    reg          s1_pv;
    // s1_wdata[31:12] carries evt_pasid for an event (no separate register): one PASID compare
    // serves the event check (IMS-040) and the owner-change check of a write (IMS-038)

    wire         s1_hold;
    wire         s1_push;
    wire         s1_flush;
    wire         flush_active, flush_cur_valid;   // the flush (ims_flush) and its cursor
    wire [GROUP_W-1:0] flush_cur_g;
    wire [5:0]   flush_cur_b;

    // ------------------------------------------------------------------ stage 0: arbiter
    // A flush (from the write that starts it until its last visit) admits only its own
    // visits and B errors; a raise waits for the flush to end (IMS-063).
    wire msg_room   = (free > {2'b00, s1_push});
    wire flush_mode = flush_active || s1_flush;

    // nothing is granted while rst_n = 0, so no ready output is 1 in reset (IMS-010)
    wire g_berr    = rst_n && berr_valid && !s1_hold && (flush_mode || !raise_req);
    wire g_flush   = rst_n && flush_mode && flush_cur_valid && msg_room && !g_berr;
    wire g_raise   = rst_n && !flush_mode && !s1_hold && raise_req && msg_room;
    wire others_ok = rst_n && !flush_mode && !s1_hold && !raise_req && !berr_valid;

    wire req_w = wr_req && msg_room;
    wire req_r = rd_req;
    wire req_e = evt_valid && msg_room && !rel_hold;

    wire pick_w = req_w && (rr_last == RR_EVENT || (rr_last == RR_READ && !req_e) ||
                            (rr_last == RR_WRITE && !req_r && !req_e));
    wire pick_r = req_r && (rr_last == RR_WRITE || (rr_last == RR_EVENT && !req_w) ||
                            (rr_last == RR_READ && !req_e && !req_w));
    wire pick_e = req_e && (rr_last == RR_READ || (rr_last == RR_WRITE && !req_r) ||
                            (rr_last == RR_EVENT && !req_w && !req_r));

    assign wr_grant  = others_ok && pick_w;
    assign rd_grant  = others_ok && pick_r;
    assign evt_ready = others_ok && pick_e;
    assign berr_take = g_berr;
    wire   s0_valid  = wr_grant || rd_grant || evt_ready || g_berr || g_raise || g_flush;

    // ------------------------------------------------------------------ stage 0: decode
    wire [15:0] a16 = wr_grant ? {wr_addr, 2'b00} : {rd_addr, 2'b00};
    reg  [2:0]  d_kind;
    reg         d_mapped;
    reg  [10:0] d_i;             // table entry index or PBA qword
    always @(*) begin
        d_kind   = K_NONE;
        d_mapped = 1'b0;
        d_i      = 11'd0;
        if (a16[15]) begin
            d_kind   = K_IMS_TAB;
            d_i      = a16[14:4];
            d_mapped = ({5'd0, a16[14:4]} < IMS_ENTRIES_16);
        end else begin
            case (a16[14:12])
                RGN_REGS: begin
                    d_kind   = K_REGS;
                    d_mapped = ((a16[11:0] <= REG_LAST_OFFSET) && (a16[11:0] != REG_HOLE_OFFSET)) ||
                               (a16 == REG_REL_ADDR);
                end
                RGN_MSIX_TAB: begin
                    d_kind   = K_MSIX_TAB;
                    d_i      = {3'd0, a16[11:4]};
                    d_mapped = ({1'b0, a16[11:4]} < MSIX_ENTRIES_9);
                end
                RGN_MSIX_PBA: begin
                    d_kind   = K_MSIX_PBA;
                    d_i      = {2'd0, a16[11:3]};
                    d_mapped = (a16[11:3] < MSIX_GROUPS_9);
                end
                RGN_IMS_PBA: begin
                    d_kind   = K_IMS_PBA;
                    d_i      = {2'd0, a16[11:3]};
                    d_mapped = (a16[11:3] < IMS_GROUPS_9);
                end
                default: d_kind = K_NONE;
            endcase
        end
        if (!d_mapped) begin
            d_kind = K_NONE;
            d_i    = 11'd0;
        end
    end
    // HANDLE_RELEASE (IMS-028): the entry named by the written bytes (unwritten ones 0); its
    // range check shares the event's comparators (a write and an event are never both granted)
    wire        d_rel      = (a16 == REG_REL_ADDR);   // (WSTRB = 0 names MSI-X 0: in range)
    wire [15:0] rel_handle = wr_data[15:0] & {{8{wr_strb[1]}}, {8{wr_strb[0]}}};
    wire        rel_ims    = wr_data[16] && wr_strb[2];
    wire        rel_grant  = wr_grant && d_rel;
    wire        rel_inr    = rel_ims ? (rel_handle < IMS_ENTRIES_16)
                                     : (rel_handle < {7'd0, MSIX_ENTRIES_9});
    wire [10:0] h_index    = wr_grant ? rel_handle[10:0] : evt_handle[10:0];   // in range: 11 bits
    wire        h_ims      = wr_grant ? rel_ims : evt_ims;
    assign wr_slverr = !d_mapped || (d_rel && !rel_inr);

    // a flush visit's table and entry index
    wire                flush_ims     = (flush_cur_g >= IMS_GROUP0_G);
    wire [GROUP_W-1:0]  flush_local_g = flush_ims ? flush_cur_g - IMS_GROUP0_G : flush_cur_g;
    wire [GROUP_W+16:0] flush_index   = {11'd0, flush_local_g, flush_cur_b};

    wire e_inr = wr_grant ? rel_inr
               : (evt_ims ? (evt_handle < IMS_ENTRIES_16) : (evt_handle < {7'd0, MSIX_ENTRIES_9}));

    // global table index and group of the step
    reg  [TAB_AW-1:0]  s0_gi;
    reg  [GROUP_W-1:0] s0_g;
    reg  [10:0]        s0_index;
    reg  [TAB_AW+10:0] wide_gi;
    always @(*) begin
        wide_gi  = {(TAB_AW+11){1'b0}};
        s0_g     = {GROUP_W{1'b0}};
        s0_index = 11'd0;
        if (g_flush) begin
            wide_gi  = {{(TAB_AW+5-GROUP_W){1'b0}}, flush_cur_g, flush_cur_b};
            s0_index = flush_index[10:0];
        end else if (evt_ready || rel_grant) begin
            s0_index = h_index;
            if (e_inr) begin
                wide_gi = {{TAB_AW{1'b0}}, h_index};
                if (h_ims) begin
                    wide_gi = wide_gi + {11'd0, IMS_TAB_BASE_T};
                end
            end
        end else if (wr_grant || rd_grant) begin
            s0_index = d_i;
            case (d_kind)
                K_MSIX_TAB: wide_gi = {{TAB_AW{1'b0}}, d_i};
                K_IMS_TAB:  wide_gi = {{TAB_AW{1'b0}}, d_i} + {11'd0, IMS_TAB_BASE_T};
                default:    wide_gi = {(TAB_AW+11){1'b0}};
            endcase
        end
        s0_gi = wide_gi[TAB_AW-1:0];
        s0_g  = wide_gi[GROUP_W+5:6];
        if (d_kind == K_MSIX_PBA && (wr_grant || rd_grant)) begin
            s0_g = d_i[GROUP_W-1:0];
        end else if (d_kind == K_IMS_PBA && (wr_grant || rd_grant)) begin
            s0_g = d_i[GROUP_W-1:0] + IMS_GROUP0_G;
        end
    end

    // ------------------------------------------------------------------ storage
    wire [TAB_W-1:0] tab_q;          // table RAM word (entry)
    wire [FLG_W-1:0] flg_q;          // flag RAM word (the entry's group)
    wire             tab_we;
    wire [TAB_W-1:0] tab_wdata;
    wire             s1_flg_we;
    wire [FLG_W-1:0] s1_flg_wdata;

    ims_ram #(.WIDTH(TAB_W), .DEPTH(TAB_DEPTH), .AW(TAB_AW)) u_tab (
        .clk   (clk),
        .we    (tab_we),
        .waddr (s1_gi),
        .wdata (tab_wdata),
        .re    (s0_valid),
        .raddr (s0_gi),
        .rdata (tab_q)
    );

    ims_ram #(.WIDTH(FLG_W), .DEPTH(GROUPS), .AW(GROUP_W)) u_flg (
        .clk   (clk),
        .we    (s1_flg_we),
        .waddr (s1_g),
        .wdata (s1_flg_wdata),
        .re    (s0_valid),
        .raddr (s0_g),
        .rdata (flg_q)
    );

    // one-hot of entry bit {hi, lo} of a flag word, 0 unless en
    function [63:0] bit_onehot(input [7:0] hi, input en, input [7:0] lo);
        integer b;
        begin
            for (b = 0; b < 64; b = b + 1) begin
                bit_onehot[b] = hi[b / 8] && en && lo[b % 8];
            end
        end
    endfunction

    // ------------------------------------------------------------------ stage 1: entry view
    // the flag word of the step's group (valid / mask / pending bit of its 64 entries)
    wire        s1_grp_init   = grp_init[s1_g];
    wire [63:0] flg_valid     = s1_grp_init ? flg_q[FLG_VALID_LSB +: GROUP_SIZE] : 64'd0;
    wire [63:0] flg_mask      = s1_grp_init ? flg_q[FLG_MASK_LSB +: GROUP_SIZE] : {64{1'b1}};
    wire [63:0] flg_pend      = s1_grp_init ? flg_q[FLG_PEND_LSB +: GROUP_SIZE] : 64'd0;
    wire [5:0]  s1_bit        = s1_gi[5:0];   // the entry's bit in its flag word
    wire        e_valid  = flg_valid[s1_bit];
    wire        e_mask   = flg_mask[s1_bit];
    wire        e_pend   = flg_pend[s1_bit];
    // the entry (ent_*: fields, e_*: as the spec names them)
    wire [TAB_W-1:0] ent = e_valid ? tab_q : {TAB_W{1'b0}};
    wire [31:0] e_lo     = {ent[ENT_LO_LSB +: 30], 2'b00};
    wire [31:0] e_hi     = ent[ENT_HI_LSB +: 32];
    wire [31:0] e_data   = ent[ENT_DATA_LSB +: 32];
    wire        e_pen    = ent[ENT_PEN_BIT];
    wire [19:0] e_pasid  = ent[ENT_PASID_LSB +: 20];
    wire        t_is_ims = (s1_kind == K_IMS_TAB);
    // the entry's control dword as read (MASK; IMS: PASID_EN, PASID)
    // (no table select: an MSI-X entry's PASID_EN and PASID are always 0, as no write sets them)
    wire [31:0] ent_ctrl_dw = {e_pasid, 8'd0, e_pen, 2'b00, e_mask};

    wire is_w     = s1_valid && (s1_op == OP_WRITE);
    wire is_r     = s1_valid && (s1_op == OP_READ);
    wire is_e     = s1_valid && (s1_op == OP_EVENT);
    wire is_b     = s1_valid && (s1_op == OP_BERR);
    wire is_raise = s1_valid && (s1_op == OP_RAISE);
    wire is_flush = s1_valid && (s1_op == OP_FLUSH);
    // a flush visit sends the entry when it is pending and unmasked (IMS-032, IMS-035)
    wire flush_send = is_flush && e_pend && !e_mask;

    // ------------------------------------------------------------------ stage 1: events
    reg [7:0] ev_code;
    always @(*) begin
        ev_code = E_NONE;
        if (s1_ims) begin
            if (!ims_en) begin
                ev_code = E_IMS_DISABLED;
            end else if (!s1_inr) begin
                ev_code = E_INVALID_HANDLE;
            end else if (e_pen && (!s1_pv || pasid_ne)) begin
                ev_code = E_PASID_MISMATCH;
            end
        end else begin
            if (!s1_inr) begin
                ev_code = E_INVALID_HANDLE;
            end else if (!msix_en) begin
                ev_code = E_MSIX_DISABLED;
            end
        end
    end
    wire       ev_err   = (ev_code != E_NONE);
    wire       trig_ok  = (is_e && !ev_err) || (is_raise && msix_en);
    wire       t_ims    = is_e && s1_ims;
    wire       t_masked = e_mask || (!t_ims && func_msk);
    wire       t_pend   = trig_ok && t_masked;
    wire       t_send   = trig_ok && !t_masked;

    // ------------------------------------------------------------------ stage 1: writes
    wire [31:0] bytemask = {{8{s1_strb[3]}}, {8{s1_strb[2]}}, {8{s1_strb[1]}}, {8{s1_strb[0]}}};
    wire        wr_entry = is_w && (s1_kind == K_MSIX_TAB || s1_kind == K_IMS_TAB);
    reg  [31:0] cur_dw;
    always @(*) begin
        case (s1_dw)
            DW_ADDR_LO: cur_dw = e_lo;
            DW_ADDR_HI: cur_dw = e_hi;
            DW_DATA:    cur_dw = e_data;
            default:    cur_dw = ent_ctrl_dw;   // DW_CTRL
        endcase
    end
    wire [31:0] merged         = (cur_dw & ~bytemask) | (s1_wdata & bytemask);   // event: s1_wdata
    wire        pasid_ne       = (merged[31:12] != e_pasid);   // event PASID / written PASID
    wire        wr_entry_ctrl  = wr_entry && (s1_dw == DW_CTRL);   // entry control dword
    wire [29:0] ent_lo_next    = (s1_dw == DW_ADDR_LO) ? merged[31:2] : ent[ENT_LO_LSB +: 30];
    wire [31:0] ent_hi_next    = (s1_dw == DW_ADDR_HI) ? merged : e_hi;
    wire [31:0] ent_data_next  = (s1_dw == DW_DATA) ? merged : e_data;
    wire        ent_pen_next   = (wr_entry_ctrl && t_is_ims) ? merged[3] : e_pen;
    wire [19:0] ent_pasid_next = (wr_entry_ctrl && t_is_ims) ? merged[31:12] : e_pasid;
    wire        ent_mask_next  = wr_entry_ctrl ? merged[0] : e_mask;
    wire        entry_tab_open = t_is_ims ? ims_open : msix_open;
    // IMS-038: a new owner (PASID or PASID_EN changed) drops the pending bit, before the unmask
    wire        owner_chg      = wr_entry_ctrl && t_is_ims && (pasid_ne || (merged[3] != e_pen));
    wire        unmask_send    = wr_entry_ctrl && e_mask && !ent_mask_next && e_pend &&
                                 entry_tab_open && !owner_chg;   // IMS-031
    // IMS-039: an in-range HANDLE_RELEASE clears the entry's pending bit and sets its MASK
    wire        rel_do         = is_w && (s1_kind == K_REGS) && (s1_reg == REG_RELEASE) && s1_inr &&
                                 (s1_strb != 4'd0);   // WSTRB = 0 changes nothing (IMS-023)
    assign      rel_step       = rel_do;

    assign tab_we    = wr_entry;
    assign tab_wdata = {ent_pasid_next, ent_pen_next, ent_data_next, ent_hi_next, ent_lo_next};

    assign s1_flg_we    = wr_entry || t_pend || flush_send || rel_do;
    wire        mask_we        = wr_entry || rel_do;
    wire        pend_clr       = unmask_send || flush_send || owner_chg || rel_do;
    // the entry's bit with each update's enable folded in, from two 8-way predecodes (one
    // 64-way decoder gated four times cost more gates)
    wire [7:0]  bit_lo         = 8'd1 << s1_bit[2:0];
    wire [7:0]  bit_hi         = 8'd1 << s1_bit[5:3];
    wire [63:0] oh_valid       = bit_onehot(bit_hi, wr_entry, bit_lo);
    wire [63:0] oh_mask        = bit_onehot(bit_hi, mask_we, bit_lo);
    wire [63:0] oh_pend_set    = bit_onehot(bit_hi, t_pend, bit_lo);
    wire [63:0] oh_pend_clr    = bit_onehot(bit_hi, pend_clr, bit_lo);
    wire        mask_val       = ent_mask_next || rel_do;
    wire [63:0] flg_valid_next = flg_valid | oh_valid;
    wire [63:0] flg_mask_next  = (flg_mask & ~oh_mask) | (oh_mask & {64{mask_val}});
    wire [63:0] flg_pend_next  = (flg_pend & ~oh_pend_clr) | oh_pend_set;   // set, clear: never both
    assign s1_flg_wdata = {flg_valid_next, flg_mask_next, flg_pend_next};

    // CTRL and the flushes it starts (IMS-032)
    wire        wr_register = is_w && (s1_kind == K_REGS);
    wire        wr_ctrl_reg = wr_register && (s1_reg == REG_CTRL) && s1_strb[0];   // CTRL
    wire [3:0]  ctrl_next   = s1_wdata[3:0];
    wire        open_msix = wr_ctrl_reg && !msix_open && (ctrl_next[0] && !ctrl_next[1]);
    wire        open_ims  = wr_ctrl_reg && !ims_open && ctrl_next[2];
    assign      s1_flush  = open_msix || open_ims;
    wire [GROUP_W-1:0] flush_first_g = open_msix ? {GROUP_W{1'b0}} : IMS_GROUP0_G;
    wire [GROUP_W-1:0] flush_last_g  = open_ims ? LAST_GROUP_G : IMS_GROUP0_G - {{(GROUP_W-1){1'b0}}, 1'b1};

    // error logging (IMS-050..053, IMS-060)
    wire        log_err  = (is_e && ev_err) || is_b;
    wire [7:0]  log_code = is_b ? E_MSG_WRITE_FAILED : ev_code;
    wire [17:0] log_info = {is_e && s1_pv, s1_ims, s1_handle};
    wire [19:0] log_pasid = (is_e && s1_pv) ? s1_wdata[31:12] : 20'd0;
    wire        s1_raise = log_err && !err_valid && err_int_en;

    assign s1_hold = s1_raise;

    // messages: events, unmask, raise and flush visits, all from stage 1
    assign s1_push    = t_send || unmask_send || flush_send;
    assign push_valid = s1_push;
    assign push_addr  = {e_hi, ent[ENT_LO_LSB +: 30]};
    assign push_data  = e_data;
    assign push_index = s1_index;
    assign push_ims   = s1_ims || t_is_ims;
    assign push_raise = is_raise;

    ims_flush #(.GROUP_W(GROUP_W)) u_flush (
        .clk         (clk),
        .rst_n       (rst_n),
        .start       (s1_flush),
        .start_first (flush_first_g),
        .start_last  (flush_last_g),
        .visit       (is_flush),
        .visit_g     (s1_g),
        .visit_cand  (flg_pend_next & ~flg_mask),
        .take        (g_flush),
        .active      (flush_active),
        .cur_valid   (flush_cur_valid),
        .cur_g       (flush_cur_g),
        .cur_b       (flush_cur_b)
    );

    // ------------------------------------------------------------------ stage 1: reads
    assign rd_busy   = is_r;
    assign rd_done   = is_r;
    assign rd_slverr = (s1_kind == K_NONE);
    always @(*) begin
        rd_data = 32'd0;
        case (s1_kind)
            K_REGS: begin
                case (s1_reg)
                    REG_ID:        rd_data = ID_VALUE;
                    REG_CAP:       rd_data = CAP_VALUE;
                    REG_CTRL:      rd_data = {28'd0, ctrl_reg};
                    REG_ERR_STATUS: rd_data = {16'd0, err_code, 6'd0, err_ovf, err_valid};
                    REG_ERR_INFO:  rd_data = {14'd0, err_info};
                    REG_ERR_PASID: rd_data = {12'd0, err_pasid};
                    REG_ERR_COUNT: rd_data = err_count;
                    REG_MSG_COUNT: rd_data = msg_count;
                    default: rd_data = 32'd0;
                endcase
            end
            K_MSIX_TAB, K_IMS_TAB: rd_data = cur_dw;
            K_MSIX_PBA, K_IMS_PBA: rd_data = s1_half ? flg_pend[63:32] : flg_pend[31:0];
            default: rd_data = 32'd0;
        endcase
    end

    // ------------------------------------------------------------------ sequential
    reg [2:0] s0_op;
    always @(*) begin
        if (g_berr)        s0_op = OP_BERR;
        else if (g_raise)  s0_op = OP_RAISE;
        else if (g_flush)     s0_op = OP_FLUSH;
        else if (wr_grant) s0_op = OP_WRITE;
        else if (rd_grant) s0_op = OP_READ;
        else               s0_op = OP_EVENT;
    end

    always @(posedge clk) begin
        if (!rst_n) begin
            s1_valid  <= 1'b0;
            s1_op     <= OP_EVENT;
            s1_kind   <= K_NONE;
            s1_reg    <= 4'd0;
            s1_gi     <= {TAB_AW{1'b0}};
            s1_g      <= {GROUP_W{1'b0}};
            s1_wdata  <= 32'd0;
            s1_strb   <= 4'd0;
            s1_ims    <= 1'b0;
            s1_inr    <= 1'b0;
            s1_handle <= 16'd0;
            s1_pv     <= 1'b0;
            ctrl_reg  <= 4'd0;
            err_valid <= 1'b0;
            err_ovf   <= 1'b0;
            err_code  <= 8'd0;
            err_info  <= 18'd0;
            err_pasid <= 20'd0;
            err_count <= 32'd0;
            raise_req <= 1'b0;
            grp_init  <= {GROUPS{1'b0}};
            rr_last   <= 2'd0;
        end else begin
            // ---- stage 0 -> stage 1
            s1_valid <= s0_valid;
            s1_op    <= s0_op;
            if (wr_grant) rr_last <= RR_WRITE;
            if (rd_grant) rr_last <= RR_READ;
            if (evt_ready) rr_last <= RR_EVENT;
            if (g_raise) raise_req <= 1'b0;
            s1_kind   <= (wr_grant || rd_grant) ? d_kind : K_NONE;
            s1_reg    <= a16[5:2];
            s1_gi     <= s0_gi;
            s1_g      <= s0_g;
            s1_wdata  <= evt_ready ? {evt_pasid, wr_data[11:0]} : wr_data;
            s1_strb   <= wr_strb | {4{evt_ready}};   // an event compares all PASID bits
            s1_ims    <= g_berr ? berr_ims : (g_flush ? flush_ims : (evt_ready && evt_ims));
            s1_inr    <= e_inr;
            s1_handle <= evt_ready ? evt_handle : {5'd0, g_berr ? berr_index : s0_index};
            s1_pv     <= evt_pasid_valid;

            // ---- stage 1 effects
            if (s1_flg_we) begin
                grp_init[s1_g] <= 1'b1;
            end
            if (wr_ctrl_reg) begin
                ctrl_reg <= ctrl_next;
            end
            if (wr_register && s1_reg == REG_ERR_STATUS && s1_strb[0]) begin   // IMS-027
                if (s1_wdata[0]) begin
                    err_valid <= 1'b0;
                    err_code  <= 8'd0;
                end
                if (s1_wdata[1]) begin
                    err_ovf <= 1'b0;
                end
            end
            if (log_err) begin
                if (err_count != 32'hFFFF_FFFF) begin
                    err_count <= err_count + 32'd1;
                end
                if (!err_valid) begin
                    err_valid <= 1'b1;
                    err_code  <= log_code;
                    err_info  <= log_info;
                    err_pasid <= log_pasid;
                    if (err_int_en) begin
                        raise_req <= 1'b1;
                    end
                end else begin
                    err_ovf <= 1'b1;
                end
            end
        end
    end

    // bits of the step that a kind does not use
    wire unused_ok = &{1'b0, wide_gi[TAB_AW+10:TAB_AW], flush_index[GROUP_W+16:11]};

endmodule

`default_nettype wire
