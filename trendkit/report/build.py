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
- ``rejected.csv`` — every rejected row with its reason;
- ``tables.xlsx`` — the report's tables, one sheet each (:mod:`trendkit.report.workbook`).
"""

from __future__ import annotations

import datetime as dt
import functools
import hashlib
import json
import math
import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import polars as pl

from trendkit.errors import TrendkitInputError
from trendkit.ingest.readers import SheetChoice
from trendkit.months import parse_month
from trendkit.report import steps
from trendkit.report.completeness import EXPECTED_MEAN, SILENT_MONTHS
from trendkit.report.publish import forget_build, lock, new_build, publish, refuse_unsafe_out
from trendkit.report.schema import ReportSummary
from trendkit.report.seized import seized_section
from trendkit.report.workbook import WORKBOOK, write_tables
from trendkit.result import Result
from trendkit.summary import SUPPRESS_BELOW, Summary, fmt_num
from trendkit.words import UNITS as UNIT_WORDS

__all__ = ["CampaignSpec", "ReportResult", "alert_text", "parse_campaign", "render_index", "run_report"]


@dataclass(frozen=True)
class CampaignSpec:
    """A campaign to evaluate: a name, the target provinces and the start month; ``own_starts`` gives
    the provinces that joined later their own start (a staggered campaign)."""

    name: str
    units: tuple[str, ...]
    start: str
    end: str | None = None
    own_starts: tuple[tuple[str, str], ...] = ()

    def starts(self) -> dict[str, str]:
        """Each unit as given and the month it started."""
        return {u: dict(self.own_starts).get(u, self.start) for u in self.units}


def parse_campaign(text: str) -> CampaignSpec:
    """``NAME:UNIT+UNIT:YYYY-MM[:YYYY-MM]`` → CampaignSpec (units separated by '+' or ',').

    The optional end month closes the window the campaign effect is estimated on (e.g. before
    a later, different event). A unit written ``UNIT@YYYY-MM`` started later than the campaign:
    each target is then measured from its own start (a staggered campaign).

    >>> parse_campaign("QN-LS:Quảng Ninh+Lạng Sơn:2023-07")
    CampaignSpec(name='QN-LS', units=('Quảng Ninh', 'Lạng Sơn'), start='2023-07', end=None, own_starts=())
    >>> parse_campaign("QN-LS:Quảng Ninh+Lạng Sơn:2023-07:2024-06").end
    '2024-06'
    >>> parse_campaign("QN-LS:Quảng Ninh+Lạng Sơn@2023-10:2023-07").starts()
    {'Quảng Ninh': '2023-07', 'Lạng Sơn': '2023-10'}
    """
    parts = text.split(":")
    if len(parts) not in (3, 4) or not all(p.strip() for p in parts):
        raise TrendkitInputError(
            f"--campaign {text!r}: sai định dạng / expected NAME:UNIT+UNIT:YYYY-MM, e.g. QN-LS:Quảng Ninh+Lạng "
            "Sơn:2023-07 "
            "(a province that started later: Lạng Sơn@2023-10)"
        )
    name, units, start, *end = (p.strip() for p in parts)
    written = [u.strip() for u in units.replace(",", "+").split("+") if u.strip()]
    own = tuple((u.split("@")[0].strip(), u.split("@", 1)[1].strip()) for u in written if "@" in u)
    for month in (start, *end, *(m for _, m in own)):
        try:
            parse_month(month)
        except ValueError:
            raise TrendkitInputError(
                f"--campaign {text!r}: không phải tháng / {month!r} is not a month YYYY-MM"
            ) from None
    early = [u for u, m in own if parse_month(m) < parse_month(start)]
    if early:
        raise TrendkitInputError(
            f"--campaign {text!r}: {', '.join(early)} cannot start before the campaign ({start}) / tỉnh không thể "
            "bắt đầu trước chiến dịch; give the "
            "campaign the first start and the provinces that joined later their own"
        )
    units_t = tuple(u.split("@")[0].strip() for u in written)
    return CampaignSpec(name, units_t, start, end[0] if end else None, own)


@dataclass(frozen=True, repr=False)
class ReportResult(Result):
    """Where the report is and what it found: ``content`` is summary.json as a dict."""

    out: Path
    content: dict[str, Any]

    @property
    def alerts(self) -> list[dict[str, Any]]:
        """Every alert of the report (recent shifts and anomalies)."""
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
        """What this result says, in plain words with its numbers (text and HTML: :class:`~trendkit.result.Result`)."""
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
                f"--now {value!r}: không phải ngày giờ / expected a date and time such as 2025-12-02T06:00:00+07:00"
            ) from None
        return stamp if stamp.tzinfo else stamp.replace(tzinfo=dt.UTC)
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        try:
            return dt.datetime.fromtimestamp(int(epoch), dt.UTC)
        except ValueError:
            raise TrendkitInputError(
                f"SOURCE_DATE_EPOCH={epoch!r}: không phải số giây / expected whole seconds since 1970"
            ) from None
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
    command: Sequence[str] | None = None,
    month: str = "calendar",
) -> ReportResult:
    """Build the report for ``cases`` and publish it at ``out`` only when complete.

    ``out`` becomes a link to the newest report; the last ``keep`` reports stay beside it (see
    :mod:`trendkit.report.publish`). trendkit refuses an ``out`` it does not own. Months that not
    every unit has reported yet (:mod:`trendkit.report.completeness`; ``expected_units`` lists the
    provinces that must report) are held back from the models. With little history the report shows
    what it can and says which analyses need more months. ``command``, the command line that asked for
    the report (the CLI passes it, less ``--out``), is stamped in summary.json and on the page.
    ``month="customs"`` counts customs months (16th to 15th, labelled by the month they report) instead
    of calendar months, and every title, the page and the workbook say so.

    Raises
    ------
    TrendkitInputError
        Unreadable inputs, unknown provinces in a campaign, too little data, an ``out`` that
        trendkit may not replace, or another run writing the same ``out``.
    """
    out = Path(out)
    now = now or report_time()
    inputs = [Path(c) for c in cases]
    _check_arguments(since, campaigns, layout, month)
    refuse_unsafe_out(out, inputs)
    out.parent.mkdir(parents=True, exist_ok=True)
    with lock(out):
        refuse_unsafe_out(out, inputs)  # again, now that no other run can change it
        build = new_build(out, now)
        previous = _previous_summary(out)
        try:
            opts = steps.Options(since, layout, sheet, columns, values, expected_units, month)
            summary = _build(inputs, build, opts=opts, campaigns=campaigns, progress=progress, now=now)
            summary["command"] = None if command is None else [str(part) for part in command]
            _mark_new(summary, previous)
            summary = _write_summary(summary, build)
            publish(build, out, keep=keep)
        except BaseException:
            forget_build(build)
            raise
    return ReportResult(out, summary)


def _campaigns(
    campaigns: Sequence[CampaignSpec], loaded: steps.Loaded, layout: str, tmp: Path, limits: list[str]
) -> tuple[list[Any], list[Any]]:
    """Step 3 for each campaign the months can support (the others, and comparisons that could not be
    made, go to ``limits``): its section and its map, each map named once per report."""
    sections, figures, used = [], [], set()
    for c in campaigns:
        too_short = steps.campaign_window(c, loaded)
        if too_short:
            limits.append(too_short)
            continue
        name = _unique(f"map_displacement_{_slug(c.name)}", used)  # "QN-LS" and "QN LS" both slug to QN_LS
        section, figure, notes = steps.campaign_section(c, loaded, layout, tmp, name)
        sections.append(section)
        figures.append(figure)
        limits += notes
    return sections, figures


def _check_arguments(since: str | None, campaigns: Sequence[CampaignSpec], layout: str, month: str) -> None:
    """Arguments checked before any work: a month that is not a month, a campaign unit that is no province."""
    if month not in ("calendar", "customs"):
        raise TrendkitInputError(
            f"month={month!r}: không rõ loại tháng / expected 'calendar' or 'customs' (16th to 15th)"
        )
    if since is not None:
        try:
            parse_month(since)
        except ValueError:
            raise TrendkitInputError(
                f"--since {since!r}: không phải tháng / expected a month YYYY-MM, e.g. 2023-07"
            ) from None
    from trendkit.geo.provinces import province_name

    for c in campaigns:
        for unit in c.units:
            try:
                province_name(unit, layout)  # type: ignore[arg-type]
            except ValueError as exc:  # UnknownProvinceError too
                raise TrendkitInputError(f"--campaign {c.name!r}: không phân tích được / {exc}") from None


def _build(
    cases: Sequence[str | Path],
    tmp: Path,
    *,
    opts: steps.Options,
    campaigns: Sequence[CampaignSpec],
    progress: Callable[[str], None],
    now: dt.datetime,
) -> ReportSummary:
    """The report's steps in order (:mod:`trendkit.report.steps`), writing maps and files into ``tmp``;
    returns the summary (written, with index.html, by :func:`_write_summary`)."""
    progress("đọc dữ liệu / loading extracts")
    loaded = steps.load_and_hold_back([Path(p) for p in cases], tmp, opts)
    limits = steps.limits(loaded, campaigns)
    progress("điểm gãy / change points")
    shifts, shift_alerts = steps.shifts(loaded)
    progress("dự báo / forecasts")
    anomalies, anomaly_alerts = steps.anomalies(loaded)
    progress("chiến dịch / campaigns")
    sections, figures = _campaigns(campaigns, loaded, opts.layout, tmp, limits)
    progress("bản đồ / maps")
    maps, national = steps.maps_and_figures(loaded, opts.layout, tmp)
    progress("hàng hóa, xử lý / goods and outcomes")
    seized = steps.seized(loaded)
    res, first, last = loaded.res, loaded.months[0], loaded.months[-1]
    from trendkit import __version__

    summary: ReportSummary = {
        "generated_at": now.isoformat(timespec="seconds"),
        "version": __version__,
        "synthetic": res.synthetic,
        "inputs": _inputs(res.read_files),
        "layout": opts.layout,
        "month_kind": opts.month,
        "since": opts.since,
        "months": [f"{first:%Y-%m}", f"{last:%Y-%m}"],
        "rows": {
            "accepted": res.cases.height,
            "rejected": res.rejected.height,
            "skipped": res.skipped.height,
            "in_report": loaded.data.height,
            "held_back": loaded.held_rows,
        },
        "completeness": [
            {**r, "period": f"{r['period']:%Y-%m}"} for r in loaded.completeness.tail(12).iter_rows(named=True)
        ],
        "held_back_months": [f"{m:%Y-%m}" for m in loaded.held],
        "limits": limits,
        "rejected_by_reason": dict(sorted(res.rejected.group_by("reason_code").len().iter_rows())),
        "sources": res.files.to_dicts(),
        "skipped_files": res.skipped_files.to_dicts(),
        "campaigns": sections,
        "shifts": shifts,
        "anomalies": anomalies,
        "alerts": [*shift_alerts, *anomaly_alerts],
        "maps": [*maps, *(f["html"] for f in figures)],
        "figures": [*national, *figures],
        "seized": seized_section(seized, incomplete=steps.window_gaps(loaded, seized.months[0])),
        "workbook": WORKBOOK,
    }
    write_tables(summary, loaded.prov_p, seized, tmp)
    return summary


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


def render_index(summary: dict[str, Any]) -> str:
    """``index.html`` from the summary, through ``templates/index.html.j2`` (jinja2, autoescaping on).

    Data text is passed as template *values*, never as template source, so a campaign named
    ``{{7*7}}`` or ``<script>`` is shown as written.
    """
    return _templates().get_template("index.html.j2").render(s=summary, k=_PAGE_CONSTANTS)


#: The numbers the page states about its own methods, from the constants the steps use.
_PAGE_CONSTANTS = {
    "confidence": round(100 * steps.CONFIDENCE),
    "anomaly_level": round(100 * steps.ANOMALY_LEVEL),
    "recent_months": steps.RECENT_MONTHS,
    "suppress_below": SUPPRESS_BELOW,
    "units": {key: words.vi for key, words in UNIT_WORDS.items()},
    "customs_months": steps.CUSTOMS_MONTHS,
    "expected_mean": EXPECTED_MEAN,
    "silent_months": SILENT_MONTHS,
}


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
    env.filters["month"] = month_text
    env.filters["local_time"] = local_time
    return env


def month_text(value: Any) -> Any:
    """A month as a reader writes it: "2025-01" (or a date in it) → "01/2025"; anything else as it is.

    >>> month_text("2025-01"), month_text("2025-01-16"), month_text("—")
    ('01/2025', '01/2025', '—')
    """
    text = str(value)
    if len(text) >= 7 and text[4] == "-" and text[:4].isdigit() and text[5:7].isdigit():
        return f"{text[5:7]}/{text[:4]}"
    return value


#: Vietnam's time zone (no daylight saving): the report's time stamp is shown in it.
VIETNAM = dt.timezone(dt.timedelta(hours=7))


def local_time(stamp: str) -> str:
    """An ISO time stamp as Vietnam's time, day first: "2025-12-01T23:30:00+00:00" →
    "02/12/2025 06:30 (giờ Việt Nam, UTC+7)".

    >>> local_time("2025-12-01T23:30:00+00:00")
    '02/12/2025 06:30 (giờ Việt Nam, UTC+7)'
    """
    when = dt.datetime.fromisoformat(stamp).astimezone(VIETNAM)
    return f"{when:%d/%m/%Y %H:%M} (giờ Việt Nam, UTC+7)"


def alert_text(a: dict[str, Any]) -> str:
    """One alert as one line of text (Vietnamese first), for the terminal and cron mail."""
    if a["kind"] == "new_shift":
        return (f"Thay đổi mới / new shift: {a['province']} from {month_text(a['month'])} "
                f"({fmt_num(100 * a['change_pct'])}%)")  # fmt: skip
    return (
        f"Bất thường / anomaly: {a['province']} {month_text(a['month'])}: {_count(a['cases'])} vụ / cases, outside "
        f"{fmt_num(a['lower'], 1)}–{fmt_num(a['upper'], 1)}"
    )


def _count(n: float | str) -> str:
    return n if isinstance(n, str) else fmt_num(n, 0)
