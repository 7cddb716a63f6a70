"""SYNTHETIC scenarios: what the monthly case counts would be, with every planted shift explicit.

A :class:`Scenario` says how many cases a year the country sees, how they split over
provinces and channels, how strong the pre-Tết peak is, and which enforcement events happen:

- a :class:`Campaign` cuts its target provinces' cases by a stated fraction from a month on,
  and a stated share of the removed cases reappears in named absorber provinces (the
  displacement the field looks for) — the rest is deterred;
- a :class:`ChannelShift` moves a stated share of one channel's cases (road) to other channels
  (sea, air, post), landing in the hub provinces of those channels;
- a :class:`Shock` moves every province at once (a pandemic closure): not a campaign, and the
  comparisons must not mistake it for one.

:meth:`Scenario.expected` gives the expected monthly count of every province × channel, with
and without the events, so that models can be checked against the truth; :mod:`trendkit.synthetic.generate`
draws case records from it. Provinces are in the legacy (63) layout, which is what the events
are stated in; :func:`trendkit.provinces` maps them to the 2025 layout.

Examples
--------
>>> sc = default_scenario()
>>> exp = sc.expected()
>>> qn_ls = exp.filter(pl.col("province").is_in(["Quảng Ninh", "Lạng Sơn"]))
>>> by_month = qn_ls.group_by("month").agg(pl.col("baseline", "expected").sum())
>>> row = by_month.filter(pl.col("month") == dt.date(2023, 7, 1)).row(0, named=True)
>>> round(1 - row["expected"] / row["baseline"], 2)  # the campaign's planted 40% cut
0.4
>>> null = sc.without_events().expected()
>>> bool((null["expected"] == null["baseline"]).all())
True
"""

from __future__ import annotations

import dataclasses
import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import polars as pl

from trendkit.geo.provinces import provinces, resolve_province
from trendkit.ingest.vocab import CHANNEL_VALUES
from trendkit.months import add_months, parse_month
from trendkit.tet import DEFAULT_WINDOW_DAYS, tet_window_share

__all__ = [
    "DEFAULT_PROFILES",
    "Campaign",
    "ChannelShift",
    "ProvinceProfile",
    "Scenario",
    "Shock",
    "default_scenario",
]

#: Channels a scenario can use: every canonical channel except "unknown".
CHANNELS = tuple(c for c in CHANNEL_VALUES if c != "unknown")


def _frozen(mapping: Mapping[str, float]) -> Mapping[str, float]:
    return MappingProxyType(dict(mapping))


def _legacy(name: str) -> str:
    match = resolve_province(name)
    if match.legacy is None:
        raise ValueError(f"{name!r} is not one of the 63 legacy provinces; scenarios are stated in that layout")
    return match.legacy


@dataclass(frozen=True)
class ProvinceProfile:
    """A province's share of national cases and how its cases split over channels."""

    province: str
    weight: float
    channels: Mapping[str, float]

    def __post_init__(self) -> None:
        object.__setattr__(self, "province", _legacy(self.province))
        object.__setattr__(self, "channels", _frozen(self.channels))
        unknown = set(self.channels) - set(CHANNELS)
        if unknown:
            raise ValueError(f"{self.province}: unknown channels {sorted(unknown)}; expected {CHANNELS}")
        if abs(sum(self.channels.values()) - 1) > 1e-9:
            raise ValueError(f"{self.province}: channel shares sum to {sum(self.channels.values())}, not 1")


@dataclass(frozen=True)
class Campaign:
    """An enforcement campaign on ``targets`` from ``start`` (YYYY-MM).

    From that month on the targets' expected cases (in ``channels``, default all) fall by
    ``reduction``; of the cases removed, ``absorbers[p]`` reappear in province ``p`` on
    ``channel``. Whatever the absorber shares leave (1 − their sum) is deterred.
    """

    name: str
    targets: tuple[str, ...]
    start: str
    reduction: float
    absorbers: Mapping[str, float] = field(default_factory=dict)
    channel: str = "road"
    channels: tuple[str, ...] | None = None
    #: provinces whose cases fall by this fraction too from ``start`` (diffusion of benefits)
    diffusion: Mapping[str, float] = field(default_factory=dict)

    def __post_init__(self) -> None:
        parse_month(self.start)
        object.__setattr__(self, "targets", tuple(_legacy(t) for t in self.targets))
        object.__setattr__(self, "absorbers", _frozen({_legacy(k): v for k, v in self.absorbers.items()}))
        object.__setattr__(self, "diffusion", _frozen({_legacy(k): v for k, v in self.diffusion.items()}))
        if set(self.diffusion) & (set(self.targets) | set(self.absorbers)):
            raise ValueError(f"{self.name}: a diffusion province cannot be a target or an absorber")
        if any(not 0 <= v <= 1 for v in self.diffusion.values()):
            raise ValueError(f"{self.name}: diffusion fractions must be between 0 and 1")
        if not 0 <= self.reduction <= 1:
            raise ValueError(f"{self.name}: reduction must be between 0 and 1, not {self.reduction}")
        if sum(self.absorbers.values()) > 1 + 1e-9 or min(self.absorbers.values(), default=0) < 0:
            raise ValueError(f"{self.name}: absorber shares must be ≥ 0 and sum to at most 1")
        if set(self.targets) & set(self.absorbers):
            raise ValueError(f"{self.name}: a province cannot be both target and absorber")


@dataclass(frozen=True)
class ChannelShift:
    """From ``start`` (YYYY-MM), ``share`` of ``from_channel`` cases move to other channels.

    ``to`` splits the moved cases over channels (shares sum to 1); ``receivers[channel]`` names
    the provinces they land in, in proportion to each one's baseline cases on that channel.
    ``provinces`` limits where the crackdown hits (default: everywhere).
    """

    name: str
    start: str
    share: float
    to: Mapping[str, float]
    receivers: Mapping[str, tuple[str, ...]]
    from_channel: str = "road"
    provinces: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        parse_month(self.start)
        object.__setattr__(self, "to", _frozen(self.to))
        object.__setattr__(
            self, "receivers", MappingProxyType({k: tuple(_legacy(p) for p in v) for k, v in self.receivers.items()})
        )
        if self.provinces is not None:
            object.__setattr__(self, "provinces", tuple(_legacy(p) for p in self.provinces))
        if not 0 <= self.share <= 1:
            raise ValueError(f"{self.name}: share must be between 0 and 1, not {self.share}")
        if abs(sum(self.to.values()) - 1) > 1e-9:
            raise ValueError(f"{self.name}: 'to' shares must sum to 1")
        missing = set(self.to) - set(self.receivers)
        if missing:
            raise ValueError(f"{self.name}: no receivers for {sorted(missing)}")


@dataclass(frozen=True)
class Shock:
    """Every province's expected cases × (1 + ``change``) for ``months`` months from ``start`` (YYYY-MM)."""

    name: str
    start: str
    months: int
    change: float

    def __post_init__(self) -> None:
        parse_month(self.start)
        if self.change <= -1 or self.months < 1:
            raise ValueError(f"{self.name}: change must be above −1 and months at least 1")


def _p(province: str, weight: float, **channels: float) -> ProvinceProfile:
    return ProvinceProfile(province, weight, channels)


#: Share of national cases and channel mix per province (legacy layout), set so that most cases
#: fall in the border provinces, the big seaports and the airports, and road carries ~58% of
#: cases (published: 9,430 of 15,966 customs cases in 2023 were on road).
DEFAULT_PROFILES: tuple[ProvinceProfile, ...] = (
    _p("Lạng Sơn", 13, road=0.9, rail=0.04, inland=0.06),
    _p("Quảng Ninh", 10, road=0.7, sea=0.22, air=0.02, inland=0.06),
    _p("Lào Cai", 6, road=0.85, rail=0.1, inland=0.05),
    _p("Cao Bằng", 3.5, road=0.94, inland=0.06),
    _p("Hà Giang", 2.5, road=0.94, inland=0.06),
    _p("Lai Châu", 1, road=0.94, inland=0.06),
    _p("Điện Biên", 1, road=0.9, inland=0.1),
    _p("Yên Bái", 0.6, inland=1.0),
    _p("Hải Phòng", 5.5, sea=0.88, air=0.04, inland=0.08),
    _p("Hà Nội", 5, air=0.5, post=0.4, inland=0.1),
    _p("TP. Hồ Chí Minh", 8.5, sea=0.42, air=0.25, post=0.28, inland=0.05),
    _p("Bà Rịa - Vũng Tàu", 2.5, sea=0.9, inland=0.1),
    _p("Đà Nẵng", 2.5, sea=0.5, air=0.4, inland=0.1),
    _p("Khánh Hòa", 1.5, sea=0.5, air=0.35, inland=0.15),
    _p("Nghệ An", 2.5, road=0.8, sea=0.1, inland=0.1),
    _p("Hà Tĩnh", 1.5, road=0.8, sea=0.12, inland=0.08),
    _p("Quảng Bình", 1, road=0.85, inland=0.15),
    _p("Quảng Trị", 2.5, road=0.9, inland=0.1),
    _p("Kon Tum", 0.6, road=0.9, inland=0.1),
    _p("Tây Ninh", 5, road=0.92, inland=0.08),
    _p("Bình Phước", 1.2, road=0.9, inland=0.1),
    _p("Long An", 2, road=0.8, inland=0.2),
    _p("An Giang", 5, road=0.75, sea=0.15, inland=0.1),
    _p("Kiên Giang", 3, road=0.35, sea=0.5, air=0.05, inland=0.1),
    _p("Thanh Hóa", 1, sea=0.3, inland=0.7),
    _p("Bắc Ninh", 0.8, inland=1.0),
    _p("Bình Dương", 1.2, post=0.3, inland=0.7),
    _p("Đồng Nai", 0.8, inland=1.0),
    _p("Cần Thơ", 0.6, air=0.2, inland=0.8),
    _p("Quảng Nam", 0.5, sea=0.4, inland=0.6),
    _p("Quảng Ngãi", 0.5, sea=0.5, inland=0.5),
    _p("Thừa Thiên Huế", 0.5, air=0.3, inland=0.7),
)


@dataclass(frozen=True)
class Scenario:
    """Everything that decides a SYNTHETIC case series. All parameters are explicit.

    Parameters
    ----------
    start, months
        First month (YYYY-MM) and number of months.
    cases_per_year
        Expected national cases in the first year (published: 15,000–19,000 a year).
    growth_per_year
        Trend: expected cases grow by this fraction a year.
    tet_uplift, tet_window_days
        Days in the ``tet_window_days`` before Tết carry ``1 + tet_uplift`` times the usual rate.
    dispersion
        Negative-binomial shape k of monthly counts (variance λ + λ²/k); None for Poisson.
    scale
        Multiplies every expected count (the committed sample uses 0.2 to stay small).
    profiles, campaigns, channel_shifts, shocks
        Where cases happen, and the planted events (shocks hit every province).
    seed
        Seed for drawing records from the scenario.
    """

    start: str = "2022-01"
    months: int = 48
    cases_per_year: float = 16_000
    growth_per_year: float = 0.03
    tet_uplift: float = 0.6
    tet_window_days: int = DEFAULT_WINDOW_DAYS
    dispersion: float | None = 25.0
    scale: float = 1.0
    profiles: tuple[ProvinceProfile, ...] = DEFAULT_PROFILES
    campaigns: tuple[Campaign, ...] = ()
    channel_shifts: tuple[ChannelShift, ...] = ()
    seed: int = 2022
    shocks: tuple[Shock, ...] = ()

    def __post_init__(self) -> None:
        parse_month(self.start)
        names = [p.province for p in self.profiles]
        if len(set(names)) != len(names):
            raise ValueError("each province may have one profile")
        for c in self.campaigns:
            for p in (*c.targets, *c.absorbers, *c.diffusion):
                if p not in names:
                    raise ValueError(f"{c.name}: {p} has no profile in this scenario")
        for s in self.channel_shifts:
            for ch, receivers in s.receivers.items():
                for p in receivers:
                    prof = next((x for x in self.profiles if x.province == p), None)
                    if prof is None or prof.channels.get(ch, 0) <= 0:
                        raise ValueError(f"{s.name}: receiver {p} has no baseline {ch} cases")

    @property
    def month_list(self) -> list[dt.date]:
        """Every month the scenario covers, in order."""
        first = parse_month(self.start)
        return [
            dt.date(first.year + (first.month - 1 + i) // 12, (first.month - 1 + i) % 12 + 1, 1)
            for i in range(self.months)
        ]

    def without_events(self) -> Scenario:
        """The same scenario with no campaigns, channel shifts or shocks: the null to test against."""
        return dataclasses.replace(self, campaigns=(), channel_shifts=(), shocks=())

    def replace(self, **changes: Any) -> Scenario:
        """A copy with some parameters changed (``dataclasses.replace``)."""
        return dataclasses.replace(self, **changes)

    def baseline(self) -> pl.DataFrame:
        """Expected monthly cases without events: month, province_legacy, channel, baseline."""
        months = pl.Series("month", self.month_list, dtype=pl.Date)
        tet = tet_window_share(months, self.tet_window_days)
        # the Tết peak is a redistribution within the year, not extra cases: normalise it away
        season = 1 + self.tet_uplift * tet
        season = season / (1 + self.tet_uplift * self.tet_window_days / 365.25)
        t = pl.Series(range(self.months), dtype=pl.Float64)
        trend = (1 + self.growth_per_year) ** (t / 12)
        time = pl.DataFrame({"month": months, "time_factor": season * trend})
        total = sum(p.weight for p in self.profiles)
        cells = pl.DataFrame(
            [(p.province, ch, p.weight / total * share) for p in self.profiles for ch, share in p.channels.items()],
            schema={"province_legacy": pl.String, "channel": pl.String, "weight": pl.Float64},
            orient="row",
        ).filter(pl.col("weight") > 0)
        per_month = self.cases_per_year * self.scale / 12
        return (
            time.join(cells, how="cross")
            .with_columns((pl.col("time_factor") * pl.col("weight") * per_month).alias("baseline"))
            .select("month", "province_legacy", "channel", "baseline")
            .sort("month", "province_legacy", "channel")
        )

    def expected(self) -> pl.DataFrame:
        """Expected monthly cases with the events applied.

        Columns: ``month``, ``province_legacy``, ``province`` (2025 layout), ``channel``,
        ``baseline`` (no events) and ``expected``. Campaigns apply first, then channel shifts
        (so a road crackdown also cuts the cases a campaign displaced onto road), then shocks.
        """
        frame = self.baseline().with_columns(pl.col("baseline").alias("expected"))
        for c in self.campaigns:
            frame = _apply_campaign(frame, c)
        for s in self.channel_shifts:
            frame = _apply_shift(frame, s)
        for k in self.shocks:
            first = parse_month(k.start)
            window = pl.col("month").is_between(first, add_months(first, k.months - 1))
            factor = pl.when(window).then(1 + k.change).otherwise(1.0)
            frame = frame.with_columns(pl.col("expected") * factor)
        to_2025 = provinces("legacy").select(
            pl.col("name").alias("province_legacy"), pl.col("name_2025").alias("province")
        )
        return frame.join(to_2025, on="province_legacy", how="left", maintain_order="left").select(
            "month", "province_legacy", "province", "channel", "baseline", "expected"
        )

    def to_dict(self) -> dict[str, Any]:
        """Every parameter, JSON-ready (for truth.json)."""

        def plain(x: Any) -> Any:
            if isinstance(x, Mapping):
                return {k: plain(v) for k, v in x.items()}
            if isinstance(x, tuple | list):
                return [plain(v) for v in x]
            if dataclasses.is_dataclass(x):
                return {f.name: plain(getattr(x, f.name)) for f in dataclasses.fields(x)}
            return x

        return plain(self)


def _apply_campaign(frame: pl.DataFrame, c: Campaign) -> pl.DataFrame:
    hit = (pl.col("month") >= parse_month(c.start)) & pl.col("province_legacy").is_in(c.targets)
    if c.channels is not None:
        hit = hit & pl.col("channel").is_in(c.channels)
    frame = frame.with_columns(pl.when(hit).then(pl.col("expected") * c.reduction).otherwise(0.0).alias("_removed"))
    removed = frame.group_by("month", maintain_order=True).agg(pl.col("_removed").sum().alias("_month_removed"))
    gain = pl.lit(0.0)
    for province, share in c.absorbers.items():
        gain = pl.when(pl.col("province_legacy") == province).then(share).otherwise(gain)
    spread = pl.lit(0.0)
    for province, fraction in c.diffusion.items():
        spread = pl.when(pl.col("province_legacy") == province).then(fraction).otherwise(spread)
    after = pl.col("month") >= parse_month(c.start)
    frame = frame.join(removed, on="month", how="left", maintain_order="left").with_columns(
        (
            pl.col("expected") * (1 - pl.when(after).then(spread).otherwise(0.0))
            - pl.col("_removed")
            + pl.when(pl.col("channel") == c.channel).then(gain * pl.col("_month_removed")).otherwise(0.0)
        ).alias("expected")
    )
    _check_absorbers_have_channel(frame, c)
    return frame.drop("_removed", "_month_removed")


def _check_absorbers_have_channel(frame: pl.DataFrame, c: Campaign) -> None:
    present = set(frame.filter(pl.col("channel") == c.channel)["province_legacy"])
    lacking = [p for p in c.absorbers if p not in present]
    if lacking:
        raise ValueError(f"{c.name}: absorbers {lacking} have no {c.channel} cases in their profile")


def _apply_shift(frame: pl.DataFrame, s: ChannelShift) -> pl.DataFrame:
    hit = (pl.col("month") >= parse_month(s.start)) & (pl.col("channel") == s.from_channel)
    if s.provinces is not None:
        hit = hit & pl.col("province_legacy").is_in(s.provinces)
    frame = frame.with_columns(pl.when(hit).then(pl.col("expected") * s.share).otherwise(0.0).alias("_moved"))
    moved = frame.group_by("month", maintain_order=True).agg(pl.col("_moved").sum().alias("_month_moved"))
    # each receiver's share of its channel's moved cases, from the baseline
    parts = []
    for channel, share in s.to.items():
        receivers = frame.filter(
            (pl.col("channel") == channel) & pl.col("province_legacy").is_in(s.receivers[channel])
        ).select(
            "month",
            "province_legacy",
            "channel",
            (share * pl.col("baseline") / pl.col("baseline").sum().over("month")).alias("_part"),
        )
        parts.append(receivers)
    part = pl.concat(parts)
    return (
        frame.join(moved, on="month", how="left", maintain_order="left")
        .join(part, on=["month", "province_legacy", "channel"], how="left", maintain_order="left")
        .with_columns(
            (pl.col("expected") - pl.col("_moved") + pl.col("_part").fill_null(0.0) * pl.col("_month_moved")).alias(
                "expected"
            )
        )
        .drop("_moved", "_month_moved", "_part")
    )


def default_scenario(**changes: Any) -> Scenario:
    """The scenario the bundled sample is drawn from (any parameter can be changed).

    2022-01 to 2025-12, about 16,000 cases a year growing 3% a year, with two planted events:

    1. **"Chiến dịch biên giới Quảng Ninh – Lạng Sơn"** from 2023-07: Quảng Ninh and Lạng Sơn
       lose 40% of their cases; of the cases removed, 50% reappear on road in Lào Cai, 10% in
       Cao Bằng and 10% in Hà Giang; 30% are deterred.
    2. **"Siết tuyến đường bộ"** from 2024-07: 50% of road cases everywhere move — 70% to sea
       (Hải Phòng, Quảng Ninh, TP. Hồ Chí Minh, Bà Rịa - Vũng Tàu, Đà Nẵng), 10% to air (Hà Nội,
       TP. Hồ Chí Minh, Đà Nẵng) and 20% to post (Hà Nội, TP. Hồ Chí Minh).

    Provinces with no road cases that receive nothing (Khánh Hòa, Thanh Hóa, Bắc Ninh, ...) do
    not change at all.
    """
    base = Scenario(
        campaigns=(
            Campaign(
                name="Chiến dịch biên giới Quảng Ninh – Lạng Sơn",
                targets=("Quảng Ninh", "Lạng Sơn"),
                start="2023-07",
                reduction=0.4,
                absorbers={"Lào Cai": 0.5, "Cao Bằng": 0.1, "Hà Giang": 0.1},
            ),
        ),
        channel_shifts=(
            ChannelShift(
                name="Siết tuyến đường bộ",
                start="2024-07",
                share=0.5,
                to={"sea": 0.7, "air": 0.1, "post": 0.2},
                receivers={
                    "sea": ("Hải Phòng", "Quảng Ninh", "TP. Hồ Chí Minh", "Bà Rịa - Vũng Tàu", "Đà Nẵng"),
                    "air": ("Hà Nội", "TP. Hồ Chí Minh", "Đà Nẵng"),
                    "post": ("Hà Nội", "TP. Hồ Chí Minh"),
                },
            ),
        ),
    )
    return dataclasses.replace(base, **changes)
