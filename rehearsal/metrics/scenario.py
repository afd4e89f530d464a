#!/usr/bin/env python3
"""Write a canned rehearsal scenario for the scripted metrics exporter.

The file is replaced atomically (temporary file in the same directory, then
rename), so the exporter, which re-reads it on every scrape, never sees half
of it. Each preset describes two workloads in one namespace: the stable one
(always healthy) and the canary, whose behaviour the preset names:

    healthy   p99 ~25 ms, 99.95 % success
    slow      p99 ~950 ms (10 % of requests at 800 ms), success 99.95 %
    erroring  20 % of responses are 503 (success 80 %), latency healthy
    flat      the canary's series stay but stop growing (rate 0; ratio NaN)
    absent    the canary has no series at all (queries return no result)

Usage::

    scenario.py PRESET OUT_FILE [--namespace NS] [--service NAME]
                [--canary-workload NAME] [--canary-revision REV] [--rps N]
                [--reporter destination|source]
    scenario.py --list

Every series carries `destination_service_namespace` (the namespace) as well; `--reporter
source` labels them as the caller's sidecar reports them, which is what the queries of an
Argo Rollouts canary select (`reporter="source", destination_service_name="<svc>-canary"`).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
from typing import Any

HEALTHY_LATENCY = [{"ms": 20, "share": 0.995}, {"ms": 120, "share": 0.005}]
SLOW_LATENCY = [{"ms": 40, "share": 0.9}, {"ms": 800, "share": 0.1}]

PRESETS: dict[str, dict[str, Any]] = {
    "healthy": {"error_ratio": 0.0005, "latency": HEALTHY_LATENCY},
    "slow": {"error_ratio": 0.0005, "latency": SLOW_LATENCY},
    "erroring": {"error_ratio": 0.2, "latency": HEALTHY_LATENCY},
    "flat": {"error_ratio": 0.0005, "latency": HEALTHY_LATENCY, "traffic": "flat"},
    "absent": {"error_ratio": 0.0005, "latency": HEALTHY_LATENCY, "traffic": "absent"},
}


def workload(namespace: str, name: str, service: str, canonical: str, revision: str,
             rps: float, behaviour: dict[str, Any], reporter: str = "destination") -> dict[str, Any]:
    return {
        "labels": {
            "reporter": reporter,
            "destination_workload": name,
            "destination_workload_namespace": namespace,
            "destination_service_namespace": namespace,
            "destination_service_name": service,
            "destination_canonical_service": canonical,
            "destination_canonical_revision": revision,
        },
        "rps": rps,
        **behaviour,
    }


def build(preset: str, args: argparse.Namespace) -> dict[str, Any]:
    canary = args.canary_workload or f"{args.service}-canary"
    return {
        "preset": preset,
        "workloads": [
            workload(args.namespace, args.service, args.service, args.service,
                     args.stable_revision, args.rps, PRESETS["healthy"], args.reporter),
            workload(args.namespace, canary, canary, args.service,
                     args.canary_revision, args.rps, PRESETS[preset], args.reporter),
        ],
    }


def write_atomically(path: str, document: dict[str, Any]) -> None:
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".scenario.", dir=directory)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            json.dump(document, handle, indent=2)
            handle.write("\n")
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
        raise


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="write a canned exporter scenario")
    parser.add_argument("preset", nargs="?", choices=sorted(PRESETS))
    parser.add_argument("out", nargs="?", help="scenario file to replace ('-': stdout)")
    parser.add_argument("--list", action="store_true", help="list presets and exit")
    parser.add_argument("--namespace", default="shop-prod")
    parser.add_argument("--service", default="my-app")
    parser.add_argument("--canary-workload", default=None, help="default: SERVICE-canary")
    parser.add_argument("--canary-revision", default="canary")
    parser.add_argument("--stable-revision", default="stable")
    parser.add_argument("--rps", type=float, default=50.0, help="requests/s per workload")
    parser.add_argument("--reporter", choices=["destination", "source"], default="destination",
                        help="the reporter label of every series")
    args = parser.parse_args(argv)
    if args.list:
        print("\n".join(sorted(PRESETS)))
        return 0
    if not args.preset or not args.out:
        parser.error("PRESET and OUT_FILE are required")
    document = build(args.preset, args)
    if args.out == "-":
        json.dump(document, sys.stdout, indent=2)
        sys.stdout.write("\n")
    else:
        write_atomically(args.out, document)
    return 0


if __name__ == "__main__":
    sys.exit(main())
