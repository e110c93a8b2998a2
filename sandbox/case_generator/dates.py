"""Calendar arithmetic for birth dates and listing periods: whole years, ages on a day."""

from __future__ import annotations

from datetime import date


def add_years(d: date, years: int) -> date:
    """``d`` moved by whole years; 29 February becomes 28 February in a year without it.

    >>> add_years(date(2000, 2, 29), 2)
    datetime.date(2002, 2, 28)
    """
    try:
        return d.replace(year=d.year + years)
    except ValueError:  # 29 February
        return d.replace(year=d.year + years, day=28)


def age(birth: date, on: date) -> int:
    """Age in completed years on the day ``on`` (the birthday itself counts).

    >>> age(date(2000, 3, 1), date(2018, 3, 1)), age(date(2000, 3, 1), date(2018, 2, 28))
    (18, 17)
    """
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
