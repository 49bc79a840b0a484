"""Working days: the recurso window is counted in dias úteis (10 at UnB), not calendar days.

Saturdays and Sundays never count; a tenant may add its own holidays (the caller passes them).
Days are UTC calendar dates; the window closes at the end (23:59:59.999999 UTC) of its last day.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Collection

SATURDAY = 5


def is_working_day(day: dt.date, holidays: Collection[dt.date] = ()) -> bool:
    """Monday to Friday, and not a holiday of the institution."""
    return day.weekday() < SATURDAY and day not in holidays


def add_working_days(start: dt.date, days: int, holidays: Collection[dt.date] = ()) -> dt.date:
    """The `days`-th working day after `start` (the day of the act itself does not count)."""
    if days < 0:
        raise ValueError("days must not be negative")
    current, left = start, days
    while left:
        current += dt.timedelta(days=1)
        if is_working_day(current, holidays):
            left -= 1
    return current


def window_end(opened_at: dt.datetime, days: int, holidays: Collection[dt.date] = ()) -> dt.datetime:
    """The last instant of a window of `days` working days counted from `opened_at`."""
    last = add_working_days(opened_at.astimezone(dt.timezone.utc).date(), days, holidays)
    return dt.datetime.combine(last, dt.time.max, tzinfo=dt.timezone.utc)
