"""Documentation that must stay true to the code."""

from __future__ import annotations

from sandbox.credit_platform.schema import metadata
from tests.conftest import PROJECT_ROOT


def test_every_frontdb_column_is_documented():
    text = (PROJECT_ROOT / "docs" / "credit_platform.md").read_text(encoding="utf-8")
    for table in metadata.sorted_tables:
        assert f"### `{table.name}`" in text
        for column in table.columns:
            assert f"| `{column.name}` |" in text, f"{table.name}.{column.name} is not in docs/credit_platform.md"


def test_readme_names_the_two_commands_and_every_cli_command():
    from hub.cli import main

    readme = (PROJECT_ROOT / "README.md").read_text(encoding="utf-8")
    assert "make demo" in readme and "make test" in readme
    for name in main.commands:
        assert f"hub {name}" in readme, f"`hub {name}` is not in README.md"
