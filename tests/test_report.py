"""The scheduled report through the command line: success, bad input, kill, repeat, alerts."""

import datetime as dt
import hashlib
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import polars as pl
import pytest

import trendkit as tk
from trendkit.report.schema import ReportSummary, check
from trendkit.synthetic.scenario import Campaign

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"
CAMPAIGN = "QN-LS:Quảng Ninh+Lạng Sơn:2023-07:2024-06"
NOW = "2025-12-02T06:00:00+07:00"


def _run(*args, timeout=300):
    return subprocess.run(
        [sys.executable, "-m", "trendkit.cli", *args], capture_output=True, text=True, timeout=timeout, cwd=ROOT
    )


def _digest(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.fixture(scope="module")
def report(tmp_path_factory):
    out = tmp_path_factory.mktemp("reports") / "latest"
    res = _run("report", "--cases", str(SAMPLE), "--out", str(out), "--campaign", CAMPAIGN, "--now", NOW)
    assert res.returncode == 0, res.stderr
    return out, res


@pytest.fixture(scope="module")
def small(tmp_path_factory) -> Path:
    """A SYNTHETIC extract of 4 provinces × 24 months, for checks of where and how a report is
    written rather than what it says (a run takes half the time of the sample's)."""
    sc = tk.default_scenario(scale=0.2, campaigns=(), channel_shifts=())
    path = tmp_path_factory.mktemp("small") / "SYNTHETIC_small.csv"
    tk.generate(sc.replace(profiles=sc.profiles[:4], start="2024-01", months=24)).raw.write_csv(path, separator=";")
    return path


def test_the_campaign_section_gives_one_verdict_and_nothing_that_contradicts_it(report):
    from tests.test_study import CONTRADICTS

    campaign = _strict_json(report[0] / "summary.json")["campaigns"][0]
    verdicts = [t for t in campaign["story"] if t["kind"] == "verdict"]
    assert len(verdicts) == 1 and verdicts[0]["en"].startswith("Verdict: displacement")  # Lào Cai, planted
    said = " ".join(t["vi"] + " " + t["en"] for t in campaign["story"]) + " ".join(campaign["text"])
    assert not [w for w in CONTRADICTS["displacement"] if w in said]


def _prose(page: str) -> list[str]:
    """The page's visible text blocks outside the technical details, the command line and tables'
    cells that are names or numbers: what a leader reads as sentences."""
    import html as html_lib

    page = re.sub(r"<style.*?</style>|<script.*?</script>|<details.*?</details>|<code>.*?</code>", "", page, flags=re.S)
    blocks = re.findall(r"<(?:p|li|h1|h2|h3|figcaption)[^>]*>(.*?)</(?:p|li|h1|h2|h3|figcaption)>", page, flags=re.S)
    return [html_lib.unescape(re.sub(r"<[^>]+>", " ", b)).strip() for b in blocks if b.strip()]


def test_the_page_speaks_to_a_leader_vietnamese_first_with_no_iso_months(report):
    page = (report[0] / "index.html").read_text(encoding="utf-8")
    prose = _prose(page)
    assert len(prose) > 20
    iso = [t for t in prose if re.search(r"\b20\d\d-\d\d\b", t)]
    assert not iso  # "07/2023", "tháng 7/2023", never "2023-07"
    vietnamese = re.compile(r"[àáảãạăắằẳẵặâấầẩẫậđèéẻẽẹêếềểễệìíỉĩịòóỏõọôốồổỗộơớờởỡợùúủũụưứừửữựỳýỷỹỵ]", re.I)
    english_only = [t for t in prose if re.search(r"[a-z]{3}", t) and not vietnamese.search(t)]
    assert not english_only, english_only[:3]
    assert "giờ Việt Nam, UTC+7" in page and "T17:" not in page.split("<details")[0]  # no bare UTC time stamp
    assert '<details class="technical">' in page  # collapsed for the reader; opened for print
    technical = page[page.index('<details class="technical">') : page.index("</details>")]
    items = [re.sub(r"<[^>]+>", "", li) for li in re.findall(r"<li>(.*?)</li>", technical, flags=re.S)]
    english = re.compile(r"\b(?:the|of|in|to|and|by|as|are|cases|rank|scan|total|control|buffer|months)\b")
    assert len(items) > 8 and all(vietnamese.search(li) and english.search(li) for li in items), items
    assert not re.search(r"\d\.\d{3}\d", technical)  # one number style: "0,007", never "0.00699"
    assert "beforeprint" in page
    assert "chỉ số vùng đệm" not in page  # no index name without a plain sentence
    placebo = next(t for t in prose if t.startswith("Kiểm tra giả định"))
    assert "kết luận ở trên" in placebo or "hướng thay đổi" in placebo  # says what it means for the headline
    assert "Cần báo: các tỉnh phải có số liệu" in page  # the completeness table explains its columns


def test_report_writes_everything(report):
    out, res = report
    assert {"index.html", "summary.json", "rejected.csv", "map_cases.html", "map_monthly.html",
            "map_displacement_qn_ls.html", "chart_national.png"} <= {p.name for p in out.iterdir()}  # fmt: skip
    summary = _strict_json(out / "summary.json")
    assert check(summary, ReportSummary) == []  # the one schema of summary.json
    assert summary["rows"] == {"accepted": 13179, "rejected": 10, "skipped": 9, "in_report": 13179, "held_back": 0}
    assert summary["synthetic"] is True and all(len(i["sha256"]) == 64 for i in summary["inputs"])
    assert summary["campaigns"][0]["receivers"][0]["unit"] == "Lào Cai · road"
    lo, hi = summary["campaigns"][0]["change_pct"][1:]
    assert lo < -0.4 < hi < 0  # the planted 40% cut, estimated up to the end month given
    assert summary["campaigns"][0]["end"] == "2024-06"
    assert any(s["province"] == "Lào Cai" and s["month"] in ("2023-07", "2023-08") for s in summary["shifts"])
    assert res.stdout.strip().splitlines()[-1] == f"Mở / open: {out / 'index.html'}"
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "SYNTHETIC" in html and "map_displacement_qn_ls.html" in html
    for name in ("map_cases.html", "map_monthly.html", "map_displacement_qn_ls.html"):  # every map says it too
        legend = (out / name).read_text(encoding="utf-8").split('class="trendkit-legend', 1)[1]
        assert "SYNTHETIC" in legend[:2000], name
    assert (out / "rejected.csv").read_text(encoding="utf-8").count("\n") == 11
    assert "trendkit:" in res.stderr  # plain log lines when not on a terminal


def test_the_report_says_what_was_seized_and_what_happened_next(report):
    out, _ = report
    seized = _strict_json(out / "summary.json")["seized"]
    assert len(seized["months"]) == 12 and seized["months"][-1] == "2025-12"
    groups = [c for c in seized["commodities"] if c["commodity"] is None]
    assert [c["cases"] for c in groups] == sorted((c["cases"] for c in groups), reverse=True)  # most cases first
    drugs = [c for c in seized["commodities"] if c["group"] == "drugs"]
    assert drugs[0]["commodity"] is None and len(drugs) > 3  # the group, then its substances
    assert {"kg", "piece"} <= set(drugs[0]["quantities"])  # drugs in kilograms and in pills, never added up
    assert sum(c["cases"] for c in drugs[1:] if isinstance(c["cases"], int)) <= drugs[0]["cases"]
    outcomes = {o["outcome"]: o["monthly"] for o in seized["outcomes"]}
    assert list(outcomes) == ["administrative", "criminal", "referred", "pending", "unknown"]
    assert all(isinstance(n, int) and n > 0 for n in outcomes["pending"] if not isinstance(n, str))
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "Hàng hóa vi phạm" in html and "What was seized" in html and "đang xử lý" in html
    assert 'href="tables.xlsx"' in html


def test_the_workbook_reads_back_equal_to_the_tables(report):
    from python_calamine import CalamineWorkbook

    from trendkit.months import add_months
    from trendkit.report.seized import seized_tables

    out, _ = report
    book = CalamineWorkbook.from_path(out / "tables.xlsx")
    assert book.sheet_names[0] == "Ghi chú"
    notes = dict(book.get_sheet_by_name("Ghi chú").to_python()[1:])
    assert "SYNTHETIC" in notes["Dữ liệu / data"]
    cases = tk.load_cases(SAMPLE).cases
    tables = seized_tables(cases, [add_months(dt.date(2025, 12, 1), -k) for k in range(11, -1, -1)])
    rows = book.get_sheet_by_name("Mặt hàng").to_python()
    assert rows[0][:5] == ["Mặt hàng / commodity (vi)", "Mặt hàng / commodity (en)", "Nhóm hàng / group",
                           "Chất, loại / substance", "Số vụ / cases"]  # fmt: skip
    expected = [[("" if v is None else ("<3" if k == "cases" and 0 < v < 3 else v)) for k, v in r.items()]
                for r in tables.commodities.iter_rows(named=True)]  # fmt: skip
    assert rows[1:] == expected
    values = book.get_sheet_by_name("Trị giá theo tháng").to_python()[1:]
    assert [r[0] for r in values] == tables.months  # dates come back as dates
    assert [r[3] for r in values] == tables.goods_value["goods_value_vnd"].to_list()
    pending = [r for r in book.get_sheet_by_name("Xử lý theo tháng").to_python() if r[0].startswith("đang xử lý")]
    assert pending[0][1:] == [float(n) for n in tables.outcomes.filter(pl.col("outcome") == "pending").row(0)[1:]]


def test_same_inputs_same_outputs(report, tmp_path):
    out, _ = report
    again = tmp_path / "again"
    res = _run("report", "--cases", str(SAMPLE), "--out", str(again), "--campaign", CAMPAIGN, "--now", NOW)
    assert res.returncode == 0, res.stderr
    assert _digest(out) == _digest(again)  # every file, byte for byte, summary.json and the maps included
    assert _strict_json(again / "summary.json")["generated_at"] == "2025-12-02T06:00:00+07:00"
    epoch = subprocess.run(
        [sys.executable, "-m", "trendkit.cli", "report", "--cases", str(SAMPLE), "--out", str(tmp_path / "e")],
        capture_output=True, text=True, cwd=ROOT, env={**os.environ, "SOURCE_DATE_EPOCH": "1764630000"},
    )  # fmt: skip
    assert epoch.returncode == 0, epoch.stderr
    assert _strict_json(tmp_path / "e" / "summary.json")["generated_at"].startswith("2025-12-01")


def test_bad_input_leaves_the_previous_report_untouched(report, tmp_path):
    out, _ = report
    before = _digest(out)
    res = _run("report", "--cases", str(tmp_path / "missing.xlsx"), "--out", str(out))
    assert res.returncode == 2 and "Traceback" not in res.stderr
    reason = [line for line in res.stderr.strip().splitlines() if not line[:4].isdigit()]  # drop log lines
    assert len(reason) == 1 and reason[0].startswith("trendkit: ")
    assert "missing.xlsx: không tìm thấy tệp / file not found" in reason[0]
    bad = _run("report", "--cases", str(SAMPLE), "--out", str(out), "--campaign", "QN:Atlantis:2023-07")
    assert bad.returncode == 2 and "Atlantis" in bad.stderr and "Traceback" not in bad.stderr
    assert _run("report", "--cases", str(SAMPLE), "--out", str(out), "--campaign", "oops").returncode == 2
    assert _digest(out) == before
    assert not [p for p in out.parent.iterdir() if ".building-" in p.name]


def _building(out: Path) -> list[Path]:
    home = out.parent / f".{out.name}.reports"
    return [p for p in home.iterdir() if p.name.startswith(".building-")] if home.exists() else []


def _start(out: Path) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "trendkit.cli", "report", "--cases", str(SAMPLE), "--out", str(out),
         "--campaign", CAMPAIGN], cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )  # fmt: skip


def _wait_for_build(out: Path, proc: subprocess.Popen) -> None:
    deadline = time.time() + 120
    while time.time() < deadline and not _building(out) and proc.poll() is None:
        time.sleep(0.02)


@pytest.mark.slow
def test_a_killed_run_leaves_the_previous_report_complete(report):
    out, _ = report
    before = _digest(out)
    killed = 0
    for delay in (0.0, 0.3, 0.8, 1.5, 2.5, 4.0):  # loading, models, maps, writing
        proc = _start(out)
        _wait_for_build(out, proc)
        time.sleep(delay)
        if proc.poll() is not None:  # finished before the kill: a new complete report, keep it as the reference
            before = _digest(out)
            continue
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        killed += 1
        assert _digest(out) == before, delay  # at every instant a complete report is in place
    assert killed >= 3
    assert _building(out)  # the killed runs left their build folder ...
    again = _run("report", "--cases", str(SAMPLE), "--out", str(out), "--campaign", CAMPAIGN)
    assert again.returncode == 0, again.stderr
    assert not _building(out)  # ... which the next run removed
    assert not [p for p in out.parent.iterdir() if ".link-" in p.name or ".old-" in p.name]


def test_concurrent_runs_on_one_out_do_not_race(report):
    out, _ = report
    first = _start(out)
    _wait_for_build(out, first)
    second = _run("report", "--cases", str(SAMPLE), "--out", str(out))
    assert second.returncode == 2 and "another trendkit report is being written there" in second.stderr
    assert first.wait(timeout=300) == 0, first.stderr.read()


def test_report_folders_keep_ordinary_permissions(report):
    out, _ = report
    assert out.is_symlink() and (out / ".trendkit-report").is_file()
    assert out.resolve().stat().st_mode & 0o777 == 0o777 & ~_umask()


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _tree(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("kind", ["user_folder", "input_folder", "inside_input", "file", "foreign_link"])
def test_out_that_trendkit_does_not_own_is_refused(tmp_path, kind):
    home = tmp_path / "home"
    (home / "photos").mkdir(parents=True)
    (home / "thesis.docx").write_bytes(b"years of work")
    (home / "photos" / "a.jpg").write_bytes(b"jpg")
    cases = tmp_path / "extracts"
    cases.mkdir()
    (cases / "SYNTHETIC_x.csv").write_bytes((SAMPLE / "SYNTHETIC_trich_xuat_2022-01_2025-09.csv").read_bytes())
    out = {
        "user_folder": home,
        "input_folder": cases,
        "inside_input": cases / "report",
        "file": home / "thesis.docx",
        "foreign_link": tmp_path / "link",
    }[kind]
    if kind == "foreign_link":
        out.symlink_to(home)
    before = _tree(tmp_path)
    res = _run("report", "--cases", str(cases), "--out", str(out))
    assert res.returncode == 2, res.stderr
    message = [line for line in res.stderr.splitlines() if line.startswith("trendkit: ")]
    assert len(message) == 1 and "nothing was changed" in message[0] and "Traceback" not in res.stderr
    assert _tree(tmp_path) == before  # byte for byte, nothing moved, nothing added


def test_an_empty_folder_is_taken_over_and_a_report_like_folder_without_the_marker_is_not(tmp_path, report, small):
    empty = tmp_path / "empty"
    empty.mkdir()
    assert _run("report", "--cases", str(small), "--out", str(empty)).returncode == 0
    assert empty.is_symlink() and (empty / "index.html").is_file()
    mine = tmp_path / "mine"  # the user's own folder that happens to hold what a report holds
    mine.mkdir()
    for name in ("index.html", "summary.json", "chart_national.png"):
        (mine / name).write_bytes((report[0] / name).read_bytes())
    before = _tree(mine)
    res = _run("report", "--cases", str(SAMPLE), "--out", str(mine), "--keep", "1")
    assert res.returncode == 2 and "not made by trendkit" in res.stderr
    assert not mine.is_symlink() and _tree(mine) == before


def test_fail_on_alert(tmp_path):
    # a fresh campaign in the last three months: a new shift the scheduled run must flag
    sc = tk.default_scenario(scale=0.2, campaigns=(Campaign("late", ("Lạng Sơn",), "2025-10", 0.8),), channel_shifts=())
    sc = sc.replace(profiles=sc.profiles[:4])  # four provinces: the alert is Lạng Sơn's (a run in half the time)
    extract = tmp_path / "SYNTHETIC_late.csv"
    tk.generate(sc).raw.write_csv(extract, separator=";")
    out = tmp_path / "report"
    res = _run("report", "--cases", str(extract), "--out", str(out), "--fail-on-alert")
    assert res.returncode == 3, res.stderr
    summary = _strict_json(out / "summary.json")
    assert {"kind": "new_shift", "province": "Lạng Sơn", "month": "2025-10"}.items() <= next(
        a for a in summary["alerts"] if a["kind"] == "new_shift" and a["province"] == "Lạng Sơn"
    ).items()
    assert "ALERT" in res.stdout
    assert all(a["new"] for a in summary["alerts"]) and summary["previous_report"] is None
    quiet = _run("report", "--cases", str(extract), "--out", str(out))
    assert quiet.returncode == 0  # without the flag, alerts are reported but the run succeeds
    again = _run("report", "--cases", str(extract), "--out", str(out), "--fail-on-alert")
    assert again.returncode == 0, again.stdout  # the same alerts again are not new: cron stays quiet
    later = _strict_json(out / "summary.json")
    assert later["alerts"] and not any(a["new"] for a in later["alerts"]) and later["previous_report"]
    assert "0 new" in again.stdout and "reported before" in (out / "index.html").read_text(encoding="utf-8")


def test_help_reads_well():
    res = _run("report", "--help")
    text = " ".join(res.stdout.split())  # as wrapped to the terminal's width
    assert res.returncode == 0 and "--fail-on-alert" in text and "moved into place only when complete" in text
    assert "chỉ thay báo cáo cũ khi bản mới hoàn tất" in text  # Vietnamese first


def test_legacy_layout_and_since(tmp_path):
    out = tmp_path / "legacy"
    res = _run("report", "--cases", str(SAMPLE), "--out", str(out), "--layout", "legacy", "--since", "2022-04",
               "--campaign", CAMPAIGN)  # fmt: skip
    assert res.returncode == 0, res.stderr
    summary = _strict_json(out / "summary.json")
    assert summary["months"] == ["2022-04", "2025-12"] and summary["layout"] == "legacy"
    # after the merger a record naming "Lào Cai" may mean Yên Bái too: the legacy report counts it in the merged
    # legacy group "Lào Cai + Yên Bái" rather than drop it, and says so
    assert any("Lào Cai + Yên Bái" in line for line in summary["limits"])
    html = (out / "map_cases.html").read_text(encoding="utf-8")
    tips = [json.loads(f'"{t}"') for t in re.findall(r'"tip_name": "((?:[^"\\]|\\.)*)"', html)]
    assert tips.count("Lào Cai + Yên Bái (gộp / merged)") == 2  # the group colours both members' shapes
    # 15 months before the campaign: the calibrated scan still finds the planted receiver (with 13 it has
    # too little history to estimate Lào Cai's own dispersion: q = 0.11)
    assert summary["campaigns"][0]["receivers"][0]["unit"] == "Lào Cai + Yên Bái · road"


def _strict_json(path: Path):
    def refuse(name):
        raise ValueError(f"{path.name}: {name} is not JSON")

    return json.loads(path.read_text(encoding="utf-8"), parse_constant=refuse)


def test_shared_outputs_are_strict_json_minimal_and_relative(tmp_path):
    out = tmp_path / "r"
    evil = "T{{7*7}}<b>"
    res = _run("report", "--cases", str(SAMPLE), "--out", str(out), "--campaign", "HUE:Huế:2024-07:2024-09",
               "--campaign", f"{evil}:Quảng Ninh+Lạng Sơn@2023-10:2023-07:2024-06")  # fmt: skip
    assert res.returncode == 0, res.stderr
    summary = _strict_json(out / "summary.json")  # an interval that cannot be computed is null, not NaN
    staggered = summary["campaigns"][1]  # Lạng Sơn from its own start: each target measured from it
    assert staggered["starts"] == {"Quảng Ninh": "2023-07", "Lạng Sơn": "2023-10"}
    assert 0 <= staggered["comparison"]["pretrend_p"] <= 1
    assert summary["campaigns"][0]["comparison"]["pretrend_p"] is None  # one start: no event study
    assert "Quảng Ninh (07/2023), Lạng Sơn (10/2023)" in " ".join(line["en"] for line in staggered["story"])
    assert all(not Path(i["file"]).is_absolute() and str(tmp_path) not in i["file"] for i in summary["inputs"])
    assert str(ROOT) not in (out / "summary.json").read_text(encoding="utf-8")
    raw = (out / "rejected.csv").read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # Excel reads it as UTF-8
    header = raw[3:].decode("utf-8").splitlines()[0].split(",")
    assert header == ["source_file", "source_sheet", "source_row", "column", "value", "reason", "reason_code"]
    page = (out / "index.html").read_text(encoding="utf-8") + (out / "map_displacement_t_7_7_b.html").read_text()
    assert "T49" not in page
    index = (out / "index.html").read_text(encoding="utf-8")
    assert "T{{7*7}}<b>" not in index and "T{{7*7}}&lt;b&gt;" in index


def test_a_province_cannot_join_a_campaign_before_it_starts():
    from trendkit.errors import TrendkitInputError
    from trendkit.report import parse_campaign

    with pytest.raises(TrendkitInputError, match="Lạng Sơn cannot start before the campaign"):
        parse_campaign("QN-LS:Quảng Ninh+Lạng Sơn@2023-01:2023-07")
    with pytest.raises(TrendkitInputError, match="'2023-13' is not a month"):
        parse_campaign("QN-LS:Quảng Ninh+Lạng Sơn@2023-13:2023-07")


def test_a_campaign_on_a_province_without_cases_is_bad_input(tmp_path):
    res = _run("report", "--cases", str(SAMPLE), "--out", str(tmp_path / "r"), "--campaign", "X:Sơn La:2023-07")
    assert res.returncode == 2 and "no cases for Sơn La" in res.stderr and "Traceback" not in res.stderr


def test_small_counts_never_show_in_alert_text():
    from trendkit.report import alert_text
    from trendkit.summary import suppress

    text = alert_text({"kind": "anomaly", "province": "Huế", "month": "2025-12", "cases": suppress(1),
                       "lower": 4.0, "upper": 20.0})  # fmt: skip
    assert "<3 vụ / cases" in text and " 1 " not in text
    assert "Huế 12/2025:" in text  # the month as a reader writes it, never "2025-12"


def _months_of_sample(tmp_path: Path, months: list[str]) -> Path:
    """A SYNTHETIC extract with only these months (MM/YYYY) of the sample CSV."""
    lines = (SAMPLE / "SYNTHETIC_trich_xuat_2022-01_2025-09.csv").read_text(encoding="utf-8").splitlines()
    keep = [line for line in lines[1:] if line.split(";")[1][3:] in months]
    path = tmp_path / "in" / "SYNTHETIC_few_months.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("\n".join([lines[0], *keep]) + "\n", encoding="utf-8")
    return path.parent


@pytest.mark.parametrize("months", [["09/2025"], ["07/2025", "08/2025", "09/2025"]])
def test_a_new_deployment_gets_a_report_from_month_one(tmp_path, months):
    folder = _months_of_sample(tmp_path, months)
    out = tmp_path / "r"
    res = _run("report", "--cases", str(folder), "--out", str(out), "--campaign", CAMPAIGN)
    assert res.returncode == 0, res.stderr
    summary = _strict_json(out / "summary.json")
    assert check(summary, ReportSummary) == []
    assert summary["rows"]["in_report"] > 0 and {"map_cases.html", "map_monthly.html"} <= set(summary["maps"])
    limits = " ".join(summary["limits"])
    assert "change points need 6 months" in limits and "forecasts and anomalies need 15 months" in limits
    assert "campaign QN-LS needs 12 months before" in limits and not summary["campaigns"]
    page = (out / "index.html").read_text(encoding="utf-8")
    assert "Cần thêm dữ liệu" in page and "Needs more data" in page


def test_months_without_cases_are_gaps_not_zeros(tmp_path):
    folder = _months_of_sample(tmp_path, ["03/2022", "04/2025", "05/2025"])
    out = tmp_path / "r"
    res = _run("report", "--cases", str(folder), "--out", str(out))
    assert res.returncode == 0, res.stderr
    limits = " ".join(_strict_json(out / "summary.json")["limits"])
    assert "no cases at all in 36 month(s) (04/2022, 05/2022" in limits and "the analyses use the 3 months" in limits
    assert "change points need 6 months; the data have 3" in limits
    shown = (out / "map_cases.html").read_text(encoding="utf-8")  # the 12-month totals say what they lack
    assert "thiếu / incomplete: không có số liệu / no data 06/2024, 07/2024" in shown


def test_a_province_that_stops_reporting_is_left_out_not_read_as_a_fall(tmp_path):
    lines = (SAMPLE / "SYNTHETIC_trich_xuat_2022-01_2025-09.csv").read_text(encoding="utf-8").splitlines()
    silent = {"03/2024", "04/2024", "05/2024", "06/2024"}
    keep = [x for x in lines[1:] if not (x.split(";")[1][3:] in silent and "Lào Cai" in x.split(";")[2])]
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "SYNTHETIC_silent.csv").write_text("\n".join([lines[0], *keep]) + "\n", encoding="utf-8")
    out = tmp_path / "r"
    res = _run("report", "--cases", str(tmp_path / "in"), "--out", str(out), "--campaign", CAMPAIGN)
    assert res.returncode == 0, res.stderr
    summary = _strict_json(out / "summary.json")
    assert any("/ Lào Cai did not report 3 month(s) (03/2024, 04/2024, 05/2024)" in x for x in summary["limits"])
    assert "Lào Cai" in [p for names in summary["campaigns"][0]["comparison"]["left_out"].values() for p in names]
    # read as zeros, the silence gave Lào Cai a -99% break in 04/2024 and a +3,500% one in 07/2024
    assert not [x for x in summary["shifts"] if x["province"] == "Lào Cai" and abs(x["change_pct"]) > 0.9]


def test_an_early_partial_month_raises_no_alert(tmp_path, report):
    early = tmp_path / "in"
    early.mkdir()
    (early / "SYNTHETIC_T1_2026_Lang_Son.csv").write_text(
        "Mã vụ việc;Ngày phát hiện;Tỉnh/TP;Tuyến\n"
        + "".join(f"EARLY-{i};{i % 28 + 1:02d}/01/2026;Lạng Sơn;Đường bộ\n" for i in range(30)),
        encoding="utf-8",
    )
    out = tmp_path / "r"
    res = _run("report", "--cases", str(SAMPLE), str(early), "--out", str(out), "--campaign", CAMPAIGN, "--now", NOW)
    assert res.returncode == 0, res.stderr
    summary, before = _strict_json(out / "summary.json"), _strict_json(report[0] / "summary.json")
    assert summary["held_back_months"] == ["2026-01"] and summary["rows"]["held_back"] == 30
    assert summary["months"] == ["2022-01", "2025-12"]  # the models stop at the last complete month
    assert [a for a in summary["alerts"] if a["month"] == "2026-01"] == []
    strip = lambda alerts: [{k: v for k, v in a.items() if k != "new"} for a in alerts]  # noqa: E731
    assert strip(summary["alerts"]) == strip(before["alerts"])  # the early file changes no alert
    last = summary["completeness"][-1]
    assert last["period"] == "2026-01" and not last["complete"] and "Lào Cai" in last["missing"]


def test_expected_units_file(tmp_path):
    units = tmp_path / "units.txt"
    units.write_text("# provinces that report monthly\nLạng Sơn\nAtlantis\n", encoding="utf-8")
    res = _run("report", "--cases", str(SAMPLE), "--out", str(tmp_path / "r"), "--expected-units", str(units))
    assert res.returncode == 2 and "line 3: không phải tên tỉnh / 'Atlantis' is not a province" in res.stderr


def test_a_link_whose_report_was_deleted_by_hand_is_still_ours(tmp_path, small):
    import shutil

    out = tmp_path / "r"
    assert _run("report", "--cases", str(small), "--out", str(out), "--keep", "1").returncode == 0
    shutil.rmtree(out.resolve())  # someone cleans the history by hand: the link dangles
    again = _run("report", "--cases", str(small), "--out", str(out))
    assert again.returncode == 0, again.stderr
    assert (out / "index.html").is_file()


def test_the_schema_check_can_fail(report):
    summary = _strict_json(report[0] / "summary.json")
    summary["rows"] = "many"
    summary["campaigns"][0]["change_pct"] = ["−40%"]
    del summary["alerts"]
    summary["surprise"] = 1
    assert check(summary, ReportSummary) == [
        "surprise: not in the schema",
        "alerts: missing",
        "campaigns[0].change_pct[0]: '−40%' is none of float | None",
        "rows: expected an object",
    ]


def test_a_customs_month_report_counts_16th_to_15th_and_says_so(tmp_path, small):
    from python_calamine import CalamineWorkbook

    out = tmp_path / "customs"
    res = _run("report", "--cases", str(small), "--out", str(out), "--month", "customs", "--now", NOW)
    assert res.returncode == 0, res.stderr
    summary = _strict_json(out / "summary.json")
    assert check(summary, ReportSummary) == [] and summary["month_kind"] == "customs"
    # the extracts end on 31 December: the customs month to 15 January is cut, so held back, not a fall
    assert summary["held_back_months"] == ["2026-01"] and summary["months"][-1] == "2025-12"
    assert summary["completeness"][-1]["period"] == "2026-01" and not summary["completeness"][-1]["complete"]
    cases = tk.load_cases(small).cases
    day = pl.col("detected_on")
    label = pl.when(day.dt.day() >= 16).then(day.dt.offset_by("1mo")).otherwise(day).dt.strftime("%Y-%m")
    by_hand = cases.group_by(pl.col("province"), label.alias("m")).len()
    rows = CalamineWorkbook.from_path(out / "tables.xlsx").get_sheet_by_name("Số vụ theo tỉnh").to_python()
    months = rows[0][1:]
    for row in rows[1:]:
        for m, n in zip(months, row[1:], strict=True):
            want = by_hand.filter((pl.col("province") == row[0]) & (pl.col("m") == m))["len"].sum()
            assert n == ("<3" if 0 < want < 3 else want), (row[0], m)
    html = (out / "index.html").read_text(encoding="utf-8")
    assert "tháng hải quan" in html and "customs months" in html
    assert "tháng hải quan" in (out / "map_monthly.html").read_text(encoding="utf-8")


def test_the_national_chart_speaks_vietnamese_first_and_hides_small_counts(tmp_path):
    import numpy as np

    from trendkit.palette import CHANNEL_LABELS
    from trendkit.report.steps import national_chart

    months = [dt.date(2023, m, 1) for m in range(1, 13)]
    cases_p = pl.DataFrame(
        {
            "period": months * 2,
            "channel": ["road"] * 12 + ["air"] * 12,
            "cases": [40 + m for m in range(12)] + [0, 1, 2, 5, 8, 0, 3, 2, 9, 12, 1, 4],
        }
    )
    fig = national_chart(cases_p, tmp_path / "c.png")
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert sorted(labels) == sorted([CHANNEL_LABELS["road"], CHANNEL_LABELS["air"]])
    air = next(line for line in ax.get_lines() if line.get_label() == CHANNEL_LABELS["air"])
    y = np.asarray(air.get_ydata(), float)
    assert np.isnan(y[[1, 2, 7, 10]]).all() and y[0] == 0 and y[3] == 5  # 1–2 cases: not drawn; 0 is drawn
    ticks = [t.get_text() for t in ax.get_xticklabels() if t.get_text()]
    assert ticks and all(re.fullmatch(r"\d\d/\d{4}", t) for t in ticks)  # "04/2023", never "Apr"
    assert (tmp_path / "c.png").is_file()
