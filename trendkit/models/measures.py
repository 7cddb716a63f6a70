"""The field's displacement measures: WDQ and TNE, the WDD test, and the Poisson E-test.

- **WDQ** (Bowers & Johnson 2003; Guerette 2009, POP Center Problem-Solving Tool Guide 10,
  appendix C): target (R), buffer (D) and control (C) counts before (b) and after (a).
- **WDD** (Wheeler & Ratcliffe 2018, *Crime Science* 7:11; R ``ptools::wdd``): a difference in
  differences with a Poisson variance, for the treated area and its displacement area.
- **E-test** (Krishnamoorthy & Thomson 2004) for "did this unit really go up?".

Undefined quantities (a zero control count, a zero denominator, a zero variance) come back as
None with the reason in ``undefined``: never an exception, never ``inf``.

Examples
--------
The worked example of Wheeler & Ratcliffe (2018):

>>> r = wdd(treated=(207, 110), control=(308, 318), disp_treated=(178, 157), disp_control=(150, 140), level=0.95)
>>> r.total.estimate, round(r.total.se ** 2), round(r.total.z, 2), round(r.total.ci_low), round(r.total.ci_high)
(-118.0, 1568, -2.98, -196, -40)
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import polars as pl

from trendkit._deprecated import level_or_alpha
from trendkit.models.measure import CASES, Measure
from trendkit.result import Result
from trendkit.summary import Summary, fmt_ci, fmt_num, fmt_p

__all__ = [
    "E_TEST_MAX_CELLS",
    "ETestResult",
    "Estimate",
    "WDDResult",
    "WDQResult",
    "e_test",
    "wdd",
    "wdd_harm",
    "wdq",
]

Pair = tuple[float, float]


# --- WDQ ----------------------------------------------------------------------------------------


@dataclass(frozen=True, repr=False)
class WDQResult(Result):
    """Weighted displacement quotient and its companions.

    Attributes
    ----------
    gross_effect
        Ra − Rb: change in the target area (negative: cases fell).
    net_effect
        Ra − Rb·Ca/Cb: change in the target beyond what the control's trend predicts.
    success_measure
        Ra/Ca − Rb/Cb: negative when the target improved relative to the control.
    buffer_displacement
        Da/Ca − Db/Cb: positive means displacement into the buffer, negative diffusion of benefits.
    wdq
        buffer_displacement / success_measure (Bowers & Johnson 2003).
    tne
        Total net effect, [Rb·Ca/Cb − Ra] + [Db·Ca/Cb − Da]: cases prevented net of displacement
        (positive: a net benefit).
    undefined
        Why some quantities are None, or None when all are defined.
    """

    target: Pair
    buffer: Pair
    control: Pair
    gross_effect: float
    net_effect: float | None
    success_measure: float | None
    buffer_displacement: float | None
    wdq: float | None
    tne: float | None
    interpretation: str
    undefined: str | None = None

    def to_frame(self) -> pl.DataFrame:
        """One row per measure: measure, value (null when undefined)."""
        names = ["gross_effect", "net_effect", "success_measure", "buffer_displacement", "wdq", "tne"]
        return pl.DataFrame(
            {"measure": names, "value": [getattr(self, n) for n in names]},
            schema={"measure": pl.String, "value": pl.Float64},
        )

    def summary(self) -> Summary:
        """What this result says, in plain words with its numbers (text and HTML: :class:`~trendkit.result.Result`)."""
        (rb, ra), (db, da), (cb, ca) = self.target, self.buffer, self.control
        lines = [
            f"Counts before → after: target {rb:g} → {ra:g}, buffer {db:g} → {da:g}, control {cb:g} → {ca:g}.",
            self.interpretation,
        ]
        if self.undefined:
            lines.append(f"Undefined / không xác định: {self.undefined}")
        return Summary("WDQ — weighted displacement quotient (Bowers & Johnson 2003)", lines, self.to_frame())


def _interpret_wdq(sm: float | None, wdq_value: float | None, bdm: float | None) -> str:
    if sm is None:
        return "Không tính được / cannot be computed: see 'undefined'."
    if sm >= 0:
        return (
            "Không thấy hiệu quả ở địa bàn mục tiêu / no success in the target area relative to the control "
            f"(success measure {fmt_num(sm, 3)} ≥ 0), so the WDQ is not meaningful."
        )
    if wdq_value is None or bdm is None:
        return "The WDQ is undefined; see 'undefined'."
    if wdq_value > 1:
        text = "diffusion of benefits larger than the direct effect / lan tỏa lợi ích lớn hơn tác động trực tiếp"
    elif wdq_value > 0:
        text = "diffusion of benefits into the buffer / lan tỏa lợi ích sang vùng đệm"
    elif wdq_value == 0:
        text = "no change in the buffer / vùng đệm không đổi"
    elif wdq_value >= -1:
        text = "some displacement into the buffer, smaller than the direct effect: a net benefit / dịch chuyển một phần"
    else:
        text = "displacement larger than the direct effect / dịch chuyển vượt tác động"
    return (
        f"WDQ = {fmt_num(wdq_value, 2)}: the point estimate's band is {text}. Counts alone carry no interval, so "
        "this is a reading, not a finding (displacement_measures tests it; 'counter-productive' needs an interval "
        "below −1) / chỉ là ước lượng điểm, chưa kiểm định."
    )


def wdq(*, target: Pair, buffer: Pair, control: Pair) -> WDQResult:
    """Weighted displacement quotient from (before, after) counts of target, buffer and control.

    Examples
    --------
    >>> r = wdq(target=(100, 60), buffer=(50, 60), control=(200, 200))
    >>> [round(x, 6) for x in (r.success_measure, r.buffer_displacement, r.wdq, r.tne)]
    [-0.2, 0.05, -0.25, 30.0]
    >>> wdq(target=(10, 5), buffer=(3, 4), control=(0, 7)).undefined
    'the control count before is zero, so rates relative to the control cannot be formed'
    """
    (rb, ra), (db, da), (cb, ca) = (tuple(float(x) for x in p) for p in (target, buffer, control))
    gross = ra - rb
    if cb == 0 or ca == 0:
        which = "before" if cb == 0 else "after"
        reason = f"the control count {which} is zero, so rates relative to the control cannot be formed"
        return WDQResult(
            target, buffer, control, gross, None, None, None, None, None, _interpret_wdq(None, None, None), reason
        )
    sm = ra / ca - rb / cb
    bdm = da / ca - db / cb
    net = ra - rb * ca / cb
    tne = (rb * ca / cb - ra) + (db * ca / cb - da)
    reason = None
    value: float | None = None
    if sm == 0:
        reason = "the success measure is zero (the target moved exactly like the control), so the WDQ divides by zero"
    else:
        value = bdm / sm
    return WDQResult(target, buffer, control, gross, net, sm, bdm, value, tne, _interpret_wdq(sm, value, bdm), reason)


# --- WDD ----------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Estimate:
    """An estimate with its standard error, z, two-sided p-value and confidence interval."""

    name: str
    estimate: float
    se: float
    z: float | None
    p_value: float | None
    ci_low: float
    ci_high: float
    level: float

    @classmethod
    def normal(cls, name: str, estimate: float, variance: float, level: float) -> Estimate:
        """An estimate with a normal-approximation interval at ``level``."""
        from scipy import stats

        se = math.sqrt(variance)
        q = stats.norm.ppf(0.5 + level / 2)
        z = estimate / se if se > 0 else None
        p = 2 * stats.norm.sf(abs(z)) if z is not None else None
        return cls(name, estimate, se, z, p, estimate - q * se, estimate + q * se, level)

    def sentence(self, measure: Measure = CASES) -> str:
        """The estimate with its interval, as one line of text (in ``measure``'s unit: cases, kg…)."""
        return (
            f"{self.name}: {measure.amount(self.estimate)} ({fmt_ci(self.ci_low, self.ci_high, self.level)}; "
            f"SE {fmt_num(self.se)}; z {fmt_num(self.z, 2)}; {fmt_p(self.p_value)})"
        )


@dataclass(frozen=True, repr=False)
class WDDResult(Result):
    """The WDD test: local, displacement and total estimates (negative: fewer cases)."""

    local: Estimate
    displacement: Estimate
    total: Estimate
    level: float
    counts: pl.DataFrame
    #: what the counts count or sum: cases, or a quantity in its unit ("kg")
    measure: Measure = CASES

    @property
    def alpha(self) -> float:
        """1 − ``level``: ptools' name for the same choice."""
        return 1 - self.level

    def to_frame(self) -> pl.DataFrame:
        """One row per estimate: name, estimate, se, z, p_value, ci_low, ci_high, level."""
        return pl.DataFrame(
            [vars(e) for e in (self.local, self.displacement, self.total)],
            schema={
                "name": pl.String,
                "estimate": pl.Float64,
                "se": pl.Float64,
                "z": pl.Float64,
                "p_value": pl.Float64,
                "ci_low": pl.Float64,
                "ci_high": pl.Float64,
                "level": pl.Float64,
            },
        )

    def summary(self) -> Summary:
        """What this result says, in plain words with its numbers (text and HTML: :class:`~trendkit.result.Result`)."""
        t = self.total
        if t.p_value is None:
            reading = "All counts are zero: the test is undefined / mọi số đếm bằng 0, không kiểm định được."
        elif t.ci_high < 0:
            less = "Fewer cases" if self.measure.is_count else f"Less ({self.measure.en})"
            reading = f"{less} overall, counting displacement: the campaign reduced them / giảm thực sự."
        elif t.ci_low > 0:
            more = "More cases" if self.measure.is_count else f"More ({self.measure.en})"
            reading = f"{more} overall, counting displacement / {self.measure.what.vi} tăng khi tính cả dịch chuyển."
        else:
            reading = "The total change is within chance at this level / thay đổi nằm trong biên ngẫu nhiên."
        lines = [e.sentence(self.measure) for e in (self.local, self.displacement, self.total)] + [reading]
        return Summary("WDD test (Wheeler & Ratcliffe 2018)", lines, self.counts)


def wdd(
    *,
    treated: Pair,
    control: Pair,
    disp_treated: Pair = (0, 0),
    disp_control: Pair = (0, 0),
    time_weights: Pair = (1, 1),
    area_weights: tuple[float, float, float, float] = (1, 1, 1, 1),
    level: float = 0.9,
    alpha: float | None = None,
) -> WDDResult:
    """Weighted displacement difference test (Wheeler & Ratcliffe 2018), exactly as ``ptools::wdd``.

    Each pair is (pre, post). As in ``ptools::wdd``, every count is **divided** by its time and
    area weights — the estimates are changes per unit time and per unit area — and its Poisson
    variance by their square; ``area_weights`` are ordered control, treated, disp_control,
    disp_treated. Local = ΔT − ΔC, displacement = ΔD − ΔCd, total = local + displacement. This is
    the published, Poisson-only method: with overdispersed counts its interval is too narrow (see
    :func:`trendkit.models.displacement_measures`, which widens it). ``level`` is the intervals'
    level, as everywhere in trendkit: ptools' ``alpha`` is 1 − ``level`` (default 0.1, so
    ``level=0.9``); ``alpha=`` still works and warns.

    >>> r = wdd(treated=(20, 10), control=(20, 20))
    >>> r.local.estimate, r.local.se ** 2
    (-10.0, 70.0)

    ptools' example with two years before and one after (the counts become per year):

    >>> r = wdd(control=(100, 50), treated=(80, 20), time_weights=(2, 1))
    >>> r.total.estimate, round(r.total.se, 2)
    (-20.0, 10.72)
    """
    for name, weights in (("time_weights", time_weights), ("area_weights", area_weights)):
        if any(float(w) <= 0 for w in weights):
            raise ValueError(f"{name} must be positive, not {tuple(weights)}")
    scale_t = tuple(1 / float(w) for w in time_weights)
    scale_a = tuple(1 / float(w) for w in area_weights)
    level = level_or_alpha("wdd", level, alpha)
    return wdd_from_counts(treated, control, disp_treated, disp_control, scale_t, scale_a, level, shared=False)


def wdd_from_counts(
    treated: Pair,
    control: Pair,
    disp_treated: Pair,
    disp_control: Pair,
    time_weights: Pair,
    area_weights: tuple[float, float, float, float],
    level: float,
    *,
    shared: bool,
    dispersion: tuple[float, float, float, float] = (1.0, 1.0, 1.0, 1.0),
) -> WDDResult:
    """The WDD with *multipliers* (``time_weights`` and ``area_weights`` scale each count; the public
    :func:`wdd` passes ptools' divisors as their reciprocals). ``shared=True``: the displacement
    control is the same area as the control (one set of counts). ``dispersion`` (control, treated,
    disp_control, disp_treated) multiplies each count's Poisson variance: quasi-Poisson, for counts
    that vary more than Poisson."""
    treated, control, disp_treated, disp_control = (
        (float(p[0]), float(p[1])) for p in (treated, control, disp_treated, disp_control)
    )
    tw0, tw1 = (float(w) for w in time_weights)
    aw_c, aw_t, aw_dc, aw_dt = (float(w) for w in area_weights)

    def delta(pair: Pair, aw: float) -> tuple[float, float]:
        return aw * tw1 * pair[1] - aw * tw0 * pair[0], (aw * tw1) ** 2 * pair[1] + (aw * tw0) ** 2 * pair[0]

    phi_c, phi_t, phi_dc, phi_dt = (max(float(x), 0.0) for x in dispersion)
    (d_t, v_t), (d_c, v_c) = delta(treated, aw_t), delta(control, aw_c)
    (d_dt, v_dt), (d_dc, v_dc) = delta(disp_treated, aw_dt), delta(disp_control, aw_dc)
    v_t, v_c, v_dt, v_dc = phi_t * v_t, phi_c * v_c, phi_dt * v_dt, phi_dc * v_dc
    local = Estimate.normal("Local / tại chỗ", d_t - d_c, v_t + v_c, level)
    disp = Estimate.normal("Displacement / dịch chuyển", d_dt - d_dc, v_dt + v_dc, level)
    if shared:  # the same control counts enter twice: their variance adds with the summed weight
        _, v_both = delta(control, aw_c + aw_dc)
        v_total = v_t + v_dt + phi_c * v_both
    else:
        v_total = v_t + v_c + v_dt + v_dc
    total = Estimate.normal("Total / tổng", local.estimate + disp.estimate, v_total, level)
    counts = pl.DataFrame(
        {
            "area": ["treated", "control", "disp_treated", "disp_control"],
            "pre": [treated[0], control[0], disp_treated[0], disp_control[0]],
            "post": [treated[1], control[1], disp_treated[1], disp_control[1]],
            "area_weight": [aw_t, aw_c, aw_dt, aw_dc],
        }
    )
    return WDDResult(local, disp, total, level, counts)


def wdd_harm(
    estimates: Sequence[WDDResult], weights: Sequence[float], *, level: float = 0.9, alpha: float | None = None
) -> Estimate:
    """Harm-weighted combination of WDD totals across commodity types (``ptools::wdd_harm``).

    Estimate Σ wᵢ·estᵢ, variance Σ wᵢ²·seᵢ² (the types are independent Poisson counts), with an
    interval at ``level`` (ptools' ``alpha`` is 1 − ``level``; ``alpha=`` still works and warns).

    >>> a = wdd(treated=(20, 10), control=(20, 20))
    >>> b = wdd(treated=(5, 5), control=(5, 4))
    >>> h = wdd_harm([a, b], [1.0, 10.0])
    >>> h.estimate, round(h.se ** 2)  # 70 + 10² × 19
    (0.0, 1970)
    """
    if len(estimates) != len(weights):
        raise ValueError(f"{len(estimates)} estimates but {len(weights)} weights")
    est = sum(w * r.total.estimate for r, w in zip(estimates, weights, strict=True))
    var = sum(w**2 * r.total.se**2 for r, w in zip(estimates, weights, strict=True))
    level = level_or_alpha("wdd_harm", level, alpha)
    return Estimate.normal("Harm-weighted total / tổng theo mức độ nguy hại", est, var, level)


# --- E-test -------------------------------------------------------------------------------------


Alternative = Literal["two-sided", "greater", "less"]
#: Above this many (x1, x2) cells the exact E-test sum is replaced by its normal approximation
#: (statsmodels' score test); counts up to about 25,000 a side stay exact (national yearly counts).
E_TEST_MAX_CELLS = 16_000_000


@dataclass(frozen=True, repr=False)
class ETestResult(Result):
    """The E-test of H0: rate1 − rate2 = d (rates = count / exposure) against ``alternative``."""

    k1: float
    k2: float
    n1: float
    n2: float
    d: float
    alternative: str
    statistic: float
    p_value: float
    method: str

    def to_frame(self) -> pl.DataFrame:
        """What this result holds, as a tidy polars frame."""
        return pl.DataFrame([vars(self)])

    def summary(self) -> Summary:
        """What this result says, in plain words with its numbers (text and HTML: :class:`~trendkit.result.Result`)."""
        r1, r2 = self.k1 / self.n1, self.k2 / self.n2
        says = {
            "two-sided": "differs from",
            "greater": "is higher than",
            "less": "is lower than",
        }[self.alternative]
        verdict = says if self.p_value < 0.05 else f"is not shown to be ({says})"
        return Summary(
            "E-test for two Poisson rates (Krishnamoorthy & Thomson 2004)",
            [
                f"Rate 1 = {fmt_num(r1, 2)}, rate 2 = {fmt_num(r2, 2)} (difference {fmt_num(r1 - r2, 2)}).",
                f"At 5%, the first rate {verdict} the second + {fmt_num(self.d, 2)} ({fmt_p(self.p_value)}; "
                f"{self.alternative}; {self.method}).",
            ],
        )


def e_test(
    k1: float, k2: float, n1: float = 1, n2: float = 1, d: float = 0, alternative: Alternative = "two-sided"
) -> ETestResult:
    """The Poisson E-test of Krishnamoorthy & Thomson (2004), as ``ptools::e_test``.

    ``k1``, ``k2`` are counts over exposures ``n1``, ``n2`` (e.g. months); H0: k1/n1 = k2/n2 + d. The
    statistic uses the pooled rate, T = (x1/n1 − x2/n2 − d) / √(r̂ (1/n1 + 1/n2)) with r̂ = (x1 + x2)/(n1 +
    n2) (for the observed counts, λ̂ below, as ptools does), and the p-value is Σ P(X1 = x1) P(X2 = x2) over
    the (x1, x2) at least as extreme as the observed counts (|T| for "two-sided", the default as in ptools;
    T for "greater"; −T for "less"), with X1 ~ Poisson(n1(λ̂ + d)), X2 ~ Poisson(n2 λ̂) and λ̂ = (k1 +
    k2)/(n1 + n2) − d·n1/(n1 + n2). The sum runs only where either Poisson has more than 1e-12 of its mass,
    so memory stays bounded; past :data:`E_TEST_MAX_CELLS` cells (counts in the tens of thousands a side) it
    is replaced by the normal approximation the E-test converges to (statsmodels' score test), and
    ``method`` says so. Nothing observed (k1 = k2 = 0) gives p = 1 (ptools returns −1: undefined).

    Two-sided p-values equal ``ptools::e_test``; all three alternatives equal statsmodels'
    ``etest_poisson_2indep(method="score", compare="diff")`` for d = 0 (the tests check both).

    The two worked examples of Krishnamoorthy & Thomson (2004):

    >>> round(e_test(6, 2).p_value, 4), round(e_test(0, 3).p_value, 4)
    (0.1749, 0.0884)
    >>> round(e_test(20, 10, alternative="greater").p_value, 4)
    0.0344
    """
    from scipy import stats

    if alternative not in ("two-sided", "greater", "less"):
        raise ValueError(f"alternative must be 'two-sided', 'greater' or 'less', not {alternative!r}")
    for name, k in (("k1", k1), ("k2", k2)):
        if k < 0:
            raise ValueError(f"{name} must be a count ≥ 0, not {k}")
    if n1 <= 0 or n2 <= 0:
        raise ValueError("exposures n1 and n2 must be positive")
    k1, k2, n1, n2, d = (float(x) for x in (k1, k2, n1, n2, d))
    lam = max((k1 + k2) / (n1 + n2) - d * n1 / (n1 + n2), 0.0)
    # the observed statistic's pooled rate is λ̂ under H0 (ptools; the same as r̂ when d = 0)
    with np.errstate(divide="ignore", invalid="ignore"):
        t_obs = float((k1 / n1 - k2 / n2 - d) / np.sqrt(lam * (1 / n1 + 1 / n2)))
    t_obs = t_obs if np.isfinite(t_obs) else 0.0
    mu1, mu2 = n1 * (lam + d), n2 * lam
    if (k1 == 0 and k2 == 0) or (mu1 <= 0 and mu2 <= 0):
        return ETestResult(k1, k2, n1, n2, d, alternative, t_obs, 1.0, "nothing observed")
    lo1, hi1 = (int(x) for x in stats.poisson.ppf([1e-12, 1 - 1e-12], max(mu1, 1e-12)))
    lo2, hi2 = (int(x) for x in stats.poisson.ppf([1e-12, 1 - 1e-12], max(mu2, 1e-12)))
    if (hi1 - lo1 + 2) * (hi2 - lo2 + 2) > E_TEST_MAX_CELLS:
        return _e_test_normal(k1, k2, n1, n2, d, alternative, t_obs)
    g1, g2 = np.arange(max(lo1 - 1, 0), hi1 + 2), np.arange(max(lo2 - 1, 0), hi2 + 2)
    p1, p2 = stats.poisson.pmf(g1, mu1), stats.poisson.pmf(g2, mu2)
    tx = _pooled_t(g1[:, None].astype(float), g2[None, :].astype(float), n1, n2, d)
    with np.errstate(invalid="ignore"):
        if alternative == "two-sided":  # x1 = x2 = 0 has no statistic: ptools leaves it out of the sum
            extreme = np.isfinite(tx) & (np.abs(tx) >= abs(t_obs) - 1e-12)
        else:  # one-sided: no counts at all is no difference, T = 0 (as statsmodels' etest)
            tx = np.where(np.isfinite(tx), tx, 0.0)
            extreme = tx >= t_obs - 1e-12 if alternative == "greater" else tx <= t_obs + 1e-12
    p = float((p1[:, None] * p2[None, :] * extreme).sum())
    return ETestResult(k1, k2, n1, n2, d, alternative, t_obs, min(1.0, p), "exact sum")


def _pooled_t(x1: np.ndarray, x2: np.ndarray, n1: float, n2: float, d: float) -> np.ndarray:
    rate = (x1 + x2) / (n1 + n2)
    with np.errstate(divide="ignore", invalid="ignore"):
        return (x1 / n1 - x2 / n2 - d) / np.sqrt(rate * (1 / n1 + 1 / n2))


def _e_test_normal(k1: float, k2: float, n1: float, n2: float, d: float, alternative: str, t_obs: float) -> ETestResult:
    from statsmodels.stats.rates import test_poisson_2indep

    alt = {"two-sided": "two-sided", "greater": "larger", "less": "smaller"}[alternative]
    res = test_poisson_2indep(k1, n1, k2, n2, value=d, method="score", compare="diff", alternative=alt)
    return ETestResult(k1, k2, n1, n2, d, alternative, t_obs, float(res.pvalue), "normal approximation (score)")
