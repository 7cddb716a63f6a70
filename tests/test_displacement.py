"""Builders, channel shift, the displacement scan and lead-lag: by hand, planted effects, null calibration."""

import datetime as dt

import numpy as np
import polars as pl
import pytest

import trendkit as tk
from trendkit.models import channel_shift, displacement_measures, displacement_scan, lead_lag, minimum_detectable

CASES = tk.load_cases("data/sample").cases
PANEL = tk.panel(CASES)
TARGETS = ["Quảng Ninh", "Lạng Sơn"]


def _sum(units, column, first, last):
    rows = PANEL.filter(pl.col(column).cast(pl.String).is_in(units))
    return float(rows.filter((pl.col("period") >= first) & (pl.col("period") <= last))["cases"].sum())


def test_province_builder_counts_and_rules():
    m = displacement_measures(PANEL, TARGETS, "2023-07", before=12, after=12, receivers=())
    assert m.buffer == ["Bắc Ninh", "Cao Bằng", "Hải Phòng"]  # neighbours of QN and LS in the 2025 layout, in the panel
    assert set(m.control) == set(PANEL["province"].unique()) - set(TARGETS) - set(m.buffer)
    counts = {r["role"]: (r["before"], r["after"]) for r in m.counts.iter_rows(named=True)}
    pre, post = (dt.date(2022, 7, 1), dt.date(2023, 6, 1)), (dt.date(2023, 7, 1), dt.date(2024, 6, 1))
    for role, units in (("target", TARGETS), ("buffer", m.buffer), ("control", m.control)):
        assert counts[role] == (_sum(units, "province", *pre), _sum(units, "province", *post))
    (tb, ta), (db, da), (cb, ca) = counts["target"], counts["buffer"], counts["control"]
    assert m.wdq.wdq == pytest.approx((da / ca - db / cb) / (ta / ca - tb / cb))
    # WDD: control scaled to the treated's and the buffer's pre-period level; shared control variance
    wc, wdc = tb / cb, db / cb
    assert m.wdd.local.estimate == pytest.approx((ta - tb) - wc * (ca - cb))
    assert m.wdd.total.estimate == pytest.approx((ta - tb) + (da - db) - (wc + wdc) * (ca - cb))
    phi_t, phi_d, phi_c = m.dispersion  # quasi-Poisson by default: each group's variance × its dispersion
    assert min(m.dispersion) >= 1 and m.to_frame()["dispersion"].to_list() == list(m.dispersion)
    quasi = phi_t * (ta + tb) + phi_d * (da + db) + phi_c * (wc + wdc) ** 2 * (ca + cb)
    # and by the long-run factor of the months' correlation (sums of correlated months vary more), estimated
    # on the panel's provinces before the start against the common months: the sample's months are independent
    assert m.serial.pairs > 300 and m.wdd.total.se**2 == pytest.approx(quasi * m.serial.long_run())
    assert m.wdd.local.ci_high < 0  # the planted 40% cut
    assert "quasi-Poisson" in str(m.summary())
    poisson = displacement_measures(PANEL, TARGETS, "2023-07", before=12, after=12, method="poisson", receivers=())
    assert poisson.wdd.total.se**2 == pytest.approx(ta + tb + da + db + (wc + wdc) ** 2 * (ca + cb))
    assert poisson.wdd.total.estimate == m.wdd.total.estimate and "Poisson variance" in str(poisson.summary())


def test_a_scan_receiver_is_never_a_control_and_the_groups_say_why():
    m = displacement_measures(PANEL, TARGETS, "2023-07")
    assert "Lào Cai" in m.buffer and "Lào Cai" not in m.control  # the planted receiver
    why = m.groups.reasons["buffer_receivers"]
    assert why == ["Lào Cai"] and "rose significantly in the displacement scan: Lào Cai" in str(m.summary())
    assert m.claim.key == "displacement"
    named = displacement_measures(PANEL, TARGETS, "2023-07", buffer=["Cao Bằng"])  # the analyst's own buffer
    assert named.buffer == ["Cao Bằng"] and "Lào Cai" not in named.control + named.buffer
    left_out = named.groups.reasons["control_left_out"]
    assert "Lào Cai" in left_out
    region = displacement_measures(PANEL, TARGETS, "2023-07", buffer=["Trung"], receivers=())  # a macro-region
    from trendkit.geo.regions import MACRO_REGIONS

    assert set(region.buffer) == set(MACRO_REGIONS["Trung"]) & set(PANEL["province"])
    assert not set(region.control) & set(MACRO_REGIONS["Trung"])


def test_dispersion_by_hand():
    from trendkit.models.displacement import _dispersion

    monthly = pl.DataFrame({"period": [dt.date(2024, m, 1) for m in range(1, 7)], "cases": [10, 20, 30, 5, 5, 5]})
    pre, post = pl.col("period") < dt.date(2024, 4, 1), pl.col("period") >= dt.date(2024, 4, 1)
    assert _dispersion(monthly, pre, post) == pytest.approx((100 + 0 + 100) / 20 / (6 - 2))  # (Σ(y-ȳ)²/ȳ) / df
    flat = monthly.with_columns(cases=pl.lit(7))
    assert _dispersion(flat, pre, post) == 1.0  # never below Poisson


def test_a_month_a_unit_did_not_report_is_left_out_of_every_group_not_counted_as_zero():
    # target 10 a month, buffer 10, control 100, flat; the target is silent (null) in the first two months
    # after the start: counted as 0, the target would "fall" 2/12; left out, every group keeps 10 months after
    months = [dt.date(2022 + i // 12, i % 12 + 1, 1) for i in range(24)]
    silent = {dt.date(2023, 1, 1), dt.date(2023, 2, 1)}
    rows = [(m, "Lạng Sơn", None if m in silent else 10.0) for m in months]
    rows += [(m, name, v) for m in months for name, v in (("Cao Bằng", 10.0), ("Huế", 100.0))]
    p = pl.DataFrame(rows, schema={"period": pl.Date, "province": pl.String, "cases": pl.Float64}, orient="row")
    m = displacement_measures(p, ["Lạng Sơn"], "2023-01", buffer=["Cao Bằng"], control=["Huế"], level=0.95)
    assert m.gaps == tuple(sorted(silent)) and "01/2023, 02/2023" in str(m.summary())
    assert m.to_frame().select("before", "after").rows() == [(120.0, 100.0), (120.0, 100.0), (1200.0, 1000.0)]
    assert m.wdq.success_measure == pytest.approx(0.0) and m.claim.key == "no_success"


def test_builder_overrides_and_errors():
    m = displacement_measures(
        PANEL, TARGETS, "2023-07", buffer=["Lào Cai"], control=["An Giang", "Tây Ninh"], channel="road"
    )
    assert m.buffer == ["Lào Cai"] and m.control == ["An Giang", "Tây Ninh"]
    road = PANEL.filter(pl.col("channel") == "road")
    assert m.counts["before"][1] == float(
        road.filter(
            (pl.col("province") == "Lào Cai") & pl.col("period").is_between(dt.date(2022, 7, 1), dt.date(2023, 6, 1))
        )["cases"].sum()
    )
    assert m.wdq.buffer_displacement > 0  # Lào Cai road absorbed cases
    with pytest.raises(ValueError, match="two roles"):
        displacement_measures(PANEL, TARGETS, "2023-07", buffer=["Quảng Ninh"])
    with pytest.raises(ValueError, match="'Atlantis' is not a province"):
        displacement_measures(PANEL, ["Atlantis"], "2023-07")
    with pytest.raises(ValueError, match="the panel covers"):
        displacement_measures(PANEL, TARGETS, "2022-03", before=12)


def test_channel_builder_finds_the_road_crackdown():
    m = displacement_measures(PANEL, ["road"], "2024-07", by="channel")
    assert m.buffer == ["sea", "air", "post"] and sorted(m.control) == ["inland", "rail"]
    assert m.wdd.local.ci_high < 0 and m.wdd.displacement.ci_low > 0
    assert -1 < m.wdq.wdq < 0  # displacement into sea/air/post smaller than the road drop (70% of it moved)


def test_a_scan_with_a_channel_as_target_checks_the_shock_on_channels():
    # it crashed: with road as the target every province was a target of the shock check
    scan = displacement_scan(PANEL, ["road"], "2024-07", by="channel", after=12)
    assert set(scan.shock.units["unit"].to_list()) <= {"sea", "air", "post", "rail", "inland"}
    assert scan.to_frame().filter(pl.col("channel") == "sea")["significant"].any()  # the planted road-to-sea shift


def test_one_receiver_among_neighbours_that_received_nothing_is_named():
    # exact monthly counts: the target halves; B1 doubles while B2-B4 fall by as much together, so the
    # buffer as a whole does not move and only B1's own test can see it
    months = [dt.date(2022 + (m // 12), m % 12 + 1, 1) for m in range(24)]
    level = {"T": (100, 50), "B1": (30, 60), "B2": (100, 90), "B3": (100, 90), "B4": (100, 90)}
    level |= {f"C{i}": (100, 100) for i in range(6)}
    rows = [(d, u, float(a if i < 12 else b)) for u, (a, b) in level.items() for i, d in enumerate(months)]
    panel = pl.DataFrame(rows, schema={"period": pl.Date, "province": pl.String, "cases": pl.Float64}, orient="row")
    m = displacement_measures(panel, ["T"], "2023-01", buffer=["B1", "B2", "B3", "B4"], receivers=(), layout="legacy")
    units = {r["unit"]: r for r in m.buffer_units.iter_rows(named=True)}
    assert units["B1"]["displacement"] == pytest.approx(12 * 30)  # (720 - 360) - (360/7200)·0, by hand
    assert units["B1"]["se"] ** 2 == pytest.approx(720 + 360 + (360 / 7200) ** 2 * 14400)  # Poisson: φ = 1
    assert units["B2"]["se"] ** 2 == pytest.approx(1200 + 1080 + (1200 / 7200) ** 2 * 14400)
    # B2: -120, z -2.3, not beyond the simultaneous 95% bound for four units (2.50)
    assert [u for u, r in units.items() if r["clear"]] == ["B1"]
    assert m.intervals["bdm"] == (0.0, 0.0) and m.claim.key == "displacement_units" and "into B1:" in m.claim.en
    assert "B1 360 (" in str(m.summary())


@pytest.mark.parametrize(
    ("column", "by", "targets", "start"),
    [
        ("province", ("province", "channel"), ["Quảng Ninh", "Lạng Sơn"], "2023-07"),
        ("channel", ("province", "channel"), ["road"], "2024-07"),
        ("region", ("province",), ["Trung du và miền núi phía Bắc"], "2023-07"),
        ("macro_region", ("province",), ["Bắc"], "2023-07"),
        ("place_kind", ("province", "place_kind"), ["official_gate"], "2023-07"),
        ("commodity", ("commodity",), ["cigarettes"], "2023-07"),
    ],
)
def test_every_target_dimension_scans_with_the_shock_check_on(column, by, targets, start):
    panel = tk.panel(CASES, by=by)
    scan = displacement_scan(panel, targets, start, by=column, after=12, shock="auto")
    res = scan.to_frame()
    assert res.height > 0 and res["p_value"].is_between(0, 1).all()
    if column in res.columns:  # the targets are never scanned as receivers
        assert not res[column].is_in(targets).any()
    assert scan.shock is not None  # checked on units that are not the targets
    assert scan.shock.units.height > 0 and not set(scan.shock.units["unit"].to_list()) & set(targets)


def test_channel_shift_by_hand_and_planted_direction():
    cs = channel_shift(PANEL, "2024-07")
    shares = {r["channel"]: r for r in cs.to_frame().iter_rows(named=True)}
    road_before = _sum(["road"], "channel", dt.date(2023, 7, 1), dt.date(2024, 6, 1))
    all_before = _sum(list(shares), "channel", dt.date(2023, 7, 1), dt.date(2024, 6, 1))
    assert shares["road"]["share_before"] == pytest.approx(road_before / all_before)
    assert shares["road"]["ci_high"] < 0 < shares["sea"]["ci_low"] and shares["post"]["ci_low"] > 0
    assert sum(r["change"] for r in shares.values()) == pytest.approx(0, abs=1e-12)
    assert cs.dispersion >= 1


def test_channel_shift_zero_policy_and_dispersion():
    months = [dt.date(2024, m, 1) for m in range(1, 13)]
    rows = []
    for i, month in enumerate(months):
        after = i >= 6
        rows += [(month, "road", 60 if not after else 40), (month, "sea", 40 if not after else 60),
                 (month, "air", 0 if not after else 5), (month, "rail", 0)]  # fmt: skip
    panel = pl.DataFrame(rows, schema={"period": pl.Date, "channel": pl.String, "cases": pl.Int64}, orient="row")
    cs = channel_shift(panel, "2024-07", before=6, after=6)
    assert cs.dropped == ["rail"]
    air = cs.to_frame().filter(pl.col("channel") == "air").row(0, named=True)
    assert air["share_before"] == 0 and air["ci_high"] > air["ci_low"]  # a zero share still has an interval
    assert cs.dispersion == 1.0  # every month has exactly its window's mix
    road = cs.to_frame().filter(pl.col("channel") == "road").row(0, named=True)
    assert road["change"] == pytest.approx(40 / 105 - 0.6)


def test_scan_ranks_the_planted_receiver_first():
    scan = displacement_scan(PANEL, TARGETS, "2023-07", after=12)
    res = scan.to_frame()
    assert res["unit"][0] == "Lào Cai · road" and res["significant"][0]
    assert set(res["unit"].head(3)) == {"Lào Cai · road", "Cao Bằng · road", "Tuyên Quang · road"}
    assert not res["province"].is_in(TARGETS).any()
    assert scan.target_change < 0
    assert "Lào Cai · road" in str(scan.summary())


def test_scan_counterfactual_by_hand():
    from trendkit.models.scan import _counterfactual

    y = np.array([4.0, 16, 6, 14])  # level 10, squared deviations 104 against a Poisson 40
    shape_pre, shape_post = np.ones(4), np.ones(2) * 1.5
    proj = _counterfactual(y, shape_pre, shape_post)
    assert proj.mu == pytest.approx(10 * 1.5 * 2)
    inv_k = (104 - 40) * 4 / 3 / 400
    assert proj.inv_k == pytest.approx(inv_k)
    noise_post = 2 * (15 + inv_k * 15**2)
    noise_level = 4 * (10 + inv_k * 100) * (3 / 4) ** 2
    assert proj.var() == pytest.approx(noise_post + noise_level)
    assert proj.df == pytest.approx(2 * 3 / (2 + 6 * inv_k + 1 / (10 + inv_k * 100)))
    # a Poisson-looking unit: no extra-Poisson term, and the shape's uncertainty adds μ²·v
    flat = _counterfactual(np.array([10.0, 12, 8, 10]), shape_pre, shape_post, shape_var=0.01)
    assert flat.inv_k == 0 and flat.var() == pytest.approx(30 + 40 * (3 / 4) ** 2 + 30**2 * 0.01)


@pytest.mark.slow
def test_scan_false_positive_rate_on_null_scenarios():
    p_values, any_significant = [], 0
    for seed in range(20):
        panel = tk.panel(tk.generate(tk.default_scenario(scale=0.5, seed=500 + seed).without_events()).cases)
        res = displacement_scan(panel, TARGETS, "2023-07", after=12).to_frame()
        p_values += res["p_value"].to_list()
        any_significant += bool(res["significant"].any())
    p = np.array(p_values)
    se = np.sqrt(0.05 * 0.95 / len(p))
    assert abs((p < 0.05).mean() - 0.05) < 4 * se, (p < 0.05).mean()  # measured 0.059 over 1,461 tests (30 seeds)
    assert any_significant <= 3  # Benjamini–Hochberg keeps whole-scan false alarms rare


def test_lead_lag_recovers_a_planted_lead_and_matches_statsmodels():
    from statsmodels.tsa.stattools import grangercausalitytests

    rng = np.random.default_rng(3)
    n = 80
    x = np.zeros(n)
    y = np.zeros(n)
    for t in range(1, n):
        x[t] = 0.3 * x[t - 1] + rng.normal()
        y[t] = 0.8 * x[t - 1] + rng.normal(scale=0.5)
    periods = [dt.date(2018 + (m // 12), m % 12 + 1, 1) for m in range(n + 1)]
    # build cumulated log-counts so that Δlog(1 + cases) is (x, y)
    lx, ly = np.log(200) + np.r_[0, np.cumsum(x * 0.1)], np.log(200) + np.r_[0, np.cumsum(y * 0.1)]
    panel = pl.DataFrame(
        {
            "period": periods * 2,
            "province": ["A"] * (n + 1) + ["B"] * (n + 1),
            "cases": np.r_[np.expm1(lx), np.expm1(ly)],
        }
    )
    ll = lead_lag(panel, ["A", "B"], maxlags=2).to_frame()
    a_to_b = ll.filter(pl.col("cause") == "A").row(0, named=True)
    b_to_a = ll.filter(pl.col("cause") == "B").row(0, named=True)
    assert a_to_b["p_value"] < 0.001 and b_to_a["p_value"] > 0.01
    data = np.diff(np.log1p(np.column_stack([np.expm1(ly), np.expm1(lx)])), axis=0)
    ref = grangercausalitytests(data, maxlag=[a_to_b["lags"]])[a_to_b["lags"]][0]["ssr_ftest"]
    assert a_to_b["f"] == pytest.approx(ref[0]) and a_to_b["p_value"] == pytest.approx(ref[1])
    with pytest.raises(ValueError, match="at least two"):
        lead_lag(panel, ["A"])


def test_results_render_as_text_html_and_plots():
    import matplotlib

    matplotlib.use("Agg")
    from trendkit.models import campaign_effect, change_points, decompose, forecast, series

    s = series(PANEL, province=TARGETS)
    for result in (
        campaign_effect(s, "2023-07", end="2024-06"),
        change_points(s),
        decompose(s),
        forecast(s, holdout=3),
        displacement_scan(PANEL, TARGETS, "2023-07", after=12),
        channel_shift(PANEL, "2024-07"),
    ):
        text = str(result.summary())
        assert len(text.splitlines()) >= 2
        assert result.summary()._repr_html_().startswith("<h4>")
        assert result.to_frame().height > 0
        if hasattr(result, "plot"):
            assert result.plot().axes


def test_the_old_target_by_warns_at_the_callers_line_and_gives_the_same_scan():
    panel = tk.panel(CASES, by=("province", "channel"))
    new = displacement_scan(panel, ["road"], "2024-07", by="channel", after=12)
    with pytest.warns(DeprecationWarning, match=r"displacement_scan\(target_by=\).*by='channel'") as caught:
        old = displacement_scan(panel, ["road"], "2024-07", target_by="channel", after=12)
    assert caught[0].filename == __file__  # points at the caller, past the thread-limiting wrapper
    assert old.to_frame().equals(new.to_frame())
    with pytest.warns(DeprecationWarning, match=r"minimum_detectable\(target_by=\)"):
        minimum_detectable(panel, ["road"], "2024-07", target_by="channel", after=12)


def test_the_interval_is_asked_for_by_level_and_the_old_alpha_warns():
    kw = {"before": 12, "after": 12, "receivers": ()}
    new = displacement_measures(PANEL, TARGETS, "2023-07", level=0.95, **kw)
    with pytest.warns(DeprecationWarning, match=r"level=1 - alpha") as caught:
        old = displacement_measures(PANEL, TARGETS, "2023-07", alpha=0.05, **kw)
    assert caught[0].filename == __file__
    assert (old.wdd.total.ci_low, old.wdd.total.ci_high) == (new.wdd.total.ci_low, new.wdd.total.ci_high)
    narrow = displacement_measures(PANEL, TARGETS, "2023-07", level=0.5, **kw)
    assert narrow.wdd.total.ci_high - narrow.wdd.total.ci_low < new.wdd.total.ci_high - new.wdd.total.ci_low
