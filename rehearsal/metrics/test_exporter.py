"""Unit tests of the scripted exporter's arithmetic (no network, no Prometheus).

Run: python3 -m unittest discover -s rehearsal/metrics -p 'test_*.py'
"""

from __future__ import annotations

import json
import os
import re
import tempfile
import unittest

import exporter


def workload(**overrides: object) -> dict:
    base = {
        "labels": {"destination_workload": "w", "destination_workload_namespace": "ns"},
        "rps": 10,
        "error_ratio": 0.1,
        "latency": [{"ms": 20, "share": 0.9}, {"ms": 800, "share": 0.1}],
    }
    base.update(overrides)
    return base


def samples(text: str) -> dict[str, float]:
    out = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.rsplit(" ", 1)
            out[name] = float(value)
    return out


class ExporterTest(unittest.TestCase):
    def setUp(self) -> None:
        self.dir = tempfile.TemporaryDirectory()
        self.path = os.path.join(self.dir.name, "s.json")

    def tearDown(self) -> None:
        self.dir.cleanup()

    def write(self, *workloads: dict, mtime: float) -> None:
        with open(self.path, "w", encoding="utf-8") as handle:
            json.dump({"workloads": list(workloads)}, handle)
        os.utime(self.path, (mtime, mtime))

    def find(self, text: str, pattern: str) -> float:
        matches = [v for k, v in samples(text).items() if re.fullmatch(pattern, k)]
        self.assertEqual(len(matches), 1, pattern)
        return matches[0]

    def test_counters_grow_by_rate_times_time(self) -> None:
        self.write(workload(), mtime=1000)
        mesh = exporter.Mesh(exporter.ScenarioFile(self.path), now=2000)
        text = mesh.render(now=2010)
        self.assertAlmostEqual(self.find(text, r'istio_requests_total\{.*response_code="200"\}'), 90)
        self.assertAlmostEqual(self.find(text, r'istio_requests_total\{.*response_code="503"\}'), 10)
        ok = r'istio_request_duration_milliseconds_bucket\{.*response_code="200",le="%s"\}'
        self.assertAlmostEqual(self.find(text, ok % "25"), 81)
        self.assertAlmostEqual(self.find(text, ok % "500"), 81)
        self.assertAlmostEqual(self.find(text, ok % "1000"), 90)
        self.assertAlmostEqual(self.find(text, ok % r"\+Inf"), 90)
        self.assertAlmostEqual(
            self.find(text, r'istio_request_duration_milliseconds_sum\{.*response_code="200"\}'),
            81 * 20 + 9 * 800)
        self.assertIn('reporter="destination"', text)
        self.assertIn('destination_canonical_revision="unknown"', text)

    def test_change_splits_at_mtime(self) -> None:
        self.write(workload(rps=10), mtime=1000)
        mesh = exporter.Mesh(exporter.ScenarioFile(self.path), now=2000)
        mesh.render(now=2010)
        self.write(workload(rps=100), mtime=2014)
        text = mesh.render(now=2020)
        total = sum(v for k, v in samples(text).items() if k.startswith("istio_requests_total"))
        self.assertAlmostEqual(total, 10 * 14 + 100 * 6)

    def test_flat_keeps_series_absent_drops_them(self) -> None:
        self.write(workload(), mtime=1000)
        mesh = exporter.Mesh(exporter.ScenarioFile(self.path), now=2000)
        before = samples(mesh.render(now=2010))
        self.write(workload(traffic="flat"), mtime=2010)
        self.assertEqual(samples(mesh.render(now=2030)), before)
        self.write(workload(traffic="absent"), mtime=2030)
        self.assertNotIn("istio_requests_total{", mesh.render(now=2040))
        self.write(workload(), mtime=2040)
        after = samples(mesh.render(now=2041))
        key = next(k for k in after if k.startswith("istio_requests_total") and "200" in k)
        self.assertAlmostEqual(after[key], before[key] + 9)

    def test_bad_file_keeps_last_good_scenario(self) -> None:
        self.write(workload(), mtime=1000)
        source = exporter.ScenarioFile(self.path)
        mesh = exporter.Mesh(source, now=2000)
        with open(self.path, "w", encoding="utf-8") as handle:
            handle.write('{"workloads": [')
        os.utime(self.path, (2005, 2005))
        text = mesh.render(now=2010)
        self.assertIsNotNone(source.error)
        self.assertAlmostEqual(sum(v for k, v in samples(text).items()
                                   if k.startswith("istio_requests_total")), 100)

    def test_rejects_invalid_scenarios(self) -> None:
        for bad in ({}, {"workloads": [{"labels": {}}]},
                    {"workloads": [workload(error_ratio=2)]},
                    {"workloads": [workload(traffic="sometimes")]},
                    {"workloads": [workload(latency=[])]},
                    {"workloads": [workload(), workload()]}):
            with self.assertRaises(exporter.ScenarioError, msg=bad):
                exporter.parse_scenario(bad)


if __name__ == "__main__":
    unittest.main()
