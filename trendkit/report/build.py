"""The scheduled trend report: load, model, map, and write a folder that is never half-written.

:func:`run_report` builds everything in a temporary folder beside ``out`` and swaps it into
place only when every file is written, so a crash, a kill or bad input leaves the previous
report untouched. Outputs are deterministic: the same inputs give the same files, apart from
the ``generated_at`` timestamp.

Output folder:

- ``index.html`` — the leader's page (see :mod:`trendkit.report.story`): the headline with its
  range, where activity went, alerts, embedded maps, technical details (Vietnamese with English);
- ``map_cases.html``, ``map_monthly.html`` and one ``map_displacement_<campaign>.html`` per
  campaign — offline HTML (see :mod:`trendkit.maps`), with ``.png`` copies for printing;
- ``chart_national.png`` — national monthly cases by channel;
- ``summary.json`` — inputs with SHA-256 hashes, row accounting, detected shifts, alerts;
- ``rejected.csv`` — every rejected row with its reason.
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import math
import os
import shutil
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from trendkit.errors import TrendkitInputError
from trendkit.export import write_csv
from trendkit.geo.provinces import GROUP_JOIN, group_members
from trendkit.ingest.loader import REJECTED_COLUMNS
from trendkit.ingest.readers import SheetChoice
from trendkit.months import add_months, parse_month
from trendkit.report.completeness import completeness
from trendkit.report.publish import lock, new_build, publish, refuse_unsafe_out
from trendkit.result import Result
from trendkit.summary import Summary, fmt_num, suppress

__all__ = ["CampaignSpec", "ReportResult", "alert_text", "parse_campaign", "render_index", "run_report"]

#: Breaks and anomalies within this many months of the last month are "new" and raise alerts.
RECENT_MONTHS = 3
#: Months of history each analysis needs (a report with fewer still shows counts, maps and data quality).
CHANGE_POINT_MONTHS, FORECAST_MONTHS = 6, 12 + 3
#: Prediction-interval level for anomalies; only the latest month's anomalies raise alerts (with ~30
#: series checked every month, 95% intervals would raise false alerts every run).
ANOMALY_LEVEL = 0.99


@dataclass(frozen=True)
class CampaignSpec:
    """A campaign to evaluate: a name, the target provinces and the start month."""

    name: str
    units: tuple[str, ...]
    start: str
    end: str | None = None


def parse_campaign(text: str) -> CampaignSpec:
    """``NAME:UNIT+UNIT:YYYY-MM[:YYYY-MM]`` → CampaignSpec (units separated by '+' or ',').

    The optional end month closes the window the campaign effect is estimated on (e.g. before
    a later, different event).

    >>> parse_campaign("QN-LS:Quảng Ninh+Lạng Sơn:2023-07")
    CampaignSpec(name='QN-LS', units=('Quảng Ninh', 'Lạng Sơn'), start='2023-07', end=None)
    >>> parse_campaign("QN-LS:Quảng Ninh+Lạng Sơn:2023-07:2024-06").end
    '2024-06'
    """
    parts = text.split(":")
    if len(parts) not in (3, 4) or not all(p.strip() for p in parts):
        raise TrendkitInputError(
            f"--campaign {text!r}: expected NAME:UNIT+UNIT:YYYY-MM, e.g. QN-LS:Quảng Ninh+Lạng Sơn:2023-07"
        )
    name, units, start, *end = (p.strip() for p in parts)
    for month in (start, *end):
        try:
            parse_month(month)
        except ValueError:
            raise TrendkitInputError(f"--campaign {text!r}: {month!r} is not a month YYYY-MM") from None
    units_t = tuple(u.strip() for u in units.replace(",", "+").split("+") if u.strip())
    return CampaignSpec(name, units_t, start, end[0] if end else None)


@dataclass(frozen=True, repr=False)
class ReportResult(Result):
    """Where the report is and what it found: ``content`` is summary.json as a dict."""

    out: Path
    content: dict[str, Any]

    @property
    def alerts(self) -> list[dict[str, Any]]:
        return self.content["alerts"]

    @property
    def new_alerts(self) -> list[dict[str, Any]]:
        """Alerts the previous report did not already raise."""
        return [a for a in self.alerts if a.get("new", True)]

    def to_frame(self) -> pl.DataFrame:
        """One row per alert: kind, province, month and its text."""
        rows = [{"kind": a["kind"], "province": a["province"], "month": a["month"], "text": alert_text(a)}
                for a in self.alerts]  # fmt: skip
        return pl.DataFrame(rows, schema={"kind": pl.String, "province": pl.String, "month": pl.String,
                                          "text": pl.String})  # fmt: skip

    def summary(self) -> Summary:
        rows = self.content["rows"]
        lines = [
            f"{self.out / 'index.html'}",
            f"{fmt_num(rows['in_report'], 0)} vụ / cases, {fmt_num(rows['rejected'], 0)} dòng bị loại / rows "
            f"rejected; {len(self.alerts)} cảnh báo / alert(s), {len(self.new_alerts)} mới / new",
        ]
        return Summary("Báo cáo / report", lines, self.to_frame())


def report_time(value: str | None = None) -> dt.datetime:
    """The report's timestamp: ``value`` (ISO 8601), else ``SOURCE_DATE_EPOCH`` (reproducible builds),
    else now — so a fixed time gives byte-identical reports.

    >>> report_time("2025-12-02T06:00:00+07:00").isoformat()
    '2025-12-02T06:00:00+07:00'
    >>> import os; os.environ["SOURCE_DATE_EPOCH"] = "0"; report_time().isoformat(); del os.environ["SOURCE_DATE_EPOCH"]
    '1970-01-01T00:00:00+00:00'
    """
    if value:
        try:
            stamp = dt.datetime.fromisoformat(value)
        except ValueError:
            raise TrendkitInputError(
                f"--now {value!r}: expected a date and time such as 2025-12-02T06:00:00+07:00"
            ) from None
        return stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return dt.datetime.fromtimestamp(int(epoch), dt.UTC)
        except ValueError:
            raise TrendkitInputError(f"SOURCE_DATE_EPOCH={epoch!r}: expected whole seconds since 1970") from None
    return dt.datetime.now(dt.UTC)


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as fh:
        for block in iter(lambda: fh.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _unique(name: str, used: set[str]) -> str:
    """``name``, or ``name_2``, ``name_3`` … when an earlier file of this report already has it.

    >>> used = set(); [_unique("map_QN_LS", used) for _ in range(3)]
    ['map_QN_LS', 'map_QN_LS_2', 'map_QN_LS_3']
    """
    candidate, k = name, 2
    while candidate in used:
        candidate, k = f"{name}_{k}", k + 1
    used.add(candidate)
    return candidate


def _slug(text: str) -> str:
    from trendkit.text import fold

    return "".join(c if c.isalnum() else "_" for c in fold(text)).strip("_") or "campaign"


def run_report(
    cases: Sequence[str | Path],
    out: str | Path,
    *,
    since: str | None = None,
    layout: str = "2025",
    campaigns: Sequence[CampaignSpec] = (),
    sheet: SheetChoice = None,
    columns: dict[str, str] | None = None,
    values: dict[str, dict[str, str]] | None = None,
    expected_units: Sequence[str] | None = None,
    keep: int = 24,
    progress: Callable[[str], None] = lambda _msg: None,
    now: dt.datetime | None = None,
) -> ReportResult:
    """Build the report for ``cases`` and publish it at ``out`` only when complete.

    ``out`` becomes a link to the newest report; the last ``keep`` reports stay beside it (see
    :mod:`trendkit.report.publish`). trendkit refuses an ``out`` it does not own. Months that not
    every unit has reported yet (:mod:`trendkit.report.completeness`; ``expected_units`` lists the
    provinces that must report) are held back from the models. With little history the report shows
    what it can and says which analyses need more months.

    Raises
    ------
    TrendkitInputError
        Unreadable inputs, unknown provinces in a campaign, too little data, an ``out`` that
        trendkit may not replace, or another run writing the same ``out``.
    """
    out = Path(out)
    now = now or report_time()
    inputs = [Path(c) for c in cases]
    _check_arguments(since, campaigns, layout)
    refuse_unsafe_out(out, inputs)
    out.parent.mkdir(parents=True, exist_ok=True)
    with lock(out):
        refuse_unsafe_out(out, inputs)  # again, now that no other run can change it
        build = new_build(out, now)
        previous = _previous_summary(out)
        try:
            summary = _build(
                inputs,
                build,
                since=since,
                layout=layout,
                campaigns=campaigns,
                sheet=sheet,
                columns=columns,
                values=values,
                expected_units=expected_units,
                progress=progress,
                now=now,
            )
            _mark_new(summary, previous)
            summary = _write_summary(summary, build)
            publish(build, out, keep=keep)
        except BaseException:
            shutil.rmtree(build, ignore_errors=True)
            raise
    return ReportResult(out, summary)


def _check_arguments(since: str | None, campaigns: Sequence[CampaignSpec], layout: str) -> None:
    """Arguments checked before any work: a month that is not a month, a campaign unit that is no province."""
    if since is not None:
        try:
            parse_month(since)
        except ValueError:
            raise TrendkitInputError(f"--since {since!r}: expected a month YYYY-MM, e.g. 2023-07") from None
    from trendkit.geo.provinces import province_name

    for c in campaigns:
        for unit in c.units:
            try:
                province_name(unit, layout)  # type: ignore[arg-type]
            except ValueError as exc:  # UnknownProvinceError too
                raise TrendkitInputError(f"--campaign {c.name!r}: {exc}") from None


def _build(
    cases: Sequence[str | Path],
    tmp: Path,
    *,
    since: str | None,
    layout: str,
    campaigns: Sequence[CampaignSpec],
    sheet: SheetChoice,
    columns: dict[str, str] | None,
    values: dict[str, dict[str, str]] | None,
    expected_units: Sequence[str] | None,
    progress: Callable[[str], None],
    now: dt.datetime,
) -> dict[str, Any]:
    """Load, model and write the maps and files of one report into ``tmp``; return its summary
    (written, with index.html, by :func:`_write_summary`)."""
    from trendkit.geo.provinces import province_name
    from trendkit.ingest.loader import load_cases
    from trendkit.maps import add_places, choropleth, displacement_map, monthly_map, save_map, static_choropleth
    from trendkit.models import (
        campaign_effect,
        change_points,
        channel_shift,
        comparative_effect,
        displacement_measures,
        displacement_scan,
        forecast,
        minimum_detectable,
        placebo_checks,
        series,
        synthetic_control,
    )
    from trendkit.panel import panel
    from trendkit.report import story

    paths = [Path(p) for p in cases]
    progress("đọc dữ liệu / loading extracts")
    res = load_cases(paths, sheet=sheet, columns=columns, values=values)
    data = res.cases
    # legacy layout: post-merger cases of merged provinces cannot be split, so they count in the merged group
    unit = "province" if layout == "2025" else "legacy_group"
    if since:
        data = data.filter(pl.col("detected_on") >= parse_month(since))
    data = data.filter(pl.col(unit).is_not_null())
    if data.height == 0:
        raise TrendkitInputError("no accepted cases" + (f" since {since}" if since else "") + "; nothing to report")
    # shared with the report: only what is needed to fix the row, never the row's other (personal) columns;
    # the full rejected table stays with `trendkit load --rejected`
    write_csv(res.rejected.select(REJECTED_COLUMNS), tmp / "rejected.csv")
    table, held = completeness(data, unit, expected_units)
    held_rows = data.filter(pl.col("detected_on") >= held[0]).height if held else 0
    if held:  # the latest month(s) are not fully reported yet: counted, shown, but kept out of the models
        data = data.filter(pl.col("detected_on") < held[0])
    cases_p = panel(data, by=(unit, "channel")).rename({unit: "province"})
    prov_p = panel(data, by=(unit,)).rename({unit: "province"})
    months = sorted(prov_p["period"].unique().to_list())
    first, last = months[0], months[-1]
    recent = add_months(last, -(RECENT_MONTHS - 1))
    limits = _limits(len(months), campaigns)
    merged = sorted(u for u in prov_p["province"].unique().to_list() if GROUP_JOIN in u)
    if merged:
        limits.append(
            "Sơ đồ tỉnh cũ: các vụ sau 01/07/2025 ở tỉnh đã sáp nhập không tách được theo tỉnh cũ, nên được tính "
            f"chung: {'; '.join(merged)} / legacy layout: cases after the 1 July 2025 merger cannot be split "
            "between the merged provinces, so these are counted (and mapped) as merged groups"
        )

    progress("điểm gãy / change points")
    shifts, alerts = [], []
    for province in sorted(prov_p["province"].unique().to_list()) if len(months) >= CHANGE_POINT_MONTHS else []:
        s = series(prov_p, province=province)
        if s["cases"].mean() < 2:
            continue
        cp = change_points(s)
        for row in cp.segments.filter(pl.col("change_pct").is_not_null()).iter_rows(named=True):
            item = {"province": province, "month": f"{row['start']:%Y-%m}", "change_pct": round(row["change_pct"], 4),
                    "range": [f"{row['start_low']:%Y-%m}", f"{row['start_high']:%Y-%m}"]}  # fmt: skip
            shifts.append(item)
            if row["start"] >= recent:
                alerts.append({"kind": "new_shift", **item})
    progress("dự báo / forecasts")
    anomalies = []
    provinces = ["all", *sorted(prov_p["province"].unique().to_list())] if len(months) >= FORECAST_MONTHS else []
    for province in provinces:
        s = series(prov_p) if province == "all" else series(prov_p, province=province)
        if s["cases"].mean() < 5:
            continue
        fc = forecast(s, holdout=RECENT_MONTHS, horizon=3, level=ANOMALY_LEVEL)
        for r in fc.anomalies.iter_rows(named=True):
            item = {"province": province, "month": f"{r['period']:%Y-%m}", "cases": suppress(r["cases"]),
                    "lower": round(r["lower"], 2), "upper": round(r["upper"], 2)}  # fmt: skip
            anomalies.append(item)
            if r["period"] == last:
                alerts.append({"kind": "anomaly", **item})

    mark = " — DỮ LIỆU MÔ PHỎNG / SYNTHETIC" if res.synthetic else ""  # from the inputs, not a flag to remember
    progress("chiến dịch / campaigns")
    campaign_out, maps, figures = [], [], []
    used: set[str] = set()
    for c in campaigns:
        try:
            targets = _units_of([province_name(u, layout) for u in c.units], prov_p["province"].unique().to_list())
        except ValueError as exc:
            raise TrendkitInputError(f"--campaign {c.name}: {exc}") from None
        start = parse_month(c.start)
        if start not in months or months.index(start) < 12 or months.index(start) > len(months) - 3:
            limits.append(
                f"Chiến dịch {c.name}: cần 12 tháng trước {c.start} và 3 tháng sau; dữ liệu {first:%m/%Y}–{last:%m/%Y} "
                f"/ campaign {c.name} needs 12 months before {c.start} and 3 after; the data cover "
                f"{first:%Y-%m} to {last:%Y-%m}"
            )
            continue
        after = min(12, len(months) - months.index(start))
        present = set(prov_p["province"].unique().to_list())
        absent = [t for t in targets if t not in present]
        if absent:
            raise TrendkitInputError(
                f"--campaign {c.name}: no cases for {', '.join(absent)} in the data; a campaign needs cases in "
                "its provinces before and after it starts"
            )
        try:
            eff = campaign_effect(series(prov_p, province=targets), c.start, end=c.end, panel=prov_p)
            scan = displacement_scan(cases_p, targets, c.start, after=after)
            top = scan.to_frame().filter(pl.col("significant") & (pl.col("direction") == "rise")).head(5)
            receivers = sorted(set(top["province"].to_list()))
            # one confidence level on the page: 95% everywhere; the scan's receivers are buffer, never control
            meas = displacement_measures(prov_p, targets, c.start, before=12, after=after, layout=layout, alpha=0.05,
                                         receivers=receivers)  # fmt: skip
            shift = channel_shift(cases_p, c.start, before=12, after=after)
        except ValueError as exc:  # the models' own checks on windows and units
            raise TrendkitInputError(f"--campaign {c.name}: {exc}") from None
        try:  # against provinces the campaign should not have touched: not targets, neighbours or receivers
            comp = comparative_effect(prov_p, targets, c.start, end=c.end, receivers=receivers, layout=layout)
            placebo = placebo_checks(prov_p, targets, c.start, end=c.end, receivers=receivers, layout=layout)
            synth = synthetic_control(prov_p, targets, c.start, end=c.end, receivers=receivers, layout=layout)
        except ValueError:  # no comparison province left in the data: the single-series sentence stays
            comp = placebo = synth = None
        mde = None if top.height else minimum_detectable(cases_p, targets, c.start, after=after)
        name = _unique(f"map_displacement_{_slug(c.name)}", used)  # "QN-LS" and "QN LS" both slug to QN_LS
        title = f"{c.name}: số vụ vượt dự kiến / excess cases{mark}"
        save_map(displacement_map(scan, layout=layout, title=title), tmp / f"{name}.html")
        excess = scan.to_frame().group_by("province").agg(pl.col("excess").sum().alias("value"))
        static_choropleth(excess, tmp / f"{name}.png", layout=layout, title=title, suppress_below=None)
        maps.append(f"{name}.html")
        figures.append({"png": f"{name}.png", "html": f"{name}.html", "caption": title})
        shock = story.national_shock(eff.shock, compared=comp is not None)
        headline = story.comparison_headline(comp) if comp else story.campaign_headline(eff, after)
        told = [*([shock] if shock else []), headline, *story.placebo(placebo), *story.where_it_went(scan, mde),
                story.buffer_claim(meas), story.channel_picture(shift)]  # fmt: skip
        per_month, pct, total = eff.change_per_month, eff.change_pct, meas.wdd.total
        campaign_out.append(
            {
                "name": c.name,
                "targets": targets,
                "start": c.start,
                "end": c.end,
                "change_per_month": [round(x, 3) for x in (per_month.estimate, per_month.low, per_month.high)],
                "change_pct": [round(x, 4) for x in (pct.estimate, pct.low, pct.high)],
                "wdq": None if meas.wdq.wdq is None else round(meas.wdq.wdq, 4),
                "wdd_total": [round(x, 3) for x in (total.estimate, total.ci_low, total.ci_high)],
                "groups": meas.groups.to_dict(),
                "shock": None
                if eff.shock is None or not eff.shock.detected
                else {
                    "months": eff.shock.span(),
                    "median_change": round(eff.shock.median_change, 4),
                    "share_moved": round(eff.shock.share_moved, 4),
                },
                "synthetic_control": None
                if synth is None
                else {
                    "change_pct": round(synth.change_pct, 4),
                    "rank": synth.rank,
                    "of": synth.placebos.height + 1,
                    "p_value": round(synth.p_value, 4),
                    "pre_rmspe": round(synth.pre_rmspe, 4),
                    "weights": {r["donor"]: round(r["weight"], 3) for r in synth.weights.iter_rows(named=True)},
                },
                "placebo": None
                if placebo is None
                else {
                    "rank_time": placebo.rank("time"),
                    "of_time": placebo.count("time") + 1,
                    "rank_space": placebo.rank("space"),
                    "of_space": placebo.count("space") + 1,
                },
                "comparison": None
                if comp is None
                else {
                    "change_pct": [
                        round(x, 4) for x in (comp.change_pct.estimate, comp.change_pct.low, comp.change_pct.high)
                    ],
                    "provinces": comp.comparison,
                    "left_out": {k: v for k, v in comp.excluded.items() if v},
                },
                "story": told,
                "minimum_detectable": None
                if mde is None
                else {
                    "drop_pct": round(mde.drop_pct, 4),
                    "displaced_median": round(float(mde.to_frame()["displaced"].median()), 1),
                },
                "receivers": [
                    {
                        "unit": r["unit"],
                        "excess": round(r["excess"], 2),
                        "excess_interval": [round(r["excess_low"], 2), round(r["excess_high"], 2)],
                        "q_value": float(f"{r['q_value']:.3g}"),
                    }
                    for r in top.iter_rows(named=True)
                ],
                "text": [str(eff.summary()).splitlines()[1], *str(scan.summary()).splitlines()[1:3]],
            }
        )

    progress("bản đồ / maps")
    totals = (
        prov_p.filter(pl.col("period") >= add_months(last, -11))
        .group_by("province")
        .agg(pl.col("cases").sum().cast(pl.Float64).alias("value"))
    )
    m = choropleth(totals, layout=layout, title=f"Số vụ 12 tháng gần nhất / cases, last 12 months{mark}",
                   period=f"{add_months(last, -11):%m/%Y}–{last:%m/%Y}")  # fmt: skip
    place_counts = data.filter(pl.col("place_id").is_not_null()).group_by("place_id").len("cases")
    add_places(m, place_counts)
    save_map(m, tmp / "map_cases.html")
    title = f"Số vụ 12 tháng gần nhất / cases, last 12 months{mark}"
    static_choropleth(totals, tmp / "map_cases.png", layout=layout, title=title)
    figures.insert(0, {"png": "map_cases.png", "html": "map_cases.html",
                       "caption": f"{title} ({add_months(last, -11):%m/%Y}–{last:%m/%Y})"})  # fmt: skip
    save_map(
        monthly_map(prov_p, layout=layout, title=f"Số vụ theo tháng / cases by month{mark}"), tmp / "map_monthly.html"
    )
    maps = ["map_cases.html", "map_monthly.html", *maps]
    _chart(cases_p, tmp / "chart_national.png", note="SYNTHETIC / mô phỏng" if res.synthetic else None)

    summary = {
        "generated_at": now.isoformat(timespec="seconds"),
        "synthetic": res.synthetic,
        "inputs": _inputs(res.read_files),
        "layout": layout,
        "since": since,
        "months": [f"{first:%Y-%m}", f"{last:%Y-%m}"],
        "rows": {
            "accepted": res.cases.height,
            "rejected": res.rejected.height,
            "skipped": res.skipped.height,
            "in_report": data.height,
            "held_back": held_rows,
        },
        "completeness": [{**r, "period": f"{r['period']:%Y-%m}"} for r in table.tail(12).iter_rows(named=True)],
        "held_back_months": [f"{m:%Y-%m}" for m in held],
        "limits": limits,
        "rejected_by_reason": dict(sorted(res.rejected.group_by("reason_code").len().iter_rows())),
        "sources": res.files.to_dicts(),
        "skipped_files": res.skipped_files.to_dicts(),
        "campaigns": campaign_out,
        "shifts": shifts,
        "anomalies": anomalies,
        "alerts": alerts,
        "maps": maps,
        "figures": figures,
    }
    return summary


def _units_of(names: Sequence[str], units: Sequence[str]) -> list[str]:
    """Each named province's unit in the panel: itself, or the merged legacy group that holds it."""
    holder = {m: u for u in units for m in group_members(u)}
    return list(dict.fromkeys(holder.get(n, n) for n in names))


def _limits(n_months: int, campaigns: Sequence[CampaignSpec]) -> list[str]:
    """One line per analysis that needs more months than the data have (Vietnamese / English)."""
    out = []
    for name_vi, name_en, need in (
        ("Điểm thay đổi", "change points", CHANGE_POINT_MONTHS),
        ("Dự báo và bất thường", "forecasts and anomalies", FORECAST_MONTHS),
    ):
        if n_months < need:
            out.append(
                f"{name_vi} cần ≥ {need} tháng, dữ liệu có {n_months} (còn {need - n_months}) / {name_en} need "
                f"{need} months; the data have {n_months} ({need - n_months} to go)"
            )
    return out


def _previous_summary(out: Path) -> dict[str, Any]:
    """The summary.json of the report now at ``out`` (trendkit's own), or {} for a first run."""
    try:
        return json.loads((out / "summary.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}


def _alert_key(a: dict[str, Any]) -> tuple[str, str, str]:
    return a["kind"], a["province"], a["month"]


def _mark_new(summary: dict[str, Any], previous: dict[str, Any]) -> None:
    """Mark each alert new or already reported (by the previous report)."""
    seen = {_alert_key(a) for a in previous.get("alerts", [])}
    for a in summary["alerts"]:
        a["new"] = _alert_key(a) not in seen
    summary["previous_report"] = previous.get("generated_at")


def _write_summary(summary: dict[str, Any], folder: Path) -> dict[str, Any]:
    """summary.json (strict JSON) and index.html, once, from the finished summary; returns what was written."""
    safe = _json_safe(summary)
    text = json.dumps(safe, ensure_ascii=False, indent=1, sort_keys=True, allow_nan=False)
    (folder / "summary.json").write_text(text + "\n", encoding="utf-8")
    (folder / "index.html").write_text(render_index(safe), encoding="utf-8")
    return safe


def _json_safe(value: Any) -> Any:
    """NaN and ±inf (an interval that cannot be computed) become null: summary.json is strict JSON.

    >>> _json_safe({"ci": [1.0, float("nan")], "x": (float("inf"),)})
    {'ci': [1.0, None], 'x': [None]}
    """
    if isinstance(value, float):
        return value if math.isfinite(value) else None
    if isinstance(value, dict):
        return {k: _json_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_json_safe(v) for v in value]
    return value


def _inputs(read_files: pl.DataFrame) -> list[dict[str, Any]]:
    """Each file the loader read, by the name its rows carry (relative, never a server path), with its
    SHA-256 — taken only when the file still has the size and time it had when it was read; a file
    changed since says so instead of carrying the hash of something the report never saw."""
    out = []
    for row in read_files.iter_rows(named=True):
        path = Path(os.fsdecode(row["path"]))
        entry: dict[str, Any] = {"file": row["file"], "sha256": None}
        try:
            if _stated(path) == (row["bytes"], row["modified_ns"]):
                digest = _sha256(path)
                if _stated(path) == (row["bytes"], row["modified_ns"]):
                    entry["sha256"] = digest
        except OSError:
            pass
        if entry["sha256"] is None:
            entry["note"] = "changed or removed while the report ran / tệp đã đổi trong khi chạy báo cáo"
        out.append(entry)
    return out


def _stated(path: Path) -> tuple[int, int]:
    st = path.stat()
    return st.st_size, st.st_mtime_ns


def _chart(cases_p: pl.DataFrame, path: Path, note: str | None = None) -> None:
    from matplotlib.figure import Figure  # no pyplot: a report run inside a notebook leaves its plots alone

    from trendkit.plots import finish

    national = cases_p.group_by("period", "channel").agg(pl.col("cases").sum()).sort("period")
    fig = Figure(figsize=(8, 3.5))
    ax = fig.subplots()
    for ch in sorted(national["channel"].cast(pl.String).unique().to_list()):
        s = national.filter(pl.col("channel").cast(pl.String) == ch)
        ax.plot(s["period"].to_list(), s["cases"].to_list(), label=ch)
    finish(fig, ax, "Số vụ theo phương thức / cases by channel", note=note)
    fig.savefig(path, dpi=110, bbox_inches="tight", metadata={"Software": None})


def render_index(summary: dict[str, Any]) -> str:
    """``index.html`` from the summary, through ``templates/index.html.j2`` (jinja2, autoescaping on).

    Data text is passed as template *values*, never as template source, so a campaign named
    ``{{7*7}}`` or ``<script>`` is shown as written.
    """
    return _templates().get_template("index.html.j2").render(s=summary)


@functools.cache
def _templates() -> Any:
    import jinja2

    env = jinja2.Environment(
        loader=jinja2.PackageLoader("trendkit.report", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )
    env.filters["num"] = fmt_num
    env.filters["alert_text"] = alert_text
    return env


def alert_text(a: dict[str, Any]) -> str:
    if a["kind"] == "new_shift":
        return f"Thay đổi mới / new shift: {a['province']} from {a['month']} ({fmt_num(100 * a['change_pct'])}%)"
    return (
        f"Bất thường / anomaly: {a['province']} {a['month']}: {_count(a['cases'])} vụ / cases, outside "
        f"{fmt_num(a['lower'], 1)}–{fmt_num(a['upper'], 1)}"
    )


def _count(n: float | str) -> str:
    return n if isinstance(n, str) else fmt_num(n, 0)
