"""``tables.xlsx``: the report's tables as one workbook, for analysts and leaders who work in Excel.

One sheet per table, Vietnamese headers with the English after " / ", dates as dates, numbers as
numbers, text typed as text (never a formula), counts of 1–2 as "<3" as on the page
(:func:`trendkit.export.write_workbook`). The first sheet says what the workbook is, and whether its
data are SYNTHETIC.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import polars as pl

from trendkit.export import write_workbook
from trendkit.report.seized import STD_UNITS, SeizedTables
from trendkit.report.steps import CUSTOMS_MONTHS
from trendkit.summary import SUPPRESS_BELOW
from trendkit.words import COMMODITY_GROUPS, OUTCOMES, UNITS, Bi

__all__ = ["WORKBOOK", "write_tables"]

#: The workbook's name in the report folder.
WORKBOOK = "tables.xlsx"

_HEADERS = {
    "label_vi": "Mặt hàng / commodity (vi)",
    "label_en": "Mặt hàng / commodity (en)",
    "commodity_group": "Nhóm hàng / group",
    "commodity": "Chất, loại / substance",
    "cases": "Số vụ / cases",
    "measured": "Số vụ có trị giá / cases with a value",
    "goods_value_vnd": "Trị giá (đồng) / value (VND)",
    "month": "Tháng / month",
    "province": "Tỉnh / province",
    "outcome": "Hình thức xử lý / outcome",
    "change_pct": "Thay đổi (tỷ lệ) / change (share)",
    "lower": "Cận dưới dự báo / forecast low",
    "upper": "Cận trên dự báo / forecast high",
    "reason_code": "Lý do loại / reason rejected",
    "rows": "Số dòng / rows",
    **{u: f"{UNITS[u].vi} / {UNITS[u].en}" for u in STD_UNITS},
}


def write_tables(summary: Mapping[str, Any], prov_p: pl.DataFrame, seized: SeizedTables, folder: Path) -> str:
    """Write :data:`WORKBOOK` into ``folder`` (the report's build folder); returns its name."""
    months = seized.months
    cases = (
        prov_p.filter(pl.col("period").is_in(months))
        .with_columns(pl.col("period").dt.strftime("%Y-%m"))
        .pivot(on="period", index="province", values="cases")
        .sort("province")
    )
    outcomes = seized.outcomes.with_columns(pl.col("outcome").replace_strict(_labels(OUTCOMES)))
    groups = seized.commodity_months.with_columns(pl.col("commodity_group").replace_strict(_labels(COMMODITY_GROUPS)))
    sheets = {
        "Ghi chú": _notes(summary),
        "Số vụ theo tỉnh": cases,
        "Mặt hàng": seized.commodities,
        "Mặt hàng theo tháng": groups,
        "Xử lý theo tháng": outcomes,
        "Trị giá theo tháng": seized.goods_value,
        "Điểm thay đổi": _frame(summary["shifts"], ["province", "month", "change_pct"]),
        "Bất thường": _frame(summary["anomalies"], ["province", "month", "cases", "lower", "upper"]),
        "Bị loại theo lý do": pl.DataFrame(
            {"reason_code": list(summary["rejected_by_reason"]), "rows": list(summary["rejected_by_reason"].values())},
            schema={"reason_code": pl.String, "rows": pl.Int64},
        ),
    }
    month_columns = [f"{m:%Y-%m}" for m in months]
    counts = {
        "Số vụ theo tỉnh": month_columns,
        "Mặt hàng": ["cases"],
        "Mặt hàng theo tháng": month_columns,
        "Xử lý theo tháng": month_columns,
        "Trị giá theo tháng": ["cases", "measured"],
        "Bất thường": ["cases"],
    }
    named = {
        name: frame.rename({c: _HEADERS[c] for c in frame.columns if c in _HEADERS}) for name, frame in sheets.items()
    }
    renamed = {name: [_HEADERS.get(c, c) for c in cols] for name, cols in counts.items()}
    when = dt.datetime.fromisoformat(summary["generated_at"])  # the same inputs and time: the same bytes
    write_workbook(named, folder / WORKBOOK, counts=renamed, when=when)
    return WORKBOOK


def _labels(words: Mapping[str, Bi]) -> dict[str, str]:
    return {key: f"{w.vi} / {w.en}" for key, w in words.items()}


def _notes(summary: Mapping[str, Any]) -> pl.DataFrame:
    """What the workbook is: its data, when it was made, and how to read a "<3"."""
    synthetic = "DỮ LIỆU MÔ PHỎNG — không phải số liệu thật / SYNTHETIC DATA — not real figures"
    lines = [
        ("Dữ liệu / data", synthetic if summary["synthetic"] else "trích xuất của các đơn vị / the units' extracts"),
        (
            "Tháng / months",
            CUSTOMS_MONTHS if summary.get("month_kind") == "customs" else "tháng dương lịch / calendar months",
        ),
        ("Từ tháng / from", summary["months"][0]),
        ("Đến tháng / to", summary["months"][1]),
        ("Tạo lúc / generated", summary["generated_at"]),
        ("Phiên bản / trendkit", summary["version"]),
        (
            "Số nhỏ / small counts",
            f"1–{SUPPRESS_BELOW - 1} vụ ghi là “<{SUPPRESS_BELOW}”; tổng số lượng, trị giá của dưới {SUPPRESS_BELOW} "
            f"vụ để trống / counts of 1–{SUPPRESS_BELOW - 1} are shown as “<{SUPPRESS_BELOW}”; totals of fewer than "
            f"{SUPPRESS_BELOW} cases' quantities or values are left empty",
        ),
        (
            "Ô trống / empty cells",
            "tháng đơn vị không báo cáo, hoặc không có số liệu — không phải 0 / a month a unit did not report, or no "
            "value given — never zero",
        ),
        (
            "Mô tả / descriptive",
            "các bảng mô tả số liệu, không phải kiểm định / the tables describe, they test nothing",
        ),
    ]
    return pl.DataFrame(lines, schema={"Mục / item": pl.String, "Nội dung / note": pl.String}, orient="row")


def _frame(rows: list[dict[str, Any]], columns: list[str]) -> pl.DataFrame:
    """A summary list as a frame with its columns, text months as dates. A count the summary already
    suppressed ("<3") becomes 1, which the workbook writes as "<3" again: the cell stays a number column."""
    if not rows:
        return pl.DataFrame(schema={c: pl.String for c in columns})
    frame = pl.DataFrame([{c: (1 if c == "cases" and isinstance(r.get(c), str) else r.get(c)) for c in columns}
                          for r in rows])  # fmt: skip
    if "month" in frame.columns and frame.height:
        frame = frame.with_columns(pl.col("month").map_elements(_month, return_dtype=pl.Date))
    return frame


def _month(text: str) -> dt.date:
    return dt.date.fromisoformat(f"{text}-01")
