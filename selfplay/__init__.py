"""The STP loop and the expert-iteration baseline on Ray, with durable run state, metrics and plots."""

from stp_prover.settings import ConfigError, parse_overrides

from .config import (
    ConjecturerSettings,
    HeldOutSettings,
    ProverSettings,
    RaySettings,
    SelfPlayConfig,
    Stage1Settings,
    TargetSettings,
    TrainDataSettings,
    load_config,
)
from .loop import SelfPlay, run_selfplay
from .rules import EMBEDDERS, MATCHINGS, MODES, SCHEDULES, Mode, UnknownRule
from .rundir import RunDir

__all__ = [
    "EMBEDDERS",
    "MATCHINGS",
    "MODES",
    "SCHEDULES",
    "ConfigError",
    "ConjecturerSettings",
    "HeldOutSettings",
    "Mode",
    "ProverSettings",
    "RaySettings",
    "RunDir",
    "SelfPlay",
    "SelfPlayConfig",
    "Stage1Settings",
    "TargetSettings",
    "TrainDataSettings",
    "UnknownRule",
    "load_config",
    "parse_overrides",
    "run_selfplay",
]
