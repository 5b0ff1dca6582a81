// ims_formal_env.vh: the legal environment common to every job (assume only).
// Included by formal/ims_formal_tb.v inside `ifdef FORMAL, in the scope of module
// ims_formal_tb (no module of its own): it names the wrapper's ports, the DUT's outputs and
// the wires of the files included before it. See formal/ims_formal_tb.v for the order.
//
// rst_n = 0 in the first cycle, then 1 (with IMS_FORMAL_RESET: free, and AXI masters drive no
// VALID while rst_n = 0); s_axil AW/W/AR and m_axil B hold VALID with a stable payload until
// READY; data-word writes carry the entry tags (ims_formal_shadow.vh); m_axil B only for a
// message whose AW and W both completed; a non-OKAY B response may only start while no
// error-interrupt raise has happened since reset (so every non-OKAY B is the logged B error of
// IMS-053, never the unlogged one of IMS-062); events, READY inputs, addresses and data are
// free. The restrictions that single jobs add (IMS_FORMAL_B_OKAY, ...) are in the top file.

    // ------------------------------------------------------------------ environment
    wire f_live = f_past_valid && p_rst_n && rst_n;   // this edge and the previous one out of reset

    always @(posedge clk) begin
        if (!f_past_valid) begin
            assume(!rst_n);
        end
`ifndef IMS_FORMAL_RESET
        if (f_past_valid) begin
            assume(rst_n);
        end
`else
        // AXI masters drive no VALID during reset (the event source neither)
        if (!rst_n) begin
            assume(!s_axil_awvalid);
            assume(!s_axil_wvalid);
            assume(!s_axil_arvalid);
            assume(!m_axil_bvalid);
            assume(!evt_valid);
        end
`endif
        // register port master: VALID held with a stable payload until READY
        if (f_live && p_s_awvalid && !p_s_awready) begin
            assume(s_axil_awvalid);
            assume(s_axil_awaddr == p_s_awaddr);
            assume(s_axil_awprot == p_s_awprot);
        end
        if (f_live && p_s_wvalid && !p_s_wready) begin
            assume(s_axil_wvalid);
            assume(s_axil_wdata == p_s_wdata);
            assume(s_axil_wstrb == p_s_wstrb);
        end
        if (f_live && p_s_arvalid && !p_s_arready) begin
            assume(s_axil_arvalid);
            assume(s_axil_araddr == p_s_araddr);
            assume(s_axil_arprot == p_s_arprot);
        end
        // entry tags: a data-word write of entry e carries e + 1 in its low bits
        if (s_axil_awvalid && s_axil_wvalid && wd_tab && wd_dw == 2'd2 && s_axil_wstrb[0]) begin
            assume(s_axil_wdata[2:0] == wd_e + 3'd1);
        end
        // message slave: B held with a stable response until BREADY, only for a completed write
        if (f_live && p_m_bvalid && !p_m_bready) begin
            assume(m_axil_bvalid);
            assume(m_axil_bresp == p_m_bresp);
        end
        if (f_past_valid && rst_n && m_axil_bvalid) begin
            assume(f_mb < f_mdone);
        end
        // a new non-OKAY B only before any raise: it then answers an ordinary message (IMS-062)
        if (f_past_valid && rst_n && m_axil_bvalid && m_axil_bresp != 2'b00 &&
            !(p_rst_n && p_m_bvalid && !p_m_bready)) begin
            assume(!sh_raise_seen);
        end
    end
