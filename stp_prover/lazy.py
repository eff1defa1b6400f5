"""Package exports loaded on first use (PEP 562): `import stp_prover` stays cheap, and registering a backend
(importing its package) loads none of its process-driving modules. Imports nothing of ours, so every layer may use it."""

from __future__ import annotations

import importlib
from typing import Any, Callable


def lazy_exports(package: str, exports: dict[str, str]) -> Callable[[str], Any]:
    """A module `__getattr__` that imports `exports[name]` (a module, absolute or relative to `package`) for `name`."""

    def __getattr__(name: str) -> Any:
        if name not in exports:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(exports[name], package), name)

    return __getattr__
