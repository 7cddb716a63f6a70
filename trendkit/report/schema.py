"""What ``summary.json`` holds: one schema, as typed dicts, that each report step fills its part of.

The report's steps (:mod:`trendkit.report.steps`) each return one typed piece; :func:`check` tells
whether a finished summary matches the schema (the tests run it on every report they build).
Counts of 1–2 are written as ``"<3"`` (small-cell suppression), so count fields take a number or
that text. Months are ``"YYYY-MM"`` text.

>>> check({"month": "2025-10"}, Shift)
['change_pct: missing', 'province: missing', 'range: missing']
"""

# (no `from __future__ import annotations`: TypedDict must see NotRequired at run time to know optional keys)
import types
import typing
from typing import Any, NotRequired, TypedDict, Union

__all__ = [
    "Alert",
    "Anomaly",
    "CampaignSection",
    "Figure",
    "Input",
    "ReportSummary",
    "Seized",
    "Shift",
    "check",
]

Count = int | float | str  # a count, or "<3" where it is suppressed


class Shift(TypedDict):
    """A change point in a province's monthly cases: the month, its plausible range, the change."""

    province: str
    month: str
    change_pct: float
    range: list[str]


class Anomaly(TypedDict):
    """A month outside its forecast interval (fitted without the last months)."""

    province: str
    month: str
    cases: Count
    lower: float
    upper: float


class Alert(TypedDict):
    """A recent shift or anomaly; ``new`` when the previous report did not raise it."""

    kind: str
    province: str
    month: str
    new: NotRequired[bool]
    change_pct: NotRequired[float]
    range: NotRequired[list[str]]
    cases: NotRequired[Count]
    lower: NotRequired[float]
    upper: NotRequired[float]


class Figure(TypedDict):
    """A map of the report: its PNG copy, its HTML file and its caption."""

    png: str
    html: str
    caption: str


class Input(TypedDict):
    """A file the loader read, with its SHA-256 (None, and a note, when it changed during the run)."""

    file: str
    sha256: str | None
    note: NotRequired[str]


class StoryLine(TypedDict):
    vi: str
    en: str
    kind: str


class Receiver(TypedDict):
    unit: str
    excess: float
    excess_interval: list[float | None]
    q_value: float


class CampaignSection(TypedDict):
    """One campaign: its effect, where activity went, and the comparisons behind the verdict."""

    name: str
    targets: list[str]
    start: str
    starts: dict[str, str]  # each target's own start (they differ in a staggered campaign)
    end: str | None
    change_per_month: list[float | None]
    change_pct: list[float | None]
    wdq: float | None
    wdd_total: list[float | None]
    groups: dict[str, Any]
    shock: dict[str, Any] | None
    synthetic_control: dict[str, Any] | None
    placebo: dict[str, Any] | None
    comparison: dict[str, Any] | None
    story: list[StoryLine]
    minimum_detectable: dict[str, Any] | None
    receivers: list[Receiver]
    text: list[str]


class Seized(TypedDict):
    """What was seized and what happened next, over the report's last twelve months (descriptive)."""

    months: list[str]
    incomplete: str  # months or units the totals lack, "" when none
    commodities: list[dict[str, Any]]  # groups (and the drugs' substances): cases, quantities, value, monthly
    outcomes: list[dict[str, Any]]  # each outcome's cases by month
    goods_value: list[dict[str, Any]]  # value of goods by month, with the cases that gave one


class ReportSummary(TypedDict):
    """The whole of ``summary.json``."""

    generated_at: str
    version: str  # trendkit's version that wrote it
    command: list[str] | None  # the command line that asked for it, less --out; None from Python
    synthetic: bool
    inputs: list[Input]
    layout: str
    month_kind: NotRequired[str]  # "calendar", or "customs" (16th to 15th); older reports have none
    since: str | None
    months: list[str]
    rows: dict[str, int]
    completeness: list[dict[str, Any]]
    held_back_months: list[str]
    limits: list[str]
    rejected_by_reason: dict[str, int]
    sources: list[dict[str, Any]]
    skipped_files: list[dict[str, str]]
    campaigns: list[CampaignSection]
    shifts: list[Shift]
    anomalies: list[Anomaly]
    alerts: list[Alert]
    maps: list[str]
    figures: list[Figure]
    seized: Seized
    workbook: str  # the tables as one .xlsx, beside summary.json
    previous_report: NotRequired[str | None]


def check(value: Any, kind: Any, where: str = "") -> list[str]:
    """Where ``value`` departs from the typed dict (or type) ``kind``: one line per problem, [] when none."""
    if typing.is_typeddict(kind):
        return _check_dict(value, kind, where)
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (Union, types.UnionType):
        tries = [check(value, a, where) for a in args]
        return [] if any(not t for t in tries) else [f"{where or 'value'}: {value!r:.40} is none of {kind}"]
    if origin is list:
        if not isinstance(value, list):
            return [f"{where}: expected a list"]
        return [p for i, v in enumerate(value) for p in check(v, args[0], f"{where}[{i}]")]
    if origin is dict:
        return [] if isinstance(value, dict) else [f"{where}: expected an object"]
    if kind is Any:
        return []
    if kind is type(None):
        return [] if value is None else [f"{where}: expected null"]
    if kind is float:
        return [] if isinstance(value, int | float) and not isinstance(value, bool) else [f"{where}: expected a number"]
    return [] if isinstance(value, kind) else [f"{where}: expected {kind.__name__}, got {type(value).__name__}"]


def _check_dict(value: Any, kind: Any, where: str) -> list[str]:
    if not isinstance(value, dict):
        return [f"{where or kind.__name__}: expected an object"]
    hints = typing.get_type_hints(kind)
    problems = [f"{where}.{k}".lstrip(".") + ": not in the schema" for k in value if k not in hints]
    for name in sorted(hints):
        path = f"{where}.{name}" if where else name
        if name not in value:
            if name in kind.__required_keys__:
                problems.append(f"{path}: missing")
            continue
        problems += check(value[name], hints[name], path)  # get_type_hints drops NotRequired
    return problems
