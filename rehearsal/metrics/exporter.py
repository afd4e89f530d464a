#!/usr/bin/env python3
"""Scripted Istio request metrics for the canary rehearsal.

Serves `/metrics` on 127.0.0.1 in the Prometheus text format with the two
series families that Slipway's canary gates read, named and labelled as
Istio's standard metrics are:

* ``istio_requests_total`` (counter), and
* ``istio_request_duration_milliseconds`` (histogram: ``_bucket``, ``_sum``,
  ``_count``) with Istio's default millisecond buckets.

What the series say comes from a scenario file (JSON), which is re-read on
every scrape, so a test driver changes behaviour at run time by atomically
replacing the file (write a temporary file, then rename it over). The
format is described in ``rehearsal/README.md`` and by ``parse_scenario``;
in short::

    {"workloads": [{
        "labels": {"destination_workload": "my-app-canary",
                   "destination_workload_namespace": "shop-prod", ...},
        "rps": 50, "error_ratio": 0.001,
        "latency": [{"ms": 20, "share": 0.995}, {"ms": 120, "share": 0.005}],
        "traffic": "on"}]}

Counters grow by rate x elapsed wall-clock time (kept as floats, so that
``rate(...[5s])`` returns exactly the scripted rate). When the file changes
between two scrapes, the interval is split at the file's modification time:
the old behaviour until then, the new one after.

A workload whose ``traffic`` is ``"flat"`` keeps its series but stops
counting (``rate`` is 0, a success ratio is 0/0 = NaN); one whose traffic is
``"absent"``, or that is left out of the file, has no series at all (an
instant query selecting it returns an empty result once Prometheus has marked
the series stale and the query's range no longer holds older samples).

Usage::

    exporter.py --scenario FILE [--port N] [--port-file FILE] [--verbose]

``--port 0`` (the default) lets the kernel choose; the chosen port is written
to ``--port-file`` once the socket is listening.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import signal
import sys
import threading
import time
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

HOST = "127.0.0.1"

# Istio's default buckets for istio_request_duration_milliseconds (+Inf is implicit).
BUCKETS_MS: tuple[float, ...] = (
    0.5, 1, 5, 10, 25, 50, 100, 250, 500, 1000, 2500, 5000, 10000,
    30000, 60000, 300000, 600000, 1800000, 3600000,
)

# Labels every series carries; a workload that does not give one gets "unknown",
# as Istio reports a value it cannot determine.
STANDARD_LABELS: tuple[str, ...] = (
    "reporter",
    "destination_workload",
    "destination_workload_namespace",
    "destination_service_name",
    "destination_canonical_service",
    "destination_canonical_revision",
)

TRAFFIC_MODES = ("on", "flat", "absent")

REQUESTS = "istio_requests_total"
DURATION = "istio_request_duration_milliseconds"


class ScenarioError(ValueError):
    """The scenario file does not describe a valid scenario."""


@dataclass(frozen=True)
class Workload:
    """One destination workload's scripted traffic."""

    labels: tuple[tuple[str, str], ...]
    rps: float
    error_ratio: float
    latency: tuple[tuple[float, float], ...]  # (milliseconds, share), shares sum to 1
    error_latency: tuple[tuple[float, float], ...]
    traffic: str = "on"
    ok_code: str = "200"
    error_code: str = "503"


@dataclass(frozen=True)
class Scenario:
    workloads: tuple[Workload, ...] = ()


def _number(obj: dict[str, Any], key: str, default: float | None, where: str) -> float:
    value = obj.get(key, default)
    if value is None:
        raise ScenarioError(f"{where}: '{key}' is required")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value):
        raise ScenarioError(f"{where}: '{key}' must be a finite number, not {value!r}")
    if value < 0:
        raise ScenarioError(f"{where}: '{key}' must not be negative")
    return float(value)


def parse_latency(raw: Any, where: str) -> tuple[tuple[float, float], ...]:
    """A latency profile: a list of {"ms": X, "share": S}; shares are normalised.

    A bare number means every request takes that long.
    """
    if isinstance(raw, (int, float)) and not isinstance(raw, bool):
        raw = [{"ms": raw}]
    if not isinstance(raw, list) or not raw:
        raise ScenarioError(f"{where}: 'latency' must be a non-empty list of {{ms, share}}")
    points = []
    for i, point in enumerate(raw):
        if not isinstance(point, dict):
            raise ScenarioError(f"{where}: latency[{i}] must be an object")
        points.append((_number(point, "ms", None, f"{where} latency[{i}]"),
                       _number(point, "share", 1.0, f"{where} latency[{i}]")))
    total = sum(share for _, share in points)
    if total <= 0:
        raise ScenarioError(f"{where}: latency shares add up to 0")
    return tuple((ms, share / total) for ms, share in points)


def parse_workload(raw: Any, index: int) -> Workload:
    where = f"workloads[{index}]"
    if not isinstance(raw, dict):
        raise ScenarioError(f"{where} must be an object")
    labels_raw = raw.get("labels", {})
    if not isinstance(labels_raw, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in labels_raw.items()
    ):
        raise ScenarioError(f"{where}: 'labels' must map label names to strings")
    if "response_code" in labels_raw:
        raise ScenarioError(f"{where}: set 'ok_code'/'error_code', not a response_code label")
    labels = {name: "unknown" for name in STANDARD_LABELS}
    labels["reporter"] = "destination"
    labels.update(labels_raw)
    error_ratio = _number(raw, "error_ratio", 0.0, where)
    if error_ratio > 1:
        raise ScenarioError(f"{where}: 'error_ratio' is a fraction between 0 and 1")
    traffic = raw.get("traffic", "on")
    if traffic not in TRAFFIC_MODES:
        raise ScenarioError(f"{where}: 'traffic' must be one of {', '.join(TRAFFIC_MODES)}")
    latency = parse_latency(raw.get("latency", [{"ms": 10}]), where)
    error_latency = (
        parse_latency(raw["error_latency"], where + " error_latency")
        if "error_latency" in raw else latency
    )
    return Workload(
        labels=tuple(sorted(labels.items())),
        rps=_number(raw, "rps", None, where),
        error_ratio=error_ratio,
        latency=latency,
        error_latency=error_latency,
        traffic=traffic,
        ok_code=str(raw.get("ok_code", "200")),
        error_code=str(raw.get("error_code", "503")),
    )


def parse_scenario(raw: Any) -> Scenario:
    """Validate a decoded scenario document."""
    if not isinstance(raw, dict) or not isinstance(raw.get("workloads"), list):
        raise ScenarioError("a scenario is an object with a 'workloads' list")
    workloads = tuple(parse_workload(w, i) for i, w in enumerate(raw["workloads"]))
    keys = [w.labels for w in workloads]
    if len(set(keys)) != len(keys):
        raise ScenarioError("two workloads have the same labels")
    return Scenario(workloads)


class ScenarioFile:
    """The scenario file, re-read when its identity (mtime, size, inode) changes.

    A file that cannot be read or parsed keeps the last good scenario (an
    error is remembered and shown on /scenario), so a non-atomic writer
    causes at most a stale scrape, never a crash.
    """

    def __init__(self, path: str) -> None:
        self.path = path
        self.scenario = Scenario()
        self.changed_at = 0.0  # wall-clock time of the last accepted change
        self.error: str | None = None
        self._identity: tuple[int, int, int] | None = None

    def refresh(self) -> bool:
        """Re-read if the file changed; True when a new scenario was accepted."""
        try:
            st = os.stat(self.path)
        except OSError as exc:
            self.error = f"cannot stat {self.path}: {exc}"
            return False
        identity = (st.st_mtime_ns, st.st_size, st.st_ino)
        if identity == self._identity:
            return False
        try:
            with open(self.path, encoding="utf-8") as handle:
                scenario = parse_scenario(json.load(handle))
        except (OSError, ValueError) as exc:
            self.error = f"{self.path}: {exc}"
            return False
        self._identity = identity
        self.scenario = scenario
        self.changed_at = st.st_mtime_ns / 1e9
        self.error = None
        return True


@dataclass
class SeriesState:
    """Accumulated counts of one (workload, response_code)."""

    count: float = 0.0
    total_ms: float = 0.0
    buckets: list[float] = field(default_factory=lambda: [0.0] * len(BUCKETS_MS))

    def add(self, requests: float, latency: tuple[tuple[float, float], ...]) -> None:
        self.count += requests
        for ms, share in latency:
            n = requests * share
            self.total_ms += n * ms
            for i, bound in enumerate(BUCKETS_MS):
                if ms <= bound:
                    self.buckets[i] += n


SeriesKey = tuple[tuple[tuple[str, str], ...], str]


class Mesh:
    """All counters, advanced in wall-clock time under a lock."""

    def __init__(self, source: ScenarioFile, now: float | None = None) -> None:
        self.source = source
        self.series: dict[SeriesKey, SeriesState] = {}
        self.lock = threading.Lock()
        self.last = time.time() if now is None else now
        source.refresh()

    def _state(self, workload: Workload, code: str) -> SeriesState:
        return self.series.setdefault((workload.labels, code), SeriesState())

    def _advance(self, scenario: Scenario, seconds: float) -> None:
        if seconds <= 0:
            return
        for w in scenario.workloads:
            if w.traffic != "on" or w.rps <= 0:
                continue
            requests = w.rps * seconds
            errors = requests * w.error_ratio
            self._state(w, w.ok_code).add(requests - errors, w.latency)
            if errors > 0:
                self._state(w, w.error_code).add(errors, w.error_latency)

    def tick(self, now: float | None = None) -> Scenario:
        """Bring counters up to `now`, splitting at a scenario change; return the scenario."""
        now = time.time() if now is None else now
        with self.lock:
            old = self.source.scenario
            if self.source.refresh():
                split = min(max(self.source.changed_at, self.last), now)
                self._advance(old, split - self.last)
                self.last = split
            self._advance(self.source.scenario, now - self.last)
            self.last = max(self.last, now)
            return self.source.scenario

    def render(self, now: float | None = None) -> str:
        scenario = self.tick(now)
        with self.lock:
            return render_exposition(scenario, self.series)


def _escape(value: str) -> str:
    return value.replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n")


def _labels_text(pairs: list[tuple[str, str]]) -> str:
    return "{" + ",".join(f'{k}="{_escape(v)}"' for k, v in pairs) + "}"


def _num(value: float) -> str:
    return repr(float(value))


def _exposed_codes(w: Workload, series: dict[SeriesKey, SeriesState]) -> list[str]:
    """The ok code always (a present workload has at least one series), the error
    code once it has been or is being counted."""
    codes = [w.ok_code]
    if w.error_code != w.ok_code and (w.error_ratio > 0 or (w.labels, w.error_code) in series):
        codes.append(w.error_code)
    return codes


def render_exposition(scenario: Scenario, series: dict[SeriesKey, SeriesState]) -> str:
    """The text exposition of every workload that is not absent."""
    requests: list[str] = []
    buckets: list[str] = []
    sums: list[str] = []
    counts: list[str] = []
    for w in scenario.workloads:
        if w.traffic == "absent":
            continue
        for code in _exposed_codes(w, series):
            state = series.get((w.labels, code), SeriesState())
            base = list(w.labels) + [("response_code", code)]
            requests.append(f"{REQUESTS}{_labels_text(base)} {_num(state.count)}")
            for bound, n in zip(BUCKETS_MS, state.buckets):
                le = _labels_text(base + [("le", _num(bound) if bound % 1 else str(int(bound)))])
                buckets.append(f"{DURATION}_bucket{le} {_num(n)}")
            inf = _labels_text(base + [("le", "+Inf")])
            buckets.append(f"{DURATION}_bucket{inf} {_num(state.count)}")
            sums.append(f"{DURATION}_sum{_labels_text(base)} {_num(state.total_ms)}")
            counts.append(f"{DURATION}_count{_labels_text(base)} {_num(state.count)}")
    lines = [
        f"# HELP {REQUESTS} Total requests (scripted by the Slipway rehearsal).",
        f"# TYPE {REQUESTS} counter",
        *requests,
        f"# HELP {DURATION} Request duration in milliseconds (scripted).",
        f"# TYPE {DURATION} histogram",
        *buckets, *sums, *counts,
    ]
    return "\n".join(lines) + "\n"


class Handler(BaseHTTPRequestHandler):
    mesh: Mesh
    verbose = False

    def _send(self, status: int, body: str, content_type: str) -> None:
        data = body.encode("utf-8")
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        path = self.path.split("?", 1)[0]
        if path == "/metrics":
            self._send(200, self.mesh.render(), "text/plain; version=0.0.4; charset=utf-8")
        elif path == "/healthz":
            self._send(200, "ok\n", "text/plain")
        elif path == "/scenario":
            self._send(200, json.dumps(self._describe(), indent=2) + "\n", "application/json")
        else:
            self._send(404, "not found\n", "text/plain")

    def _describe(self) -> dict[str, Any]:
        source = self.mesh.source
        return {
            "path": source.path,
            "error": source.error,
            "changed_at": source.changed_at,
            "workloads": [
                {**dict(w.labels), "rps": w.rps, "error_ratio": w.error_ratio,
                 "traffic": w.traffic, "latency": w.latency}
                for w in source.scenario.workloads
            ],
        }

    def log_message(self, format: str, *args: Any) -> None:  # noqa: A002
        if self.verbose:
            super().log_message(format, *args)


def write_port_file(path: str, port: int) -> None:
    tmp = f"{path}.tmp.{os.getpid()}"
    with open(tmp, "w", encoding="utf-8") as handle:
        handle.write(f"{port}\n")
    os.replace(tmp, path)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scenario", required=True, help="scenario JSON, re-read on every scrape")
    parser.add_argument("--port", type=int, default=0, help="port on 127.0.0.1 (0: any free one)")
    parser.add_argument("--port-file", help="write the listening port here")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)

    source = ScenarioFile(args.scenario)
    Handler.mesh = Mesh(source)
    Handler.verbose = args.verbose
    if source.error:
        print(f"exporter: warning: {source.error}", file=sys.stderr)
    server = ThreadingHTTPServer((HOST, args.port), Handler)
    server.daemon_threads = True
    port = server.server_address[1]

    def stop(signum: int, _frame: Any) -> None:
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    if args.port_file:
        write_port_file(args.port_file, port)
    print(f"exporter: serving http://{HOST}:{port}/metrics from {args.scenario}", file=sys.stderr)
    server.serve_forever()
    server.server_close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
