"""The OS sandbox (bubblewrap) around proof-assistant processes, for real on Coq: with the proof screen switched off
inside the test, proofs that write files, read files outside their scratch folder, or (through the same wrapper) open
sockets and fork without bound are contained, and a verdict still comes back. Each attack is also run with the
sandbox off where that is safe, to show it does succeed there: the containment is the sandbox's, not luck's."""

from __future__ import annotations

import dataclasses
import os
import shutil
import socket
import tempfile
import threading

import pytest

from stp_prover.itp import Theorem, VerdictKind
from stp_prover.itp.config import ResourceLimits
from stp_prover.itp.coq import CoqConfig, CoqEnv
from stp_prover.itp.coq.policy import ProofScript
from stp_prover.itp.coq.sentences import split_sentences
from stp_prover.itp.process import LimitedProcess, run_limited
from stp_prover.itp.sandbox import _UID_BASE, SandboxConfig, probe

pytestmark = pytest.mark.skipif(
    shutil.which("coqtop") is None or probe() is not None, reason=f"needs Coq and a working bwrap: {probe()}"
)

HEADER = "Require Import Arith.\nRequire Extraction.\n"
TRUE = Theorem("t", "coq", HEADER, "Theorem t : True.")
SANDBOX = SandboxConfig(mode="bwrap")
OFF = SandboxConfig(mode="off")


def screen_off_double(proof: str, theorem_name: str) -> ProofScript:
    """TEST DOUBLE for the Coq proof screen: cuts the text into sentences and refuses nothing, so hostile commands
    reach coqtop and only the sandbox stands in their way."""
    return ProofScript(sentences=split_sentences(proof))


@pytest.fixture
def no_screen(monkeypatch):
    monkeypatch.setattr("stp_prover.itp.coq.script.screen_proof", screen_off_double)


@pytest.fixture
def outside(tmp_path):
    """A folder on the host the sandbox must not see (readable by anyone: only the sandbox's view may hide it)."""
    folder = tempfile.mkdtemp(prefix="stp-outside-")
    os.chmod(folder, 0o755)
    yield folder
    shutil.rmtree(folder, ignore_errors=True)


def env_with(sandbox: SandboxConfig) -> CoqEnv:
    return CoqEnv(CoqConfig(sandbox=sandbox, check_timeout=30))


@pytest.mark.parametrize("check", ["warm", "cold"])
def test_proofs_that_write_files_are_contained_and_get_a_verdict(no_screen, outside, check):
    target, extracted, in_tmp = (os.path.join(outside, n) for n in ("redirected", "x.ml", "z"))
    host_tmp = f"/tmp/stp-sandbox-test-{os.getpid()}-{check}"
    proof = (
        f'Proof. Redirect "{target}" Print nat. Extraction "{extracted}" nat. Redirect "{host_tmp}" Print nat. '
        "exact I. Qed."
    )
    for sandbox in (SANDBOX, OFF):
        with env_with(sandbox) as env:
            verdict = env.check(TRUE, proof) if check == "warm" else env.check_cold(TRUE, proof)
        if sandbox is OFF:
            # Without the sandbox the writes happen: the attack is real.
            assert verdict.kind is VerdictKind.PROVED, verdict
            assert os.path.exists(target + ".out") and os.path.exists(extracted)
            for path in (target + ".out", extracted, host_tmp + ".out"):
                os.remove(path)
        else:
            # In the sandbox the outside folder does not exist: Coq reports an error, nothing is written.
            assert verdict.kind is VerdictKind.REJECTED, verdict
            assert not os.listdir(outside) and not os.path.exists(host_tmp + ".out")


def test_a_write_to_the_private_tmp_succeeds_and_vanishes(no_screen):
    host_tmp = f"/tmp/stp-sandbox-test-{os.getpid()}-private"
    with env_with(SANDBOX) as env:
        verdict = env.check(TRUE, f'Proof. Redirect "{host_tmp}" Print nat. exact I. Qed.')
    assert verdict.kind is VerdictKind.PROVED, verdict
    assert not os.path.exists(host_tmp + ".out")


@pytest.mark.parametrize("check", ["warm", "cold"])
def test_a_proof_cannot_read_files_outside_its_scratch_folder(no_screen, outside, check):
    secret = os.path.join(outside, "secret.v")
    with open(secret, "w") as fh:
        fh.write("Ltac secret_tac := exact I.\n")
    # `Load` may not run inside a proof: the proof leaves it, loads the file and proves the theorem again.
    proof = f'Proof. Abort. Load "{secret[:-2]}". Theorem t : True. Proof. secret_tac. Qed.'
    verdicts = {}
    for name, sandbox in (("sandbox", SANDBOX), ("off", OFF)):
        with env_with(sandbox) as env:
            verdicts[name] = env.check(TRUE, proof) if check == "warm" else env.check_cold(TRUE, proof)
    assert verdicts["off"].kind is VerdictKind.PROVED  # the file is read without the sandbox
    assert verdicts["sandbox"].kind is VerdictKind.REJECTED and "secret_tac" not in verdicts["sandbox"].reason
    for private in ("/root", os.path.expanduser("~"), os.getcwd()):
        with env_with(SANDBOX) as env:
            listing = env.check(TRUE, f'Proof. Abort. Load "{private}/nothing". Theorem t : True. exact I. Qed.')
        assert listing.kind is VerdictKind.REJECTED


def test_the_warm_coqtop_runs_in_its_own_namespaces_with_limits_and_pipes_work():
    config = CoqConfig(sandbox=SANDBOX)
    config.limits = dataclasses.replace(config.limits, processes=64, file_size_mb=32)
    with CoqEnv(config) as env:
        add = Theorem("add", "coq", HEADER, "Theorem add : 2 + 2 = 4.")
        assert env.check(add, "Proof. reflexivity. Qed.").ok  # stdin/stdout pipes to a warm coqtop
        proc = env.session(HEADER).top.proc
        assert proc.sandboxed and proc.assistant_pid != proc.pid
        for ns in ("net", "pid", "mnt", "ipc"):
            assert os.readlink(f"/proc/{proc.assistant_pid}/ns/{ns}") != os.readlink(f"/proc/self/ns/{ns}")
        limits = _limits_of(proc.assistant_pid)
        assert limits["Max address space"] == config.limits.memory_mb * 1024 * 1024
        assert limits["Max file size"] == 32 * 1024 * 1024
        if os.geteuid() == 0:
            assert limits["Max processes"] == 64
            assert os.stat(f"/proc/{proc.assistant_pid}").st_uid >= _UID_BASE  # not root inside
        # A timed-out proof is interrupted inside the sandbox (SIGINT reaches coqtop) and the worker is replaced.
        spin = env.check(add, "Proof. do 2000000000 idtac. reflexivity. Qed.", timeout=1.0)
        assert spin.kind is VerdictKind.TIMEOUT
        assert env.check(add, "Proof. reflexivity. Qed.").ok


def _limits_of(pid: int) -> dict[str, int]:
    out = {}
    with open(f"/proc/{pid}/limits") as fh:
        for line in fh.readlines()[1:]:
            name, soft = line[:26].strip(), line[26:47].strip()
            out[name] = int(soft) if soft.isdigit() else -1
    return out


def test_no_network_inside_the_sandbox():
    """Coq opens no sockets itself: a shell's `/dev/tcp` goes through the same wrapper instead."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(4)
    server.settimeout(0.5)
    port = server.getsockname()[1]
    accepted: list[bytes] = []
    stop = threading.Event()

    def serve() -> None:
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except OSError:
                continue
            accepted.append(conn.recv(100))
            conn.close()

    thread = threading.Thread(target=serve)
    thread.start()
    try:
        command = ["bash", "-c", f"echo leak > /dev/tcp/127.0.0.1/{port}"]
        for sandbox in (OFF, SANDBOX):
            with tempfile.TemporaryDirectory() as scratch:
                code, out = run_limited(command, ResourceLimits(), 30, scratch, sandbox)
            if sandbox is OFF:
                assert code == 0, out  # the connection works without the sandbox
            else:
                assert code != 0, out
    finally:
        stop.set()
        thread.join()
        server.close()
    assert accepted == [b"leak\n"]  # only the unsandboxed run got through


def test_a_fork_bomb_is_bounded_and_killed_with_everything_it_started():
    limits = ResourceLimits(processes=40)
    bomb = ["bash", "-c", "for i in $(seq 400); do sleep 600 & done; wait"]
    with tempfile.TemporaryDirectory() as scratch:
        code, out = run_limited(bomb, limits, 8, scratch, SANDBOX)
    assert code is None  # ran until its time and was killed
    if os.geteuid() == 0:
        assert "Resource temporarily unavailable" in out  # RLIMIT_NPROC stopped the forks
    assert not _sandbox_sleepers()  # the PID namespace went with it: no `sleep` left behind


def test_killing_an_interactive_process_reaps_everything_and_discards_its_scratch():
    proc = LimitedProcess(["bash", "-c", "sleep 600 & sleep 600 & cat"], ResourceLimits(), sandbox=SANDBOX)
    proc.write("ping\n")
    assert proc.read_until(lambda b: b.find(b"ping\n") + 5 if b"ping\n" in b else None, 30) == b"ping\n"
    ns = os.readlink(f"/proc/{proc.assistant_pid}/ns/pid")
    members = [p for p in _pids() if _pidns(p) == ns]
    assert len(members) >= 3  # cat and the two sleeps
    scratch = proc.tmpdir
    proc.kill()
    assert not [p for p in _pids() if _pidns(p) == ns]
    assert not os.path.exists(scratch)


def _pids() -> list[int]:
    return [int(p) for p in os.listdir("/proc") if p.isdigit()]


def _pidns(pid: int) -> str:
    """The PID namespace of a live process ("" for one that is gone or a zombie: it runs nothing any more)."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            if fh.read().rsplit(")", 1)[-1].split()[0] in ("Z", "X"):
                return ""
        return os.readlink(f"/proc/{pid}/ns/pid")
    except (OSError, IndexError):
        return ""


def _sandbox_sleepers() -> list[int]:
    """`sleep` processes of a sandbox user (or, not running as root, any in another PID namespace than ours)."""
    mine = _pidns(os.getpid())
    found = []
    for pid in _pids():
        try:
            with open(f"/proc/{pid}/comm") as fh:
                if fh.read().strip() != "sleep":
                    continue
            owner = os.stat(f"/proc/{pid}").st_uid
        except OSError:
            continue
        if (owner >= _UID_BASE) if os.geteuid() == 0 else (_pidns(pid) not in ("", mine)):
            found.append(pid)
    return found


def test_sandbox_bwrap_refuses_to_start_without_bubblewrap(monkeypatch):
    """`sandbox: bwrap` where bubblewrap cannot run is an error at start, never a silent unsandboxed process; `auto`
    falls back (and reports it: the server refuses clients' text then, tests/prover/test_server_sandbox.py)."""
    from stp_prover.itp import sandbox

    monkeypatch.setattr(sandbox, "probe", lambda: "bubblewrap (`bwrap`) is not installed (test)")
    with pytest.raises(sandbox.SandboxUnavailable, match="not installed"):
        LimitedProcess(["cat"], ResourceLimits(), sandbox=SANDBOX)
    fallback = LimitedProcess(["cat"], ResourceLimits(), sandbox=SandboxConfig(mode="auto"))
    try:
        assert not fallback.sandboxed
    finally:
        fallback.kill()
    assert sandbox.status(SandboxConfig())["sandboxed"] is False


def test_a_process_started_from_a_short_lived_thread_outlives_that_thread():
    """bubblewrap's --die-with-parent fires when the forking *thread* ends (PR_SET_PDEATHSIG): a pool worker's
    thread that started a warm coqtop and then finished must not take the process with it."""
    started: list[LimitedProcess] = []
    thread = threading.Thread(
        target=lambda: started.append(LimitedProcess(["sleep", "60"], ResourceLimits(), sandbox=SANDBOX))
    )
    thread.start()
    thread.join()
    proc = started[0]
    try:
        assert proc.sandboxed
        threading.Event().wait(0.5)  # PDEATHSIG is delivered at once; this only lets it land
        assert proc.alive(), f"the sandboxed process died with its thread (exit {proc.proc.returncode})"
    finally:
        proc.kill()


def test_a_readable_path_named_through_a_symbolic_link_is_seen_where_it_was_named(tmp_path):
    """A checkout whose ../shared is a link (CI's layout) names the transcripts through it; the link itself lies in
    a folder the sandbox replaces (its private /tmp), so the path must be bound where it was named, not only where
    it resolves."""
    target = tmp_path / "target"
    target.mkdir()
    (target / "data.txt").write_text("seen\n")
    link = tmp_path / "elsewhere" / "shared"
    link.parent.mkdir()
    link.symlink_to(target)
    named = str(link / "data.txt")
    with tempfile.TemporaryDirectory() as scratch:
        os.chmod(scratch, 0o777)
        code, out = run_limited(["cat", named], ResourceLimits(), 30, scratch, SandboxConfig("bwrap", (named,)))
    assert code == 0 and out.strip() == "seen", out
