"""SYNTHETIC case records drawn from a :class:`~trendkit.synthetic.scenario.Scenario`, in canonical and raw form.

Nothing here is real data. :func:`generate` draws monthly counts (negative binomial around the
scenario's expected counts), then one record per case: a day (weighted to the pre-Tết peak), a
commodity from the route's mix, a violation, a heavy-tailed value, an outcome and the gate,
port or airport. It returns both the canonical table (what :func:`trendkit.load_cases` should
give) and the raw rows as a provincial unit writes them (Vietnamese headers, names, number and
date formats; legacy province names before 1 July 2025, the new names after).

:func:`write_sample` writes the bundled sample: a CSV export of the history plus three monthly
Excel reports with title rows, merged two-row headers, TCVN3 cells and planted bad rows, and
``truth.json`` with the scenario and every expected rejection.

>>> ex = generate(default_scenario(scale=0.05, months=12))
>>> ex.cases.columns[:5]
['case_id', 'detected_on', 'province', 'province_code', 'province_legacy']
>>> ex.raw.columns[:4]
['Mã vụ việc', 'Ngày phát hiện', 'Tỉnh/TP', 'Tuyến']
>>> ex.cases.height == ex.raw.height == ex.counts["cases"].sum()
True
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import polars as pl

from trendkit.geo.gazetteer import places
from trendkit.geo.provinces import MERGER_DATE, provinces
from trendkit.ingest.vocab import COMMODITY_GROUPS
from trendkit.months import add_months, parse_month
from trendkit.synthetic.scenario import Scenario, default_scenario
from trendkit.tet import in_tet_window
from trendkit.text import strip_diacritics, to_tcvn3

__all__ = ["RAW_HEADERS", "SAMPLE_SCALE", "SyntheticExtract", "generate", "sample_scenario", "write_sample"]

#: The headers a provincial unit's extract uses, in order.
RAW_HEADERS = [
    "Mã vụ việc",
    "Ngày phát hiện",
    "Tỉnh/TP",
    "Tuyến",
    "Loại vi phạm",
    "Mặt hàng",
    "Trị giá hàng vi phạm (đồng)",
    "Số lượng",
    "Đơn vị tính",
    "Hình thức xử lý",
    "Cửa khẩu",
]
CANONICAL_COLUMNS = [
    "case_id",
    "detected_on",
    "province",
    "province_code",
    "province_legacy",
    "channel",
    "violation",
    "commodity",
    "commodity_group",
    "commodity_raw",
    "goods_value_vnd",
    "quantity",
    "unit",
    "quantity_std",
    "unit_std",
    "place_id",
    "place_raw",
    "outcome",
]

#: The committed sample is the default scenario at this fraction of national volume.
SAMPLE_SCALE = 0.2

# Commodity mix by route: raw text -> (canonical commodity, weight).
_ROUTES: dict[str, dict[str, tuple[str, float]]] = {
    "road_china": {
        "Thuốc lá điếu": ("cigarettes", 3),
        "Đường cát": ("sugar", 2),
        "Pháo nổ": ("fireworks", 1.5),
        "Nội tạng đông lạnh": ("frozen_food", 2),
        "Chân gà đông lạnh": ("frozen_food", 1),
        "Quần áo": ("textiles", 1.5),
        "Linh kiện điện tử": ("electronics", 1),
        "Hoa quả": ("fruit", 1),
    },
    "road_laos": {
        "Gỗ": ("timber", 2),
        "Thuốc lá điếu": ("cigarettes", 2),
        "Ma túy tổng hợp": ("synthetic_drugs", 1),
        "Gia súc": ("livestock", 1),
        "Động vật hoang dã": ("wildlife", 0.3),
    },
    "road_cambodia": {
        "Thuốc lá điếu": ("cigarettes", 4),
        "Đường cát": ("sugar", 3),
        "Xăng dầu": ("fuel", 1),
        "Gia cầm": ("poultry", 1),
        "Quần áo": ("textiles", 1),
    },
    "rail": {"Hoa quả": ("fruit", 2), "Phế liệu": ("scrap", 1), "Linh kiện điện tử": ("electronics", 1)},
    "sea": {
        "Xăng dầu": ("fuel", 3),
        "Hàng đã qua sử dụng": ("used_goods", 2),
        "Gỗ": ("timber", 1.5),
        "Phế liệu": ("scrap", 1.5),
        "Thuốc lá điếu": ("cigarettes", 1),
        "Vảy tê tê": ("wildlife", 0.3),
    },
    "air": {
        "Ma túy tổng hợp": ("synthetic_drugs", 2),
        "Vàng": ("gold", 2),
        "Điện thoại": ("electronics", 2),
        "Mỹ phẩm": ("cosmetics", 1.5),
        "Ngoại tệ": ("currency", 1),
    },
    "post": {
        "Ma túy tổng hợp": ("synthetic_drugs", 1.5),
        "Mỹ phẩm": ("cosmetics", 3),
        "Thuốc tân dược": ("medicines", 2),
        "Giày dép": ("textiles", 1),
        "Điện thoại": ("electronics", 1),
    },
    "inland": {
        "Thuốc lá điếu": ("cigarettes", 3),
        "Rượu ngoại": ("alcohol", 2),
        "Quần áo": ("textiles", 2),
        "Mỹ phẩm": ("cosmetics", 1),
        "Đường cát": ("sugar", 1),
    },
}
# Median value (VND) by commodity; values are log-normal around it (heavy right tail).
_MEDIAN_VALUE = {
    "cigarettes": 30e6,
    "sugar": 50e6,
    "fireworks": 20e6,
    "frozen_food": 80e6,
    "alcohol": 20e6,
    "synthetic_drugs": 150e6,
    "gold": 500e6,
    "currency": 500e6,
    "fuel": 300e6,
    "used_goods": 400e6,
    "scrap": 400e6,
    "timber": 250e6,
    "wildlife": 500e6,
    "electronics": 100e6,
    "textiles": 40e6,
    "cosmetics": 30e6,
    "medicines": 30e6,
    "fruit": 40e6,
    "livestock": 40e6,
    "poultry": 40e6,
}
_VALUE_SIGMA = 1.3
# Violation wording by channel: raw text -> (canonical, weight); drugs and prohibited goods override.
_SMUGGLING = ("Buôn lậu", "smuggling")
_TRANSPORT = ("Vận chuyển trái phép hàng hóa qua biên giới", "illegal_transport")
_FRAUD = ("Gian lận thương mại", "trade_fraud")
_FAKE = ("Hàng giả", "counterfeit")
_VIOLATION_MIX = {
    "road": [(_SMUGGLING, 0.45), (_TRANSPORT, 0.4), (_FRAUD, 0.1), (_FAKE, 0.05)],
    "rail": [(_SMUGGLING, 0.5), (_TRANSPORT, 0.3), (_FRAUD, 0.2)],
    "sea": [(_FRAUD, 0.45), (_SMUGGLING, 0.4), (_FAKE, 0.15)],
    "air": [(_SMUGGLING, 0.6), (_FRAUD, 0.2), (_FAKE, 0.2)],
    "post": [(_FAKE, 0.4), (_SMUGGLING, 0.4), (_FRAUD, 0.2)],
    "inland": [(_SMUGGLING, 0.4), (_FAKE, 0.35), (_FRAUD, 0.25)],
}
_OUTCOME_MIX = {
    "default": [
        ("Xử phạt vi phạm hành chính", "administrative", 0.9),
        ("Chuyển cơ quan khác đề nghị khởi tố", "referred", 0.05),
        ("Khởi tố", "criminal", 0.02),
        ("Đang xử lý", "pending", 0.03),
    ],
    "drugs": [
        ("Khởi tố", "criminal", 0.6),
        ("Chuyển cơ quan khác đề nghị khởi tố", "referred", 0.35),
        ("Đang xử lý", "pending", 0.05),
    ],
}
_CHANNEL_WORDS = {
    "road": [("Đường bộ", 0.8), ("Tuyến bộ", 0.2)],
    "sea": [("Đường biển", 0.8), ("Tuyến biển", 0.2)],
    "air": [("Hàng không", 0.7), ("Đường hàng không", 0.3)],
    "rail": [("Đường sắt", 1.0)],
    "post": [("Bưu chính", 0.4), ("Chuyển phát nhanh", 0.4), ("CPN", 0.2)],
    "inland": [("Nội địa", 1.0)],
}
_CITIES = {"Hà Nội", "Hải Phòng", "Đà Nẵng", "Cần Thơ", "Huế"}


@dataclass(frozen=True)
class SyntheticExtract:
    """What :func:`generate` draws: SYNTHETIC, with its truth.

    Attributes
    ----------
    scenario
        The scenario the records were drawn from.
    cases
        The canonical case table (the columns :func:`trendkit.load_cases` gives).
    raw
        The same cases as a provincial unit writes them (all text, Vietnamese formats).
    counts
        Realised cases per month × legacy province × channel, with the scenario's
        ``baseline`` and ``expected`` counts beside them.
    """

    scenario: Scenario
    cases: pl.DataFrame
    raw: pl.DataFrame
    counts: pl.DataFrame

    def truth(self) -> dict[str, Any]:
        """The planted truth, JSON-ready: scenario parameters and what each event should do."""
        return _truth(self)


def _weighted(rng: np.random.Generator, options: list[tuple[Any, float]], n: int) -> list[Any]:
    w = np.array([o[1] for o in options], dtype=float)
    idx = rng.choice(len(options), size=n, p=w / w.sum())
    return [options[i][0] for i in idx]


def _draw_counts(scenario: Scenario, rng: np.random.Generator) -> pl.DataFrame:
    exp = scenario.expected().sort("month", "province_legacy", "channel")
    # rounded so that float summation order can never change a draw
    lam = exp["expected"].round(9).to_numpy()
    if scenario.dispersion is not None:
        k = scenario.dispersion
        lam = rng.gamma(shape=k, scale=np.maximum(lam, 1e-12) / k)
    return exp.with_columns(pl.Series("cases", rng.poisson(lam), dtype=pl.Int64))


def draw_panel(scenario: Scenario, seed: int | None = None, *, layout: str = "2025") -> pl.DataFrame:
    """SYNTHETIC monthly counts drawn straight from a scenario, without case records: fast enough
    to check a model on hundreds of replicates.

    Returns ``period``, ``province`` (in ``layout``), ``channel``, ``cases`` (negative-binomial
    with the scenario's dispersion), ``expected`` and ``baseline`` (the truth with and without
    the events), one row per province × channel × month.

    >>> p = draw_panel(default_scenario(), seed=1)
    >>> p.columns, p["province"].n_unique()
    (['period', 'province', 'channel', 'cases', 'expected', 'baseline'], 23)
    """
    rng = np.random.default_rng(scenario.seed if seed is None else seed)
    key = "province" if layout == "2025" else "province_legacy"
    return (
        _draw_counts(scenario, rng)
        .group_by(pl.col("month").alias("period"), pl.col(key).alias("province"), "channel")
        .agg(pl.col("cases").sum(), pl.col("expected").sum(), pl.col("baseline").sum())
        .sort("period", "province", "channel")
    )


def _days(months: np.ndarray, scenario: Scenario, rng: np.random.Generator) -> list[dt.date]:
    """A detection day for each case, weighted towards the pre-Tết window."""
    out: list[dt.date] = [dt.date.min] * len(months)
    for month in np.unique(months):
        first = dt.date.fromisoformat(str(month)[:10])
        nxt = (first.replace(day=28) + dt.timedelta(days=4)).replace(day=1)
        days = [first + dt.timedelta(days=i) for i in range((nxt - first).days)]
        w = np.array([1 + scenario.tet_uplift * in_tet_window(d, scenario.tet_window_days) for d in days])
        idx = np.flatnonzero(months == month)
        picks = rng.choice(len(days), size=len(idx), p=w / w.sum())
        for i, p in zip(idx, picks, strict=True):
            out[i] = days[p]
    return out


def _route(channel: str, border: str | None) -> str:
    if channel != "road":
        return channel
    return {"China": "road_china", "Laos": "road_laos"}.get(border or "", "road_cambodia")


def _place_text(row: dict[str, Any], form: int) -> str:
    name = row["name"]
    if row["kind"] == "border_gate":
        if name.startswith("Ga "):
            return name
        return ("Cửa khẩu " if form == 0 else "CK ") + name
    if row["kind"] == "seaport":
        return name if name.startswith("Cảng ") else "Cảng " + name
    return ("Sân bay " if form == 0 else "Cảng hàng không quốc tế ") + name


# Drug seizures by substance: the route mix says "Ma túy tổng hợp"; a share of them are drawn again
# as the substance units name (raw text, commodity, weight).
_SUBSTANCES = [
    ("Ma túy tổng hợp", "synthetic_drugs", 4),
    ("Ma túy đá", "methamphetamine", 3),
    ("Heroin", "heroin", 2),
    ("Ketamin", "ketamine", 1),
    ("Thuốc lắc", "mdma", 1),
    ("Nhựa cần sa", "cannabis", 1),
]
# Quantity by commodity: (unit as written, median, log-sd, decimals). Heavy right tail, as seizures are.
_QUANTITY = {
    "cigarettes": ("bao", 300, 1.2, 0),
    "sugar": ("kg", 2000, 1.0, 0),
    "fireworks": ("kg", 20, 1.0, 1),
    "frozen_food": ("kg", 1500, 1.0, 0),
    "alcohol": ("lít", 50, 1.0, 0),
    "synthetic_drugs": ("viên", 5000, 1.5, 0),
    "methamphetamine": ("kg", 2, 1.3, 1),
    "heroin": ("bánh", 3, 1.0, 0),
    "ketamine": ("kg", 1, 1.0, 2),
    "mdma": ("viên", 2000, 1.3, 0),
    "cannabis": ("kg", 5, 1.2, 1),
    "gold": ("kg", 0.5, 1.0, 2),
    "fuel": ("lít", 5000, 1.2, 0),
    "used_goods": ("tấn", 20, 1.0, 1),
    "scrap": ("tấn", 30, 1.0, 1),
    "timber": ("m3", 15, 1.0, 1),
    "wildlife": ("kg", 50, 1.2, 1),
    "electronics": ("chiếc", 100, 1.3, 0),
    "textiles": ("chiếc", 500, 1.3, 0),
    "cosmetics": ("hộp", 200, 1.2, 0),
    "medicines": ("hộp", 100, 1.2, 0),
    "fruit": ("tấn", 10, 1.0, 1),
    "livestock": ("con", 20, 1.0, 0),
    "poultry": ("con", 500, 1.0, 0),
}
#: Share of cases whose extract leaves the quantity empty (currency seizures never have one).
_NO_QUANTITY = 0.1


def _substances(commodity: np.ndarray, raw: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Drug cases redrawn by substance (the route mix only says "Ma túy tổng hợp")."""
    commodity, raw = commodity.copy(), raw.copy()
    idx = np.flatnonzero(commodity == "synthetic_drugs")
    picked = _weighted(rng, [((t, c), w) for t, c, w in _SUBSTANCES], len(idx))
    raw[idx] = [p[0] for p in picked]
    commodity[idx] = np.array([p[1] for p in picked], dtype=object)
    return commodity, raw


def _quantities(commodity: np.ndarray, rng: np.random.Generator) -> dict[str, list[Any]]:
    """A quantity per case, in the unit units write for that commodity, with its standard form (from the
    shipped conversions: the truth the loader must reproduce) and the text of the two raw columns."""
    from trendkit.ingest.quantity import convert

    n = len(commodity)
    draw = np.exp(rng.normal(0, 1, n))
    missing = rng.random(n) < _NO_QUANTITY
    out: dict[str, list[Any]] = {k: [None] * n for k in ("quantity", "unit", "quantity_std", "unit_std")}
    out["written"], out["unit_written"] = [None] * n, [None] * n
    for c, (unit, median, sigma, digits) in _QUANTITY.items():
        idx = np.flatnonzero((commodity == c) & ~missing)
        q = np.maximum(np.round(median * draw[idx] ** sigma, digits), 10.0**-digits)
        std, factor = convert(unit, c)
        for i, v in zip(idx.tolist(), q.tolist(), strict=True):
            out["quantity"][i], out["unit"][i], out["unit_std"][i] = v, unit, std
            out["quantity_std"][i] = v * factor if factor else None
            out["written"][i], out["unit_written"][i] = _vn_number(v, digits), unit
    return out


def _vn_number(q: float, digits: int) -> str:
    """A number as a Vietnamese extract writes it: "1.250", "17,3"."""
    text = f"{q:,.{digits}f}"
    return text.replace(",", " ").replace(".", ",").replace(" ", ".")


def generate(scenario: Scenario | None = None) -> SyntheticExtract:
    """Draw SYNTHETIC case records from ``scenario`` (default: :func:`default_scenario`).

    The same scenario (including its ``seed``) always gives the same records.
    """
    scenario = scenario or default_scenario()
    rng = np.random.default_rng(scenario.seed)
    counts = _draw_counts(scenario, rng)
    cells = counts.filter(pl.col("cases") > 0)
    reps = cells["cases"].to_numpy()
    month = np.repeat(cells["month"].to_numpy(), reps)
    legacy = np.repeat(cells["province_legacy"].to_numpy(), reps)
    channel = np.repeat(cells["channel"].to_numpy(), reps)
    n = len(month)

    table = provinces("legacy")
    border = dict(zip(table["name"], table["land_border_with"], strict=True))
    to_2025 = dict(zip(table["name"], table["name_2025"], strict=True))
    code_2025 = dict(zip(table["name"], table["code_2025"], strict=True))
    members = dict(zip(provinces("2025")["name"], provinces("2025")["members"].list.len(), strict=True))

    day = _days(month, scenario, rng)
    route = np.array([_route(c, border[p]) for c, p in zip(channel, legacy, strict=True)])
    commodity_raw = np.empty(n, dtype=object)
    for r, mix in _ROUTES.items():
        idx = np.flatnonzero(route == r)
        commodity_raw[idx] = _weighted(rng, [(k, w) for k, (_, w) in mix.items()], len(idx))
    canon = {raw: c for mix in _ROUTES.values() for raw, (c, _) in mix.items()}
    commodity = np.array([canon[c] for c in commodity_raw])

    violation_text = np.empty(n, dtype=object)
    violation = np.empty(n, dtype=object)
    for ch, mix in _VIOLATION_MIX.items():
        idx = np.flatnonzero(channel == ch)
        picked = _weighted(rng, mix, len(idx))
        violation_text[idx] = [v[0] for v in picked]
        violation[idx] = [v[1] for v in picked]
    for override, (text, canonical) in (("drugs", ("Ma túy", "drugs")), ("banned", ("Hàng cấm", "prohibited"))):
        mask = commodity == "synthetic_drugs" if override == "drugs" else np.isin(commodity, ["fireworks", "wildlife"])
        violation_text[mask], violation[mask] = text, canonical

    median = np.array([_MEDIAN_VALUE[c] for c in commodity])
    value = np.maximum(np.round(median * np.exp(rng.normal(0, _VALUE_SIGMA, n)), -3), 1000.0)

    outcome_text = np.empty(n, dtype=object)
    outcome = np.empty(n, dtype=object)
    drugs = commodity == "synthetic_drugs"
    for mask, mix in ((drugs, _OUTCOME_MIX["drugs"]), (~drugs, _OUTCOME_MIX["default"])):
        picked = _weighted(rng, [((a, b), w) for a, b, w in mix], int(mask.sum()))
        outcome_text[mask] = [o[0] for o in picked]
        outcome[mask] = [o[1] for o in picked]

    channel_text = np.empty(n, dtype=object)
    for ch, words in _CHANNEL_WORDS.items():
        idx = np.flatnonzero(channel == ch)
        channel_text[idx] = _weighted(rng, words, len(idx))

    # place: a gate, port or airport of the province on that channel, when it has one
    gaz = places()
    place_id = np.full(n, None, dtype=object)
    place_raw = np.full(n, None, dtype=object)
    form = rng.integers(0, 2, n)
    for (p, ch), group in gaz.group_by("province_legacy", "channel", maintain_order=True):
        idx = np.flatnonzero((legacy == p) & (channel == ch))
        if len(idx) == 0:
            continue
        rows = list(group.sort("place_id").iter_rows(named=True))
        picks = rng.integers(0, len(rows), len(idx))
        place_id[idx] = [rows[k]["place_id"] for k in picks]
        place_raw[idx] = [_place_text(rows[k], f) for k, f in zip(picks, form[idx], strict=True)]

    # province as written: legacy names before the merger, 2025 names after; some "Tỉnh ..." and ASCII
    merger = dt.date.fromisoformat(MERGER_DATE)
    after = np.array([d >= merger for d in day])
    written = np.where(after, [to_2025[p] for p in legacy], legacy)
    style = rng.random(n)
    province_text = [
        strip_diacritics(w)
        if s < 0.03
        else (f"Tỉnh {w}" if s < 0.11 and w not in _CITIES and not w.startswith("TP.") else w)
        for w, s in zip(written, style, strict=True)
    ]
    province_legacy = [p if not a or members[to_2025[p]] == 1 else None for p, a in zip(legacy, after, strict=True)]
    # drawn last, so every draw above is what it was before quantities existed
    commodity, commodity_raw = _substances(commodity, commodity_raw, rng)
    qty = _quantities(commodity, rng)

    order = np.lexsort((np.arange(n), np.array(day, dtype="datetime64[D]")))
    seq: dict[str, int] = {}
    case_id = np.empty(n, dtype=object)
    for i in order:
        key = day[i].strftime("%Y%m")
        seq[key] = seq.get(key, 0) + 1
        case_id[i] = f"SYN-{key}-{seq[key]:05d}"

    cases = pl.DataFrame(
        {
            "case_id": case_id.tolist(),
            "detected_on": day,
            "province": [to_2025[p] for p in legacy],
            "province_code": [code_2025[p] for p in legacy],
            "province_legacy": province_legacy,
            "channel": channel.tolist(),
            "violation": violation.tolist(),
            "commodity": commodity.tolist(),
            "commodity_group": [COMMODITY_GROUPS[c] for c in commodity],
            "commodity_raw": commodity_raw.tolist(),
            "goods_value_vnd": value,
            **{k: qty[k] for k in ("quantity", "unit", "quantity_std", "unit_std")},
            "place_id": place_id.tolist(),
            "place_raw": place_raw.tolist(),
            "outcome": outcome.tolist(),
        },
        schema_overrides={
            "detected_on": pl.Date,
            "place_id": pl.String,
            "place_raw": pl.String,
            "quantity": pl.Float64,
            "unit": pl.String,
            "quantity_std": pl.Float64,
            "unit_std": pl.String,
        },
    )
    raw = pl.DataFrame(
        {
            "Mã vụ việc": case_id.tolist(),
            "Ngày phát hiện": [d.strftime("%d/%m/%Y") for d in day],
            "Tỉnh/TP": province_text,
            "Tuyến": channel_text.tolist(),
            "Loại vi phạm": violation_text.tolist(),
            "Mặt hàng": commodity_raw.tolist(),
            "Trị giá hàng vi phạm (đồng)": [f"{int(v):,}".replace(",", ".") for v in value],
            "Số lượng": qty["written"],
            "Đơn vị tính": qty["unit_written"],
            "Hình thức xử lý": outcome_text.tolist(),
            "Cửa khẩu": place_raw.tolist(),
        },
        schema_overrides={"Cửa khẩu": pl.String, "Số lượng": pl.String, "Đơn vị tính": pl.String},
    )
    by_id = pl.Series(case_id.tolist()).arg_sort()
    return SyntheticExtract(scenario, cases[by_id], raw[by_id], counts.drop("province"))


def sample_scenario() -> Scenario:
    """The scenario of the committed sample: :func:`default_scenario` at :data:`SAMPLE_SCALE`."""
    return default_scenario(scale=SAMPLE_SCALE)


# --- writing raw files ------------------------------------------------------------------------

_REPORT_MONTHS = ("2025-10", "2025-11", "2025-12")
# The bad rows each monthly report carries: (field to spoil, spoiled text, expected reason_code).
_BAD_ROWS = {
    "2025-10": [("date", "31/09/2025", "date_invalid"), ("province", "Quảng Ninhh", "province_unknown")],
    "2025-11": [("date", None, "date_missing"), ("channel", "Đường ống", "channel_unknown")],
    "2025-12": [
        ("value", "không rõ", "value_invalid"),
        ("province", "Lang Sonn", "province_unknown"),
        ("quantity", "khoảng 20 kg", "quantity_invalid"),
    ],
}


def _report(raw: pl.DataFrame, month: str, path: Path, resent: pl.DataFrame, rng: np.random.Generator) -> list[dict]:
    """A monthly provincial report (.xlsx) as units send it; returns the expected rejections."""
    import openpyxl

    y, m = month.split("-")
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = f"T{int(m)}"
    ws.append([f"BÁO CÁO KẾT QUẢ CÔNG TÁC CHỐNG BUÔN LẬU THÁNG {int(m)}/{y} — DỮ LIỆU MÔ PHỎNG (SYNTHETIC)"])
    ws.append(["Đơn vị tính: triệu đồng"])
    top = ["STT", "Thông tin vụ việc", None, "Tỉnh/TP", "Tuyến", "Loại vi phạm", "Mặt hàng", "Trị giá"]
    ws.append([*top, "Số lượng", "Hình thức xử lý", "Cửa khẩu"])
    ws.append([None, "Mã vụ việc", "Ngày phát hiện", None, None, None, None, "(triệu đồng)", None, None, None])
    ws.merge_cells(start_row=3, start_column=2, end_row=3, end_column=3)
    for col in (1, 4, 5, 6, 7, 9, 10, 11):
        ws.merge_cells(start_row=3, start_column=col, end_row=4, end_column=col)
    ws.append([f"({j})" for j in range(1, 12)])
    rows = pl.concat([raw, resent]).to_dicts()
    tcvn3 = set(rng.choice(len(raw), size=min(3, len(raw)), replace=False).tolist())
    expected: list[dict] = []
    for i, row in enumerate(rows, start=1):
        cells = [
            i,
            row["Mã vụ việc"],
            row["Ngày phát hiện"],
            row["Tỉnh/TP"],
            row["Tuyến"],
            row["Loại vi phạm"],
            row["Mặt hàng"],
            int(row["Trị giá hàng vi phạm (đồng)"].replace(".", "")) / 1e6,
            f"{row['Số lượng']} {row['Đơn vị tính']}" if row["Số lượng"] else None,  # the unit in the cell
            row["Hình thức xử lý"],
            row["Cửa khẩu"],
        ]
        if i - 1 in tcvn3:  # typed with an old ABC (.VnTime) font
            for j in (3, 4, 6):
                try:
                    cells[j] = to_tcvn3(cells[j])
                except ValueError:
                    pass
        ws.append(cells)
        if i > len(raw):
            expected.append(
                {"file": path.name, "source_row": ws.max_row, "case_id": row["Mã vụ việc"], "reason_code": "duplicate"}
            )
    ws.append([None] * 11)
    template = raw.row(0, named=True)
    for k, (fld, text, reason) in enumerate(_BAD_ROWS[month], start=1):
        t = template
        cells = [len(rows) + k, f"SYN-BAD-{y}{m}-{k}", t["Ngày phát hiện"], t["Tỉnh/TP"], t["Tuyến"],
                 t["Loại vi phạm"], t["Mặt hàng"], 1.5, None, t["Hình thức xử lý"], None]  # fmt: skip
        cells[{"date": 2, "province": 3, "channel": 4, "value": 7, "quantity": 8}[fld]] = text
        ws.append(cells)
        expected.append({"file": path.name, "source_row": ws.max_row, "case_id": cells[1], "reason_code": reason})
    ws.append(["Tổng cộng", *[None] * 10])
    wb.save(path)
    return expected


def _export_csv(raw: pl.DataFrame, path: Path) -> list[dict]:
    """The central system's CSV export (';'-separated, UTF-8); returns the expected rejections."""
    bad = [
        ("Tỉnh/TP", None, "province_missing"),
        ("Ngày phát hiện", "2023-13-05", "date_invalid"),
    ]
    frame = raw
    expected = []
    template = raw.row(0, named=True)
    for k, (col, text, reason) in enumerate(bad, start=1):
        row = {**template, "Mã vụ việc": f"SYN-BAD-CSV-{k}", col: text}
        at = (k * frame.height) // (len(bad) + 1)
        frame = pl.concat([frame.slice(0, at), pl.DataFrame([row], schema=raw.schema), frame.slice(at)])
        expected.append({"file": path.name, "source_row": at + 2, "case_id": row["Mã vụ việc"], "reason_code": reason})
    frame.write_csv(path, separator=";")
    return expected


def write_sample(folder: str | Path, scenario: Scenario | None = None) -> list[Path]:
    """Write the bundled SYNTHETIC sample into ``folder`` and return the paths written.

    - ``SYNTHETIC_trich_xuat_<first>_2025-09.csv``: the history, as the central system exports it;
    - ``SYNTHETIC_bao_cao_2025-10.xlsx`` … ``-12.xlsx``: monthly reports as provincial units
      send them (title rows, merged two-row header, values in "triệu đồng", a column-number
      row, a blank and a total row, three TCVN3 rows, planted bad rows; October re-sends a
      September case, which the loader reports as a duplicate);
    - ``truth.json``: the scenario, the planted events, and every expected rejection.
    """
    scenario = scenario or sample_scenario()
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    extract = generate(scenario)
    rng = np.random.default_rng(scenario.seed + 1)
    month_of = pl.col("Ngày phát hiện").str.slice(6, 4) + "-" + pl.col("Ngày phát hiện").str.slice(3, 2)
    raw = extract.raw.with_columns(month_of.alias("_month"))
    history = raw.filter(pl.col("_month") < _REPORT_MONTHS[0]).drop("_month")
    first = raw["_month"].min()
    paths, expected = [], []
    for month in _REPORT_MONTHS:
        path = folder / f"SYNTHETIC_bao_cao_{month}.xlsx"
        resent = history.tail(1) if month == _REPORT_MONTHS[0] else history.clear()
        expected += _report(raw.filter(pl.col("_month") == month).drop("_month"), month, path, resent, rng)
        paths.append(path)
    path = folder / f"SYNTHETIC_trich_xuat_{first}_2025-09.csv"
    expected += _export_csv(history, path)
    paths.append(path)
    truth = {**extract.truth(), "expected_rejected": expected, "expected_skipped": 3 * len(_REPORT_MONTHS)}
    path = folder / "truth.json"
    path.write_text(json.dumps(truth, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    paths.append(path)
    return sorted(paths)


# --- truth ------------------------------------------------------------------------------------


def _window_means(counts: pl.DataFrame, start: str, key: str, units: list[str], months: int = 12) -> dict:
    s = parse_month(start)
    before = (pl.col("month") >= add_months(s, -months)) & (pl.col("month") < s)
    after = (pl.col("month") >= s) & (pl.col("month") < add_months(s, months))
    out = {}
    for unit in units:
        c = counts.filter(pl.col(key) == unit)
        row = {}
        for label, cond in (("before", before), ("after", after)):
            sel = c.filter(cond).group_by("month").agg(pl.col("baseline", "expected", "cases").sum())
            row[label] = {k: round(float(sel[k].mean()), 3) for k in ("baseline", "expected", "cases")}
        out[unit] = row
    return out


def _truth(extract: SyntheticExtract) -> dict[str, Any]:
    sc = extract.scenario
    counts = extract.counts.join(
        provinces("legacy").select(pl.col("name").alias("province_legacy"), pl.col("name_2025").alias("province")),
        on="province_legacy",
        maintain_order="left",
    )
    null = sc.without_events().expected()
    changed = counts.select("month", "province_legacy", "province", "channel", "expected").join(
        null.select("month", "province_legacy", "channel", pl.col("expected").alias("_null")),
        on=["month", "province_legacy", "channel"],
        maintain_order="left",
    )
    unchanged = {}
    for layout, key in (("legacy", "province_legacy"), ("2025", "province")):
        per = changed.group_by(key, "channel", "month").agg(pl.col("expected", "_null").sum())
        moved = per.filter((pl.col("expected") - pl.col("_null")).abs() > 1e-9)[key].unique()
        unchanged[layout] = sorted(set(per[key]) - set(moved))
    events: list[dict[str, Any]] = []
    to_2025 = dict(provinces("legacy").select("name", "name_2025").iter_rows())
    for c in sc.campaigns:
        units = sorted({to_2025[p] for p in (*c.targets, *c.absorbers)})
        events.append(
            {
                "kind": "campaign",
                "name": c.name,
                "start": c.start,
                "targets_legacy": list(c.targets),
                "targets_2025": sorted({to_2025[p] for p in c.targets}),
                "reduction": c.reduction,
                "absorbers_legacy": dict(c.absorbers),
                "absorbers_2025": sorted({to_2025[p] for p in c.absorbers}),
                "absorbed_on_channel": c.channel,
                "deterred_share": round(1 - sum(c.absorbers.values()), 6),
                "monthly_means_12_before_after_2025_layout": _window_means(counts, c.start, "province", units),
            }
        )
    for s in sc.channel_shifts:
        events.append(
            {
                "kind": "channel_shift",
                "name": s.name,
                "start": s.start,
                "from_channel": s.from_channel,
                "share_moved": s.share,
                "to": dict(s.to),
                "receivers": {k: list(v) for k, v in s.receivers.items()},
                "national_monthly_means_12_before_after": _window_means(
                    counts.with_columns(pl.lit("national").alias("_all")),
                    s.start,
                    "channel",
                    [*s.to, s.from_channel],
                ),
            }
        )
    yearly = extract.cases.group_by(pl.col("detected_on").dt.year().alias("year")).len().sort("year")
    seized = (
        extract.cases.filter(pl.col("unit_std").is_not_null())
        .group_by("commodity_group", "unit_std")
        .agg(pl.col("quantity_std").sum().round(6), pl.len().alias("cases"))
        .sort("commodity_group", "unit_std")
    )
    return {
        "synthetic": True,
        "note": "SYNTHETIC data drawn by trendkit.synthetic.generate; nothing here is a real case.",
        "scenario": sc.to_dict(),
        "events": events,
        "unchanged_provinces": unchanged,
        "cases": extract.cases.height,
        "cases_by_year": {str(y): n for y, n in yearly.iter_rows()},
        "quantity_std_by_group": [
            {"commodity_group": g, "unit_std": u, "quantity_std": q, "cases": n} for g, u, q, n in seized.iter_rows()
        ],
    }
