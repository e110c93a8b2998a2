"""Quality-gate benchmark: the dishonest-list suite on N generated rows, against a Python loop and plain pandas.

    .venv/bin/python bench/gate.py                    # 1,000,000 rows
    .venv/bin/python bench/gate.py --rows 200000 --profile

All paths run in this one process, on the same generated frame, one after the other. Each run is one batch,
as the pipeline runs it (``begin()``, then ``check`` per chunk): the duplicate rule spans the batch.

* ``gate``: :class:`hub.quality.gate.QualityGate` with ``expectations/dishonest_list_outbound.json`` (15
  expectations, the hub's vectorised custom ones among them; GE runs 14 per chunk, the gate checks compound
  uniqueness across the batch), ``check`` on the whole frame, again in ten chunks (``--chunks``), and on the
  first ``--pipeline-rows`` rows in chunks of ``HUB_CHUNK_SIZE`` (5,000, what the pipeline really hands the
  gate; extrapolated to the whole frame).
* ``loop``: the same 15 checks written as a row-by-row Python loop over the scalar identifier modules
  (``hub.identifiers.ric/uscc/orgcode/caseno``), on the first ``--loop-rows`` rows only, extrapolated to
  rows/s (a million rows would take minutes).
* ``plain``: the same checks as plain vectorised pandas/numpy without Great Expectations: the
  :mod:`hub.identifiers.vector` functions for the identifiers (they are the plain reference for checksums),
  pandas for not-null, in-set, ID type against party kind, date order, adult on the decision date, and
  :mod:`hub.quality.duplicates` for duplicates across the batch (the same plain numpy the gate calls: GE has
  nothing to offer there). This is the reference every ratio is taken against.

Every path returns what the gate returns (the rows that passed and, per failing record key, the reasons),
and the benchmark fails (exit status 1) unless all of them flag the same (record, reason) pairs: gate and
plain on the whole frame and per chunk, the chunked gate and the whole-frame plain (chunk boundaries must
not change an outcome), loop and plain on the loop's sample.

Modules: :mod:`gate_data` (the generated rows), :mod:`gate_paths` (the suite's shape, the plain and loop
paths), :mod:`gate_profile` (start-up, cProfile, GE's layers), this one (measuring and the report).

Start-up is reported apart from the checks: ``import great_expectations`` in a fresh interpreter (cold as far
as Python goes; the OS file cache is warm after the first of ``--import-runs`` runs), then in that interpreter
the hub's custom expectations, an ephemeral context and a whole ``QualityGate``; and the same in this process.

Targets (from the issue): the gate within 2x of the plain reference (whole frame, ten chunks, and, beyond the
issue, chunks of ``HUB_CHUNK_SIZE``), and at least 20x the loop's rows/s. With ``--profile``, or automatically
when a 2x line fails (``--no-profile`` to skip), a whole-frame check and the ``HUB_CHUNK_SIZE`` checks run under
cProfile (printed, and saved as ``bench/results/gate-<time>-*.prof``), and GE's layers are taken away one at a
time to show what each costs (that part uses GE's internal ``Validator``; diagnosis only).
Results: stdout and ``bench/results/gate-<time>.json`` (with hashes of the gate's source files, since the gate is
measured as it is in the working tree).

The generated frame (:mod:`gate_data`) has exactly the columns the suite reads, typed as
:func:`hub.extract.pages` yields them, with ``--defect-rate`` (5%) defects of the kinds in
:data:`gate_data.DEFECT_KINDS`.
"""

from __future__ import annotations

import argparse
import datetime
import hashlib
import json
import math
import os
import platform
import statistics
import subprocess
import sys
from collections import Counter
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from gate_data import DEFECT_KINDS, generate  # noqa: F401  (puts the project on sys.path)
from gate_paths import E_UNIQUE, KEY, PROJECT_ROOT, SUITE_PATH, SUITE_SHAPE, load_suite, loop_check, plain_check
from gate_profile import _timed, cold_startup, ge_breakdown, profile_gate

from hub.quality import duplicates
from hub.quality.gate import QualityGate
from hub.settings import get_settings

RESULTS_DIR = PROJECT_ROOT / "bench" / "results"
TARGET_VS_PLAIN = 2.0  # the gate may take at most this many times the plain reference's time
TARGET_VS_LOOP = 20.0  # the gate must check at least this many times the loop's rows/s


# ---------------------------------------------------------------------------------------------------------
# Measuring


def gate_batch(gate: QualityGate, chunks: list[pd.DataFrame]) -> dict:
    """One batch through the gate, as the pipeline runs it: begin, then each chunk; key → reasons."""
    gate.begin("bench")
    failures: dict = {}
    for chunk in chunks:
        failures.update(gate.check(chunk).failures)
    return failures


def plain_batch(chunks: list[pd.DataFrame], reasons: list[str]) -> dict:
    """One batch through the plain reference, the compound keys carried from chunk to chunk."""
    seen = duplicates.FirstSeen(get_settings().duplicate_keys_in_memory)  # as the gate keeps them
    failures: dict = {}
    for chunk in chunks:
        failures.update(plain_check(chunk, reasons, seen)[1])
    return failures


def _pairs(failures: dict[str, list[str]]) -> set[tuple[str, str]]:
    return {(key, reason) for key, reasons in failures.items() for reason in reasons}


def agreement(name: str, got: dict, reference: dict) -> dict:
    """Compare two paths' (record, reason) pairs; print the result."""
    a, b = _pairs(got), _pairs(reference)
    result = {
        "pairs": len(a),
        "reference_pairs": len(b),
        "records": len(got),
        "reference_records": len(reference),
        "only_here": len(a - b),
        "only_in_reference": len(b - a),
        "agree": a == b,
    }
    verdict = "agree" if a == b else "DISAGREE"
    print(
        f"  {name:<44} {len(got):>9,} records {len(a):>9,} (record, reason) pairs   reference "
        f"{len(reference):>9,} / {len(b):>9,}   {verdict}"
    )
    for label, extra in (("only here", a - b), ("only in the reference", b - a)):
        for key, reason in sorted(extra)[:5]:
            print(f"      {label}: record {key}: {reason}")
    return result


def best_of(repeat: int, function: Callable, *args: object) -> tuple[float, list[float], object]:
    times, value = [], None
    for _ in range(repeat):
        seconds, value = _timed(function, *args)
        times.append(seconds)
    return min(times), times, value


def measured_sources() -> list[Path]:
    """The files whose code the gate path runs (their hashes go into the results)."""
    quality = PROJECT_ROOT / "hub" / "quality"
    expectations = sorted((quality / "expectations").glob("*.py"))
    vector = sorted((PROJECT_ROOT / "hub" / "identifiers" / "vector").glob("*.py"))
    return [quality / "gate.py", quality / "duplicates.py", SUITE_PATH, *vector, *expectations]


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()[:16]


def _git_head() -> str | None:
    try:
        completed = subprocess.run(
            ["git", "rev-parse", "HEAD"], cwd=PROJECT_ROOT, capture_output=True, text=True, check=True
        )
    except (OSError, subprocess.CalledProcessError):
        return None
    return completed.stdout.strip()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--chunks", type=int, default=10, help="chunks for the pipeline-shaped gate run (10)")
    parser.add_argument("--loop-rows", type=int, default=50_000, help="rows the row-by-row loop checks (50000)")
    parser.add_argument(
        "--pipeline-chunk-size",
        type=int,
        default=int(os.environ.get("HUB_CHUNK_SIZE", "5000")),
        help="also check the first --pipeline-rows rows in chunks of this size, the pipeline's HUB_CHUNK_SIZE (5000)",
    )
    parser.add_argument("--pipeline-rows", type=int, default=100_000, help="rows for that run, extrapolated (100000)")
    parser.add_argument("--repeat", type=int, default=3, help="runs of the gate and plain paths; best counts (3)")
    parser.add_argument("--import-runs", type=int, default=3, help="fresh interpreters for start-up costs (3)")
    parser.add_argument("--seed", type=int, default=2019)
    parser.add_argument("--defect-rate", type=float, default=0.05)
    parser.add_argument("--profile", action="store_true", help="profile one gate check even when on target")
    parser.add_argument("--no-profile", action="store_true", help="never profile")
    args = parser.parse_args(argv)
    stamp = datetime.datetime.now().strftime("%Y%m%dT%H%M%S")
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    load_start = os.getloadavg()
    _, reasons = load_suite()
    out: dict = {"rows": args.rows, "seed": args.seed, "defect_rate": args.defect_rate, "time": stamp}

    print(f"generating {args.rows:,} rows (seed {args.seed}, defect rate {args.defect_rate:.0%}) …", flush=True)
    generation_seconds, (frame, defects) = _timed(generate, args.rows, args.seed, args.defect_rate)
    print(f"  {generation_seconds:.1f} s; defects: " + ", ".join(f"{k} {v:,}" for k, v in defects.items()))
    out["generation_seconds"], out["defects"] = generation_seconds, dict(defects)

    print(f"start-up in {args.import_runs} fresh interpreters …", flush=True)
    cold = cold_startup(args.import_runs)
    # this process: cold import too (nothing of GE imported so far), then what the gate builds
    here: dict[str, float] = {}
    here["import_great_expectations"], gx = _timed(lambda: __import__("great_expectations"))
    here["import_hub_expectations"], _ = _timed(lambda: __import__("hub.quality.expectations"))
    here["ephemeral_context"], _ = _timed(lambda: gx.get_context(mode="ephemeral"))

    def make_gate(name: str) -> QualityGate:
        return QualityGate(SUITE_PATH, key_field=KEY, max_failure_rate=1.0, name=name)

    here["quality_gate"], gate = _timed(make_gate, "bench_whole")
    chunk_gate = make_gate("bench_chunks")
    # first check of a gate (lazy imports, metric registry) and of the plain path, on 1,000 rows
    warm = frame.head(1000).reset_index(drop=True)
    here["first_check_1000_rows"], _ = _timed(gate_batch, gate, [warm])
    here["second_check_1000_rows"], _ = _timed(gate_batch, gate, [warm])
    here["plain_first_1000_rows"], _ = _timed(plain_batch, [warm], reasons)
    gate_batch(chunk_gate, [warm])
    out["startup"] = {"fresh_interpreters": cold, "this_process": here}

    n = len(frame)
    size = math.ceil(n / args.chunks)
    chunks = [frame.iloc[i : i + size].reset_index(drop=True) for i in range(0, n, size)]  # as extract yields them

    print(f"checking ({args.repeat} runs each, best counts) …", flush=True)
    t_plain, runs_plain, plain_failures = best_of(args.repeat, plain_batch, [frame], reasons)
    t_gate, runs_gate, gate_failures = best_of(args.repeat, gate_batch, gate, [frame])
    t_plain_chunks, runs_plain_chunks, plain_chunk_failures = best_of(args.repeat, plain_batch, chunks, reasons)
    t_gate_chunks, runs_gate_chunks, gate_chunk_failures = best_of(args.repeat, gate_batch, chunk_gate, chunks)
    small = args.pipeline_chunk_size
    head = frame.head(min(args.pipeline_rows, n))
    small_chunks = [head.iloc[i : i + small].reset_index(drop=True) for i in range(0, len(head), small)]
    small_gate = make_gate("bench_small_chunks")
    gate_batch(small_gate, [warm])
    t_gate_small, runs_gate_small, _ = best_of(1, gate_batch, small_gate, small_chunks)
    t_plain_small, runs_plain_small, _ = best_of(1, plain_batch, small_chunks, reasons)
    sample = frame.head(min(args.loop_rows, n))
    t_loop, (_, loop_failures) = _timed(loop_check, sample, reasons)
    _, plain_sample_failures = plain_check(sample, reasons)
    load_end = os.getloadavg()

    print("\nagreement (each failing record with the reasons it failed on):")
    agree = {
        "gate_vs_plain": agreement("gate, whole frame vs plain", gate_failures, plain_failures),
        "gate_chunks_vs_plain_chunks": agreement(
            f"gate, {len(chunks)} chunks vs plain, same chunks", gate_chunk_failures, plain_chunk_failures
        ),
        # every rule is row by row or batch-wide, so chunking must not change a single outcome
        "gate_chunks_vs_plain_whole": agreement(
            f"gate, {len(chunks)} chunks vs plain, whole frame", gate_chunk_failures, plain_failures
        ),
        "loop_vs_plain": agreement(f"loop vs plain, first {len(sample):,} rows", loop_failures, plain_sample_failures),
    }
    unique_reason = reasons[E_UNIQUE]
    chunk_dups = sum(any(r.startswith(unique_reason) for r in v) for v in gate_chunk_failures.values())
    out["duplicates_found_by_the_chunked_gate"] = chunk_dups
    print(f"  the gate in {len(chunks)} chunks found {chunk_dups:,} later occurrences of a listing (duplicates)")
    out["agreement"] = agree
    out["failing_records"] = len(plain_failures)
    out["reasons"] = dict(Counter(r for rs in plain_failures.values() for r in rs).most_common())

    loop_rate = len(sample) / t_loop
    table = [
        ("plain pandas/numpy, whole frame (reference)", t_plain, n, runs_plain),
        ("gate (GE + custom expectations), whole frame", t_gate, n, runs_gate),
        (f"plain pandas/numpy, {len(chunks)} chunks of {size:,}", t_plain_chunks, n, runs_plain_chunks),
        (f"gate, {len(chunks)} chunks of {size:,} (as the pipeline)", t_gate_chunks, n, runs_gate_chunks),
        (f"row-by-row loop, {len(sample):,} rows, extrapolated", n / loop_rate, n, [t_loop]),
    ]
    pipeline_shaped = [
        (
            f"plain, chunks of {small:,}, {len(head):,} rows, extrapolated",
            t_plain_small * n / len(head),
            n,
            runs_plain_small,
        ),
        (
            f"gate, chunks of {small:,}, {len(head):,} rows, extrapolated",
            t_gate_small * n / len(head),
            n,
            runs_gate_small,
        ),
    ]
    cpu = platform.processor() or platform.machine()
    print(
        f"\n{n:,} rows, {len(SUITE_SHAPE)} expectations; Python {platform.python_version()}, pandas {pd.__version__}, "
        f"numpy {np.__version__}, great_expectations {gx.__version__}; {os.cpu_count()} CPUs ({cpu})"
    )
    print(
        "load average (1, 5, 15 min) at start {:.2f} {:.2f} {:.2f}, after the checks {:.2f} {:.2f} {:.2f}".format(
            *load_start, *load_end
        )
    )
    print(f"\n{'path':<52} {'seconds':>9} {'rows/s':>12} {'vs plain':>9}")
    rows_out = []
    for name, seconds, rows, runs in table:
        print(f"{name:<52} {seconds:>9.3f} {rows / seconds:>12,.0f} {seconds / t_plain:>8.2f}x")
        rows_out.append({"path": name, "seconds": seconds, "rows_per_second": rows / seconds, "runs": runs})
        rows_out[-1]["vs_plain"] = seconds / t_plain
    print(f"(the loop checked {len(sample):,} rows in {t_loop:.2f} s; its {n:,}-row figure is extrapolated from that)")
    print(
        f"\nat the pipeline's chunk size (HUB_CHUNK_SIZE {small:,}): {len(small_chunks)} checks of the first "
        f"{len(head):,} rows"
    )
    for name, seconds, rows, runs in pipeline_shaped:
        print(f"{name:<52} {seconds:>9.3f} {rows / seconds:>12,.0f} {seconds / t_plain:>8.2f}x")
        rows_out.append({"path": name, "seconds": seconds, "rows_per_second": rows / seconds, "runs": runs})
        rows_out[-1]["vs_plain"] = seconds / t_plain
    per_check = (t_gate_small - t_plain_small) / len(small_chunks)
    print(f"(the gate costs {per_check * 1000:.0f} ms more than plain per {small:,}-row check)")
    out["gate_extra_seconds_per_small_check"] = per_check
    print("\nstart-up (seconds)")
    keys = (
        "import_pandas_numpy",
        "import_great_expectations",
        "import_hub_expectations",
        "import_hub_gate",
        "ephemeral_context",
    )
    for key in (*keys, "quality_gate"):
        values = [run[key] for run in cold]
        print(
            f"  {key:<28} fresh interpreter: first {values[0]:.3f}, median {statistics.median(values):.3f}"
            + (f"   this process: {here[key]:.3f}" if key in here else "")
        )
    for key in ("first_check_1000_rows", "second_check_1000_rows", "plain_first_1000_rows"):
        print(f"  {key:<28} this process: {here[key]:.3f}")
    out["table"] = rows_out
    out["loop_sample_rows"], out["loop_sample_seconds"] = len(sample), t_loop

    targets = {
        "gate_whole_within_2x_plain": t_gate <= TARGET_VS_PLAIN * t_plain,
        "gate_chunks_within_2x_plain_chunks": t_gate_chunks <= TARGET_VS_PLAIN * t_plain_chunks,
        "gate_whole_20x_loop": n / t_gate >= TARGET_VS_LOOP * loop_rate,
        "gate_chunks_20x_loop": n / t_gate_chunks >= TARGET_VS_LOOP * loop_rate,
        "gate_pipeline_chunk_size_within_2x_plain": t_gate_small <= TARGET_VS_PLAIN * t_plain_small,
    }
    print()
    print(
        f"{'PASS' if targets['gate_whole_within_2x_plain'] else 'FAIL'}: gate within {TARGET_VS_PLAIN:g}x of plain "
        f"(whole frame): {t_gate / t_plain:.2f}x"
    )
    print(
        f"{'PASS' if targets['gate_chunks_within_2x_plain_chunks'] else 'FAIL'}: gate within {TARGET_VS_PLAIN:g}x of "
        f"plain ({len(chunks)} chunks, as the pipeline): {t_gate_chunks / t_plain_chunks:.2f}x"
    )
    print(
        f"{'PASS' if targets['gate_pipeline_chunk_size_within_2x_plain'] else 'FAIL'}: gate within "
        f"{TARGET_VS_PLAIN:g}x of plain (chunks of {small:,}, the pipeline's HUB_CHUNK_SIZE): "
        f"{t_gate_small / t_plain_small:.2f}x"
    )
    print(
        f"{'PASS' if targets['gate_whole_20x_loop'] else 'FAIL'}: gate at least {TARGET_VS_LOOP:g}x the loop's rows/s "
        f"(whole frame): {n / t_gate / loop_rate:.1f}x"
    )
    print(
        f"{'PASS' if targets['gate_chunks_20x_loop'] else 'FAIL'}: gate at least {TARGET_VS_LOOP:g}x the loop's "
        f"rows/s ({len(chunks)} chunks): {n / t_gate_chunks / loop_rate:.1f}x"
    )
    out["targets"] = targets
    out["measured"] = {  # which gate and custom expectations ran (the working tree may differ from HEAD)
        "git_head": _git_head(),
        "sha256": {str(f.relative_to(PROJECT_ROOT)): _sha256(f) for f in measured_sources()},
    }
    out["machine"] = {
        "python": platform.python_version(),
        "pandas": pd.__version__,
        "numpy": np.__version__,
        "great_expectations": gx.__version__,
        "cpus": os.cpu_count(),
        "platform": platform.platform(),
        "load_average_start": load_start,
        "load_average_end": load_end,
    }
    missed = not all(ok for name, ok in targets.items() if "2x" in name)
    if args.profile or (missed and not args.no_profile):
        out["profile"] = profile_gate(
            "one whole-frame check", lambda: gate_batch(gate, [frame]), RESULTS_DIR / f"gate-{stamp}-whole.prof", top=25
        )
        out["profile_pipeline_chunk_size"] = profile_gate(
            f"{len(small_chunks)} checks of {small:,} rows",
            lambda: gate_batch(small_gate, small_chunks),
            RESULTS_DIR / f"gate-{stamp}-chunks-of-{small}.prof",
            top=25,
        )
        out["breakdown"] = ge_breakdown(gate, frame, t_plain)
    path = RESULTS_DIR / f"gate-{stamp}.json"
    path.write_text(json.dumps(out, indent=2, ensure_ascii=False, default=str), encoding="utf-8")
    print(f"\nresults: {path.relative_to(PROJECT_ROOT)}")
    if not all(a["agree"] for a in agree.values()):
        print("FAIL: the paths do not flag the same rows for the same reasons (see above)", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
