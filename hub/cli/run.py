"""`hub run FLOW`: run one flow's DAG once through Airflow and print what it did."""

from __future__ import annotations

import click

from hub.flows import OUTBOUND_FLOWS


@click.command("run")
@click.argument("flow", type=click.Choice(sorted(OUTBOUND_FLOWS)))
@click.option("--verbose", is_flag=True, help="Show Airflow's own output.")
def command(flow: str, verbose: bool) -> None:
    """Run FLOW's DAG once through Airflow (`airflow dags test`) and summarise the batch."""
    from hub import airflow_env
    from hub.db import hub_engine
    from hub.report import print_flow_summaries

    env = airflow_env.prepare()
    click.echo(f"running DAG {flow} through Airflow (AIRFLOW_HOME={env['AIRFLOW_HOME']}) ...")
    result = airflow_env.run_dag(flow, env=env, quiet=not verbose)
    print_flow_summaries(hub_engine(), [flow])
    if result.returncode != 0:
        if not verbose and result.stdout:
            click.echo(result.stdout[-4000:], err=True)
        raise click.ClickException(f"DAG {flow} failed (exit {result.returncode}); `hub ledger show --flow {flow}`")
