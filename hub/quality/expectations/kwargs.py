"""Kwargs look-ups of the hub's expectations with one configuration per look-up, not one per key.

Why: GE 1.24's ``Expectation`` answers ``_get_domain_kwargs``, ``_get_success_kwargs`` and
``_get_runtime_kwargs`` with a dict comprehension that reads ``self.configuration`` once per key, and that
property rebuilds the whole ``ExpectationConfiguration`` from the pydantic model each time (``dict()``,
a regex for the type name). GE asks for these kwargs dozens of times per expectation while it builds the
metric graph of every chunk: about a third of a 5,000-row gate check went there. The mixin returns the
same values as GE's methods, building the configuration once per call.
"""

from __future__ import annotations

from typing import Any

from great_expectations.expectations.expectation_configuration import parse_result_format


class KwargsOnce:
    """Mixin for :class:`great_expectations.expectations.expectation.Expectation` subclasses."""

    def _kwarg(self, kwargs: dict, key: str, default: Any = None) -> Any:
        if key in kwargs:
            return kwargs[key]
        field = self.__fields__.get(key)  # type: ignore[attr-defined]
        if field is not None:
            return field.default if not field.required else default
        return default

    def _domain_from(self, kwargs: dict) -> dict[str, Any]:
        return {key: kwargs.get(key, self._get_default_value(key)) for key in self.domain_keys}  # type: ignore[attr-defined]

    def _get_domain_kwargs(self) -> dict[str, Any]:
        return self._domain_from(self.configuration.kwargs)  # type: ignore[attr-defined]

    def _success_from(self, kwargs: dict) -> dict[str, Any]:
        success = {key: kwargs.get(key, self._get_default_value(key)) for key in self.success_keys}  # type: ignore[attr-defined]
        success.update(self._domain_from(kwargs))
        return success

    def _get_success_kwargs(self) -> dict[str, Any]:
        return self._success_from(self.configuration.kwargs)  # type: ignore[attr-defined]

    def _get_success_kwarg(self, key: str, default: Any = None) -> Any:
        return self._kwarg(self.configuration.kwargs, key, default)  # type: ignore[attr-defined]

    def _get_runtime_kwargs(self, runtime_configuration: dict | None = None) -> dict:
        runtime_configuration = runtime_configuration or {}
        kwargs = self.configuration.kwargs  # type: ignore[attr-defined]
        runtime = {
            key: runtime_configuration.get(key, self._kwarg(kwargs, key))
            for key in self.runtime_keys  # type: ignore[attr-defined]
        }
        runtime.update(self._success_from(kwargs))
        runtime["result_format"] = parse_result_format(runtime["result_format"])
        return runtime
