"""Validation reports of gate runs: a self-contained HTML page an operator can open, plus JSON figures.

One report per gate run (one batch of one flow), written under ``HUB_REPORTS_DIR/quality/<flow>/``:
``<batch>.html`` and ``<batch>.json``, with ``latest.json`` pointing at the newest. `hub quality report
FLOW` prints the latest figures. The page is plain HTML with no external assets, so it opens from a
file share or an Airflow log link alike.
"""

from __future__ import annotations

import html
import json
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path

from hub.settings import get_settings


@dataclass
class ExpectationFigures:
    expectation: str  # type(column)
    description: str  # the suite's meta.reason
    evaluated: int = 0
    failed: int = 0


@dataclass
class GateRunFigures:
    flow: str
    suite: str
    batch_id: str
    started_at: str
    finished_at: str = ""
    chunks: int = 0
    rows_checked: int = 0
    rows_failed: int = 0
    threshold: float = 0.0
    stopped_by_threshold: bool = False
    expectations: dict[str, ExpectationFigures] = field(default_factory=dict)

    @property
    def failure_rate(self) -> float:
        return self.rows_failed / self.rows_checked if self.rows_checked else 0.0

    def add(self, key: str, description: str, evaluated: int, failed: int) -> None:
        figures = self.expectations.setdefault(key, ExpectationFigures(key, description))
        figures.evaluated += evaluated
        figures.failed += failed


def report_dir(flow: str) -> Path:
    return get_settings().reports_dir / "quality" / flow


def write(figures: GateRunFigures) -> Path:
    """Write the HTML page and JSON figures of one gate run; return the page's path."""
    figures.finished_at = figures.finished_at or datetime.now().isoformat(timespec="seconds")
    folder = report_dir(figures.flow)
    folder.mkdir(parents=True, exist_ok=True)
    data = asdict(figures) | {"failure_rate": figures.failure_rate}
    page = folder / f"{figures.batch_id}.html"
    page.write_text(render_html(figures), encoding="utf-8")
    data["html"] = str(page)
    text = json.dumps(data, ensure_ascii=False, indent=2)
    (folder / f"{figures.batch_id}.json").write_text(text, encoding="utf-8")
    (folder / "latest.json").write_text(text, encoding="utf-8")
    return page


def latest(flow: str) -> dict | None:
    path = report_dir(flow) / "latest.json"
    return json.loads(path.read_text(encoding="utf-8")) if path.exists() else None


def render_html(figures: GateRunFigures) -> str:
    def esc(value: object) -> str:
        return html.escape(str(value))

    rows = []
    for item in sorted(figures.expectations.values(), key=lambda f: (-f.failed, f.expectation)):
        status = "passed" if item.failed == 0 else "failed"
        rows.append(
            f"<tr class='{status}'><td>{esc(item.description)}</td><td><code>{esc(item.expectation)}</code></td>"
            f"<td>{item.evaluated}</td><td>{item.failed}</td><td>{status}</td></tr>"
        )
    verdict = "STOPPED: failure rate above threshold" if figures.stopped_by_threshold else "completed"
    return f"""<!doctype html>
<html lang="zh-CN"><head><meta charset="utf-8">
<title>Quality gate · {esc(figures.flow)} · {esc(figures.batch_id)}</title>
<style>
body {{ font-family: system-ui, sans-serif; margin: 2rem; color: #222; }}
table {{ border-collapse: collapse; width: 100%; }} th, td {{ border: 1px solid #ccc; padding: .4rem .6rem; }}
th {{ background: #f3f3f3; text-align: left; }} tr.failed td {{ background: #fdecea; }}
tr.passed td:last-child {{ color: #1b7e3c; }} tr.failed td:last-child {{ color: #b3261e; font-weight: bold; }}
dl {{ display: grid; grid-template-columns: max-content auto; gap: .2rem 1rem; }}
</style></head><body>
<h1>Quality gate report</h1>
<dl>
<dt>flow</dt><dd>{esc(figures.flow)}</dd><dt>suite</dt><dd>{esc(figures.suite)}</dd>
<dt>batch</dt><dd>{esc(figures.batch_id)}</dd>
<dt>run</dt><dd>{esc(figures.started_at)} → {esc(figures.finished_at)}</dd>
<dt>rows checked</dt><dd>{figures.rows_checked} in {figures.chunks} chunks</dd>
<dt>rows quarantined</dt><dd>{figures.rows_failed} ({figures.failure_rate:.1%}; threshold {figures.threshold:.0%})</dd>
<dt>result</dt><dd>{esc(verdict)}</dd>
</dl>
<h2>Expectations</h2>
<table><thead><tr>
<th>rule</th><th>expectation</th><th>rows evaluated</th><th>rows failing</th><th>status</th>
</tr></thead>
<tbody>{"".join(rows)}</tbody></table>
<p>Failing rows are in quarantine: <code>hub quarantine list --flow {esc(figures.flow)}</code>.</p>
</body></html>
"""
