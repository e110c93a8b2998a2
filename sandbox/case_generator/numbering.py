"""Numbers the generator assigns itself: row ids per table and case-number sequences per court.

Why here and not in the database: ids assigned in generation order make a seed's rows identical on
SQLite and MariaDB (no auto-increment gaps), and let a chunk insert children in the same transaction as
their parents without reading ids back.
"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import Table


class RowIds:
    """The next id of each table, starting at 1."""

    def __init__(self, tables: Iterable[Table]):
        self._next = {t.name: 1 for t in tables}

    def take(self, table: str) -> int:
        """The next id of ``table`` (by name), used up."""
        value = self._next[table]
        self._next[table] = value + 1
        return value


class CaseNumbers:
    """Case numbers ``（2021）宁0104执123号``: sequences per court, year and type code in filing order."""

    def __init__(self) -> None:
        self._last: dict[tuple[str, int, str], int] = {}

    def next(self, court: str, year: int, type_code: str) -> str:
        """The next case number of ``court`` for cases of ``type_code`` filed in ``year``.

        >>> numbers = CaseNumbers()
        >>> numbers.next("宁0104", 2021, "执"), numbers.next("宁0104", 2021, "执"), numbers.next("宁01", 2021, "执")
        ('（2021）宁0104执1号', '（2021）宁0104执2号', '（2021）宁01执1号')
        """
        key = (court, year, type_code)
        seq = self._last.get(key, 0) + 1
        self._last[key] = seq
        return f"（{year}）{court}{type_code}{seq}号"
