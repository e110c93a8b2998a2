"""`hub run FLOW`: run one flow's DAG once through Airflow and print what it did."""

from __future__ import annotations

import click

from hub.settings import PROJECT_ROOT

#: Every DAG the project ships: one module per flow in dags/, named after its DAG id.
DAG_IDS = sorted(path.stem for path in (PROJECT_ROOT / "dags").glob("*.py") if not path.name.startswith("_"))


@click.command("run")
@click.argument("flow", type=click.Choice(DAG_IDS))
@click.option("--verbose", is_flag=True, help="Show Airflow's own output.")
def command(flow: str, verbose: bool) -> None:
    """Run FLOW's DAG once through Airflow (`airflow dags test`) and summarise its batches."""
    from hub import airflow_env, batches
    from hub.db import hub_engine
    from hub.flows import OUTBOUND_FLOWS
    from hub.report import print_flow_summaries

    env = airflow_env.prepare()
    click.echo(f"running DAG {flow} through Airflow (AIRFLOW_HOME={env['AIRFLOW_HOME']}) ...")
    result = airflow_env.run_dag(flow, env=env, quiet=not verbose)
    if flow in OUTBOUND_FLOWS:
        print_flow_summaries(hub_engine(), [flow])
    else:
        for direction in ("OUT", "IN"):
            batch = batches.latest(hub_engine(), flow, direction)
            if batch:
                figures = " ".join(f"{k}={batch[k]}" for k in batches.COUNTERS if batch[k])
                click.echo(
                    f"{flow} {direction} batch {batch['batch_id'][:8]} {batch['status']}: {figures or 'nothing'}"
                )
    if result.returncode != 0:
        if not verbose and result.stdout:
            click.echo(result.stdout[-4000:], err=True)
        raise click.ClickException(f"DAG {flow} failed (exit {result.returncode}); `hub ledger show --flow {flow}`")
