"""A one-node Slurm cluster on localhost for the tests (Debian's slurm-wlm 22.05 and munge).

The recipe of ../shared/research/toolchain-notes.md ("A real Slurm on one machine"), made private:
everything lives in one scratch folder - its own munge key, munged socket and pid file, the
``slurm.conf`` (exported as ``SLURM_CONF``), state, spool, logs and pid files - and slurmctld and
slurmd listen on free ports. Nothing in /etc, /run or /var is used, so it runs next to a real
cluster or another test run. It needs root (slurmd runs jobs as their user).

Every process of the cluster (the daemons, slurmstepd, the jobs) carries ``IMS_TEST_SLURM=<folder>``
in its environment; :meth:`LocalSlurm.stop` cancels the jobs, stops the daemons by the pids in
their pid files and then kills, by pid, whatever still carries that mark.

Run it by hand: ``python tests/slurm_cluster.py`` starts a cluster, prints its SLURM_CONF and
stops it on Ctrl-C.
"""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

INSTALL = "apt-get install -y slurm-wlm munge"
TOOLS = (
    "munged",
    "munge",
    "unmunge",
    "slurmctld",
    "slurmd",
    "sbatch",
    "squeue",
    "sinfo",
    "scancel",
)
MARK = "IMS_TEST_SLURM"
COMMAND_TIMEOUT = 30.0


class ClusterError(RuntimeError):
    """The cluster cannot start (tools missing, not root, a daemon failed)."""


def missing_tools() -> list[str]:
    path = os.environ.get("PATH", "") + ":/usr/sbin:/sbin"
    return [t for t in TOOLS if shutil.which(t, path=path) is None]


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _tail(path: Path, lines: int = 15) -> str:
    try:
        text = path.read_text(errors="replace").splitlines()[-lines:]
    except OSError:
        return f"  ({path.name}: none)"
    return "\n".join(f"  {path.name}: {line}" for line in text)


def _alive(pid: int) -> bool:
    try:
        with open(f"/proc/{pid}/stat") as fh:
            stat = fh.read()
    except OSError:
        return False
    return stat[stat.rindex(")") + 2] not in "ZX"


def _marked(mark: str) -> list[int]:
    """Pids of live processes with ``IMS_TEST_SLURM=<mark>`` in their environment."""
    needle = f"{MARK}={mark}".encode()
    pids = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit() or int(entry.name) == os.getpid():
            continue
        try:
            with open(f"/proc/{entry.name}/environ", "rb") as fh:
                env = fh.read().split(b"\0")
        except OSError:
            continue
        if needle in env and _alive(int(entry.name)):
            pids.append(int(entry.name))
    return pids


@dataclass
class LocalSlurm:
    folder: Path
    conf: Path
    node: str
    env: dict[str, str] = field(default_factory=dict)

    @property
    def munge_socket(self) -> Path:
        return self.folder / "munge" / "munge.socket"

    def pid_files(self) -> dict[str, Path]:
        return {
            "slurmd": self.folder / "slurmd.pid",
            "slurmctld": self.folder / "slurmctld.pid",
            "munged": self.folder / "munge" / "munged.pid",
        }

    def logs(self) -> str:
        return "\n".join(
            _tail(p)
            for p in (
                self.folder / "munge" / "munged.log",
                self.folder / "slurmctld.log",
                self.folder / "slurmd.log",
            )
        )

    def run(
        self, *args: str, timeout: float = COMMAND_TIMEOUT, check: bool = False
    ) -> subprocess.CompletedProcess[str]:
        """A Slurm or munge command against this cluster, with a timeout."""
        proc = subprocess.run(
            list(args),
            env=self.env,
            capture_output=True,
            text=True,
            timeout=timeout,
            stdin=subprocess.DEVNULL,
            check=False,
        )
        if check and proc.returncode != 0:
            raise ClusterError(
                f"{' '.join(args)} failed (exit {proc.returncode}): "
                f"{(proc.stderr or proc.stdout).strip()}\n{self.logs()}"
            )
        return proc

    # ------------------------------------------------------------------ start

    @classmethod
    def start(cls, timeout: float = 60.0) -> LocalSlurm:
        """Start munged, slurmctld and slurmd; return when the node is idle.

        Raises :class:`ClusterError` (with the install command or the daemons' logs); whatever
        was started is stopped first.
        """
        missing = missing_tools()
        if missing:
            raise ClusterError(
                f"Slurm/munge not installed (missing {', '.join(missing)}); install them with: "
                f"{INSTALL}"
            )
        if os.geteuid() != 0:
            raise ClusterError(
                "the local Slurm cluster of the tests needs root (slurmd runs the jobs as their "
                "user); run `make test` as root, as CI does"
            )
        folder = Path(tempfile.mkdtemp(prefix="ims-slurm-", dir="/tmp"))
        folder.chmod(0o755)  # munged wants every folder above its socket searchable
        env = {**os.environ, MARK: str(folder), "SLURM_CONF": str(folder / "slurm.conf")}
        env["PATH"] = env.get("PATH", "") + ":/usr/sbin:/sbin"
        cluster = cls(folder, folder / "slurm.conf", "", env)
        try:
            cluster._start(timeout)
        except BaseException:
            cluster.stop()
            raise
        return cluster

    def _start(self, timeout: float) -> None:
        mdir = self.folder / "munge"
        mdir.mkdir(mode=0o755)
        key = mdir / "munge.key"
        key.write_bytes(os.urandom(1024))
        key.chmod(0o400)
        self.run(
            "munged",
            f"--socket={self.munge_socket}",
            f"--key-file={key}",
            f"--log-file={mdir / 'munged.log'}",
            f"--pid-file={mdir / 'munged.pid'}",
            f"--seed-file={mdir / 'munged.seed'}",
            check=True,
        )
        cred = self.run("munge", "-n", "-S", str(self.munge_socket), check=True).stdout
        check = subprocess.run(
            ["unmunge", "-S", str(self.munge_socket)],
            input=cred,
            env=self.env,
            capture_output=True,
            text=True,
            timeout=COMMAND_TIMEOUT,
            check=False,
        )
        if "Success" not in check.stdout:
            raise ClusterError(f"munge -n | unmunge failed: {check.stdout}{check.stderr}")

        hw = self.run("slurmd", "-C", check=True).stdout.splitlines()
        node_line = next((line for line in hw if line.startswith("NodeName=")), "")
        if not node_line:
            raise ClusterError(f"slurmd -C printed no NodeName line: {hw}")
        self.node = node_line.split()[0].split("=", 1)[1]
        f = self.folder
        (f / "state").mkdir()
        (f / "spool").mkdir()
        self.conf.write_text(
            "\n".join(
                [
                    "ClusterName=imstest",
                    f"SlurmctldHost={self.node}(127.0.0.1)",
                    f"SlurmctldPort={_free_port()}",
                    f"SlurmdPort={_free_port()}",
                    "AuthType=auth/munge",
                    "CredType=cred/munge",
                    f"AuthInfo=socket={self.munge_socket}",
                    "SlurmUser=root",
                    "SlurmdUser=root",
                    f"StateSaveLocation={f / 'state'}",
                    f"SlurmdSpoolDir={f / 'spool'}",
                    f"SlurmctldPidFile={f / 'slurmctld.pid'}",
                    f"SlurmdPidFile={f / 'slurmd.pid'}",
                    f"SlurmctldLogFile={f / 'slurmctld.log'}",
                    f"SlurmdLogFile={f / 'slurmd.log'}",
                    "ProctrackType=proctrack/linuxproc",
                    "TaskPlugin=task/none",
                    "SelectType=select/cons_tres",
                    "SelectTypeParameters=CR_Core",
                    "ReturnToService=2",
                    "KillWait=5",
                    "MinJobAge=300",
                    f"{node_line} NodeAddr=127.0.0.1 State=UNKNOWN",
                    f"PartitionName=debug Nodes={self.node} Default=YES MaxTime=INFINITE State=UP",
                    "",
                ]
            )
        )
        self.run("slurmctld", "-f", str(self.conf), check=True)
        self.run("slurmd", "-f", str(self.conf), check=True)
        deadline = time.monotonic() + timeout
        state = ""
        while time.monotonic() < deadline:
            proc = self.run("sinfo", "-h", "-o", "%t")
            state = proc.stdout.strip()
            if proc.returncode == 0 and state == "idle":
                return
            time.sleep(0.5)
        raise ClusterError(
            f"the node is not idle after {timeout:.0f} s (sinfo: {state!r})\n{self.logs()}"
        )

    # ------------------------------------------------------------------ stop

    def stop(self, keep: bool = False) -> list[str]:
        """Cancel the jobs, stop the daemons (by pid), kill what is left of the cluster (by
        pid), remove the folder. Returns the problems met (empty: clean)."""
        problems: list[str] = []
        if self.conf.is_file() and (self.folder / "slurmctld.pid").is_file():
            with contextlib.suppress(OSError, subprocess.TimeoutExpired):
                jobs = self.run("squeue", "-h", "-o", "%A", timeout=10).stdout.split()
                if jobs:
                    self.run("scancel", *jobs, timeout=10)
                    deadline = time.monotonic() + 15
                    while (
                        time.monotonic() < deadline
                        and self.run("squeue", "-h", "-o", "%A", timeout=10).stdout.strip()
                    ):
                        time.sleep(0.5)
        for name, pid_file in self.pid_files().items():
            try:
                pid = int(pid_file.read_text().strip())
            except (OSError, ValueError):
                continue
            if not _alive(pid):
                continue
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGTERM)
            deadline = time.monotonic() + 10
            while _alive(pid) and time.monotonic() < deadline:
                time.sleep(0.1)
            if _alive(pid):
                problems.append(f"{name} (pid {pid}) ignored SIGTERM; killed")
                with contextlib.suppress(ProcessLookupError):
                    os.kill(pid, signal.SIGKILL)
        for pid in _marked(str(self.folder)):
            try:
                cmd = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
            except OSError:
                cmd = "?"
            problems.append(f"left running, killed: pid {pid}: {cmd.strip()}")
            with contextlib.suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        if not keep:
            shutil.rmtree(self.folder, ignore_errors=True)
        return problems


if __name__ == "__main__":
    cluster = LocalSlurm.start()
    print(f"export SLURM_CONF={cluster.conf}   # node {cluster.node}; Ctrl-C stops it")
    try:
        signal.pause()
    except KeyboardInterrupt:
        pass
    finally:
        for problem in cluster.stop():
            print(problem)
