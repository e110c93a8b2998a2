"""`hub demo`: what `make demo` runs."""

from __future__ import annotations

import click


@click.command("demo")
@click.option("--cases", default=2000, show_default=True, help="Cases to generate on the first run.")
@click.option("--evolve", default=0.0, help="Before running, change this fraction of entries (e.g. 0.1).")
@click.option("--seed", default=2019, show_default=True)
def command(cases: int, evolve: float, seed: int) -> None:
    """Seed, start the sandbox platform, run the credit-platform DAGs through Airflow, summarise."""
    from hub.demo import run_demo

    if not run_demo(cases=cases, evolve=evolve, seed=seed):
        raise SystemExit(1)
