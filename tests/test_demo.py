"""`make demo` is the first thing a user runs: it must work from nothing, and a second run sends nothing new."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import PROJECT_ROOT

pytestmark = [pytest.mark.airflow]


def run_demo(tmp_path: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AIRFLOW_CONN_", "HUB_"))}
    env |= {"HUB_DEMO_DIR": str(tmp_path / ".demo"), "AIRFLOW_HOME": str(tmp_path / ".airflow")}
    hub = Path(sys.executable).with_name("hub")
    return subprocess.run(
        [str(hub), "demo", "--cases", "150"], env=env, cwd=PROJECT_ROOT, text=True, capture_output=True, timeout=900
    )


def test_the_demo_runs_every_flow_then_a_second_run_delivers_nothing_new(tmp_path):
    first = run_demo(tmp_path)
    assert first.returncode == 0, first.stdout[-4000:] + first.stderr[-4000:]
    for line in (
        "dishonest_list_sync → credit_platform",
        "consumption_restriction_sync → credit_platform",
        "bank_inquiry_control",
        "debtor_locate → public_security",
        "vehicle_control → public_security",
        "exit_restriction → public_security",
        "public_servant_report (sealed files over SFTP",
    ):
        assert line in first.stdout, line
    assert "extracted = delivered + quarantined + rejected: holds" in first.stdout
    assert "chain intact" in first.stdout and "FAILED (exit" not in first.stdout

    second = run_demo(tmp_path)
    assert second.returncode == 0, second.stdout[-4000:] + second.stderr[-4000:]
    assert second.stdout.count("nothing new since the last run") == 2
    assert "nothing new to submit since the last run" in second.stdout
    assert "chain intact" in second.stdout
