#!/usr/bin/env python3
"""Rehearse the generated delivery: run the deploy jobs of the compiled GitHub workflow, and the
rollout scripts they call, against a real control plane and a real Prometheus with scripted
metrics, and judge the state of the cluster after each scenario.

Nothing of the rollout is reimplemented here. The deploy jobs are read from the generated
workflow (`.github/workflows/*.yml`) and each `run:` step is executed as GitHub's runner would:
written to a file and run with `bash -e FILE` (the runner's default shell; `shell: bash` gets
`bash --noprofile --norc -eo pipefail FILE`), from the repository root (the output tree), with
the step's `env:`. The expressions a runner would fill in are given rehearsal values:
`runner.temp` a temporary directory, `needs.image-<service>.outputs.reference` a digest
reference that changes with every scenario (kwok pulls no image, so any digest is a valid
one), and `needs.changes.outputs.changed_<service>` true: each run plays a push that changed
every service. `uses:`
steps (checkout, cosign) and the kubeconfig step are skipped: KUBECONFIG points at the
rehearsal cluster; so are the registry logins and the provenance check (its digests are in
no registry). `if: failure() || cancelled()` and `if: cancelled()` steps run as GitHub runs them;
a cancel is GitHub's: SIGINT to the running step, then the remaining steps whose condition
allows it. An environment's jobs run in their `needs` order; a job whose environment ends in
`-approval` stands for the approval GitHub waits for. SLIPWAY_TIME_DIVISOR scales every wait
and query window of the rollout scripts; PROMETHEUS_URL points at the rehearsal Prometheus.

A verdict is read from the cluster and from what the scripts printed in this scenario, never
from the exit status alone: a promotion must leave the route resting on the live track, the
candidate at 0 pods and the live Deployment rolled out with this run's digest; a rollback must
be the analysis failing at the expected weight on the expected gate, and leave the live
Deployment serving its previous version with all traffic; a cancel must interrupt a running
step after traffic moved, and leave the same resting state.

Usage: rehearse.py OUT_DIR RUN_DIR [--divisor N] [--only SCENARIO] [--service NAME]
                   [--break WHAT]
(OUT_DIR: `slipway compile EXAMPLE --out OUT_DIR`; RUN_DIR: where cluster.sh and prometheus.sh
run, with their env files). Prints one line per scenario (`PASS|FAIL  <example>/<env>/<service>:
<scenario>  (<seconds>s) <what the cluster showed>`), appends every step's output to
RUN_DIR/rehearsal.log, and exits 1 when a verdict fails (2 on a setup error).
Once per environment (guarantees.py): an autoscaler's replica count survives a deploy; a sync
of the environment's Argo CD Application changes nothing the workflow did.
--break WHAT rehearses a copy of OUT_DIR with one guarantee broken on purpose, to show that the
scenarios that prove it then FAIL: gates-cannot-fail (the scripts tolerate 9,000 failed rounds),
no-abort (`abort` does nothing), hpa-replicas (autoscaled Deployments carry `replicas`),
argocd-reverts (the Applications lose their ignoreDifferences).
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
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

import guarantees

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
    gates: list[tuple[str, str]] = field(default_factory=list)  # (name, query)
    hooks: list[tuple[str, str, str, str]] = field(default_factory=list)  # (name, at, job, file)

    @property
    def gated(self) -> bool:
        return bool(self.gates)

    def gate(self, metric: str) -> str:
        """The name of the gate whose query reads `metric` (latency or errors)."""
        needle = {"latency": "istio_request_duration", "errors": "response_code"}[metric]
        return next((name for name, query in self.gates if needle in query), "")

    @property
    def subsets(self) -> tuple[str, str]:
        """The route subsets of the live track and the candidate."""
        return ("stable", "canary") if self.kind == "canary" else ("blue", "green")


def read_settings(text: str) -> dict[str, str]:
    """The `name='value'` lines of a generated rollout script."""
    settings: dict[str, str] = {}
    for line in text.splitlines():
        match = re.fullmatch(r"([a-z_]+)='([^']*)'", line)
        if match:
            settings[match.group(1)] = match.group(2)
    return settings


def read_array(text: str, name: str) -> list[str]:
    """The elements of a `name=('a' 'b')` line of a generated rollout script."""
    match = re.search(rf"^{name}=\((.*)\)$", text, re.M)
    return re.findall(r"'([^']*)'", match.group(1)) if match else []


def rollouts(out: Path) -> list[Rollout]:
    found = []
    for script in sorted(out.glob("rollout/*/*.sh")):
        text = script.read_text()
        settings = read_settings(text)
        kind = "canary" if "# The canary rollout" in text else "blue_green"
        weights = [int(w) for w in re.findall(r"^  set_weight (\d+) ", text, re.M)]
        names, queries = read_array(text, "gate_names"), read_array(text, "gate_queries")
        if len(names) != len(queries):
            raise SystemExit(f"{script}: {len(names)} gate names but {len(queries)} queries")
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
                gates=list(zip(names, queries)),
                hooks=list(zip(read_array(text, "hook_names"), read_array(text, "hook_at"),
                               read_array(text, "hook_jobs"), read_array(text, "hook_files"))),
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

    def deployment(self, namespace: str, name: str) -> dict[str, Any] | None:
        found = self.kubectl("-n", namespace, "get", "deployment", name, "--ignore-not-found",
                             "-o", "json", check=False)
        return json.loads(found) if found.strip() else None

    def replicas(self, namespace: str, deployment: str) -> int:
        found = self.deployment(namespace, deployment)
        return int(found["spec"].get("replicas", 1)) if found else 0

    def image(self, namespace: str, deployment: str) -> str:
        found = self.deployment(namespace, deployment)
        return found["spec"]["template"]["spec"]["containers"][0]["image"] if found else ""

    def serving(self, namespace: str, deployment: str,
                settle_seconds: float = 60) -> tuple[bool, str]:
        """Whether the Deployment is rolled out: every wanted pod updated, ready and available.
        Its status is read once the controller has observed its latest generation (as
        `kubectl rollout status` does), waiting up to SETTLE_SECONDS: a change that touches
        no pod still bumps the generation (the deploy's audit annotation does), and a
        controller on a busy machine may not have observed it yet when the check runs."""
        deadline = time.monotonic() + settle_seconds
        while True:
            found = self.deployment(namespace, deployment)
            if not found:
                return False, f"{deployment} does not exist"
            status = found.get("status", {})
            current = status.get("observedGeneration") == found["metadata"]["generation"]
            if current or time.monotonic() >= deadline:
                break
            time.sleep(0.5)
        spec = found["spec"]
        wanted = int(spec.get("replicas", 1))
        counts = [int(status.get(k, 0)) for k in
                  ("updatedReplicas", "readyReplicas", "availableReplicas", "replicas")]
        ok = current and wanted > 0 and counts == [wanted] * 4
        return ok, (f"{deployment} {counts[2]}/{wanted} available"
                    f"{'' if current else ' (not observed yet)'}")

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

    def request_routing(self, namespace: str, service: str) -> list[str]:
        """What of a canary's routing by request the applied VirtualService holds: the names
        of its `*-header` routes, and `mirror` when a route mirrors."""
        found = self.kubectl("-n", namespace, "get", "virtualservice", service, "-o", "json",
                             check=False)
        if not found:
            return []
        routes = json.loads(found)["spec"]["http"]
        held = [r["name"] for r in routes if str(r.get("name", "")).endswith("-header")]
        return held + (["mirror"] if any("mirror" in r for r in routes) else [])

    def delete_namespace(self, namespace: str) -> None:
        self.kubectl("delete", "namespace", namespace, "--ignore-not-found", "--wait=true",
                     "--timeout=180s")


# Steps the rehearsal skips: the rig's KUBECONFIG replaces the kubeconfig step, and the
# digests it deploys were pushed to no registry and attested by no one, so the provenance
# check (and the registry logins before it) cannot run here; tests/gates_behave.rs runs that
# step against a stub cosign instead.
NOT_REHEARSED = {"Configure kubectl", "Verify the provenance of the images this run built"}

# A step that runs only for a service the push changed (`needs.changes.outputs.changed_<svc>`):
# the rehearsal plays a push that changed every service, so the test holds.
CHANGED = re.compile(r"needs\.changes\.outputs\.changed_[a-z0-9_]+ == 'true'")


def changed(condition: str) -> str:
    """The step condition with its changed-service test taken as holding: `TEST` alone is
    `success()` (GitHub adds it to a condition without a status function), and
    `(failure() || cancelled()) && TEST` is `failure() || cancelled()`."""
    if not CHANGED.search(condition):
        return condition
    rest = CHANGED.sub("", condition).strip()
    rest = re.sub(r"\s*&&\s*$", "", rest).strip()
    if not rest:
        return "success()"
    return re.sub(r"^\((.*)\)$", r"\1", rest)


class Workflow:
    """The deploy jobs of the generated workflow, run the way GitHub's runner runs them."""

    def __init__(self, out: Path, env: dict[str, str], digest: str, log: Path):
        path = next(out.glob(".github/workflows/*.yml"))
        self.jobs: dict[str, Any] = yaml.safe_load(path.read_text())["jobs"]
        self.images = self.pushed_images()
        self.out = out
        self.env = env
        self.digest = digest
        self.log = log
        self.log_start = log.stat().st_size if log.exists() else 0
        self.temp = Path(tempfile.mkdtemp(prefix="rehearsal-runner-"))
        self.lock = threading.Lock()
        self.running: subprocess.Popen[str] | None = None
        self.running_step = ""
        self.cancelled = False
        self.cancelled_step = ""  # the step a cancel interrupted
        self.escalated = ""  # the last signal the step outlived
        self.cancel_outcome: tuple[int | None, float] = (None, 0.0)  # its status, seconds to end
        self.failed_steps: list[str] = []

    def pushed_images(self) -> dict[str, str]:
        """The image each output of an image job names, as `needs.<job>.outputs.<output>`:
        the `IMAGE` of the step whose `reference` output it is (the push step). One job per
        service (`image-<service>`, output `reference`), or the former single `image` job
        (outputs `ref_<service>`)."""
        images = {}
        for job_id, job in self.jobs.items():
            if job_id != "image" and not job_id.startswith("image-"):
                continue
            steps = {step.get("id"): step for step in job.get("steps", []) if step.get("id")}
            for output, value in (job.get("outputs") or {}).items():
                match = re.fullmatch(
                    r"\$\{\{\s*steps\.([A-Za-z0-9_-]+)\.outputs\.reference\s*\}\}", str(value))
                if match and match.group(1) in steps:
                    images[f"{job_id}.outputs.{output}"] = steps[match.group(1)]["env"]["IMAGE"]
        return images

    def output(self) -> str:
        """Everything the steps of this workflow run printed so far."""
        with self.log.open("rb") as log:
            log.seek(self.log_start)
            return log.read().decode(errors="replace")

    def expression(self, text: str, status: str = "success") -> str:
        def value(match: re.Match[str]) -> str:
            name = match.group(1).strip()
            if name == "runner.temp":
                return str(self.temp)
            if name == "job.status":  # the job's status when the step starts
                return status
            if name == "github.token":  # no GitHub API here: the audit step says so
                return ""
            # The rehearsal plays a push that changed every service (see CHANGED).
            if re.fullmatch(r"needs\.changes\.outputs\.(changed_[a-z0-9_]+|any)", name):
                return "true"
            ref = re.fullmatch(r"needs\.(image(?:-[a-z0-9-]+)?\.outputs\.[a-z0-9_]+)", name)
            if ref:
                if ref.group(1) not in self.images:
                    raise SystemExit(f"no image job's push step gives {ref.group(1)}")
                # what the push step reports: the pushed image, by digest
                return f"{self.images[ref.group(1)]}@{self.digest}"
            raise SystemExit(f"the rehearsal has no value for the expression ${{{{ {name} }}}}")
        return re.sub(r"\$\{\{(.*?)\}\}", value, text)

    def step_env(self, job: dict[str, Any], step: dict[str, Any],
                 status: str = "success") -> dict[str, str]:
        env = dict(self.env)
        for scope in (job, step):
            for key, raw in (scope.get("env") or {}).items():
                env[key] = self.expression(str(raw), status)
        env.update(GITHUB_SERVER_URL="https://github.example", GITHUB_REPOSITORY="acme/rehearsal",
                   GITHUB_RUN_ID="1", GITHUB_ACTOR="rehearsal",
                   GITHUB_STEP_SUMMARY=str(self.temp / "step-summary.md"))
        env["RUNNER_TEMP"] = str(self.temp)
        env["GITHUB_SHA"] = "0" * 40
        env["GITHUB_OUTPUT"] = str(self.temp / "github-output")
        return env

    @staticmethod
    def shell(step: dict[str, Any], file: Path) -> list[str]:
        shell = step.get("shell")
        if shell is None:
            return ["bash", "-e", str(file)]
        if shell == "bash":
            return ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(file)]
        raise SystemExit(f"the rehearsal does not run `shell: {shell}` steps")

    def run_job(self, job_id: str) -> bool:
        """Runs a job's steps; returns whether it succeeded."""
        job = self.jobs[job_id]
        failed = False
        for number, step in enumerate(job["steps"]):
            run = step.get("run")
            condition = changed(str(step.get("if", "success()")).strip())
            if run is None or step["name"] in NOT_REHEARSED or step["name"].startswith("Log in to "):
                continue
            wanted = {
                "success()": not failed and not self.cancelled,
                "failure() || cancelled()": failed or self.cancelled,
                "cancelled()": self.cancelled,
                "failure()": failed and not self.cancelled,
                "always()": True,
            }.get(condition)
            if wanted is None:
                raise SystemExit(f"{job_id}: step {step['name']!r}: the rehearsal does not "
                                 f"evaluate `if: {condition}`")
            if not wanted:
                continue
            status = "cancelled" if self.cancelled else "failure" if failed else "success"
            file = self.temp / f"{job_id}-{number}.sh"
            file.write_text(self.expression(run, status))
            with self.log.open("a") as log:
                log.write(f"\n### {job_id}: {step['name']}\n")
                log.flush()
                with self.lock:
                    if self.cancelled and condition == "success()":
                        continue
                    self.running = subprocess.Popen(
                        self.shell(step, file), cwd=self.out,
                        env=self.step_env(job, step, status),
                        stdout=log, stderr=subprocess.STDOUT, text=True,
                        start_new_session=True,
                    )
                    self.running_step = f"{job_id}: {step['name']}"
                status = self.running.wait()
                with self.lock:
                    self.running = None
                    self.running_step = ""
                log.write(f"### exit status {status}\n")
            if status != 0:
                failed = True
                self.failed_steps.append(f"{job_id}: {step['name']}")
        return not failed and not self.cancelled

    def cancel(self) -> None:
        """What GitHub's runner does on cancel: SIGINT to the running step's processes, SIGTERM
        7.5 s later, SIGKILL 2.5 s after that; then the steps whose `if:` allows a cancel."""
        with self.lock:
            self.cancelled = True
            running = self.running
            if running is None:
                return
            self.cancelled_step = self.running_step
        started = time.monotonic()
        for sig, wait in ((signal.SIGINT, 7.5), (signal.SIGTERM, 2.5), (signal.SIGKILL, 5)):
            try:
                os.killpg(running.pid, sig)
            except ProcessLookupError:
                pass
            try:
                running.wait(timeout=wait)
                break
            except subprocess.TimeoutExpired:
                self.escalated = sig.name
        self.cancel_outcome = (running.returncode, time.monotonic() - started)

    def order(self, environment: str) -> list[str]:
        """The deploy jobs of an environment, in the order their `needs` chain them."""
        ids = [j for j in self.jobs if j == f"deploy-{environment}"
               or j.startswith(f"deploy-{environment}-")]
        ordered: list[str] = []
        while len(ordered) < len(ids):
            ready = [job for job in ids if job not in ordered and all(
                n in ordered for n in self.jobs[job].get("needs", []) if n in ids)]
            if not ready:
                raise SystemExit(f"the deploy jobs of {environment} need each other in a cycle")
            ordered.extend(ready[:1])
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
    """Turns the canary's metrics bad once the rollout starts its step at `weight`%: when the
    candidate is scaled to that step's pods, or (whichever the poll sees first) when the route
    sends it that weight. The step before it has finished its analysis by then."""

    def __init__(self, cluster: Cluster, rollout: Rollout, weight: int, preset: str, path: str):
        super().__init__(daemon=True)
        self.cluster, self.rollout, self.weight = cluster, rollout, weight
        self.preset, self.path = preset, path
        self.stop = threading.Event()
        self.fired = ""
        index = rollout.steps.index(weight)
        self.previous = rollout.steps[index - 1] if index else 0

    def pods_for(self, weight: int) -> int:
        total = int(self.rollout.settings.get("replicas") or 1)
        return max(1, (total * weight + 99) // 100)

    def run(self) -> None:
        rollout = self.rollout
        step_pods = self.pods_for(self.weight)
        grows = self.previous == 0 or step_pods > self.pods_for(self.previous)
        while not self.stop.is_set():
            canary = self.cluster.weights(rollout.namespace, rollout.service).get("canary", 0)
            pods = self.cluster.replicas(rollout.namespace, rollout.candidate)
            if canary >= self.weight or (grows and canary >= self.previous
                                         and pods >= step_pods):
                write_scenario(self.path, self.preset, rollout)
                self.fired = f"{self.preset} from {canary}% on {pods} pod(s)"
                return
            time.sleep(0.2)


@dataclass
class Verdict:
    scenario: str
    ok: bool
    detail: str


def rehearse(out: Path, run_dir: Path, divisor: int, only: str | None, service: str | None,
             breaking: str | None) -> list[Verdict]:
    env = dict(os.environ)
    for name in ("env", "prometheus.env"):
        if not (run_dir / name).is_file():
            continue
        for line in (run_dir / name).read_text().splitlines():
            match = re.fullmatch(r"(?:export )?([A-Z_]+)=(.*)", line.strip())
            if match:
                env[match.group(1)] = match.group(2).strip("'\"")
    env["PATH"] = f"{run_dir / 'bin'}:{env['PATH']}"
    env["SLIPWAY_TIME_DIVISOR"] = str(divisor)
    scenario_file = env.get("SLIPWAY_METRICS_SCENARIO", "")
    cluster = Cluster(env)
    label = out.name
    original = out
    if breaking:
        # a copy: the compiled tree stays as the compiler wrote it
        copy = Path(tempfile.mkdtemp(prefix="rehearsal-broken-")) / out.name
        shutil.copytree(out, copy, symlinks=True)
        guarantees.BREAKS[breaking](copy)
        out = copy
    # what Argo CD would read from the repository: the tree before any job ran
    commit = Path(tempfile.mkdtemp(prefix="rehearsal-commit-")) / out.name
    shutil.copytree(out, commit, symlinks=True)
    verdicts: list[Verdict] = []
    counter = iter(range(1, 1000))
    log = run_dir / "rehearsal.log"

    def workflow() -> Workflow:
        digest = "sha256:" + f"{os.getpid():08x}{next(counter):056x}"
        return Workflow(out, env, digest, log)

    ALL_ROLLOUTS.extend(rollouts(out))
    for rollout in ALL_ROLLOUTS:
        if service and rollout.service != service:
            continue
        name = f"{label}/{rollout.environment}/{rollout.service}"
        for scenario in scenarios_of(rollout):
            if only and scenario != only:
                continue
            verdicts.append(reported(log, f"{name}: {scenario}", lambda: run_scenario(
                cluster, workflow(), rollout, scenario, scenario_file)))
    for environment in [] if service else guarantees.environments(out):
        for scenario, check in environment_scenarios(out, environment):
            if only and scenario != only:
                continue
            if ALL_ROLLOUTS:
                write_scenario(scenario_file, "healthy", ALL_ROLLOUTS[0])
            verdicts.append(reported(log, f"{label}/{environment}: {scenario}",
                                     lambda: check(cluster, workflow, commit, environment)))
    for scratch in {commit.parent, out.parent} - {original.parent}:
        shutil.rmtree(scratch, ignore_errors=True)  # the commit copy, and a broken copy
    return verdicts


def reported(log: Path, title: str, scenario: Any) -> Verdict:
    """Runs `scenario` (returning ok and what the cluster showed) between two lines of the log,
    and prints its verdict line."""
    started = time.monotonic()
    with log.open("a") as handle:
        handle.write(f"\n\n######## {title}\n")
    ok, detail = scenario()
    print(f"{'PASS' if ok else 'FAIL'}  {title}  ({time.monotonic() - started:.0f}s) {detail}",
          flush=True)
    with log.open("a") as handle:
        handle.write(f"######## {'PASS' if ok else 'FAIL'} {title}: {detail}\n")
    return Verdict(title, ok, detail)


def environment_scenarios(out: Path, environment: str) -> list[tuple[str, Any]]:
    """The guarantees rehearsed once per environment, after its rollouts."""
    found: list[tuple[str, Any]] = []
    if guarantees.argo_rollouts(out, environment):
        return found
    if guarantees.autoscalers(out, environment):
        found.append(("autoscaled replicas survive a deploy", guarantees.autoscaled_survives))
    if guarantees.application(out, environment):
        found.append(("an Argo CD sync keeps the deploy", guarantees.argocd_keeps))
    return found


def scenarios_of(rollout: Rollout) -> list[str]:
    if rollout.kind == "blue_green":
        return ["first deploy", "switch waits for approval, then promotes", "cancel restores"]
    hooked = ["a failing hook rolls back"] if rollout.hooks else []
    if not rollout.gated:
        return ["first deploy", "healthy is promoted", *hooked, "cancel restores"]
    middle = rollout.steps[len(rollout.steps) // 2]
    return ["first deploy", "healthy is promoted",
            f"slow at {rollout.steps[0]}% rolls back",
            f"erroring at {middle}% rolls back",
            f"slow at {rollout.steps[-1]}% rolls back",
            "no data rolls back", *hooked, "cancel restores"]


def at_rest(cluster: Cluster, rollout: Rollout) -> tuple[bool, str]:
    """All traffic on the live track, the candidate at 0 pods, the live track rolled out, and
    none of a canary's routing by request (header route, mirror) left behind."""
    live_subset, candidate_subset = rollout.subsets
    weights = cluster.weights(rollout.namespace, rollout.service)
    candidate = cluster.replicas(rollout.namespace, rollout.candidate)
    serving, how = cluster.serving(rollout.namespace, rollout.live)
    left = cluster.request_routing(rollout.namespace, rollout.service)
    ok = (weights.get(live_subset) == 100 and weights.get(candidate_subset, 0) == 0
          and candidate == 0 and serving and not left)
    leftover = f", request routing left: {left}" if left else ""
    return ok, f"route {weights}, {rollout.candidate} at {candidate} pod(s), {how}{leftover}"


def routes_by_request(out: Path, rollout: Rollout) -> list[str]:
    """What the first step's VirtualService routes by request (as `request_routing` reads
    it), from the compiled tree: empty for a canary without a `requests` block."""
    steps = sorted((out / "istio" / rollout.environment / rollout.service / "steps").glob(
        "*/virtualservice.yaml"))
    if not steps:
        return []
    text = steps[0].read_text()
    held = re.findall(r"^  - name: (\S+-header)$", text, flags=re.MULTILINE)
    return held + (["mirror"] if re.search(r"^    mirror:$", text, flags=re.MULTILINE) else [])


def environment_namespaces(rollout: Rollout) -> list[str]:
    return sorted({r.namespace for r in ALL_ROLLOUTS if r.environment == rollout.environment})


def run_scenario(cluster: Cluster, flow: Workflow, rollout: Rollout, scenario: str,
                 scenario_file: str) -> tuple[bool, str]:
    environment = rollout.environment
    jobs = flow.order(environment)
    if scenario == "first deploy":
        for namespace in environment_namespaces(rollout):
            cluster.delete_namespace(namespace)
        if cluster.deployment(rollout.namespace, rollout.live):
            return False, f"{rollout.live} still exists after deleting {rollout.namespace}"
    before = cluster.image(rollout.namespace, rollout.live)
    new_image = f"@{flow.digest}"
    write_scenario(scenario_file, "absent" if scenario == "no data rolls back" else "healthy",
                   rollout)
    if scenario == "cancel restores":
        return cancel(cluster, flow, rollout, jobs, before)
    if scenario == "a failing hook rolls back":
        return failing_hook(cluster, flow, rollout, jobs, before)
    watcher = None
    match = re.fullmatch(r"(slow|erroring) at (\d+)% rolls back", scenario)
    if match:
        watcher = FailAt(cluster, rollout, int(match.group(2)), match.group(1), scenario_file)
        watcher.start()
    scale = None
    if rollout.kind == "canary" and scenario in ("first deploy", "healthy is promoted"):
        scale = guarantees.ScaleWatch(cluster, rollout)
        scale.start()
    ok = True
    notes: list[str] = []
    for job in jobs:
        if scenario.startswith("switch waits") and job in flow.approval_jobs(environment):
            waiting_ok, waiting = waiting_for_approval(cluster, rollout, new_image, before)
            if not waiting_ok:
                return False, f"before the approval: {waiting}"
            notes.append(f"before the approval: {waiting}")
        ok = flow.run_job(job)
        if not ok:
            break
    if watcher:
        watcher.stop.set()
        watcher.join()
    if scale:
        scale.stop.set()
        scale.join()
        notes.append(scale.summary())
    rest_ok, rest = at_rest(cluster, rollout)
    live_image = cluster.image(rollout.namespace, rollout.live)
    output = flow.output()
    failed_at = re.findall(rf"::error::{re.escape(rollout.service)}: the canary failed its "
                           rf"analysis at (\d+)%", output)
    if scenario in ("first deploy", "healthy is promoted") or scenario.startswith("switch"):
        problems = []
        if not ok:
            problems.append(f"the jobs failed ({'; '.join(flow.failed_steps)})")
        if not live_image.endswith(new_image):
            problems.append(f"{rollout.live} runs {live_image}, not this run's digest")
        if failed_at:
            problems.append(f"the analysis failed at {failed_at}%")
        analysed = [int(w) for w in re.findall(
            rf"{re.escape(rollout.service)}: analysing {re.escape(rollout.candidate)} "
            rf"at (\d+)%", output)]
        if rollout.gated and analysed != rollout.steps:
            problems.append(f"analysed at {analysed}%, not at every step {rollout.steps}%")
        if rollout.kind == "blue_green" and \
                f"{rollout.service}: all traffic to {rollout.candidate}" not in output:
            problems.append("the switch never sent the traffic to the candidate")
        if not rest_ok:
            problems.append("not at rest")
        if scale:
            problems.extend(scale.problems(output))
        problems.extend(hooks_ran(cluster, rollout, output))
        problems.extend(audited(cluster, rollout, "success"))
        runs = "this run's digest" if live_image.endswith(new_image) else live_image[-16:]
        return not problems, "; ".join([*(problems or ["promoted"]), rest,
                                        f"{rollout.live} runs {runs}", *notes])
    # a rollback: the analysis failed where the scenario made it fail, on the gate it broke
    expected = rollout.steps[0] if scenario == "no data rolls back" else int(match.group(2))
    gate = {"slow": rollout.gate("latency"), "erroring": rollout.gate("errors")}.get(
        match.group(1) if match else "", "")
    problems = []
    if ok:
        problems.append("the jobs succeeded")
    if watcher and not watcher.fired:
        problems.append(f"the canary never reached {expected}% (metrics never turned bad)")
    if failed_at != [str(expected)]:
        problems.append(f"the analysis failed at {failed_at or 'no'} weight, not at {expected}%")
    if scenario == "no data rolls back":
        reason = re.search(r"::warning::(\S+): no data", output)
    else:
        reason = re.search(rf"::warning::{re.escape(gate)} = \S+, must be", output) if gate \
            else None
    if not reason:
        problems.append(f"no round failed on {gate or 'missing data'}")
    if live_image != before or live_image.endswith(new_image):
        problems.append(f"{rollout.live} runs {live_image[-16:]}, not its previous version")
    if not rest_ok:
        problems.append("not at rest")
    problems.extend(audited(cluster, rollout, "failure"))
    fired = f" (metrics {watcher.fired})" if watcher else ""
    summary = (f"rolled back at {expected}%{fired}, "
               f"{'on ' + reason.group(0).removeprefix('::warning::') if reason else ''}")
    return not problems, "; ".join([*(problems or [summary]), rest,
                                    f"{rollout.live} kept its version" * (live_image == before)])


def hooks_ran(cluster: Cluster, rollout: Rollout, output: str) -> list[str]:
    """Every hook's Job started; `before` and `after` hooks completed; no load generator is
    left running once the rollout is over."""
    problems = []
    for name, at, job, _ in rollout.hooks:
        if f"{rollout.service}: hook {name} ({at}): starting Job {job}" not in output:
            problems.append(f"hook {name} ({at}) never started")
        if at != "during" and f"{rollout.service}: hook {name}: Job {job} completed" not in output:
            problems.append(f"hook {name} ({at}) never completed")
        if at == "during" and cluster.kubectl("-n", rollout.namespace, "get", "job", job,
                                              "-o", "name", "--ignore-not-found").strip():
            problems.append(f"load generator {job} still exists after the rollout")
    return problems


# The label that makes the rig fail a Job's pod (rig/kwok-stages.yaml: rig-job-pod-failed).
FAIL_LABEL = "rehearsal_fail"


def failing_hook(cluster: Cluster, flow: Workflow, rollout: Rollout, jobs: list[str],
                 before: str) -> tuple[bool, str]:
    """The first hook's Job fails (its pod exits non-zero): the rollout must stop there and
    roll back, leaving the live track on its previous version with all traffic."""
    name, at, job, path = rollout.hooks[0]
    file = flow.out / path
    original = file.read_text()
    manifest = yaml.safe_load(original.split("\n", 1)[1] if original.startswith("#") else original)
    manifest["spec"]["template"]["metadata"]["labels"][FAIL_LABEL] = "true"
    file.write_text(yaml.safe_dump(manifest, sort_keys=False))
    try:
        ok = all(flow.run_job(job_id) for job_id in jobs)
    finally:
        file.write_text(original)
    output = flow.output()
    problems = []
    if ok:
        problems.append("the jobs succeeded")
    if f"::error::{rollout.service}: hook {name} ({at}) failed; rolling back" not in output:
        problems.append(f"no rollback on hook {name}")
    if at == "before" and re.search(rf"{re.escape(rollout.service)}: \d+% of the traffic", output):
        problems.append("traffic moved before the hook that failed")
    live_image = cluster.image(rollout.namespace, rollout.live)
    if live_image != before:
        problems.append(f"{rollout.live} runs {live_image[-16:]}, not its previous version")
    rest_ok, rest = at_rest(cluster, rollout)
    if not rest_ok:
        problems.append("not at rest")
    if cluster.kubectl("-n", rollout.namespace, "get", "job", job, "-o", "name",
                       "--ignore-not-found").strip() and at == "during":
        problems.append(f"load generator {job} still exists after the rollback")
    return not problems, "; ".join([*(problems or [f"rolled back on hook {name} ({at})"]), rest])


def audited(cluster: Cluster, rollout: Rollout, result: str) -> list[str]:
    """The audit step's record on the live Deployment: this job's result and commit."""
    found = cluster.deployment(rollout.namespace, rollout.live) or {}
    annotations = found.get("metadata", {}).get("annotations", {})
    recorded = (annotations.get("slipway.dev/last-result"),
                annotations.get("slipway.dev/last-commit"))
    if recorded != (result, "0" * 40):
        return [f"the audit record on {rollout.live} says {recorded}, not ({result!r}, commit)"]
    return []


def waiting_for_approval(cluster: Cluster, rollout: Rollout, new_image: str,
                         before: str) -> tuple[bool, str]:
    """Before the approval job: the candidate runs this run's version, ready, with no traffic;
    the live track still has all of it and its previous version."""
    live_subset, candidate_subset = rollout.subsets
    weights = cluster.weights(rollout.namespace, rollout.service)
    ready, how = cluster.serving(rollout.namespace, rollout.candidate)
    candidate_image = cluster.image(rollout.namespace, rollout.candidate)
    live_image = cluster.image(rollout.namespace, rollout.live)
    ok = (weights.get(live_subset) == 100 and weights.get(candidate_subset, 0) == 0 and ready
          and candidate_image.endswith(new_image) and live_image == before)
    return ok, (f"route {weights}, {how} with this run's digest"
                f"{'' if candidate_image.endswith(new_image) else ' NOT'}, {rollout.live} "
                f"{'kept' if live_image == before else 'changed'} its version")


def cancel(cluster: Cluster, flow: Workflow, rollout: Rollout, jobs: list[str],
           before: str) -> tuple[bool, str]:
    """Cancels the job that moves traffic once traffic has moved, as GitHub would. A canary
    that routes by request must hold its header route and mirror while the step runs."""
    seen: dict[str, int] = {}
    routed: list[str] = []

    def watch() -> None:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline and not flow.cancelled:
            weights = cluster.weights(rollout.namespace, rollout.service)
            if weights.get(rollout.subsets[1], 0) > 0:
                seen.update(weights)
                routed.extend(cluster.request_routing(rollout.namespace, rollout.service))
                time.sleep(0.5)  # in the middle of the step, not on its first command
                break
            time.sleep(0.2)
        flow.cancel()

    job = jobs[0] if rollout.kind == "canary" else flow.approval_jobs(rollout.environment)[0]
    for earlier in jobs[: jobs.index(job)]:
        if not flow.run_job(earlier):
            return False, f"{earlier} failed before the cancel ({'; '.join(flow.failed_steps)})"
    watcher = threading.Thread(target=watch, daemon=True)
    watcher.start()
    flow.run_job(job)
    watcher.join()
    rest_ok, rest = at_rest(cluster, rollout)
    live_image = cluster.image(rollout.namespace, rollout.live)
    aborted = f"{rollout.service}: all traffic back to {rollout.live}" in flow.output()
    problems = []
    if not seen:
        problems.append("traffic never moved to the candidate")
    expected = routes_by_request(flow.out, rollout) if rollout.kind == "canary" else []
    if seen and routed != expected:
        problems.append(f"the step's VirtualService routed by request {routed}, "
                        f"not {expected} as its file says")
    status, took = flow.cancel_outcome
    if not flow.cancelled_step:
        problems.append("the cancel came when no step ran")
    elif status in (0, None):
        problems.append(f"the cancelled step '{flow.cancelled_step}' went on and exited "
                        f"{status} ({took:.0f}s later): the cancel did not stop it")
    if not aborted:
        problems.append("the abort step did not run")
    if live_image != before:
        problems.append(f"{rollout.live} runs {live_image[-16:]}, not its previous version")
    if not rest_ok:
        problems.append("not at rest")
    problems.extend(audited(cluster, rollout, "cancelled"))
    outlived = f" (it outlived {flow.escalated})" if flow.escalated else ""
    summary = (f"cancelled in '{flow.cancelled_step}'{outlived} with the route at {seen}, "
               f"it ended {took:.1f}s later with status {status}; "
               f"{rollout.live} kept its version")
    return not problems, "; ".join([*(problems or [summary]), rest])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", type=Path)
    parser.add_argument("run_dir", type=Path)
    parser.add_argument("--divisor", type=int, default=20)
    parser.add_argument("--only", help="run only the scenario of this name")
    parser.add_argument("--service", help="run only the scenarios of this service")
    parser.add_argument("--break", dest="breaking", choices=sorted(guarantees.BREAKS))
    args = parser.parse_args()
    # A background job of a non-interactive shell (`cmd &` in a script, nohup) starts with
    # SIGINT and SIGQUIT ignored, and would pass that on to every step: a cancel's SIGINT would
    # then do nothing. GitHub's runner starts steps with the default dispositions.
    for sig in (signal.SIGINT, signal.SIGQUIT, signal.SIGTERM):
        if signal.getsignal(sig) == signal.SIG_IGN:
            signal.signal(sig, signal.default_int_handler if sig == signal.SIGINT
                          else signal.SIG_DFL)
    if (args.out / "rollout").is_dir() and not (args.run_dir / "prometheus.env").is_file() \
            or not (args.run_dir / "env").is_file():
        print(f"rehearse.py: need RUN_DIR/env, and RUN_DIR/prometheus.env for OUT_DIR/rollout "
              f"({args.out}, {args.run_dir})", file=sys.stderr)
        return 2
    started = time.monotonic()
    verdicts = rehearse(args.out.resolve(), args.run_dir.resolve(), args.divisor, args.only,
                        args.service, args.breaking)
    failed = [v for v in verdicts if not v.ok]
    print(f"rehearsal of {args.out.name}: {len(verdicts)} scenario(s), {len(failed)} failed, "
          f"{time.monotonic() - started:.0f}s")
    return 1 if failed or not verdicts else 0


if __name__ == "__main__":
    sys.exit(main())
