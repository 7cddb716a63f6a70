"""The contract every trendkit result follows, so a notebook cell, a terminal and the report show
the same thing.

A result is a frozen dataclass that subclasses :class:`Result` (with ``repr=False``, so the
dataclass does not write its own field dump) and implements two methods:

- ``summary()`` → :class:`~trendkit.summary.Summary`: plain-language lines and a table, text and
  HTML from one source;
- ``to_frame()`` → a tidy polars frame of what the result holds.

``repr()``, ``str()`` and ``_repr_html_`` (Jupyter) derive from ``summary()``; ``plot()`` exists
where a picture makes sense.

>>> from dataclasses import dataclass
>>> import polars as pl
>>> from trendkit.summary import Summary
>>> @dataclass(frozen=True, repr=False)
... class Count(Result):
...     n: int
...     def summary(self) -> Summary:
...         return Summary("Số vụ / cases", [f"{self.n} cases"])
...     def to_frame(self) -> pl.DataFrame:
...         return pl.DataFrame({"cases": [self.n]})
>>> Count(3)
Số vụ / cases
  3 cases
>>> "<li>3 cases</li>" in Count(3)._repr_html_()
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import polars as pl

    from trendkit.summary import Summary

__all__ = ["Result"]


class Result:
    """Base of every result: ``summary()`` and ``to_frame()`` to implement; the rest derives."""

    __slots__ = ()

    def summary(self) -> Summary:
        """What the result says, in plain words with its numbers (text and HTML)."""
        raise NotImplementedError

    def to_frame(self) -> pl.DataFrame:
        """What the result holds, as a tidy polars frame."""
        raise NotImplementedError

    def __repr__(self) -> str:
        return str(self.summary())

    def _repr_html_(self) -> str:
        return self.summary()._repr_html_()
