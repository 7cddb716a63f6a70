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
import re
import sys
import threading
import time
import warnings
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

import polars as pl

from trendkit.errors import TrendkitInputError
from trendkit.ingest.loader import load_cases
from trendkit.months import add_months, parse_month
from trendkit.panel import panel

__all__ = ["main"]

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"
MAPS = ROOT / "maps"
SHEET_HELP = "chỉ đọc trang tính này / only this sheet of each workbook (repeatable)"
#: Where ``trendkit demo`` works when trendkit was installed from a wheel (no source checkout beside it).
DEMO_HOME = "trendkit_demo"
DEMO_CAMPAIGN = "QN-LS:Quảng Ninh+Lạng Sơn:2023-07:2024-06"
EXIT_ERROR, EXIT_INPUT, EXIT_ALERT = 1, 2, 3


def _progress(total: int, *, verbose: bool = False) -> Callable[[str], None]:
    """'[k/n] step' on a terminal; timestamped log lines otherwise (cron mail, journald). ``verbose``
    adds how long the step before took."""
    count, started = [0], [time.perf_counter()]

    def show(msg: str) -> None:
        count[0] += 1
        took = f" ({time.perf_counter() - started[0]:.1f} s)" if verbose and count[0] > 1 else ""
        started[0] = time.perf_counter()
        if sys.stderr.isatty():
            print(f"[{count[0]}/{total}] {msg}…{took}", file=sys.stderr, flush=True)
        else:
            print(f"{dt.datetime.now().isoformat(timespec='seconds')} trendkit: {msg}{took}", file=sys.stderr,
                  flush=True)  # fmt: skip

    return show


def _shown_command(argv: Sequence[str]) -> list[str]:
    """The command's arguments as the report shows them: less ``--out DIR`` (the report's own place: the
    same inputs give the same bytes wherever they are written), and an absolute path by its name only
    (a shared report never shows where the analyst's files sit, as for its inputs)."""
    out, skip = [], False
    for arg in argv:
        if skip:
            skip = False
        elif arg == "--out":
            skip = True
        elif not arg.startswith("--out="):
            out.append(Path(arg).name if os.path.isabs(arg) else arg)
    return out


def watchdog(seconds: float, what: str) -> threading.Timer | None:
    """End the process after ``seconds`` with one line on stderr and exit code 1: a run stuck on a
    network drive or a bug can never hold its lock forever. The lock is the operating system's and
    goes with the process; its file and the half-built report folder are removed first
    (:func:`trendkit.report.publish.abandon`). None when
    ``seconds`` is 0 (no limit)."""
    if seconds <= 0:
        return None

    def stop() -> None:
        from trendkit.report.publish import abandon

        abandon()  # this run's lock file and half-built folder: a stopped run leaves nothing behind
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
        progress=(lambda _msg: None) if args.quiet else _progress(5, verbose=args.verbose),
        now=report_time(args.now),
        command=["trendkit", *_shown_command(args.argv)],
        month=args.month,
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


def _checkout() -> bool:
    """Whether trendkit runs from its source checkout (the bundled sample and maps/ beside it)."""
    return (ROOT / "pyproject.toml").is_file() and SAMPLE.is_dir()


def _demo_sample(given: str | None) -> Path:
    """The demo's extracts: ``--sample``; else the bundled sample in a checkout; else (installed from
    a wheel) the SYNTHETIC sample generated into ./trendkit_demo/sample, once."""
    if given:
        return Path(given)
    if _checkout():
        return SAMPLE
    folder = Path.cwd() / DEMO_HOME / "sample"
    if (folder / "truth.json").is_file():
        return folder  # generated by an earlier demo
    if folder.is_symlink() or (folder.exists() and any(folder.iterdir())):
        raise TrendkitInputError(
            f"{folder}: thư mục không do trendkit tạo / a folder trendkit did not make; run "
            "the demo elsewhere or pass --sample"
        )
    from trendkit.synthetic.generate import write_sample

    print(f"Tạo dữ liệu MÔ PHỎNG / generating the SYNTHETIC sample into {folder} …")
    write_sample(folder)
    return folder


def _demo(args: argparse.Namespace) -> int:
    folder = _demo_sample(args.sample)
    out = args.out or str(MAPS / "demo_report" if _checkout() else Path.cwd() / DEMO_HOME / "report")
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
        out=out,
        since=None,
        layout="2025",
        campaign=[DEMO_CAMPAIGN],
        sheet=None,
        columns=None,
        values=None,
        keep=3,
        now=None,
        expected_units=None,
        month="calendar",
        fail_on_alert=False,
        timeout=0,
        quiet=False,
        verbose=False,
        argv=["report", "--cases", str(folder), "--campaign", DEMO_CAMPAIGN, "--keep", "3"],  # what the demo ran
    )
    return _report(report)


def _mapping(path: str | None, kind: str) -> dict | None:
    from trendkit.ingest.loader import read_mapping_file

    return read_mapping_file(path, kind) if path else None


def _mapping_options(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--columns", metavar="CSV", help="tên cột của đơn vị / your headers: lines 'their header;canonical column'"
    )
    parser.add_argument(
        "--values",
        metavar="CSV",
        help="cách ghi của đơn vị / your words: lines 'field;their word;canonical value' "
        "(field: channel, violation, outcome, commodity, unit, place_kind or province; or "
        "'conversion;bánh/heroin;0,4 kg' for a unit's conversion)",
    )


class _FileBar:
    """A per-file progress bar on a terminal (tqdm, on stderr) that ends at n of n when loading ends;
    nothing at all when piped or under cron. Called as ``bar(k, n, name)`` before the k-th file."""

    def __init__(self) -> None:
        self.bar: Any = None

    def __call__(self, k: int, n: int, name: str) -> None:
        if not sys.stderr.isatty():
            return
        if self.bar is None:
            from tqdm import tqdm

            self.bar = tqdm(total=n, file=sys.stderr, unit=" tệp/file", desc="Đọc / reading", leave=True)
        self.bar.update(k - 1 - self.bar.n)  # the files read before this one
        self.bar.set_postfix_str(name[:40], refresh=True)

    def close(self) -> None:
        """Fill the bar (every file was read) and leave it on the terminal."""
        if self.bar is not None:
            self.bar.update(self.bar.total - self.bar.n)
            self.bar.set_postfix_str("", refresh=False)
            self.bar.close()


def _load(args: argparse.Namespace) -> int:
    from trendkit.export import check_writable, write_table

    outputs = {name: Path(path) for name, path in (("cases", args.out), ("rejected", args.rejected)) if path}
    for path in outputs.values():  # checked before any loading: a bad path costs nothing
        check_writable(path, replace=args.replace)
    bar = _FileBar()
    try:
        res = load_cases(
            [Path(p) for p in args.paths],
            sheet=args.sheet,
            columns=_mapping(args.columns, "columns"),
            values=_mapping(args.values, "values"),
            date_range=_date_range(args.date_range),
            progress=bar,
        )
    finally:
        bar.close()
    print(res.summary())
    said = {"cases": "accepted cases / các vụ hợp lệ", "rejected": "rejected rows / dòng bị loại"}
    for name, path in outputs.items():
        frame = res.cases if name == "cases" else res.rejected
        write_table(frame, path, replace=args.replace, sheet=name)
        print(f"{said[name]}: {frame.height} → {path}")
    return 0


def _date_range(given: list[str] | None) -> tuple[dt.date, dt.date] | None:
    """``--date-range FROM TO`` (YYYY-MM-DD, or YYYY-MM for a whole month) as dates."""
    if not given:
        return None
    first, last = (_day(text, end=i == 1) for i, text in enumerate(given))
    if first > last:
        raise TrendkitInputError(
            f"--date-range {given[0]} {given[1]}: ngày đầu sau ngày cuối / the first date is after the last"
        )
    return first, last


def _day(text: str, *, end: bool) -> dt.date:
    try:
        return dt.date.fromisoformat(text)
    except ValueError:
        pass
    try:
        month = parse_month(text)
    except ValueError:
        raise TrendkitInputError(
            f"--date-range {text!r}: cần ngày YYYY-MM-DD hoặc tháng YYYY-MM / expected a date YYYY-MM-DD or a month "
            "YYYY-MM"
        ) from None
    return add_months(month, 1) - dt.timedelta(days=1) if end else month


class _Formatter(argparse.HelpFormatter):
    """Help headed in both languages."""

    def add_usage(self, usage: Any, actions: Any, groups: Any, prefix: str | None = None) -> None:
        """The usage line, headed 'cách dùng / usage'."""
        super().add_usage(usage, actions, groups, prefix="cách dùng / usage: " if prefix is None else prefix)


class _Parser(argparse.ArgumentParser):
    """argparse with its own words in Vietnamese and English, and a mistake said in one line (exit 2),
    not a usage block: cron mails it, and a person reads it at once."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("formatter_class", _Formatter)
        super().__init__(*args, **{**kwargs, "add_help": False})
        self._positionals.title = "tham số / arguments"
        self._optionals.title = "tùy chọn / options"
        self.add_argument("-h", "--help", action="help", help="xem hướng dẫn này / show this help and exit")

    def error(self, message: str) -> NoReturn:
        """Print the mistake in one line, Vietnamese first (:func:`_in_vietnamese`), and exit with
        :data:`EXIT_INPUT`."""
        said = message if " / " in message else f"{_in_vietnamese(message)} / {message}"  # trendkit's own: bilingual
        self.exit(EXIT_INPUT, f"{self.prog}: lỗi tham số / bad argument: {said} (xem / see: {self.prog} --help)\n")


#: argparse's own messages (Python 3.11–3.13 wordings) in Vietnamese; what they name is kept as it is.
_ARGPARSE_VI = (
    (r"the following arguments are required: (.+)", "thiếu tham số bắt buộc: {0}"),
    (
        r"argument (\S+?): invalid choice: (.+?) \(choose from (.+)\)",
        "{0}: giá trị {1} không hợp lệ (chọn một trong {2})",
    ),
    (r"argument (\S+?): expected one argument", "{0}: thiếu giá trị"),
    (r"argument (\S+?): expected at least one argument", "{0}: cần ít nhất một giá trị"),
    (r"argument (\S+?): invalid (\w+) value: (.+)", "{0}: {2} không phải số ({1})"),
    (r"argument (\S+?): ignored explicit argument (.+)", "{0}: không nhận giá trị {1}"),
    (r"unrecognized arguments: (.+)", "tham số không nhận ra: {0}"),
    (r"ambiguous option: (\S+) could match (.+)", "tùy chọn {0} chưa rõ, có thể là {1}"),
    (r"argument (\S+?): not allowed with argument (.+)", "{0} không dùng cùng {1}"),
)


def _in_vietnamese(message: str) -> str:
    """argparse's ``message`` in Vietnamese; one of trendkit's own (already bilingual) or one it does not
    know gets a plain "xem chi tiết" (see the details), so the line still opens in Vietnamese.

    >>> _in_vietnamese("the following arguments are required: --cases, --out")
    'thiếu tham số bắt buộc: --cases, --out'
    >>> _in_vietnamese("argument --layout: invalid choice: '1999' (choose from '2025', 'legacy')")
    "--layout: giá trị '1999' không hợp lệ (chọn một trong '2025', 'legacy')"
    """
    for pattern, vi in _ARGPARSE_VI:
        m = re.fullmatch(pattern, message)
        if m:
            return vi.format(*m.groups())
    return "xem chi tiết"


def _parser() -> argparse.ArgumentParser:
    """The command line: demo, report, load."""
    parser = _Parser(
        prog="trendkit",
        description="Trích xuất vụ việc hải quan: đọc, kiểm tra, xu hướng, dịch chuyển, bản đồ / "
        "customs case extracts: load, check, trends, displacement, maps.",
    )
    parser.add_argument(
        "--version", action="version", version=f"trendkit {_version()}", help="phiên bản / show the version and exit"
    )
    sub = parser.add_subparsers(dest="command", required=True)
    _add_demo(sub)
    _add_report(sub)
    _add_load(sub)
    return parser


def _add_demo(sub: Any) -> None:
    """``trendkit demo``."""
    demo = sub.add_parser(
        "demo", help="chạy thử trên dữ liệu MÔ PHỎNG kèm theo / the report on the bundled SYNTHETIC sample"
    )
    demo.add_argument(
        "--sample",
        help="thư mục trích xuất / folder of extracts (default: the bundled sample; installed, one generated in "
        "./trendkit_demo)",
    )
    demo.add_argument(
        "--out", help="thư mục báo cáo / report folder (default: maps/demo_report; installed, ./trendkit_demo/report)"
    )
    demo.set_defaults(func=_demo)


def _add_report(sub: Any) -> None:
    """``trendkit report``: the monthly report, for a person or a scheduler."""
    report = sub.add_parser(
        "report",
        help="báo cáo xu hướng hằng tháng / the monthly trend report: load, model, map; replaces DIR only on success",
        description="Báo cáo hằng tháng: đọc trích xuất, lập bảng theo tháng, mô hình và bản đồ; chỉ thay báo cáo cũ "
        "khi bản mới hoàn tất. / Load extracts, build the panel, run trends, change points, campaign effects, the "
        "displacement "
        "scan and forecasts, and write DIR/index.html, offline HTML maps, DIR/summary.json and DIR/rejected.csv. "
        "The report is built beside DIR and moved into place only when complete.",
    )
    report.add_argument(
        "--cases",
        nargs="+",
        required=True,
        metavar="PATH",
        help="tệp hoặc thư mục trích xuất / extract files or folders",
    )
    report.add_argument(
        "--out",
        required=True,
        metavar="DIR",
        help="nơi đặt báo cáo / report link (made and replaced by trendkit only; a folder it did not make is refused)",
    )
    report.add_argument(
        "--since", metavar="YYYY-MM", help="chỉ các vụ từ tháng này / only cases detected from this month on"
    )
    report.add_argument(
        "--layout", choices=("2025", "legacy"), default="2025", help="danh mục tỉnh / province layout (default 2025)"
    )
    report.add_argument(
        "--campaign",
        action="append",
        metavar="NAME:UNITS:YYYY-MM[:YYYY-MM]",
        help="chuyên đề cần đánh giá / a campaign to evaluate, e.g. 'QN-LS:Quảng Ninh+Lạng Sơn:2023-07'; an optional "
        "end month closes "
        "the window its effect is estimated on; a province that joined later carries its own start, "
        "'Lạng Sơn@2023-10' (repeatable)",
    )
    report.add_argument("--sheet", action="append", metavar="NAME", help=SHEET_HELP)
    report.add_argument(
        "--month",
        choices=("calendar", "customs"),
        default="calendar",
        help="tháng dương lịch hay tháng hải quan (16 → 15) / calendar months, or customs months (16th to 15th, "
        "labelled by the month they report)",
    )
    report.add_argument(
        "--now",
        metavar="ISO",
        help="thời điểm ghi trên báo cáo / the report's timestamp (default SOURCE_DATE_EPOCH, else now): same inputs "
        "and "
        "--now give byte-identical files",
    )
    report.add_argument(
        "--expected-units",
        metavar="FILE",
        help="các tỉnh phải báo cáo hằng tháng / provinces that must report every month, one a line: a month is "
        "complete only when all have cases "
        "(default: inferred from the last six months)",
    )
    _mapping_options(report)
    _add_run_options(report)
    report.set_defaults(func=_report)


def _add_run_options(report: argparse.ArgumentParser) -> None:
    """How a report run behaves under a scheduler: history kept, output, time limit, exit code."""
    report.add_argument(
        "--keep",
        type=int,
        default=24,
        metavar="N",
        help="giữ N báo cáo gần nhất / keep the last N reports (default 24)",
    )
    report.add_argument(
        "--verbose", action="store_true", help="in từng bước kèm thời gian / print each step with how long it took"
    )
    report.add_argument(
        "--quiet",
        action="store_true",
        help="không in gì khi thành công / print nothing on success (for cron, which mails whatever a job prints); "
        "failures still print one line",
    )
    report.add_argument(
        "--timeout",
        type=float,
        default=3600,
        metavar="SECONDS",
        help="dừng khi chạy quá lâu / stop a run still going after this long, with one line and exit 1, leaving the "
        "previous report "
        "(default 3600; 0: no limit)",
    )
    report.add_argument(
        "--fail-on-alert",
        action="store_true",
        help=f"mã thoát {EXIT_ALERT} khi có cảnh báo mới / exit {EXIT_ALERT} when there are alerts the previous report "
        "did not raise",
    )


def _add_load(sub: Any) -> None:
    """``trendkit load``: load extracts, account for every row, write what was accepted."""
    load = sub.add_parser(
        "load", help="đọc trích xuất, đối soát từng dòng / load extracts and print the row accounting"
    )
    load.add_argument(
        "paths", nargs="+", help="tệp hoặc thư mục / files or folders (.xlsx, .xls, .ods, .csv, .parquet)"
    )
    load.add_argument("--sheet", action="append", metavar="NAME", help=SHEET_HELP)
    _mapping_options(load)
    load.add_argument(
        "--out", metavar="FILE", help="ghi các vụ hợp lệ / write the accepted cases to FILE (.csv, .xlsx, .parquet)"
    )
    load.add_argument(
        "--rejected",
        metavar="FILE",
        help="ghi các dòng bị loại / write the rejected rows to FILE (.csv, .xlsx, .parquet)",
    )
    load.add_argument(
        "--replace", action="store_true", help="cho phép ghi đè / replace --out/--rejected files that already exist"
    )
    load.add_argument(
        "--date-range",
        nargs=2,
        metavar=("FROM", "TO"),
        help="chỉ nhận các vụ trong khoảng / accept cases detected from FROM to TO (YYYY-MM-DD or YYYY-MM); others "
        "are rejected with the reason",
    )
    load.set_defaults(func=_load)


def _version() -> str:
    from trendkit import __version__

    return __version__


def main(argv: list[str] | None = None) -> int:
    """Run the ``trendkit`` command with ``argv`` (default: the process's arguments); returns the exit code."""
    parser = _parser()
    args = parser.parse_args(argv)
    args.argv = list(sys.argv[1:] if argv is None else argv)
    try:
        with warnings.catch_warnings(record=True) as caught:  # a library's warning never leaks into cron mail
            warnings.simplefilter("default")
            code = args.func(args)
        if caught and not getattr(args, "quiet", False):
            for w in {str(w.message).splitlines()[0][:200] for w in caught}:
                print(f"trendkit: note: {w}", file=sys.stderr)
        return code
    except TrendkitInputError as exc:
        print(f"trendkit: lỗi đầu vào / bad input: {exc}", file=sys.stderr)
        return EXIT_INPUT
    except KeyboardInterrupt:
        print("trendkit: đã dừng / interrupted; báo cáo trước vẫn giữ nguyên / the previous report is unchanged",
              file=sys.stderr)  # fmt: skip
        return EXIT_ERROR
    except Exception as exc:  # a scheduled run must end with one readable line, not a traceback
        print(f"trendkit: lỗi / failed ({type(exc).__name__}: {exc}); báo cáo trước vẫn giữ nguyên / the previous "
              "report is unchanged", file=sys.stderr)  # fmt: skip
        return EXIT_ERROR


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
