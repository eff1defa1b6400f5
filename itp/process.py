"""A proof-assistant child process with resource limits, its own process group and a private temporary directory."""

from __future__ import annotations

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


class ProcessDied(RuntimeError):
    """The child exited (crash, memory limit, malformed input) while we waited for it."""


class ReadTimeout(RuntimeError):
    """The child did not answer before the deadline."""


def _limit_child(limits: ResourceLimits) -> Callable[[], None]:
    def apply() -> None:
        mem = limits.memory_mb * 1024 * 1024
        resource.setrlimit(resource.RLIMIT_AS, (mem, mem))
        if limits.cpu_seconds > 0:  # 0: no lifetime CPU cap (long-lived multi-threaded servers, timed from outside)
            resource.setrlimit(resource.RLIMIT_CPU, (limits.cpu_seconds, limits.cpu_seconds + 5))
        resource.setrlimit(resource.RLIMIT_CORE, (0, 0))

    return apply


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
    ):
        self.tmpdir = tempfile.mkdtemp(prefix="stp-itp-")
        self.argv = list(argv)
        self.proc = subprocess.Popen(
            self.argv,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT if merge_stderr else subprocess.DEVNULL,
            cwd=cwd or self.tmpdir,
            env=minimal_env(self.tmpdir, extra_env),
            preexec_fn=_limit_child(limits),
            start_new_session=True,
        )
        os.set_blocking(self.proc.stdout.fileno(), False)
        self._buf = b""

    @property
    def pid(self) -> int:
        return self.proc.pid

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
            os.kill(self.pid, signal.SIGINT)

    def rss_mb(self) -> float:
        """Resident memory of the child in MiB (0 when unknown)."""
        try:
            with open(f"/proc/{self.pid}/status") as fh:
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
        for stream in (self.proc.stdin, self.proc.stdout):
            try:
                stream.close()
            except OSError:
                pass
        shutil.rmtree(self.tmpdir, ignore_errors=True)


def run_limited(argv: Sequence[str], limits: ResourceLimits, timeout: float, cwd: str) -> tuple[int | None, str]:
    """Run a batch command (e.g. coqc) under limits; returns (exit code or None on timeout, merged output)."""
    proc = subprocess.Popen(
        list(argv),
        stdin=subprocess.DEVNULL,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        cwd=cwd,
        env=minimal_env(cwd),
        preexec_fn=_limit_child(limits),
        start_new_session=True,
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
        return None, out.decode("utf-8", "replace")
