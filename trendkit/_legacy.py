"""Import paths from before the ingest/geo/models/synthetic layout, kept so notebooks keep working.

``import trendkit.loader`` (and the other names in :data:`MOVED`) gives the module at its new
path. The modules are already imported by ``import trendkit``, so the aliases cost nothing.
``trendkit.trends`` and ``trendkit.displacement`` are real re-export modules instead, because
their contents now come from several modules.
"""

from __future__ import annotations

import importlib
import sys

__all__ = ["MOVED", "register"]

#: old module path -> new module path
MOVED = {
    "trendkit.readers": "trendkit.ingest.readers",
    "trendkit.headers": "trendkit.ingest.headers",
    "trendkit.parse": "trendkit.ingest.parse",
    "trendkit.vocab": "trendkit.ingest.vocab",
    "trendkit.loader": "trendkit.ingest.loader",
    "trendkit.places": "trendkit.geo.provinces",
    "trendkit.shapes": "trendkit.geo.shapes",
    "trendkit.gazetteer": "trendkit.geo.gazetteer",
    "trendkit.scenario": "trendkit.synthetic.scenario",
    "trendkit.synth": "trendkit.synthetic.generate",
    "trendkit.measures": "trendkit.models.measures",
}


def register() -> None:
    """Make each old path name the module at its new path (never replacing a module already there),
    as an import path and as an attribute of the package (``tk.gazetteer.KINDS``); ``tk.places``
    stays the function it always was."""
    package = sys.modules["trendkit"]
    for old, new in MOVED.items():
        module = sys.modules.setdefault(old, importlib.import_module(new))
        short = old.rpartition(".")[2]
        if not hasattr(package, short):
            setattr(package, short, module)
