"""The ``trendkit`` command.

trendkit demo                 the report on the bundled SYNTHETIC sample, written to maps/
trendkit report --cases PATH… --out DIR [--since YYYY-MM] [--layout 2025|legacy]
                [--campaign NAME:UNIT+UNIT:YYYY-MM[:YYYY-MM] …] [--fail-on-alert]
trendkit load PATH [PATH …]   load extracts, print the row accounting; [--out FILE] [--rejected FILE]
                              (.csv, .xlsx, .parquet) [--replace] [--date-range FROM TO]

Exit codes: 0 success; 1 unexpected failure; 2 bad input; 3 new alerts with --fail-on-alert.
Failures print one line to stderr (no traceback) and leave the previous report untouched.
"""

from __future__ import annotations

import argparse
import datetime as dt
import os
import sys
import threading
import warnings
from collections.abc import Callable
from pathlib import Path

import polars as pl

from trendkit.errors import TrendkitInputError
from trendkit.ingest.loader import load_cases
from trendkit.months import add_months, parse_month
from trendkit.panel import panel

__all__ = ["main"]

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"
MAPS = Path(__file__).resolve().parent.parent / "maps"
DEMO_CAMPAIGN = "QN-LS:Quảng Ninh+Lạng Sơn:2023-07:2024-06"
EXIT_ERROR, EXIT_INPUT, EXIT_ALERT = 1, 2, 3


def _progress(total: int) -> Callable[[str], None]:
    """'[k/n] step' on a terminal; timestamped log lines otherwise (cron mail, journald)."""
    count = [0]

    def show(msg: str) -> None:
        count[0] += 1
        if sys.stderr.isatty():
            print(f"[{count[0]}/{total}] {msg}…", file=sys.stderr, flush=True)
        else:
            print(f"{dt.datetime.now().isoformat(timespec='seconds')} trendkit: {msg}", file=sys.stderr, flush=True)

    return show


def watchdog(seconds: float, what: str) -> threading.Timer | None:
    """End the process after ``seconds`` with one line on stderr and exit code 1: a run stuck on a
    network drive or a bug can never hold its lock forever. The lock is the operating system's and
    goes with the process; the half-built report folder is removed by the next run. None when
    ``seconds`` is 0 (no limit)."""
    if seconds <= 0:
        return None

    def stop() -> None:
        print(f"trendkit: {what} stopped after {seconds:g} s (--timeout); the previous report is unchanged",
              file=sys.stderr, flush=True)  # fmt: skip
        os._exit(EXIT_ERROR)

    timer = threading.Timer(seconds, stop)
    timer.daemon = True
    timer.start()
    return timer


def _report(args: argparse.Namespace) -> int:
    from trendkit.report import alert_text, parse_campaign, run_report
    from trendkit.report.build import report_time
    from trendkit.report.completeness import read_expected_units

    watchdog(args.timeout, "the report")
    campaigns = [parse_campaign(c) for c in args.campaign or []]
    result = run_report(
        args.cases,
        args.out,
        since=args.since,
        layout=args.layout,
        campaigns=campaigns,
        sheet=args.sheet,
        columns=_mapping(args.columns, "columns"),
        values=_mapping(args.values, "values"),
        keep=args.keep,
        expected_units=read_expected_units(args.expected_units, args.layout) if args.expected_units else None,
        progress=(lambda _msg: None) if args.quiet else _progress(5),
        now=report_time(args.now),
    )
    rows = result.content["rows"]
    fresh = result.new_alerts
    if args.quiet:  # cron mails whatever a job prints: nothing on success, the alerts when they fail the run
        if args.fail_on_alert and fresh:
            print("; ".join(alert_text(a) for a in fresh), file=sys.stderr)
        return EXIT_ALERT if args.fail_on_alert and fresh else 0
    print(
        f"{rows['in_report']} cases, {rows['rejected']} rows rejected; {len(result.alerts)} alert(s), {len(fresh)} new"
    )
    for alert in result.alerts:
        print(f"  ALERT{' (new / mới)' if alert in fresh else ''} {alert_text(alert)}")
    print(f"Mở / open: {result.out / 'index.html'}")
    return EXIT_ALERT if args.fail_on_alert and fresh else 0


def _demo(args: argparse.Namespace) -> int:
    folder = Path(args.sample)
    print(f"trendkit demo — DỮ LIỆU MÔ PHỎNG / SYNTHETIC sample in {folder}\n")
    res = load_cases(folder)
    print(res.summary())
    if res.rejected.height:
        print("\nRejected rows / dòng bị loại:")
        with pl.Config(tbl_rows=20, fmt_str_lengths=90, tbl_hide_dataframe_shape=True):
            print(res.rejected.select("source_file", "source_row", "column", "reason"))
    p = panel(res.cases, by=("province",), value="cases")
    wide = p.pivot(on="period", index="province", values="cases").sort("province")
    wide = wide.rename({c: c[:7] for c in wide.columns if c != "province"})
    print("\nCases per province and month (SYNTHETIC) / Số vụ theo tỉnh và tháng (mô phỏng):")
    with pl.Config(tbl_rows=40, tbl_hide_dataframe_shape=True, tbl_hide_column_data_types=True):
        print(wide)
    print(f"\nReport / báo cáo (campaign {DEMO_CAMPAIGN}):")
    report = argparse.Namespace(
        cases=[str(folder)],
        out=args.out,
        since=None,
        layout="2025",
        campaign=[DEMO_CAMPAIGN],
        sheet=None,
        columns=None,
        values=None,
        keep=3,
        now=None,
        expected_units=None,
        fail_on_alert=False,
        timeout=0,
        quiet=False,
    )
    return _report(report)


def _mapping(path: str | None, kind: str) -> dict | None:
    from trendkit.ingest.loader import read_mapping_file

    return read_mapping_file(path, kind) if path else None


def _mapping_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--columns", metavar="CSV", help="your headers: lines 'their header;canonical column'")
    parser.add_argument(
        "--values",
        metavar="CSV",
        help="your words: lines 'field;their word;canonical value' "
        "(field: channel, violation, outcome, commodity, place_kind or province)",
    )


def _file_bar() -> Callable[[int, int, str], None] | None:
    """A per-file progress bar on a terminal (stderr); nothing at all when piped or under cron."""
    if not sys.stderr.isatty():
        return None

    def show(k: int, n: int, name: str) -> None:
        done = round(24 * (k - 1) / n)
        end = "\n" if k == n else ""
        print(f"\r[{'█' * done}{'·' * (24 - done)}] {k}/{n} {name[:50]:<50}", end=end, file=sys.stderr, flush=True)

    return show


def _load(args: argparse.Namespace) -> int:
    from trendkit.export import check_writable, write_table

    outputs = {name: Path(path) for name, path in (("cases", args.out), ("rejected", args.rejected)) if path}
    for path in outputs.values():  # checked before any loading: a bad path costs nothing
        check_writable(path, replace=args.replace)
    res = load_cases(
        [Path(p) for p in args.paths],
        sheet=args.sheet,
        columns=_mapping(args.columns, "columns"),
        values=_mapping(args.values, "values"),
        date_range=_date_range(args.date_range),
        progress=_file_bar(),
    )
    print(res.summary())
    said = {"cases": "accepted cases / các vụ hợp lệ", "rejected": "rejected rows / dòng bị loại"}
    for name, path in outputs.items():
        frame = res.cases if name == "cases" else res.rejected
        write_table(frame, path, replace=args.replace)
        print(f"{said[name]}: {frame.height} → {path}")
    return 0


def _date_range(given: list[str] | None) -> tuple[dt.date, dt.date] | None:
    """``--date-range FROM TO`` (YYYY-MM-DD, or YYYY-MM for a whole month) as dates."""
    if not given:
        return None
    first, last = (_day(text, end=i == 1) for i, text in enumerate(given))
    if first > last:
        raise TrendkitInputError(f"--date-range {given[0]} {given[1]}: the first date is after the last")
    return first, last


def _day(text: str, *, end: bool) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    try:
        month = parse_month(text)
    except ValueError:
        raise TrendkitInputError(f"--date-range {text!r}: expected a date YYYY-MM-DD or a month YYYY-MM") from None
    return add_months(month, 1) - dt.timedelta(days=1) if end else month


def _parser() -> argparse.ArgumentParser:
    """The command line: demo, report, load."""
    parser = argparse.ArgumentParser(
        prog="trendkit", description="Customs case extracts: load, check, trends, displacement, maps."
    )
    parser.add_argument("--version", action="version", version=f"trendkit {_version()}")
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="load the bundled SYNTHETIC sample and show what trendkit makes of it")
    demo.add_argument("--sample", default=str(SAMPLE), help="folder of extracts (default: the bundled sample)")
    demo.add_argument("--out", default=str(MAPS / "demo_report"), help="report folder (default: maps/demo_report)")
    demo.set_defaults(func=_demo)
    report = sub.add_parser(
        "report",
        help="the monthly trend report: load, model, map; replaces DIR only on success",
        description="Load extracts, build the panel, run trends, change points, campaign effects, the displacement "
        "scan and forecasts, and write DIR/index.html, offline HTML maps, DIR/summary.json and DIR/rejected.csv. "
        "The report is built beside DIR and moved into place only when complete.",
    )
    report.add_argument("--cases", nargs="+", required=True, metavar="PATH", help="extract files or folders")
    report.add_argument(
        "--out",
        required=True,
        metavar="DIR",
        help="report link (made and replaced by trendkit only; a folder it did not make is refused)",
    )
    report.add_argument("--since", metavar="YYYY-MM", help="only cases detected from this month on")
    report.add_argument("--layout", choices=("2025", "legacy"), default="2025", help="province layout (default 2025)")
    report.add_argument(
        "--campaign",
        action="append",
        metavar="NAME:UNITS:YYYY-MM[:YYYY-MM]",
        help="a campaign to evaluate, e.g. 'QN-LS:Quảng Ninh+Lạng Sơn:2023-07'; an optional end month closes "
        "the window its effect is estimated on; a province that joined later carries its own start, "
        "'Lạng Sơn@2023-10' (repeatable)",
    )
    report.add_argument(
        "--sheet", action="append", metavar="NAME", help="only this sheet of each workbook (repeatable)"
    )
    report.add_argument(
        "--now",
        metavar="ISO",
        help="the report's timestamp (default SOURCE_DATE_EPOCH, else now): same inputs and "
        "--now give byte-identical files",
    )
    report.add_argument(
        "--expected-units",
        metavar="FILE",
        help="provinces that must report every month, one a line: a month is complete only when all have cases "
        "(default: inferred from the last six months)",
    )
    _mapping_options(report)
    report.add_argument("--keep", type=int, default=24, metavar="N", help="keep the last N reports (default 24)")
    report.add_argument(
        "--quiet",
        action="store_true",
        help="print nothing on success (for cron, which mails whatever a job prints); failures still print one line",
    )
    report.add_argument(
        "--timeout",
        type=float,
        default=3600,
        metavar="SECONDS",
        help="stop a run still going after this long, with one line and exit 1, leaving the previous report "
        "(default 3600; 0: no limit)",
    )
    report.add_argument(
        "--fail-on-alert",
        action="store_true",
        help=f"exit {EXIT_ALERT} when there are alerts the previous report did not raise",
    )
    report.set_defaults(func=_report)
    load = sub.add_parser("load", help="load extracts and print the row accounting")
    load.add_argument("paths", nargs="+", help="files or folders (.xlsx, .csv, .parquet)")
    load.add_argument("--sheet", action="append", metavar="NAME", help="only this sheet of each workbook (repeatable)")
    _mapping_options(load)
    load.add_argument("--out", metavar="FILE", help="write the accepted cases to FILE (.csv, .xlsx or .parquet)")
    load.add_argument("--rejected", metavar="FILE", help="write the rejected rows to FILE (.csv, .xlsx or .parquet)")
    load.add_argument("--replace", action="store_true", help="replace --out/--rejected files that already exist")
    load.add_argument(
        "--date-range",
        nargs=2,
        metavar=("FROM", "TO"),
        help="accept cases detected from FROM to TO (YYYY-MM-DD or YYYY-MM); others are rejected with the reason",
    )
    load.set_defaults(func=_load)
    return parser


def _version() -> str:
    from trendkit import __version__

    return __version__


def main(argv: list[str] | None = None) -> int:
    """Run the ``trendkit`` command with ``argv`` (default: the process's arguments); returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    try:
        with warnings.catch_warnings(record=True) as caught:  # a library's warning never leaks into cron mail
            warnings.simplefilter("default")
            code = args.func(args)
        if caught and not getattr(args, "quiet", False):
            for w in {str(w.message).splitlines()[0][:200] for w in caught}:
                print(f"trendkit: note: {w}", file=sys.stderr)
        return code
    except TrendkitInputError as exc:
        print(f"trendkit: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("trendkit: interrupted; the previous report is unchanged", file=sys.stderr)
        return EXIT_ERROR
    except Exception as exc:  # a scheduled run must end with one readable line, not a traceback
        print(f"trendkit: failed ({type(exc).__name__}: {exc}); the previous report is unchanged", file=sys.stderr)
        return EXIT_ERROR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
