"""Exceptions raised by trendkit for problems in the user's input."""

from __future__ import annotations

__all__ = ["TrendkitInputError", "UnknownProvinceError"]


class TrendkitInputError(ValueError):
    """Input that cannot be read at all: the message names the file and what was expected."""


class UnknownProvinceError(ValueError):
    """A province name that matches no province in either layout."""
