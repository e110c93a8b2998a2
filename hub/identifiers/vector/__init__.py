"""Whole-column identifier checks: one reason code (or None) per element, never an exception.

For each kind there is ``<kind>_reasons(values) -> pandas.Series`` with the same index as ``values``;
an element is ``None`` when the value is valid, otherwise the reason code of the first failing check,
the same code the scalar module's exception carries (``exc.reason``):

    ``empty``, ``length``, ``character``, ``checksum``, ``date``, ``future_date``, ``region``, ``type``,
    ``court``

``values`` may be a Series, a numpy array or a list; ``None``, NaN and ``pandas.NA`` are ``empty``;
non-string values (an ID read as an integer) are checked as their text.

Modules: :mod:`._matrix` (the code-point matrix and shared helpers), :mod:`.checksums` (ric, uscc,
orgcode, bankcard) and :mod:`.patterns` (plate, caseno).

How it is fast: the strings are joined and encoded once into a flat array of code points, scattered into a
fixed-width ``(n, width)`` matrix (zeros pad short values), normalised there (full-width to ASCII, lower to
upper case, whitespace squeezed out), and the check characters are computed as a matrix product of
character values with the weights, modulo 11 or 31. No Python code runs per element for the checksum
kinds (ric, uscc, orgcode, bankcard), nor for case numbers (matched position by position on the matrix);
plates use pandas' string methods.

>>> import pandas as pd
>>> ric_reasons(pd.Series(["11010519491231002X", "11010519491231002Y", None, "1101051949123100"])).tolist()
[None, 'checksum', 'empty', 'length']
>>> ric_birth_dates(["11010519491231002x", "bad"]).tolist()
[Timestamp('1949-12-31 00:00:00'), NaT]
>>> caseno_reasons(["(2019)宁0104执123号", "（2019）京0105执1号", "（2019）宁0104民初1号"]).tolist()
[None, 'court', 'type']
"""

from __future__ import annotations

from collections.abc import Callable

import pandas as pd

from ._matrix import MAX_WIDTH
from .checksums import bankcard_reasons, orgcode_reasons, ric_birth_dates, ric_reasons, uscc_reasons
from .patterns import _caseno_reasons_by_regex as _caseno_reasons_by_regex  # the tests compare against it
from .patterns import caseno_reasons, plate_reasons

__all__ = [
    "MAX_WIDTH",
    "REASON_FUNCTIONS",
    "bankcard_reasons",
    "caseno_reasons",
    "orgcode_reasons",
    "plate_reasons",
    "reasons",
    "ric_birth_dates",
    "ric_reasons",
    "uscc_reasons",
]

#: kind → reasons function (the kinds of :data:`hub.identifiers.KIND_MODULES`).
REASON_FUNCTIONS: dict[str, Callable[..., pd.Series]] = {
    "ric": ric_reasons,
    "uscc": uscc_reasons,
    "orgcode": orgcode_reasons,
    "plate": plate_reasons,
    "caseno": caseno_reasons,
    "bankcard": bankcard_reasons,
}


def reasons(kind: str, values: pd.Series) -> pd.Series:
    """Reason per value for the identifier ``kind`` (``ric``, ``uscc``, ``orgcode``, ``plate``, ``caseno``,
    ``bankcard``)."""
    try:
        function = REASON_FUNCTIONS[kind]
    except KeyError:
        raise ValueError(f"unknown identifier kind {kind!r}; known: {', '.join(REASON_FUNCTIONS)}") from None
    return function(values)
