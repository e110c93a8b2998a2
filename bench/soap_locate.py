"""Locate benchmark: N debtor-locate requests to the sandbox public-security SOAP service on loopback.

    .venv/bin/python bench/soap_locate.py --records 10000

The server runs in a child process (so the client's CPU is measured alone); each path gets a fresh
service. Three paths, all submit + fetch by ticket until complete, printed side by side:

* ``hub``: the hub's transport (:class:`connectors.soap.SoapPartner`: one zeep client, WSDL cached,
  hardened parser, keep-alive session) with the flow's mapping applied to each chunk
  (``mappings/public_security.yaml``), one ``SubmitLocateBatch`` per chunk of ``--chunk`` requests.
* ``raw``: the reference: prebuilt envelopes for the same chunks POSTed over one keep-alive
  ``http.client`` connection; responses are read, not parsed.
* ``naive zeep``: one call per record with a new zeep client per call (measured on ``--naive-sample``
  records and reported as a rate).

Targets (issue): hub ≥ 0.8 × raw records/s, hub ≥ 10 × naive; the per-record client CPU of the hub path.
"""

from __future__ import annotations

import argparse
import http.client
import multiprocessing
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import pandas as pd

from connectors.soap import SoapPartner, SoapSettings
from hub.mapping import load_mapping, to_python_rows
from hub.public_security.flows import BINDING
from hub.public_security.transport import CONTRACT_WSDL
from hub.settings import PROJECT_ROOT
from sandbox.public_security.service import NS, SOAP_ENV


def _serve(ready, stop) -> None:
    from sandbox.public_security import PublicSecurityService, start

    running = start(PublicSecurityService(seed=7, delay_fetches=1))
    ready.put(running.url)
    stop.wait()
    running.stop()


class Server:
    def __enter__(self) -> str:
        context = multiprocessing.get_context("spawn")
        ready, self.stop = context.Queue(), context.Event()
        self.process = context.Process(target=_serve, args=(ready, self.stop), daemon=True)
        self.process.start()
        return ready.get(timeout=60)

    def __exit__(self, *exc) -> None:
        self.stop.set()
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


def hub_path(url: str, frame: pd.DataFrame, chunk: int) -> tuple[float, float]:
    target = load_mapping(PROJECT_ROOT / "mappings" / "public_security.yaml").target("locate_request")
    partner = SoapPartner(SoapSettings("public_security", url, str(CONTRACT_WSDL), BINDING, read_timeout=120))
    partner.service  # noqa: B018  (load the WSDL before timing, as a long-lived worker has)
    wall, cpu = time.perf_counter(), time.process_time()
    tickets = []
    for start in range(0, len(frame), chunk):
        mapped, _errors = target.apply(frame.iloc[start : start + chunk])
        rows = [{k: str(v) for k, v in row.items() if k != target.version} for row in to_python_rows(mapped)]
        answer = partner.call("SubmitLocateBatch", batchId=f"hub-{start}", request=rows)
        tickets.append(answer["ticketId"])
    loaded = 0
    for ticket in tickets:
        while True:
            answer = partner.call("FetchLocateResults", ticketId=ticket)
            if answer["complete"]:
                loaded += len(answer["result"] or [])
                break
    assert loaded == len(frame), (loaded, len(frame))
    return time.perf_counter() - wall, time.process_time() - cpu


def _envelope(body: str) -> bytes:
    return (
        f'<?xml version="1.0" encoding="utf-8"?><soap:Envelope xmlns:soap="{SOAP_ENV}" xmlns:ps="{NS}">'
        f"<soap:Body>{body}</soap:Body></soap:Envelope>"
    ).encode()


def raw_path(url: str, frame: pd.DataFrame, chunk: int) -> tuple[float, float]:
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
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=120)
    headers = {"Content-Type": "text/xml; charset=utf-8"}
    wall, cpu = time.perf_counter(), time.process_time()
    tickets = []
    for envelope in envelopes:
        connection.request("POST", parts.path, envelope, headers)
        body = connection.getresponse().read()
        tickets.append(body.split(b"ticketId>", 1)[1].split(b"<", 1)[0].decode())
    for ticket in tickets:
        fetch = _envelope(f"<ps:FetchLocateResults><ps:ticketId>{ticket}</ps:ticketId></ps:FetchLocateResults>")
        while True:
            connection.request("POST", parts.path, fetch, headers)
            if b"complete>true<" in connection.getresponse().read():
                break
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
    parser.add_argument("--naive-sample", type=int, default=200)
    args = parser.parse_args()
    frame = canonical(args.records)
    results = {}
    with Server() as url:
        results["hub"] = hub_path(url, frame, args.chunk)
    with Server() as url:
        results["raw"] = raw_path(url, frame, args.chunk)
    with Server() as url:
        results["naive zeep"] = naive_path(url, canonical(args.naive_sample))
    counts = {"hub": args.records, "raw": args.records, "naive zeep": args.naive_sample}
    rates = {name: counts[name] / wall for name, (wall, _cpu) in results.items()}
    print(f"{args.records} locate requests (submit + fetch until complete), chunks of {args.chunk}, loopback HTTP")
    print(f"{'path':<12} {'records':>8} {'seconds':>9} {'records/s':>11} {'client CPU µs/record':>22}")
    for name, (wall, cpu) in results.items():
        print(f"{name:<12} {counts[name]:>8} {wall:>9.2f} {rates[name]:>11.0f} {cpu / counts[name] * 1e6:>22.0f}")
    print(f"hub / raw   = {rates['hub'] / rates['raw']:.2f}  (target ≥ 0.8)")
    print(f"hub / naive = {rates['hub'] / rates['naive zeep']:.1f}  (target ≥ 10)")


if __name__ == "__main__":
    main()
