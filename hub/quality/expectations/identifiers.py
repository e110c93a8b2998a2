"""Column-map expectations for Chinese identifiers: resident ID, credit code, org code, case number, plate, card.

Each is a validity metric over one vectorised check of :mod:`hub.identifiers.vector` (same rules and
reasons as the scalar modules; a value is valid when no reason is found against it) and an expectation
that names the metric and the sentence Data Docs shows. Only the pandas engine is implemented.
"""

from __future__ import annotations

import types
from typing import Any, ClassVar

import pandas as pd
from great_expectations.execution_engine import PandasExecutionEngine
from great_expectations.expectations.expectation import ColumnMapExpectation
from great_expectations.expectations.metrics.map_metric_provider import (
    ColumnMapMetricProvider,
    column_condition_partial,
)

from hub.identifiers import vector

from .kwargs import KwargsOnce
from .rendering import RenderedSentence


def _validity_metric(name: str, kind: str) -> type[ColumnMapMetricProvider]:
    """Define, and so register with GE, the pandas metric ``column_values.hub_valid_<name>``.

    A value passes when :data:`hub.identifiers.vector.REASON_FUNCTIONS` ``[kind]`` finds no reason against it.
    Why a factory: the six metrics differ only in ``name`` and ``kind``. The class is named after ``name``
    (``resident_id`` → ``ColumnValuesValidResidentId``); GE registers it by ``condition_metric_name``.
    """

    def _pandas(cls: type, column: pd.Series, **kwargs: Any) -> pd.Series:
        return vector.REASON_FUNCTIONS[kind](column).isna()

    class_name = "ColumnValuesValid" + "".join(part.title() for part in name.split("_"))
    namespace = {
        "__module__": __name__,
        "__qualname__": class_name,
        "__doc__": f"Metric ``column_values.hub_valid_{name}``: the value is a valid ``{kind}`` identifier.",
        "condition_metric_name": f"column_values.hub_valid_{name}",
        "_pandas": column_condition_partial(engine=PandasExecutionEngine)(_pandas),
    }
    return types.new_class(class_name, (ColumnMapMetricProvider,), exec_body=lambda ns: ns.update(namespace))


ColumnValuesValidResidentId = _validity_metric("resident_id", "ric")
ColumnValuesValidCreditCode = _validity_metric("credit_code", "uscc")
ColumnValuesValidOrgCode = _validity_metric("org_code", "orgcode")
ColumnValuesValidCaseNumber = _validity_metric("case_number", "caseno")
ColumnValuesValidPlate = _validity_metric("plate", "plate")
ColumnValuesValidBankCard = _validity_metric("bank_card", "bankcard")


class _IdentifierExpectation(KwargsOnce, RenderedSentence, ColumnMapExpectation):
    """Base of the identifier expectations (abstract: no ``map_metric``, so GE does not register it)."""

    success_keys = ("mostly",)
    library_metadata: ClassVar[dict[str, Any]] = {
        "maturity": "production",
        "tags": ["hub", "china", "identifier"],
        "contributors": ["@ningxia-enforcement-hub"],
    }


class ExpectColumnValuesToBeValidResidentId(_IdentifierExpectation):
    """Expect values to be valid resident ID numbers (居民身份证号, GB 11643-1999).

    18 characters: region code, birth date, sequence, MOD 11-2 check character (X allowed, lower-case x
    accepted); legacy 15-digit numbers pass. Fails on wrong length, non-digits, wrong check character,
    impossible or future birth date, and region codes unknown to GB/T 2260 (retired codes are known).
    Spaces and full-width digits are tolerated.

    Args:
        column (str): the column of ID numbers.
        mostly (float): share of non-null rows that must pass (default 1).
        row_condition (str), condition_parser ("pandas"): check only the rows that match, e.g.
            ``kind=="PERSON"``.
    """

    map_metric = ColumnValuesValidResidentId.condition_metric_name
    _template = "$column values must be valid resident ID numbers (居民身份证号, GB 11643-1999)"


class ExpectColumnValuesToBeValidCreditCode(_IdentifierExpectation):
    """Expect values to be valid unified social credit codes (统一社会信用代码, GB 32100-2015).

    18 characters of 0-9 and A-Y without I, O, S, V, Z; MOD 31 check character; a registering authority
    and entity type that are assigned (letters such as N, A, Y as authority pass). Hyphens, spaces and
    full-width characters are tolerated.

    Args:
        column (str): the column of credit codes.
        mostly (float), row_condition (str), condition_parser ("pandas"): as for every column expectation.
    """

    map_metric = ColumnValuesValidCreditCode.condition_metric_name
    _template = "$column values must be valid unified social credit codes (统一社会信用代码, GB 32100-2015)"


class ExpectColumnValuesToBeValidOrgCode(_IdentifierExpectation):
    """Expect values to be valid organisation codes (组织机构代码, GB 11714-1997), ``XXXXXXXX-X``.

    Eight digits or capital letters and a MOD 11 check character (0-9 or X); the hyphen is optional.

    Args:
        column (str): the column of organisation codes.
        mostly (float), row_condition (str), condition_parser ("pandas"): as for every column expectation.
    """

    map_metric = ColumnValuesValidOrgCode.condition_metric_name
    _template = "$column values must be valid organisation codes (组织机构代码, GB 11714-1997)"


class ExpectColumnValuesToBeValidCaseNumber(_IdentifierExpectation):
    """Expect values to be enforcement case numbers (案号) of a Ningxia court, e.g. ``（2019）宁0104执123号``.

    The year is 1990 to this year, the court code a known Ningxia court, the type code an enforcement
    type (执, 执恢, 执保, 执异, 执复, 执监, 执协, 执他). Half-width parentheses and spaces are tolerated.

    Args:
        column (str): the column of case numbers.
        mostly (float), row_condition (str), condition_parser ("pandas"): as for every column expectation.
    """

    map_metric = ColumnValuesValidCaseNumber.condition_metric_name
    _template = "$column values must be enforcement case numbers (案号) of a Ningxia court"


class ExpectColumnValuesToBeValidPlate(_IdentifierExpectation):
    """Expect values to be well-formed motor-vehicle plate numbers (号牌, GA 36-2018).

    Province character, issuing-office letter (a Ningxia office for 宁), then 5 characters (last may be 挂,
    学, 警) or a 6-character new-energy serial. Middle dots and spaces are tolerated.

    Args:
        column (str): the column of plate numbers.
        mostly (float), row_condition (str), condition_parser ("pandas"): as for every column expectation.
    """

    map_metric = ColumnValuesValidPlate.condition_metric_name
    _template = "$column values must be well-formed vehicle plate numbers (号牌, GA 36-2018)"


class ExpectColumnValuesToBeValidBankCard(_IdentifierExpectation):
    """Expect values to be bank card numbers: 16 to 19 digits passing the Luhn check.

    Apply to card numbers only: corporate account numbers do not always pass Luhn.

    Args:
        column (str): the column of card numbers.
        mostly (float), row_condition (str), condition_parser ("pandas"): as for every column expectation.
    """

    map_metric = ColumnValuesValidBankCard.condition_metric_name
    _template = "$column values must be bank card numbers of 16 to 19 digits passing the Luhn check"
