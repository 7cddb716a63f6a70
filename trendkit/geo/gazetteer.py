"""Border gates, seaports and international airports: where goods cross, with their province.

The table (``trendkit/data/places.csv``) gives each place's province by name, not by
point-in-polygon: several gates lie 1–3 km outside the coarse shipped border. Every row has a
``source`` and a ``confidence`` (how far the coordinates may be off).

Examples
--------
>>> gates = places(kind="border_gate")
>>> gates.filter(pl.col("place_id") == "huu_nghi").select("name", "province_legacy", "province_2025").row(0)
('Hữu Nghị', 'Lạng Sơn', 'Lạng Sơn')
>>> resolve_place("CK quốc tế Hữu Nghị"), resolve_place("sân bay Nội Bài"), resolve_place("HAN")
('huu_nghi', 'noi_bai', 'noi_bai')
>>> resolve_place("bãi đất trống") is None
True
"""

from __future__ import annotations

import re
from functools import lru_cache
from importlib import resources
from typing import Literal

import polars as pl

from trendkit.geo.provinces import provinces, resolve_province
from trendkit.text import fold, strip_diacritics

__all__ = ["KINDS", "places", "resolve_place"]

Kind = Literal["border_gate", "seaport", "airport"]
KINDS: tuple[str, ...] = ("border_gate", "seaport", "airport")

_PREFIX = re.compile(
    r"^(?:(?:cua khau|ck)(?: quoc te| chinh| phu)?|ckqt|(?:cang hang khong|chk|san bay)(?: quoc te)?|chkqt|"
    r"cang bien|cang|ga(?: lien van quoc te| quoc te| duong sat)?|border gate|seaport|port|airport)\s+"
)


@lru_cache(maxsize=1)
def _places() -> pl.DataFrame:
    with resources.files("trendkit.data").joinpath("places.csv").open("rb") as fh:
        raw = pl.read_csv(fh, infer_schema=False)
    legacy = provinces("legacy").select(
        pl.col("name").alias("province_legacy"),
        pl.col("code").alias("province_legacy_code"),
        pl.col("name_2025").alias("province_2025"),
        "code_2025",
    )
    resolved = [resolve_province(p).legacy for p in raw["province"]]
    return (
        raw.with_columns(
            pl.Series("province_legacy", resolved, dtype=pl.String),
            pl.col("name").map_elements(strip_diacritics, return_dtype=pl.String).alias("name_ascii"),
            pl.col("lat", "lon").cast(pl.Float64),
        )
        .join(legacy, on="province_legacy", how="left", maintain_order="left")
        .select(
            "place_id",
            "name",
            "name_ascii",
            "name_en",
            "kind",
            "channel",
            "border_with",
            "province_legacy",
            "province_legacy_code",
            "province_2025",
            pl.col("code_2025").alias("province_2025_code"),
            "lat",
            "lon",
            "source",
            "confidence",
        )
    )


def places(kind: Kind | None = None) -> pl.DataFrame:
    """The gazetteer: one row per place.

    Columns: ``place_id``, ``name`` (Vietnamese, NFC), ``name_ascii``, ``name_en``, ``kind``
    (border_gate, seaport, airport), ``channel`` (road, rail, sea, air), ``border_with``
    (China, Laos, Cambodia; null for ports and airports), ``province_legacy`` and
    ``province_legacy_code``, ``province_2025`` and ``province_2025_code``, ``lat``, ``lon``
    (WGS84), ``source`` and ``confidence``.

    Parameters
    ----------
    kind
        Only places of this kind.

    >>> places().group_by("kind").len().sort("kind").rows()
    [('airport', 12), ('border_gate', 24), ('seaport', 7)]
    """
    table = _places()
    if kind is None:
        return table
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    return table.filter(pl.col("kind") == kind)


def _key(text: str) -> str:
    key = re.sub(r"[()]", " ", fold(text))
    key = re.sub(r"\s+", " ", key).strip()
    while (stripped := _PREFIX.sub("", key)) != key:
        key = stripped
    return key


@lru_cache(maxsize=1)
def _index() -> dict[str, str]:
    index: dict[str, str] = {}
    for row in _places().iter_rows(named=True):
        # "Nội Bài (HAN)" is also "Nội Bài" and "HAN"; "Móng Cái (cầu Bắc Luân)" is also "Móng Cái".
        spellings = [row["place_id"].replace("_", " "), row["name"], row["name_en"]]
        spellings += [name.split("(")[0] for name in (row["name"], row["name_en"])]
        spellings += re.findall(r"\(([A-Z]{3})\)", row["name"])
        for spelling in spellings:
            index.setdefault(_key(spelling), row["place_id"])
    return index


def resolve_place(text: str | None) -> str | None:
    """The ``place_id`` a free-text place names, or None when it names no known place.

    Matching ignores case, diacritics and prefixes such as "Cửa khẩu (quốc tế)", "CK",
    "Cảng", "Sân bay", "Cảng hàng không quốc tế"; IATA codes name their airports. Places are
    optional in case records, so an unknown place is not an error.
    """
    if text is None:
        return None
    return _index().get(_key(text))
