"""Province polygons for both layouts, their adjacency, and the Hoàng Sa and Trường Sa archipelagos.

The polygons ship inside the package (``trendkit/data/provinces_legacy.geojson``, built by
``scripts/build_shapes.py`` from Natural Earth, public domain), so maps work offline. The
34-province layout is the dissolve of the 63 by the crosswalk: Resolution 202/2025/QH15
merged whole provinces, so nothing is lost or invented.

Examples
--------
>>> shapes = province_shapes("2025")
>>> len(shapes), shapes.crs.to_epsg()
(34, 4326)
>>> neighbours("Tỉnh Lạng Sơn", layout="legacy")
['Bắc Giang', 'Bắc Kạn', 'Cao Bằng', 'Quảng Ninh', 'Thái Nguyên']
"""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING

import polars as pl

from trendkit.geo.provinces import Layout, province_name, provinces
from trendkit.text import fold

if TYPE_CHECKING:
    import geopandas as gpd

__all__ = ["adjacency", "archipelagos", "neighbours", "neighbours_of", "province_shapes"]

#: Shared borders shorter than this (km) do not make neighbours: a corner touch is not a route.
MIN_SHARED_BORDER_KM = 0.5

#: Legacy pairs that share a real border the simplified polygons reduce to a point (checked by hand).
#: The 2025 layout needs none: these pairs end up in merged provinces that share long borders.
MANUAL_LEGACY_NEIGHBOURS = (("04", "08"),)  # Cao Bằng - Tuyên Quang


def _check_layout(layout: str) -> None:
    if layout not in ("2025", "legacy"):
        raise ValueError(f"layout must be '2025' or 'legacy', not {layout!r}")


@lru_cache(maxsize=2)
def _shapes(layout: Layout) -> gpd.GeoDataFrame:
    """The 63 read from package data once; the 34 dissolved from them by the crosswalk."""
    import geopandas as gpd
    import shapely

    table = provinces(layout).sort("code")
    if layout == "legacy":
        with resources.as_file(resources.files("trendkit.data") / "provinces_legacy.geojson") as path:
            legacy = gpd.read_file(path).sort_values("code").reset_index(drop=True)
        assert legacy["code"].to_list() == table["code"].to_list(), "package geometry does not match the table"
        geometry = legacy.geometry.to_numpy()
    else:
        legacy = _shapes("legacy")
        geometry = [
            shapely.union_all(legacy.loc[legacy["code_2025"] == code, "geometry"].to_numpy()) for code in table["code"]
        ]
        table = table.with_columns(pl.col("members").list.join("; "))
    return gpd.GeoDataFrame({c: table[c].to_list() for c in table.columns}, geometry=geometry, crs="EPSG:4326")


def province_shapes(layout: Layout = "2025") -> gpd.GeoDataFrame:
    """Province polygons (EPSG:4326) with the columns of :func:`trendkit.provinces`.

    Simplified for web maps (about 400 m tolerance) as a coverage: neighbours share identical
    edges, with no gaps or slivers between them. The 2025 ``members`` list is joined with "; ".

    Parameters
    ----------
    layout
        ``"2025"`` (34 provinces, from 1 July 2025) or ``"legacy"`` (63 provinces).

    Examples
    --------
    >>> province_shapes("legacy").set_index("name").loc["Quảng Ninh", "iso_3166_2"]
    'VN-13'
    """
    _check_layout(layout)
    return _shapes(layout).copy()


@lru_cache(maxsize=2)
def _adjacency(layout: Layout) -> pl.DataFrame:
    import shapely
    from pyproj import Geod

    shapes = _shapes(layout)
    geoms = shapes.geometry.to_numpy()
    left, right = shapely.STRtree(geoms).query(geoms, predicate="touches")
    keep = left < right
    left, right = left[keep], right[keep]
    borders = shapely.intersection(shapely.boundary(geoms[left]), shapely.boundary(geoms[right]))
    geod = Geod(ellps="WGS84")
    km = [geod.geometry_length(b) / 1000 for b in borders]
    codes, names = shapes["code"].to_numpy(), shapes["name"].to_numpy()
    pairs = pl.DataFrame(
        {
            "code": codes[left].tolist(),
            "name": names[left].tolist(),
            "neighbour_code": codes[right].tolist(),
            "neighbour_name": names[right].tolist(),
            "shared_border_km": km,
        },
        schema_overrides={"shared_border_km": pl.Float64},
    ).filter(pl.col("shared_border_km") >= MIN_SHARED_BORDER_KM)
    pairs = pairs.with_columns(pl.lit("polygons").alias("source"))
    if layout == "legacy":
        name_of = dict(zip(codes.tolist(), names.tolist(), strict=True))
        manual = pl.DataFrame(
            [(a, name_of[a], b, name_of[b], None, "manual") for a, b in MANUAL_LEGACY_NEIGHBOURS],
            schema=pairs.schema,
            orient="row",
        )
        pairs = pl.concat([pairs.join(manual, on=["code", "neighbour_code"], how="anti"), manual])
    swapped = pairs.select(
        pl.col("neighbour_code").alias("code"),
        pl.col("neighbour_name").alias("name"),
        pl.col("code").alias("neighbour_code"),
        pl.col("name").alias("neighbour_name"),
        "shared_border_km",
        "source",
    )
    return pl.concat([pairs, swapped]).sort("code", "neighbour_code")


def adjacency(layout: Layout = "2025") -> pl.DataFrame:
    """Every pair of provinces that share a land border, in both directions.

    Columns: ``code``, ``name``, ``neighbour_code``, ``neighbour_name`` and
    ``shared_border_km`` (geodesic length on the simplified polygons) and ``source``
    ("polygons", or "manual" for :data:`MANUAL_LEGACY_NEIGHBOURS`, whose length is null).
    Provinces that only touch at a point, or share less than :data:`MIN_SHARED_BORDER_KM`,
    are not neighbours.

    >>> adj = adjacency("2025")
    >>> adj.filter(pl.col("name") == "Quảng Ninh")["neighbour_name"].sort().to_list()
    ['Bắc Ninh', 'Hải Phòng', 'Lạng Sơn']
    """
    _check_layout(layout)
    return _adjacency(layout)


def neighbours(province: str, layout: Layout = "2025") -> list[str]:
    """Names of the provinces that share a land border with ``province`` in ``layout``.

    ``province`` is any spelling :func:`trendkit.resolve_province` accepts. The displacement
    builders use this to choose buffer areas around a campaign's target provinces.

    Raises
    ------
    UnknownProvinceError
        The name is not a province.
    ValueError
        ``layout="legacy"`` with a name that only exists in the 2025 layout.

    >>> neighbours("Lào Cai")
    ['Lai Châu', 'Phú Thọ', 'Sơn La', 'Tuyên Quang']
    """
    _check_layout(layout)
    name = province_name(province, layout)
    found = _adjacency(layout).filter(pl.col("name") == name)["neighbour_name"].to_list()
    return sorted(found, key=fold)


def neighbours_of(provinces: Sequence[str], layout: Layout = "2025", units: Sequence[str] | None = None) -> list[str]:
    """The provinces that share a land border with any of ``provinces`` (canonical names), not
    counting those themselves: the buffer of a campaign, and what a comparison must leave out.

    ``units`` are the units of a panel, where a legacy-layout panel may hold merged groups
    ("Lào Cai + Yên Bái"): the neighbours are then the units that hold a neighbour.

    >>> neighbours_of(["Quảng Ninh", "Lạng Sơn"])
    ['Bắc Ninh', 'Cao Bằng', 'Hải Phòng', 'Thái Nguyên']
    >>> neighbours_of(["Hà Giang"], "legacy", units=["Hà Giang", "Lào Cai + Yên Bái", "Cao Bằng", "Tuyên Quang"])
    ['Cao Bằng', 'Lào Cai + Yên Bái', 'Tuyên Quang']
    """
    from trendkit.geo.provinces import group_members

    _check_layout(layout)
    members = [m for p in provinces for m in group_members(p)]
    found = set(_adjacency(layout).filter(pl.col("name").is_in(members))["neighbour_name"].to_list()) - set(members)
    if units is not None:
        holder = {m: u for u in units for m in group_members(u)}
        found = {holder[n] for n in found if n in holder} - set(provinces)
    return sorted(found, key=fold)


@lru_cache(maxsize=1)
def _archipelagos() -> gpd.GeoDataFrame:
    import geopandas as gpd
    import shapely

    with resources.files("trendkit.data").joinpath("archipelago_islands.csv").open("rb") as fh:
        islands = pl.read_csv(fh)
    rows = []
    for (name,), group in islands.group_by("archipelago", maintain_order=True):
        points = shapely.MultiPoint(list(zip(group["lon"], group["lat"], strict=True)))
        rows.append(
            {
                "name": f"Quần đảo {name}",
                "name_en": f"{name} ({'Paracel' if name == 'Hoàng Sa' else 'Spratly'}) archipelago",
                **_ARCHIPELAGO_PROVINCE[name],
                "islands": "; ".join(group["island"]),
                "label_lat": points.centroid.y,
                "label_lon": points.centroid.x,
                "geometry": points,
            }
        )
    return gpd.GeoDataFrame(rows, geometry="geometry", crs="EPSG:4326")


#: Which province administers each archipelago, in both layouts.
_ARCHIPELAGO_PROVINCE = {
    "Hoàng Sa": {"province_legacy": "Đà Nẵng", "province_2025": "Đà Nẵng", "code_2025": "48"},
    "Trường Sa": {"province_legacy": "Khánh Hòa", "province_2025": "Khánh Hòa", "code_2025": "56"},
}


def archipelagos() -> gpd.GeoDataFrame:
    """The Hoàng Sa (Paracel) and Trường Sa (Spratly) archipelagos, for national maps.

    Natural Earth's admin-1 layer leaves them out; Vietnamese readers expect every national
    map to show them, labelled, under Đà Nẵng and Khánh Hòa. One row per archipelago: the
    main islands as a MultiPoint (approximate positions, for display only), a label point,
    and the administering province in both layouts.

    >>> archipelagos()[["name", "province_2025"]].values.tolist()
    [['Quần đảo Hoàng Sa', 'Đà Nẵng'], ['Quần đảo Trường Sa', 'Khánh Hòa']]
    """
    return _archipelagos().copy()
