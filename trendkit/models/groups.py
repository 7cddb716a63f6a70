"""Target, buffer and control: who is compared with whom in the field's measures, and why.

The rule is documented and every choice is listed in :attr:`Groups.reasons`, so the analyst (and
the report) can see it next to the numbers:

- **by province** — buffer = the targets' land neighbours, plus every province the
  displacement scan finds rising significantly (``receivers="scan"``): a receiver is where the
  activity went, so it is never a control. Control = every other province.
- **by channel** — buffer = sea, air and post (where road traffic goes when hit); control =
  rail and inland. With only road/sea/air/post in the data, name the provinces the crackdown hit
  with ``within=``: target and buffer are then those channels *in* them, and the control is the
  same channels in the other provinces.
- **by place kind** — trails → gates: targets ``informal_crossing`` with buffer
  ``official_gate`` (or the reverse); control = the other kinds of place.
- **any other column** (region, commodity …) — name the buffer.

Names may be given in any of the panel's units, or — by province — as a region or
macro-region ("Trung"), which stands for its provinces. ``exclude`` leaves units out of the
control; ``unknown``/``other`` are never a control.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field

import polars as pl

from trendkit.errors import NoComparisonError
from trendkit.geo.provinces import Layout
from trendkit.result import Result
from trendkit.summary import Summary
from trendkit.words import REASONS

__all__ = ["Groups", "choose_groups", "expand_units"]

#: Default buffers by channel and by place kind.
CHANNEL_BUFFER = ("sea", "air", "post")
PLACE_KIND_BUFFER = {"informal_crossing": ("official_gate",), "official_gate": ("informal_crossing",)}
NEVER_CONTROL = ("unknown", "other")


@dataclass(frozen=True, repr=False)
class Groups(Result):
    """The three groups of a displacement measure, in the units of ``by``.

    With ``within`` (provinces), target and buffer count only cases in those provinces and the
    control only cases outside them.
    """

    by: str
    target: list[str]
    buffer: list[str]
    control: list[str]
    within: list[str] | None = None
    reasons: dict[str, list[str]] = field(default_factory=dict)

    def predicate(self, role: str) -> pl.Expr:
        """The panel rows that count for ``role`` ("target", "buffer" or "control")."""
        units = getattr(self, role)
        cond = pl.col(self.by).cast(pl.String).is_in(units)
        if self.within is not None:
            inside = pl.col("province").cast(pl.String).is_in(self.within)
            cond = cond & (~inside if role == "control" else inside)
        return cond

    def lines(self) -> list[str]:
        """One line per group and per reason, for summaries and the report."""
        where = f" in {', '.join(self.within)}" if self.within else ""
        out = [
            f"Target ({self.by}){where}: {', '.join(self.target)}.",
            f"Buffer{where}: {', '.join(self.buffer) or '—'}.",
            f"Control{' (outside ' + ', '.join(self.within) + ')' if self.within else ''}: {len(self.control)} "
            f"({', '.join(self.control[:8])}{'…' if len(self.control) > 8 else ''}).",
        ]
        return out + [f"{REASONS[why]}: {', '.join(names)}." for why, names in self.reasons.items() if names]

    def summary(self) -> Summary:
        """What this result says, in plain words with its numbers (text and HTML: :class:`~trendkit.result.Result`)."""
        return Summary(f"Nhóm so sánh / groups (by {self.by})", self.lines())

    def to_frame(self) -> pl.DataFrame:
        """One row per unit: ``role`` (target, buffer, control) and ``unit``."""
        rows = [(role, unit) for role in ("target", "buffer", "control") for unit in getattr(self, role)]
        return pl.DataFrame(rows, schema={"role": pl.String, "unit": pl.String}, orient="row")

    def to_dict(self) -> dict[str, object]:
        """The groups as summary.json stores them."""
        reasons = {str(REASONS[k]): v for k, v in self.reasons.items() if v}
        return {"by": self.by, "target": self.target, "buffer": self.buffer, "control": self.control,
                "within": self.within, "reasons": reasons}  # fmt: skip


def expand_units(frame: pl.DataFrame, by: str, names: Sequence[str], role: str) -> list[str]:
    """Names → units of ``by``; by province a region or macro-region stands for its provinces."""
    known = set(frame[by].cast(pl.String).unique().to_list())
    out: list[str] = []
    for name in names:
        if name in known:
            out.append(name)
            continue
        members: list[str] = []
        if by == "province":
            for level in ("macro_region", "region"):
                if level in frame.columns:
                    members = sorted(frame.filter(pl.col(level) == name)["province"].cast(pl.String).unique())
                    if members:
                        break
        if not members:
            raise ValueError(f"{role}: {name!r} is not a {by} of the panel (nor a region of its provinces)")
        out += [m for m in members if m not in out]
    return out


#: The reason recorded when the scan could not look for receivers (a key of :data:`trendkit.words.REASONS`).
NO_SCAN = "no_scan"


def scan_receivers(frame: pl.DataFrame, targets: list[str], start: dt.date, after: int) -> tuple[list[str], str | None]:
    """Provinces the displacement scan finds rising significantly; or none, and why the scan could not run."""
    from trendkit.models.scan import displacement_scan

    try:
        scan = displacement_scan(frame, targets, start, before=None, after=after)
    except ValueError as exc:
        return [], str(exc)
    rises = scan.rising()
    return sorted(set(rises["province"].to_list())), None


def _default_buffer(
    frame: pl.DataFrame, by: str, target: list[str], found: list[str], layout: Layout, reasons: dict[str, list[str]]
) -> list[str]:
    """The documented default buffer for ``by`` (module docstring); why each unit is in it goes to ``reasons``."""
    from trendkit.geo.shapes import neighbours_of

    everyone = sorted(frame[by].cast(pl.String).unique().to_list())
    if by == "province":
        near = neighbours_of(target, layout, units=everyone)
        rose = [f for f in found if f not in near]
        reasons["buffer_neighbours"] = near
        reasons["buffer_receivers"] = rose
        return [*near, *rose]
    if by == "channel":
        return [c for c in CHANNEL_BUFFER if c in everyone and c not in target]
    if by == "place_kind" and len(target) == 1 and target[0] in PLACE_KIND_BUFFER:
        return [k for k in PLACE_KIND_BUFFER[target[0]] if k in everyone]
    raise ValueError(f"by={by!r} has no default buffer: name it, e.g. buffer=[...] of the panel's {by} values")


def _default_control(
    frame: pl.DataFrame, by: str, roles: tuple[list[str], list[str]], inside: list[str] | None,
    left_out: list[str], reasons: dict[str, list[str]],
) -> list[str]:  # fmt: skip
    """Every other unit — or, ``within`` provinces, the target's and buffer's units outside them —
    except those left out and ``unknown``/``other``."""
    target, buffer = roles
    pool = [*target, *buffer] if inside is not None else sorted(frame[by].cast(pl.String).unique().to_list())
    taken = set() if inside is not None else {*target, *buffer}
    never = [u for u in pool if u in NEVER_CONTROL]
    reasons["control_left_out"] = left_out
    reasons["never_control"] = never
    return [u for u in pool if u not in never and u not in left_out and u not in taken]


def choose_groups(
    frame: pl.DataFrame,
    targets: Sequence[str],
    start: dt.date,
    *,
    by: str,
    after: int,
    buffer: Sequence[str] | None = None,
    control: Sequence[str] | None = None,
    within: Sequence[str] | None = None,
    exclude: Sequence[str] = (),
    receivers: Sequence[str] | str = "scan",
    layout: Layout = "2025",
) -> Groups:
    """The documented default groups (module docstring), each overridable; every choice with its reason."""
    target = expand_units(frame, by, targets, "targets")
    reasons: dict[str, list[str]] = {}
    inside = expand_units(frame, "province", within, "within") if within is not None else None
    found: list[str] = []
    if by == "province" and receivers == "scan":
        found, why_not = scan_receivers(frame, target, start, after)
        if why_not:
            reasons[NO_SCAN] = [why_not]
    elif by == "province":
        found = [r for r in expand_units(frame, by, list(receivers), "receivers") if r not in target]
    if buffer is None:
        buffer = _default_buffer(frame, by, target, found, layout, reasons)
    else:
        buffer = expand_units(frame, by, buffer, "buffer")
    left_out = [*(expand_units(frame, by, list(exclude), "exclude")), *(f for f in found if f not in buffer)]
    if control is None:
        control = _default_control(frame, by, (target, buffer), inside, left_out, reasons)
    else:
        control = expand_units(frame, by, control, "control")
        reasons["control_named_rising"] = [f for f in found if f in control]
    _check_roles(by, target, buffer, control, inside)
    return Groups(by, target, list(buffer), list(control), inside, reasons)


def _check_roles(by: str, target: list[str], buffer: list[str], control: list[str], inside: list[str] | None) -> None:
    if inside is None:
        overlap = (set(target) & set(buffer)) | (set(target) & set(control)) | (set(buffer) & set(control))
        if overlap:
            raise ValueError(f"a unit cannot have two roles: {sorted(overlap)}")
    elif set(target) & set(buffer):
        raise ValueError(f"a unit cannot be both target and buffer: {sorted(set(target) & set(buffer))}")
    if not control:
        raise NoComparisonError(f"no control {by} is left after the target and buffer; {_no_control_hint(by, inside)}")


def _no_control_hint(by: str, inside: list[str] | None) -> str:
    """What to pass when target and buffer leave no control: a control, ``within`` for channels, or —
    when they cover the whole country — a comparison of shares, which needs none."""
    if by == "channel" and inside is None:
        return (
            "name one with control=[...]. With only road/sea/air/post, name the provinces the crackdown hit "
            "with within=[...]: the same channels in the other provinces become the control."
        )
    return (
        f"name {by} values the campaign did not touch with control=[...] — or, when target and buffer are the "
        f"whole country (the North and South against the Centre), ask how their shares moved, which needs no "
        f"control: channel_shift(panel, start, by={by!r})."
    )
