"""Locate benchmark: N debtor-locate requests to the sandbox public-security SOAP service on loopback.

    .venv/bin/python bench/soap_locate.py --records 10000 [--repeat 3]

The server runs in a child process (so the client's CPU is measured alone, and the server's CPU is the
child's); each run gets a fresh service. Paths, all submit + fetch by ticket until complete:

* ``hub``: the hub's transport (:class:`connectors.soap.SoapPartner`: one zeep client, WSDL cached,
  compiled encoder/decoder, hardened parser + XSD validation, keep-alive session) with the flow's mapping
  applied to each chunk (``mappings/public_security.yaml``), one ``SubmitLocateBatch`` per chunk of
  ``--chunk`` requests, then ``FetchLocateResults`` per ticket; every answer is read into dicts. As the
  product runs: chunk n+1 is mapped while chunk n is submitted (``run_outbound``'s writer thread), and
  tickets are fetched ``--hub-in-flight`` at a time (``collect`` fetches up to the client's pool size, 4).
* ``raw``: the reference: prebuilt envelopes for the same chunks POSTed over one keep-alive
  ``http.client`` connection; responses are read, not parsed.
* ``naive zeep``: one call per record with a new zeep client per call (measured on ``--naive-sample``
  records and reported as a rate).

hub and raw run ``--repeat`` times each, alternating (the machine is shared: a load change hits both);
the table gives the median run of each, the ratio is of the medians (best runs in brackets).
Results also go to ``bench/results/soap_locate-<time>.json``.

Targets (issue): hub ≥ 0.8 × raw records/s, hub ≥ 10 × naive; the per-record client CPU of the hub path.
"""

from __future__ import annotations

import argparse
import http.client
import json
import multiprocessing
import os
import sys
import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pandas as pd

from connectors.soap import SoapPartner, SoapSettings
from hub.mapping import load_mapping, to_python_rows
from hub.public_security.flows import BINDING
from hub.public_security.transport import contract_wsdl
from hub.settings import PROJECT_ROOT
from sandbox.public_security.service import NS, SOAP_ENV


def _serve(ready, stop) -> None:
    from sandbox.public_security import PublicSecurityService, start

    running = start(PublicSecurityService(seed=7, delay_fetches=1))
    serving = time.process_time()
    ready.put(running.url)
    stop.wait()
    ready.put(time.process_time() - serving)  # CPU while serving: start-up and imports left out
    running.stop()


class Server:
    """The sandbox in a child process; ``cpu``: its CPU seconds while serving (after start-up)."""

    def __enter__(self) -> str:
        context = multiprocessing.get_context("spawn")
        self.ready, self.stop = context.Queue(), context.Event()
        self.process = context.Process(target=_serve, args=(self.ready, self.stop), daemon=True)
        self.process.start()
        return self.ready.get(timeout=60)

    def __exit__(self, *exc) -> None:
        self.stop.set()
        self.cpu = self.ready.get(timeout=30)
        self.process.join(timeout=10)


def canonical(n: int, offset: int = 0) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "request_id": range(offset + 1, offset + n + 1),
            "version": 1,
            "party_name": "张三",
            "id_type": "RIC",
            "id_number": "640104199001011234",
            "case_no": "（2019）宁0104执123号",
            "court_code": "宁0104",
        }
    )


def hub_path(url: str, frame: pd.DataFrame, chunk: int, in_flight: int = 1) -> tuple[float, float]:
    target = load_mapping(PROJECT_ROOT / "mappings" / "public_security.yaml").target("locate_request")
    settings = SoapSettings("public_security", url, str(contract_wsdl()), BINDING, read_timeout=120, pool_size=4)
    partner = SoapPartner(settings)
    partner.service  # noqa: B018  (load the WSDL before timing, as a long-lived worker has)

    def prepare(start: int) -> list[dict]:
        mapped, _errors = target.apply(frame.iloc[start : start + chunk])
        return [{k: str(v) for k, v in row.items() if k != target.version} for row in to_python_rows(mapped)]

    def submit(start: int, rows: list[dict]) -> str:
        return partner.call("SubmitLocateBatch", batchId=f"hub-{start}", request=rows)["ticketId"]

    def fetch(ticket: str) -> int:
        while True:
            answer = partner.call("FetchLocateResults", ticketId=ticket)
            if answer["complete"]:
                return len(answer["result"] or [])

    wall, cpu = time.perf_counter(), time.process_time()
    tickets: list[str] = []
    # As hub.pipeline.run_outbound does: chunk n+1 is mapped while a writer thread submits chunk n (one call at
    # a time); then, as hub.public_security.results.collect does, tickets are fetched ``in_flight`` at a time.
    with ThreadPoolExecutor(1) as writer:
        submitting = None
        for start in range(0, len(frame), chunk):
            rows = prepare(start)
            if submitting is not None:
                tickets.append(submitting.result())
            submitting = writer.submit(submit, start, rows)
        tickets.append(submitting.result())
    loaded = sum(_each(fetch, tickets, in_flight))
    assert loaded == len(frame), (loaded, len(frame))
    return time.perf_counter() - wall, time.process_time() - cpu


def _each(function, items, in_flight: int) -> list:
    """``function`` over ``items`` in order; with ``in_flight`` > 1 that many calls at a time (threads)."""
    if in_flight == 1:
        return [function(item) for item in items]
    with ThreadPoolExecutor(in_flight) as pool:
        return list(pool.map(function, items))


def _envelope(body: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="{SOAP_ENV}" xmlns:ps="{NS}">'
        f"<soap:Body>{body}</soap:Body></soap:Envelope>"
    ).encode()


def raw_path(url: str, frame: pd.DataFrame, chunk: int, in_flight: int = 1) -> tuple[float, float]:
    from urllib.parse import urlsplit

    parts = urlsplit(url)
    envelopes = []
    for start in range(0, len(frame), chunk):
        requests = "".join(
            f"<ps:request><ps:requestId>{r.request_id}</ps:requestId><ps:name>{r.party_name}</ps:name>"
            f"<ps:idType>01</ps:idType><ps:idNumber>{r.id_number}</ps:idNumber><ps:caseNo>{r.case_no}</ps:caseNo>"
            f"<ps:courtCode>{r.court_code}</ps:courtCode></ps:request>"
            for r in frame.iloc[start : start + chunk].itertuples()
        )
        envelopes.append(
            _envelope(f"<ps:SubmitLocateBatch><ps:batchId>raw-{start}</ps:batchId>{requests}</ps:SubmitLocateBatch>")
        )
    headers = {"Content-Type": "text/xml; charset=utf-8"}
    local, connections = threading.local(), []

    def post(body: bytes) -> bytes:  # one keep-alive connection per call in flight
        connection = getattr(local, "connection", None)
        if connection is None:
            connection = local.connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
            connections.append(connection)
        connection.request("POST", parts.path, body, headers)
        return connection.getresponse().read()

    def submit(envelope: bytes) -> str:
        return post(envelope).split(b"ticketId>", 1)[1].split(b"<", 1)[0].decode()

    def fetch(ticket: str) -> None:
        body = _envelope(f"<ps:FetchLocateResults><ps:ticketId>{ticket}</ps:ticketId></ps:FetchLocateResults>")
        while b"complete>true<" not in post(body):
            pass

    wall, cpu = time.perf_counter(), time.process_time()
    tickets = _each(submit, envelopes, in_flight)
    _each(fetch, tickets, in_flight)
    for connection in connections:
        connection.close()
    return time.perf_counter() - wall, time.process_time() - cpu


def naive_path(url: str, frame: pd.DataFrame) -> tuple[float, float]:
    from zeep import Client

    wall, cpu = time.perf_counter(), time.process_time()
    for row in frame.itertuples():
        client = Client(url + "?wsdl")
        request = {"requestId": str(row.request_id), "name": row.party_name, "idType": "01",
                   "idNumber": row.id_number, "caseNo": row.case_no, "courtCode": row.court_code}  # fmt: skip
        ticket = client.service.SubmitLocateBatch(batchId=f"naive-{row.request_id}", request=[request]).ticketId
        while not Client(url + "?wsdl").service.FetchLocateResults(ticketId=ticket).complete:
            pass
    return time.perf_counter() - wall, time.process_time() - cpu


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=10_000)
    parser.add_argument("--chunk", type=int, default=1000)
    parser.add_argument("--repeat", type=int, default=3, help="runs of hub and of raw, alternating")
    parser.add_argument("--naive-sample", type=int, default=200)
    parser.add_argument(
        "--in-flight", type=int, default=1, help="calls at a time for hub and raw alike (default 1: one connection)"
    )
    parser.add_argument(
        "--hub-in-flight", type=int, default=None,
        help="fetches at a time for the hub only (default: --in-flight). The issue's reference is raw POSTs over one "
        "keep-alive connection; the hub's collect task fetches up to its client's pool_size (4) tickets at once, and "
        "its submits are one at a time, overlapped with mapping the next chunk",
    )  # fmt: skip
    args = parser.parse_args()
    hub_in_flight = args.hub_in_flight or args.in_flight
    frame = canonical(args.records)
    load_before = os.getloadavg()
    runs: dict[str, list[dict]] = {"hub": [], "raw": []}
    paths = {"hub": hub_path, "raw": raw_path}
    for n in range(args.repeat):
        for name in ("hub", "raw") if n % 2 == 0 else ("raw", "hub"):
            server = Server()
            with server as url:
                wall, cpu = paths[name](url, frame, args.chunk, hub_in_flight if name == "hub" else args.in_flight)
            runs[name].append({"seconds": wall, "client_cpu": cpu, "server_cpu": server.cpu})
    naive = []
    if args.naive_sample:
        server = Server()
        with server as url:
            wall, cpu = naive_path(url, canonical(args.naive_sample))
        naive.append({"seconds": wall, "client_cpu": cpu, "server_cpu": server.cpu})
    load_after = os.getloadavg()
    counts = {"hub": args.records, "raw": args.records, "naive zeep": args.naive_sample}
    table = {"hub": runs["hub"], "raw": runs["raw"], **({"naive zeep": naive} if naive else {})}
    median = {name: _median(rs) for name, rs in table.items()}
    rate = {name: counts[name] / run["seconds"] for name, run in median.items()}
    best = {name: counts[name] / min(r["seconds"] for r in rs) for name, rs in table.items()}
    print(
        f"{args.records} locate requests (submit + fetch until complete), chunks of {args.chunk}, loopback HTTP; "
        f"calls in flight: hub {hub_in_flight}, raw {args.in_flight}; median of {args.repeat} alternating runs; "
        f"load average {load_before[0]:.1f} → {load_after[0]:.1f}"
    )
    print(f"{'path':<12} {'records':>8} {'seconds':>9} {'records/s':>11} {'best rec/s':>11} "
          f"{'client CPU µs/record':>21} {'server CPU s':>13}")  # fmt: skip
    for name, run in median.items():
        print(f"{name:<12} {counts[name]:>8} {run['seconds']:>9.2f} {rate[name]:>11.0f} {best[name]:>11.0f} "
              f"{run['client_cpu'] / counts[name] * 1e6:>21.0f} {run['server_cpu']:>13.2f}")  # fmt: skip
    print(f"hub / raw   = {rate['hub'] / rate['raw']:.2f} (best runs {best['hub'] / best['raw']:.2f})  (target ≥ 0.8)")
    if naive:
        print(f"hub / naive = {rate['hub'] / rate['naive zeep']:.1f}  (target ≥ 10)")
    results = PROJECT_ROOT / "bench" / "results"
    results.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    record = {"records": args.records, "chunk": args.chunk, "repeat": args.repeat, "in_flight": args.in_flight,
              "hub_in_flight": hub_in_flight,
              "load_before": load_before, "load_after": load_after, "runs": table, "median_rate": rate,
              "best_rate": best}  # fmt: skip
    (results / f"soap_locate-{stamp}.json").write_text(json.dumps(record, indent=2))


def _median(runs: list[dict]) -> dict:
    """The run with the median time (the lower middle one for an even count)."""
    return sorted(runs, key=lambda run: run["seconds"])[(len(runs) - 1) // 2]


if __name__ == "__main__":
    main()
