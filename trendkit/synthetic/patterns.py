"""The Director General's four patterns and a national shock, as SYNTHETIC scenarios with known truth.

Seed ``004`` describes where smuggling went when enforcement pushed: Quảng Ninh and Lạng Sơn →
Lào Cai; road → sea, air and post; North and South → the Centre; and, in the pandemic, trails
→ official gates. Each function returns a :class:`~trendkit.synthetic.scenario.Scenario` with the
pattern planted from July 2023 (30 months before, 12 after; negative-binomial size 15 in every
province × channel × month, the Tết peak and a 3% yearly trend), to be drawn with
:func:`~trendkit.synthetic.generate.draw_panel` — except :func:`place_kinds`, which draws the trails →
gates panel by place kind itself. ``tests/test_scenarios.py`` and ``tests/test_study.py`` check that
the comparison tools find each one over 20 seeds; ``benchmarks/bench_scenarios.py`` and
``benchmarks/study_questions.py`` print the rates.

>>> sc = lao_cai()
>>> [c.name for c in sc.campaigns], sc.campaigns[0].absorbers["Lào Cai"]
(['SYNTHETIC Quảng Ninh + Lạng Sơn → Lào Cai'], 0.5)
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import polars as pl

from trendkit.geo.provinces import provinces
from trendkit.geo.regions import MACRO_REGIONS
from trendkit.months import parse_month
from trendkit.synthetic.scenario import Campaign, ChannelShift, ProvinceProfile, Scenario, Shock, default_scenario

__all__ = [
    "START",
    "TARGETS",
    "base",
    "by_province",
    "diffusion",
    "four_channels",
    "lao_cai",
    "national_shock",
    "north_south",
    "place_kinds",
    "planted_effect",
]

START = "2023-07"
TARGETS = ("Quảng Ninh", "Lạng Sơn")


def base() -> Scenario:
    """The default profiles, no event: 2021-01 to 2024-06, NB size 15."""
    return default_scenario(campaigns=(), channel_shifts=(), dispersion=15, start="2021-01", months=42)


def national_shock(change: float = -0.5, months: int = 6) -> Scenario:
    """No campaign at all: every province × ``(1 + change)`` for ``months`` months from the start."""
    return base().replace(shocks=(Shock("SYNTHETIC pandemic closure", START, months, change),))


def lao_cai(reduction: float = 0.4) -> Scenario:
    """Quảng Ninh + Lạng Sơn lose ``reduction``; half reappears on road in Lào Cai (which borders
    neither), 10% each in Cao Bằng and Hà Giang; the rest is deterred."""
    return base().replace(
        campaigns=(
            Campaign("SYNTHETIC Quảng Ninh + Lạng Sơn → Lào Cai", TARGETS, START, reduction,
                     absorbers={"Lào Cai": 0.5, "Cao Bằng": 0.1, "Hà Giang": 0.1}),
        )
    )  # fmt: skip


def _legacy_in(region: str, scenario: Scenario) -> tuple[str, ...]:
    to_2025 = dict(provinces("legacy").select("name", "name_2025").iter_rows())
    return tuple(p.province for p in scenario.profiles if to_2025[p.province] in MACRO_REGIONS[region])


def north_south(reduction: float = 0.3) -> Scenario:
    """Every northern and southern province loses ``reduction``; half of it reappears on road in the
    Centre (Nghệ An, Hà Tĩnh, Quảng Trị, Quảng Bình, Kon Tum)."""
    b = base()
    return b.replace(
        campaigns=(
            Campaign("SYNTHETIC North + South → Centre", _legacy_in("Bắc", b) + _legacy_in("Nam", b), START, reduction,
                     absorbers={"Nghệ An": 0.15, "Hà Tĩnh": 0.1, "Quảng Trị": 0.15, "Quảng Bình": 0.05,
                                "Kon Tum": 0.05}),
        )
    )  # fmt: skip


def diffusion(reduction: float = 0.4, spread: float = 0.3) -> Scenario:
    """Quảng Ninh + Lạng Sơn lose ``reduction`` and their neighbours Cao Bằng, Hải Phòng and Bắc
    Ninh lose ``spread`` too: diffusion of benefits, nothing displaced."""
    return base().replace(
        campaigns=(
            Campaign("SYNTHETIC diffusion", TARGETS, START, reduction,
                     diffusion={"Cao Bằng": spread, "Hải Phòng": spread, "Bắc Ninh": spread}),
        )
    )  # fmt: skip


def four_channels(share: float = 0.4) -> Scenario:
    """Only road, sea, air and post exist; in Quảng Ninh and Lạng Sơn ``share`` of road cases move
    to sea (60%), air (10%) and post (30%) in the same two provinces."""
    profiles = (
        ProvinceProfile("Quảng Ninh", 10, {"road": 0.6, "sea": 0.25, "air": 0.05, "post": 0.1}),
        ProvinceProfile("Lạng Sơn", 13, {"road": 0.85, "post": 0.15}),
        ProvinceProfile("Lào Cai", 6, {"road": 0.9, "post": 0.1}),
        ProvinceProfile("Hải Phòng", 5.5, {"sea": 0.9, "air": 0.05, "post": 0.05}),
        ProvinceProfile("Hà Nội", 5, {"road": 0.1, "air": 0.5, "post": 0.4}),
        ProvinceProfile("TP. Hồ Chí Minh", 8.5, {"road": 0.05, "sea": 0.42, "air": 0.25, "post": 0.28}),
        ProvinceProfile("Tây Ninh", 5, {"road": 0.95, "post": 0.05}),
        ProvinceProfile("An Giang", 5, {"road": 0.8, "sea": 0.2}),
        ProvinceProfile("Đà Nẵng", 2.5, {"sea": 0.5, "air": 0.4, "post": 0.1}),
        ProvinceProfile("Nghệ An", 2.5, {"road": 0.9, "sea": 0.1}),
    )
    shift = ChannelShift("SYNTHETIC road crackdown", START, share=share, to={"sea": 0.6, "air": 0.1, "post": 0.3},
                         receivers={"sea": ("Quảng Ninh",), "air": ("Quảng Ninh",), "post": TARGETS},
                         provinces=TARGETS)  # fmt: skip
    return base().replace(profiles=profiles, channel_shifts=(shift,))


def by_province(panel: pl.DataFrame) -> pl.DataFrame:
    """A :func:`~trendkit.synthetic.generate.draw_panel` panel summed over channels: ``period``,
    ``province``, ``cases``, ``expected``, ``baseline``."""
    return panel.group_by("period", "province").agg(pl.col("cases", "expected", "baseline").sum())


def place_kinds(seed: int, moved: float = 0.5) -> pl.DataFrame:
    """SYNTHETIC counts by ``period`` × ``province`` × ``place_kind`` (trails → official gates): road
    cases split 45% informal crossings / 55% official gates, sea cases at seaports, air at airports,
    inland inland; from :data:`START` ``moved`` of the trail traffic goes to the gates (the pandemic
    pattern). Drawn from :func:`base` with negative-binomial size 15; ``expected`` and ``baseline`` as
    :func:`~trendkit.synthetic.generate.draw_panel` gives them.

    >>> p = place_kinds(0)
    >>> sorted(p["place_kind"].unique())
    ['airport', 'informal_crossing', 'inland', 'official_gate', 'seaport']
    """
    from trendkit.synthetic.generate import draw_panel

    rng = np.random.default_rng(seed)
    p = draw_panel(base(), seed)
    after = (p["period"] >= parse_month(START)).to_numpy()
    lam = p["expected"].to_numpy()
    kinds = [("informal_crossing", "road", 0.45, -moved), ("official_gate", "road", 0.55, moved * 0.45 / 0.55),
             ("seaport", "sea", 1.0, 0.0), ("airport", "air", 1.0, 0.0), ("inland", "inland", 1.0, 0.0)]  # fmt: skip
    frames = []
    for kind, channel, share, change in kinds:
        base_mu = lam * share * (p["channel"] == channel).to_numpy()
        mu = base_mu * np.where(after, 1 + change, 1.0)
        cases = rng.negative_binomial(15, 15 / (15 + mu + 1e-12)).astype(float)
        frames.append(p.select("period", "province").with_columns(
            place_kind=pl.lit(kind), cases=cases, expected=mu, baseline=base_mu))  # fmt: skip
    keys = ["period", "province", "place_kind"]
    return pl.concat(frames).group_by(keys).agg(pl.col("cases", "expected", "baseline").sum()).sort(keys)


def planted_effect(
    panel: pl.DataFrame, units: Sequence[str], start: str = START, *, column: str = "province",
    within: Sequence[str] | None = None,
) -> float:  # fmt: skip
    """The truth a measure should recover: expected − baseline cases in ``units`` (values of
    ``column``, only in the ``within`` provinces when given) from ``start`` (negative for a fall,
    positive for displaced cases), summed over the panel's months.

    >>> from trendkit.synthetic.generate import draw_panel
    >>> round(planted_effect(draw_panel(base(), 0), ["Lào Cai"]), 6)  # nothing planted
    0.0
    """
    post = panel.filter((pl.col("period") >= parse_month(start)) & pl.col(column).is_in(list(units)))
    if within is not None:
        post = post.filter(pl.col("province").is_in(list(within)))
    return float((post["expected"] - post["baseline"]).sum())
