"""SFTP bank-exchange benchmark: build, seal and upload a request file of N records; download, verify, open
and parse a response of N records; against a real OpenSSH sshd on loopback (started here, own config).

    .venv/bin/python bench/sftp_transfer.py --records 1000000

Printed beside the hub's figures, measured in the same run on the same bytes (hub and OpenSSH alternate,
``--repeat`` times each (3), after an ``os.sync()`` so that neither pays for the other's writeback; the best
time of each counts and every time is kept in the results):

* OpenSSH's own ``sftp`` client (``put``/``get`` in batch mode): the reference; target: the hub's transfer
  within 1.2× of its time in both directions;
* Airflow's ``SFTPHook.store_file``/``retrieve_file`` with its defaults (what a user would pick instead;
  needs ``bench/requirements-bench.txt``; skipped with a note when absent); target: the hub ≥ 5× faster.

Also: file build and parse rates (target ≥ 200,000 records/s; ``build`` writes the plaintext file record
by record through the layout writer, ``parse`` reads the plaintext response through the layout reader,
``open_parse`` adds verifying and decrypting the sealed file first) and the process's peak RSS after each
phase, which stays flat in file size because every phase streams (compare two sizes: ``--records 100000``
and ``--records 1000000``). The load average at start and end is recorded: the machine may be shared.
Results go to stdout and to ``bench/results/sftp_transfer_<N>_<time>.json``.
"""

from __future__ import annotations

import argparse
import gc
import json
import os
import platform
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_ROOT))
os.environ.setdefault("GX_ANALYTICS_ENABLED", "False")

from connectors.sftp import SftpLink  # noqa: E402
from hub.filelayout import load_layouts  # noqa: E402
from hub.sealing import Party, open_sealed, seal  # noqa: E402
from tests.sftp_fixtures import running_sshd  # noqa: E402

MB = 1024 * 1024


#: Bank A's field names → another dialect's, so that ``--bank bank_b`` builds and parses the same records.
RENAMES = {
    "bank_b": {"JE": "DJXE", "KSRQ": "DJKSRQ", "JSRQ": "DJJSRQ", "JGBH": "FKBH", "JGLX": "FKLX", "CLJG": "ZXJG",
               "YE": "ZHYE", "YDJJE": "ZXDJJE", "YDJJG": "ZXDJJG"},
}  # fmt: skip


def _renamed(base: dict, bank: str) -> dict:
    renames = RENAMES.get(bank, {})
    return {renames.get(key, key): value for key, value in base.items()}


def request_records(n: int, bank: str = "bank_a"):
    base = _renamed({
        "BDHM": "", "BBH": 1, "KZLX": "02", "XM": "张三丰", "ZJLX": "01", "DSRZJHM": "640104199001011234",
        "AH": "（2026）宁0104执123号", "FYDM": "宁0104", "CBR": "李四", "GZZBH": "GZ000123", "GWZBH": "GW000123",
        "KHZH": "6222020200112233445", "JE": "50000.00", "KSRQ": "20261127", "JSRQ": "20271126",
    }, bank)  # fmt: skip
    for i in range(n):
        base["BDHM"] = str(10_000_000 + i)
        yield base


def response_records(n: int, bank: str = "bank_a"):
    base = _renamed({
        "JGBH": "", "BDHM": "", "JGLX": "2", "CLJG": "1", "KHZH": "6222020200112233445", "KHWDDM": "640104001",
        "ZHZT": "0", "YE": "12345.67", "KYYE": "12345.67", "BZ": "CNY", "KZNR": "1", "DJXE": "50000.00",
        "SKJE": "12345.67", "WNKZYY": "余额不足，部分冻结", "YDJJE": None, "YDJJG": None,
    }, bank)  # fmt: skip
    key = "FKBH" if "FKBH" in base else "JGBH"
    for i in range(n):
        base[key] = f"A{i:018d}"
        base["BDHM"] = str(10_000_000 + i)
        yield base


CPU_SECONDS: dict[str, float] = {}  # this process's CPU time per phase: read beside wall time on a shared box


def timed(function, *args, **kwargs):
    """Run and time one phase; return (result, seconds, this process's peak RSS in bytes so far)."""
    gc.collect()
    start, cpu = time.perf_counter(), time.process_time()
    result = function(*args, **kwargs)
    elapsed = time.perf_counter() - start
    CPU_SECONDS[getattr(function, "__name__", "?")] = time.process_time() - cpu
    return result, elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


def build(layout, path: Path, records, header: dict) -> int:
    with open(path, "wb") as handle, layout.writer(handle, name=path.name, header=header) as writer:
        for record in records:
            writer.write(record)
    return writer.count


def parse(layout, blocks, name: str) -> int:
    reader = layout.read_blocks(blocks, name)
    for _record in reader:
        pass
    return reader.count


def openssh(sshd, batch: str) -> float:
    known = Path(sshd.client_key_path).with_name("known_hosts_bench")
    known.write_text(f"[{sshd.host}]:{sshd.port} {sshd.host_key_line}\n")
    command = [
        "sftp", "-q", "-b", "-", "-i", str(sshd.client_key_path), "-P", str(sshd.port),
        "-o", f"UserKnownHostsFile={known}", "-o", "StrictHostKeyChecking=yes", "-o", "BatchMode=yes",
        f"{sshd.user}@{sshd.host}",
    ]  # fmt: skip
    start = time.perf_counter()
    subprocess.run(command, input=batch, text=True, check=True, capture_output=True)
    return time.perf_counter() - start


def sftphook(sshd, direction: str, remote: str, local: Path) -> tuple[float | None, str]:
    try:
        from airflow.providers.sftp.hooks.sftp import SFTPHook
    except ImportError as exc:
        return None, f"SFTPHook unavailable ({exc}); install bench/requirements-bench.txt"
    os.environ["AIRFLOW_CONN_BENCH_SFTP"] = json.dumps(
        {"conn_type": "sftp", "host": sshd.host, "port": sshd.port, "login": sshd.user,
         "extra": {"key_file": str(sshd.client_key_path), "no_host_key_check": True}}
    )  # fmt: skip
    hook = SFTPHook(ssh_conn_id="bench_sftp")
    start = time.perf_counter()
    if direction == "up":
        hook.store_file(remote, str(local))
    else:
        hook.retrieve_file(remote, str(local))
    elapsed = time.perf_counter() - start
    hook.close_conn()
    return elapsed, "defaults"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--records", type=int, default=1_000_000)
    parser.add_argument("--bank", default="bank_a")
    parser.add_argument("--repeat", type=int, default=3, help="transfers per direction and client (best counts)")
    args = parser.parse_args()
    n = args.records
    layouts = load_layouts(PROJECT_ROOT / "mappings" / f"{args.bank}.yaml")
    court, bank = Party.generate(), Party.generate()
    work = Path(tempfile.mkdtemp(prefix="bench-sftp-"))
    out: dict = {"records": n, "bank": args.bank, "python": platform.python_version(), "cpus": os.cpu_count(),
                 "load_average_start": [round(x, 2) for x in os.getloadavg()]}  # fmt: skip
    try:
        with running_sshd(work / "sshd") as sshd:
            files = sshd.files
            # ---- request: build, seal, upload ----
            plain = work / "REQ_bench.dat"
            header = {"WJM": plain.name, "SCSJ": "20261127000000", "FSF": "NXGY"}
            _count, t_build, m_build = timed(build, layouts["request"], plain, request_records(n, args.bank), header)
            sealed = work / "REQ_bench.sealed"
            with open(plain, "rb") as handle:
                chunks = iter(lambda: handle.read(1 << 20), b"")
                _size, t_seal, m_seal = timed(
                    seal, chunks, sealed, file_name=plain.name, sender=court.sign_private, recipient=bank.box_public
                )
            size = sealed.stat().st_size
            hub_ups, ssh_ups = [], []
            with SftpLink(sshd.settings()) as link:
                for _round in range(args.repeat):  # alternating, each after a sync: neither inherits writeback
                    os.sync()
                    _m, seconds, m_up = timed(link.upload, sealed, ".", "REQ_hub.dat")
                    hub_ups.append(seconds)
                    os.sync()
                    ssh_ups.append(openssh(sshd, f"put {sealed} REQ_openssh.dat\n"))
            t_hub_up, t_ssh_up = min(hub_ups), min(ssh_ups)
            # ---- response: build + seal (bank side), download, verify, open, parse ----
            resp_plain = work / "RESP_bench.dat"
            header = {"WJM": "RESP_bench.dat", "QQWJM": "REQ_bench.dat", "SCSJ": "20261127000000"}
            build(layouts["response"], resp_plain, response_records(n, args.bank), header)
            resp_sealed = work / "RESP_bench.sealed"
            with open(resp_plain, "rb") as handle:
                seal(iter(lambda: handle.read(1 << 20), b""), resp_sealed, file_name="RESP_bench.dat",
                     sender=bank.sign_private, recipient=court.box_public)  # fmt: skip
            hub_downs, ssh_downs = [], []
            with SftpLink(sshd.settings()) as link:
                link.upload(resp_sealed, ".", "RESP_bench.dat")
                target = work / "RESP_down.dat"
                for _round in range(args.repeat):
                    os.sync()
                    _m, seconds, m_down = timed(link.download, ".", "RESP_bench.dat", target)
                    hub_downs.append(seconds)
                    os.sync()
                    ssh_downs.append(openssh(sshd, f"get RESP_bench.dat {work / 'RESP_openssh.dat'}\n"))
            t_hub_down, t_ssh_down = min(hub_downs), min(ssh_downs)
            resp_size = target.stat().st_size

            def open_and_parse():
                blocks = open_sealed(target, sender_public=bank.verify_public, recipient_private=court.box_private,
                                     expected_name="RESP_bench.dat")  # fmt: skip
                return parse(layouts["response"], blocks, "RESP_bench.dat")

            parsed, t_parse, m_parse = timed(open_and_parse)
            assert parsed == n
            # the layout engine alone, on the same plaintext (from disk): what "parse" means for the target
            with open(resp_plain, "rb") as handle:
                plain_blocks = iter(lambda: handle.read(1 << 20), b"")
                parsed, t_plain_parse, _m = timed(parse, layouts["response"], plain_blocks, "RESP_bench.dat")
            assert parsed == n
            # last: importing Airflow adds ~80 MB to this process, which would hide the hub's own peak RSS
            t_hook_up, hook_note = sftphook(sshd, "up", str(files / "REQ_hook.dat"), sealed)
            t_hook_down, _note = sftphook(sshd, "down", str(files / "RESP_bench.dat"), work / "RESP_hook.dat")
    finally:
        shutil.rmtree(work, ignore_errors=True)

    def rate(seconds: float | None, nbytes: int) -> float | None:
        return None if not seconds else round(nbytes / MB / seconds, 1)

    out.update(
        request_bytes=size, response_bytes=resp_size,
        build_records_per_s=round(n / t_build), build_s=round(t_build, 2), build_peak_rss_mb=round(m_build / MB, 1),
        seal_mb_per_s=rate(t_seal, size), seal_peak_rss_mb=round(m_seal / MB, 1),
        upload={"hub_mb_s": rate(t_hub_up, size), "openssh_mb_s": rate(t_ssh_up, size),
                "sftphook_mb_s": rate(t_hook_up, size), "hub_s": round(t_hub_up, 2), "openssh_s": round(t_ssh_up, 2),
                "sftphook_s": t_hook_up and round(t_hook_up, 2), "hub_vs_openssh_time": round(t_hub_up / t_ssh_up, 2),
                "hub_speedup_vs_sftphook": t_hook_up and round(t_hook_up / t_hub_up, 1),
                "hub_runs_s": [round(x, 2) for x in hub_ups], "openssh_runs_s": [round(x, 2) for x in ssh_ups],
                "peak_rss_mb": round(m_up / MB, 1)},
        download={"hub_mb_s": rate(t_hub_down, resp_size), "openssh_mb_s": rate(t_ssh_down, resp_size),
                  "sftphook_mb_s": rate(t_hook_down, resp_size), "hub_s": round(t_hub_down, 2),
                  "openssh_s": round(t_ssh_down, 2), "sftphook_s": t_hook_down and round(t_hook_down, 2),
                  "hub_vs_openssh_time": round(t_hub_down / t_ssh_down, 2),
                  "hub_speedup_vs_sftphook": t_hook_down and round(t_hook_down / t_hub_down, 1),
                  "hub_runs_s": [round(x, 2) for x in hub_downs],
                  "openssh_runs_s": [round(x, 2) for x in ssh_downs],
                  "peak_rss_mb": round(m_down / MB, 1)},
        parse_records_per_s=round(n / t_plain_parse), parse_s=round(t_plain_parse, 2),
        cpu_s={name: round(seconds, 2) for name, seconds in CPU_SECONDS.items()},
        open_parse_records_per_s=round(n / t_parse), open_parse_s=round(t_parse, 2),
        load_average_end=[round(x, 2) for x in os.getloadavg()],
        open_parse_peak_rss_mb=round(m_parse / MB, 1), sftphook=hook_note,
        targets={"transfer_within_1_2x_openssh": "hub_vs_openssh_time <= 1.2",
                 "vs_sftphook": "hub_speedup_vs_sftphook >= 5",
                 "build_parse": "build_records_per_s and parse_records_per_s >= 200000"},
    )  # fmt: skip
    print(json.dumps(out, indent=2, ensure_ascii=False))
    results = PROJECT_ROOT / "bench" / "results"
    results.mkdir(exist_ok=True)
    stamp = datetime.now().strftime("%Y%m%dT%H%M%S")
    (results / f"sftp_transfer_{n}_{stamp}.json").write_text(json.dumps(out, indent=2, ensure_ascii=False))


if __name__ == "__main__":
    main()
