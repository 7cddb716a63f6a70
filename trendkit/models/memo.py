"""Results remembered for the same inputs, so a notebook cell or a report re-run on the same extract
does not fit the same model again.

The report fits a forecast and looks for change points in every province on every run; in a
notebook the analyst re-runs the cell after changing something else (a campaign, a map title),
and each of those fits gives the same answer as before. :func:`remembered` keeps the last
:data:`MAXSIZE` results of a model function, keyed by the *content* of its inputs (a frame by its
schema and a hash of its rows), never by their identity: a new extract, a corrected month or a
different argument is a new key and is fitted afresh. Results are frozen, so sharing one is safe.

>>> calls = []
>>> @remembered
... def total(s: pl.DataFrame, *, scale: float = 1.0) -> float:
...     calls.append(1)
...     return float(s["cases"].sum()) * scale
>>> s = pl.DataFrame({"cases": [1.0, 2.0]})
>>> total(s), total(pl.DataFrame({"cases": [1.0, 2.0]})), total(s, scale=2.0), len(calls)
(3.0, 3.0, 6.0, 2)
"""

from __future__ import annotations

import functools
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Any, ParamSpec, TypeVar

import polars as pl

from trendkit.models.late import LateTail

__all__ = ["MAXSIZE", "remembered"]

P = ParamSpec("P")
R = TypeVar("R")

#: Results kept per function (a report on 63 provinces asks for about 64 of each).
MAXSIZE = 256


class _Unhashable(Exception):
    """An argument that has no content key: the call is not remembered."""


def _key(value: Any) -> Hashable:
    """A key for ``value`` by content: a frame by its schema, height and a digest of its rows' hashes;
    a :class:`~trendkit.models.late.LateTail` by its months; anything else that is hashable as itself."""
    if isinstance(value, pl.DataFrame):
        digest = hashlib.blake2b(value.hash_rows(seed=0).to_numpy().tobytes(), digest_size=16).hexdigest()
        return ("frame", tuple((c, str(t)) for c, t in value.schema.items()), value.height, digest)
    if isinstance(value, list | tuple):
        return (type(value).__name__, *(_key(v) for v in value))
    if isinstance(value, LateTail):  # the months it holds out are what a model reads of it
        return ("late", _key(list(value.months)))
    try:
        hash(value)
    except TypeError:
        raise _Unhashable from None
    return value


def remembered(fn: Callable[P, R]) -> Callable[P, R]:
    """Keep ``fn``'s last :data:`MAXSIZE` results by the content of its arguments (see the module)."""
    cache: OrderedDict[Hashable, Any] = OrderedDict()
    lock = threading.Lock()

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        try:
            key = _key((args, tuple(sorted(kwargs.items()))))
        except _Unhashable:
            return fn(*args, **kwargs)
        with lock:
            if key in cache:
                cache.move_to_end(key)
                return cache[key]
        out = fn(*args, **kwargs)
        with lock:
            cache[key] = out
            while len(cache) > MAXSIZE:
                cache.popitem(last=False)
        return out

    wrapper.cache_clear = cache.clear  # type: ignore[attr-defined]
    return wrapper
