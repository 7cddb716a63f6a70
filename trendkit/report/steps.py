"""The report's steps, in the order :func:`trendkit.report.build.run_report` runs them; each takes
typed inputs and returns its typed piece of ``summary.json`` (:mod:`trendkit.report.schema`).

1. :func:`load_and_hold_back` — read the extracts, keep the cases in the report's layout and
   window, hold back the months not every unit has reported yet;
2. :func:`shifts` and :func:`anomalies` — change points and forecast anomalies, and the alerts
   among them;
3. :func:`campaign_section` — one campaign: effect, comparisons, scan, measures, its map;
4. :func:`maps_and_figures` — the national maps and the chart.

A model that finds no comparison left raises :class:`~trendkit.errors.NoComparisonError`: that
one error is caught here and said on the page; every other error stops the report.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from trendkit.errors import NoComparisonError, TrendkitInputError
from trendkit.export import write_csv
from trendkit.geo.provinces import GROUP_JOIN, group_members
from trendkit.ingest.loader import REJECTED_COLUMNS, LoadResult
from trendkit.ingest.readers import SheetChoice
from trendkit.months import add_months, parse_month
from trendkit.panel import CUSTOMS, period_start
from trendkit.report.completeness import completeness, reported_units
from trendkit.report.schema import Alert, Anomaly, CampaignSection, Figure, Shift
from trendkit.report.seized import SeizedTables, seized_tables
from trendkit.summary import SUPPRESS_BELOW, suppress

__all__ = [
    "ANOMALY_LEVEL",
    "CHANGE_POINT_MONTHS",
    "CONFIDENCE",
    "FORECAST_MONTHS",
    "RECENT_MONTHS",
    "Loaded",
    "Options",
    "anomalies",
    "campaign_section",
    "limits",
    "load_and_hold_back",
    "maps_and_figures",
    "national_chart",
    "shifts",
]

#: Breaks and anomalies within this many months of the last month are "new" and raise alerts.
RECENT_MONTHS = 3
#: Months of history each analysis needs (a report with fewer still shows counts, maps and data quality).
CHANGE_POINT_MONTHS, FORECAST_MONTHS = 6, 12 + 3
#: Prediction-interval level for anomalies; only the latest month's anomalies raise alerts (with ~30
#: series checked every month, 95% intervals would raise false alerts every run).
ANOMALY_LEVEL = 0.99
#: The one confidence level of every other interval on the page.
CONFIDENCE = 0.95
#: How titles and pages name a customs month.
CUSTOMS_MONTHS = "tháng hải quan, 16 tháng trước → 15 / customs months, 16th to 15th"
#: Months before and after a campaign's start that its analysis needs.
BEFORE, AFTER_MIN = 12, 3


@dataclass(frozen=True)
class Options:
    """What the analyst asked the report for (besides the files and the folder)."""

    since: str | None = None
    layout: str = "2025"
    sheet: SheetChoice = None
    columns: dict[str, str] | None = None
    values: dict[str, dict[str, str]] | None = None
    expected_units: Sequence[str] | None = None
    #: "calendar" months, or "customs" months (16th to 15th, labelled by the month they report)
    month: str = "calendar"

    @property
    def freq(self) -> str:
        """The panels' period: ``"1mo"``, or ``"customs"``."""
        return CUSTOMS if self.month == "customs" else "1mo"


@dataclass(frozen=True)
class Loaded:
    """The cases in the report, their monthly panels, and what was held back."""

    res: LoadResult
    data: pl.DataFrame  # the cases the models see
    completeness: pl.DataFrame
    held: list[dt.date]  # months not every unit has reported yet
    held_rows: int
    cases_p: pl.DataFrame  # province × channel × month
    prov_p: pl.DataFrame  # province × month
    #: months with no cases at all between the first and the last (a gap between extracts): not in the
    #: panels, never counted as zero
    gaps: tuple[dt.date, ...] = ()
    #: the panels' period: calendar months ("1mo") or customs months ("customs")
    freq: str = "1mo"

    @property
    def months(self) -> list[dt.date]:
        """The months of the report, in order."""
        return sorted(self.prov_p["period"].unique().to_list())

    @property
    def provinces(self) -> list[str]:
        """The report's units (provinces, or legacy groups), in order."""
        return sorted(self.prov_p["province"].unique().to_list())

    def contiguous(self, s: pl.DataFrame) -> pl.DataFrame:
        """A series from the panels with the gap months back in, as null: for models that step month by month."""
        months = pl.DataFrame({"period": sorted([*self.months, *self.gaps])})
        return months.join(s, on="period", how="left")

    @functools.cached_property
    def late(self) -> list[dt.date]:
        """Recent months the whole country has not finished entering (:func:`~trendkit.models.late.late_tail`)."""
        from trendkit.models import late_tail

        return late_tail(self.prov_p).months

    @property
    def mark(self) -> str:
        """What every title says: that the data are SYNTHETIC (from the inputs, not a flag to remember),
        and that its months are customs months when they are."""
        synthetic = " — DỮ LIỆU MÔ PHỎNG / SYNTHETIC" if self.res.synthetic else ""
        return synthetic + (f" — {CUSTOMS_MONTHS}" if self.freq == CUSTOMS else "")


def load_and_hold_back(paths: Sequence[Path], tmp: Path, opts: Options) -> Loaded:
    """Step 1: the cases in the report, ``rejected.csv`` written, incomplete recent months held back."""
    from trendkit.ingest.loader import load_cases
    from trendkit.panel import panel

    res = load_cases(paths, sheet=opts.sheet, columns=opts.columns, values=opts.values)
    # legacy layout: post-merger cases of merged provinces cannot be split, so they count in the merged group
    unit = "province" if opts.layout == "2025" else "legacy_group"
    data = res.cases
    if opts.since:
        data = data.filter(pl.col("detected_on") >= period_start(parse_month(opts.since), opts.freq))
    data = data.filter(pl.col(unit).is_not_null())
    if data.height == 0:
        since = f" since {opts.since}" if opts.since else ""
        raise TrendkitInputError(f"không có vụ nào được chấp nhận / no accepted cases{since}; nothing to report")
    # shared with the report: only what is needed to fix the row, never the row's other (personal) columns;
    # the full rejected table stays with `trendkit load --rejected`
    write_csv(res.rejected.select(REJECTED_COLUMNS), tmp / "rejected.csv")
    table, held = completeness(data, unit, opts.expected_units, opts.freq)
    table, held = _hold_a_cut_period(table, held, data["detected_on"].max(), opts.freq)
    first_held = period_start(held[0], opts.freq) if held else None
    held_rows = data.filter(pl.col("detected_on") >= first_held).height if first_held else 0
    if first_held:  # the latest month(s) are not fully reported yet: counted, shown, but kept out of the models
        data = data.filter(pl.col("detected_on") < first_held)
    # a month with no cases at all, or an expected unit silent, is unreported (null), not zero
    reports = reported_units(data, table, unit, opts.freq)
    panels = (panel(data, by=by, reports=reports, freq=opts.freq) for by in ((unit, "channel"), (unit,)))
    cases_p, prov_p = (p.rename({unit: "province"}).drop("period_from", "period_to", strict=False) for p in panels)
    gaps = prov_p.group_by("period").agg(pl.col("reported").any()).filter(~pl.col("reported"))["period"].sort()
    cases_p, prov_p = (p.filter(~pl.col("period").is_in(gaps.implode())).drop("reported") for p in (cases_p, prov_p))
    return Loaded(res, data, table, held, held_rows, cases_p, prov_p, tuple(gaps.to_list()), opts.freq)


#: Days before a period's last day the extracts may end and the period still count as covered.
CUT_DAYS = 7


def _hold_a_cut_period(
    table: pl.DataFrame, held: list[dt.date], last_day: dt.date, freq: str
) -> tuple[pl.DataFrame, list[dt.date]]:
    """The last period held back too when the extracts end more than :data:`CUT_DAYS` before it does:
    calendar extracts ending on 31 December cover half of the customs month that runs to 15 January,
    which would read as a fall.

    >>> t = pl.DataFrame({"period": [dt.date(2025, 12, 1), dt.date(2026, 1, 1)], "complete": [True, True],
    ...                   "missing": ["", ""]})
    >>> table, held = _hold_a_cut_period(t, [], dt.date(2025, 12, 31), "customs")
    >>> held, table["missing"][-1]
    ([datetime.date(2026, 1, 1)], 'trích xuất dừng ở / the extracts end on 31/12/2025')
    >>> _hold_a_cut_period(t, [], dt.date(2026, 1, 14), "customs")[1]
    []
    """
    last = table["period"].max()
    if last is None or last in held or table.height < 2:
        return table, held
    end = dt.date(last.year, last.month, 15) if freq == CUSTOMS else add_months(last, 1) - dt.timedelta(days=1)
    if (end - last_day).days <= CUT_DAYS:
        return table, held
    cut = pl.col("period") == last
    note = f"trích xuất dừng ở / the extracts end on {last_day:%d/%m/%Y}"  # shown in the completeness table
    marked = table.with_columns(
        pl.when(cut).then(False).otherwise(pl.col("complete")).alias("complete"),
        pl.when(cut).then(pl.lit(note)).otherwise(pl.col("missing")).alias("missing"),
    )
    return marked, [*held, last]


def limits(loaded: Loaded, campaigns: Sequence[Any]) -> list[str]:
    """One line per analysis the months on hand cannot support, and the legacy layout's merged groups."""
    n = len(loaded.months)
    out = [
        f"{vi} cần ≥ {need} tháng, dữ liệu có {n} (còn {need - n}) / {en} need {need} months; the data have {n} "
        f"({need - n} to go)"
        for vi, en, need in (
            ("Điểm thay đổi", "change points", CHANGE_POINT_MONTHS),
            ("Dự báo và bất thường", "forecasts and anomalies", FORECAST_MONTHS),
        )
        if n < need
    ]
    out += _unreported(loaded)
    if loaded.late:
        span = f"{loaded.late[0]:%m/%Y}–{loaded.late[-1]:%m/%Y}"
        out.append(
            f"Tháng {span}: cả nước thấp hơn nhiều so với dự kiến, có vẻ chưa nhập đủ; chưa dùng để tìm điểm thay "
            f"đổi / {span}: the whole country is well below what its history predicts, as when cases are still "
            "being entered; change points leave these months out"
        )
    merged = [u for u in loaded.provinces if GROUP_JOIN in u]
    if merged:
        out.append(
            "Sơ đồ tỉnh cũ: các vụ sau 01/07/2025 ở tỉnh đã sáp nhập không tách được theo tỉnh cũ, nên được tính "
            f"chung: {'; '.join(merged)} / legacy layout: cases after the 1 July 2025 merger cannot be split "
            "between the merged provinces, so these are counted (and mapped) as merged groups"
        )
    return out


def _unreported(loaded: Loaded) -> list[str]:
    """The limits' lines for months without any cases and for units silent in some months."""

    def shown(months: Sequence[dt.date]) -> str:
        return ", ".join(f"{m:%m/%Y}" for m in months[:6]) + (" …" if len(months) > 6 else "")

    n, out = len(loaded.months), []
    if loaded.gaps:
        k = len(loaded.gaps)
        out.append(
            f"Không có số liệu {k} tháng ({shown(loaded.gaps)}): để trống, không tính là 0; các phân tích chỉ dùng "
            f"{n} tháng có số liệu / no cases at all in {k} month(s) ({shown(loaded.gaps)}): left as gaps, not "
            f"counted as zero; the analyses use the {n} months with data"
        )
    silent = loaded.prov_p.filter(pl.col("cases").is_null()).group_by("province").agg(pl.col("period").sort())
    for unit, months in sorted(silent.iter_rows()):
        out.append(
            f"{unit} không báo cáo {len(months)} tháng ({shown(months)}): để trống, không tính là 0, và không dùng "
            f"làm tỉnh so sánh / {unit} did not report {len(months)} month(s) ({shown(months)}): left out, not "
            "counted as zero, and not used as a comparison province"
        )
    return out


def shifts(loaded: Loaded) -> tuple[list[Shift], list[Alert]]:
    """Step 2a: change points of each province with enough cases; those in the recent months are alerts."""
    from trendkit.models import change_points, series

    found: list[Shift] = []
    alerts: list[Alert] = []
    if len(loaded.months) < CHANGE_POINT_MONTHS:
        return found, alerts
    recent = add_months(loaded.months[-1], -(RECENT_MONTHS - 1))
    for province in loaded.provinces:
        s = loaded.contiguous(series(loaded.prov_p, province=province))
        if s["cases"].mean() < 2:
            continue
        for row in (
            change_points(s, late=loaded.late).segments.filter(pl.col("change_pct").is_not_null()).iter_rows(named=True)
        ):
            item: Shift = {"province": province, "month": f"{row['start']:%Y-%m}",
                           "change_pct": round(row["change_pct"], 4),
                           "range": [f"{row['start_low']:%Y-%m}", f"{row['start_high']:%Y-%m}"]}  # fmt: skip
            found.append(item)
            if row["start"] >= recent:
                alerts.append({"kind": "new_shift", **item})  # type: ignore[typeddict-item]
    return found, alerts


def anomalies(loaded: Loaded) -> tuple[list[Anomaly], list[Alert]]:
    """Step 2b: months outside their forecast interval; those in the last month are alerts."""
    from trendkit.models import forecast, series

    found: list[Anomaly] = []
    alerts: list[Alert] = []
    if len(loaded.months) < FORECAST_MONTHS:
        return found, alerts
    last = loaded.months[-1]
    for province in ["all", *loaded.provinces]:
        s = series(loaded.prov_p) if province == "all" else series(loaded.prov_p, province=province)
        s = loaded.contiguous(s)
        if s["cases"].mean() < 5:
            continue
        fc = forecast(s, holdout=RECENT_MONTHS, horizon=3, level=ANOMALY_LEVEL)
        for r in fc.anomalies.iter_rows(named=True):
            item: Anomaly = {"province": province, "month": f"{r['period']:%Y-%m}", "cases": suppress(r["cases"]),
                             "lower": round(r["lower"], 2), "upper": round(r["upper"], 2)}  # fmt: skip
            found.append(item)
            if r["period"] == last:
                alerts.append({"kind": "anomaly", **item})  # type: ignore[typeddict-item]
    return found, alerts


def campaign_window(c: Any, loaded: Loaded) -> str | None:
    """Why the months on hand cannot support campaign ``c`` (a line for the page), or None: months
    before its first start, and months after its last (a staggered campaign's latest province)."""
    months, start = loaded.months, parse_month(c.start)
    last_start = max(map(parse_month, c.starts().values()))
    if start in months and BEFORE <= months.index(start) and last_start in months:
        if months.index(last_start) <= len(months) - AFTER_MIN:
            return None
    first, last = months[0], months[-1]
    return (
        f"Chiến dịch {c.name}: cần {BEFORE} tháng trước {c.start} và {AFTER_MIN} tháng sau {last_start:%Y-%m}; "
        f"dữ liệu {first:%m/%Y}–{last:%m/%Y} / campaign {c.name} needs {BEFORE} months before {c.start} and "
        f"{AFTER_MIN} after {last_start:%Y-%m}; the data cover {first:%Y-%m} to {last:%Y-%m}"
    )


def campaign_units(c: Any, loaded: Loaded, layout: str) -> tuple[list[str], dict[str, str]]:
    """The campaign's provinces as units of the panel (a merged legacy group where the layout needs
    it), and the month each started (a merged group starts with its first member); names resolved once."""
    held = _targets_of(c, loaded, layout)
    targets = list(dict.fromkeys(held))
    absent = [t for t in targets if t not in set(loaded.provinces)]
    if absent:
        raise TrendkitInputError(
            f"--campaign {c.name}: không có vụ nào ở {', '.join(absent)} / no cases for {', '.join(absent)} in the "
            "data; a campaign needs cases in its provinces before and after it starts"
        )
    starts: dict[str, str] = {}
    for target, start in zip(held, c.starts().values(), strict=True):
        starts[target] = min(starts.get(target, start), start)
    return targets, starts


def _targets_of(c: Any, loaded: Loaded, layout: str) -> list[str]:
    """For each of the campaign's units as given, the unit of the panel that holds it."""
    from trendkit.geo.provinces import province_name

    holder = {m: u for u in loaded.provinces for m in group_members(u)}
    try:
        names = [province_name(u, layout) for u in c.units]  # type: ignore[arg-type]
    except ValueError as exc:
        raise TrendkitInputError(f"--campaign {c.name}: không phân tích được / {exc}") from None
    return [holder.get(n, n) for n in names]


@dataclass(frozen=True)
class _Fitted:
    """Every model one campaign section reports; the comparisons are None when none is left."""

    eff: Any
    study: Any  # the displacement study: its scan, measures and (when nothing was found) minimum detectable
    top: pl.DataFrame
    shift: Any
    comp: Any
    placebo: Any
    synth: Any
    no_comparison: list[str]
    starts: dict[str, str]  # each target's start (differing: a staggered campaign)

    @property
    def scan(self) -> Any:
        """The study's displacement scan."""
        return self.study.scan

    @property
    def meas(self) -> Any:
        """The study's displacement measures."""
        return self.study.measures

    @property
    def mde(self) -> Any:
        """The smallest displacement the study could have seen, when it found none."""
        return self.study.minimum


def _fit_campaign(c: Any, targets: list[str], starts: dict[str, str], loaded: Loaded, layout: str) -> _Fitted:
    from trendkit.models import (
        campaign_effect,
        channel_shift,
        comparative_effect,
        displacement_study,
        placebo_checks,
        series,
        synthetic_control,
    )

    prov_p, cases_p = loaded.prov_p, loaded.cases_p
    after = min(12, len(loaded.months) - loaded.months.index(parse_month(c.start)))
    try:
        eff = campaign_effect(series(prov_p, province=targets), c.start, end=c.end, panel=prov_p)
        # shock, fall against the control, scan, buffer: one verdict (the scan's receivers are buffer, never control)
        study = displacement_study(cases_p, targets, c.start, before=BEFORE, after=after, layout=layout)
        shift = channel_shift(cases_p, c.start, before=BEFORE, after=after)
    except NoComparisonError:
        raise
    except ValueError as exc:  # the models' own checks on windows and units
        raise TrendkitInputError(f"--campaign {c.name}: không phân tích được / {exc}") from None
    if study.scan is None:
        raise TrendkitInputError(f"--campaign {c.name}: không quét được / {study.scan_skipped}")
    top = study.scan.rising().head(5)
    # against provinces the campaign should not have touched: not targets, neighbours or receivers
    kw = {"end": c.end, "receivers": study.receivers, "layout": layout}
    staggered = len(set(starts.values())) > 1  # each target from its own start, with a pre-trend check
    compared, missing = {}, []
    for key, model in (("comp", comparative_effect), ("placebo", placebo_checks), ("synth", synthetic_control)):
        try:
            compared[key] = model(prov_p, targets, starts if key == "comp" and staggered else c.start, **kw)
        except NoComparisonError as exc:  # said on the page; every other error stops the report
            compared[key], missing = None, [*missing, str(exc)]
    return _Fitted(eff, study, top, shift, compared["comp"], compared["placebo"], compared["synth"], missing,
                   starts)  # fmt: skip


def campaign_section(
    c: Any, loaded: Loaded, layout: str, tmp: Path, map_name: str
) -> tuple[CampaignSection, Figure, list[str]]:
    """Step 3: one campaign's section, its displacement map (``map_name``.html/.png) and the lines it
    adds to the page's limits (a comparison that could not be made)."""
    from trendkit.maps import displacement_map, save_map, static_choropleth
    from trendkit.report import story

    targets, starts = campaign_units(c, loaded, layout)
    f = _fit_campaign(c, targets, starts, loaded, layout)
    title = f"{c.name}: số vụ vượt dự kiến / excess cases{loaded.mark}"
    save_map(displacement_map(f.scan, layout=layout, title=title), tmp / f"{map_name}.html")
    excess = f.scan.to_frame().group_by("province").agg(pl.col("excess").sum().alias("value"))
    static_choropleth(excess, tmp / f"{map_name}.png", layout=layout, title=title, suppress_below=None,
                      period=f"{f.scan.after} tháng từ / months from {f.scan.start:%m/%Y}")  # fmt: skip
    after = min(12, len(loaded.months) - loaded.months.index(parse_month(c.start)))
    shock = story.national_shock(f.eff.shock, compared=f.comp is not None)
    headline = story.comparison_headline(f.comp) if f.comp else story.campaign_headline(f.eff, after)
    moved = story.where_it_went(f.scan, f.mde, verdict=f.study.verdict.key)
    said = (f.comp or f.eff).change_pct
    clear = not (said.low < 0 < said.high)  # the headline's own interval, which the placebo sentence reads
    told = [*([shock] if shock else []), headline, *story.placebo(f.placebo, clear=clear), *story.verdict(f.study),
            *moved, story.channel_picture(f.shift)]  # fmt: skip
    section = _section(c, targets, f, told)
    notes = [f"Chiến dịch {c.name}: chưa so sánh được / no comparison: {why}" for why in f.no_comparison]
    return section, {"png": f"{map_name}.png", "html": f"{map_name}.html", "caption": title}, notes


def _triple(iv: Any, digits: int) -> list[float]:
    return [round(x, digits) for x in (iv.estimate, iv.low, iv.high)]


def _section(c: Any, targets: list[str], f: _Fitted, told: list[Any]) -> CampaignSection:
    total = f.meas.wdd.total
    return {
        "name": c.name,
        "targets": targets,
        "start": c.start,
        "starts": f.starts,
        "end": c.end,
        "change_per_month": _triple(f.eff.change_per_month, 3),
        "change_pct": _triple(f.eff.change_pct, 4),
        "wdq": None if f.meas.wdq.wdq is None else round(f.meas.wdq.wdq, 4),
        "wdd_total": [round(x, 3) for x in (total.estimate, total.ci_low, total.ci_high)],
        "groups": f.meas.groups.to_dict(),
        "shock": _shock(f.eff.shock),
        "synthetic_control": _synthetic(f.synth),
        "placebo": None
        if f.placebo is None
        else {
            "rank_time": f.placebo.rank("time"),
            "of_time": f.placebo.count("time") + 1,
            "rank_space": f.placebo.rank("space"),
            "of_space": f.placebo.count("space") + 1,
        },
        "comparison": None
        if f.comp is None
        else {
            "change_pct": _triple(f.comp.change_pct, 4),
            "provinces": f.comp.comparison,
            "left_out": dict(f.comp.left_out()),
            # a staggered campaign: the event study's leads test the targets' trend before their starts
            "pretrend_p": getattr(f.comp, "pretrend_p", None),
        },
        "story": told,
        "minimum_detectable": None
        if f.mde is None
        else {
            "drop_pct": round(f.mde.drop_pct, 4),
            "displaced_median": round(float(f.mde.to_frame()["displaced"].median()), 1),
        },
        "receivers": [
            {
                "unit": r["unit"],
                "excess": round(r["excess"], 2),
                "excess_interval": [round(r["excess_low"], 2), round(r["excess_high"], 2)],
                "q_value": float(f"{r['q_value']:.3g}"),
            }
            for r in f.top.iter_rows(named=True)
        ],
        # the models' own first sentences, taken from their summaries' lines (never parsed from text)
        "text": [*f.eff.summary().lines[:1], *f.scan.summary().lines[:2]],
    }


def _shock(shock: Any) -> dict[str, Any] | None:
    if shock is None or not shock.detected:
        return None
    return {"months": shock.span(), "median_change": round(shock.median_change, 4),
            "share_moved": round(shock.share_moved, 4)}  # fmt: skip


def _synthetic(synth: Any) -> dict[str, Any] | None:
    if synth is None:
        return None
    return {
        "change_pct": round(synth.change_pct, 4),
        "rank": synth.rank,
        "of": synth.placebos.height + 1,
        "p_value": round(synth.p_value, 4),
        "pre_rmspe": round(synth.pre_rmspe, 4),
        "weights": {r["donor"]: round(r["weight"], 3) for r in synth.weights.iter_rows(named=True)},
    }


def maps_and_figures(loaded: Loaded, layout: str, tmp: Path) -> tuple[list[str], list[Figure]]:
    """Step 4: the cases map (last 12 months, with the places that had cases), the monthly map, the chart."""
    from trendkit.maps import add_places, choropleth, monthly_map, save_map, static_choropleth

    last = loaded.months[-1]
    first12 = add_months(last, -11)
    totals = (
        loaded.prov_p.filter(pl.col("period") >= first12)
        .group_by("province")
        .agg(pl.col("cases").sum().cast(pl.Float64).alias("value"))
    )
    title = f"Số vụ 12 tháng gần nhất / cases, last 12 months{loaded.mark}"
    period = f"{first12:%m/%Y}–{last:%m/%Y}{window_gaps(loaded, first12)}"
    m = choropleth(totals, layout=layout, title=title, period=period)
    add_places(m, loaded.data.filter(pl.col("place_id").is_not_null()).group_by("place_id").len("cases"))
    save_map(m, tmp / "map_cases.html")
    static_choropleth(totals, tmp / "map_cases.png", layout=layout, title=title, period=period)
    monthly = monthly_map(loaded.prov_p, layout=layout, title=f"Số vụ theo tháng / cases by month{loaded.mark}")
    save_map(monthly, tmp / "map_monthly.html")
    note = "SYNTHETIC / mô phỏng" if loaded.res.synthetic else None
    national_chart(loaded.cases_p, tmp / "chart_national.png", note=note, gaps=loaded.gaps)
    figure: Figure = {"png": "map_cases.png", "html": "map_cases.html", "caption": f"{title} ({period})"}
    return ["map_cases.html", "map_monthly.html"], [figure]


def seized(loaded: Loaded) -> SeizedTables:
    """Step 5: what was seized and what happened next, over the last twelve months with data."""
    last = loaded.months[-1]
    return seized_tables(loaded.data, [m for m in loaded.months if m >= add_months(last, -11)], loaded.freq)


def window_gaps(loaded: Loaded, first: dt.date) -> str:
    """What the totals from ``first`` on lack, for the map's period line: months with no cases at all
    and provinces silent in some months (their totals are over the months they reported), or ""."""
    window = loaded.prov_p.filter(pl.col("period") >= first)
    n = window["period"].n_unique()
    gaps = [f"{m:%m/%Y}" for m in loaded.gaps if m >= first]
    silent = (
        window.group_by("province")
        .agg(pl.col("cases").is_not_null().sum().alias("reported"))
        .filter(pl.col("reported") < n)
        .sort("province")
    )
    parts = [f"không có số liệu / no data {', '.join(gaps)}"] if gaps else []
    parts += [f"{r['province']} {r['reported']}/{n} tháng / months" for r in silent.iter_rows(named=True)]
    return f" — thiếu / incomplete: {'; '.join(parts)}" if parts else ""


def national_chart(cases_p: pl.DataFrame, path: Path, note: str | None = None, gaps: Sequence[dt.date] = ()) -> Any:
    """The national cases by channel, saved at ``path`` and returned: a month not every province
    reported is a gap in the line, not a dip; a month with 1–2 cases is not drawn (as maps hide
    it); channels named and coloured as on the maps, months as "04/2023"."""
    from matplotlib.figure import Figure  # no pyplot: a report run inside a notebook leaves its plots alone

    from trendkit.models.fitting import known_sum
    from trendkit.palette import CHANNEL_COLOURS, CHANNEL_LABELS, UNKNOWN_COLOUR
    from trendkit.plots import finish

    known = known_sum()  # a month some unit did not report is unknown, not low
    national = cases_p.group_by("period", "channel").agg(known)
    channels = national.select(pl.col("channel").unique())
    months = pl.DataFrame({"period": sorted({*national["period"].to_list(), *gaps})}, schema={"period": pl.Date})
    national = months.join(channels, how="cross").join(national, on=["period", "channel"], how="left").sort("period")
    fig = Figure(figsize=(8, 3.5))
    ax = fig.subplots()
    for ch in sorted(national["channel"].cast(pl.String).unique().to_list()):
        s = national.filter(pl.col("channel").cast(pl.String) == ch)
        small = pl.col("cases").is_between(0, SUPPRESS_BELOW, closed="none")  # 1–2: not drawn, as maps hide them
        shown = pl.when(small).then(None).otherwise("cases").cast(pl.Float64).alias("cases")
        y = s.select(shown)["cases"].fill_null(float("nan")).to_numpy()
        colour = CHANNEL_COLOURS.get(ch, UNKNOWN_COLOUR)
        ax.plot(s["period"].to_list(), y, label=CHANNEL_LABELS.get(ch, ch), color=colour)
    ax.text(1.0, -0.2, f"Tháng có 1–{SUPPRESS_BELOW - 1} vụ không vẽ / months with fewer than {SUPPRESS_BELOW} cases "
            "are not drawn", transform=ax.transAxes, ha="right", fontsize=7, color="#555")  # fmt: skip
    finish(fig, ax, "Số vụ theo phương thức / cases by channel", note=note)
    fig.savefig(path, dpi=110, bbox_inches="tight", metadata={"Software": None})
    return fig
