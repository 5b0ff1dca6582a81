// ims_ctrl: IMS / MSI-X interrupt controller (top level). See docs/spec.md.
//
// Software programs the MSI-X table (MSIX_ENTRIES) and the Interrupt Message Store
// (IMS_ENTRIES) over the AXI4-Lite slave port; device events name an interrupt handle
// and the block sends each interrupt as one posted 32-bit write on the AXI4-Lite master.
//   ims_axil_slave  register port handshakes and responses
//   ims_core        step pipeline: arbitration, registers, rules, errors (+ ims_flush, ims_ram)
//   ims_msg_out     message queue and AXI4-Lite write master
//
// Tools depend on internal names below this module (formal probes of src/imsmodel/formal.py
// name dut.u_core.* and dut.u_msg.*): see docs/rtl-internals.md before renaming an instance.
`default_nettype none

module ims_ctrl #(
    parameter integer IMS_ENTRIES  = 64,   // 1..2048
    parameter integer MSIX_ENTRIES = 9     // 1..256
) (
    input  wire        clk,
    input  wire        rst_n,

    // ---------------------------------------------------------------- AXI4-Lite slave: registers and tables
    input  wire [15:0] s_axil_awaddr,
    input  wire [2:0]  s_axil_awprot,
    input  wire        s_axil_awvalid,
    output wire        s_axil_awready,
    input  wire [31:0] s_axil_wdata,
    input  wire [3:0]  s_axil_wstrb,
    input  wire        s_axil_wvalid,
    output wire        s_axil_wready,
    output wire [1:0]  s_axil_bresp,
    output wire        s_axil_bvalid,
    input  wire        s_axil_bready,
    input  wire [15:0] s_axil_araddr,
    input  wire [2:0]  s_axil_arprot,
    input  wire        s_axil_arvalid,
    output wire        s_axil_arready,
    output wire [31:0] s_axil_rdata,
    output wire [1:0]  s_axil_rresp,
    output wire        s_axil_rvalid,
    input  wire        s_axil_rready,

    // ---------------------------------------------------------------- device events
    input  wire        evt_valid,
    output wire        evt_ready,
    input  wire        evt_ims,
    input  wire [15:0] evt_handle,
    input  wire        evt_pasid_valid,
    input  wire [19:0] evt_pasid,

    // ---------------------------------------------------------------- AXI4-Lite master: messages
    output wire [63:0] m_axil_awaddr,
    output wire [2:0]  m_axil_awprot,
    output wire        m_axil_awvalid,
    input  wire        m_axil_awready,
    output wire [31:0] m_axil_wdata,
    output wire [3:0]  m_axil_wstrb,
    output wire        m_axil_wvalid,
    input  wire        m_axil_wready,
    input  wire [1:0]  m_axil_bresp,
    input  wire        m_axil_bvalid,
    output wire        m_axil_bready
);

    // ------------------------------------------------------------------ parameter checks
    // IMS-001: parameter ranges (checked when simulating; the Python runner checks before building)
`ifndef SYNTHESIS
    initial begin
        if (IMS_ENTRIES < 1 || IMS_ENTRIES > 2048) begin
            $error("ims_ctrl: IMS_ENTRIES=%0d out of range 1..2048", IMS_ENTRIES);
            $finish;
        end
        if (MSIX_ENTRIES < 1 || MSIX_ENTRIES > 256) begin
            $error("ims_ctrl: MSIX_ENTRIES=%0d out of range 1..256", MSIX_ENTRIES);
            $finish;
        end
    end
`endif

    // ------------------------------------------------------------------ internal connections

    // register access: ims_axil_slave <-> ims_core
    wire        wr_req, wr_grant, wr_slverr;
    wire [15:2] wr_addr;
    wire [31:0] wr_data;
    wire [3:0]  wr_strb;
    wire        rd_req, rd_grant, rd_busy, rd_done, rd_slverr;
    wire [15:2] rd_addr;
    wire [31:0] rd_data;

    // messages and B errors: ims_core <-> ims_msg_out
    wire        push_valid, push_ims, push_raise;
    wire [63:2] push_addr;
    wire [31:0] push_data;
    wire [10:0] push_index;
    wire [2:0]  free;
    wire        berr_valid, berr_ims, berr_take;
    wire [10:0] berr_index;
    wire [31:0] msg_count;
    wire        rel_step, rel_hold;   // HANDLE_RELEASE B hold (IMS-107)

    ims_axil_slave u_slave (
        .clk            (clk),
        .rst_n          (rst_n),
        .s_axil_awaddr  (s_axil_awaddr),
        .s_axil_awprot  (s_axil_awprot),
        .s_axil_awvalid (s_axil_awvalid),
        .s_axil_awready (s_axil_awready),
        .s_axil_wdata   (s_axil_wdata),
        .s_axil_wstrb   (s_axil_wstrb),
        .s_axil_wvalid  (s_axil_wvalid),
        .s_axil_wready  (s_axil_wready),
        .s_axil_bresp   (s_axil_bresp),
        .s_axil_bvalid  (s_axil_bvalid),
        .s_axil_bready  (s_axil_bready),
        .s_axil_araddr  (s_axil_araddr),
        .s_axil_arprot  (s_axil_arprot),
        .s_axil_arvalid (s_axil_arvalid),
        .s_axil_arready (s_axil_arready),
        .s_axil_rdata   (s_axil_rdata),
        .s_axil_rresp   (s_axil_rresp),
        .s_axil_rvalid  (s_axil_rvalid),
        .s_axil_rready  (s_axil_rready),
        .wr_req         (wr_req),
        .wr_addr        (wr_addr),
        .wr_data        (wr_data),
        .wr_strb        (wr_strb),
        .wr_grant       (wr_grant),
        .wr_slverr      (wr_slverr),
        .rd_req         (rd_req),
        .rd_addr        (rd_addr),
        .rd_grant       (rd_grant),
        .rd_busy        (rd_busy),
        .rd_done        (rd_done),
        .rd_data        (rd_data),
        .rd_slverr      (rd_slverr),
        .b_hold         (rel_hold)
    );

    ims_core #(
        .IMS_ENTRIES  (IMS_ENTRIES),
        .MSIX_ENTRIES (MSIX_ENTRIES)
    ) u_core (
        .clk             (clk),
        .rst_n           (rst_n),
        .wr_req          (wr_req),
        .wr_addr         (wr_addr),
        .wr_data         (wr_data),
        .wr_strb         (wr_strb),
        .wr_grant        (wr_grant),
        .wr_slverr       (wr_slverr),
        .rd_req          (rd_req),
        .rd_addr         (rd_addr),
        .rd_grant        (rd_grant),
        .rd_busy         (rd_busy),
        .rd_done         (rd_done),
        .rd_data         (rd_data),
        .rd_slverr       (rd_slverr),
        .evt_valid       (evt_valid),
        .evt_ready       (evt_ready),
        .evt_ims         (evt_ims),
        .evt_handle      (evt_handle),
        .evt_pasid_valid (evt_pasid_valid),
        .evt_pasid       (evt_pasid),
        .push_valid      (push_valid),
        .push_addr       (push_addr),
        .push_data       (push_data),
        .push_index      (push_index),
        .push_ims        (push_ims),
        .push_raise      (push_raise),
        .free            (free),
        .berr_valid      (berr_valid),
        .berr_index      (berr_index),
        .berr_ims        (berr_ims),
        .berr_take       (berr_take),
        .msg_count       (msg_count),
        .rel_step        (rel_step),
        .rel_hold        (rel_hold)
    );

    ims_msg_out #(
        .OST_DEPTH (16)
    ) u_msg (
        .clk            (clk),
        .rst_n          (rst_n),
        .push_valid     (push_valid),
        .push_addr      (push_addr),
        .push_data      (push_data),
        .push_index     (push_index),
        .push_ims       (push_ims),
        .push_raise     (push_raise),
        .free           (free),
        .berr_valid     (berr_valid),
        .berr_index     (berr_index),
        .berr_ims       (berr_ims),
        .berr_take      (berr_take),
        .msg_count      (msg_count),
        .rel_start      (rel_step),
        .rel_hold       (rel_hold),
        .m_axil_awaddr  (m_axil_awaddr),
        .m_axil_awprot  (m_axil_awprot),
        .m_axil_awvalid (m_axil_awvalid),
        .m_axil_awready (m_axil_awready),
        .m_axil_wdata   (m_axil_wdata),
        .m_axil_wstrb   (m_axil_wstrb),
        .m_axil_wvalid  (m_axil_wvalid),
        .m_axil_wready  (m_axil_wready),
        .m_axil_bresp   (m_axil_bresp),
        .m_axil_bvalid  (m_axil_bvalid),
        .m_axil_bready  (m_axil_bready)
    );

endmodule

`default_nettype wire
