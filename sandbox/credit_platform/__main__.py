"""`python -m sandbox.credit_platform --url URL [--seed S]`: run the platform simulator until stopped."""

from __future__ import annotations

import argparse
import logging
import signal
import threading

from connectors.db import make_engine
from sandbox.credit_platform.simulator import serve


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--url", required=True, help="SQLAlchemy URL of the 前置库")
    parser.add_argument("--seed", type=int, default=2019)
    parser.add_argument("--interval", type=float, default=0.5, help="seconds between polls")
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(asctime)s sandbox credit platform: %(message)s")
    stop = threading.Event()
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    signal.signal(signal.SIGINT, lambda *_: stop.set())
    serve(make_engine(args.url), seed=args.seed, interval=args.interval, stop=stop)


if __name__ == "__main__":
    main()
