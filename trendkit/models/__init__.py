"""Models: did it fall, where did it go, and what comes next — from a :func:`trendkit.panel`.

One module per concept:

- :mod:`~trendkit.models.trend` — :func:`series`, :func:`fit_counts`, :func:`decompose`;
- :mod:`~trendkit.models.campaign` — :func:`campaign_effect` (one series, no comparison);
- :mod:`~trendkit.models.comparison` — :func:`comparative_effect` (against comparison provinces),
  :func:`placebo_checks`;
- :mod:`~trendkit.models.staggered` — :func:`staggered_effect` (targets with their own start dates,
  an event study whose leads check the pre-trend);
- :mod:`~trendkit.models.synthetic_control` — :func:`synthetic_control` (a weighted blend of donors);
- :mod:`~trendkit.models.shock` — :func:`common_shock` (did the whole country move at once?);
- :mod:`~trendkit.models.groups` — :func:`choose_groups` (target, buffer and control, and why);
- :mod:`~trendkit.models.breaks` — :func:`change_points`;
- :mod:`~trendkit.models.late` — :func:`late_tail` (are the last months entered yet?);
- :mod:`~trendkit.models.serial` — serial correlation, allowed for in every interval;
- :mod:`~trendkit.models.forecast` — :func:`forecast`;
- :mod:`~trendkit.models.measures` — the field's measures :func:`wdq`, :func:`wdd`, :func:`wdd_harm`,
  :func:`e_test`;
- :mod:`~trendkit.models.displacement` — :func:`displacement_measures` (WDQ/WDD from a panel);
- :mod:`~trendkit.models.scan` — :func:`displacement_scan`;
- :mod:`~trendkit.models.study` — :func:`displacement_study` (the four steps, one verdict);
- :mod:`~trendkit.models.power` — :func:`minimum_detectable` (power before claiming "none");
- :mod:`~trendkit.models.channels` — :func:`channel_shift`;
- :mod:`~trendkit.models.leadlag` — :func:`lead_lag`.

Models know nothing of maps or the report. statsmodels is imported only when a model is fitted.
"""

from __future__ import annotations

from trendkit.models.breaks import ChangePoints, change_points
from trendkit.models.campaign import CampaignEffect, campaign_effect
from trendkit.models.channels import ChannelShift, channel_shift
from trendkit.models.comparison import ComparativeEffect, Placebos, comparative_effect, placebo_checks
from trendkit.models.displacement import DisplacementMeasures, displacement_measures
from trendkit.models.forecast import Forecast, forecast
from trendkit.models.groups import Groups, choose_groups
from trendkit.models.late import LateTail, late_tail
from trendkit.models.leadlag import LeadLag, lead_lag
from trendkit.models.measures import Estimate, ETestResult, WDDResult, WDQResult, e_test, wdd, wdd_harm, wdq
from trendkit.models.power import MinimumDetectable, minimum_detectable
from trendkit.models.scan import DisplacementScan, displacement_scan
from trendkit.models.shock import CommonShock, common_shock
from trendkit.models.staggered import StaggeredEffect, staggered_effect
from trendkit.models.study import DisplacementStudy, displacement_study
from trendkit.models.synthetic_control import SyntheticControl, synthetic_control
from trendkit.models.trend import CountModel, Decomposition, Interval, decompose, fit_counts, series

__all__ = [
    "CampaignEffect",
    "ChangePoints",
    "ChannelShift",
    "CommonShock",
    "ComparativeEffect",
    "CountModel",
    "Decomposition",
    "DisplacementMeasures",
    "DisplacementScan",
    "DisplacementStudy",
    "ETestResult",
    "Estimate",
    "Forecast",
    "Groups",
    "Interval",
    "LateTail",
    "LeadLag",
    "MinimumDetectable",
    "Placebos",
    "StaggeredEffect",
    "SyntheticControl",
    "WDDResult",
    "WDQResult",
    "campaign_effect",
    "change_points",
    "channel_shift",
    "choose_groups",
    "common_shock",
    "comparative_effect",
    "decompose",
    "displacement_measures",
    "displacement_scan",
    "displacement_study",
    "e_test",
    "fit_counts",
    "forecast",
    "late_tail",
    "lead_lag",
    "minimum_detectable",
    "placebo_checks",
    "series",
    "staggered_effect",
    "synthetic_control",
    "wdd",
    "wdd_harm",
    "wdq",
]
