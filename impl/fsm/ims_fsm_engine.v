// ims_fsm_engine: the step engine of the multi-cycle ims_ctrl implementation.
//
// One FSM executes the steps of the device one at a time, each over several clocks:
// register write, register read, event, logged B error, one flush visit (one entry of a
// background flush scan), and the error-interrupt raise that follows a latched error.
// Requests wait in small buffers (AW/W/AR FIFOs outside, a one-deep event buffer and a
// B-error FIFO) and are served oldest first, so the flush scan runs in the background,
// interleaved with register accesses and events, and no requester starves.
//
// Storage: the table words {addr_lo, addr_hi, data, ctrl} of both tables live in one RAM
// (4 words per entry, MSI-X entries first); MASK, pending and "written since reset" bits
// live in 32-bit word arrays of flip-flops that reset in one clock. An entry whose written
// bit is 0 reads as its reset value; its first non-empty write zero-fills its four words.
//
// Owner isolation (IMS-038/039/107): a control-word write whose PASID/PASID_EN differ from the
// stored ones clears the pending bit (and sends no unmask message). HANDLE_RELEASE clears the
// entry's pending bit and sets its MASK in its own state S_REL, and snapshots the number of
// messages queued so far (msg_made); its B is answered only when that many B responses have
// come back (msg_answered), while the engine goes on with other steps (B errors included).
`default_nettype none

module ims_fsm_engine #(
    parameter integer N = 64,
    parameter integer M = 9
) (
    input  wire         clk,
    input  wire         rst_n,
    input  wire         run,
    input  wire [15:0]  now,          // free-running edge counter (arrival stamps)
    // register slave requests (heads of the AW, W, AR FIFOs)
    input  wire         aw_empty,
    input  wire [13:0]  aw_head,
    input  wire [15:0]  wr_stamp,     // edge at which the head write became complete
    output wire         aw_pop,
    input  wire         w_empty,
    input  wire [35:0]  w_head,       // {wdata, wstrb}
    output wire         w_pop,
    input  wire         ar_empty,
    input  wire [29:0]  ar_head,      // {stamp, address}
    output wire         ar_pop,
    // register slave responses
    output reg          s_bvalid,
    output reg  [1:0]   s_bresp,
    input  wire         s_bready,
    output reg          s_rvalid,
    output reg  [31:0]  s_rdata,
    output reg  [1:0]   s_rresp,
    input  wire         s_rready,
    // events
    input  wire         evt_valid,
    output wire         evt_ready,
    input  wire         evt_ims,
    input  wire [15:0]  evt_handle,
    input  wire         evt_pasid_valid,
    input  wire [19:0]  evt_pasid,
    // logged B errors {ims, idx}
    input  wire         be_empty,
    input  wire [27:0]  be_head,      // {stamp, ims, idx}
    output wire         be_pop,
    // message queue
    output wire         mq_push,
    output wire [106:0] mq_din,
    input  wire         mq_full,
    input  wire         msg_sent,
    input  wire         b_done       // a B of a message in flight came back (in AW order)
);
    // ------------------------------------------------------------------ sizes
    localparam integer GN    = (N + 63) / 64;          // IMS PBA QWORDs
    localparam integer GM    = (M + 63) / 64;          // MSI-X PBA QWORDs
    localparam integer PWI   = 2 * GN;                 // 32-bit flag words, IMS
    localparam integer PWX   = 2 * GM;                 // 32-bit flag words, MSI-X
    localparam integer IWW   = (PWI > 1) ? $clog2(PWI) : 1;
    localparam integer XWW   = (PWX > 1) ? $clog2(PWX) : 1;
    localparam integer DEPTH = 4 * (N + M);
    localparam integer RAW   = $clog2(DEPTH);
    localparam integer MM1I  = M - 1;
    localparam integer GNI   = GN;
    localparam integer GMI   = GM;

    localparam [15:0] N16  = N[15:0];
    localparam [15:0] M16  = M[15:0];
    localparam [11:0] N12  = N[11:0];
    localparam [11:0] M12  = M[11:0];
    localparam [10:0] MM1  = MM1I[10:0];
    localparam [8:0]  GN9  = GNI[8:0];
    localparam [8:0]  GM9  = GMI[8:0];
    localparam integer EW   = RAW - 2;            // RAM row (entry) bits
    localparam [EW-1:0] M_EW = M[EW-1:0];

    localparam [31:0] ID_VALUE  = 32'h494D_5301;
    localparam [31:0] CAP_VALUE = {1'b1, 4'b0000, MM1, N16};

    localparam [7:0] E_MSG_FAIL  = 8'h01;
    localparam [7:0] E_IMS_DIS   = 8'h02;
    localparam [7:0] E_MSIX_DIS  = 8'h03;
    localparam [7:0] E_BAD_HDL   = 8'h19;
    localparam [7:0] E_PASID     = 8'h1A;

    // ------------------------------------------------------------------ states
    localparam [4:0] S_IDLE    = 5'd0,
                     S_WR      = 5'd1,   // decode a register write
                     S_WR_ZF   = 5'd2,   // zero-fill a never-written entry (4 clocks)
                     S_WR_RD   = 5'd3,   // read the old table word
                     S_WR_MOD  = 5'd4,   // merge by WSTRB, write back, MASK rules
                     S_RD      = 5'd5,   // decode a register read (issue the RAM read)
                     S_RD_CAP  = 5'd6,   // return a table word
                     S_EVT     = 5'd7,   // event checks (issue the ctrl-word read)
                     S_EVT_Q   = 5'd8,   // IMS PASID check and mask
                     S_FLUSH   = 5'd9,   // one flush visit
                     S_ERR     = 5'd10,  // log an error
                     S_RAISE   = 5'd11,  // error interrupt on MSI-X vector 0
                     S_M0      = 5'd12,  // message: read addr_lo
                     S_M1      = 5'd13,  //          read addr_hi
                     S_M2      = 5'd14,  //          read data
                     S_M3      = 5'd15,  //          capture data
                     S_MPUSH   = 5'd16,  //          queue the message
                     S_END     = 5'd17,  // end of step (B response of a write)
                     S_RD_RAM  = 5'd18,  // read a table word (RAM read issued)
                     S_REL     = 5'd19;  // HANDLE_RELEASE: clear pending, set MASK

    reg [4:0] state;

    // ------------------------------------------------------------------ registers
    reg        msix_en, func_mask, ims_en, err_int_en;
    reg        err_valid, err_ovf;
    reg [7:0]  err_code;
    reg [17:0] err_info;                 // {pasid_valid, ims, handle}
    reg [19:0] err_pasid;
    reg [31:0] err_count;
    reg [31:0] msg_count;
    // HANDLE_RELEASE: messages queued / answered so far (mod 64; at most 22 in between) and the
    // count the held B waits for
    reg [5:0]  msg_made, msg_answered, rel_target;
    reg        rel_pend;

    // per-entry flags, 32 entries per word
    reg [31:0] mask_i [0:PWI-1];
    reg [31:0] pend_i [0:PWI-1];
    reg [31:0] wrt_i  [0:PWI-1];
    reg [31:0] mask_x [0:PWX-1];
    reg [31:0] pend_x [0:PWX-1];
    reg [31:0] wrt_x  [0:PWX-1];

    // event buffer (one deep)
    reg        ev_full;
    reg        ev_ims;
    reg [15:0] ev_handle;
    reg        ev_pv;
    reg [19:0] ev_pasid;
    reg [15:0] ev_stamp;

    // current step
    reg [13:0] c_a;                      // register word address
    reg [31:0] c_wd;
    reg [3:0]  c_ws;
    reg        c_ims;                    // current entry
    reg [10:0] c_idx;
    reg [1:0]  c_w;
    reg [1:0]  zc;                       // zero-fill word
    reg        b_after;                  // the step is a write: answer B at its end
    reg [1:0]  b_code;
    reg        m_raise;
    reg [31:2] m_lo;
    reg [31:0] m_hi, m_data;
    // error being logged
    reg [7:0]  e_code;
    reg [17:0] e_info;
    reg [19:0] e_pasid;

    // background flush
    reg        fl_act;                   // a scan is running
    reg        fl_tbl;                   // its table (1 = IMS)
    reg [11:0] fl_cur;                   // next entry to visit
    reg        fl_rx, fl_ri;             // scans requested (MSI-X first)
    reg [15:0] fl_stamp;                 // when the next visit became due

    integer k;

    // ------------------------------------------------------------------ entry flags
    wire [IWW-1:0] ci_w = c_idx[5 +: IWW];
    wire [XWW-1:0] cx_w = c_idx[5 +: XWW];
    wire [4:0]     c_b  = c_idx[4:0];
    wire c_mask = c_ims ? mask_i[ci_w][c_b] : mask_x[cx_w][c_b];
    wire c_pend = c_ims ? pend_i[ci_w][c_b] : pend_x[cx_w][c_b];
    wire c_wrt  = c_ims ? wrt_i[ci_w][c_b]  : wrt_x[cx_w][c_b];

    wire x_open = msix_en && !func_mask;

    // ------------------------------------------------------------------ RAM
    wire          ram_we;
    wire [RAW-1:0] ram_waddr;
    wire [31:0]   ram_wdata;
    wire [RAW-1:0] ram_raddr;
    wire [31:0]   ram_q;

    // RAM row of the current entry: MSI-X entries first, then IMS (c_idx < M resp. < N)
    wire [EW-1:0] c_row_raw;
    generate
        if (EW > 11) begin : g_row_wide
            assign c_row_raw = {{(EW-11){1'b0}}, c_idx};
        end else begin : g_row_narrow
            assign c_row_raw = c_idx[EW-1:0];
        end
    endgenerate
    wire [EW-1:0] c_row = c_ims ? (c_row_raw + M_EW) : c_row_raw;

    reg [1:0] rd_w;
    always @* begin
        case (state)
            S_M0:    rd_w = 2'd0;
            S_M1:    rd_w = 2'd1;
            S_M2:    rd_w = 2'd2;
            S_EVT:   rd_w = 2'd3;
            default: rd_w = c_w;
        endcase
    end

    // word read back (reset value when the entry was never written)
    wire [31:0] q_w = c_wrt ? ram_q : 32'd0;

    // write merge by strobe, reserved bits cleared
    wire [31:0] strb_mask = {{8{c_ws[3]}}, {8{c_ws[2]}}, {8{c_ws[1]}}, {8{c_ws[0]}}};
    wire [31:0] merged    = (q_w & ~strb_mask) | (c_wd & strb_mask);
    reg  [31:0] wr_word;
    always @* begin
        case (c_w)
            2'd0:    wr_word = merged & 32'hFFFF_FFFC;
            2'd3:    wr_word = c_ims ? (merged & 32'hFFFF_F008) : 32'd0;
            default: wr_word = merged;
        endcase
    end

    assign ram_we    = ((state == S_WR_ZF) && !c_wrt) || (state == S_WR_MOD);
    assign ram_waddr = {c_row, (state == S_WR_ZF) ? zc : c_w};
    assign ram_wdata = (state == S_WR_ZF) ? 32'd0 : wr_word;
    assign ram_raddr = {c_row, rd_w};

    ims_fsm_ram #(.DEPTH(DEPTH), .AW(RAW)) u_ram (
        .clk(clk), .we(ram_we), .waddr(ram_waddr), .wdata(ram_wdata),
        .raddr(ram_raddr), .q(ram_q)
    );

    // ------------------------------------------------------------------ decode
    localparam [2:0] K_HOLE = 3'd0, K_REG = 3'd1, K_XE = 3'd2, K_XP = 3'd3, K_IP = 3'd4,
                     K_IE = 3'd5;
    // c_a is the byte offset [15:2]
    wire [3:0]  pg   = c_a[13:10];           // 4 KiB page
    wire [7:0]  d_xi = c_a[9:2];             // MSI-X entry
    wire [10:0] d_ii = c_a[12:2];            // IMS entry
    wire [8:0]  d_q  = c_a[9:1];             // PBA QWORD
    wire [9:0]  d_r  = c_a[9:0];             // register word in page 0
    wire [1:0]  d_w  = c_a[1:0];             // word of a table entry
    reg  [2:0]  kind;
    always @* begin
        kind = K_HOLE;
        if (pg == 4'h0) begin
            if ((d_r <= 10'd8 && d_r != 10'd3) || d_r == 10'd14) kind = K_REG;   // 14: 0x0038
        end else if (pg == 4'h1) begin
            if ({4'b0, d_xi} < M12) kind = K_XE;
        end else if (pg == 4'h2) begin
            if (d_q < GM9) kind = K_XP;
        end else if (pg == 4'h3) begin
            if (d_q < GN9) kind = K_IP;
        end else if (pg[3]) begin
            if ({1'b0, d_ii} < N12) kind = K_IE;
        end
    end
    wire [IWW-1:0] pbi_w = c_a[0 +: IWW];
    wire [XWW-1:0] pbx_w = c_a[0 +: XWW];

    reg [31:0] reg_rdata;
    always @* begin
        case (d_r[3:0])
            4'd0:    reg_rdata = ID_VALUE;
            4'd1:    reg_rdata = CAP_VALUE;
            4'd2:    reg_rdata = {28'd0, err_int_en, ims_en, func_mask, msix_en};
            4'd4:    reg_rdata = {16'd0, (err_valid ? err_code : 8'd0), 6'd0, err_ovf, err_valid};
            4'd5:    reg_rdata = {14'd0, err_info};
            4'd6:    reg_rdata = {12'd0, err_pasid};
            4'd7:    reg_rdata = err_count;
            4'd8:    reg_rdata = msg_count;
            default: reg_rdata = 32'd0;
        endcase
    end

    // ------------------------------------------------------------------ flush visit
    wire [IWW-1:0] fi_w = fl_cur[5 +: IWW];
    wire [XWW-1:0] fx_w = fl_cur[5 +: XWW];
    wire [31:0] fl_cand = fl_tbl ? (pend_i[fi_w] & ~mask_i[fi_w]) : (pend_x[fx_w] & ~mask_x[fx_w]);
    wire        fl_open = fl_tbl ? ims_en : x_open;
    wire        fl_done = fl_cur >= (fl_tbl ? N12 : M12);

    // ------------------------------------------------------------------ arbitration
    wire rq_be = !be_empty;
    wire rq_ev = ev_full;
    wire rq_wr = !aw_empty && !w_empty && !s_bvalid && !rel_pend;
    wire rq_rd = !ar_empty && !s_rvalid;
    wire rq_fl = fl_act || fl_rx || fl_ri;
    wire [4:0] rq = {rq_fl, rq_rd, rq_wr, rq_ev, rq_be};

    // Oldest first: each request carries the edge at which its handshake completed (for a
    // write: the later of AW and W); the engine takes the eligible request that has waited
    // longest. Requests of the same edge go in the fixed order B error, write, read, event,
    // flush visit (e.g. a mask write and an event on that entry at one edge: the event sees
    // the new mask). (Ages wrap after 2**16 clocks of waiting, e.g. behind a B or R that is
    // never accepted; that only changes which request goes first, never a result.)
    wire [15:0] age0 = now - be_head[27:12];
    wire [15:0] age1 = now - ev_stamp;
    wire [15:0] age2 = now - wr_stamp;
    wire [15:0] age3 = now - ar_head[29:14];
    wire [15:0] age4 = now - fl_stamp;
    reg [2:0]  gnt;
    reg        gnt_any;
    reg [15:0] best;
    always @* begin
        gnt = 3'd0;
        gnt_any = 1'b0;
        best = 16'd0;
        if (rq[0])                                   begin gnt = 3'd0; gnt_any = 1'b1; best = age0; end
        if (rq[2] && (!gnt_any || age2 > best))      begin gnt = 3'd2; gnt_any = 1'b1; best = age2; end
        if (rq[3] && (!gnt_any || age3 > best))      begin gnt = 3'd3; gnt_any = 1'b1; best = age3; end
        if (rq[1] && (!gnt_any || age1 > best))      begin gnt = 3'd1; gnt_any = 1'b1; best = age1; end
        if (rq[4] && (!gnt_any || age4 > best))      begin gnt = 3'd4; gnt_any = 1'b1; end
    end

    wire idle_go = (state == S_IDLE) && gnt_any;
    assign be_pop = idle_go && (gnt == 3'd0);
    assign aw_pop = idle_go && (gnt == 3'd2);
    assign w_pop  = idle_go && (gnt == 3'd2);
    assign ar_pop = idle_go && (gnt == 3'd3);

    assign evt_ready = run && !ev_full;

    assign mq_push = (state == S_MPUSH) && !mq_full;
    assign mq_din  = {m_raise, c_ims, c_idx, m_hi, m_lo, m_data};

    // event checks of S_EVT (IMS-040, IMS-041); c_idx holds the low handle bits
    wire       ev_is_ims = e_info[16];
    wire [15:0] ev_h = e_info[15:0];
    reg  [7:0] c_ims_ev_err;
    always @* begin
        c_ims_ev_err = 8'd0;
        if (ev_is_ims) begin
            if (!ims_en)          c_ims_ev_err = E_IMS_DIS;
            else if (ev_h >= N16) c_ims_ev_err = E_BAD_HDL;
        end else begin
            if (ev_h >= M16)      c_ims_ev_err = E_BAD_HDL;
            else if (!msix_en)    c_ims_ev_err = E_MSIX_DIS;
        end
    end

    // ------------------------------------------------------------------ the FSM
    wire [3:0] ctrl_new = c_wd[3:0];
    // HANDLE_RELEASE operand: the written bytes, unwritten ones 0 (IMS-028)
    wire [16:0] rel_v   = c_wd[16:0] & strb_mask[16:0];
    wire        rel_inr = rel_v[16] ? (rel_v[15:0] < N16) : (rel_v[15:0] < M16);
    // IMS-038: the control word written changes the owner (PASID_EN or PASID)
    wire        owner_chg = (c_w == 2'd3) && c_ims &&
                            ((wr_word[31:12] != q_w[31:12]) || (wr_word[3] != q_w[3]));

    always @(posedge clk) begin
        if (!rst_n) begin
            state      <= S_IDLE;
            msix_en    <= 1'b0;
            func_mask  <= 1'b0;
            ims_en     <= 1'b0;
            err_int_en <= 1'b0;
            err_valid  <= 1'b0;
            err_ovf    <= 1'b0;
            err_code   <= 8'd0;
            err_info   <= 18'd0;
            err_pasid  <= 20'd0;
            err_count  <= 32'd0;
            msg_count  <= 32'd0;
            msg_made   <= 6'd0;
            msg_answered <= 6'd0;
            rel_target <= 6'd0;
            rel_pend   <= 1'b0;
            s_bvalid   <= 1'b0;
            s_bresp    <= 2'b00;
            s_rvalid   <= 1'b0;
            s_rdata    <= 32'd0;
            s_rresp    <= 2'b00;
            ev_full    <= 1'b0;
            ev_ims     <= 1'b0;
            ev_handle  <= 16'd0;
            ev_pv      <= 1'b0;
            ev_pasid   <= 20'd0;
            c_a        <= 14'd0;
            c_wd       <= 32'd0;
            c_ws       <= 4'd0;
            c_ims      <= 1'b0;
            c_idx      <= 11'd0;
            c_w        <= 2'd0;
            zc         <= 2'd0;
            b_after    <= 1'b0;
            b_code     <= 2'b00;
            m_raise    <= 1'b0;
            m_lo       <= 30'd0;
            m_hi       <= 32'd0;
            m_data     <= 32'd0;
            e_code     <= 8'd0;
            e_info     <= 18'd0;
            e_pasid    <= 20'd0;
            fl_act     <= 1'b0;
            fl_tbl     <= 1'b0;
            fl_cur     <= 12'd0;
            fl_rx      <= 1'b0;
            fl_ri      <= 1'b0;
            ev_stamp   <= 16'd0;
            fl_stamp   <= 16'd0;
            for (k = 0; k < PWI; k = k + 1) begin
                mask_i[k] <= 32'hFFFF_FFFF;
                pend_i[k] <= 32'd0;
                wrt_i[k]  <= 32'd0;
            end
            for (k = 0; k < PWX; k = k + 1) begin
                mask_x[k] <= 32'hFFFF_FFFF;
                pend_x[k] <= 32'd0;
                wrt_x[k]  <= 32'd0;
            end
        end else begin
            if (msg_sent) msg_count <= msg_count + 32'd1;
            if (mq_push) msg_made <= msg_made + 6'd1;
            if (b_done) msg_answered <= msg_answered + 6'd1;
            // the held B of a release (IMS-107): every message queued before it answered
            if (rel_pend && msg_answered == rel_target) begin
                rel_pend <= 1'b0;
                s_bvalid <= 1'b1;
                s_bresp  <= 2'b00;
            end
            if (s_bvalid && s_bready) s_bvalid <= 1'b0;
            if (s_rvalid && s_rready) s_rvalid <= 1'b0;
            if (evt_valid && evt_ready) begin
                ev_full   <= 1'b1;
                ev_ims    <= evt_ims;
                ev_handle <= evt_handle;
                ev_pv     <= evt_pasid_valid;
                ev_pasid  <= evt_pasid;
                ev_stamp  <= now;
            end

            case (state)
            S_IDLE: if (gnt_any) begin
                case (gnt)
                3'd0: begin                               // logged B error
                    e_code  <= E_MSG_FAIL;
                    e_info  <= {1'b0, be_head[11], 5'd0, be_head[10:0]};
                    e_pasid <= 20'd0;
                    state   <= S_ERR;
                end
                3'd1: begin                               // event
                    ev_full <= 1'b0;
                    c_ims   <= ev_ims;
                    c_idx   <= ev_handle[10:0];
                    e_info  <= {ev_pv, ev_ims, ev_handle};
                    e_pasid <= ev_pv ? ev_pasid : 20'd0;
                    state   <= S_EVT;
                end
                3'd2: begin                               // register write
                    c_a     <= aw_head;
                    c_wd    <= w_head[35:4];
                    c_ws    <= w_head[3:0];
                    b_after <= 1'b1;
                    b_code  <= 2'b00;
                    state   <= S_WR;
                end
                3'd3: begin                               // register read
                    c_a     <= ar_head[13:0];
                    state   <= S_RD;
                end
                default: state <= S_FLUSH;                // flush visit
                endcase
            end

            // ---------------------------------------------------------- write
            S_WR: begin
                c_ims <= (kind == K_IE);
                c_idx <= (kind == K_IE) ? d_ii : {3'b000, d_xi};
                c_w   <= d_w;
                state <= S_END;
                case (kind)
                K_HOLE: b_code <= 2'b10;
                K_REG: begin
                    if (d_r == 10'd2 && c_ws[0]) begin
                        msix_en    <= ctrl_new[0];
                        func_mask  <= ctrl_new[1];
                        ims_en     <= ctrl_new[2];
                        err_int_en <= ctrl_new[3];
                        // a table going from closed to open gets a background flush
                        if (!x_open && ctrl_new[0] && !ctrl_new[1]) fl_rx <= 1'b1;
                        if (!ims_en && ctrl_new[2]) fl_ri <= 1'b1;
                        if (!rq_fl) fl_stamp <= now;
                        // a scan whose table closes again stops (entries stay pending)
                        if (fl_act && (fl_tbl ? !ctrl_new[2] : !(ctrl_new[0] && !ctrl_new[1])))
                            fl_act <= 1'b0;
                    end
                    if (d_r == 10'd4 && c_ws[0]) begin
                        if (c_wd[0]) err_valid <= 1'b0;
                        if (c_wd[1]) err_ovf <= 1'b0;
                    end
                    if (d_r == 10'd14 && c_ws != 4'd0) begin   // HANDLE_RELEASE
                        c_ims <= rel_v[16];
                        c_idx <= rel_v[10:0];
                        if (rel_inr) state <= S_REL;
                        else         b_code <= 2'b10;         // past its table: SLVERR
                    end
                end
                K_XE, K_IE: begin
                    if (c_ws != 4'd0) state <= S_WR_ZF;   // S_WR_ZF skips when written
                end
                default: ;                                // PBA: RO
                endcase
            end

            S_WR_ZF: begin
                // c_ims/c_idx are valid from here on
                if (c_wrt) begin
                    state <= S_WR_RD;                     // already written: no fill
                end else begin
                    zc <= zc + 2'd1;
                    if (zc == 2'd3) begin
                        if (c_ims) wrt_i[ci_w][c_b] <= 1'b1;
                        else       wrt_x[cx_w][c_b] <= 1'b1;
                        state <= S_WR_RD;
                    end
                end
            end

            S_WR_RD: begin
                zc    <= 2'd0;
                state <= S_WR_MOD;
            end

            S_WR_MOD: begin
                state <= S_END;
                if (owner_chg) begin                      // a new owner: drop pending
                    pend_i[ci_w][c_b] <= 1'b0;
                end
                if (c_w == 2'd3 && c_ws[0]) begin
                    if (c_ims) mask_i[ci_w][c_b] <= c_wd[0];
                    else       mask_x[cx_w][c_b] <= c_wd[0];
                    // unmask of a pending entry of an open table: one message (IMS-031)
                    if (c_mask && !c_wd[0] && c_pend && (c_ims ? ims_en : x_open) &&
                        !owner_chg) begin
                        if (c_ims) pend_i[ci_w][c_b] <= 1'b0;
                        else       pend_x[cx_w][c_b] <= 1'b0;
                        m_raise <= 1'b0;
                        state   <= S_M0;
                    end
                end
            end

            // ---------------------------------------------------------- release
            S_REL: begin
                if (c_ims) begin
                    pend_i[ci_w][c_b] <= 1'b0;
                    mask_i[ci_w][c_b] <= 1'b1;
                end else begin
                    pend_x[cx_w][c_b] <= 1'b0;
                    mask_x[cx_w][c_b] <= 1'b1;
                end
                rel_target <= msg_made;                   // no message is queued this clock
                rel_pend   <= 1'b1;
                b_after    <= 1'b0;                       // answered when rel_target is met
                state      <= S_END;
            end

            // ---------------------------------------------------------- read
            S_RD: begin
                c_ims   <= (kind == K_IE);
                c_idx   <= (kind == K_IE) ? d_ii : {3'b000, d_xi};
                c_w     <= d_w;
                s_rresp <= 2'b00;
                s_rvalid <= 1'b1;
                state   <= S_IDLE;
                case (kind)
                K_HOLE: begin s_rresp <= 2'b10; s_rdata <= 32'd0; end
                K_REG:  s_rdata <= reg_rdata;
                K_XP:   s_rdata <= pend_x[pbx_w];
                K_IP:   s_rdata <= pend_i[pbi_w];
                default: begin                            // table word: two more clocks
                    s_rvalid <= 1'b0;
                    state    <= S_RD_RAM;
                end
                endcase
            end

            S_RD_RAM: state <= S_RD_CAP;

            S_RD_CAP: begin
                s_rvalid <= 1'b1;
                s_rresp  <= 2'b00;
                state    <= S_IDLE;
                case (c_w)
                2'd0:    s_rdata <= q_w & 32'hFFFF_FFFC;
                2'd3:    s_rdata <= c_ims ? ((q_w & 32'hFFFF_F008) | {31'd0, c_mask})
                                          : {31'd0, c_mask};
                default: s_rdata <= q_w;
                endcase
            end

            // ---------------------------------------------------------- event
            S_EVT: begin
                state <= S_END;
                if (c_ims_ev_err != 8'd0) begin
                    e_code <= c_ims_ev_err;
                    state  <= S_ERR;
                end else if (ev_is_ims) begin
                    state <= S_EVT_Q;                     // ctrl word read issued now
                end else if (c_mask || func_mask) begin
                    pend_x[cx_w][c_b] <= 1'b1;            // effectively masked (IMS-043)
                end else begin
                    m_raise <= 1'b0;
                    state   <= S_M0;
                end
            end

            S_EVT_Q: begin
                state <= S_END;
                if (q_w[3] && (!e_info[17] || e_pasid != q_w[31:12])) begin
                    e_code <= E_PASID;
                    state  <= S_ERR;
                end else if (c_mask) begin
                    pend_i[ci_w][c_b] <= 1'b1;
                end else begin
                    m_raise <= 1'b0;
                    state   <= S_M0;
                end
            end

            // ---------------------------------------------------------- errors
            S_ERR: begin
                state <= S_END;
                if (err_count != 32'hFFFF_FFFF) err_count <= err_count + 32'd1;
                if (!err_valid) begin
                    err_valid <= 1'b1;
                    err_code  <= e_code;
                    err_info  <= e_info;
                    err_pasid <= e_pasid;
                    if (err_int_en) state <= S_RAISE;
                end else begin
                    err_ovf <= 1'b1;
                end
            end

            S_RAISE: begin
                state <= S_END;
                c_ims <= 1'b0;
                c_idx <= 11'd0;
                if (msix_en) begin
                    if (mask_x[0][0] || func_mask) begin
                        pend_x[0][0] <= 1'b1;
                    end else begin
                        m_raise <= 1'b1;
                        state   <= S_M0;
                    end
                end
            end

            // ---------------------------------------------------------- flush visit
            S_FLUSH: begin
                state    <= S_END;
                fl_stamp <= now;                          // the next visit queues up now
                if (!fl_act) begin
                    fl_act <= 1'b1;
                    fl_cur <= 12'd0;
                    if (fl_rx) begin
                        fl_tbl <= 1'b0;
                        fl_rx  <= 1'b0;
                    end else begin
                        fl_tbl <= 1'b1;
                        fl_ri  <= 1'b0;
                    end
                end else if (!fl_open || fl_done) begin
                    fl_act <= 1'b0;
                end else if (fl_cand == 32'd0) begin
                    fl_cur <= {fl_cur[11:5] + 7'd1, 5'd0};
                end else begin
                    fl_cur <= fl_cur + 12'd1;
                    if (fl_cand[fl_cur[4:0]]) begin
                        if (fl_tbl) pend_i[fi_w][fl_cur[4:0]] <= 1'b0;
                        else        pend_x[fx_w][fl_cur[4:0]] <= 1'b0;
                        c_ims   <= fl_tbl;
                        c_idx   <= fl_cur[10:0];
                        m_raise <= 1'b0;
                        state   <= S_M0;
                    end
                end
            end

            // ---------------------------------------------------------- message
            S_M0: state <= S_M1;
            S_M1: begin m_lo <= q_w[31:2]; state <= S_M2; end
            S_M2: begin m_hi <= q_w; state <= S_M3; end
            S_M3: begin m_data <= q_w; state <= S_MPUSH; end
            S_MPUSH: if (!mq_full) state <= S_END;

            // ---------------------------------------------------------- end of step
            S_END: begin
                if (b_after) begin
                    s_bvalid <= 1'b1;
                    s_bresp  <= b_code;
                    b_after  <= 1'b0;
                end
                state <= S_IDLE;
            end

            default: state <= S_IDLE;
            endcase
        end
    end

endmodule

`default_nettype wire
