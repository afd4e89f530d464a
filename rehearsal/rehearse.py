#!/usr/bin/env python3
"""Rehearse the generated delivery: run the deploy jobs of the compiled GitHub workflow, and the
rollout scripts they call, against a real control plane and a real Prometheus with scripted
metrics, and judge the state of the cluster after each scenario.

Nothing of the rollout is reimplemented here. The deploy jobs are read from the generated
workflow (`.github/workflows/*.yml`) and each `run:` step is executed as GitHub's runner would:
bash, from the repository root (the output tree), with the step's `env:`. The expressions a
runner would fill in are given rehearsal values: `runner.temp` a temporary directory,
`needs.image.outputs.ref_<service>` a digest reference that changes with every scenario (kwok
pulls no image, so any digest is a valid one). `uses:` steps (checkout) and the kubeconfig step
are skipped: KUBECONFIG points at the rehearsal cluster. `if: failure() || cancelled()` and
`if: cancelled()` steps run as GitHub runs them. SLIPWAY_TIME_DIVISOR scales every wait and
query window of the rollout scripts; PROMETHEUS_URL points at the rehearsal Prometheus.

Usage: rehearse.py OUT_DIR RUN_DIR [--divisor N] [--only SCENARIO] [--break WHAT]
(OUT_DIR: `slipway compile EXAMPLE --out OUT_DIR`; RUN_DIR: where cluster.sh and prometheus.sh
run, with their env files). Prints one line per scenario and exits 1 when a verdict fails.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
SCENARIO_TOOL = HERE / "metrics" / "scenario.py"


@dataclass
class Rollout:
    """One canary or blue-green service of one environment, as its script's settings say."""

    environment: str
    service: str
    kind: str  # canary | blue_green
    namespace: str
    live: str
    candidate: str
    resting: str
    settings: dict[str, str] = field(default_factory=dict)
    steps: list[int] = field(default_factory=list)  # canary weights, in order
    gated: bool = False


def read_settings(script: Path) -> dict[str, str]:
    """The `name='value'` lines of a generated rollout script."""
    settings: dict[str, str] = {}
    for line in script.read_text().splitlines():
        match = re.fullmatch(r"([a-z_]+)='([^']*)'", line)
        if match:
            settings[match.group(1)] = match.group(2)
    return settings


def rollouts(out: Path) -> list[Rollout]:
    found = []
    for script in sorted(out.glob("rollout/*/*.sh")):
        settings = read_settings(script)
        text = script.read_text()
        kind = "canary" if "# The canary rollout" in text else "blue_green"
        weights = [int(w) for w in re.findall(r"^  set_weight (\d+) ", text, re.M)]
        found.append(
            Rollout(
                environment=script.parent.name,
                service=script.stem,
                kind=kind,
                namespace=settings["namespace"],
                live=settings["live"],
                candidate=settings["candidate"],
                resting=settings["resting"],
                settings=settings,
                steps=weights,
                gated="gate_names=()" not in text,
            )
        )
    return found


class Cluster:
    """kubectl against the rehearsal cluster."""

    def __init__(self, env: dict[str, str]):
        self.env = env

    def kubectl(self, *args: str, check: bool = True) -> str:
        done = subprocess.run(
            ["kubectl", *args], env=self.env, capture_output=True, text=True, check=False
        )
        if check and done.returncode != 0:
            raise RuntimeError(f"kubectl {' '.join(args)}: {done.stderr.strip()}")
        return done.stdout

    def json(self, *args: str) -> Any:
        return json.loads(self.kubectl(*args, "-o", "json"))

    def replicas(self, namespace: str, deployment: str) -> int:
        found = self.kubectl(
            "-n", namespace, "get", "deployment", deployment, "-o",
            "jsonpath={.spec.replicas}", check=False,
        )
        return int(found or 0)

    def image(self, namespace: str, deployment: str) -> str:
        return self.kubectl(
            "-n", namespace, "get", "deployment", deployment, "-o",
            "jsonpath={.spec.template.spec.containers[0].image}", check=False,
        )

    def weights(self, namespace: str, service: str) -> dict[str, int]:
        """The weights of the primary route by destination subset (or host)."""
        found = self.kubectl("-n", namespace, "get", "virtualservice", service, "-o", "json",
                             check=False)
        if not found:
            return {}
        routes = json.loads(found)["spec"]["http"]
        primary = next((r for r in routes if r.get("name") == "primary"), routes[-1])
        return {
            d["destination"].get("subset", d["destination"]["host"]): d.get("weight", 100)
            for d in primary["route"]
        }


class Workflow:
    """The deploy jobs of the generated workflow, run the way GitHub's runner runs them."""

    def __init__(self, out: Path, env: dict[str, str], digest: str, log: Path):
        path = next(out.glob(".github/workflows/*.yml"))
        self.jobs: dict[str, Any] = yaml.safe_load(path.read_text())["jobs"]
        self.out = out
        self.env = env
        self.digest = digest
        self.log = log
        self.temp = Path(tempfile.mkdtemp(prefix="rehearsal-runner-"))
        self.running: subprocess.Popen[str] | None = None
        self.cancelled = False

    def expression(self, text: str) -> str:
        def value(match: re.Match[str]) -> str:
            name = match.group(1).strip()
            if name == "runner.temp":
                return str(self.temp)
            ref = re.fullmatch(r"needs\.image\.outputs\.ref_([a-z0-9_]+)", name)
            if ref:
                return f"registry.example/{ref.group(1).replace('_', '-')}@{self.digest}"
            return ""
        return re.sub(r"\$\{\{(.*?)\}\}", value, text)

    def step_env(self, step: dict[str, Any]) -> dict[str, str]:
        env = dict(self.env)
        for key, raw in (step.get("env") or {}).items():
            env[key] = self.expression(str(raw))
        env["RUNNER_TEMP"] = str(self.temp)
        env["GITHUB_SHA"] = "0" * 40
        return env

    def run_job(self, job_id: str) -> bool:
        """Runs a job's steps; returns whether it succeeded."""
        failed = False
        for step in self.jobs[job_id]["steps"]:
            run = step.get("run")
            condition = step.get("if", "success()")
            if run is None or step["name"] == "Configure kubectl":
                continue
            wanted = {
                "success()": not failed and not self.cancelled,
                "failure() || cancelled()": failed or self.cancelled,
                "cancelled()": self.cancelled,
            }.get(condition, not failed and not self.cancelled)
            if not wanted:
                continue
            with self.log.open("a") as log:
                log.write(f"\n### {job_id}: {step['name']}\n")
                log.flush()
                self.running = subprocess.Popen(
                    ["bash", "-e", "-o", "pipefail", "-c", run], cwd=self.out,
                    env=self.step_env(step), stdout=log, stderr=subprocess.STDOUT, text=True,
                    start_new_session=True,
                )
                status = self.running.wait()
                self.running = None
            if status != 0:
                failed = True
        return not failed and not self.cancelled

    def cancel(self) -> None:
        """What GitHub does on cancel: signal the running step, then run the cleanup steps."""
        self.cancelled = True
        if self.running is not None:
            os.killpg(self.running.pid, signal.SIGINT)

    def order(self, environment: str) -> list[str]:
        """The deploy jobs of an environment, in the order their `needs` chain them."""
        ids = [j for j in self.jobs if j == f"deploy-{environment}"
               or j.startswith(f"deploy-{environment}-")]
        ordered: list[str] = []
        while len(ordered) < len(ids):
            for job in ids:
                needs = [n for n in self.jobs[job].get("needs", []) if n in ids]
                if job not in ordered and all(n in ordered for n in needs):
                    ordered.append(job)
        return ordered

    def approval_jobs(self, environment: str) -> list[str]:
        return [j for j in self.order(environment)
                if str(self.jobs[j].get("environment", "")).endswith("-approval")]


ALL_ROLLOUTS: list[Rollout] = []


def write_scenario(path: str, preset: str, rollout: Rollout) -> None:
    """`preset` for the canary of `rollout`, healthy for every other rollout's canary."""
    workloads: list[Any] = []
    for other in ALL_ROLLOUTS or [rollout]:
        chosen = preset if other is rollout else "healthy"
        done = subprocess.run(
            [sys.executable, str(SCENARIO_TOOL), chosen, "-", "--namespace", other.namespace,
             "--service", other.service, "--canary-workload", other.candidate],
            check=True, capture_output=True, text=True,
        )
        workloads.extend(json.loads(done.stdout)["workloads"])
    temporary = f"{path}.tmp"
    Path(temporary).write_text(json.dumps({"workloads": workloads}))
    os.replace(temporary, path)


class FailAt(threading.Thread):
    """Turns the canary's metrics bad once the route sends it `weight`% or more."""

    def __init__(self, cluster: Cluster, rollout: Rollout, weight: int, preset: str, path: str):
        super().__init__(daemon=True)
        self.cluster, self.rollout, self.weight = cluster, rollout, weight
        self.preset, self.path = preset, path
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            weights = self.cluster.weights(self.rollout.namespace, self.rollout.service)
            canary = weights.get("canary", weights.get("green", 0))
            if canary >= self.weight:
                write_scenario(self.path, self.preset, self.rollout)
                return
            time.sleep(0.3)


@dataclass
class Verdict:
    scenario: str
    ok: bool
    detail: str


def resting(cluster: Cluster, rollout: Rollout) -> tuple[bool, str]:
    weights = cluster.weights(rollout.namespace, rollout.service)
    live_weight = weights.get("stable", weights.get("blue", 0))
    candidate = cluster.replicas(rollout.namespace, rollout.candidate)
    return (live_weight == 100 and candidate == 0,
            f"route {weights}, {rollout.candidate} at {candidate} pod(s)")


def rehearse(out: Path, run_dir: Path, divisor: int, only: str | None,
             breaking: str | None) -> list[Verdict]:
    env = dict(os.environ)
    for line in (run_dir / "env").read_text().splitlines():
        match = re.fullmatch(r"export ([A-Z_]+)=(.*)", line.strip())
        if match:
            env[match.group(1)] = match.group(2).strip("'\"")
    for line in (run_dir / "prometheus.env").read_text().splitlines():
        match = re.fullmatch(r"(?:export )?([A-Z_]+)=(.*)", line.strip())
        if match:
            env[match.group(1)] = match.group(2).strip("'\"")
    env["PATH"] = f"{run_dir / 'bin'}:{env['PATH']}"
    env["SLIPWAY_TIME_DIVISOR"] = str(divisor)
    scenario_file = env["SLIPWAY_METRICS_SCENARIO"]
    cluster = Cluster(env)
    if breaking == "gates-cannot-fail":
        for script in out.glob("rollout/*/*.sh"):
            text = script.read_text().replace("failure_limit='", "failure_limit='9")
            script.write_text(text)
    verdicts: list[Verdict] = []
    counter = iter(range(1, 1000))
    log = run_dir / "rehearsal.log"

    def workflow() -> Workflow:
        digest = "sha256:" + f"{next(counter):064x}"
        return Workflow(out, env, digest, log)

    ALL_ROLLOUTS.extend(rollouts(out))
    for rollout in ALL_ROLLOUTS:
        name = f"{out.name}/{rollout.environment}/{rollout.service}"
        scenarios = scenarios_of(rollout)
        for scenario in scenarios:
            if only and scenario != only:
                continue
            started = time.monotonic()
            verdict = run_scenario(cluster, workflow(), rollout, scenario, scenario_file)
            verdicts.append(Verdict(f"{name}: {scenario}", verdict[0], verdict[1]))
            print(f"{'PASS' if verdict[0] else 'FAIL'}  {name}: {scenario}  "
                  f"({time.monotonic() - started:.0f}s) {verdict[1]}", flush=True)
    return verdicts


def scenarios_of(rollout: Rollout) -> list[str]:
    if rollout.kind == "blue_green":
        return ["first deploy", "switch waits for approval, then promotes", "cancel restores"]
    middle = rollout.steps[len(rollout.steps) // 2]
    scenarios = ["first deploy", "healthy is promoted",
                 f"slow at {rollout.steps[0]}% rolls back",
                 f"erroring at {middle}% rolls back",
                 f"slow at {rollout.steps[-1]}% rolls back",
                 "no data rolls back", "cancel restores"]
    if not rollout.gated:
        scenarios = ["first deploy", "healthy is promoted", "cancel restores"]
    return scenarios


def run_scenario(cluster: Cluster, flow: Workflow, rollout: Rollout, scenario: str,
                 scenario_file: str) -> tuple[bool, str]:
    environment = rollout.environment
    jobs = flow.order(environment)
    before = cluster.image(rollout.namespace, rollout.live)
    new_image = f"@{flow.digest}"
    if scenario == "no data rolls back":
        write_scenario(scenario_file, "absent", rollout)
    else:
        write_scenario(scenario_file, "healthy", rollout)
    watcher = None
    match = re.fullmatch(r"(slow|erroring) at (\d+)% rolls back", scenario)
    if match:
        watcher = FailAt(cluster, rollout, int(match.group(2)), match.group(1), scenario_file)
        watcher.start()
    if scenario == "cancel restores":
        return cancel(cluster, flow, rollout, jobs)
    ok = True
    for job in jobs:
        if scenario.startswith("switch waits") and job in flow.approval_jobs(environment):
            state = cluster.weights(rollout.namespace, rollout.service)
            if state.get("blue") != 100:
                return False, f"before the approval the route is {state}, not all on blue"
        ok = flow.run_job(job)
        if not ok:
            break
    if watcher:
        watcher.stop.set()
    rest_ok, rest = resting(cluster, rollout)
    live_image = cluster.image(rollout.namespace, rollout.live)
    if scenario in ("first deploy", "healthy is promoted") or scenario.startswith("switch"):
        promoted = ok and rest_ok and live_image.endswith(new_image)
        return promoted, f"promoted={ok}; {rest}; {rollout.live} runs {live_image[-12:]}"
    rolled_back = not ok and rest_ok and live_image == before
    return rolled_back, (f"job failed={not ok}; {rest}; {rollout.live} kept "
                         f"{'its version' if live_image == before else live_image[-12:]}")


def cancel(cluster: Cluster, flow: Workflow, rollout: Rollout, jobs: list[str]) -> tuple[bool, str]:
    """Cancels the first job once traffic has moved (or once it runs), as GitHub would."""
    def watch() -> None:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            weights = cluster.weights(rollout.namespace, rollout.service)
            if weights.get("canary", 0) > 0 or weights.get("green", 0) > 0:
                break
            time.sleep(0.3)
        flow.cancel()
    job = jobs[0] if rollout.kind == "canary" else flow.approval_jobs(rollout.environment)[0]
    for earlier in jobs[: jobs.index(job)]:
        flow.run_job(earlier)
    threading.Thread(target=watch, daemon=True).start()
    flow.run_job(job)
    ok, rest = resting(cluster, rollout)
    return ok and flow.cancelled, f"cancelled={flow.cancelled}; {rest}"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--divisor", type=int, default=20)
    parser.add_argument("--only")
    parser.add_argument("--break", dest="breaking", choices=["gates-cannot-fail"])
    args = parser.parse_args()
    verdicts = rehearse(args.out.resolve(), args.run_dir.resolve(), args.divisor, args.only,
                        args.breaking)
    failed = [v for v in verdicts if not v.ok]
    print(f"rehearsal: {len(verdicts)} scenario(s), {len(failed)} failed")
    return 1 if failed or not verdicts else 0


if __name__ == "__main__":
    sys.exit(main())
