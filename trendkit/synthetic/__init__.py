"""SYNTHETIC data with known truth: scenarios (:mod:`~trendkit.synthetic.scenario`) and the record
generator (:mod:`~trendkit.synthetic.generate`). Everything made here says SYNTHETIC."""

from __future__ import annotations

from trendkit.synthetic import patterns
from trendkit.synthetic.generate import SyntheticExtract, draw_panel, generate, sample_scenario, write_sample
from trendkit.synthetic.scenario import Campaign, ChannelShift, Scenario, Shock, default_scenario

__all__ = [
    "Campaign",
    "ChannelShift",
    "Scenario",
    "Shock",
    "SyntheticExtract",
    "default_scenario",
    "draw_panel",
    "generate",
    "patterns",
    "sample_scenario",
    "write_sample",
]
