"""A proof-assistant child process in the OS sandbox (itp/sandbox.py), with resource limits, its own process group
and a private scratch folder. Every proof-assistant process is started here: `LimitedProcess` for interactive ones,
`run_limited` for batch commands."""

from __future__ import annotations

import concurrent.futures
import json
import os
import resource
import select
import shutil
import signal
import subprocess
import tempfile
import time
from typing import Callable, Optional, Sequence

from .config import ResourceLimits
from .sandbox import SandboxConfig, active, command_paths, prepare_scratch, wrap

# bubblewrap's --die-with-parent is PR_SET_PDEATHSIG, which fires when the *thread* that forked it ends, not the
# process (prctl(2)): a warm process started from a pool's short-lived worker thread would be SIGKILLed as soon as
# that thread finished its job. Every process is therefore forked by this one thread, which lives as long as we do.
_SPAWNER = concurrent.futures.ThreadPoolExecutor(max_workers=1, thread_name_prefix="stp-itp-spawner")


class ProcessDied(RuntimeError):
    """The child exited (crash, memory limit, malformed input) while we waited for it."""


class ReadTimeout(RuntimeError):
    """The child did not answer before the deadline."""


def _limit_child(limits: ResourceLimits, own_user: bool) -> Callable[[], None]:
    """The rlimits, set in the child before it execs (bubblewrap and what it starts inherit them). `own_user`: the
    process runs as a user of its own, so a process count is meaningful (and uid 0 is exempt from it anyway)."""

    def apply() -> None:
        mem = limits.memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
        if limits.cpu_seconds > 0:  # 0: no lifetime CPU cap (long-lived multi-threaded servers, timed from outside)
            resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 5))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))
        if limits.file_size_mb > 0:
            size = limits.file_size_mb * 1024 * 1024
            resource.setrlimit(resource.RLIMIT_FSIZE, (size, size))
        if own_user and limits.processes > 0:
            resource.setrlimit(resource.RLIMIT_NPROC, (limits.processes, limits.processes))

    return apply


def _visible_paths(argv: Sequence[str], cwd: Optional[str], env: dict[str, str]) -> list[str]:
    """Paths a process needs whatever its backend: its program's installation and the paths its command line names
    (`command_paths`), the folder it runs in, and a toolchain home its environment names (`ELAN_HOME`, passed on by
    `minimal_env`)."""
    return [*command_paths(argv, env.get("PATH")), *(p for p in (cwd, env.get("ELAN_HOME")) if p)]


def minimal_env(home: str, extra: Optional[dict[str, str]] = None) -> dict[str, str]:
    """Environment for an untrusted child: only what the tools need to run (plus `extra`, which wins)."""
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": home, "LANG": "C.UTF-8", "TMPDIR": home}
    for key in ("ELAN_HOME", "LEAN_PATH", "COQLIB", "COQPATH", "OCAMLPATH"):
        if key in os.environ:
            env[key] = os.environ[key]
    env.update(extra or {})
    return env


class LimitedProcess:
    """Interactive child with byte-level reads until a terminator, deadlines and a hard kill of its whole group."""

    def __init__(
        self,
        argv: Sequence[str],
        limits: ResourceLimits,
        cwd: Optional[str] = None,
        merge_stderr=True,
        extra_env: Optional[dict[str, str]] = None,
        sandbox: Optional[SandboxConfig] = None,
    ):
        """`sandbox`: the backend's (`BackendConfig.process_sandbox()`); None: the default, on where it works."""
        self.tmpdir = tempfile.mkdtemp(prefix="stp-itp-")
        self.argv = list(argv)
        sandbox = sandbox or SandboxConfig()
        env = minimal_env(self.tmpdir, extra_env)
        try:
            self.sandboxed = active(sandbox)
        except Exception:
            shutil.rmtree(self.tmpdir, ignore_errors=True)
            raise
        readable = _visible_paths(self.argv, cwd, env) if self.sandboxed else []
        self.proc, self._child = _spawn(
            self.argv,
            limits,
            self.tmpdir,
            cwd or self.tmpdir,
            env,
            sandbox if self.sandboxed else None,
            readable,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT if merge_stderr else subprocess.DEVNULL,
        )
        # `_child` is the proof assistant's own host pid (bubblewrap reports it): interrupts and memory readings go
        # to it; the kill goes to the whole process group (bubblewrap's), and the PID namespace takes the rest.
        os.set_blocking(self.proc.stdout.fileno(), False)
        self._buf = b""

    @property
    def pid(self) -> int:
        """The pid we started (bubblewrap's, when sandboxed): the leader of the process group a kill goes to."""
        return self.proc.pid

    @property
    def assistant_pid(self) -> int:
        """The proof assistant's own host pid (inside the sandbox it is not bubblewrap's)."""
        return self._child

    def alive(self) -> bool:
        return self.proc.poll() is None

    def write(self, text: str) -> None:
        try:
            self.proc.stdin.write(text.encode("utf-8"))
            self.proc.stdin.flush()
        except (BrokenPipeError, ValueError, OSError) as exc:
            raise ProcessDied(f"process {self.pid} closed its input: {exc}") from exc

    def read_until(self, done: Callable[[bytes], Optional[int]], timeout: float) -> bytes:
        """Read until `done(buffer)` returns an end offset; returns the buffer up to it and keeps the rest."""
        deadline = time.monotonic() + timeout
        fd = self.proc.stdout.fileno()
        while True:
            end = done(self._buf)
            if end is not None:
                out, self._buf = self._buf[:end], self._buf[end:]
                return out
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise ReadTimeout(f"no answer within {timeout:.1f}s")
            ready, _, _ = select.select([fd], [], [], min(remaining, 0.5))
            if not ready:
                if self.proc.poll() is not None:
                    raise ProcessDied(self._death_message())
                continue
            try:
                chunk = os.read(fd, 1 << 16)
            except BlockingIOError:
                continue
            if not chunk:
                self.proc.wait(timeout=5)
                raise ProcessDied(self._death_message())
            self._buf += chunk

    def discard_buffer(self) -> bytes:
        out, self._buf = self._buf, b""
        return out

    def interrupt(self) -> None:
        if self.alive():
            os.kill(self.assistant_pid, signal.SIGINT)

    def rss_mb(self) -> float:
        """Resident memory of the child in MiB (0 when unknown)."""
        try:
            with open(f"/proc/{self.assistant_pid}/status") as fh:
                for line in fh:
                    if line.startswith("VmRSS:"):
                        return int(line.split()[1]) / 1024
        except OSError:
            pass
        return 0.0

    def _death_message(self) -> str:
        code = self.proc.returncode
        tail = self._buf[-500:].decode("utf-8", "replace").strip()
        if code is not None and code < 0:
            what = f"killed by signal {signal.Signals(-code).name}"
        else:
            what = f"exited with code {code}"
        return f"{self.argv[0]} {what}" + (f": {tail}" if tail else "")

    def kill(self) -> None:
        """Kill the whole process group and remove the temporary directory."""
        if self.proc.poll() is None:
            try:
                os.killpg(self.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                pass
        if self._child != self.proc.pid:
            _wait_gone(self._child)
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
        shutil.rmtree(self.tmpdir, ignore_errors=True)


def _spawn(
    argv: Sequence[str],
    limits: ResourceLimits,
    scratch: str,
    cwd: str,
    env: dict[str, str],
    sandbox: Optional[SandboxConfig],
    readable: Sequence[str],
    **streams,
) -> tuple[subprocess.Popen, int]:
    """Start `argv` under `limits`, inside the sandbox when one is given (`scratch` writable, `readable` visible);
    returns the process we started and the command's own host pid."""
    command, user, info = list(argv), None, None
    if sandbox is not None:
        info = os.pipe()
        command, user = wrap(argv, scratch, cwd, sandbox.with_paths(readable), info_fd=info[1])
        prepare_scratch(scratch, user)
    try:
        proc = _SPAWNER.submit(
            subprocess.Popen,
            command,
            cwd=cwd,
            env=env,
            preexec_fn=_limit_child(limits, user is not None),
            start_new_session=True,
            pass_fds=(info[1],) if info else (),
            **streams,
        ).result()
    finally:
        if info:
            os.close(info[1])
    return proc, (_child_pid(info[0], proc) if info else proc.pid)


def _wait_gone(pid: int, timeout: float = 10.0) -> None:
    """Wait until the sandboxed PID 1 has exited or is a zombie: the kernel kills and reaps the rest of its PID
    namespace before that, so once it returns nothing the sandbox started is left."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with open(f"/proc/{pid}/stat") as fh:
                state = fh.read().rsplit(")", 1)[-1].split()[0]
        except (OSError, IndexError):
            return
        if state in ("Z", "X"):
            return
        time.sleep(0.01)


def _child_pid(fd: int, proc: subprocess.Popen, timeout: float = 30.0) -> int:
    """The sandboxed command's host pid from bubblewrap's `--info-fd` JSON (`child-pid`); bubblewrap's own pid if it
    wrote none (it failed to start, and the caller sees it die)."""
    data, deadline = b"", time.monotonic() + timeout
    try:
        while time.monotonic() < deadline:
            ready, _, _ = select.select([fd], [], [], 0.5)
            if not ready:
                if proc.poll() is not None:
                    break
                continue
            chunk = os.read(fd, 4096)
            if not chunk:
                break
            data += chunk
            try:
                return int(json.loads(data)["child-pid"])
            except (ValueError, KeyError, TypeError):
                continue
    finally:
        os.close(fd)
    return proc.pid


def run_limited(
    argv: Sequence[str], limits: ResourceLimits, timeout: float, cwd: str, sandbox: Optional[SandboxConfig] = None
) -> tuple[int | None, str]:
    """Run a batch command (e.g. coqc) under limits, in the sandbox with `cwd` as its writable scratch folder;
    returns (exit code or None on timeout, merged output)."""
    sandbox = sandbox or SandboxConfig()
    env = minimal_env(cwd)
    confined = active(sandbox)
    readable = command_paths(argv, env.get("PATH")) if confined else []
    proc, child = _spawn(
        argv,
        limits,
        cwd,
        cwd,
        env,
        sandbox if confined else None,
        readable,
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
    )
    try:
        out, _ = proc.communicate(timeout=timeout)
        return proc.returncode, out.decode("utf-8", "replace")
    except subprocess.TimeoutExpired:
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
        out, _ = proc.communicate()
        if child != proc.pid:
            _wait_gone(child)
        return None, out.decode("utf-8", "replace")
