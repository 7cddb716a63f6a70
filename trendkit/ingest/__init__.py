"""Ingest: raw extract files → canonical case table (+ rejected and skipped rows), nothing lost.

- :mod:`~trendkit.ingest.readers` — files to raw text cells with row numbers (Excel and OpenDocument
  through calamine, CSV, Parquet);
- :mod:`~trendkit.ingest.headers` — where the header is and what each column means;
- :mod:`~trendkit.ingest.parse` — numbers, amounts and dates as units write them;
- :mod:`~trendkit.ingest.vocab` — Vietnamese/English words for channels, violations, outcomes, commodities;
- :mod:`~trendkit.ingest.coded` — a column as its distinct values and each row's index among them;
- :mod:`~trendkit.ingest.fields` — one normaliser per canonical field;
- :mod:`~trendkit.ingest.columns` — a sheet's columns cleaned and normalised, two at a time;
- :mod:`~trendkit.ingest.loader` — :func:`load_cases`, which composes them.

Ingest uses the shared base and :mod:`trendkit.geo` (province and place names), never models,
maps or the report.
"""

from __future__ import annotations

from trendkit.ingest.loader import CASE_SCHEMA, LoadResult, load_cases

__all__ = ["CASE_SCHEMA", "LoadResult", "load_cases"]
