"""The ``hub`` command: operators' and engineers' entry point."""

from __future__ import annotations

import click


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="ningxia-enforcement-hub")
def main() -> None:
    """Ningxia courts' enforcement linkage exchange hub (执行联动数据交换平台)."""


def _register() -> None:
    # Each command lives in its own module; importing them here keeps `hub --help` complete.
    for module_name in (
        "seed",
        "validate",
        "run",
        "ledger",
        "alerts",
        "quarantine",
        "quality",
        "db",
        "demo",
        "policy",
        "military",
    ):
        module = __import__(f"hub.cli.{module_name}", fromlist=["command"])
        main.add_command(module.command)


_register()
