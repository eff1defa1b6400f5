"""The one place that turns a backend name into a proof environment: a registry of backend specs. Code above `itp`
uses only these functions. A proof assistant is one package under `itp/` whose spec (its config class, dialect,
tactic prelude and benchmark files) is registered with one `register(BackendSpec(...))`; the built-in ones
register themselves in `itp/coq/spec.py` and `itp/lean/spec.py`."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any, Callable, Mapping, Optional

from .config import BackendConfig, PoolConfig
from .env import ProofEnv
from .types import FileVerdict, Theorem, Verdict

if TYPE_CHECKING:
    from .benchmark_files import BenchmarkLayout
    from .dialect import Dialect


@dataclass(init=False)
class ItpConfig:
    """The proof-assistant layer's configuration: one config per registered proof assistant (an instance of its
    spec's config class, by system name: `config.coq`, `config.lean`) and the verifier pool's. Keywords set some:
    `ItpConfig(lean=LeanConfig(repl_command=None))`; the others get their spec's defaults."""

    systems: dict[str, BackendConfig]
    pool: PoolConfig

    def __init__(
        self,
        *,
        pool: Optional[PoolConfig] = None,
        systems: Optional[Mapping[str, BackendConfig]] = None,
        **configs: BackendConfig,
    ):
        given = {**(systems or {}), **configs}
        unknown = [name for name in given if name not in _system_configs()]
        if unknown:
            raise ValueError(f"no proof assistant {', '.join(unknown)}; registered: {', '.join(_system_configs())}")
        self.systems = {name: given[name] if name in given else make() for name, make in _system_configs().items()}
        self.pool = pool if pool is not None else PoolConfig()

    def system(self, name: str) -> BackendConfig:
        """The config of proof assistant `name` (its spec's defaults for one registered after this was built)."""
        if name not in self.systems:
            make = _system_configs().get(name)
            if make is None:
                raise ValueError(f"no proof assistant {name!r}; registered: {', '.join(_system_configs())}")
            self.systems[name] = make()
        return self.systems[name]

    def __getattr__(self, name: str) -> BackendConfig:
        # Only for names that are not attributes: `config.coq` is `config.system("coq")`. Private and dunder names
        # (pickle, copy probe them before `systems` exists) are never systems.
        if name.startswith("_") or "systems" not in self.__dict__:
            raise AttributeError(name)
        try:
            return self.system(name)
        except ValueError:
            raise AttributeError(f"ItpConfig has no attribute or proof assistant {name!r}") from None


@dataclass
class SourceSet:
    """Source files to trace: paths relative to `root` with their logical (module) names, and the configuration
    that loads them (a project's load paths)."""

    root: str
    files: list[tuple[str, str]]
    config: ItpConfig


@dataclass(frozen=True)
class BackendSpec:
    """What the platform needs to know about one backend; the callables import their package lazily. The first spec
    of a proof assistant also carries what belongs to the proof assistant rather than to one way of driving it
    (its config class, dialect, prelude, benchmark files); a second backend of it (LeanDojo) shares those."""

    name: str
    system: str  # the proof assistant it drives (theorem records are per proof assistant, not per backend)
    make: Callable[[ItpConfig], ProofEnv]
    require: Callable[[ItpConfig], None]  # raises BackendUnavailable (with install steps) without starting anything
    configured: Callable[[ItpConfig], bool] = lambda config: True  # preferred as the default where True
    preference: int = 0  # among configured backends the highest is the default
    file_suffix: Optional[str] = None  # `stp check` files it reads
    checks: bool = True  # checks whole proofs and files on its own (not through another backend)
    # Verdicts a backend can give without its proof assistant (its trust-policy screen), None: nothing to say.
    prescreen: Optional[Callable[[Theorem, str], Optional[Verdict]]] = None
    prescreen_file: Optional[Callable[[str], Optional[FileVerdict]]] = None
    trace: Optional[Callable[[str, str, str, ItpConfig], Any]] = None  # (text, path, logical name) -> TracedFile
    library: Optional[Callable[[ItpConfig, str], "SourceSet"]] = None  # installed sources, by library name
    project: Optional[Callable[[Path, ItpConfig, int], "SourceSet"]] = None  # a user's project folder, built
    # The global names a tactic's text refers to (premise-label candidates), where the backend knows better than
    # the names its tracer recorded.
    mentions: Optional[Callable[[str], list[str]]] = None
    # -- the proof assistant's own parts (on its first spec) --
    config: Optional[type[BackendConfig]] = None  # its settings: a BackendConfig dataclass, `ItpConfig.<system>`
    dialect: Optional["Dialect"] = None  # how text for it is written (proofs, comments, prompts)
    prelude: Optional[Callable[[str], str]] = None  # header -> tactic libraries loaded before it ("" for none)
    # A whole proof -> its top-level tactics (None where unreadable), for the tactic memory to replay
    proof_tactics: Optional[Callable[[str], Optional[list[str]]]] = None
    benchmarks: Mapping[str, "BenchmarkLayout"] = field(default_factory=dict)  # benchmark key -> its files


_REGISTRY: dict[str, BackendSpec] = {}


def register(spec: BackendSpec) -> None:
    """Add a backend under a new name. A proof assistant's first spec must declare its config; a later one may not
    declare another."""
    if spec.name in _REGISTRY:
        raise ValueError(f"a backend named {spec.name!r} is registered already (unregister it first)")
    # `config.<system>` must reach the system's config, not one of ItpConfig's own fields or methods
    if spec.system in {f.name for f in dataclasses.fields(ItpConfig)} or hasattr(ItpConfig, spec.system):
        raise ValueError(f"{spec.name}: {spec.system!r} cannot name a proof assistant")
    owner = _owner(spec.system)
    if spec.config is None and owner is None:
        raise ValueError(f"{spec.name}: the first backend of {spec.system!r} must declare its config class")
    if owner is not None and owner.name != spec.name and spec.config is not None:
        raise ValueError(f"{spec.name}: {spec.system!r} already has its config from backend {owner.name!r}")
    if spec.config is not None and not issubclass(spec.config, BackendConfig):
        raise TypeError(f"{spec.name}: config must subclass BackendConfig, not {spec.config!r}")
    _REGISTRY[spec.name] = spec


def unregister(name: str) -> None:
    """Remove a backend (a plug-in's test undoing its registration); unknown names are ignored."""
    _REGISTRY.pop(name, None)


def registered_specs() -> tuple[BackendSpec, ...]:
    """Every registered backend's spec, in registration order."""
    return tuple(_REGISTRY.values())


def spec(backend: str) -> BackendSpec:
    """The spec of `backend`; ValueError naming the known backends otherwise."""
    try:
        return _REGISTRY[backend]
    except KeyError:
        raise ValueError(f"unknown backend {backend!r}; choose one of {', '.join(_REGISTRY)}") from None


def _owner(system: str) -> Optional[BackendSpec]:
    """The spec that declares proof assistant `system`'s own parts, or None."""
    return next((s for s in _REGISTRY.values() if s.system == system and s.config is not None), None)


def system_spec(system: str) -> BackendSpec:
    """The spec that owns proof assistant `system` (its config, dialect, prelude, benchmark files)."""
    owner = _owner(system)
    if owner is None:
        raise ValueError(f"no proof assistant {system!r}; registered: {', '.join(_system_configs())}")
    return owner


def _system_configs() -> dict[str, type[BackendConfig]]:
    return {s.system: s.config for s in _REGISTRY.values() if s.config is not None}


def backend_names(*, checks: bool = False, traces: bool = False) -> tuple[str, ...]:
    """The backends registered now (a plug-in registered later is in the next call's answer); `checks`: only those
    that check whole proofs and files themselves (`stp verify`, `stp check`), `traces`: only those that trace."""
    return tuple(n for n, s in _REGISTRY.items() if (s.checks or not checks) and (s.trace or not traces))


def system_names() -> tuple[str, ...]:
    """The proof assistants of the registered backends, for per-system data."""
    return tuple(dict.fromkeys(s.system for s in _REGISTRY.values()))


# -- the functions code above `itp` calls ------------------------------------------------------------------------------
def make_env(backend: str, config: Optional[ItpConfig] = None) -> ProofEnv:
    """A proof environment for `backend`; raises BackendUnavailable (with install steps) or ValueError."""
    env = spec(backend).make(config or ItpConfig())
    if not isinstance(getattr(env, "config", None), BackendConfig):
        # search and the pool read the tactic and check timeouts from here: fail now, not deep inside a search
        env.close()
        raise TypeError(f"backend {backend!r} made a {type(env).__name__} without a BackendConfig `config`")
    return env


def system_of(backend: str) -> str:
    """The proof assistant a backend drives."""
    return spec(backend).system


def backend_for_file(filename: str) -> Optional[str]:
    """The backend that checks files with this name's extension, or None."""
    return next((s.name for s in _REGISTRY.values() if s.file_suffix and filename.endswith(s.file_suffix)), None)


def source_files(backend: str, config: Optional[ItpConfig] = None, library: Optional[str] = None) -> SourceSet:
    """The sources of one of the proof assistant's installed libraries (default: its standard library)."""
    read = spec(backend).library
    if read is None:
        raise ValueError(f"no installed library sources to trace for {backend!r}; trace your own files instead")
    return read(config or ItpConfig(), library or "stdlib")


def project_files(backend: str, directory: Path, config: Optional[ItpConfig] = None, jobs: int = 2) -> SourceSet:
    """The sources of a user's project folder (built first), with the configuration that loads them."""
    read = spec(backend).project
    if read is None:
        raise ValueError(f"tracing a project folder is not supported for {backend!r}; pass its files with --files")
    if not directory.is_dir():
        raise ValueError(f"no such project folder: {directory}")
    return read(directory, config or ItpConfig(), jobs)


def trace_source(backend: str, text: str, path: str, logical_name: str, config: Optional[ItpConfig] = None):
    """Replay one source file and record every tactic's goals before and after (a TracedFile)."""
    trace = spec(backend).trace
    if trace is None:
        raise ValueError(f"cannot trace with backend {backend!r}")
    return trace(text, path, logical_name, config or ItpConfig())


def tactic_mentions(filename: str, tactic: str, recorded: list[str]) -> list[str]:
    """The global names a traced tactic of `filename` refers to: the backend's own reading of the tactic where it
    has one, else the names recorded when it was traced."""
    backend = backend_for_file(filename)
    read = spec(backend).mentions if backend else None
    return read(tactic) if read else recorded


def default_backend(config: Optional[ItpConfig] = None) -> str:
    """The configured backend with the highest preference (Lean where a Lean REPL is configured, else Coq)."""
    config = config or ItpConfig()
    usable = [s for s in _REGISTRY.values() if s.checks and s.configured(config)]
    return max(usable, key=lambda s: s.preference).name


def ensure_available(backend: str, config: Optional[ItpConfig] = None) -> None:
    """Raise BackendUnavailable without starting anything when `backend` is not installed or configured."""
    spec(backend).require(config or ItpConfig())


def prescreen(backend: str, theorem: Theorem, proof: str, verdicts: str = "strict") -> Optional[Verdict]:
    """The verdict the backend's trust policy gives without its proof assistant (a refused proof), else None. Under
    another verdict mode (itp/verdicts.py) nothing is refused here: the environment's check applies that mode's
    own screen."""
    screen = spec(backend).prescreen
    return screen(theorem, proof) if screen and verdicts == "strict" else None


def prescreen_file(backend: str, text: str) -> Optional[FileVerdict]:
    """The file verdict the backend's trust policy gives without its proof assistant, else None."""
    screen = spec(backend).prescreen_file
    return screen(text) if screen else None


def tactic_prelude(system: str, header: str = "") -> str:
    """The tactic libraries loaded before a theorem's header (`header`: what follows, which may decide some), ""
    where the proof assistant has none."""
    prelude = system_spec(system).prelude
    return prelude(header) if prelude else ""


def benchmark_layouts(benchmark: str) -> dict[str, "BenchmarkLayout"]:
    """Proof assistant -> its files of `benchmark` (a benchmark registry key), for every one that has them."""
    layouts = {}
    for s in _REGISTRY.values():
        if s.config is not None and benchmark in s.benchmarks:
            layouts[s.system] = s.benchmarks[benchmark]
    return layouts


def with_system_config(config: ItpConfig, system: str, **changes: Any) -> ItpConfig:
    """A copy of `config` whose `system` config has `changes` (e.g. a traced project's load paths)."""
    changed = dataclasses.replace(config.system(system), **changes)
    return ItpConfig(pool=config.pool, systems={**config.systems, system: changed})


__all__ = [
    "backend_names",
    "system_names",
    "BackendSpec",
    "ItpConfig",
    "SourceSet",
    "backend_for_file",
    "benchmark_layouts",
    "default_backend",
    "ensure_available",
    "make_env",
    "prescreen",
    "prescreen_file",
    "register",
    "project_files",
    "source_files",
    "spec",
    "system_of",
    "system_spec",
    "tactic_prelude",
    "trace_source",
    "unregister",
    "with_system_config",
]
