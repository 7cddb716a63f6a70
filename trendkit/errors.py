"""Exceptions raised by trendkit for problems in the user's input."""

from __future__ import annotations

__all__ = ["NoComparisonError", "TrendkitInputError", "UnknownProvinceError"]


class TrendkitInputError(ValueError):
    """Input that cannot be read at all: the message names the file and what was expected."""


class UnknownProvinceError(ValueError):
    """A province name that matches no province in either layout."""


class NoComparisonError(ValueError):
    """No comparison unit (control, comparison province, donor) is left once the targets, their
    neighbours, the receivers and the analyst's exclusions are set aside: the message says what to name."""
