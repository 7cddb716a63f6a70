"""Old import path, kept so existing notebooks work: the trend models now live in :mod:`trendkit.models`.

>>> from trendkit.trends import campaign_effect
>>> from trendkit.models import campaign_effect as new
>>> campaign_effect is new
True
"""

from __future__ import annotations

from trendkit.models.breaks import ChangePoints, change_points
from trendkit.models.campaign import CampaignEffect, campaign_effect
from trendkit.models.forecast import Forecast, forecast
from trendkit.models.trend import CountModel, Decomposition, Interval, decompose, fit_counts, series

__all__ = [
    "CampaignEffect",
    "ChangePoints",
    "CountModel",
    "Decomposition",
    "Forecast",
    "Interval",
    "campaign_effect",
    "change_points",
    "decompose",
    "fit_counts",
    "forecast",
    "series",
]
