"""Every public result follows one contract (:class:`trendkit.result.Result`): ``summary()`` gives a
``Summary``, ``to_frame()`` a polars frame, and the repr and the HTML repr derive from the summary,
small, with numbers formatted by what they mean."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import polars as pl
import pytest

import trendkit as tk
from trendkit import models
from trendkit.report import ReportResult
from trendkit.result import Result
from trendkit.summary import Summary, fmt_cell

SAMPLE = Path(__file__).resolve().parent.parent / "data" / "sample"
TARGETS = ["Quảng Ninh", "Lạng Sơn"]


@pytest.fixture(scope="module")
def results() -> dict[str, Result]:
    res = tk.load_cases(SAMPLE)
    p = tk.panel(res.cases)
    pp = tk.panel(res.cases, by=("province",))
    s = models.series(p, province=TARGETS)
    wdd = models.wdd(treated=(120, 80), control=(300, 310), disp_treated=(60, 75), disp_control=(200, 205))
    kw = {"end": "2024-06", "exclude": ["Lào Cai"]}
    return {
        "load": res,
        "shock": models.common_shock(pp, "2023-07", end="2024-06", targets=TARGETS),
        "campaign": models.campaign_effect(s, "2023-07", end="2024-06", panel=pp),
        "comparative": models.comparative_effect(pp, TARGETS, "2023-07", **kw),
        "staggered": models.comparative_effect(pp, TARGETS, {"Quảng Ninh": "2023-07", "Lạng Sơn": "2023-09"}, **kw),
        "synthetic": models.synthetic_control(pp, TARGETS, "2023-07", **kw),
        "placebos": models.placebo_checks(pp, TARGETS, "2023-07", **kw),
        "measures": models.displacement_measures(p, TARGETS, "2023-07"),
        "scan": models.displacement_scan(p, TARGETS, "2023-07", after=12),
        "study": models.displacement_study(p, TARGETS, "2023-07"),
        "groups": models.choose_groups(pp, TARGETS, dt.date(2023, 7, 1), by="province", after=12),
        "breaks": models.change_points(models.series(p, province="Lào Cai")),
        "late": models.late_tail(pp),
        "leadlag": models.lead_lag(pp, ["Lạng Sơn", "Lào Cai"]),
        "channels": models.channel_shift(p, "2024-07"),
        "forecast": models.forecast(s, horizon=3),
        "counts": models.fit_counts(s),
        "stl": models.decompose(s),
        "power": models.minimum_detectable(pp, TARGETS, "2023-07"),
        "wdq": models.wdq(target=(100, 60), buffer=(50, 60), control=(200, 200)),
        "wdd": wdd,
        "e_test": models.e_test(30, 12),
        "report": ReportResult(Path("r"), {"rows": {"in_report": 1234, "rejected": 5}, "alerts": []}),
    }


def test_every_public_result_class_is_covered(results):
    public = {getattr(models, n) for n in models.__all__} | {tk.LoadResult, ReportResult}
    classes = {c for c in public if isinstance(c, type) and issubclass(c, Result)}
    assert classes == {type(r) for r in results.values()}
    plain = {c.__name__ for c in public if isinstance(c, type) and hasattr(c, "summary") and not issubclass(c, Result)}
    assert not plain, f"results outside the contract: {plain}"


@pytest.mark.parametrize(
    "name",
    ["load", "shock", "campaign", "comparative", "staggered", "synthetic", "placebos", "measures", "scan", "groups",
     "breaks", "leadlag", "channels", "forecast", "counts", "stl", "power", "wdq", "wdd", "e_test", "report"],
)  # fmt: skip
def test_the_contract(results, name):
    r = results[name]
    summary = r.summary()
    assert isinstance(summary, Summary) and isinstance(r.to_frame(), pl.DataFrame)
    page = r._repr_html_()
    assert page == summary._repr_html_() and repr(r) == str(summary)
    assert len(page.encode()) < 20_000, len(page)
    assert "object at 0x" not in repr(r) and not repr(r).startswith(type(r).__name__ + "(")
    if summary.table is not None:  # every table cell is shown as its column's meaning says
        cells = summary.cells()
        for c in summary.table.columns:
            shown = [fmt_cell(v, c) for v in summary.table.get_column(c).head(cells.height).to_list()]
            assert cells.get_column(c).to_list() == shown
        for whole, decimals in re.findall(r"<td>-?(\d[\d.]*),(\d+)</td>", page):  # never 0,123456 or 3,14159
            assert len(decimals.lstrip("0") if whole == "0" else decimals) <= 2, (whole, decimals)


def test_p_and_q_values_keep_two_significant_digits(results):
    """Notebook 03 showed the scan's q-values as "0,0" and "0,4" (one decimal for every float)."""
    table = results["scan"].summary().table
    page = results["scan"]._repr_html_()
    q = next(c for c in table.columns if c in ("q", "q_value"))
    for v in table.get_column(q).drop_nulls().head(40):
        expected = "< 0,001" if v < 0.001 else f"{v:#.2g}".replace(".", ",")
        assert f"<td>{expected}</td>" in page


def test_the_load_summary_shows_the_words_not_understood_in_html_too(tmp_path):
    path = tmp_path / "w.csv"
    path.write_text("Mã vụ việc;Ngày phát hiện;Tỉnh/TP;Hình thức xử lý\nW-1;12/03/2021;Huế;XLHCX\n", encoding="utf-8")
    res = tk.load_cases(path)
    assert "XLHCX" in str(res.summary()) and "XLHCX" in res._repr_html_()


def test_one_switch_writes_every_number_in_english_style_and_only_inside_it(results):
    scan = results["scan"]
    vi_page = scan._repr_html_()
    with tk.number_style("en"):
        en_page, en_text = scan._repr_html_(), str(results["wdd"].summary())
    assert scan._repr_html_() == vi_page  # back to Vietnamese after the block
    assert re.search(r"<td>\d+,\d+</td>", vi_page) and not re.search(r"<td>\d+,\d+</td>", en_page)
    assert re.search(r"<td>0\.\d+</td>", en_page)  # p/q-values with a decimal point
    assert re.search(r"90% CI -?[\d,]+\.\d to -?[\d,]+\.\d", en_text), en_text  # WDD: ptools' 90% by default
    with pytest.raises(ValueError, match="number style must be one of"):
        tk.set_number_style("fr")
