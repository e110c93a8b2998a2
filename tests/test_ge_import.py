"""Great Expectations is imported with scipy.stats and altair deferred (hub.quality.ge_import).

Each test runs in a fresh interpreter: which modules a process has loaded is the thing under test.
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def run_fresh(code: str) -> dict:
    completed = subprocess.run(
        [sys.executable, "-c", textwrap.dedent(code)],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=180,
        env={"PYTHONPATH": str(PROJECT_ROOT), "GX_ANALYTICS_ENABLED": "False", "PATH": "/usr/bin:/bin"},
    )
    assert completed.returncode == 0, completed.stderr[-3000:]
    return json.loads(completed.stdout.strip().splitlines()[-1])


def test_the_gate_leaves_scipy_stats_and_altair_unimported_until_used():
    seen = run_fresh(
        """
        import json, sys
        from hub.quality.gate import QualityGate
        from hub.settings import get_settings
        QualityGate(get_settings().expectations_dir / "dishonest_list_outbound.json", "entry_id", 0.5)
        print(json.dumps({name: type(sys.modules[name]).__name__ for name in ("scipy.stats", "altair")}))
        """
    )
    assert seen == {"scipy.stats": "DeferredModule", "altair": "DeferredModule"}


def test_a_deferred_module_is_imported_on_first_use_and_works():
    seen = run_fresh(
        """
        import json, sys
        from hub.quality.ge_import import great_expectations
        great_expectations()
        from scipy import stats
        import altair
        print(json.dumps({
            "cdf": float(stats.norm.cdf(0)),
            "chart": altair.Chart.__name__,
            "in_sys_modules": [type(sys.modules[n]).__name__ for n in ("scipy.stats", "altair")],
        }))
        """
    )
    assert seen == {"cdf": 0.5, "chart": "Chart", "in_sys_modules": ["module", "module"]}


def test_an_expectation_that_needs_scipy_still_validates():
    seen = run_fresh(
        """
        import json
        import pandas as pd
        from hub.quality.ge_import import great_expectations
        gx = great_expectations()
        context = gx.get_context(mode="ephemeral")
        batch = (
            context.data_sources.add_pandas("s").add_dataframe_asset("a")
            .add_batch_definition_whole_dataframe("b")
            .get_batch(batch_parameters={"dataframe": pd.DataFrame({"x": [0.2, 0.4, 1.2, 1.6, 1.7]})})
        )
        expectation = gx.expectations.ExpectColumnKLDivergenceToBeLessThan(
            column="x", partition_object={"bins": [0, 1, 2], "weights": [0.5, 0.5]}, threshold=0.01
        )
        result = batch.validate(expectation)
        print(json.dumps({"success": result.success, "observed": result.result["observed_value"]}))
        """
    )
    assert seen["success"] is False  # 2 of 5 values in the first bin against an expected half
    assert 0.01 < seen["observed"] < 0.1
