"""A proof assistant is one package plus one registration: the toy logic (tests/itp/toy_backend.py, a test double)
is registered from the test folder and reaches every place the platform asks a backend something, from the
registry to the benchmark files to a best-first proof that was re-checked."""

from __future__ import annotations

import json

import pytest

from stp_prover import itp
from stp_prover.data import DataError, fetch_benchmark, find_theorem, load_benchmark, user_theorem
from stp_prover.itp import (
    BackendSpec,
    BackendUnavailable,
    ItpConfig,
    ItpSettings,
    LeanConfig,
    Theorem,
    VerdictKind,
    backend_for_file,
    benchmark_layouts,
    default_backend,
    ensure_available,
    make_env,
    register,
    system_of,
    tactic_prelude,
    unregister,
)
from stp_prover.itp.dialect import declared_name, dialect
from stp_prover.prover.portfolio import PortfolioProofPolicy, PortfolioTacticPolicy
from stp_prover.prover.prove import ProveConfig, prove_theorem
from tests.data.test_benchmarks import tarball
from tests.itp import toy_backend
from tests.itp.toy_backend import PRELUDE, TOY, ToyConfig, ToyEnvDouble

AND_SWAP = {"name": "and_swap", "header": "", "formal_statement": "claim and_swap : p /\\ q -> q /\\ p."}
OR_SWAP = {"name": "or_swap", "header": "", "formal_statement": "claim or_swap : p \\/ q -> q \\/ p."}


@pytest.fixture
def toy():
    """The toy registered for one test, and gone again after it whatever the test did."""
    register(toy_backend.SPEC)
    try:
        yield toy_backend
    finally:
        unregister("toy")


def test_the_registry_reaches_the_toy(toy):
    with make_env("toy") as env:
        assert isinstance(env, ToyEnvDouble) and env.config == ToyConfig()
    assert system_of("toy") == "toy" and backend_for_file("lemmas.toy") == "toy"
    assert "toy" in itp.backend_names() and "toy" in itp.backend_names(checks=True) and "toy" in itp.system_names()
    assert "toy" not in itp.backend_names(traces=True)  # the toy has no tracer


def test_default_backend_and_availability_read_the_toys_config(toy):
    no_lean = LeanConfig(repl_command=None)
    assert default_backend(ItpConfig(toy=ToyConfig(preferred=True), lean=no_lean)) == "toy"
    assert default_backend(ItpConfig(toy=ToyConfig(preferred=False), lean=no_lean)) == "coq"
    ensure_available("toy")
    with pytest.raises(BackendUnavailable, match="not installed"):
        ensure_available("toy", ItpConfig(toy=ToyConfig(installed=False)))


def test_settings_reach_the_toys_config_and_its_environment(toy):
    assert ItpConfig().toy.tactic_timeout == 1.0  # the toy's own default, not BackendConfig's
    config = ItpSettings(tactic_timeout=0.25, check_timeout=3, memory_mb=64, recycle_after=7).apply(ItpConfig())
    assert (config.toy.tactic_timeout, config.toy.check_timeout) == (0.25, 3)
    assert (config.toy.limits.memory_mb, config.toy.recycle_after) == (64, 7)
    assert config.toy.forbidden == ("admit",)  # its own fields are left alone
    with make_env("toy", config) as env:
        assert env.default_tactic_timeout() == 0.25


def test_the_dialect_comes_from_the_spec(toy):
    d = dialect("toy")
    assert d is TOY
    assert declared_name("claim c1 : p -> p.") == "c1"
    assert d.statement_for("c2", "p -> p") == "claim c2 : p -> p."
    thm = Theorem("c2", "toy", "", d.statement_for("c2", "p -> p"))
    with make_env("toy") as env:
        assert env.check(thm, d.proof_from_tactics(["intros", "assumption"])).ok
        assert d.canonical_state(env.start(thm).text) == "|- p -> p"


def test_the_prelude_and_the_benchmark_files_go_through_the_data_layer(toy, tmp_path):
    assert tactic_prelude("toy", "") == PRELUDE
    assert user_theorem("u", "toy", "", "claim u : p -> p.").header == PRELUDE
    (tmp_path / "minif2f").mkdir()
    lines = [json.dumps(dict(rec, split="valid")) for rec in (AND_SWAP, OR_SWAP)]
    (tmp_path / "minif2f" / "toy_valid.jsonl").write_text("\n".join(lines) + "\n")
    theorems = load_benchmark("miniF2F", "valid", "toy", str(tmp_path))
    assert [t.name for t in theorems] == ["and_swap", "or_swap"]
    assert all(t.system == "toy" and t.header == PRELUDE and t.split == "valid" for t in theorems)
    assert find_theorem("miniF2F/or_swap", "toy", str(tmp_path)).statement == OR_SWAP["formal_statement"]
    with pytest.raises(DataError, match="no toy version"):
        load_benchmark("ProofNet", "verified", "toy", str(tmp_path))


def test_the_fetch_layout_converts_a_toy_upstream_archive(toy, tmp_path):
    archive = tarball(
        {
            "minif2f-toy-0123/valid/and_swap.toy": "use tactics\n\nclaim and_swap : p /\\ q -> q /\\ p.\n",
            "minif2f-toy-0123/test/imp_self.toy": "claim imp_self : p -> p.\n",
            "minif2f-toy-0123/README.md": "not a theorem",
        }
    )
    urls = []
    written = fetch_benchmark("miniF2F", str(tmp_path), ["toy"], download=lambda url, t: urls.append(url) or archive)
    assert urls == ["https://codeload.github.com/toy-org/minif2f-toy/tar.gz/" + "0123456789abcdef" * 2 + "01234567"]
    assert sorted(p.relative_to(tmp_path).as_posix() for p in written) == [
        "minif2f/toy_test.jsonl",
        "minif2f/toy_valid.jsonl",
    ]
    [thm] = load_benchmark("miniF2F", "valid", "toy", str(tmp_path))
    assert thm.header == PRELUDE + "use tactics\n\n" and thm.source.endswith(":valid/and_swap.toy")
    with make_env("toy") as env:
        assert env.check(thm, "proof\n intros\n destruct H0\n split\n assumption\n assumption\nqed").ok
    broken = tarball({"r/valid/a.toy": "nothing here", "r/test/b.toy": "claim b : p -> p."})
    with pytest.raises(DataError, match="no claim a"):
        fetch_benchmark("miniF2F", str(tmp_path), ["toy"], download=lambda url, t: broken)


def test_best_first_search_proves_a_toy_theorem_and_the_proof_was_re_checked(toy, tmp_path):
    (tmp_path / "minif2f").mkdir()
    (tmp_path / "minif2f" / "toy_valid.jsonl").write_text(json.dumps(AND_SWAP) + "\n")
    [thm] = load_benchmark("miniF2F", "valid", "toy", str(tmp_path))
    env = make_env("toy")
    result = prove_theorem(
        thm, env, PortfolioTacticPolicy(env), PortfolioProofPolicy(env), ProveConfig("best-first", budget_seconds=30)
    )
    assert result.proved and result.proof, result.message
    # Tactic mode accepted `admit` (the portfolio's first tactic) and the fresh check refused it; the proof reported
    # is the one the check accepted last, and it checks again from nothing.
    assert result.unverified_rejected >= 1
    assert (thm.name, result.proof, VerdictKind.PROVED) == env.checked[-1]
    assert any(kind is VerdictKind.UNTRUSTED for _, _, kind in env.checked)
    assert "admit" not in result.proof and ToyEnvDouble().check(thm, result.proof).ok


def test_the_toy_checks_whole_files_under_its_trust_policy(toy):
    text = "claim a : p -> p.\nproof\n intros\n assumption\nqed\n\nclaim b : q -> p.\nproof\n admit\nqed\n"
    with make_env("toy") as env:
        verdict = env.check_file(text)
        assert not verdict.ok and [(r["name"], r["ok"]) for r in verdict.theorems] == [("a", True), ("b", False)]
        assert env.check_file(text, only=["a"]).ok
        with pytest.raises(KeyError, match="c"):
            env.check_file(text, only=["c"])


def test_unregistering_leaves_no_trace():
    register(toy_backend.SPEC)
    unregister("toy")
    assert "toy" not in itp.backend_names() and "toy" not in ItpConfig().systems and "toy" not in benchmark_layouts("minif2f")
    with pytest.raises(ValueError, match="unknown backend"):
        make_env("toy")
    with pytest.raises(ValueError, match="no dialect"):
        dialect("toy")
    assert declared_name("claim c1 : p -> p.") is None


def test_a_proof_assistant_has_one_config_owner(toy):
    second = BackendSpec("toy2", "toy", toy.SPEC.make, toy.SPEC.require, config=ToyConfig)
    with pytest.raises(ValueError, match="already has its config"):
        register(second)
    with pytest.raises(ValueError, match="must declare its config"):
        register(BackendSpec("hol", "hol", toy.SPEC.make, toy.SPEC.require))
    register(BackendSpec("toy-again", "toy", toy.SPEC.make, toy.SPEC.require))  # a second way to drive it
    try:
        assert isinstance(make_env("toy-again"), ToyEnvDouble) and dialect(system_of("toy-again")) is TOY
    finally:
        unregister("toy-again")
