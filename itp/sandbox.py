"""The OS sandbox around every proof-assistant process, built on bubblewrap (`bwrap`, Debian's `bubblewrap`): its own
network, PID, IPC and UTS namespaces, a read-only view of only the system folders and the paths the backend names,
a private scratch folder (the only writable place besides a small private `/tmp`), and, where we run as root, an
unprivileged user of its own so that RLIMIT_NPROC holds (the kernel never applies it to uid 0)."""

from __future__ import annotations

import functools
import itertools
import os
import shutil
import subprocess
from dataclasses import dataclass
from typing import Literal, Optional, Sequence

SandboxMode = Literal["auto", "bwrap", "off"]
MODES: tuple[str, ...] = ("auto", "bwrap", "off")

# System folders the tools run from (read-only). On merged-/usr systems /bin, /lib, ... are symlinks into /usr and
# are recreated as such; where they are real folders they are bound.
_SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
# The few /etc entries the dynamic loader and Coq's findlib need (coqc fails with "Config file not found - neither
# /etc/ocamlfind.conf ..." without them). Not /etc as a whole: it holds the host's configuration and keys.
_ETC_ENTRIES = (
    "ld.so.cache",
    "ld.so.conf",
    "ld.so.conf.d",
    "alternatives",
    "ocamlfind.conf",
    "ocamlfind.conf.d",
    "localtime",
)
# Unprivileged users the sandboxed processes run as when we are root: one per process, so that one process's fork
# bomb does not use up another's RLIMIT_NPROC (counted per user). Above any range a system hands out.
_UID_BASE = 1_500_000_000
_UID_SPAN = 100_000_000
_uids = itertools.count()


class SandboxUnavailable(RuntimeError):
    """`sandbox: bwrap` was asked for but bubblewrap cannot run here; the message says why."""


@dataclass(frozen=True)
class SandboxConfig:
    """How proof-assistant processes are confined (a backend's `sandbox` setting)."""

    # auto: bubblewrap where it works, else none; bwrap: bubblewrap or refuse to start; off: no sandbox (trusted
    # input only, e.g. a developer's own files).
    mode: SandboxMode = "auto"
    read_only: tuple[str, ...] = ()  # more paths the process may read (a toolchain, a project), bound read-only
    tmp_mb: int = 64  # size of the sandbox's private /tmp (a tmpfs, gone with the process)

    def with_paths(self, paths: Sequence[str]) -> "SandboxConfig":
        """This config with `paths` added to the read-only ones."""
        extra = tuple(p for p in paths if p and p not in self.read_only)
        return SandboxConfig(self.mode, self.read_only + extra, self.tmp_mb)


@functools.lru_cache(maxsize=None)
def probe() -> Optional[str]:
    """None when bubblewrap can start a sandboxed process here (tried once, as every spawn will run it), else why
    not."""
    if shutil.which("bwrap") is None:
        return "bubblewrap (`bwrap`) is not installed: apt-get install -y bubblewrap"
    scratch = _scratch_probe_dir()
    try:
        argv, _ = wrap(["true"], scratch, scratch, SandboxConfig(mode="bwrap"))
        done = subprocess.run(argv, capture_output=True, text=True, timeout=30)
    except (OSError, subprocess.SubprocessError) as exc:
        return f"bwrap does not run: {exc}"
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    if done.returncode != 0:
        tail = " ".join((done.stderr or done.stdout).split())[-300:]
        return f"bwrap cannot create a sandbox here (user namespaces off?): {tail}"
    return None


def _scratch_probe_dir() -> str:
    import tempfile

    path = tempfile.mkdtemp(prefix="stp-sandbox-probe-")
    os.chmod(path, 0o777)
    return path


def active(config: SandboxConfig) -> bool:
    """Whether spawns under `config` are sandboxed; raises SandboxUnavailable for `bwrap` where it cannot run."""
    if config.mode == "off":
        return False
    why = probe()
    if why is None:
        return True
    if config.mode == "bwrap":
        raise SandboxUnavailable(why)
    return False


def status(config: SandboxConfig) -> dict:
    """What `/health` reports: the mode, whether checks are sandboxed, and why not where they are not."""
    why = probe() if config.mode != "off" else "sandbox: off"
    return {"mode": config.mode, "sandboxed": why is None, "tool": "bwrap" if why is None else None, "why_not": why}


def sandbox_user() -> Optional[int]:
    """A fresh unprivileged uid for one sandboxed process when we run as root, None otherwise (bubblewrap then runs
    unprivileged in a user namespace, as the caller)."""
    if os.geteuid() != 0:
        return None
    return _UID_BASE + (os.getpid() * 1000 + next(_uids)) % _UID_SPAN


def wrap(
    argv: Sequence[str], scratch: str, cwd: str, config: SandboxConfig, info_fd: Optional[int] = None
) -> tuple[list[str], Optional[int]]:
    """(the command line that runs `argv` in the sandbox, the uid it runs as or None). `scratch` is bound writable
    (the caller owns it and removes it); `cwd` must be `scratch` or one of the readable paths."""
    user = sandbox_user()
    # The command is PID 1 of its namespace (`--as-pid-1`): when it dies the kernel kills everything it started,
    # and `--info-fd` tells us its host pid, to which an interrupt (coqtop's SIGINT) and memory readings go.
    out = ["bwrap", "--unshare-ipc", "--unshare-pid", "--unshare-net", "--unshare-uts", "--unshare-cgroup-try"]
    out += ["--die-with-parent", "--as-pid-1", "--hostname", "sandbox"]
    if info_fd is not None:
        out += ["--info-fd", str(info_fd)]
    if user is None:
        out += ["--unshare-user"]
    else:
        # Root sets up the mounts, then setpriv (below) drops to `user` with no capabilities and no way back.
        out += ["--cap-drop", "ALL", "--cap-add", "CAP_SETUID", "--cap-add", "CAP_SETGID", "--cap-add", "CAP_SETPCAP"]
    for path in _SYSTEM_DIRS:
        if os.path.islink(path):
            out += ["--symlink", os.readlink(path), path]
        elif os.path.isdir(path):
            out += ["--ro-bind", path, path]
    out += ["--perms", "0755", "--dir", "/etc"]  # bubblewrap would create it 0700, unreadable once we drop root
    for entry in _ETC_ENTRIES:
        path = os.path.join("/etc", entry)
        if os.path.exists(path):
            out += ["--ro-bind", path, path]
    out += ["--proc", "/proc", "--dev", "/dev"]
    out += ["--perms", "1777", "--size", str(max(1, config.tmp_mb) * 1024 * 1024), "--tmpfs", "/tmp"]
    bound: list[str] = []
    # A path named through a symbolic link (a checkout's ../shared linked to elsewhere) is also bound where it was
    # named: the link itself may sit in a folder the sandbox replaces (its private /tmp) and would dangle there.
    places = {(os.path.realpath(p), os.path.realpath(p)) for p in config.read_only if p and os.path.exists(p)}
    places |= {(os.path.realpath(p), os.path.abspath(p)) for p in config.read_only if p and os.path.exists(p)}
    for source, path in sorted(places, key=lambda sp: (len(sp[1]), sp[1])):
        if any(path == b or path.startswith(b.rstrip("/") + "/") for b in [*bound, *_SYSTEM_DIRS]):
            continue  # already visible through a folder bound above
        out += _parents(path, bound) + ["--ro-bind", source, path]
        bound.append(path)
    scratch = os.path.realpath(scratch)
    out += _parents(scratch, bound) + ["--bind", scratch, scratch]
    out += ["--chdir", os.path.realpath(cwd)]
    if user is not None:
        out += ["setpriv", f"--reuid={user}", f"--regid={user}", "--clear-groups", "--no-new-privs"]
        out += ["--inh-caps=-all", "--bounding-set=-all", "--"]
    return out + list(argv), user


def _parents(path: str, bound: list[str]) -> list[str]:
    """`--dir` for the folders above `path` that the sandbox must create, world-traversable: bubblewrap would copy
    the host folders' modes, and a 0700 folder above a bound path would hide it from the sandbox's user."""
    out: list[str] = []
    parts = path.strip("/").split("/")[:-1]
    for i in range(1, len(parts) + 1):
        parent = "/" + "/".join(parts[:i])
        if parent in ("/tmp",) or any(parent == b or parent.startswith(b.rstrip("/") + "/") for b in bound):
            continue
        out += ["--perms", "0755", "--dir", parent]
    return out


def command_paths(argv: Sequence[str], search_path: Optional[str] = None) -> list[str]:
    """What a command line names that its process must read: the installation its program comes from (the folder
    above `bin/`, for both the path as called and the file it resolves to: a virtualenv and its base interpreter, an
    elan toolchain), and the existing files and folders given as absolute arguments (a script, a transcript folder).
    Never a home folder or `/` as a whole."""
    found: list[str] = []
    program = shutil.which(argv[0], path=search_path) if argv else None
    if program:
        for path in (os.path.abspath(program), os.path.realpath(program)):
            parent = os.path.dirname(path)
            found.append(os.path.dirname(parent) if os.path.basename(parent) == "bin" else parent)
    for arg in argv[1:]:
        if os.path.isabs(arg) and os.path.exists(arg):
            found.append(arg)
    homes = {"/", "/root", "/home", os.path.expanduser("~")}
    homes |= {os.path.join("/home", d) for d in _listdir("/home")}
    return [p for p in found if os.path.realpath(p) not in homes]


def _listdir(path: str) -> list[str]:
    try:
        return os.listdir(path)
    except OSError:
        return []


def prepare_scratch(path: str, user: Optional[int]) -> None:
    """Hand the scratch folder (and what the caller put in it) to the sandbox's user."""
    if user is None:
        return
    # bubblewrap enters it (`--chdir`) as root without capabilities, before dropping to `user`: it needs the
    # search bit for others.
    os.chmod(path, 0o711)
    for root, dirs, files in os.walk(path):
        os.chown(root, user, user)
        for name in files:
            os.chown(os.path.join(root, name), user, user)
