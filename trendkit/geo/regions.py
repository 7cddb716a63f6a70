"""Regions above the province: the six socio-economic regions and North / Centre / South.

``region`` is the province table's socio-economic region (a merged 2025 province takes the
region of the member whose code it kept). ``macro_region`` is Bắc / Trung / Nam as the Director
General's "North and South → the Centre" uses it, in the 34-province layout (``MACRO_REGIONS``;
Lâm Đồng is counted with the Centre, with the Central Highlands, though some sources put it with
the South-East). A legacy province takes the macro-region of the 2025 province it merged into.

>>> import polars as pl
>>> with_regions(pl.DataFrame({"province": ["Lạng Sơn", "Huế", "Cà Mau"]}))["macro_region"].to_list()
['Bắc', 'Trung', 'Nam']
"""

from __future__ import annotations

from functools import cache

import polars as pl

from trendkit.geo.provinces import Layout, provinces

__all__ = ["MACRO_REGIONS", "REGION_COLUMNS", "regions_of", "with_regions"]

REGION_COLUMNS = ("region", "macro_region")

#: North / Centre / South of the 34 provinces (1 July 2025).
MACRO_REGIONS: dict[str, tuple[str, ...]] = {
    "Bắc": ("Hà Nội", "Cao Bằng", "Điện Biên", "Lai Châu", "Sơn La", "Lạng Sơn", "Quảng Ninh", "Tuyên Quang",
            "Lào Cai", "Thái Nguyên", "Bắc Ninh", "Phú Thọ", "Hải Phòng", "Hưng Yên", "Ninh Bình"),
    "Trung": ("Thanh Hóa", "Nghệ An", "Hà Tĩnh", "Quảng Trị", "Huế", "Đà Nẵng", "Quảng Ngãi", "Gia Lai", "Đắk Lắk",
              "Khánh Hòa", "Lâm Đồng"),
    "Nam": ("TP. Hồ Chí Minh", "Đồng Nai", "Tây Ninh", "Đồng Tháp", "Vĩnh Long", "An Giang", "Cần Thơ", "Cà Mau"),
}  # fmt: skip


def _table(layout: Layout) -> pl.DataFrame:
    macro = pl.DataFrame(
        [(name, m) for m, names in MACRO_REGIONS.items() for name in names],
        schema={"name_2025": pl.String, "macro_region": pl.String},
        orient="row",
    )
    table = provinces(layout)
    if layout == "2025":
        table = table.with_columns(pl.col("name").alias("name_2025"))
    return table.join(macro, on="name_2025", how="left").select(pl.col("name").alias("province"), *REGION_COLUMNS)


@cache
def regions_of(layout: Layout = "2025") -> dict[str, tuple[str | None, str | None]]:
    """Each province name in ``layout`` → its (``region``, ``macro_region``).

    >>> regions_of()["Lạng Sơn"]
    ('Trung du và miền núi phía Bắc', 'Bắc')
    """
    return {name: (region, macro) for name, region, macro in _table(layout).iter_rows()}


def with_regions(frame: pl.DataFrame, *, province: str = "province", layout: Layout = "2025") -> pl.DataFrame:
    """``frame`` with ``region`` and ``macro_region`` columns looked up from its ``province`` column
    (names in ``layout``); columns it already has are kept as they are."""
    wanted = [c for c in REGION_COLUMNS if c not in frame.columns]
    if not wanted:
        return frame
    table = _table(layout).rename({"province": "__province"}).select("__province", *wanted)
    keys = frame.select(pl.col(province).cast(pl.String).alias("__province"))
    looked = keys.join(table, on="__province", how="left", maintain_order="left").drop("__province")
    return frame.with_columns(looked.get_columns())
