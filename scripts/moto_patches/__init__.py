"""Per-service additions to moto, one module per service (e.g. `ecs.py`), each with an `apply()`.

moto_server.py calls `apply_all()` before it starts the server. A module adds an operation moto
lacks or fixes one where moto and AWS disagree, with AWS's semantics, and says which in its
docstring; it fails loudly (sys.exit) if moto's internals moved.
"""

from __future__ import annotations

import importlib
import pkgutil


def apply_all() -> None:
    """Applies every module's patch, in name order."""
    for info in sorted(pkgutil.iter_modules(__path__), key=lambda m: m.name):
        importlib.import_module(f"{__name__}.{info.name}").apply()
