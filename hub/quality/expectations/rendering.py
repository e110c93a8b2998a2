"""The Data Docs sentence shared by the hub's expectations: one template, with mostly and row_condition.

Why shared: GE's own renderers are written per expectation; ours differ only in the template, so one
mixin renders all of them the same way (see :class:`RenderedSentence`).
"""

from __future__ import annotations

from typing import Any, ClassVar

from great_expectations.expectations.expectation import render_suite_parameter_string
from great_expectations.render import LegacyRendererType, RenderedStringTemplateContent
from great_expectations.render.renderer.renderer import renderer
from great_expectations.render.renderer_configuration import RendererConfiguration, RendererValueType
from great_expectations.render.util import num_to_str, substitute_none_for_missing


def row_condition_text(row_condition: Any) -> str | None:
    """The row condition as text for the sentence (any spelling GE accepts), None without one."""
    if row_condition is None:
        return None
    try:
        from great_expectations.render.util import parse_row_condition_string

        text = parse_row_condition_string(row_condition)
    except Exception:  # rendering must never break a validation run
        text = str(row_condition)
    if len(text) >= 2 and text[0] == text[-1] == "'":  # a plain string comes back in quotes
        text = text[1:-1]
    return text


class RenderedSentence:
    """Mixin: renders ``_template`` (with ``$column`` / ``$column_A`` / ``$column_B``) for Data Docs."""

    _template: ClassVar[str] = ""
    _render_params: ClassVar[tuple[str, ...]] = ("column",)

    @classmethod
    def _prescriptive_template(cls, renderer_configuration: RendererConfiguration) -> RendererConfiguration:
        for name in cls._render_params:
            renderer_configuration.add_param(name=name, param_type=RendererValueType.STRING)
        renderer_configuration.add_param(name="mostly", param_type=RendererValueType.NUMBER)
        template_str = cls._template
        params = renderer_configuration.params
        if params.mostly and params.mostly.value < 1.0:
            renderer_configuration = cls._add_mostly_pct_param(renderer_configuration=renderer_configuration)
            template_str += ", at least $mostly_pct % of the time."
        else:
            template_str += "."
        renderer_configuration.template_str = template_str
        return renderer_configuration

    @classmethod
    @renderer(renderer_type=LegacyRendererType.PRESCRIPTIVE)
    @render_suite_parameter_string
    def _prescriptive_renderer(
        cls,
        configuration: Any = None,
        result: Any = None,
        runtime_configuration: dict | None = None,
        **kwargs: Any,
    ) -> list[RenderedStringTemplateContent]:
        runtime_configuration = runtime_configuration or {}
        styling = runtime_configuration.get("styling") or {}
        kwargs_in = configuration.kwargs if configuration is not None else {}
        params = substitute_none_for_missing(
            kwargs_in, [*cls._render_params, "mostly", "row_condition", "condition_parser"]
        )
        template_str = cls._template
        mostly = params.get("mostly")
        if isinstance(mostly, int | float) and mostly < 1.0:
            params["mostly_pct"] = num_to_str(mostly * 100, no_scientific=True)
            template_str += ", at least $mostly_pct % of the time."
        else:
            template_str += "."
        condition = row_condition_text(params.get("row_condition"))
        if condition is not None:
            params["condition_content"] = condition
            badge = {"classes": ["badge", "badge-secondary"]}
            styling = {**styling, "params": {**styling.get("params", {}), "condition_content": badge}}
            template_str = "If $condition_content, then " + template_str
        return [
            RenderedStringTemplateContent(
                content_block_type="string_template",
                string_template={"template": template_str, "params": params, "styling": styling},
            )
        ]
