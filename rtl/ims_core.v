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
// Entry storage (IMS-093): tab[gi] = {pasid, pasid_en, data, addr_hi, addr_lo[31:2]};
// flg[g] = {valid[63:0], mask[63:0], pend[63:0]} for the 64 entries of group g.
// MSI-X entries use groups 0..MG-1, IMS entries groups MG..GT-1 (gi = MG*64 + handle).
// grp_init[g] (flip-flops, one per group) tells whether flg[g] was ever written since
// reset; a clear bit reads as the reset value, so reset takes one clock (IMS-011).
`default_nettype none

module ims_core #(
    parameter integer IMS_ENTRIES  = 64,
    parameter integer MSIX_ENTRIES = 9
) (
    input  wire        clk,
    input  wire        rst_n,

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

    input  wire        evt_valid,
    output wire        evt_ready,
    input  wire        evt_ims,
    input  wire [15:0] evt_handle,
    input  wire        evt_pasid_valid,
    input  wire [19:0] evt_pasid,

    output wire        push_valid,
    output wire [63:2] push_addr,
    output wire [31:0] push_data,
    output wire [10:0] push_index,
    output wire        push_ims,
    output wire        push_raise,
    input  wire [2:0]  free,

    input  wire        berr_valid,
    input  wire [10:0] berr_index,
    input  wire        berr_ims,
    output wire        berr_take,

    input  wire [31:0] msg_count
);

    localparam integer N    = IMS_ENTRIES;
    localparam integer M    = MSIX_ENTRIES;
    localparam integer MG   = (M + 63) / 64;
    localparam integer NG   = (N + 63) / 64;
    localparam integer GT   = MG + NG;
    localparam integer GW   = (GT > 1) ? $clog2(GT) : 1;
    localparam integer TD   = MG * 64 + N;
    localparam integer TW   = $clog2(TD);
    localparam integer TABW = 115;

    localparam [31:0] ID_VALUE = 32'h494D5301;
    localparam [15:0] N16      = N[15:0];
    localparam integer M1     = M - 1;
    localparam [10:0] M11      = M1[10:0];
    localparam [8:0]  M9       = M[8:0];
    localparam [8:0]  MG9      = MG[8:0];
    localparam [8:0]  NG9      = NG[8:0];
    localparam integer GT1    = GT - 1;
    localparam integer MGT    = MG * 64;
    localparam [31:0] CAP_VALUE = {1'b1, 4'b0000, M11, N16};
    localparam [GW-1:0] MG_G   = MG[GW-1:0];
    localparam [GW-1:0] LAST_G = GT1[GW-1:0];
    localparam [TW-1:0] MG_T   = MGT[TW-1:0];

    // step kinds
    localparam [2:0] OP_W = 3'd0, OP_R = 3'd1, OP_E = 3'd2, OP_B = 3'd3, OP_RAISE = 3'd4,
                     OP_FL = 3'd5;
    // register-space regions
    localparam [2:0] K_REG = 3'd0, K_MTAB = 3'd1, K_MPBA = 3'd2, K_IPBA = 3'd3,
                     K_ITAB = 3'd4, K_NONE = 3'd5;
    // error codes (IMS-054)
    localparam [7:0] E_NONE = 8'h00, E_MSG_WRITE_FAILED = 8'h01, E_IMS_DISABLED = 8'h02,
                     E_MSIX_DISABLED = 8'h03, E_INVALID_HANDLE = 8'h19,
                     E_PASID_MISMATCH = 8'h1A;

    // ------------------------------------------------------------------ state
    reg  [3:0]  ctrl;            // {ERR_INT_ENABLE, IMS_ENABLE, MSIX_FUNC_MASK, MSIX_ENABLE}
    reg         err_valid, err_ovf;
    reg  [7:0]  err_code;
    reg  [17:0] err_info;
    reg  [19:0] err_pasid;
    reg  [31:0] err_count;
    reg         raise_req;
    reg  [GT-1:0] grp_init;
    reg  [1:0]  rr_last;         // last of W/R/E granted: 0 W, 1 R, 2 E

    wire msix_en  = ctrl[0];
    wire func_msk = ctrl[1];
    wire ims_en   = ctrl[2];
    wire eie      = ctrl[3];
    wire msix_open = msix_en && !func_msk;
    wire ims_open  = ims_en;

    // ------------------------------------------------------------------ stage 1 regs
    reg          s1_valid;
    reg  [2:0]   s1_op;
    reg  [2:0]   s1_kind;
    reg  [3:0]   s1_reg;         // register index, offset[5:2]
    reg  [TW-1:0] s1_gi;
    reg  [GW-1:0] s1_g;
    reg  [31:0]  s1_wdata;
    reg  [3:0]   s1_strb;
    reg          s1_ims;
    reg          s1_inr;
    reg  [15:0]  s1_handle;      // event handle; entry index for the other steps
    wire [1:0]   s1_dw   = s1_reg[1:0];   // table dword
    wire         s1_half = s1_reg[0];     // PBA dword
    wire [10:0]  s1_index = s1_handle[10:0];
    reg          s1_pv;
    reg  [19:0]  s1_pasid;

    wire         s1_hold;
    wire         s1_push;
    wire         s1_flush;
    wire         fl_active, fl_cur_valid;
    wire [GW-1:0] fl_cur_g;
    wire [5:0]   fl_cur_b;

    // ------------------------------------------------------------------ stage 0: arbiter
    // A flush (from the write that starts it until its last visit) admits only its own
    // visits and B errors; a raise waits for the flush to end (IMS-063).
    wire msg_room   = (free > {2'b00, s1_push});
    wire flush_mode = fl_active || s1_flush;

    // nothing is granted while rst_n = 0, so no ready output is 1 in reset (IMS-010)
    wire g_berr    = rst_n && berr_valid && !s1_hold && (flush_mode || !raise_req);
    wire g_fl      = rst_n && flush_mode && fl_cur_valid && msg_room && !g_berr;
    wire g_raise   = rst_n && !flush_mode && !s1_hold && raise_req && msg_room;
    wire others_ok = rst_n && !flush_mode && !s1_hold && !raise_req && !berr_valid;

    wire req_w = wr_req && msg_room;
    wire req_r = rd_req;
    wire req_e = evt_valid && msg_room;

    wire pick_w = req_w && (rr_last == 2'd2 || (rr_last == 2'd1 && !req_e) ||
                            (rr_last == 2'd0 && !req_r && !req_e));
    wire pick_r = req_r && (rr_last == 2'd0 || (rr_last == 2'd2 && !req_w) ||
                            (rr_last == 2'd1 && !req_e && !req_w));
    wire pick_e = req_e && (rr_last == 2'd1 || (rr_last == 2'd0 && !req_r) ||
                            (rr_last == 2'd2 && !req_w && !req_r));

    assign wr_grant  = others_ok && pick_w;
    assign rd_grant  = others_ok && pick_r;
    assign evt_ready = others_ok && pick_e;
    assign berr_take = g_berr;
    wire   s0_valid  = wr_grant || rd_grant || evt_ready || g_berr || g_raise || g_fl;

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
            d_kind   = K_ITAB;
            d_i      = a16[14:4];
            d_mapped = ({5'd0, a16[14:4]} < N16);
        end else begin
            case (a16[14:12])
                3'd0: begin
                    d_kind   = K_REG;
                    d_mapped = (a16[11:0] <= 12'h020) && (a16[11:0] != 12'h00C);
                end
                3'd1: begin
                    d_kind   = K_MTAB;
                    d_i      = {3'd0, a16[11:4]};
                    d_mapped = ({1'b0, a16[11:4]} < M9);
                end
                3'd2: begin
                    d_kind   = K_MPBA;
                    d_i      = {2'd0, a16[11:3]};
                    d_mapped = (a16[11:3] < MG9);
                end
                3'd3: begin
                    d_kind   = K_IPBA;
                    d_i      = {2'd0, a16[11:3]};
                    d_mapped = (a16[11:3] < NG9);
                end
                default: d_kind = K_NONE;
            endcase
        end
        if (!d_mapped) begin
            d_kind = K_NONE;
            d_i    = 11'd0;
        end
    end
    assign wr_slverr = !d_mapped;

    // a flush visit's table and entry index
    wire          fl_ims   = (fl_cur_g >= MG_G);
    wire [GW-1:0] fl_lg    = fl_ims ? fl_cur_g - MG_G : fl_cur_g;
    wire [GW+16:0] fl_index = {11'd0, fl_lg, fl_cur_b};

    wire e_inr = evt_ims ? (evt_handle < N16) : (evt_handle < {7'd0, M9});

    // global table index and group of the step
    reg  [TW-1:0] s0_gi;
    reg  [GW-1:0] s0_g;
    reg  [10:0]   s0_index;
    reg  [TW+10:0] wide_gi;
    always @(*) begin
        wide_gi  = {(TW+11){1'b0}};
        s0_g     = {GW{1'b0}};
        s0_index = 11'd0;
        if (g_fl) begin
            wide_gi  = {{(TW+5-GW){1'b0}}, fl_cur_g, fl_cur_b};
            s0_index = fl_index[10:0];
        end else if (evt_ready) begin
            s0_index = evt_handle[10:0];
            if (e_inr) begin
                wide_gi = {{TW{1'b0}}, evt_handle[10:0]};
                if (evt_ims) begin
                    wide_gi = wide_gi + {11'd0, MG_T};
                end
            end
        end else if (wr_grant || rd_grant) begin
            s0_index = d_i;
            case (d_kind)
                K_MTAB: wide_gi = {{TW{1'b0}}, d_i};
                K_ITAB: wide_gi = {{TW{1'b0}}, d_i} + {11'd0, MG_T};
                default: wide_gi = {(TW+11){1'b0}};
            endcase
        end
        s0_gi = wide_gi[TW-1:0];
        s0_g  = wide_gi[GW+5:6];
        if (d_kind == K_MPBA && (wr_grant || rd_grant)) begin
            s0_g = d_i[GW-1:0];
        end else if (d_kind == K_IPBA && (wr_grant || rd_grant)) begin
            s0_g = d_i[GW-1:0] + MG_G;
        end
    end


    // ------------------------------------------------------------------ storage
    wire [TABW-1:0] tab_q;
    wire [191:0]    flg_q;
    wire            tab_we;
    wire [TABW-1:0] tab_wdata;
    wire            s1_flg_we;
    wire [191:0]    s1_flg_wdata;


    ims_ram #(.WIDTH(TABW), .DEPTH(TD), .AW(TW)) u_tab (
        .clk   (clk),
        .we    (tab_we),
        .waddr (s1_gi),
        .wdata (tab_wdata),
        .re    (s0_valid),
        .raddr (s0_gi),
        .rdata (tab_q)
    );

    ims_ram #(.WIDTH(192), .DEPTH(GT), .AW(GW)) u_flg (
        .clk   (clk),
        .we    (s1_flg_we),
        .waddr (s1_g),
        .wdata (s1_flg_wdata),
        .re    (s0_valid),
        .raddr (s0_g),
        .rdata (flg_q)
    );

    // ------------------------------------------------------------------ stage 1: entry view
    wire        g_init  = grp_init[s1_g];
    wire [63:0] fl_valid = g_init ? flg_q[191:128] : 64'd0;
    wire [63:0] fl_mask  = g_init ? flg_q[127:64]  : {64{1'b1}};
    wire [63:0] fl_pend  = g_init ? flg_q[63:0]    : 64'd0;
    wire [5:0]  b        = s1_gi[5:0];
    wire [63:0] onehot   = 64'd1 << b;
    wire        e_valid  = fl_valid[b];
    wire        e_mask   = fl_mask[b];
    wire        e_pend   = fl_pend[b];
    wire [TABW-1:0] ent  = e_valid ? tab_q : {TABW{1'b0}};
    wire [31:0] e_lo     = {ent[29:0], 2'b00};
    wire [31:0] e_hi     = ent[61:30];
    wire [31:0] e_data   = ent[93:62];
    wire        e_pen    = ent[94];
    wire [19:0] e_pasid  = ent[114:95];
    wire        t_is_ims = (s1_kind == K_ITAB);
    wire [31:0] e_ctrl   = t_is_ims ? {e_pasid, 8'd0, e_pen, 2'b00, e_mask}
                                    : {31'd0, e_mask};

    wire is_w     = s1_valid && (s1_op == OP_W);
    wire is_r     = s1_valid && (s1_op == OP_R);
    wire is_e     = s1_valid && (s1_op == OP_E);
    wire is_b     = s1_valid && (s1_op == OP_B);
    wire is_raise = s1_valid && (s1_op == OP_RAISE);
    wire is_fl    = s1_valid && (s1_op == OP_FL);
    // a flush visit sends the entry when it is pending and unmasked (IMS-032, IMS-035)
    wire fl_send  = is_fl && e_pend && !e_mask;

    // ------------------------------------------------------------------ stage 1: events
    reg [7:0] ev_code;
    always @(*) begin
        ev_code = E_NONE;
        if (s1_ims) begin
            if (!ims_en) begin
                ev_code = E_IMS_DISABLED;
            end else if (!s1_inr) begin
                ev_code = E_INVALID_HANDLE;
            end else if (e_pen && (!s1_pv || s1_pasid != e_pasid)) begin
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
    wire        w_tab    = is_w && (s1_kind == K_MTAB || s1_kind == K_ITAB);
    reg  [31:0] cur_dw;
    always @(*) begin
        case (s1_dw)
            2'd0:    cur_dw = e_lo;
            2'd1:    cur_dw = e_hi;
            2'd2:    cur_dw = e_data;
            default: cur_dw = e_ctrl;
        endcase
    end
    wire [31:0] merged   = (cur_dw & ~bytemask) | (s1_wdata & bytemask);
    wire        w_ctrl   = w_tab && (s1_dw == 2'd3);
    wire [29:0] n_lo     = (s1_dw == 2'd0) ? merged[31:2] : ent[29:0];
    wire [31:0] n_hi     = (s1_dw == 2'd1) ? merged : e_hi;
    wire [31:0] n_data   = (s1_dw == 2'd2) ? merged : e_data;
    wire        n_pen    = (w_ctrl && t_is_ims) ? merged[3] : e_pen;
    wire [19:0] n_pasid  = (w_ctrl && t_is_ims) ? merged[31:12] : e_pasid;
    wire        n_mask   = w_ctrl ? merged[0] : e_mask;
    wire        w_open   = t_is_ims ? ims_open : msix_open;
    wire        unmask_send = w_ctrl && e_mask && !n_mask && e_pend && w_open;   // IMS-031

    assign tab_we    = w_tab;
    assign tab_wdata = {n_pasid, n_pen, n_data, n_hi, n_lo};

    assign s1_flg_we    = w_tab || t_pend || fl_send;
    wire [63:0] n_valid = w_tab ? (fl_valid | onehot) : fl_valid;
    wire [63:0] n_maskv = w_tab ? ((fl_mask & ~onehot) | (n_mask ? onehot : 64'd0)) : fl_mask;
    wire [63:0] n_pendv = t_pend ? (fl_pend | onehot)
                        : ((unmask_send || fl_send) ? (fl_pend & ~onehot) : fl_pend);
    assign s1_flg_wdata = {n_valid, n_maskv, n_pendv};

    // CTRL and the flushes it starts (IMS-032)
    wire        w_reg    = is_w && (s1_kind == K_REG);
    wire        w_ctl    = w_reg && (s1_reg == 4'd2) && s1_strb[0];
    wire [3:0]  n_ctrl   = s1_wdata[3:0];
    wire        open_msix = w_ctl && !msix_open && (n_ctrl[0] && !n_ctrl[1]);
    wire        open_ims  = w_ctl && !ims_open && n_ctrl[2];
    assign      s1_flush  = open_msix || open_ims;
    wire [GW-1:0] fl_first = open_msix ? {GW{1'b0}} : MG_G;
    wire [GW-1:0] fl_last  = open_ims ? LAST_G : MG_G - {{(GW-1){1'b0}}, 1'b1};

    // error logging (IMS-050..053, IMS-060)
    wire        log_err  = (is_e && ev_err) || is_b;
    wire [7:0]  log_code = is_b ? E_MSG_WRITE_FAILED : ev_code;
    wire [17:0] log_info = {is_e && s1_pv, s1_ims, s1_handle};
    wire [19:0] log_pasid = (is_e && s1_pv) ? s1_pasid : 20'd0;
    wire        s1_raise = log_err && !err_valid && eie;

    assign s1_hold = s1_raise;

    // messages: events, unmask, raise and flush visits, all from stage 1
    assign s1_push    = t_send || unmask_send || fl_send;
    assign push_valid = s1_push;
    assign push_addr  = {e_hi, ent[29:0]};
    assign push_data  = e_data;
    assign push_index = s1_index;
    assign push_ims   = s1_ims || t_is_ims;
    assign push_raise = is_raise;

    ims_flush #(.GW(GW)) u_flush (
        .clk         (clk),
        .rst_n       (rst_n),
        .start       (s1_flush),
        .start_first (fl_first),
        .start_last  (fl_last),
        .visit       (is_fl),
        .visit_g     (s1_g),
        .visit_cand  (n_pendv & ~fl_mask),
        .take        (g_fl),
        .active      (fl_active),
        .cur_valid   (fl_cur_valid),
        .cur_g       (fl_cur_g),
        .cur_b       (fl_cur_b)
    );

    // ------------------------------------------------------------------ stage 1: reads
    assign rd_busy   = is_r;
    assign rd_done   = is_r;
    assign rd_slverr = (s1_kind == K_NONE);
    always @(*) begin
        rd_data = 32'd0;
        case (s1_kind)
            K_REG: begin
                case (s1_reg)
                    4'd0: rd_data = ID_VALUE;
                    4'd1: rd_data = CAP_VALUE;
                    4'd2: rd_data = {28'd0, ctrl};
                    4'd4: rd_data = {16'd0, err_code, 6'd0, err_ovf, err_valid};
                    4'd5: rd_data = {14'd0, err_info};
                    4'd6: rd_data = {12'd0, err_pasid};
                    4'd7: rd_data = err_count;
                    4'd8: rd_data = msg_count;
                    default: rd_data = 32'd0;
                endcase
            end
            K_MTAB, K_ITAB: rd_data = cur_dw;
            K_MPBA, K_IPBA: rd_data = s1_half ? fl_pend[63:32] : fl_pend[31:0];
            default: rd_data = 32'd0;
        endcase
    end

    // ------------------------------------------------------------------ sequential
    reg [2:0] s0_op;
    always @(*) begin
        if (g_berr)        s0_op = OP_B;
        else if (g_raise)  s0_op = OP_RAISE;
        else if (g_fl)     s0_op = OP_FL;
        else if (wr_grant) s0_op = OP_W;
        else if (rd_grant) s0_op = OP_R;
        else               s0_op = OP_E;
    end

    always @(posedge clk) begin
        if (!rst_n) begin
            s1_valid  <= 1'b0;
            s1_op     <= OP_E;
            s1_kind   <= K_NONE;
            s1_reg    <= 4'd0;
            s1_gi     <= {TW{1'b0}};
            s1_g      <= {GW{1'b0}};
            s1_wdata  <= 32'd0;
            s1_strb   <= 4'd0;
            s1_ims    <= 1'b0;
            s1_inr    <= 1'b0;
            s1_handle <= 16'd0;
            s1_pv     <= 1'b0;
            s1_pasid  <= 20'd0;
            ctrl      <= 4'd0;
            err_valid <= 1'b0;
            err_ovf   <= 1'b0;
            err_code  <= 8'd0;
            err_info  <= 18'd0;
            err_pasid <= 20'd0;
            err_count <= 32'd0;
            raise_req <= 1'b0;
            grp_init  <= {GT{1'b0}};
            rr_last   <= 2'd0;
        end else begin
            // ---- stage 0 -> stage 1
            s1_valid <= s0_valid;
            s1_op    <= s0_op;
            if (wr_grant) rr_last <= 2'd0;
            if (rd_grant) rr_last <= 2'd1;
            if (evt_ready) rr_last <= 2'd2;
            if (g_raise) raise_req <= 1'b0;
            s1_kind   <= (wr_grant || rd_grant) ? d_kind : K_NONE;
            s1_reg    <= a16[5:2];
            s1_gi     <= s0_gi;
            s1_g      <= s0_g;
            s1_wdata  <= wr_data;
            s1_strb   <= wr_strb;
            s1_ims    <= g_berr ? berr_ims : (g_fl ? fl_ims : (evt_ready && evt_ims));
            s1_inr    <= e_inr;
            s1_handle <= evt_ready ? evt_handle : {5'd0, g_berr ? berr_index : s0_index};
            s1_pv     <= evt_pasid_valid;
            s1_pasid  <= evt_pasid;

            // ---- stage 1 effects
            if (s1_flg_we) begin
                grp_init[s1_g] <= 1'b1;
            end
            if (w_ctl) begin
                ctrl <= n_ctrl;
            end
            if (w_reg && s1_reg == 4'd4 && s1_strb[0]) begin   // ERR_STATUS, IMS-027
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
                    if (eie) begin
                        raise_req <= 1'b1;
                    end
                end else begin
                    err_ovf <= 1'b1;
                end
            end
        end
    end

    // bits of the step that a kind does not use
    wire unused_ok = &{1'b0, wide_gi[TW+10:TW], fl_index[GW+16:11]};

endmodule

`default_nettype wire
