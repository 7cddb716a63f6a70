"""SYNTHETIC data with known truth: scenarios (:mod:`~trendkit.synthetic.scenario`) and the record
generator (:mod:`~trendkit.synthetic.generate`). Everything made here says SYNTHETIC."""

from __future__ import annotations

from trendkit.synthetic.generate import SyntheticExtract, generate, sample_scenario, write_sample
from trendkit.synthetic.scenario import Campaign, ChannelShift, Scenario, default_scenario

__all__ = [
    "Campaign",
    "ChannelShift",
    "Scenario",
    "SyntheticExtract",
    "default_scenario",
    "generate",
    "sample_scenario",
    "write_sample",
]
