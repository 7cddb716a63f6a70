"""trendkit: where smuggling goes when enforcement pushes on it.

The flow, one subpackage a room: :mod:`trendkit.ingest` (extracts → cases) →
:mod:`trendkit.geo` (provinces, shapes, places) → :mod:`trendkit.panel` (cases → monthly panel) →
:mod:`trendkit.models` (trends, campaigns, breaks, forecasts, displacement) →
:mod:`trendkit.maps` and :mod:`trendkit.report`. :mod:`trendkit.synthetic` draws SYNTHETIC data
with known truth. Importing trendkit loads none of statsmodels, folium, geopandas or matplotlib.
"""

from __future__ import annotations

import sys
from importlib.metadata import PackageNotFoundError, version

from trendkit import maps, models
from trendkit._deprecated import MOVED, OldPathFinder, moved
from trendkit.errors import TrendkitInputError
from trendkit.geo.gazetteer import places, resolve_place
from trendkit.geo.provinces import crosswalk, provinces, resolve_province
from trendkit.geo.shapes import adjacency, archipelagos, neighbours, province_shapes
from trendkit.ingest.loader import LoadResult, load_cases
from trendkit.panel import panel
from trendkit.published import published_figures
from trendkit.summary import number_style, set_number_style
from trendkit.synthetic.generate import generate
from trendkit.synthetic.scenario import Campaign, ChannelShift, Scenario, Shock, default_scenario
from trendkit.tet import tet_date

try:
    __version__ = version("trendkit")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0+unknown"

__all__ = [
    "Campaign",
    "ChannelShift",
    "LoadResult",
    "Scenario",
    "Shock",
    "TrendkitInputError",
    "__version__",
    "adjacency",
    "archipelagos",
    "crosswalk",
    "default_scenario",
    "generate",
    "load_cases",
    "maps",
    "models",
    "neighbours",
    "number_style",
    "panel",
    "places",
    "province_shapes",
    "provinces",
    "published_figures",
    "resolve_place",
    "resolve_province",
    "set_number_style",
    "tet_date",
]


if not any(isinstance(f, OldPathFinder) for f in sys.meta_path):  # asked last, for the old names only
    sys.meta_path.append(OldPathFinder())


def __getattr__(name: str) -> object:
    """Old attribute paths (``tk.trends``, ``tk.loader`` …) warn and give the module at the new path."""
    if f"trendkit.{name}" in MOVED:
        return moved(f"trendkit.{name}")
    raise AttributeError(f"module 'trendkit' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(__all__)
