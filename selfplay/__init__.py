"""The STP loop and the expert-iteration baseline on Ray, with durable run state, metrics and plots."""

from .config import (
    MODES,
    ConfigError,
    ConjecturerSettings,
    HeldOutSettings,
    ModelSettings,
    ProverSettings,
    RaySettings,
    SelfPlayConfig,
    Stage1Settings,
    TargetSettings,
    TrainDataSettings,
    TrainRunConfig,
    load_config,
    parse_overrides,
)
from .loop import SelfPlay, run_selfplay
from .rundir import RunDir

__all__ = [
    "MODES",
    "ConfigError",
    "ConjecturerSettings",
    "HeldOutSettings",
    "ModelSettings",
    "ProverSettings",
    "RaySettings",
    "RunDir",
    "SelfPlay",
    "SelfPlayConfig",
    "Stage1Settings",
    "TargetSettings",
    "TrainDataSettings",
    "TrainRunConfig",
    "load_config",
    "parse_overrides",
    "run_selfplay",
]
