#!/usr/bin/env python3
"""Drive the scripted exporter through each scenario and check Prometheus' answers.

Run by selftest.sh once the exporter and Prometheus are up. For every
scenario change (healthy -> slow -> healthy -> erroring -> healthy -> flat ->
healthy -> absent -> healthy) it rewrites the scenario file, then polls the
canary-gate queries exactly as Slipway generates them, for each window and
each way of selecting the canary's pods, and records:

* ``crossed``: seconds from the change until the query first says what the
  new scenario says (a gate would now decide the new way), and
* ``settled``: seconds until the value is the new scenario's steady value
  (the window holds only samples from after the change).

It fails when a query never reflects a scenario, or when a steady value is
off. The timing table is printed and written as JSON (``--report``).
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from dataclasses import dataclass
from typing import Callable

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import promq  # noqa: E402
import scenario as presets  # noqa: E402

NAMESPACE = "shop-prod"
SELECTORS: dict[str, str] = {
    "workload": 'destination_workload="my-app-canary"',
    "service_name": 'destination_service_name="my-app-canary"',
    "revision": 'destination_canonical_revision="canary"',
    "canonical": 'destination_canonical_service="my-app", destination_canonical_revision="canary"',
}
RPS = 50.0

Result = list[float]  # [] for an empty result; NaN stays NaN
Check = Callable[[Result], bool]


def p99_query(selector: str, window: str) -> str:
    return (
        "histogram_quantile(0.99, sum by (le) (rate(istio_request_duration_milliseconds_bucket"
        f'{{reporter="destination", destination_workload_namespace="{NAMESPACE}", {selector}}}'
        f"[{window}])))"
    )


def success_query(selector: str, window: str) -> str:
    base = f'reporter="destination", destination_workload_namespace="{NAMESPACE}", {selector}'
    return (
        f'100 * sum(rate(istio_requests_total{{{base}, response_code!~"5.."}}[{window}]))'
        f" / sum(rate(istio_requests_total{{{base}}}[{window}]))"
    )


def rate_query(selector: str, window: str) -> str:
    base = f'reporter="destination", destination_workload_namespace="{NAMESPACE}", {selector}'
    return f"sum(rate(istio_requests_total{{{base}}}[{window}]))"


def one(pred: Callable[[float], bool]) -> Check:
    return lambda r: len(r) == 1 and pred(r[0])


is_nan = one(math.isnan)


def is_empty(r: Result) -> bool:
    return r == []


def near(target: float, tolerance: float) -> Check:
    return one(lambda v: abs(v - target) <= tolerance)


@dataclass(frozen=True)
class Expect:
    """What a query must say under a scenario: `crossed` once it reflects it,
    `settled` once the window holds nothing older than the change."""

    crossed: Check
    settled: Check


HEALTHY_P99 = 10 + 15 * 0.99 / 0.995   # 99.5 % in (10, 25], 0.5 % above: ~24.92
SLOW_P99 = 500 + 500 * 0.09 / 0.10     # 90 % <= 50, 10 % in (500, 1000]: 950
HEALTHY_SUCCESS = 100 * (1 - 0.0005)   # 99.95
ERRORING_SUCCESS = 100 * (1 - 0.2)     # 80

EXPECT: dict[str, dict[str, Expect]] = {
    "healthy": {
        "p99": Expect(one(lambda v: v < 500), near(HEALTHY_P99, 0.5)),
        "success": Expect(one(lambda v: v >= 99.9), near(HEALTHY_SUCCESS, 0.01)),
        "rate": Expect(one(lambda v: v > 0), near(RPS, RPS * 0.02)),
    },
    "slow": {
        "p99": Expect(one(lambda v: v > 500), near(SLOW_P99, 5)),
        "success": Expect(one(lambda v: v >= 99.9), near(HEALTHY_SUCCESS, 0.01)),
        "rate": Expect(one(lambda v: v > 0), near(RPS, RPS * 0.02)),
    },
    "erroring": {
        "p99": Expect(one(lambda v: v < 500), near(HEALTHY_P99, 0.5)),
        "success": Expect(one(lambda v: v < 95), near(ERRORING_SUCCESS, 0.1)),
        "rate": Expect(one(lambda v: v > 0), near(RPS, RPS * 0.02)),
    },
    "flat": {
        "p99": Expect(is_nan, is_nan),
        "success": Expect(is_nan, is_nan),
        "rate": Expect(one(lambda v: v == 0), one(lambda v: v == 0)),
    },
    "absent": {
        "p99": Expect(is_empty, is_empty),
        "success": Expect(is_empty, is_empty),
        "rate": Expect(is_empty, is_empty),
    },
}

QUERIES: dict[str, Callable[[str, str], str]] = {
    "p99": p99_query, "success": success_query, "rate": rate_query,
}


def write_preset(path: str, name: str) -> float:
    """Replace the scenario file; return the change time (the file's mtime)."""
    args = argparse.Namespace(namespace=NAMESPACE, service="my-app", canary_workload=None,
                              canary_revision="canary", stable_revision="stable", rps=RPS)
    presets.write_atomically(path, presets.build(name, args))
    return os.stat(path).st_mtime_ns / 1e9


def show(r: Result) -> str:
    return "empty" if not r else ",".join(f"{v:.4g}" for v in r)


def observe(url: str, scenario_name: str, changed_at: float, windows: list[str],
            timeout: float, poll: float) -> tuple[dict[tuple[str, str, str], dict], list[str]]:
    """Poll every (window, selector, metric) until all have settled or time runs out."""
    expect = EXPECT[scenario_name]
    keys = [(w, s, m) for w in windows for s in SELECTORS for m in QUERIES]
    found: dict[tuple[str, str, str], dict] = {k: {"crossed": None, "settled": None, "last": None}
                                               for k in keys}
    deadline = changed_at + timeout
    while time.time() < deadline:
        for window, sel, metric in keys:
            entry = found[(window, sel, metric)]
            if entry["settled"] is not None:
                continue
            result = promq.values(url, QUERIES[metric](SELECTORS[sel], window))
            now = time.time() - changed_at
            entry["last"] = show(result)
            if entry["crossed"] is None and expect[metric].crossed(result):
                entry["crossed"] = round(now, 2)
            if expect[metric].settled(result):
                entry["settled"] = round(now, 2)
                if entry["crossed"] is None:
                    entry["crossed"] = entry["settled"]
        if all(e["settled"] is not None for e in found.values()):
            break
        time.sleep(poll)
    failures = [
        f"{scenario_name}: {metric} [{window}] by {sel}: "
        f"{'never reflected' if e['crossed'] is None else 'never settled'} (last {e['last']})"
        for (window, sel, metric), e in found.items() if e["settled"] is None
    ]
    return found, failures


def summarise(step: str, found: dict[tuple[str, str, str], dict], windows: list[str]) -> dict:
    """Worst (largest) lag over selectors, per window and metric."""
    out: dict[str, dict] = {}
    for window in windows:
        for metric in QUERIES:
            cells = [e for (w, _, m), e in found.items() if w == window and m == metric]
            crossed = [e["crossed"] for e in cells if e["crossed"] is not None]
            settled = [e["settled"] for e in cells if e["settled"] is not None]
            out.setdefault(window, {})[metric] = {
                "crossed": max(crossed) if len(crossed) == len(cells) else None,
                "settled": max(settled) if len(settled) == len(cells) else None,
            }
    return {"step": step, "lag": out}


STEPS = ["slow", "healthy", "erroring", "healthy", "flat", "healthy", "absent", "healthy"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", default=os.environ.get("PROMETHEUS_URL"))
    parser.add_argument("--scenario", default=os.environ.get("SLIPWAY_METRICS_SCENARIO"))
    parser.add_argument("--windows", default="5s,10s")
    parser.add_argument("--poll", type=float, default=0.2, help="seconds between query rounds")
    parser.add_argument("--report", help="write the lag table here as JSON")
    args = parser.parse_args(argv)
    if not args.url or not args.scenario:
        parser.error("need --url and --scenario (or PROMETHEUS_URL, SLIPWAY_METRICS_SCENARIO)")
    windows = args.windows.split(",")
    longest = max(float(w.rstrip("s")) for w in windows)
    timeout = 3 * longest + 10

    report, failures, passed = [], [], 0
    print(f"selftest: settling on 'healthy' ({windows})", flush=True)
    _, first = observe(args.url, "healthy", write_preset(args.scenario, "healthy"),
                       windows, timeout, args.poll)
    failures += [f"initial {f}" for f in first]
    for index, step in enumerate(STEPS, 1):
        changed_at = write_preset(args.scenario, step)
        found, failed = observe(args.url, step, changed_at, windows, timeout, args.poll)
        prev = STEPS[index - 2] if index > 1 else "healthy"
        entry = summarise(f"{prev} -> {step}", found, windows)
        report.append(entry)
        failures += failed
        passed += sum(1 for e in found.values() if e["settled"] is not None)
        print(f"selftest: {entry['step']:<22} " + "  ".join(
            f"[{w}] " + " ".join(f"{m}={v['crossed']}/{v['settled']}s" for m, v in entry["lag"][w].items())
            for w in windows), flush=True)
    if args.report:
        with open(args.report, "w", encoding="utf-8") as handle:
            json.dump(report, handle, indent=2)
    for failure in failures:
        print(f"selftest: FAIL {failure}", file=sys.stderr)
    print(f"{passed} passed, {len(failures)} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
