"""Diagnosis for the gate benchmark: start-up in fresh interpreters, cProfile, and GE's layers one by one."""

from __future__ import annotations

import cProfile
import json
import pstats
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import pandas as pd
from gate_paths import KEY, PROJECT_ROOT, SUITE_PATH


def _timed(function: Callable, *args: object) -> tuple[float, object]:
    start = time.perf_counter()
    value = function(*args)
    return time.perf_counter() - start, value


STARTUP_SCRIPT = """
import json, os, sys, time, warnings
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")
sys.path.insert(0, sys.argv[1])
out = {}
t = time.perf_counter(); import numpy, pandas; out["import_pandas_numpy"] = time.perf_counter() - t
t = time.perf_counter(); import great_expectations as gx; out["import_great_expectations"] = time.perf_counter() - t
t = time.perf_counter(); import hub.quality.expectations; out["import_hub_expectations"] = time.perf_counter() - t
t = time.perf_counter(); from hub.quality.gate import QualityGate; out["import_hub_gate"] = time.perf_counter() - t
t = time.perf_counter(); gx.get_context(mode="ephemeral"); out["ephemeral_context"] = time.perf_counter() - t
from pathlib import Path
t = time.perf_counter()
QualityGate(Path(sys.argv[2]), "entry_id", 1.0, name="startup")
out["quality_gate"] = time.perf_counter() - t
print(json.dumps(out))
"""


def cold_startup(runs: int) -> list[dict]:
    """Start-up costs in fresh interpreters (``runs`` of them; the first also has the coldest OS cache)."""
    results = []
    for _ in range(runs):
        completed = subprocess.run(
            [sys.executable, "-c", STARTUP_SCRIPT, str(PROJECT_ROOT), str(SUITE_PATH)],
            capture_output=True,
            text=True,
            check=True,
        )
        results.append(json.loads(completed.stdout.strip().splitlines()[-1]))
    return results


def profile_gate(title: str, run: Callable[[], object], path: Path, top: int) -> dict:
    """``run`` (gate checks) under cProfile: where the time goes."""
    profiler = cProfile.Profile()
    start = time.perf_counter()
    profiler.enable()
    run()
    profiler.disable()
    wall = time.perf_counter() - start
    profiler.dump_stats(path)
    stats = pstats.Stats(profiler)
    entries = stats.stats  # (file, line, name) → (primitive calls, calls, tottime, cumtime, callers)

    def label(key: tuple) -> str:
        file, line, name = key
        return f"{name} ({_short(file)}:{line})" if line else name

    by_cumulative = sorted(entries.items(), key=lambda item: item[1][3], reverse=True)
    by_own = sorted(entries.items(), key=lambda item: item[1][2], reverse=True)
    own_by_package: Counter = Counter()
    for (file, _, _), (_, _, own, _, _) in entries.items():
        own_by_package[_package(file)] += own
    print(f"\ncProfile of {title} ({wall:.2f} s under the profiler; saved {path.relative_to(PROJECT_ROOT)})")
    print("  own time by package:")
    for package, seconds in own_by_package.most_common(12):
        print(f"    {seconds:8.3f} s  {package}")
    print(f"  top {top} by cumulative time:")
    for key, (_, calls, own, cumulative, _) in by_cumulative[:top]:
        print(f"    {cumulative:8.3f} s cum {own:8.3f} s own {calls:>9,} calls  {label(key)}")
    print(f"  top {top} by own time:")
    for key, (_, calls, own, cumulative, _) in by_own[:top]:
        print(f"    {own:8.3f} s own {cumulative:8.3f} s cum {calls:>9,} calls  {label(key)}")
    return {
        "wall_seconds_under_profiler": wall,
        "path": str(path.relative_to(PROJECT_ROOT)),
        "own_seconds_by_package": dict(own_by_package.most_common(12)),
        "top_cumulative": [
            {"function": label(k), "calls": v[1], "own": v[2], "cumulative": v[3]} for k, v in by_cumulative[:top]
        ],
        "top_own": [{"function": label(k), "calls": v[1], "own": v[2], "cumulative": v[3]} for k, v in by_own[:top]],
    }


def ge_breakdown(gate, frame: pd.DataFrame, t_plain: float) -> dict:
    """Where a gate check's time goes, by taking GE's layers away one at a time (GE internals; diagnosis only)."""
    import great_expectations as gx
    from great_expectations.execution_engine import pandas_execution_engine
    from great_expectations.execution_engine.pandas_execution_engine import hash_pandas_dataframe
    from great_expectations.validator.v1_validator import Validator

    validation = gate._validation
    frame = getattr(gate, "_suite_frame", lambda chunk: chunk)(frame)  # what the gate hands GE, if it narrows it
    result_format = {
        "result_format": "COMPLETE",
        "unexpected_index_column_names": [KEY],
        "return_unexpected_index_query": False,
    }

    def validator(suite, result_format):
        return Validator(
            batch_definition=validation.batch_definition,
            batch_parameters={"dataframe": frame},
            result_format=result_format,
        ).validate_expectation_suite(suite)

    steps = {}
    gate.begin("breakdown")
    steps["gate.check, as hub/quality/gate.py runs it now"] = _timed(gate.check, frame)[0]
    steps["ValidationDefinition.run, COMPLETE (stores every result in the context)"] = _timed(
        lambda: validation.run(batch_parameters={"dataframe": frame}, result_format=result_format)
    )[0]
    steps["Validator, COMPLETE, results not stored"] = _timed(validator, validation.suite, result_format)[0]
    positions = {"result_format": "COMPLETE", "return_unexpected_index_query": False}
    steps["Validator, COMPLETE, row positions (what the gate asks for)"] = _timed(
        validator, validation.suite, positions
    )[0]
    steps["Validator, SUMMARY"] = _timed(validator, validation.suite, "SUMMARY")[0]
    steps["Validator, BOOLEAN_ONLY (no unexpected rows at all)"] = _timed(validator, validation.suite, "BOOLEAN_ONLY")[
        0
    ]
    steps["plain reference"] = t_plain
    hashed = "skipped: HASH_THRESHOLD lowered" if pandas_execution_engine.HASH_THRESHOLD <= 0 else "GE takes it per run"
    steps[f"batch fingerprint, hash_pandas_dataframe ({hashed})"] = _timed(hash_pandas_dataframe, frame)[0]
    steps["one row-condition filter, frame.query(id_type == 'RIC')"] = _timed(frame.query, "id_type == 'RIC'")[0]
    print("\nwhere a whole-frame gate check's time goes (seconds; each line one run):")
    for name, seconds in steps.items():
        print(f"  {seconds:8.3f}  {name}")
    document = json.loads(SUITE_PATH.read_text(encoding="utf-8"))
    per_expectation = []
    print("  one expectation at a time (Validator, COMPLETE, not stored):")
    for index, expectation in enumerate(document["expectations"]):
        suite = gx.ExpectationSuite(name=f"bench_single_{index}", expectations=[expectation])
        complete = _timed(validator, suite, result_format)[0]
        boolean = _timed(validator, suite, "BOOLEAN_ONLY")[0]
        per_expectation.append({"expectation": _label(expectation), "complete": complete, "boolean_only": boolean})
        print(f"    {complete:7.3f} COMPLETE {boolean:7.3f} BOOLEAN_ONLY  {_label(expectation)}")
    total = sum(item["complete"] for item in per_expectation)
    print(f"    {total:7.3f} sum of the single-expectation runs")
    return {"steps": steps, "per_expectation": per_expectation}


def _label(expectation: dict) -> str:
    kwargs = expectation["kwargs"]
    columns = kwargs.get("column_list") or [kwargs[k] for k in ("column", "column_A", "column_B") if k in kwargs]
    condition = kwargs.get("row_condition")
    where = f" where id_type == {condition['parameter']}" if isinstance(condition, dict) else ""
    return f"{expectation['type']}({', '.join(columns)}){where}"


def _short(file: str) -> str:
    for marker in ("site-packages/", str(PROJECT_ROOT) + "/"):
        if marker in file:
            return file.split(marker, 1)[1]
    return file


def _package(file: str) -> str:
    short = _short(file)
    if short.startswith("~") or short.startswith("<"):
        return "builtins (C: numpy/pandas internals, str methods, …)"
    parts = short.split("/")
    if parts[0] == "great_expectations" and len(parts) > 2:
        return "/".join(parts[:2])
    if parts[0] == "hub" and len(parts) > 2:
        return "/".join(parts[:2])
    return parts[0].removesuffix(".py") if short != file else "other"
