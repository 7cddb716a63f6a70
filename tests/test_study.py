"""displacement_study: the four questions, each one call with one verdict that every sentence agrees with.

Scenarios are SYNTHETIC, drawn with trendkit's generator (:func:`trendkit.synthetic.draw_panel`:
negative-binomial counts, a Tết peak, a national trend), 20 seeds each. The planted shifts are
well above the minimum detectable size; the nulls plant a campaign with nothing displaced or no
campaign at all. The verdict's rate on 200 seeds per question is printed by
``benchmarks/study_questions.py``.
"""

import datetime as dt

import numpy as np
import polars as pl
import pytest

from trendkit.errors import NoComparisonError
from trendkit.models import displacement_study, minimum_detectable
from trendkit.report import story
from trendkit.synthetic import Campaign, draw_panel, patterns

TARGETS = list(patterns.TARGETS)
START = patterns.START
SEEDS = range(20)

#: Phrases that would contradict each verdict if any sentence of the same result said them.
CONTRADICTS = {
    "displacement": ("no clear evidence", "no clear success", "diffusion of benefits", "not read as displacement",
                     "Chưa đủ bằng chứng", "lan tỏa lợi ích"),
    "diffusion": ("displacement into", "no clear evidence", "no clear success", "A sign of displacement",
                  "dịch chuyển sang", "Chưa đủ bằng chứng"),
    "no_clear_shift": ("displacement into", "diffusion of benefits", "A sign of displacement", "dịch chuyển sang",
                       "lan tỏa lợi ích sang"),
}  # fmt: skip
CONTRADICTS["national_shock"] = CONTRADICTS["no_clear_shift"]


def _agrees(study) -> bool:
    """The verdict is said once, and no sentence of the summary (text and HTML) or of the report's
    story for the same study says anything that contradicts it."""
    text = str(study.summary())
    told = story.verdict(study) + story.where_it_went(study.scan, study.minimum, verdict=study.verdict.key)
    said = " ".join([text, study._repr_html_(), *(s["vi"] + " " + s["en"] for s in told)])
    return text.count("Verdict:") == 1 and not any(w in said for w in CONTRADICTS[study.verdict.key])


def _above_minimum(p: pl.DataFrame, study) -> bool:
    """The planted shift into its largest receiving unit of ``study.by`` (a province, a channel, a place
    kind) is at least the smallest one the scan of those units detects there with 80% power: the
    questions are asked at or above the minimum detectable size."""
    units = p.group_by("period", study.by).agg(pl.col("cases", "expected", "baseline").sum())
    mde = minimum_detectable(units, study.measures.target, START, by=study.by).to_frame()
    moved = (pl.col("expected") - pl.col("baseline")).sum().alias("moved")
    planted = units.filter(pl.col("period") >= dt.date(2023, 7, 1)).group_by(study.by).agg(moved)
    top = mde.join(planted, on=study.by).sort("moved", descending=True).row(0, named=True)
    return top["moved"] >= top["displaced"]


def _check(studies, truths, verdict: str = "displacement") -> None:
    right = sum(s.verdict.key == verdict for s in studies)
    wdd = [s.measures.wdd.displacement for s in studies]
    covered = sum(e.ci_low <= t <= e.ci_high for e, t in zip(wdd, truths, strict=True))
    assert right / len(studies) >= 0.9 and covered / len(studies) >= 0.9
    assert all(_agrees(s) for s in studies)


# --- by hand --------------------------------------------------------------------------------------


def _constant(buffer_after: float) -> pl.DataFrame:
    """Every month the same: the target 10 → 5, the buffer 10 → ``buffer_after``, three controls 100."""
    months = [dt.date(2022 + i // 12, i % 12 + 1, 1) for i in range(24)]
    rows = []
    for i, m in enumerate(months):
        post = i >= 12
        rows += [(m, "Lạng Sơn", 5.0 if post else 10.0), (m, "Cao Bằng", buffer_after if post else 10.0)]
        rows += [(m, name, 100.0) for name in ("Huế", "Hà Nội", "Cần Thơ")]
    return pl.DataFrame(rows, schema={"period": pl.Date, "province": pl.String, "cases": pl.Float64}, orient="row")


HAND = [(15.0, "displacement", 0.5), (5.0, "diffusion", -0.5), (10.0, "no_clear_shift", 0.0)]


@pytest.mark.filterwarnings("ignore:Perfect separation")  # flat months fit exactly
@pytest.mark.parametrize(("buffer_after", "verdict", "change"), HAND)
def test_by_hand_the_verdict_follows_the_changes_against_the_control(buffer_after, verdict, change):
    s = displacement_study(_constant(buffer_after), ["Lạng Sơn"], "2023-01", buffer=["Cao Bằng"])
    rows = {r["step"]: r for r in s.to_frame().iter_rows(named=True)}
    # against a flat control, (5/100) / (10/100) − 1 = −50% in the target; (15/100) / (10/100) − 1 = +50% in the buffer
    assert rows["target"]["estimate"] == pytest.approx(-0.5) and rows["target"]["clear"]
    assert rows["buffer"]["estimate"] == pytest.approx(change, abs=1e-12)
    assert s.verdict.key == verdict and set(s.to_frame()["verdict"]) == {verdict}
    assert s.reason.key == (s.measures.claim.key if s.measures.claim else "wdq_reading")
    assert s.reason.en in str(s.summary())  # the verdict's line gives its reason
    assert _agrees(s)
    assert (s.minimum is not None) == (verdict == "no_clear_shift")  # power is stated only where the answer is no


# --- the four questions ---------------------------------------------------------------------------


@pytest.mark.slow
def test_question_1_quang_ninh_and_lang_son_to_lao_cai():
    studies, truths = [], []
    for seed in SEEDS:
        p = draw_panel(patterns.lao_cai(), seed)
        s = displacement_study(p, TARGETS, START)
        assert "Lào Cai" in s.measures.buffer and "Lào Cai" not in s.measures.control
        named = set(s.measures.groups.reasons.get("buffer_receivers", []))  # a neighbour is named a neighbour
        assert named <= set(s.receivers) <= set(s.measures.buffer)
        assert seed or _above_minimum(p, s)
        studies.append(s)
        truths.append(patterns.planted_effect(p, s.measures.buffer))
    _check(studies, truths)
    assert np.mean(["Lào Cai · road" in s.rises for s in studies]) >= 0.9


@pytest.mark.slow
def test_question_2_road_to_sea_air_and_post():
    studies, truths = [], []
    for seed in SEEDS:
        p = draw_panel(patterns.four_channels(), seed)
        s = displacement_study(p, ["road"], START, by="channel", within=TARGETS)
        assert s.measures.buffer == ["sea", "air", "post"]
        assert seed or _above_minimum(p, s)
        studies.append(s)
        truths.append(patterns.planted_effect(p, s.measures.buffer, column="channel", within=TARGETS))
    _check(studies, truths)


@pytest.mark.slow
def test_question_3_north_and_south_to_the_centre():
    studies, truths = [], []
    for seed in SEEDS:
        p = draw_panel(patterns.north_south(), seed)
        s = displacement_study(p, ["Bắc", "Nam"], START)  # the Centre's receivers found by the scan
        assert seed or _above_minimum(p, s)
        studies.append(s)
        truths.append(patterns.planted_effect(p, s.measures.buffer))
    _check(studies, truths)
    centre = {"Nghệ An", "Hà Tĩnh", "Quảng Trị", "Quảng Ngãi"}  # Quảng Bình and Kon Tum in their 2025 provinces
    assert np.mean([set(s.measures.buffer) <= centre and len(s.measures.buffer) >= 2 for s in studies]) >= 0.9


def test_question_3_by_macro_region_says_what_to_pass_when_no_control_is_left():
    p = draw_panel(patterns.north_south(), 0)
    s = displacement_study(p, ["Bắc"], START, by="macro_region", buffer=["Trung"])  # the rest is the control
    assert s.measures.control == ["Nam"] and s.verdict.key == "no_clear_shift"  # the South was cut too: no success
    with pytest.raises(
        NoComparisonError, match=r"control=\[\.\.\.\].*channel_shift\(panel, start, by='macro_region'\)"
    ):
        displacement_study(p, ["Bắc", "Nam"], START, by="macro_region", buffer=["Trung"])


@pytest.mark.slow
def test_question_4_trails_to_official_gates():
    studies, truths = [], []
    for seed in SEEDS:
        p = patterns.place_kinds(seed, moved=0.5)
        s = displacement_study(p, ["informal_crossing"], START, by="place_kind")
        assert s.measures.buffer == ["official_gate"]
        assert seed or _above_minimum(p, s)
        studies.append(s)
        truths.append(patterns.planted_effect(p, s.measures.buffer, column="place_kind"))
    _check(studies, truths)


# --- nulls and a national shock -------------------------------------------------------------------


@pytest.mark.slow
def test_nothing_displaced_is_rarely_called_displacement():
    """A real 40% campaign with nothing displaced, on 100 seeds (the buffer's interval decides: 7 of
    them read "displacement" before the bootstrap's t/z widening, 6 after; 6 of 120); no campaign,
    and channel and place-kind questions with nothing moved, on 20."""
    cut = patterns.base().replace(campaigns=(Campaign("SYNTHETIC cut", tuple(TARGETS), START, 0.4),))
    wrong = dict.fromkeys(["campaign, nothing displaced", "no campaign", "road, nothing moved",
                           "trails, nothing moved"], 0)  # fmt: skip
    for seed in range(100):
        panels = {"campaign, nothing displaced": (draw_panel(cut, seed), TARGETS, {})}
        if seed in SEEDS:
            panels |= {"no campaign": (draw_panel(patterns.base(), seed), TARGETS, {}),
                       "road, nothing moved": (draw_panel(patterns.four_channels(share=0.0), seed), ["road"],
                                               {"by": "channel", "within": TARGETS}),
                       "trails, nothing moved": (patterns.place_kinds(seed, moved=0.0), ["informal_crossing"],
                                                 {"by": "place_kind"})}  # fmt: skip
        for name, (p, targets, kw) in panels.items():
            s = displacement_study(p, targets, START, **kw)
            wrong[name] += s.verdict.key == "displacement"
            assert _agrees(s)
    assert wrong.pop("campaign, nothing displaced") / 100 <= 0.07
    assert max(wrong.values()) / len(SEEDS) <= 0.07  # none of 20, or one


@pytest.mark.slow
def test_a_national_shock_is_the_verdict_when_the_whole_country_moved():
    studies = [displacement_study(draw_panel(patterns.national_shock(), seed), TARGETS, START) for seed in SEEDS]
    assert np.mean([s.verdict.key == "national_shock" for s in studies]) >= 0.9
    assert not any(s.verdict.key == "displacement" for s in studies) and all(_agrees(s) for s in studies)
