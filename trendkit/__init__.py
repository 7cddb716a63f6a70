"""trendkit: where smuggling goes when enforcement pushes on it."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from trendkit.errors import TrendkitInputError
from trendkit.loader import LoadResult, load_cases
from trendkit.panel import panel
from trendkit.places import crosswalk, provinces, resolve_province

try:
    __version__ = version("trendkit")
except PackageNotFoundError:  # pragma: no cover - running from a source tree without install
    __version__ = "0+unknown"

__all__ = [
    "LoadResult",
    "TrendkitInputError",
    "__version__",
    "crosswalk",
    "load_cases",
    "panel",
    "provinces",
    "resolve_province",
]
