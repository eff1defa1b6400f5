"""Target schedules (`targets.schedule`, by default the mode's): which targets a round samples. `fn(ctx, r, names,
solved, rates, have_inputs)` gets every target's name, the names solved so far, each one's best pass rate and whether
the round has conjecture inputs, and returns the names to sample. A new one is one function under
`@SCHEDULES.register("name")`."""

from __future__ import annotations

from typing import TYPE_CHECKING, Callable, Iterable

from .. import stp
from .registry import Registry

if TYPE_CHECKING:
    from ..context import Context

Schedule = Callable[["Context", int, list[str], set[str], dict[str, float], bool], Iterable[str]]
SCHEDULES: Registry[Schedule] = Registry("target schedule")


@SCHEDULES.register("stp")
def stp_schedule(ctx: "Context", r: int, names, solved, rates, have_inputs) -> list[str]:
    """STP's Sampler: the unsolved targets, and solved ones again below pass rate 0.35 or one time in twenty; every
    target when there is no conjecture input (RL_utils.py:419-421, 456-461)."""
    return stp.targets_to_sample(names, solved, rates, ctx.rng(r), have_inputs)


@SCHEDULES.register("unsolved")
def unsolved_schedule(ctx: "Context", r: int, names, solved, rates, have_inputs) -> list[str]:
    """Expert iteration's Sampler_naive (RL_utils.py:561-563): the targets not solved yet."""
    return [n for n in names if n not in solved]
