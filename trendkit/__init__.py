"""trendkit: where smuggling goes when enforcement pushes on it."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from trendkit.errors import TrendkitInputError
from trendkit.gazetteer import places, resolve_place
from trendkit.loader import LoadResult, load_cases
from trendkit.panel import panel
from trendkit.places import crosswalk, provinces, resolve_province
from trendkit.shapes import adjacency, archipelagos, neighbours, province_shapes

try:
    __version__ = version("trendkit")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0+unknown"

__all__ = [
    "LoadResult",
    "TrendkitInputError",
    "__version__",
    "adjacency",
    "archipelagos",
    "crosswalk",
    "load_cases",
    "neighbours",
    "panel",
    "places",
    "province_shapes",
    "provinces",
    "resolve_place",
    "resolve_province",
]
