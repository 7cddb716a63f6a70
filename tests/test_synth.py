"""The scenario generator: the committed sample's truth, calibration, planted effects, null scenarios."""

import datetime as dt
import json
from pathlib import Path

import polars as pl
import pytest
from polars.testing import assert_frame_equal

import trendkit as tk
from trendkit.months import add_months
from trendkit.synthetic.generate import CANONICAL_COLUMNS, generate, sample_scenario
from trendkit.synthetic.scenario import Campaign, ChannelShift
from trendkit.tet import tet_window_share

ROOT = Path(__file__).resolve().parent.parent
SAMPLE = ROOT / "data" / "sample"
TRUTH = json.loads((SAMPLE / "truth.json").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def loaded():
    return tk.load_cases(SAMPLE)


@pytest.fixture(scope="module")
def full():
    """The default scenario at full national scale."""
    return generate(tk.default_scenario())


def _monthly(cases: pl.DataFrame, *filters) -> pl.DataFrame:
    frame = cases.filter(*filters) if filters else cases
    return frame.group_by(pl.col("detected_on").dt.truncate("1mo").alias("month")).len().sort("month")


def _ratio(cases: pl.DataFrame, start: dt.date, *filters, months: int = 12) -> float:
    m = _monthly(cases, *filters)
    before = m.filter((pl.col("month") < start) & (pl.col("month") >= add_months(start, -months)))["len"]
    after = m.filter((pl.col("month") >= start) & (pl.col("month") < add_months(start, months)))["len"]
    return after.sum() / before.sum()


# --- the committed sample ---------------------------------------------------------------------


def test_loading_the_sample_reproduces_the_canonical_table(loaded):
    text = ("channel", "violation", "outcome", "commodity", "commodity_group")
    # the loader keeps repeated text (units, codes, raw spellings) as Categorical; the truth as String
    got = loaded.cases.select(CANONICAL_COLUMNS)
    got = got.with_columns(pl.col(*text).cast(pl.String), pl.col(pl.Categorical).cast(pl.String))
    expected = generate(sample_scenario()).cases
    assert_frame_equal(got.sort("case_id"), expected.sort("case_id"))


def test_planted_bad_rows_are_rejected_with_the_recorded_reasons(loaded):
    got = sorted(loaded.rejected.select("source_file", "source_row", "reason_code").iter_rows())
    want = sorted((r["file"], r["source_row"], r["reason_code"]) for r in TRUTH["expected_rejected"])
    assert got == want
    assert {r["reason_code"] for r in TRUTH["expected_rejected"]} >= {
        "date_invalid",
        "date_missing",
        "province_unknown",
        "province_missing",
        "channel_unknown",
        "value_invalid",
        "duplicate",
    }
    assert loaded.skipped.height == TRUTH["expected_skipped"]


def test_truth_describes_this_scenario(loaded):
    assert TRUTH["synthetic"] is True
    assert TRUTH["scenario"] == json.loads(json.dumps(sample_scenario().to_dict()))
    assert TRUTH["cases"] == loaded.cases.height
    years = loaded.cases.group_by(pl.col("detected_on").dt.year().cast(pl.String)).len()
    assert dict(years.iter_rows()) == TRUTH["cases_by_year"]


def test_tcvn3_cells_are_in_the_reports_and_repaired(loaded):
    import openpyxl

    from trendkit.text import looks_like_tcvn3

    ws = openpyxl.load_workbook(SAMPLE / "SYNTHETIC_bao_cao_2025-10.xlsx").active
    legacy_cells = [
        c for row in ws.iter_rows(values_only=True) for c in row if isinstance(c, str) and looks_like_tcvn3(c)
    ]
    assert len(legacy_cells) >= 3
    assert not any(looks_like_tcvn3(v) for v in loaded.cases["commodity_raw"].drop_nulls().unique())


def test_planted_campaign_is_visible_in_raw_monthly_counts(loaded):
    cases, start = loaded.cases, dt.date(2023, 7, 1)
    targets = _ratio(cases, start, pl.col("province").is_in(["Quảng Ninh", "Lạng Sơn"]))
    lao_cai = _ratio(cases, start, pl.col("province") == "Lào Cai")
    assert targets < 0.75  # planted: ×0.6 (with 3% growth)
    assert lao_cai > 1.35  # planted: about ×1.7
    unchanged = _ratio(cases, start, pl.col("province").is_in(TRUTH["unchanged_provinces"]["2025"]))
    assert 0.8 < unchanged < 1.25


def test_planted_road_crackdown_is_visible(loaded):
    start = dt.date(2024, 7, 1)
    assert _ratio(loaded.cases, start, pl.col("channel") == "road") < 0.65  # planted ×0.5
    assert _ratio(loaded.cases, start, pl.col("channel") == "sea") > 1.6  # planted about ×2


# --- calibration at national scale --------------------------------------------------------------


def test_yearly_totals_are_in_the_published_range(full):
    years = full.cases.group_by(pl.col("detected_on").dt.year()).len()
    assert years.height == 4
    assert years["len"].is_between(15_000, 19_000).all(), years


def test_channel_shares_follow_the_published_story(full):
    shares = (
        full.cases.group_by(pl.col("detected_on").dt.year().alias("year"), "channel")
        .len()
        .with_columns((pl.col("len") / pl.col("len").sum().over("year")).alias("share"))
    )

    def share(year, channel):
        return shares.filter((pl.col("year") == year) & (pl.col("channel") == channel))["share"].item()

    assert 0.5 < share(2023, "road") < 0.65  # published: 9,430 of 15,966 (59%) in 2023
    assert share(2025, "sea") > share(2025, "road")  # published: sea carried over half by late 2024


def test_most_cases_are_at_the_border_ports_and_airports(full):
    table = tk.provinces("2025")
    border = set(table.filter(pl.col("land_border_with").is_not_null())["name"])
    hubs = set(tk.places().filter(pl.col("kind") != "border_gate")["province_2025"])
    assert full.cases["province"].is_in(border | hubs).mean() > 0.85


def test_pre_tet_months_peak(full):
    monthly = _monthly(full.cases)
    monthly = monthly.with_columns(tet_window_share(monthly["month"]).alias("tet"))
    peak = monthly.filter(pl.col("tet") > 0.5)["len"].mean()
    rest = monthly.filter(pl.col("tet") == 0)["len"].mean()
    assert peak > 1.3 * rest  # planted ×1.6 on window days


def test_commodity_mix_by_route(full):
    cases = full.cases
    north_road = cases.filter(
        (pl.col("channel") == "road") & pl.col("province").is_in(["Lạng Sơn", "Quảng Ninh", "Lào Cai", "Cao Bằng"])
    )
    assert north_road["commodity_group"].is_in(["cigarettes", "sugar", "fireworks", "food"]).mean() > 0.6
    air_post = cases.filter(pl.col("channel").is_in(["air", "post"]))
    assert air_post["commodity_group"].is_in(["drugs", "gold_currency"]).mean() > 0.25
    drugs = air_post.filter(pl.col("commodity_group") == "drugs")
    assert drugs["commodity"].n_unique() == 6  # by substance: heroin, methamphetamine, pills …
    assert set(drugs["unit_std"].drop_nulls()) == {"kg", "piece"}  # drugs in kilograms and in pills
    sea = cases.filter(pl.col("channel") == "sea")
    assert sea["commodity_group"].is_in(["fuel", "scrap", "timber"]).mean() > 0.6
    # the vocabulary agrees with the generator's own categories
    from trendkit.ingest.vocab import COMMODITIES, match

    pairs = cases.select("commodity_raw", "commodity").unique()
    assert all(match(COMMODITIES, raw) == c for raw, c in pairs.iter_rows())


def test_goods_values_are_heavy_tailed(full):
    v = full.cases["goods_value_vnd"]
    assert v.min() > 0 and (v % 1000 == 0).all()
    assert v.mean() > 2 * v.median()
    top = v.sort(descending=True).head(v.len() // 100).sum() / v.sum()
    assert top > 0.15  # the top 1% of cases carry a large share of the value


# --- the scenario itself ----------------------------------------------------------------------


def test_campaign_moves_exactly_what_it_states():
    sc = tk.default_scenario(channel_shifts=())
    exp = sc.expected().filter(pl.col("month") == dt.date(2023, 7, 1))
    targets = exp.filter(pl.col("province_legacy").is_in(["Quảng Ninh", "Lạng Sơn"]))
    removed = 0.4 * targets["baseline"].sum()
    assert targets["expected"].sum() == pytest.approx(0.6 * targets["baseline"].sum())
    for province, share in {"Lào Cai": 0.5, "Cao Bằng": 0.1, "Hà Giang": 0.1}.items():
        road = exp.filter((pl.col("province_legacy") == province) & (pl.col("channel") == "road")).row(0, named=True)
        assert road["expected"] - road["baseline"] == pytest.approx(share * removed)
    assert exp["expected"].sum() == pytest.approx(exp["baseline"].sum() - 0.3 * removed)  # 30% deterred


def test_channel_shift_conserves_cases():
    sc = tk.default_scenario(campaigns=())
    exp = sc.expected()
    by_month = exp.group_by("month").agg(pl.col("baseline", "expected").sum())
    assert (by_month["expected"] - by_month["baseline"]).abs().max() < 1e-9
    after = (
        exp.filter(pl.col("month") == dt.date(2024, 7, 1)).group_by("channel").agg(pl.col("baseline", "expected").sum())
    )
    road = after.filter(pl.col("channel") == "road").row(0, named=True)
    assert road["expected"] == pytest.approx(0.5 * road["baseline"])
    sea = after.filter(pl.col("channel") == "sea").row(0, named=True)
    assert sea["expected"] - sea["baseline"] == pytest.approx(0.7 * 0.5 * road["baseline"])


def test_null_scenario_changes_nothing():
    null = tk.default_scenario().without_events()
    exp = null.expected()
    assert (exp["expected"] == exp["baseline"]).all()
    cases = generate(null.replace(scale=1.0)).cases
    ratio = _ratio(cases, dt.date(2023, 7, 1), pl.col("province").is_in(["Quảng Ninh", "Lạng Sơn"]))
    assert 0.9 < ratio < 1.15  # only the 3% trend and noise


def test_unchanged_provinces_match_the_null_exactly():
    sc = tk.default_scenario()
    exp = sc.expected().filter(pl.col("province").is_in(TRUTH["unchanged_provinces"]["2025"]))
    assert exp.height > 0 and (exp["expected"] == exp["baseline"]).all()


def test_same_seed_same_records_other_seed_differs():
    sc = tk.default_scenario(scale=0.05, months=12)
    assert_frame_equal(generate(sc).cases, generate(sc).cases)
    assert not generate(sc).cases.equals(generate(sc.replace(seed=7)).cases)


def test_poisson_option_and_scale():
    sc = tk.default_scenario(dispersion=None, scale=0.1)
    ex = generate(sc)
    assert ex.cases.height == ex.counts["cases"].sum()
    assert 0.85 < ex.cases.height / ex.counts["expected"].sum() < 1.15


SHIFT_TO_LANG_SON = ChannelShift("y", "2024-07", 0.5, {"sea": 1.0}, {"sea": ("Lạng Sơn",)})


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Campaign("x", ("Lạng Sơn",), "2023-07", 1.5), "reduction"),
        (lambda: Campaign("x", ("Lạng Sơn",), "2023-07", 0.4, {"Lào Cai": 0.8, "Cao Bằng": 0.5}), "sum to at most 1"),
        (lambda: Campaign("x", ("Lạng Sơn",), "2023-07", 0.4, {"Lạng Sơn": 0.5}), "both target and absorber"),
        (lambda: Campaign("x", ("Lạng Sơn",), "July 2023", 0.4), "YYYY-MM"),
        (lambda: Campaign("x", ("Tuyên Quangg",), "2023-07", 0.4), "unknown province"),
        (lambda: ChannelShift("y", "2024-07", 0.5, {"sea": 0.5}, {"sea": ("Hải Phòng",)}), "sum to 1"),
        (lambda: ChannelShift("y", "2024-07", 0.5, {"sea": 1.0}, {}), "no receivers"),
        (lambda: tk.default_scenario(channel_shifts=(SHIFT_TO_LANG_SON,)), "no baseline sea"),
        (lambda: tk.default_scenario(campaigns=(Campaign("x", ("Bạc Liêu",), "2023-07", 0.4),)), "no profile"),
    ],
)  # fmt: skip
def test_bad_scenarios_are_refused(make, message):
    with pytest.raises(ValueError, match=message):
        make()


def test_published_figures():
    figs = tk.published_figures()
    assert figs.height >= 30
    assert figs.select(pl.all().null_count()).sum_horizontal().item() == 0
    assert set(figs["qualifier"]) <= {"=", ">", "~"}
    assert (figs["period_start"] <= figs["period_end"]).all()
    national = figs.filter((pl.col("scope") == "customs national") & (pl.col("metric") == "cases"))
    yearly = national.filter(
        pl.col("channel") == "all", (pl.col("period_end") - pl.col("period_start")).dt.total_days() > 360
    )
    assert yearly["value"].is_between(14_000, 20_000).all()
    assert (ROOT / "data" / "published" / "published_figures.csv").read_bytes() == (
        ROOT / "trendkit" / "data" / "published_figures.csv"
    ).read_bytes()


def test_the_loaded_sample_reproduces_the_quantities_in_its_truth():
    truth = json.loads((SAMPLE / "truth.json").read_text(encoding="utf-8"))["quantity_std_by_group"]
    cases = tk.load_cases(SAMPLE).cases.filter(pl.col("unit_std").is_not_null())
    got = cases.group_by(pl.col("commodity_group").cast(pl.String), "unit_std").agg(
        pl.col("quantity_std").sum(), pl.len()
    )
    got = {(g, u): (q, n) for g, u, q, n in got.iter_rows()}
    assert {(t["commodity_group"], t["unit_std"]) for t in truth} == set(got)
    for t in truth:
        q, n = got[(t["commodity_group"], t["unit_std"])]
        assert (q, n) == (pytest.approx(t["quantity_std"], rel=1e-9), t["cases"]), t
    assert {"kg", "piece"} <= {t["unit_std"] for t in truth if t["commodity_group"] == "drugs"}
