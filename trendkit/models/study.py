"""One call per displacement question, one verdict: did the campaign push activity somewhere else?

:func:`displacement_study` runs the steps an analyst would, in order, and says one thing:

1. did the whole country move at the same time (:func:`~trendkit.models.shock.common_shock`)?
2. did the targets fall against the control (the success measure's 95% interval,
   :func:`~trendkit.models.displacement.displacement_measures`)?
3. where did activity rise beyond its own expectation (:func:`~trendkit.models.scan.displacement_scan`,
   whose rising provinces join the buffer, never the control)?
4. did the buffer — as a whole, or unit by unit with simultaneous intervals — rise or fall against
   the control?

The verdict (:data:`trendkit.words.VERDICTS`) is **displacement** or **diffusion** only when the
measures' interval-gated claim says so (a comparison with the control, so a shock common to all
cancels); **national shock** when the whole country moved and no shift stands out against the
control; otherwise **no clear shift**, with the smallest displacement that could have been seen
(:func:`~trendkit.models.power.minimum_detectable`). Every line of the summary follows from that
one verdict: a unit that rose in the scan is called displacement only when the verdict is.

The Director General's four questions, each one call (SYNTHETIC panels in ``tests/test_study.py``)::

    displacement_study(p, ["Quảng Ninh", "Lạng Sơn"], "2023-07")                        # → Lào Cai?
    displacement_study(p, ["road"], "2023-07", by="channel", within=["Quảng Ninh", "Lạng Sơn"])  # → sea, air, post?
    displacement_study(p, ["Bắc", "Nam"], "2023-07")                                    # → the Centre?
    displacement_study(by_place_kind, ["informal_crossing"], "2020-04", by="place_kind")  # → official gates?

Examples
--------
>>> import trendkit as tk
>>> p = tk.panel(tk.load_cases("data/sample").cases)
>>> study = displacement_study(p, ["Quảng Ninh", "Lạng Sơn"], "2023-07")
>>> study.verdict.key
'displacement'
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

import polars as pl

from trendkit.geo.provinces import Layout
from trendkit.models.displacement import DisplacementMeasures, displacement_measures
from trendkit.models.groups import expand_units
from trendkit.models.measure import measure_of
from trendkit.models.power import MinimumDetectable, minimum_detectable
from trendkit.models.scan import DisplacementScan, displacement_scan
from trendkit.models.shock import CommonShock
from trendkit.months import parse_month
from trendkit.result import Result
from trendkit.summary import Summary, fmt_num
from trendkit.threads import limit_threads
from trendkit.words import VERDICTS, Bi

__all__ = ["DisplacementStudy", "displacement_study"]

#: The measures' claims behind each verdict (:data:`trendkit.words.CLAIMS` keys).
_FROM_CLAIM = {
    "displacement": "displacement",
    "displacement_units": "displacement",
    "diffusion": "diffusion",
    "diffusion_units": "diffusion",
}


@dataclass(frozen=True, repr=False)
class DisplacementStudy(Result):
    """The four steps of a displacement question and the one verdict they allow.

    ``verdict`` is a :class:`~trendkit.words.Bi` keyed ``displacement``, ``diffusion``,
    ``no_clear_shift`` or ``national_shock``; ``measures``, ``scan`` (None when it could not run,
    ``scan_skipped`` says why), ``shock`` and ``minimum`` (only when nothing was found) are the
    steps' own results.
    """

    targets: list[str]
    start: dt.date
    by: str
    verdict: Bi
    measures: DisplacementMeasures
    scan: DisplacementScan | None
    shock: CommonShock | None
    minimum: MinimumDetectable | None = None
    scan_skipped: str | None = None

    @property
    def rises(self) -> list[str]:
        """Units the scan found rising clearly above their own expectation (Benjamini–Hochberg)."""
        return _rising(self.scan)["unit"].to_list()

    @property
    def receivers(self) -> list[str]:
        """The provinces among :attr:`rises` (by province they joined the buffer, never the control)."""
        return _receivers(self.scan)

    def to_frame(self) -> pl.DataFrame:
        """One row per step's quantity: ``step``, ``estimate``, ``low``, ``high`` (95%), ``clear``
        (the interval excludes 0) and the study's ``verdict`` key on every row."""
        rows = [(name, *_relative(self.measures, name)) for name in ("target", "buffer")]
        shock = self.shock.change if self.shock is not None else None
        if shock is not None:
            rows.append(("rest_of_country", shock.estimate, shock.low, shock.high))
        frame = pl.DataFrame(rows, schema={"step": pl.String, "estimate": pl.Float64, "low": pl.Float64,
                                           "high": pl.Float64}, orient="row")  # fmt: skip
        clear = (pl.col("low") > 0) | (pl.col("high") < 0)
        return frame.with_columns(clear=clear.fill_null(False), verdict=pl.lit(self.verdict.key))

    def summary(self) -> Summary:
        """The verdict first, then each step's evidence (text and HTML: :class:`~trendkit.result.Result`)."""
        m = self.measures
        why = self.reason
        lines = [
            f"Kết luận: {self.verdict.vi} — {why.vi} / Verdict: {self.verdict.en} — {why.en}",
            *m.groups.lines(),
            f"Windows: {m.before} months before and {m.after} from {self.start:%m/%Y}.",
            _shock_line(self.shock),
            _relative_line(m, "target"),
            self._scan_line(),
            _relative_line(m, "buffer"),
            *([] if self.minimum is None else self.minimum.summary().lines[1:2]),
        ]
        return Summary("Displacement study / nghiên cứu dịch chuyển", [x for x in lines if x], self.to_frame())

    @property
    def reason(self) -> Bi:
        """Why the verdict is what it is, in the measures' own gated words (and the shock's), keyed by
        the measures' claim (:data:`trendkit.words.CLAIMS`), or ``wdq_reading`` without one."""
        claim = self.measures.claim
        if claim is None:
            text = self.measures.wdq.interpretation
            claim = Bi("wdq_reading", text, text)
        if self.verdict.key == "national_shock" and self.shock is not None:
            svi, sen = self.shock.warning(compared=True) or ("", "")
            return Bi(claim.key, f"{svi} {claim.vi}", f"{sen} Against the control: {claim.en}")
        return claim

    def _scan_line(self) -> str | None:
        if self.scan is None:
            return f"Scan not run / chưa quét được: {self.scan_skipped}" if self.scan_skipped else None
        rises = self.rises
        if not rises:
            return "Quét / scan: không đơn vị nào tăng rõ / no unit rose clearly above its own expectation."
        head = f"Quét / scan: tăng rõ hơn dự kiến / rose clearly above expectation (BH 5%): {', '.join(rises[:5])}"
        if self.verdict.key == "displacement":
            return head + "."
        return (
            head + " — chưa coi là dịch chuyển / not read as displacement: the comparison with the control does not "
            "support it."
        )


def _relative(m: DisplacementMeasures, group: str) -> tuple[float | None, float | None, float | None]:
    """The group's change relative to the control (−0.3: 30% lower against the control than before),
    with the bootstrap interval of its measure (success measure for the target, buffer displacement
    measure for the buffer), rescaled by the group's ratio to the control before."""
    key = {"target": "sm", "buffer": "bdm"}[group]
    point = {"target": m.wdq.success_measure, "buffer": m.wdq.buffer_displacement}[group]
    before = {"target": m.wdq.target[0], "buffer": m.wdq.buffer[0]}[group]
    control = m.wdq.control[0]
    if point is None or before <= 0 or control <= 0 or m.intervals is None:
        return None, None, None
    scale = control / before
    lo, hi = m.intervals[key]
    return point * scale, max(lo * scale, -1.0), hi * scale  # no group falls by more than all of it


def _relative_line(m: DisplacementMeasures, group: str) -> str:
    est, lo, hi = _relative(m, group)
    what = {"target": "Mục tiêu so với đối chứng / targets against the control",
            "buffer": "Cả vùng đệm so với đối chứng / the buffer as a whole against the control"}[group]  # fmt: skip
    if est is None:
        return f"{what}: không tính được / cannot be computed (no cases before, or no control)."
    moved = "tăng / rose" if lo > 0 else "giảm / fell" if hi < 0 else "chưa rõ / did not move clearly"
    line = f"{what}: {moved}, {fmt_num(100 * est, 0)}% (95%: {fmt_num(100 * lo, 0)}% … {fmt_num(100 * hi, 0)}%)"
    if group == "buffer" and m.buffer_units is not None:
        clear = m.buffer_units.filter(pl.col("clear"))["unit"].to_list()
        line += f"; từng đơn vị / unit by unit (simultaneous 95%): {', '.join(clear) or '—'}"
    return line + "."


def _shock_line(shock: CommonShock | None) -> str | None:
    if shock is None:
        return None
    if not shock.detected:
        return "Biến động chung / common shock: không / none — the rest of the country did not move the targets' way."
    return "Biến động chung / common shock: " + " / ".join(shock.warning(compared=True) or ())


def _verdict(measures: DisplacementMeasures, shock: CommonShock | None) -> Bi:
    """One verdict: the measures' gated claim first (against the control, a common shock cancels),
    then a national shock, else no clear shift."""
    key = _FROM_CLAIM.get(measures.claim.key if measures.claim is not None else "")
    if key is None:
        key = "national_shock" if shock is not None and shock.detected else "no_clear_shift"
    return VERDICTS[key]


def _scan_targets(panel: pl.DataFrame, by: str, targets: Sequence[str], layout: Layout) -> list[str]:
    """By province, a region's or macro-region's name stands for its provinces in the scan too."""
    if by != "province" or "province" not in panel.columns:
        return list(targets)
    from trendkit.geo.regions import with_regions

    return expand_units(with_regions(panel.select("province").unique(), layout=layout), by, targets, "targets")


def _scan(
    panel: pl.DataFrame, targets: Sequence[str], start: dt.date, by: str, after: int
) -> tuple[DisplacementScan | None, str | None]:
    """The scan on ``by``'s units over all the months before, or None and why it could not run (too
    few months, no such column)."""
    try:
        return displacement_scan(panel, targets, start, after=after, by=by), None
    except ValueError as exc:
        return None, str(exc)


@limit_threads
def displacement_study(
    panel: pl.DataFrame,
    targets: Sequence[str],
    start: str | dt.date,
    *,
    by: str = "province",
    before: int = 12,
    after: int = 12,
    buffer: Sequence[str] | None = None,
    control: Sequence[str] | None = None,
    within: Sequence[str] | None = None,
    exclude: Sequence[str] = (),
    layout: Layout = "2025",
) -> DisplacementStudy:
    """Did the campaign on ``targets`` from ``start`` push activity elsewhere? One verdict, with its evidence.

    Parameters
    ----------
    panel
        A :func:`trendkit.panel` with the column ``by`` (and ``province`` for the shock check).
    targets, start
        The units the campaign hit (values of ``by``; a region's name stands for its provinces when
        ``by="province"``) and its first month.
    by
        What a unit is: ``"province"``, ``"region"``, ``"macro_region"``, ``"channel"``,
        ``"place_kind"``, ``"commodity"`` … (as :func:`~trendkit.models.displacement.displacement_measures`).
    before, after
        Months in the windows before and from ``start``.
    buffer, control, within, exclude, layout
        The groups, as :func:`~trendkit.models.displacement.displacement_measures` chooses them by
        default (every choice and its reason in ``.measures.groups``); by province the scan's rising
        provinces join the buffer.

    Returns
    -------
    DisplacementStudy
        ``.verdict`` (:data:`trendkit.words.VERDICTS`), ``.summary()`` saying it once with each
        step's evidence, and the steps' own results.

    Raises
    ------
    NoComparisonError
        When no control is left after target and buffer; the message says what to pass.
    """
    measure_of(panel)  # a quantity or value panel holds one unit (each step reads it, and says it), or is refused
    start_d = parse_month(start)
    units = _scan_targets(panel, by, targets, layout)
    scan, skipped = _scan(panel, units, start_d, by, after)
    receivers = _receivers(scan) if by == "province" else ()
    measures = displacement_measures(
        panel, targets, start_d, before=before, after=after, by=by, buffer=buffer, control=control,
        within=within, exclude=exclude, receivers=receivers, layout=layout, level=0.95,
    )  # fmt: skip
    shock = measures.shock if measures.shock is not None else (scan.shock if scan is not None else None)
    verdict = _verdict(measures, shock)
    minimum = None
    if verdict.key == "no_clear_shift" and scan is not None:  # "not seen" with the size that would have been
        minimum = minimum_detectable(panel, units, start_d, after=after, by=by)
    return DisplacementStudy(list(measures.target), start_d, measures.by, verdict, measures, scan, shock, minimum,
                             skipped)  # fmt: skip


def _receivers(scan: DisplacementScan | None) -> list[str]:
    rising = _rising(scan)
    return sorted(set(rising["province"].to_list())) if "province" in rising.columns else []


def _rising(scan: DisplacementScan | None) -> pl.DataFrame:
    """The scan's rows that rose clearly (an empty frame when there is no scan)."""
    if scan is None:
        return pl.DataFrame(schema={"unit": pl.String, "province": pl.String})
    return scan.rising()
