"""BLAS/OpenMP threads inside trendkit's model calls: one by default, ``TRENDKIT_THREADS`` to change it.

On a shared 2-core server, OpenBLAS's default of one thread per core makes statsmodels' small
fits several times slower (threads fight for the cores). Model functions are wrapped with
:func:`limit_threads`, which applies ``threadpoolctl`` only for the duration of the call and
restores the caller's setting afterwards: nothing global changes on import.

>>> import numpy as np
>>> @limit_threads
... def blas_threads():
...     from threadpoolctl import threadpool_info
...     return {i["num_threads"] for i in threadpool_info() if i["user_api"] == "blas"}
>>> blas_threads() <= {1}
True
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

__all__ = ["THREADS_ENV", "limit_threads", "model_threads"]

THREADS_ENV = "TRENDKIT_THREADS"
P = ParamSpec("P")
R = TypeVar("R")


def model_threads() -> int:
    """Threads a model call may use: ``TRENDKIT_THREADS`` (a whole number ≥ 1), default 1."""
    try:
        return max(1, int(os.environ.get(THREADS_ENV, "1")))
    except ValueError:
        return 1


@functools.cache
def _load_blas() -> None:
    """Load the BLAS libraries the models use — numpy's and scipy's own OpenBLAS — before any limit is
    set: threadpoolctl limits only the libraries already loaded, and scipy's, first loaded inside a
    model call (statsmodels imports it lazily), kept one thread per core. In a fresh notebook kernel
    that made the first forecast 17 s instead of 1.5 s on a busy 2-core machine."""
    import numpy  # noqa: F401
    import scipy.linalg  # noqa: F401


def limit_threads(fn: Callable[P, R]) -> Callable[P, R]:
    """Run ``fn`` with BLAS/OpenMP limited to :func:`model_threads` threads."""

    @functools.wraps(fn)
    def wrapper(*args: P.args, **kwargs: P.kwargs) -> R:
        _load_blas()
        with _controller().limit(limits=model_threads()):
            return fn(*args, **kwargs)

    return wrapper


_found: list[tuple[int, Any]] = []  # (modules imported when the libraries were found, the controller)


def _controller() -> Any:
    """threadpoolctl's view of the loaded BLAS/OpenMP libraries, found again only when Python modules
    were imported since: finding them walks every loaded shared object (1–4 ms, on every model call
    before), and a new native library comes with a new module."""
    from threadpoolctl import ThreadpoolController

    if not _found or _found[0][0] != len(sys.modules):
        _found[:] = [(len(sys.modules), ThreadpoolController())]
    return _found[0][1]
