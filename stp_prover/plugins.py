"""Plug-ins from outside this repository: a proof assistant, a search or a self-play rule that registers itself.

A plug-in is named either by an installed distribution's entry point in the group `stp_prover.plugins`
(`[project.entry-points."stp_prover.plugins"] mine = "my_pkg.stp:register"`) or by the environment variable
`STP_PLUGINS` (comma-separated `module` or `module:function`). Loading imports the module and, when the named object
is callable, calls it with no arguments; that is where it calls `register(...)` of the registry it extends. The
command-line entry points load plug-ins before they build their parsers, so a plug-in's names are valid choices."""

from __future__ import annotations

import importlib
import os
from importlib.metadata import entry_points

GROUP = "stp_prover.plugins"
ENV = "STP_PLUGINS"

_loaded: set[str] = set()


class PluginError(RuntimeError):
    """A plug-in that could not be imported or failed while registering; the message names it."""


def plugin_names() -> list[str]:
    """`module[:attr]` of every plug-in this process would load: entry points first, then `STP_PLUGINS`."""
    named = [ep.value for ep in entry_points(group=GROUP)]
    named += [item.strip() for item in os.environ.get(ENV, "").split(",") if item.strip()]
    return list(dict.fromkeys(named))


def load_plugins() -> list[str]:
    """Load every plug-in not loaded yet in this process; returns the names loaded now. Raises PluginError."""
    done = []
    for name in plugin_names():
        if name in _loaded:
            continue
        module_name, _, attr = name.partition(":")
        try:
            target = importlib.import_module(module_name)
            for part in filter(None, attr.split(".")):
                target = getattr(target, part)
            if attr and callable(target):
                target()
        except Exception as exc:  # a plug-in is someone else's code: say which one failed, and how
            raise PluginError(f"plug-in {name!r} ({ENV} or entry point {GROUP}): {type(exc).__name__}: {exc}") from exc
        _loaded.add(name)
        done.append(name)
    return done
