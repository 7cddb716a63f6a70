"""What a model's series counts or sums: cases, a quantity in one unit, or the value of goods.

A panel built with ``panel(..., value="quantity_std")`` sums kilograms (or litres, pieces, head);
every model reads it as it reads counts, and its result says the unit: "+12 kg a month", not
"+12 cases". The panel says its unit in its unit column (``unit_std``, one value); a series made
from it (:func:`~trendkit.models.series`) in its ``measure`` column.

>>> p = pl.DataFrame({"period": [1, 2], "quantity_std": [2.5, 4.0], "unit_std": ["kg", "kg"]})
>>> m = measure_of(p)
>>> m.amount(12.3), m.amount(12, 0, vi=True), str(m.what)
('12,3 kg', '12 kg', 'lượng hàng (kg) / the quantity (kg)')
>>> measure_panel(p).columns
['period', 'cases']
>>> measure_of(pl.DataFrame({"period": [1], "cases": [3]})).amount(3, 0)
'3 cases'
"""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from trendkit.panel import MEASURES  # the sums a panel may hold instead of case counts
from trendkit.summary import fmt_num
from trendkit.words import UNITS, Bi

__all__ = ["CASES", "Measure", "measure_of", "measure_panel"]

#: The words of each measure's unit: Vietnamese, English (after a number), and what the measure is.
_WORDS = {
    "cases": ("vụ", "cases", Bi("cases", "số vụ", "the number of cases")),
    "đồng": ("đồng", "đồng", Bi("đồng", "trị giá hàng (đồng)", "the value of goods (đồng)")),
    "piece": ("đơn vị", "pieces", Bi("piece", "lượng hàng (chiếc, viên, điếu)", "the quantity (pieces)")),
    # a quantity panel that does not say its unit (built by hand, without its unit column)
    "quantity_std": ("đơn vị chuẩn", "standard units", Bi("quantity_std", "lượng hàng", "the quantity")),
    "quantity": ("đơn vị", "units", Bi("quantity", "lượng hàng", "the quantity")),
}


@dataclass(frozen=True)
class Measure:
    """What a series holds: ``unit`` is ``"cases"`` (a count), ``"đồng"`` (the value of goods), a
    standard unit (``"kg"``, ``"litre"``, ``"piece"``, ``"head"``) or a unit as written (``"bánh"``)."""

    unit: str = "cases"

    @property
    def is_count(self) -> bool:
        """Whether the series counts cases (rather than summing a quantity or a value)."""
        return self.unit == "cases"

    @property
    def what(self) -> Bi:
        """What the measure is, in both languages ("số vụ / the number of cases")."""
        if self.unit in _WORDS:
            return _WORDS[self.unit][2]
        vi = UNITS[self.unit].vi if self.unit in UNITS else self.unit
        return Bi(self.unit, f"lượng hàng ({vi})", f"the quantity ({self.en})")

    @property
    def subject(self) -> Bi:
        """What the measure is, to open a sentence: "Số vụ / Cases", "Lượng hàng (kg) / The quantity (kg)"."""
        if self.is_count:
            return Bi("cases", "Số vụ", "Cases")
        what = self.what
        return Bi(what.key, what.vi[0].upper() + what.vi[1:], what.en[0].upper() + what.en[1:])

    @property
    def en(self) -> str:
        """The unit after an English number: "cases", "kg", "litres"."""
        if self.unit in _WORDS:
            return _WORDS[self.unit][1]
        return UNITS[self.unit].en if self.unit in UNITS else self.unit

    @property
    def vi(self) -> str:
        """The unit after a Vietnamese number: "vụ", "kg", "lít"."""
        if self.unit in _WORDS:
            return _WORDS[self.unit][0]
        return UNITS[self.unit].vi if self.unit in UNITS else self.unit  # "lít", "con" from the shared words

    def amount(self, x: float, digits: int = 1, *, vi: bool = False) -> str:
        """``x`` with its unit: "12,0 cases", "12,0 kg" (``vi``: "12,0 vụ"); one case is "1 case"."""
        unit = self.vi if vi else "case" if self.is_count and x == 1 else self.en
        return f"{fmt_num(x, digits)} {unit}"

    def change(self, x: float, digits: int = 1) -> str:
        """A change's size and direction in English: "12,0 fewer cases", "12,0 kg less", "3,0 kg more"."""
        if self.is_count:
            return f"{fmt_num(abs(x), digits)} {'fewer' if x < 0 else 'more'} cases"
        return f"{self.amount(abs(x), digits)} {'less' if x < 0 else 'more'}"


#: A count of cases, what most series hold.
CASES = Measure()


def measure_of(frame: pl.DataFrame) -> Measure:
    """The measure of a panel or series: its ``measure`` column (a series), the unit column of its
    quantity (one unit; a panel that holds several is refused), đồng for goods values, else cases."""
    if "measure" in frame.columns:
        return Measure(_one_unit(frame, "measure") or "cases")
    found = [c for c in MEASURES if c in frame.columns]
    if "cases" in frame.columns or not found:
        return CASES
    column = MEASURES[found[0]]
    if column is None:
        return Measure("đồng")
    return Measure(_one_unit(frame, column) or found[0]) if column in frame.columns else Measure(found[0])


def _one_unit(frame: pl.DataFrame, column: str) -> str | None:
    units = frame.get_column(column).cast(pl.String).unique().drop_nulls().sort().to_list()
    if len(units) > 1:
        raise ValueError(
            f"the panel holds {', '.join(units)} in {column!r}: a model adds one unit only; filter to one, e.g. "
            f"panel.filter(pl.col({column!r}) == {units[0]!r})"
        )
    return units[0] if units else None


def measure_panel(panel: pl.DataFrame) -> pl.DataFrame:
    """``panel`` with its measure in ``cases``: a count panel as it is; a quantity or value panel
    (``panel(..., value="quantity_std")``) with its one sum renamed ``cases`` (and its coverage
    counts and unit dropped: :func:`measure_of` reads the unit first), so every model reads either.

    >>> measure_panel(pl.DataFrame({"period": [1], "quantity_std": [2.5], "n_cases": [3], "n_measured": [1]})).columns
    ['period', 'cases']
    """
    found = [c for c in MEASURES if c in panel.columns]
    if "cases" in panel.columns or not found:
        return panel.drop("measure", strict=False)
    if len(found) > 1:
        raise ValueError(f"the panel holds {', '.join(found)}: a model reads one measure; select one of them")
    measure_of(panel)  # one unit, or refused
    unit = MEASURES[found[0]]
    return panel.drop("n_cases", "n_measured", *([unit] if unit else []), strict=False).rename({found[0]: "cases"})
