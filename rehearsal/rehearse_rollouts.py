#!/usr/bin/env python3
"""Rehearse the `argo_rollouts` engine: run the generated workflow's deploy job of every
environment whose overlay holds Argo Rollouts `Rollout`s, under the real Argo Rollouts
controller (rig/rollouts.sh) on the rig's cluster, with a real Prometheus reading scripted
metrics, and judge each scenario by the state of the cluster.

Nothing of the delivery is reimplemented: the deploy job's `run:` steps are run by
`rehearse.Workflow`, as for the workflow engine (`bash -e FILE` from the output tree, the
step's `env:`, GitHub's `if:` rules; `needs.image.outputs.ref_<svc>` is the pushed image at a
digest unique to the scenario). On this engine the job only pins the overlay to the digests
and applies it (`kubectl apply -k`); from there the controller runs the canary: it shifts the
VirtualService's route weights, creates AnalysisRuns from the AnalysisTemplate, which query
the rig's Prometheus, and promotes or aborts.

The tree is rehearsed as a COPY: the AnalysisTemplates' Prometheus `address` (an in-cluster
URL the controller on the host cannot resolve) becomes the rig's PROMETHEUS_URL, and every
duration is divided by the divisor (SLIPWAY_TIME_DIVISOR's idea): `initialDelay`,
`interval`, the queries' `[W]` windows (never under 3 s: a 1 s scrape needs that) and
timed pauses. The compiled tree stays as the compiler wrote it. The driver plays two people:
the approver, who promotes a Rollout paused at a `pause: {}` step (what `kubectl argo rollouts
promote` does: the status patch `{"status":{"pauseConditions":null}}`), and, for a halted
canary (`on_failure = halt`), the person who then decides to abort it (`kubectl argo rollouts
abort`: `{"status":{"abort":true}}`).

Usage: rehearse_rollouts.py OUT_DIR RUN_DIR [--divisor N] [--only SCENARIO]
                            [--break gates-cannot-fail]
(RUN_DIR holds env, prometheus.env and rollouts.env: cluster.sh, prometheus.sh and
rollouts.sh are up.) Prints one `PASS|FAIL  <example>/<env>: <scenario>  (<s>s) <what the
cluster showed>` line per scenario, appends the job's output and the controller's view to
RUN_DIR/rehearsal.log, and exits 1 when a verdict fails (2 on a setup error).
--break gates-cannot-fail rehearses a copy whose analysis steps measure only as many rounds as
their templates tolerate failing (see `gates_cannot_fail`): the failing-gate scenarios must then
FAIL.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from rehearse import Cluster, Workflow  # noqa: E402  (the same runner as the workflow engine)

SCENARIO_TOOL = HERE / "metrics" / "scenario.py"
# The controller's defaults, which the generated Rollouts keep: the old ReplicaSet is scaled
# down 30 s after a promotion (scaleDownDelaySeconds) or an abort (abortScaleDownDelaySeconds).
SETTLE_SECONDS = 90


@dataclass
class Service:
    """One Argo Rollouts canary of one environment, as its Rollout and AnalysisTemplate say."""

    environment: str
    name: str  # the Rollout's, the VirtualService's and the AnalysisTemplate's
    namespace: str
    stable_service: str
    canary_service: str
    steps: list[dict[str, Any]]
    metrics: list[dict[str, Any]] = field(default_factory=list)
    # The gates run as background analysis over the whole rollout (`over = rollout`).
    background: bool = False

    @property
    def halts(self) -> bool:
        """`on_failure = halt`: a gate that does not hold is inconclusive, never a failure."""
        return any(str(m.get("failureCondition")) == "false" for m in self.metrics)

    def weight_at(self, index: int) -> int:
        """The weight in force at step `index` (the last setWeight at or before it)."""
        weights = [s["setWeight"] for s in self.steps[: index + 1] if "setWeight" in s]
        return int(weights[-1]) if weights else 0

    def analysed_weights(self) -> list[int]:
        """The weights the gates measure: each analysis step's, or with background analysis
        every weight the canary takes (the steps only pause while it measures)."""
        if self.background:
            return [int(s["setWeight"]) for s in self.steps if "setWeight" in s]
        return [self.weight_at(i) for i, s in enumerate(self.steps) if "analysis" in s]

    def expected_runs(self) -> int:
        """The AnalysisRuns of a rollout that goes through: one per analysis step (gates and
        hooks), and one for the background analysis."""
        return sum(1 for s in self.steps if "analysis" in s) + int(self.background)

    def waits_for_person(self, index: Any) -> bool:
        """Whether step `index` is a pause without a duration (`pause = approval`)."""
        step = self.steps[int(index)] if index is not None and int(index) < len(self.steps) \
            else {}
        return "pause" in step and not step["pause"].get("duration")

    def approvals(self) -> int:
        return sum(1 for s in self.steps if "pause" in s and not s["pause"].get("duration"))

    def first_analysed_weight(self) -> int:
        return next(w for w in self.analysed_weights() if w > 0)

    def step_of(self, weight: int) -> int:
        return next(i for i, s in enumerate(self.steps) if s.get("setWeight") == weight)

    def gate(self, metric: str) -> str:
        """The name of the metric whose query reads `metric` (latency or errors)."""
        needle = {"latency": "istio_request_duration", "errors": "response_code"}[metric]
        return next((m["name"] for m in self.metrics
                     if needle in m["provider"]["prometheus"]["query"]), "")


def services(out: Path) -> list[Service]:
    """The Rollouts of every overlay, with the metrics of their AnalysisTemplates."""
    found: list[Service] = []
    for overlay in sorted(out.glob("kustomize/overlays/*")):
        documents = [d for f in sorted(overlay.glob("*.yaml"))
                     for d in yaml.safe_load_all(f.read_text()) if d]
        templates = {d["metadata"]["name"]: d["spec"]["metrics"] for d in documents
                     if d.get("kind") == "AnalysisTemplate"}
        for doc in documents:
            canary = doc.get("spec", {}).get("strategy", {}).get("canary")
            if doc.get("kind") != "Rollout" or not canary:
                continue
            names = {ref["templateName"] for s in canary.get("steps", []) if "analysis" in s
                     for ref in s["analysis"]["templates"]}
            background = {ref["templateName"]
                          for ref in canary.get("analysis", {}).get("templates", [])}
            names |= background
            found.append(Service(
                environment=overlay.name, name=doc["metadata"]["name"],
                namespace=doc["metadata"]["namespace"],
                stable_service=canary["stableService"], canary_service=canary["canaryService"],
                steps=canary.get("steps", []),
                metrics=[m for n in sorted(names) for m in templates.get(n, [])],
                background=doc["metadata"]["name"] in background))
    return found


# ---- the copy: Prometheus address, time scaled down, optionally broken ----------------------

def seconds(text: str) -> int:
    match = re.fullmatch(r"(\d+)(ms|s|m|h)", text)
    if not match:
        raise SystemExit(f"rehearse_rollouts: cannot scale the duration {text!r}")
    value, unit = int(match.group(1)), match.group(2)
    return value // 1000 if unit == "ms" else value * {"s": 1, "m": 60, "h": 3600}[unit]


def scaled(text: str, divisor: int, floor: int) -> str:
    return f"{max(floor, seconds(text) // divisor)}s"


def rewrite(text: str, prometheus: str, divisor: int, breaking: bool) -> str:
    """The copy of one overlay file (see the module documentation)."""
    text = re.sub(r"^(\s+address: ).*$", rf"\g<1>{prometheus}", text, flags=re.M)
    text = re.sub(r"^(\s+(?:initialDelay|interval): )'?(\d+(?:ms|s|m|h))'?$",
                  lambda m: m.group(1) + scaled(m.group(2), divisor, 3), text, flags=re.M)
    text = re.sub(r"^(\s+(?:- )?duration: )'?(\d+(?:ms|s|m|h))'?$",
                  lambda m: m.group(1) + scaled(m.group(2), divisor, 1), text, flags=re.M)
    text = re.sub(r"\[(\d+(?:ms|s|m|h))\]", lambda m: f"[{scaled(m.group(1), divisor, 3)}]",
                  text)
    if breaking:
        text = gates_cannot_fail(text)
    return text


def gates_cannot_fail(text: str) -> str:
    """Every analysis step measures only as many rounds as its template tolerates failed (or
    inconclusive) ones: `count` = the limit, at least 1. The controller accepts that (it
    refuses a `count` below `failureLimit`, so a huge limit would make the AnalysisRun an
    `Error` and abort for the wrong reason), but no number of bad measurements can fail the
    step: the defect SW0320 refuses. One Rollout and its template per file."""
    if not re.search(r"^\s+count: ", text, flags=re.M):
        # Background analysis (no `count`): it measures until the rollout ends, so only a
        # limit above anything it can measure keeps it from failing.
        return re.sub(r"^(\s+(?:failureLimit|inconclusiveLimit): )\d+$", r"\g<1>9000", text,
                      flags=re.M)
    limits = [int(n) for n in re.findall(r"^\s+(?:failureLimit|inconclusiveLimit): (\d+)$",
                                         text, flags=re.M)]
    limit = max([1, *limits])
    text = re.sub(r"^(\s+(?:failureLimit|inconclusiveLimit): )\d+$", rf"\g<1>{limit}", text,
                  flags=re.M)
    return re.sub(r"^(\s+- name: rounds\n\s+value: )'?\d+'?$", rf"\g<1>'{limit}'", text,
                  flags=re.M)


def rehearsal_copy(out: Path, prometheus: str, divisor: int, breaking: bool) -> Path:
    copy = Path(tempfile.mkdtemp(prefix="rehearsal-rollouts-")) / out.name
    shutil.copytree(out, copy, symlinks=True)
    for file in copy.glob("kustomize/overlays/*/*.yaml"):
        text = file.read_text()
        if "kind: AnalysisTemplate" in text or "kind: Rollout" in text:
            file.write_text(rewrite(text, prometheus, divisor, breaking))
    return copy


# ---- the cluster as the controller leaves it -------------------------------------------------

class Argo:
    """kubectl reads of the Rollouts and what the controller made for them."""

    def __init__(self, cluster: Cluster):
        self.cluster = cluster

    def get(self, kind: str, namespace: str, name: str) -> dict[str, Any]:
        found = self.cluster.kubectl("-n", namespace, "get", kind, name, "--ignore-not-found",
                                     "-o", "json", check=False)
        return json.loads(found) if found.strip() else {}

    def items(self, kind: str, namespace: str, selector: str) -> list[dict[str, Any]]:
        found = self.cluster.kubectl("-n", namespace, "get", kind, "-l", selector, "-o", "json",
                                     check=False)
        return json.loads(found)["items"] if found.strip() else []

    def rollout(self, service: Service) -> dict[str, Any]:
        return self.get("rollout.argoproj.io", service.namespace, service.name)

    def replica_set(self, service: Service, pod_hash: str) -> dict[str, Any]:
        return self.get("replicaset", service.namespace, f"{service.name}-{pod_hash}") \
            if pod_hash else {}

    def image(self, service: Service, pod_hash: str) -> str:
        rs = self.replica_set(service, pod_hash)
        return rs["spec"]["template"]["spec"]["containers"][0]["image"] if rs else ""

    def replica_sets(self, service: Service) -> list[dict[str, Any]]:
        return [rs for rs in self.items("replicaset", service.namespace,
                                        "rollouts-pod-template-hash")
                if any(o.get("kind") == "Rollout" and o.get("name") == service.name
                       for o in rs["metadata"].get("ownerReferences", []))]

    def analysis_runs(self, service: Service, pod_hash: str) -> list[dict[str, Any]]:
        runs = self.items("analysisrun.argoproj.io", service.namespace,
                          f"rollouts-pod-template-hash={pod_hash},"
                          "rollout-type in (Step,Background)")
        return [r for r in runs if any(o.get("name") == service.name
                                       for o in r["metadata"].get("ownerReferences", []))]

    def approve(self, service: Service) -> None:
        self.cluster.kubectl("-n", service.namespace, "patch", "rollout.argoproj.io",
                             service.name, "--subresource=status", "--type=merge",
                             "-p", '{"status":{"pauseConditions":null}}')

    def abort(self, service: Service) -> None:
        self.cluster.kubectl("-n", service.namespace, "patch", "rollout.argoproj.io",
                             service.name, "--subresource=status", "--type=merge",
                             "-p", '{"status":{"abort":true}}')


def observed(rollout: dict[str, Any]) -> bool:
    status = rollout.get("status", {})
    return bool(rollout) and status.get("observedGeneration") == \
        str(rollout["metadata"]["generation"])


def pause_reasons(rollout: dict[str, Any]) -> list[str]:
    return [c.get("reason", "") for c in rollout.get("status", {}).get("pauseConditions") or []]


# ---- scenarios --------------------------------------------------------------------------------

@dataclass
class Expect:
    """What one service must show at the end of a scenario."""

    outcome: str  # promoted | aborted | halted
    weight: int = 0  # where the analysis failed (aborted, halted)
    gate: str = ""  # the metric that failed ("" for no data)
    steps: bool = True  # the canary steps ran (not on a first deploy)


@dataclass
class Scenario:
    name: str
    expect: dict[str, Expect]
    bad: dict[str, tuple[str, int]] = field(default_factory=dict)  # service: (preset, weight)
    first: bool = False
    no_data: bool = False


def scenarios_of(found: list[Service]) -> list[Scenario]:
    def all_promoted(steps: bool = True) -> dict[str, Expect]:
        return {s.name: Expect("promoted", steps=steps) for s in found}

    def failing(service: Service, metric: str, weight: int) -> Expect:
        return Expect("halted" if service.halts else "aborted", weight, service.gate(metric))

    result = [Scenario("first deploy", all_promoted(steps=False), first=True),
              Scenario("healthy is promoted", all_promoted())]
    for service in found:
        weights = [w for w in service.analysed_weights() if w > 0]
        if not weights or not service.metrics:
            continue
        middle = weights[len(weights) // 2]
        cases = [("slow", "latency", weights[0]), ("erroring", "errors", middle)]
        for preset, metric, weight in cases:
            if not service.gate(metric):
                continue
            expect = all_promoted()
            expect[service.name] = failing(service, metric, weight)
            verb = "halts" if service.halts else "aborts"
            result.append(Scenario(f"{service.name} {preset} at {weight}% {verb}", expect,
                                   bad={service.name: (preset, weight)}))
    no_data = {s.name: Expect("halted" if s.halts else "aborted", s.first_analysed_weight())
               for s in found if s.metrics}
    if no_data:
        result.append(Scenario("no data " + ", ".join(
            f"{n} {'halts' if e.outcome == 'halted' else 'aborts'}" for n, e in no_data.items()),
            {**all_promoted(), **no_data}, no_data=True))
    return result


def write_metrics(path: str, found: list[Service], presets: dict[str, str]) -> None:
    """The scenario file: each service's canary as `presets` says (healthy by default), as the
    caller's sidecar reports it (`reporter="source"`, the canary Service's name)."""
    workloads: list[Any] = []
    for service in found:
        done = subprocess.run(
            [sys.executable, str(SCENARIO_TOOL), presets.get(service.name, "healthy"), "-",
             "--namespace", service.namespace, "--service", service.name,
             "--canary-workload", service.canary_service, "--reporter", "source"],
            check=True, capture_output=True, text=True)
        workloads.extend(json.loads(done.stdout)["workloads"])
    temporary = f"{path}.tmp"
    Path(temporary).write_text(json.dumps({"workloads": workloads}))
    os.replace(temporary, path)


@dataclass
class Progress:
    """What the driver saw and did for one service during a scenario."""

    before_hash: str
    before_image: str
    approvals: int = 0
    fired: str = ""
    aborted_by_person: bool = False
    halted_state: str = ""  # the state judged before the person aborted
    step: int = 0  # the last step the new revision was seen at before any abort


class Run:
    def __init__(self, argo: Argo, found: list[Service], scenario: Scenario, digest: str,
                 scenario_file: str, log: Path, deadline: float):
        self.argo, self.found, self.scenario = argo, found, scenario
        self.digest, self.scenario_file, self.log = digest, scenario_file, log
        self.deadline = deadline
        self.progress: dict[str, Progress] = {}
        self.presets = {s.name: "absent" if scenario.no_data else "healthy" for s in found}

    def note(self, text: str) -> None:
        with self.log.open("a") as handle:
            handle.write(f"[driver {time.strftime('%H:%M:%S')}] {text}\n")

    def start(self) -> None:
        for service in self.found:
            stable = self.argo.rollout(service).get("status", {}).get("stableRS", "")
            self.progress[service.name] = Progress(stable, self.argo.image(service, stable))
        write_metrics(self.scenario_file, self.found, self.presets)

    def new_revision(self, service: Service, rollout: dict[str, Any]) -> bool:
        status = rollout.get("status", {})
        return observed(rollout) and bool(status.get("currentPodHash")) and \
            status.get("currentPodHash") != self.progress[service.name].before_hash

    def act(self, service: Service, rollout: dict[str, Any]) -> None:
        """The approver, and the scripted metrics turning bad once the canary reaches the step."""
        progress = self.progress[service.name]
        if not self.new_revision(service, rollout):
            return
        status = rollout["status"]
        if not status.get("abort") and status.get("currentStepIndex") is not None:
            progress.step = int(status["currentStepIndex"])
        # A timed pause is a CanaryPauseStep too, which the controller ends by itself.
        if "CanaryPauseStep" in pause_reasons(rollout) and not status.get("abort") and \
                service.waits_for_person(status.get("currentStepIndex")):
            self.argo.approve(service)
            progress.approvals += 1
            step = status.get("currentStepIndex")
            self.note(f"{service.name}: approved the pause at step {step}")
        bad = self.scenario.bad.get(service.name)
        if bad and not progress.fired and \
                int(status.get("currentStepIndex") or 0) >= service.step_of(bad[1]):
            self.presets[service.name] = bad[0]
            write_metrics(self.scenario_file, self.found, self.presets)
            progress.fired = f"{bad[0]} from step {status.get('currentStepIndex')}"
            self.note(f"{service.name}: metrics {progress.fired}")

    def final(self, service: Service, rollout: dict[str, Any]) -> bool:
        status = rollout.get("status", {})
        if not self.new_revision(service, rollout) and not (
                self.scenario.first and observed(rollout)):
            return False
        promoted = status.get("phase") == "Healthy" and \
            status.get("stableRS") == status.get("currentPodHash")
        halted = "InconclusiveAnalysisRun" in pause_reasons(rollout)
        # the controller refused the Rollout: nothing will change until the spec does
        invalid = any(c.get("reason") == "InvalidSpec" for c in status.get("conditions", []))
        return promoted or bool(status.get("abort")) or halted or invalid

    def drive(self) -> None:
        """Until every Rollout is promoted, aborted or halted (then the person aborts it), and
        the ReplicaSets have had their scale-down delay."""
        settle_until = None
        while time.monotonic() < self.deadline:
            done = True
            for service in self.found:
                rollout = self.argo.rollout(service)
                self.act(service, rollout)
                if self.final(service, rollout):
                    self.person_decides(service, rollout)
                else:
                    done = False
            if done:
                settle_until = settle_until or time.monotonic() + SETTLE_SECONDS
                if all(self.judge(s)[0] for s in self.found) or \
                        time.monotonic() > settle_until:
                    return
            time.sleep(1)
        self.note("deadline reached")

    def person_decides(self, service: Service, rollout: dict[str, Any]) -> None:
        """A halted canary waits for a person: the driver judges the halt, then aborts it."""
        progress = self.progress[service.name]
        if "InconclusiveAnalysisRun" not in pause_reasons(rollout) or progress.aborted_by_person:
            return
        ok, detail = self.judge_halted(service, rollout)
        progress.halted_state = ("" if ok else "NOT ") + "halted as documented: " + detail
        self.note(f"{service.name}: {progress.halted_state}; aborting it as a person would")
        self.argo.abort(service)
        progress.aborted_by_person = True

    # -- verdicts --

    def weights(self, service: Service) -> dict[str, int]:
        return self.argo.cluster.weights(service.namespace, service.name)

    def resting(self, service: Service) -> tuple[bool, list[str], str]:
        """All traffic on the stable Service, and every ReplicaSet but the stable one at 0."""
        weights = self.weights(service)
        rollout = self.argo.rollout(service)
        stable = rollout.get("status", {}).get("stableRS", "")
        problems = []
        if weights.get(service.stable_service) != 100 or \
                weights.get(service.canary_service, 0) != 0:
            problems.append(f"route {weights}")
        others = {rs["metadata"]["name"]: int(rs["spec"].get("replicas", 0))
                  for rs in self.argo.replica_sets(service)
                  if rs["metadata"]["labels"].get("rollouts-pod-template-hash") != stable}
        running = {name: n for name, n in others.items() if n}
        if running:
            problems.append(f"not scaled down: {running}")
        stable_rs = self.argo.replica_set(service, stable)
        ready = int(stable_rs.get("status", {}).get("availableReplicas", 0)) if stable_rs else 0
        wanted = int(stable_rs.get("spec", {}).get("replicas", 0)) if stable_rs else 0
        if not stable_rs or ready != wanted or wanted == 0:
            problems.append(f"stable {ready}/{wanted} available")
        state = f"route {weights}, stable {ready}/{wanted} available, {len(others)} other RS at 0"
        return not problems, problems, state

    def failed_at(self, service: Service, pod_hash: str) -> list[tuple[int, str, str]]:
        """(weight, phase, failing metrics) of every AnalysisRun that did not succeed. A
        background run has no step of its own: it failed at the step the rollout was last seen
        at before it aborted (the controller resets the step index when it aborts)."""
        found = []
        stopped_at = self.progress[service.name].step
        for run in self.argo.analysis_runs(service, pod_hash):
            phase = run.get("status", {}).get("phase", "")
            if phase in ("Failed", "Error", "Inconclusive"):
                index = int(run["metadata"]["labels"].get("step-index", stopped_at))
                metrics = [m["name"] for m in run["status"].get("metricResults", [])
                           if m.get("phase") == phase]
                found.append((service.weight_at(index), phase, ",".join(metrics)))
        return found

    def judge(self, service: Service) -> tuple[bool, str]:
        expect = self.scenario.expect[service.name]
        progress = self.progress[service.name]
        rollout = self.argo.rollout(service)
        status = rollout.get("status", {})
        current = status.get("currentPodHash", "")
        rest_ok, rest_problems, rest = self.resting(service)
        stable_image = self.argo.image(service, status.get("stableRS", ""))
        new = stable_image.endswith("@" + self.digest)
        problems = list(rest_problems)
        failed = self.failed_at(service, current)
        runs = self.argo.analysis_runs(service, current)
        if expect.outcome == "promoted":
            if status.get("phase") != "Healthy":
                problems.append(f"phase {status.get('phase')} ({status.get('message', '')})")
            if not new:
                problems.append(f"stable runs {stable_image[-16:]}, not this run's digest")
            if failed:
                problems.append(f"analysis did not succeed: {failed}")
            wanted_runs = service.expected_runs() if expect.steps else 0
            succeeded = [r for r in runs if r.get("status", {}).get("phase") == "Successful"]
            if len(succeeded) != wanted_runs:
                problems.append(f"{len(succeeded)} successful AnalysisRuns, not {wanted_runs}")
            wanted_approvals = service.approvals() if expect.steps else 0
            if progress.approvals != wanted_approvals:
                problems.append(f"approved {progress.approvals} pause(s), not {wanted_approvals}")
            summary = (f"promoted: Healthy, stable runs this run's digest, "
                       f"{len(succeeded)} analysis run(s) successful, "
                       f"{progress.approvals} approval(s)")
        else:
            phase = "Inconclusive" if expect.outcome == "halted" else "Failed"
            wanted = [(expect.weight, phase)]
            if [(w, p) for w, p, _ in failed] != wanted:
                problems.append(f"analysis ended {failed or 'nowhere'}, not {phase} at "
                                f"{expect.weight}%")
            if expect.gate and not any(expect.gate in metrics for _, _, metrics in failed):
                problems.append(f"not on {expect.gate}")
            if not expect.gate and not self.no_data_seen(service, current):
                problems.append("no measurement said no data")
            if stable_image != progress.before_image or new:
                problems.append(f"stable runs {stable_image[-16:]}, not its previous version")
            if not status.get("abort"):
                problems.append("not aborted")
            if expect.outcome == "halted":
                if not progress.halted_state.startswith("halted"):
                    problems.append(progress.halted_state or "never halted")
            fired = f" (metrics {progress.fired})" if progress.fired else ""
            summary = (f"{expect.outcome} at {expect.weight}%{fired} on "
                       f"{failed[0][2] if failed else '?'}"
                       + (f"; {progress.halted_state}; then aborted by the person"
                          if expect.outcome == "halted" else "")
                       + f"; stable kept {progress.before_image[-12:] or 'nothing'}")
        return not problems, "; ".join([*(problems or [summary]), rest])

    def no_data_seen(self, service: Service, pod_hash: str) -> bool:
        """A measurement of this revision's analysis returned an empty result or NaN."""
        for run in self.argo.analysis_runs(service, pod_hash):
            for metric in run.get("status", {}).get("metricResults", []):
                for measurement in metric.get("measurements", []):
                    if measurement.get("value", "") in ("[]", "", "NaN", "[NaN]"):
                        return True
        return False

    def judge_halted(self, service: Service, rollout: dict[str, Any]) -> tuple[bool, str]:
        """Halted: paused where the analysis stopped, traffic still split at that step's weight,
        the stable ReplicaSet on its previous version, the canary's pods still up."""
        expect = self.scenario.expect[service.name]
        status = rollout.get("status", {})
        weights = self.weights(service)
        canary = self.argo.replica_set(service, status.get("currentPodHash", ""))
        stable_image = self.argo.image(service, status.get("stableRS", ""))
        problems = []
        if weights.get(service.canary_service) != expect.weight:
            problems.append(f"canary weight {weights.get(service.canary_service)}, "
                            f"not {expect.weight}")
        if stable_image != self.progress[service.name].before_image:
            problems.append("stable changed version")
        canary_ready = int(canary.get("status", {}).get("availableReplicas", 0)) if canary else 0
        if canary_ready == 0:
            problems.append("canary has no pods")
        detail = f"paused, route {weights}, canary {canary_ready} pod(s), stable on its version"
        return not problems, "; ".join(problems) or detail


def rehearse(out: Path, run_dir: Path, divisor: int, only: str | None,
             breaking: str | None) -> int:
    env = dict(os.environ)
    for name in ("env", "prometheus.env", "rollouts.env"):
        for line in (run_dir / name).read_text().splitlines():
            match = re.fullmatch(r"(?:export )?([A-Z_]+)=(.*)", line.strip())
            if match:
                env[match.group(1)] = match.group(2).strip("'\"")
    env["PATH"] = f"{run_dir / 'bin'}:{env['PATH']}"
    found = services(out)
    if not found:
        print(f"rehearse_rollouts: no Argo Rollouts Rollout in {out}/kustomize/overlays",
              file=sys.stderr)
        return 2
    label = out.name
    copy = rehearsal_copy(out, env["PROMETHEUS_URL"], divisor, breaking == "gates-cannot-fail")
    argo = Argo(Cluster(env))
    log = run_dir / "rehearsal.log"
    counter = iter(range(1, 1000))
    failures = total = 0
    started_all = time.monotonic()
    environments = sorted({s.environment for s in found})
    for environment in environments:
        members = [s for s in found if s.environment == environment]
        for scenario in scenarios_of(members):
            if only and scenario.name != only:
                continue
            total += 1
            started = time.monotonic()
            digest = "sha256:" + f"{os.getpid():08x}{next(counter):056x}"
            flow = Workflow(copy, env, digest, log)
            with log.open("a") as handle:
                handle.write(f"\n\n######## {label}/{environment}: {scenario.name}\n")
            if scenario.first:
                for namespace in sorted({s.namespace for s in members}):
                    argo.cluster.delete_namespace(namespace)
            run = Run(argo, members, scenario, digest, env["SLIPWAY_METRICS_SCENARIO"], log,
                      time.monotonic() + max(300, 12000 // max(1, divisor)))
            run.start()
            jobs = flow.order(environment)
            job_ok = all(flow.run_job(job) for job in jobs)
            verdicts = []
            if job_ok:
                run.drive()
                verdicts = [(s.name, *run.judge(s)) for s in members]
            ok = job_ok and all(v[1] for v in verdicts)
            detail = " | ".join(f"{name}: {text}" for name, _, text in verdicts) or \
                f"the deploy job failed ({'; '.join(flow.failed_steps)})"
            failures += not ok
            line = (f"{'PASS' if ok else 'FAIL'}  {label}/{environment}: {scenario.name}  "
                    f"({time.monotonic() - started:.0f}s) {detail}")
            print(line, flush=True)
            with log.open("a") as handle:
                handle.write(f"######## {line}\n")
    shutil.rmtree(copy.parent, ignore_errors=True)
    print(f"rehearsal of {label} (argo rollouts): {total} scenario(s), {failures} failed, "
          f"{time.monotonic() - started_all:.0f}s")
    return 1 if failures or not total else 0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--divisor", type=int, default=20)
    parser.add_argument("--only", help="run only the scenario of this name")
    parser.add_argument("--break", dest="breaking", choices=["gates-cannot-fail"],
                        help="rehearse a copy whose analysis cannot fail a step")
    args = parser.parse_args()
    for name in ("env", "prometheus.env", "rollouts.env"):
        if not (args.run_dir / name).is_file():
            print(f"rehearse_rollouts: no {args.run_dir}/{name}", file=sys.stderr)
            return 2
    return rehearse(args.out.resolve(), args.run_dir.resolve(), args.divisor, args.only,
                    args.breaking)


if __name__ == "__main__":
    sys.exit(main())
