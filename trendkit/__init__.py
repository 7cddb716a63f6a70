"""trendkit: where smuggling goes when enforcement pushes on it."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from trendkit import displacement, maps, trends
from trendkit.errors import TrendkitInputError
from trendkit.gazetteer import places, resolve_place
from trendkit.loader import LoadResult, load_cases
from trendkit.panel import panel
from trendkit.places import crosswalk, provinces, resolve_province
from trendkit.published import published_figures
from trendkit.scenario import Campaign, ChannelShift, Scenario, default_scenario
from trendkit.shapes import adjacency, archipelagos, neighbours, province_shapes
from trendkit.synth import generate
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
    "TrendkitInputError",
    "__version__",
    "adjacency",
    "archipelagos",
    "crosswalk",
    "default_scenario",
    "displacement",
    "generate",
    "load_cases",
    "maps",
    "neighbours",
    "panel",
    "places",
    "province_shapes",
    "provinces",
    "published_figures",
    "resolve_place",
    "resolve_province",
    "tet_date",
    "trends",
]
