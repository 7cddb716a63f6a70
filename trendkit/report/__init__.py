"""The scheduled monthly report: :func:`run_report` builds it (:mod:`~trendkit.report.build`),
jinja2 templates with autoescaping render it (``templates/``)."""

from __future__ import annotations

from trendkit.report.build import CampaignSpec, ReportResult, alert_text, parse_campaign, render_index, run_report

__all__ = ["CampaignSpec", "ReportResult", "alert_text", "parse_campaign", "render_index", "run_report"]
