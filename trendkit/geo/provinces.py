"""Provinces in both layouts (63 until 30 June 2025, 34 from 1 July 2025) and the crosswalk.

This is the one place that knows province names: the loader, the panel and the maps all
resolve names here.

Examples
--------
>>> resolve_province("Tỉnh Lạng Sơn").name_2025
'Lạng Sơn'
>>> m = resolve_province("yen bai")
>>> (m.legacy, m.name_2025, m.code_2025)
('Yên Bái', 'Lào Cai', '15')
>>> resolve_province("TP.HCM").name_2025
'TP. Hồ Chí Minh'
>>> resolve_province("Lang Sonn")
Traceback (most recent call last):
...
trendkit.errors.UnknownProvinceError: unknown province 'Lang Sonn' — did you mean Lạng Sơn?
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Literal

import polars as pl

from trendkit.errors import UnknownProvinceError
from trendkit.text import fold, strip_diacritics

__all__ = [
    "GROUP_JOIN",
    "MERGER_DATE",
    "ProvinceMatch",
    "crosswalk",
    "group_members",
    "legacy_group",
    "legacy_members",
    "province_name",
    "provinces",
    "resolve_province",
    "with_legacy_groups",
]

Layout = Literal["2025", "legacy"]

#: The day the 34-province layout took effect (Resolution 202/2025/QH15).
MERGER_DATE = "2025-07-01"

_PREFIXES = re.compile(r"^(?:(?:(?:chi cuc|cuc) )?(?:hai quan|hq)(?: khu vuc)?|tinh|thanh pho|tp|t p)\s+")
#: A numbered regional customs branch (from 2025, "Chi cục Hải quan khu vực VII", "HQKV 7"): it covers
#: several provinces, so it names none.
_REGIONAL_BRANCH = re.compile(r"^(?:chi cuc |cc ?)?(?:hai quan|hq) ?(?:khu vuc|kv) ?(?:[ivxl]+|\d{1,2})$")


@dataclass(frozen=True)
class ProvinceMatch:
    """A resolved province.

    ``legacy`` is the 63-layout name when the spelling names one legacy province (None for
    a bare code); ``legacy_is_also_2025`` marks names such as "Lào Cai" that are also the
    name of a merged 2025 province, so a record after the merger may mean the larger unit.
    """

    legacy: str | None
    name_2025: str
    code_2025: str
    legacy_is_also_2025: bool = False


def _read(name: str) -> pl.DataFrame:
    with resources.files("trendkit.data").joinpath(name).open("rb") as fh:
        return pl.read_csv(fh, infer_schema=False)


@lru_cache(maxsize=1)
def _tables() -> tuple[pl.DataFrame, pl.DataFrame, pl.DataFrame]:
    legacy = _read("provinces_legacy.csv").with_columns(pl.col("coastal") == "true")
    new = _read("provinces_2025.csv")
    aliases = _read("province_aliases.csv")
    return legacy, new, aliases


def provinces(layout: Layout = "2025") -> pl.DataFrame:
    """The province table for ``layout``.

    Columns: ``code``, ``name`` (NFC), ``name_ascii``, ``name_en``, ``region``,
    ``land_border_with`` (``;``-separated countries or null), ``coastal``; the legacy table
    adds ``iso_3166_2`` and ``code_2025``/``name_2025``, the 2025 table adds ``members``
    (the legacy provinces merged into it).

    >>> provinces("legacy").height, provinces("2025").height
    (63, 34)
    """
    legacy, new, _ = _tables()
    legacy = legacy.join(
        new.select(pl.col("code").alias("code_2025"), pl.col("name").alias("name_2025")),
        on="code_2025",
        how="left",
    ).with_columns(pl.col("name").map_elements(strip_diacritics, return_dtype=pl.String).alias("name_ascii"))
    if layout == "legacy":
        return legacy.select(
            "code",
            "name",
            "name_ascii",
            "name_en",
            "iso_3166_2",
            "region",
            "land_border_with",
            "coastal",
            "code_2025",
            "name_2025",
        )
    if layout != "2025":
        raise ValueError(f"layout must be '2025' or 'legacy', not {layout!r}")
    # A merged province takes the region of the member whose code it kept.
    anchor = legacy.filter(pl.col("code") == pl.col("code_2025")).select("code_2025", "region")
    merged = legacy.group_by("code_2025").agg(
        pl.col("name").alias("members"),
        pl.col("land_border_with")
        .drop_nulls()
        .str.split(";")
        .list.explode(keep_nulls=False, empty_as_null=False)
        .unique()
        .sort()
        .alias("borders"),
        pl.col("coastal").any(),
    )
    return (
        new.join(merged, left_on="code", right_on="code_2025", how="left")
        .join(anchor, left_on="code", right_on="code_2025", how="left")
        .with_columns(
            pl.col("name").map_elements(strip_diacritics, return_dtype=pl.String).alias("name_ascii"),
            pl.when(pl.col("borders").list.len() > 0).then(pl.col("borders").list.join(";")).alias("land_border_with"),
        )
        .select(
            "code",
            "name",
            "name_ascii",
            "name_en",
            "region",
            "land_border_with",
            "coastal",
            "members",
        )
        .sort("code")
    )


def crosswalk() -> pl.DataFrame:
    """Legacy (63) -> 2025 (34): ``code_legacy``, ``name_legacy``, ``code_2025``, ``name_2025``.

    >>> crosswalk().filter(pl.col("name_legacy") == "Hà Giang")["name_2025"].item()
    'Tuyên Quang'
    """
    return provinces("legacy").select(
        pl.col("code").alias("code_legacy"),
        pl.col("name").alias("name_legacy"),
        "code_2025",
        "name_2025",
    )


def _key(text: str) -> str:
    key = fold(text)
    while True:
        stripped = _PREFIXES.sub("", key)
        if stripped == key:
            return key
        key = stripped


@lru_cache(maxsize=1)
def _index() -> tuple[dict[str, ProvinceMatch], dict[str, str]]:
    """Every accepted spelling (as a key) -> match, and key -> display name for hints."""
    legacy = provinces("legacy")
    new = provinces("2025")
    _, _, aliases = _tables()
    multi_member = {row["name"] for row in new.iter_rows(named=True) if len(row["members"]) > 1}
    by_legacy: dict[str, ProvinceMatch] = {}
    index: dict[str, ProvinceMatch] = {}
    display: dict[str, str] = {}

    def add(spelling: str, match: ProvinceMatch, shown: str) -> None:
        key = _key(spelling)
        index.setdefault(key, match)
        display.setdefault(key, shown)

    for row in legacy.iter_rows(named=True):
        match = ProvinceMatch(
            legacy=row["name"],
            name_2025=row["name_2025"],
            code_2025=row["code_2025"],
            legacy_is_also_2025=row["name"] == row["name_2025"] and row["name"] in multi_member,
        )
        by_legacy[row["name"]] = match
        for spelling in (row["name"], row["name_ascii"], row["name_en"], row["iso_3166_2"]):
            add(spelling, match, row["name"])
    for row in new.iter_rows(named=True):
        match = ProvinceMatch(
            legacy=row["members"][0] if len(row["members"]) == 1 else None,
            name_2025=row["name"],
            code_2025=row["code"],
        )
        for spelling in (row["name"], row["name_ascii"], row["name_en"], row["code"]):
            add(spelling, match, row["name"])
        index[_key(row["code"])] = ProvinceMatch(None, row["name"], row["code"])
        index[_key(row["code"].lstrip("0"))] = index[_key(row["code"])]
    for row in aliases.iter_rows(named=True):
        if row["layout"] == "legacy":
            add(row["alias"], by_legacy[row["name"]], row["name"])
        else:
            target = new.filter(pl.col("name") == row["name"]).row(0, named=True)
            add(row["alias"], ProvinceMatch(None, target["name"], target["code"]), target["name"])
    return index, display


def resolve_province(text: str) -> ProvinceMatch:
    """Resolve any spelling of a province to both layouts.

    Accepts names with or without diacritics, any case, "Tỉnh"/"TP."/"Thành phố"/"Cục Hải
    quan" prefixes, common abbreviations (TP.HCM, HCM, Sài Gòn, HN), English spellings, ISO
    3166-2 codes (legacy) and two-digit 2025 codes.

    Raises
    ------
    UnknownProvinceError
        With up to three close matches in the message.
    """
    index, display = _index()
    key = _key(text)
    if key in index:
        return index[key]
    if _REGIONAL_BRANCH.match(fold(text)):
        raise UnknownProvinceError(
            f"unknown province '{text}' — a regional customs branch (Chi cục Hải quan khu vực) covers several "
            "provinces; expected the province where the case was detected (when a unit's extract covers one "
            f"province, load_cases(values={{'province': {{'{text}': '<province>'}}}}) maps it)"
        )
    close = difflib.get_close_matches(key, list(display), n=3, cutoff=0.75)
    names = list(dict.fromkeys(display[k] for k in close))
    hint = f" — did you mean {', '.join(names)}?" if names else " — expected a Vietnamese province name"
    raise UnknownProvinceError(f"unknown province '{text}'{hint}")


def province_name(text: str, layout: Layout = "2025") -> str:
    """The canonical name of the province ``text`` names, in ``layout``.

    >>> province_name("yen bai"), province_name("yen bai", "legacy")
    ('Lào Cai', 'Yên Bái')

    Raises
    ------
    UnknownProvinceError
        ``text`` names no province.
    ValueError
        ``layout="legacy"`` with a name (or code) that only identifies a 2025 province.
    """
    match = resolve_province(text)
    if layout == "2025":
        return match.name_2025
    if layout != "legacy":
        raise ValueError(f"layout must be '2025' or 'legacy', not {layout!r}")
    if match.legacy is None:
        raise ValueError(f"'{text}' is a 2025 province ({match.name_2025}); name one of the 63 legacy provinces")
    return match.legacy


#: Joins the legacy provinces of a merged group: "Lào Cai + Yên Bái".
GROUP_JOIN = " + "


def legacy_members(name_2025: str) -> list[str]:
    """The legacy provinces a 2025 province was made of, the one that kept the name first.

    >>> legacy_members("Lào Cai"), legacy_members("Cao Bằng")
    (['Lào Cai', 'Yên Bái'], ['Cao Bằng'])
    """
    return list(_members().get(name_2025, ()))


@lru_cache(maxsize=1)
def _members() -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = {}
    for name, name_2025 in provinces("legacy").select("name", "name_2025").iter_rows():
        found.setdefault(name_2025, []).append(name)
    return {new: tuple(sorted(old, key=lambda n: (n != new, n))) for new, old in found.items()}


def legacy_group(name_2025: str) -> str:
    """The legacy-layout unit for all the cases of a merged 2025 province: its members joined.

    >>> legacy_group("Lào Cai"), legacy_group("Cao Bằng")
    ('Lào Cai + Yên Bái', 'Cao Bằng')
    """
    return GROUP_JOIN.join(legacy_members(name_2025))


def group_members(unit: str) -> list[str]:
    """The legacy provinces a unit of the legacy layout stands for: itself, or a merged group's members.

    >>> group_members("Lào Cai + Yên Bái"), group_members("Cao Bằng")
    (['Lào Cai', 'Yên Bái'], ['Cao Bằng'])
    """
    return unit.split(GROUP_JOIN)


def with_legacy_groups(cases: pl.DataFrame) -> pl.DataFrame:
    """``cases`` with a ``legacy_group`` column: the legacy-layout unit every case can be counted in.

    A case detected after the merger (1 July 2025) under a merged province's name ("Lào Cai")
    cannot be split between its legacy members (Lào Cai or Yên Bái), so its ``province_legacy``
    is null. Rather than drop those cases, every case of that 2025 province — before and after
    the merger, so the series stays comparable — is counted in the merged legacy group
    ("Lào Cai + Yên Bái"). Every other case keeps its legacy province.

    >>> import datetime as dt
    >>> c = pl.DataFrame({"province": ["Lào Cai", "Lào Cai", "Cao Bằng"],
    ...                   "province_legacy": ["Yên Bái", None, "Cao Bằng"]})
    >>> with_legacy_groups(c)["legacy_group"].to_list()
    ['Lào Cai + Yên Bái', 'Lào Cai + Yên Bái', 'Cao Bằng']
    """
    province, legacy = cases.get_column("province").cast(pl.String), cases.get_column("province_legacy")
    unsplit = set(province.filter(legacy.is_null() & province.is_not_null()).unique().to_list())
    if not unsplit:  # every case can be split: the legacy province itself, no copy
        return cases.with_columns(legacy.alias("legacy_group"))
    # one hash pass over the few distinct 2025 names, then a gather
    names = province.unique().drop_nulls().to_list()
    group = pl.Series([legacy_group(p) if p in unsplit else None for p in names], dtype=legacy.dtype)
    return cases.with_columns(
        group.gather(province.cast(pl.Enum(names)).to_physical()).fill_null(legacy).alias("legacy_group")
    )
