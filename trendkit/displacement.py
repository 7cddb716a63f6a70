"""Old import path, kept so existing notebooks work: displacement now lives in :mod:`trendkit.models`.

>>> from trendkit.displacement import wdd
>>> from trendkit.models import wdd as new
>>> wdd is new
True
"""

from __future__ import annotations

from trendkit.models.channels import ChannelShift, channel_shift
from trendkit.models.displacement import DisplacementMeasures, displacement_measures
from trendkit.models.leadlag import LeadLag, lead_lag
from trendkit.models.measures import Estimate, ETestResult, WDDResult, WDQResult, e_test, wdd, wdd_harm, wdq
from trendkit.models.scan import DisplacementScan, displacement_scan

__all__ = [
    "ChannelShift",
    "DisplacementMeasures",
    "DisplacementScan",
    "ETestResult",
    "Estimate",
    "LeadLag",
    "WDDResult",
    "WDQResult",
    "channel_shift",
    "displacement_measures",
    "displacement_scan",
    "e_test",
    "lead_lag",
    "wdd",
    "wdd_harm",
    "wdq",
]
