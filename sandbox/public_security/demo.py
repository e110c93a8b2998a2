"""What `make demo` needs for the public-security flows: the sandbox service over HTTP and its connection.

running = start_demo_service()                 # background thread on 127.0.0.1, a free port
os.environ.update(connection_env(running))      # AIRFLOW_CONN_PUBLIC_SECURITY
seed_locate_requests(case_engine)              # sandbox.public_security.requests (and
seed_vehicle_requests / seed_exit_orders / lift_exit_orders)
... run the `debtor_locate`, `vehicle_control`, `exit_restriction` DAGs ...
hub.public_security.results.flow_summary("vehicle_control", hub_engine, case_engine)
running.stop()
"""

from __future__ import annotations

import json

from sandbox.public_security.service import PublicSecurityService, RunningService, start


def start_demo_service(port: int = 0, seed: int = 7) -> RunningService:
    """The sandbox public-security service over plain HTTP on 127.0.0.1 (demo only; tests use HTTPS)."""
    return start(PublicSecurityService(seed=seed, delay_fetches=1), port=port)


def connection_env(running: RunningService) -> dict[str, str]:
    """The Airflow connection variable pointing the hub at ``running``."""
    value = {
        "conn_type": "http",
        "host": running.host,
        "port": running.port,
        "schema": "public-security/v1",
        "extra": {"protocol": running.scheme, "timeout": 5, "read_timeout": 30},
    }
    return {"AIRFLOW_CONN_PUBLIC_SECURITY": json.dumps(value)}
