"""The Director General's four patterns, and a national shock, planted in SYNTHETIC scenarios.

Each scenario is drawn from trendkit's own generator (:func:`trendkit.synthetic.draw_panel`:
negative-binomial counts, a Tết peak and a national trend) with 20 or more seeds, and the
comparison tools must find what was planted — and nothing when nothing was:

- a national shock with no campaign is not a campaign effect, is flagged as a shock, and the
  scan does not read it as diffusion;
- Quảng Ninh + Lạng Sơn → Lào Cai: the default groups put the receiver in the buffer;
- North + South → the Centre: one region-level call names the Centre, rising;
- diffusion of benefits to the neighbours is named as diffusion;
- road → sea / air / post with only those four channels;
- trails → official gates, found from the place text of case records;
- placebo ranks: the planted effect ranks first, a null effect does not.
"""

import csv
import datetime as dt

import numpy as np
import polars as pl
import pytest

import trendkit as tk
from trendkit.geo.regions import MACRO_REGIONS
from trendkit.models import (
    campaign_effect,
    channel_shift,
    common_shock,
    comparative_effect,
    displacement_measures,
    displacement_scan,
    placebo_checks,
    series,
    synthetic_control,
)
from trendkit.synthetic import Campaign, draw_panel, patterns

pytestmark = pytest.mark.slow

TARGETS = list(patterns.TARGETS)
SEEDS = range(20)
START = patterns.START
#: 30 months before the campaign and 12 after; NB size 15 in every province × channel × month
BASE = patterns.base()
_provinces, _truth = patterns.by_province, patterns.planted_effect


# --- 1. a national shock, no campaign -------------------------------------------------------------

SHOCKED = patterns.national_shock()


def test_a_national_shock_is_not_a_campaign_and_says_so():
    covered = warned = single_warned = 0
    flagged, sc_estimates = [], []
    for seed in SEEDS:
        p = draw_panel(SHOCKED, seed)
        pp = _provinces(p)
        e = comparative_effect(pp, TARGETS, START)
        covered += e.change_pct.low <= 0 <= e.change_pct.high
        warned += e.shock.detected and "Cả nước cùng giảm" in str(e.summary())
        single = campaign_effect(series(pp, province=TARGETS), START, panel=pp, n_sim=500)
        single_warned += "this is not evidence about the campaign" in str(single.summary())
        scan = displacement_scan(p, TARGETS, START)
        flagged.append(scan.to_frame()["significant"].mean())
        sc_estimates.append(synthetic_control(pp, TARGETS, START).change_pct)
    n = len(SEEDS)
    assert covered / n >= 0.9
    assert warned == n and single_warned == n  # every result in the window says the country moved together
    assert np.mean(flagged) <= 0.05  # the scan measures each unit against the rest of the country
    assert abs(np.mean(sc_estimates)) < 0.08  # the synthetic control's donors share the shock


def test_the_scan_does_not_call_a_national_shock_diffusion():
    scan = displacement_scan(draw_panel(SHOCKED, 0), TARGETS, START)
    text = str(scan.summary())
    assert scan.shock.detected and "the common shock is not read as displacement or diffusion" in text
    ignored = displacement_scan(draw_panel(SHOCKED, 0), TARGETS, START, shock="ignore")
    falls = ignored.to_frame().filter(pl.col("significant") & (pl.col("direction") == "fall")).height
    assert falls > 10  # what the old scan said: most of the country "fell more than expected"


def test_no_shock_is_seen_where_none_was_planted():
    seen = [common_shock(draw_panel(BASE.without_events(), s), START, targets=TARGETS).detected for s in range(40)]
    assert sum(seen) <= 2


# --- 2. Quảng Ninh + Lạng Sơn → Lào Cai ----------------------------------------------------------


def test_lao_cai_displacement_with_default_groups():
    said = wdd_said = covered = 0
    for seed in SEEDS:
        p = draw_panel(patterns.lao_cai(), seed)
        m = displacement_measures(p, TARGETS, START, level=0.95)
        assert "Lào Cai" not in m.control  # a receiver is never a control
        said += m.claim.key == "displacement" and "Lào Cai" in m.buffer
        wdd_said += m.wdd.displacement.ci_low > 0
        truth = _truth(p, m.target + m.buffer)
        covered += m.wdd.total.ci_low <= truth <= m.wdd.total.ci_high
        assert not m.shock.detected
    n = len(SEEDS)
    assert said / n >= 0.9 and wdd_said / n >= 0.8
    assert covered / n >= 0.85


# --- 3. North + South → the Centre ---------------------------------------------------------------


NORTH_SOUTH = patterns.north_south()


def test_north_and_south_to_the_centre_in_one_region_call():
    named = scanned = 0
    for seed in SEEDS:
        p = draw_panel(NORTH_SOUTH, seed)
        shares = channel_shift(p, START, by="macro_region").to_frame()
        centre = shares.filter(pl.col("macro_region") == "Trung").row(0, named=True)
        others = shares.filter(pl.col("macro_region") != "Trung")
        named += centre["ci_low"] > 0 and bool((others["change"] < 0).all())
        scan = displacement_scan(p, ["Bắc", "Nam"], START, by="macro_region")
        rises = scan.to_frame().filter(pl.col("significant") & (pl.col("direction") == "rise"))
        scanned += rises.height > 0 and set(rises["province"]) <= set(MACRO_REGIONS["Trung"])
        assert scan.shock is None or not scan.shock.detected  # targets fell while the rest rose: no shock
    assert named == len(SEEDS) and scanned / len(SEEDS) >= 0.9


# --- 4. diffusion of benefits to the neighbours --------------------------------------------------

DIFFUSION = patterns.diffusion()


def test_diffusion_to_the_neighbours_is_named_diffusion():
    said = 0
    for seed in SEEDS:
        m = displacement_measures(draw_panel(DIFFUSION, seed), TARGETS, START, level=0.95)
        said += m.claim.key == "diffusion"
        assert m.claim.key != "displacement"
    assert said / len(SEEDS) >= 0.85


# --- 5. road → sea / air / post, with only those four channels -----------------------------------

FOUR = patterns.four_channels()


def test_road_to_sea_air_post_with_only_those_channels():
    p = draw_panel(FOUR, 0)
    assert set(p["channel"].unique()) == {"road", "sea", "air", "post"}
    with pytest.raises(ValueError, match="within="):  # no rail or inland to compare with: say how to fix it
        displacement_measures(p, ["road"], START, by="channel")
    said = 0
    for seed in SEEDS:
        m = displacement_measures(draw_panel(FOUR, seed), ["road"], START, by="channel", within=TARGETS, level=0.95)
        assert m.buffer == ["sea", "air", "post"] and m.groups.within == TARGETS
        assert sorted(m.control) == ["air", "post", "road", "sea"]  # the same channels, outside the targets
        said += m.wdd.local.ci_high < 0 and m.wdd.displacement.ci_low > 0 and m.claim.key == "displacement"
    assert said / len(SEEDS) >= 0.85


# --- 6. trails → official gates, from place text --------------------------------------------------

PLACE_TEXT = {
    "informal_crossing": ["Đường mòn khu vực mốc 1119", "Lối mở Bản Vược", "đường tiểu ngạch Tà Lùng", "LỐI MỞ"],
    "official_gate": ["Cửa khẩu Hữu Nghị", "CK Tân Thanh", "Cửa khẩu quốc tế Móng Cái", "CKQT Lào Cai"],
    "seaport": ["Cảng Cát Lái", "Cảng Hải Phòng"],
    "airport": ["Sân bay Nội Bài", "Cảng hàng không Tân Sơn Nhất"],
    "inland": ["Chợ Đồng Xuân", "Kho hàng quận 5", "Quốc lộ 1A"],
}


def _extract(path, seed: int) -> None:
    """SYNTHETIC case records whose only trace of the place kind is the unit's place text: road
    cases at the border split 45% trails / 55% gates, and from the start half of the trail
    traffic moves to the official gates (the pandemic pattern)."""
    rng = np.random.default_rng(seed)
    p = draw_panel(BASE.replace(campaigns=(), scale=0.25), seed)
    after = (p["period"] >= dt.date(2023, 7, 1)).to_numpy()
    road = (p["channel"] == "road").to_numpy()
    lam = p["expected"].to_numpy()
    rows = []
    for kind, share in (("informal_crossing", 0.45), ("official_gate", 0.55)):
        moved = np.where(after, 0.5 if kind == "informal_crossing" else 1 + 0.5 * 0.45 / 0.55, 1.0)
        n = rng.negative_binomial(15, 15 / (15 + lam * share * moved)) * road
        rows += [(kind, r) for r, k in zip(p.iter_rows(named=True), n, strict=True) for _ in range(k)]
    for kind, channel in (("seaport", "sea"), ("airport", "air"), ("inland", "inland")):
        n = rng.negative_binomial(15, 15 / (15 + lam)) * (p["channel"] == channel).to_numpy()
        rows += [(kind, r) for r, k in zip(p.iter_rows(named=True), n, strict=True) for _ in range(k)]
    with path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["Ngày phát hiện", "Tỉnh", "Tuyến", "Địa điểm phát hiện"])
        for kind, r in rows:
            text = PLACE_TEXT[kind][int(rng.integers(len(PLACE_TEXT[kind])))]
            w.writerow([f"{15:02d}/{r['period']:%m/%Y}", r["province"], r["channel"], text])


def test_trails_to_official_gates_found_from_place_text(tmp_path):
    said = 0
    for seed in SEEDS:
        path = tmp_path / f"SYNTHETIC_places_{seed}.csv"
        _extract(path, seed)
        res = tk.load_cases(path)
        assert res.rejected.height == 0 and res.cases["place_kind"].cast(pl.String).is_in(list(PLACE_TEXT)).all()
        p = tk.panel(res.cases, by=("place_kind",))
        m = displacement_measures(p, ["informal_crossing"], START, by="place_kind", level=0.95)
        assert m.buffer == ["official_gate"] and sorted(m.control) == ["airport", "inland", "seaport"]
        said += m.claim.key == "displacement" and m.wdd.local.ci_high < 0
    assert said / len(SEEDS) >= 0.85


# --- 7. placebo ranks -----------------------------------------------------------------------------

CUT = BASE.replace(campaigns=(Campaign("SYNTHETIC cut", targets=tuple(TARGETS), start=START, reduction=0.5),))


def test_placebo_ranks_the_planted_effect_first_and_a_null_not():
    first_time = first_space = null_first = sc_first = 0
    for seed in SEEDS:
        planted = placebo_checks(_provinces(draw_panel(CUT, seed)), TARGETS, START)
        first_time += planted.rank("time") == 1
        first_space += planted.rank("space") == 1
        null = placebo_checks(_provinces(draw_panel(BASE.without_events(), seed)), TARGETS, START)
        null_first += null.rank("space") == 1
        sc_first += synthetic_control(_provinces(draw_panel(CUT, seed)), TARGETS, START).rank == 1
    n = len(SEEDS)
    assert first_time / n >= 0.9 and first_space / n >= 0.85 and sc_first / n >= 0.85
    assert null_first / n <= 0.2
