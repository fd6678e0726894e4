"""Working-time calendar: Kaltim hours, ID holidays and cuti bersama, admin overrides, SOP durations."""
from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from engine.worktime.work_calendar import WITA, WorkCalendar, WorkingDuration, parse_working_duration

CAL = WorkCalendar()

# The oracle is the package itself, queried independently of the calendar under test; 2028 is
# included because long durations started late in 2027 end there.
OFFICIAL_DAYS_OFF = holidays.country_holidays(
    "ID", years=range(2025, 2029), categories=("public", "government"), language="id"
)

# Fixed seed, no example database: the suite gives the same verdict on every machine and run.
PROPERTY = settings(deadline=None, derandomize=True, database=None, max_examples=300)

ZONES = st.sampled_from([WITA, UTC, ZoneInfo("Asia/Jakarta")])
# Window edges of both profiles, where off-by-one mistakes live.
EDGE_TIMES = [time(0), time(7, 30), time(8, 0), time(11, 0), time(12, 0), time(16, 0), time(16, 30),
              time(23, 59, 59, 999999)]
instants = st.one_of(
    st.datetimes(datetime(2025, 1, 1), datetime(2027, 12, 31, 23, 59, 59), timezones=ZONES),
    st.builds(lambda d, t: datetime.combine(d, t, WITA),
              st.dates(date(2025, 1, 1), date(2027, 12, 31)), st.sampled_from(EDGE_TIMES)),
)
durations = st.one_of(
    st.integers(0, 300 * 60).map(lambda minutes: timedelta(minutes=minutes)),
    st.timedeltas(timedelta(0), timedelta(hours=300)),
)


def wita(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    """Build an aware WITA datetime."""
    return datetime(year, month, day, hour, minute, tzinfo=WITA)


# --- properties -------------------------------------------------------------------------------


@PROPERTY
@given(instants, durations)
def test_added_working_time_is_measured_back_exactly(start: datetime, delta: timedelta) -> None:
    assert CAL.working_time_between(start, CAL.add_working_time(start, delta)) == delta


@PROPERTY
@given(instants, durations)
def test_added_working_time_lands_inside_a_window_on_a_working_day(start: datetime, delta: timedelta) -> None:
    end = CAL.add_working_time(start, delta)
    assert end.tzinfo is UTC
    local = end.astimezone(WITA)
    window = CAL.working_window(local.date())
    assert window is not None
    opening, closing = window
    if delta:
        assert opening < local <= closing
    else:
        assert opening <= local < closing
    assert local.date() not in OFFICIAL_DAYS_OFF
    assert end >= start


@PROPERTY
@given(instants, durations, durations)
def test_more_working_time_never_ends_earlier(start: datetime, first: timedelta, second: timedelta) -> None:
    shorter, longer = sorted((first, second))
    early, late = CAL.add_working_time(start, shorter), CAL.add_working_time(start, longer)
    assert early < late if shorter < longer else early == late


@PROPERTY
@given(instants, st.integers(1, 60))
def test_working_days_end_at_the_closing_of_the_nth_working_day(start: datetime, n: int) -> None:
    end = CAL.add_working_days(start, n).astimezone(WITA)
    window = CAL.working_window(end.date())
    assert window is not None and end == window[1]
    assert end.date() not in OFFICIAL_DAYS_OFF
    first_counted = start.astimezone(WITA).date() + timedelta(days=1)
    days = [first_counted + timedelta(days=i) for i in range((end.date() - first_counted).days + 1)]
    assert sum(CAL.is_working_day(d) for d in days) == n


@PROPERTY
@given(instants, instants, instants)
def test_working_time_between_adds_up_over_consecutive_spans(a: datetime, b: datetime, c: datetime) -> None:
    a, b, c = sorted((a, b, c))
    assert CAL.working_time_between(a, c) == CAL.working_time_between(a, b) + CAL.working_time_between(b, c)
    assert CAL.working_time_between(c, a) == timedelta(0)


# --- domain notes §3.5 and §3.4 ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("compute", "expected"),
    [
        (lambda cal: cal.add_working_days(wita(2026, 3, 17, 15, 30), 3), wita(2026, 3, 27, 11, 0)),
        (lambda cal: cal.add_working_time(wita(2026, 3, 17, 15, 30), timedelta(hours=1)), wita(2026, 3, 25, 8, 0)),
        (lambda cal: cal.add_working_time(wita(2025, 6, 13, 10, 45), timedelta(minutes=30)), wita(2025, 6, 16, 7, 45)),
        (lambda cal: cal.add_working_days(wita(2025, 12, 22, 8, 0), 14), wita(2026, 1, 14, 16, 0)),
    ],
    ids=["3 days over Nyepi and Idul Fitri 2026", "1 hour over the same block", "Friday short day",
         "14 days over Christmas and New Year"],
)
def test_snippet_outputs(compute: Callable[[WorkCalendar], datetime], expected: datetime) -> None:
    result = compute(CAL)
    assert result == expected
    assert result.tzinfo is UTC


@pytest.mark.parametrize(
    ("day", "name"),
    [
        (date(2026, 3, 18), "Cuti Bersama Hari Suci Nyepi"),
        (date(2026, 3, 19), "Hari Suci Nyepi"),
        (date(2026, 3, 20), "Cuti Bersama Hari Raya Idul Fitri"),
        (date(2026, 3, 21), "Hari Raya Idul Fitri"),
        (date(2026, 3, 22), "Hari kedua dari Hari Raya Idul Fitri"),
        (date(2026, 3, 23), "Cuti Bersama Hari Raya Idul Fitri"),
        (date(2026, 3, 24), "Cuti Bersama Hari Raya Idul Fitri"),
        (date(2025, 1, 28), "Cuti Bersama Tahun Baru Imlek"),
        (date(2025, 4, 7), "Cuti Bersama Hari Raya Idul Fitri"),
        (date(2025, 8, 18), "Cuti Bersama Hari Kemerdekaan Republik Indonesia"),
        (date(2025, 12, 26), "Cuti Bersama Hari Raya Natal"),
        (date(2026, 2, 16), "Cuti Bersama Tahun Baru Imlek"),
        (date(2026, 12, 24), "Cuti Bersama Hari Raya Natal"),
        (date(2027, 3, 9), "Cuti Bersama Hari Raya Idul Fitri"),
        (date(2027, 3, 10), "Hari Raya Idul Fitri (perkiraan)"),
        (date(2027, 5, 19), "Cuti Bersama Hari Raya Waisak"),
        (date(2027, 12, 24), "Cuti Bersama Hari Raya Natal"),
    ],
)
def test_libur_nasional_and_cuti_bersama_are_days_off(day: date, name: str) -> None:
    assert CAL.holiday_name(day) == name
    assert not CAL.is_working_day(day)
    assert CAL.working_window(day) is None


@pytest.mark.parametrize(("year", "weekdays_off"), [(2025, 13 + 11), (2026, 13 + 8), (2027, 11 + 8)])
def test_weekday_days_off_per_year_match_the_published_counts(year: int, weekdays_off: int) -> None:
    days = [date(year, 1, 1) + timedelta(days=i) for i in range(366)]
    weekdays = [d for d in days if d.year == year and d.weekday() < 5]
    assert sum(not CAL.is_working_day(d) for d in weekdays) == weekdays_off


def test_christmas_and_its_cuti_bersama_are_skipped() -> None:
    assert CAL.add_working_days(wita(2025, 12, 24, 10, 0), 1) == wita(2025, 12, 29, 16, 0)


def test_idul_fitri_2025_block_is_skipped_under_the_2022_hours() -> None:
    # Thu 16:00 leaves 30 min until 16:30; 28 Mar to 7 Apr are holidays, cuti bersama and weekends.
    assert CAL.add_working_time(wita(2025, 3, 27, 16, 0), timedelta(hours=1)) == wita(2025, 4, 8, 8, 30)


# --- admin overrides --------------------------------------------------------------------------


def test_an_added_day_off_is_skipped() -> None:
    cal = WorkCalendar(extra_off={date(2026, 1, 9): "Libur daerah (SE Gubernur)"})
    assert cal.holiday_name(date(2026, 1, 9)) == "Libur daerah (SE Gubernur)"
    assert not cal.is_working_day(date(2026, 1, 9))
    assert cal.add_working_days(wita(2026, 1, 8, 9, 0), 1) == wita(2026, 1, 12, 16, 0)
    assert CAL.add_working_days(wita(2026, 1, 8, 9, 0), 1) == wita(2026, 1, 9, 11, 0)


def test_a_cancelled_cuti_bersama_counts_as_a_working_day() -> None:
    cal = WorkCalendar(extra_on={date(2026, 3, 24)})
    assert cal.holiday_name(date(2026, 3, 24)) is None
    assert cal.working_window(date(2026, 3, 24)) == (wita(2026, 3, 24, 7, 30), wita(2026, 3, 24, 16, 0))
    assert cal.add_working_days(wita(2026, 3, 17, 15, 30), 1) == wita(2026, 3, 24, 16, 0)
    assert cal.add_working_time(wita(2026, 3, 17, 15, 30), timedelta(hours=1)) == wita(2026, 3, 24, 8, 0)
    assert not CAL.is_working_day(date(2026, 3, 24))


@pytest.mark.parametrize(
    "overrides",
    [
        {"extra_off": {date(2026, 3, 24): "x"}, "extra_on": {date(2026, 3, 24)}},
        {"extra_on": {date(2026, 3, 21)}},  # a Saturday: a working weekend needs a profile
    ],
    ids=["date in both", "weekend made working"],
)
def test_inconsistent_overrides_are_refused(overrides: dict) -> None:
    with pytest.raises(ValueError):
        WorkCalendar(**overrides)


def test_datetime_overrides_are_refused() -> None:
    # a datetime never equals the plain dates the calendar looks up, so it would be ignored silently
    with pytest.raises(TypeError):
        WorkCalendar(extra_off={datetime(2026, 1, 9, tzinfo=WITA): "Libur daerah"})


@pytest.mark.parametrize(
    "profiles",
    [
        [],
        [(date(2025, 6, 1), {0: (time(8), time(16))}), (date(2022, 9, 7), {0: (time(8), time(16))})],
        [(date(2025, 6, 1), {})],
        [(date(2025, 6, 1), {0: (time(16), time(8))})],
        [(date(2025, 6, 1), {7: (time(8), time(16))})],
    ],
    ids=["none", "unordered", "no working day", "closing before opening", "weekday 7"],
)
def test_bad_hour_profiles_are_refused(profiles: list) -> None:
    with pytest.raises(ValueError):
        WorkCalendar(profiles=profiles)


# --- due() and durations ----------------------------------------------------------------------

MONDAY_10 = wita(2026, 6, 8, 10, 0)  # June 2026: holidays on 1 and 16 June only


@pytest.mark.parametrize(
    ("iso", "expected"),
    [
        ("PT15M", wita(2026, 6, 8, 10, 15)),
        ("PT30M", wita(2026, 6, 8, 10, 30)),
        ("PT1H", wita(2026, 6, 8, 11, 0)),
        ("P1D", wita(2026, 6, 9, 16, 0)),
        ("P2D", wita(2026, 6, 10, 16, 0)),
        ("P3D", wita(2026, 6, 11, 16, 0)),
        ("P14D", wita(2026, 6, 29, 16, 0)),  # skips Tahun Baru Islam on Tue 16 June
        ("P1DT1H30M", wita(2026, 6, 10, 9, 0)),  # closing of Tue, then 1 h 30 min into Wed
        ("P2W", wita(2026, 6, 23, 16, 0)),  # 10 working days
        ("P0D", MONDAY_10),
        ("PT0M", MONDAY_10),
    ],
)
def test_due_for_each_sop_form(iso: str, expected: datetime) -> None:
    result = CAL.due(MONDAY_10, iso)
    assert result == expected
    assert result.tzinfo is UTC


def test_due_from_a_weekend() -> None:
    saturday = wita(2026, 6, 13, 9, 0)
    assert CAL.due(saturday, "P0D") == wita(2026, 6, 15, 7, 30)
    assert CAL.due(saturday, "PT1H") == wita(2026, 6, 15, 8, 30)
    assert CAL.due(saturday, "P1D") == wita(2026, 6, 15, 16, 0)


@pytest.mark.parametrize(
    ("iso", "days", "clock"),
    [
        ("PT15M", 0, timedelta(minutes=15)),
        ("PT1H", 0, timedelta(hours=1)),
        ("PT36H", 0, timedelta(hours=36)),
        ("P3D", 3, timedelta(0)),
        ("P2W", 10, timedelta(0)),
        ("P1DT1H30M", 1, timedelta(hours=1, minutes=30)),
        ("P2DT1H30M", 2, timedelta(hours=1, minutes=30)),
        ("P0D", 0, timedelta(0)),
        ("PT0M", 0, timedelta(0)),
    ],
)
def test_parse_working_duration(iso: str, days: int, clock: timedelta) -> None:
    assert parse_working_duration(iso) == WorkingDuration(days=days, time=clock)


@pytest.mark.parametrize(
    "iso",
    ["P1M", "P1Y", "P1Y2M3D", "R/P1D", "R3/2026-01-01T00:00:00Z/P1D", "-P1D", "abc", "", "P", "PT", "P1DT",
     "PT1.5H", "PT30S", "p1d", " P1D", "P1W2D", "P99999D", "P\u0661D"],
)
def test_unsupported_durations_are_refused(iso: str) -> None:
    with pytest.raises(ValueError, match="working duration"):
        parse_working_duration(iso)
    with pytest.raises(ValueError):
        CAL.due(MONDAY_10, iso)


NAIVE = datetime(2026, 6, 8, 10, 0)


@pytest.mark.parametrize(
    "call",
    [
        lambda cal: cal.add_working_time(NAIVE, timedelta(hours=1)),
        lambda cal: cal.add_working_days(NAIVE, 1),
        lambda cal: cal.add_working_days(NAIVE, 0),
        lambda cal: cal.due(NAIVE, "PT30M"),
        lambda cal: cal.working_time_between(NAIVE, MONDAY_10),
        lambda cal: cal.working_time_between(MONDAY_10, NAIVE),
    ],
    ids=["add_working_time", "add_working_days", "add_working_days zero", "due", "between a", "between b"],
)
def test_naive_datetimes_are_refused(call: Callable[[WorkCalendar], object]) -> None:
    with pytest.raises(ValueError, match="naive"):
        call(CAL)


def test_negative_amounts_are_refused() -> None:
    with pytest.raises(ValueError):
        CAL.add_working_time(MONDAY_10, timedelta(minutes=-1))
    with pytest.raises(ValueError):
        CAL.add_working_days(MONDAY_10, -1)


# --- hours: Friday, weekend, the 2022 profile, long spans -------------------------------------


def test_friday_is_a_short_day() -> None:
    assert CAL.working_window(date(2025, 6, 13)) == (wita(2025, 6, 13, 7, 30), wita(2025, 6, 13, 11, 0))
    assert CAL.add_working_time(wita(2025, 6, 13, 10, 30), timedelta(minutes=30)) == wita(2025, 6, 13, 11, 0)
    assert CAL.add_working_time(wita(2025, 6, 13, 11, 0), timedelta(0)) == wita(2025, 6, 16, 7, 30)
    assert CAL.working_time_between(wita(2025, 6, 13), wita(2025, 6, 14)) == timedelta(hours=3, minutes=30)


def test_a_weekend_stops_the_clock() -> None:
    assert CAL.working_window(date(2025, 6, 14)) is None
    assert CAL.holiday_name(date(2025, 6, 14)) is None  # a plain weekend is not a holiday
    assert CAL.add_working_time(wita(2025, 6, 14, 10, 0), timedelta(hours=1)) == wita(2025, 6, 16, 8, 30)
    assert CAL.working_time_between(wita(2025, 6, 13, 10, 0), wita(2025, 6, 16, 8, 30)) == timedelta(hours=2)


def test_a_normal_week_has_37_and_a_half_hours() -> None:
    assert CAL.working_time_between(wita(2025, 6, 16), wita(2025, 6, 21)) == timedelta(hours=37, minutes=30)


def test_dates_before_june_2025_use_the_2022_hours() -> None:
    assert CAL.working_window(date(2025, 5, 28)) == (wita(2025, 5, 28, 8, 0), wita(2025, 5, 28, 16, 30))
    assert CAL.working_window(date(2025, 5, 23)) == (wita(2025, 5, 23, 8, 0), wita(2025, 5, 23, 12, 0))
    assert CAL.working_window(date(2025, 6, 2)) == (wita(2025, 6, 2, 7, 30), wita(2025, 6, 2, 16, 0))
    # 08:00-16:30 four days plus Friday 08:00-12:00 (a week without holidays in 2024)
    assert CAL.working_time_between(wita(2024, 6, 10), wita(2024, 6, 15)) == timedelta(hours=38)


def test_the_clock_crosses_into_the_2025_hours() -> None:
    # 30 min left on Wed 28 May (2022 hours), then Kenaikan, its cuti bersama and the weekend.
    assert CAL.add_working_time(wita(2025, 5, 28, 16, 0), timedelta(hours=1)) == wita(2025, 6, 2, 8, 0)


def test_dates_before_the_2022_rule_fall_back_to_it() -> None:
    assert CAL.working_window(date(2022, 9, 6)) == (wita(2022, 9, 6, 8, 0), wita(2022, 9, 6, 16, 30))


def test_long_spans_walk_day_by_day_not_minute_by_minute() -> None:
    start = wita(2025, 7, 1, 9, 0)
    end = CAL.add_working_time(start, timedelta(hours=1000))
    assert CAL.working_time_between(start, end) == timedelta(hours=1000)
    assert CAL.add_working_days(start, 2500) > end
