"""Tết dates for any year, from the Vietnamese lunisolar calendar (UTC+7)."""

import datetime as dt

import pytest

from trendkit.tet import tet_date, tet_window_share

#: Mùng 1 Tết as published in Vietnamese calendars (the table trendkit carried before 2026).
PUBLISHED = {
    2010: "2010-02-14", 2011: "2011-02-03", 2012: "2012-01-23", 2013: "2013-02-10", 2014: "2014-01-31",
    2015: "2015-02-19", 2016: "2016-02-08", 2017: "2017-01-28", 2018: "2018-02-16", 2019: "2019-02-05",
    2020: "2020-01-25", 2021: "2021-02-12", 2022: "2022-02-01", 2023: "2023-01-22", 2024: "2024-02-10",
    2025: "2025-01-29", 2026: "2026-02-17", 2027: "2027-02-06", 2028: "2028-01-26", 2029: "2029-02-13",
}  # fmt: skip


@pytest.mark.parametrize(("year", "day"), PUBLISHED.items())
def test_published_dates(year, day):
    assert tet_date(year) == dt.date.fromisoformat(day)


def test_years_where_vietnam_and_china_differ():
    # the new moon falls before midnight in UTC+7 but after it in UTC+8
    assert tet_date(1985) == dt.date(1985, 1, 21) and tet_date(2030) == dt.date(2030, 2, 2)


def test_every_year_a_model_may_meet_has_a_date_in_the_tet_season():
    for year in range(1990, 2101):
        d = tet_date(year)
        assert dt.date(year, 1, 21) <= d <= dt.date(year, 2, 20), year
    with pytest.raises(ValueError, match="no Tết date for 2101"):
        tet_date(2101)


def test_window_share_works_past_2030():
    share = tet_window_share(__import__("polars").Series([dt.date(2031, 1, 1), dt.date(2036, 6, 1)]))
    assert share[0] > 0.5 and share[1] == 0
