#!/usr/bin/env python3
"""Run one PromQL instant query against the rehearsal's Prometheus.

Prints one line per result sample, ``VALUE`` (or ``VALUE<TAB>LABELS`` with
``--labels``), and ``empty`` when the result holds no sample. Prometheus
spells a 0/0 ratio ``NaN``, which is printed as is. Exits 1 when the query
fails (HTTP or PromQL error), 0 otherwise.

Usage::

    promq.py [--url URL] [--labels] QUERY

URL defaults to $PROMETHEUS_URL (as written to RUNDIR/prometheus.env).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import urllib.error
import urllib.parse
import urllib.request
from typing import Any


def instant(url: str, query: str, timeout: float = 5.0) -> list[dict[str, Any]]:
    """The samples of an instant query: [{"metric": {...}, "value": [ts, "str"]}]."""
    data = urllib.parse.urlencode({"query": query}).encode()
    request = urllib.request.Request(url.rstrip("/") + "/api/v1/query", data=data)
    try:
        with urllib.request.urlopen(request, timeout=timeout) as response:
            body = json.load(response)
    except urllib.error.HTTPError as exc:
        body = json.load(exc)
    if body.get("status") != "success":
        raise RuntimeError(f"{body.get('errorType')}: {body.get('error')}")
    result = body["data"]["result"]
    if body["data"]["resultType"] == "scalar":
        return [{"metric": {}, "value": result}]
    return list(result)


def values(url: str, query: str) -> list[float]:
    """The result as floats (NaN stays NaN); [] when empty."""
    return [float(sample["value"][1]) for sample in instant(url, query)]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="one PromQL instant query")
    parser.add_argument("query")
    parser.add_argument("--url", default=os.environ.get("PROMETHEUS_URL"))
    parser.add_argument("--labels", action="store_true", help="print labels too")
    args = parser.parse_args(argv)
    if not args.url:
        parser.error("no --url and no PROMETHEUS_URL")
    try:
        samples = instant(args.url, args.query)
    except (OSError, RuntimeError, ValueError) as exc:
        print(f"promq: {exc}", file=sys.stderr)
        return 1
    if not samples:
        print("empty")
    for sample in samples:
        value = sample["value"][1]
        print(f"{value}\t{json.dumps(sample['metric'], sort_keys=True)}" if args.labels else value)
    return 0


if __name__ == "__main__":
    sys.exit(main())
