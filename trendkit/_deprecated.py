"""Old import paths: each still works for one more minor version and warns before it goes.

Before the ingest/geo/models/synthetic layout, modules sat at the top of the package
(``trendkit.loader``, ``trendkit.trends`` …). :data:`MOVED` says where each went. Two doors lead
to an old path and both warn with a :class:`DeprecationWarning` that names the new path and the
version that removes the old one:

- an attribute of the package (``tk.trends.campaign_effect``, ``from trendkit import trends``):
  the package's module-level ``__getattr__`` calls :func:`moved`;
- a dotted import (``import trendkit.loader``, ``from trendkit.trends import series``): the
  :class:`OldPathFinder` that ``trendkit/__init__`` puts at the *end* of ``sys.meta_path``, so it
  is asked only after every real module was looked for, and answers only for the names in
  :data:`MOVED`.

Nothing is written into ``sys.modules`` by hand: the import system records the module it is given.

>>> import warnings
>>> import trendkit.models
>>> with warnings.catch_warnings(record=True) as caught:
...     warnings.simplefilter("always")
...     old = moved("trendkit.trends")
>>> old is trendkit.models, caught[0].category.__name__, REMOVED_IN in str(caught[0].message)
(True, 'DeprecationWarning', True)
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.util
import warnings
from types import ModuleType

__all__ = ["MOVED", "REMOVED_IN", "OldPathFinder", "level_or_alpha", "moved", "renamed_argument"]

#: The version that removes the old paths.
REMOVED_IN = "0.3"

#: old module path -> new module path
MOVED = {
    "trendkit.trends": "trendkit.models",
    "trendkit.displacement": "trendkit.models",
    "trendkit.readers": "trendkit.ingest.readers",
    "trendkit.headers": "trendkit.ingest.headers",
    "trendkit.parse": "trendkit.ingest.parse",
    "trendkit.vocab": "trendkit.ingest.vocab",
    "trendkit.loader": "trendkit.ingest.loader",
    "trendkit.shapes": "trendkit.geo.shapes",
    "trendkit.gazetteer": "trendkit.geo.gazetteer",
    "trendkit.scenario": "trendkit.synthetic.scenario",
    "trendkit.synth": "trendkit.synthetic.generate",
    "trendkit.measures": "trendkit.models.measures",
}
#: ``trendkit.places`` is the :func:`~trendkit.geo.gazetteer.places` function; its old module is not
#: importable under that name any more (it would replace the function), and the error says where it went.
_SHADOWED = {"trendkit.places": "trendkit.geo.provinces"}


def moved(old: str, *, stacklevel: int = 3) -> ModuleType:
    """The module now at ``old``'s new path, after a :class:`DeprecationWarning` naming both."""
    new = MOVED[old]
    warnings.warn(
        f"{old} is deprecated and will be removed in trendkit {REMOVED_IN}; import {new} instead",
        DeprecationWarning,
        stacklevel=stacklevel,
    )
    return importlib.import_module(new)


def renamed_argument(owner: str, old: str, new: str, *, stacklevel: int = 3) -> None:
    """Warn that ``owner(old=)`` is deprecated in favour of ``new`` (a hint such as ``level=1 - alpha``).

    ``stacklevel`` counts frames from here: 3 points at the caller of a public function that calls this.
    """
    warnings.warn(
        f"{owner}({old}=) is deprecated and will be removed in trendkit {REMOVED_IN}; pass {new}",
        DeprecationWarning,
        stacklevel=stacklevel,
    )


def level_or_alpha(owner: str, level: float, alpha: float | None, *, stacklevel: int = 4) -> float:
    """An interval's ``level``; or 1 − ``alpha``, with a warning, when the caller used the old name.

    ``stacklevel`` as for :func:`renamed_argument`, one frame further out (4: the caller of a public
    function that calls this directly; 5 when a decorator such as ``limit_threads`` wraps it).

    >>> level_or_alpha("wdd", 0.9, None)
    0.9
    >>> import warnings
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     level = level_or_alpha("wdd", 0.9, 0.05)
    >>> level, "level=1 - alpha" in str(caught[0].message)
    (0.95, True)
    """
    if alpha is None:
        return level
    renamed_argument(owner, "alpha", "level=1 - alpha", stacklevel=stacklevel)
    return 1 - alpha


class _Alias(importlib.abc.Loader):
    """Hands the import system the module already at the new path."""

    def __init__(self, module: ModuleType) -> None:
        self.module = module

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> ModuleType:
        return self.module

    def exec_module(self, module: ModuleType) -> None:  # already executed at its new path
        return None


class OldPathFinder(importlib.abc.MetaPathFinder):
    """Finds the old dotted paths in :data:`MOVED` (and only those)."""

    def find_spec(
        self, fullname: str, path: object = None, target: object = None
    ) -> importlib.machinery.ModuleSpec | None:
        if fullname in _SHADOWED:
            raise ImportError(
                f"{fullname} is the places() function now; the module it named moved to {_SHADOWED[fullname]}",
                name=fullname,
            )
        if fullname not in MOVED:
            return None
        return importlib.util.spec_from_loader(fullname, _Alias(moved(fullname, stacklevel=6)))
