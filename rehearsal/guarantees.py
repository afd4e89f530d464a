"""Environment-wide guarantees of the generated delivery, rehearsed against the cluster: an
autoscaler's replica count survives a deploy, and an Argo CD sync of an environment the workflow
deploys changes nothing the workflow did (one owner per environment). Also the `--break` copies
that show each rehearsal can fail.

Argo CD itself does not run in the rig (its controller needs a repo server, Redis and Git). What
a sync would apply is computed from the generated Application as Argo CD documents it: the
rendered sources (a Kustomize overlay is built with `kubectl kustomize`, a directory source
takes the files its `recurse`/`include`/`exclude` select), with `RespectIgnoreDifferences=true`
the live value kept at every path that `ignoreDifferences` names, then `kubectl apply` (Argo
CD's default client-side apply). The sources are read from a copy of the tree taken before any
job ran: the commit Argo CD would see, not the runner's pinned overlay.
"""

from __future__ import annotations

import copy
import fnmatch
import json
import re
import subprocess
import tempfile
import threading
import time
from pathlib import Path
from typing import Any, Callable

import yaml


def documents(path: Path) -> list[dict[str, Any]]:
    return [doc for doc in yaml.safe_load_all(path.read_text()) if isinstance(doc, dict)]


# ---- what the compiled tree holds ------------------------------------------------------------

def manifests(out: Path, environment: str) -> list[dict[str, Any]]:
    return [d for path in sorted((out / "k8s" / environment).glob("*.yaml"))
            for d in documents(path)]


def autoscalers(out: Path, environment: str) -> list[dict[str, Any]]:
    """The HorizontalPodAutoscalers of Deployments in an environment's manifests."""
    return [d for d in manifests(out, environment) if d.get("kind") == "HorizontalPodAutoscaler"
            and d["spec"]["scaleTargetRef"]["kind"] == "Deployment"]


def argo_rollouts(out: Path, environment: str) -> bool:
    """Whether the Argo Rollouts controller rolls the environment out (its Rollouts do not
    progress without it)."""
    return any(d.get("kind") == "Rollout" for d in manifests(out, environment))


def application(out: Path, environment: str) -> dict[str, Any] | None:
    path = out / "argocd" / "applications" / f"{environment}.yaml"
    return documents(path)[0] if path.is_file() else None


def environments(out: Path) -> list[str]:
    return sorted(p.name for p in (out / "k8s").iterdir() if p.is_dir()) \
        if (out / "k8s").is_dir() else []


# ---- Argo CD's sync, as its Application says ---------------------------------------------------

def braces(pattern: str) -> list[str]:
    """`{a,b}` alternatives expanded (Argo CD's include/exclude globs allow them)."""
    match = re.search(r"\{([^{}]*)\}", pattern)
    if not match:
        return [pattern]
    head, tail = pattern[: match.start()], pattern[match.end():]
    return [e for choice in match.group(1).split(",") for e in braces(head + choice + tail)]


def directory_files(root: Path, directory: dict[str, Any]) -> list[Path]:
    include = braces(directory.get("include", "*"))
    exclude = braces(directory["exclude"]) if directory.get("exclude") else []
    pattern = "**/*" if directory.get("recurse") else "*"
    chosen = []
    for path in sorted(root.glob(pattern)):
        relative = str(path.relative_to(root))
        if path.suffix not in (".yaml", ".yml", ".json") or not path.is_file():
            continue
        if any(fnmatch.fnmatchcase(relative, p) for p in include) and \
                not any(fnmatch.fnmatchcase(relative, p) for p in exclude):
            chosen.append(path)
    return chosen


def rendered(source: dict[str, Any], commit: Path, env: dict[str, str]) -> list[dict[str, Any]]:
    root = commit / source["path"]
    if (root / "kustomization.yaml").is_file():
        built = subprocess.run(["kubectl", "kustomize", str(root)], env=env, check=True,
                               capture_output=True, text=True).stdout
        return [d for d in yaml.safe_load_all(built) if isinstance(d, dict)]
    objects: list[dict[str, Any]] = []
    for path in directory_files(root, source.get("directory") or {}):
        objects.extend(documents(path))
    return objects


def jq_steps(expression: str) -> list[str]:
    """`.a.b[].c` as steps (`[]`: every element); the only jq form the compiler writes."""
    if not re.fullmatch(r"(\.[A-Za-z_][A-Za-z0-9_]*(\[\])?)+", expression):
        raise SystemExit(f"the rehearsal's Argo CD sync does not read the jq path {expression!r}")
    steps = []
    for name, every in re.findall(r"\.([A-Za-z_][A-Za-z0-9_]*)(\[\])?", expression):
        steps.append(name)
        if every:
            steps.append("[]")
    return steps


def pointer_steps(pointer: str) -> list[str]:
    return [p.replace("~1", "/").replace("~0", "~") for p in pointer.split("/")[1:]]


def keep_live(desired: Any, live: Any, steps: list[str]) -> None:
    """Copies the live value into `desired` at every place `steps` reaches in both."""
    if not steps or desired is None or live is None:
        return
    step, rest = steps[0], steps[1:]
    if step == "[]" or (step.isdigit() and isinstance(desired, list)):
        if not isinstance(desired, list) or not isinstance(live, list):
            return
        indexes = range(min(len(desired), len(live))) if step == "[]" else [int(step)]
        for index in indexes:
            if index >= min(len(desired), len(live)):
                continue
            if rest:
                keep_live(desired[index], live[index], rest)
            else:
                desired[index] = copy.deepcopy(live[index])
        return
    if not isinstance(desired, dict) or not isinstance(live, dict) or step not in live:
        return
    if rest:
        keep_live(desired.get(step), live[step], rest)
    else:
        desired[step] = copy.deepcopy(live[step])


def ignored(rule: dict[str, Any], obj: dict[str, Any], namespace: str) -> bool:
    group = obj["apiVersion"].split("/")[0] if "/" in obj["apiVersion"] else ""
    meta = obj.get("metadata", {})
    return (rule.get("group", "") == group and rule.get("kind") == obj.get("kind")
            and rule.get("name", meta.get("name")) == meta.get("name")
            and rule.get("namespace", meta.get("namespace", namespace))
            == meta.get("namespace", namespace))


def live_object(kubectl: Callable[..., str], obj: dict[str, Any], namespace: str) -> Any:
    meta = obj.get("metadata", {})
    found = kubectl("-n", meta.get("namespace", namespace), "get",
                    f"{obj['kind']}.{obj['apiVersion'].split('/')[0]}"
                    if "/" in obj["apiVersion"] else obj["kind"],
                    meta["name"], "--ignore-not-found", "-o", "json", check=False)
    return json.loads(found) if found.strip() else None


def argocd_sync(app: dict[str, Any], commit: Path, env: dict[str, str],
                kubectl: Callable[..., str]) -> str:
    """Applies what a sync of `app` applies; returns a line saying what it did."""
    spec = app["spec"]
    namespace = spec["destination"]["namespace"]
    respect = "RespectIgnoreDifferences=true" in (spec.get("syncPolicy") or {}).get(
        "syncOptions", [])
    rules = spec.get("ignoreDifferences") or []
    objects = [o for s in (spec.get("sources") or [spec.get("source")]) if s
               for o in rendered(s, commit, env)]
    kept = 0
    for obj in objects:
        live = live_object(kubectl, obj, namespace)
        for rule in rules if respect and live else []:
            if not ignored(rule, obj, namespace):
                continue
            for expression in rule.get("jqPathExpressions", []):
                keep_live(obj, live, jq_steps(expression))
                kept += 1
            for pointer in rule.get("jsonPointers", []):
                keep_live(obj, live, pointer_steps(pointer))
                kept += 1
    with tempfile.NamedTemporaryFile("w", suffix=".yaml", delete=False) as handle:
        yaml.safe_dump_all(objects, handle)
    kubectl("-n", namespace, "apply", "-f", handle.name)
    Path(handle.name).unlink()
    return (f"synced {len(objects)} object(s) of {app['metadata']['name']}, "
            f"{kept} ignored path(s) kept live")


# ---- the --break copies ----------------------------------------------------------------------

def break_gates(tree: Path) -> None:
    """The scripts tolerate 9,000 failed rounds: no gate can stop a rollout."""
    for script in tree.glob("rollout/*/*.sh"):
        text = script.read_text()
        script.write_text(re.sub(r"^failure_limit='\d+'$", "failure_limit='9000'", text,
                                 flags=re.M))


def break_abort(tree: Path) -> None:
    """`abort` does nothing: a failed or cancelled rollout leaves traffic where it was."""
    for script in tree.glob("rollout/*/*.sh"):
        text = script.read_text()
        script.write_text(re.sub(r"^abort\(\) \{$", "abort() {\n  return 0", text, flags=re.M))


def break_replicas(tree: Path) -> None:
    """Autoscaled Deployments carry `spec.replicas` again (the autoscaler's minimum), as they
    did before the compiler left it out: every apply resets what the autoscaler chose."""
    targets: dict[str, int] = {}
    for environment in environments(tree):
        for hpa in autoscalers(tree, environment):
            target = hpa["spec"]["scaleTargetRef"]
            if target["kind"] == "Deployment":
                targets[target["name"]] = int(hpa["spec"].get("minReplicas", 1))
    resources = [p for p in tree.glob("kustomize/overlays/*/*.yaml")
                 if p.name != "kustomization.yaml"]
    for path in [*tree.glob("k8s/*/*.yaml"), *resources]:
        docs = list(yaml.safe_load_all(path.read_text()))
        for doc in docs:
            if isinstance(doc, dict) and doc.get("kind") == "Deployment" and \
                    doc["metadata"]["name"] in targets:
                doc["spec"].setdefault("replicas", targets[doc["metadata"]["name"]])
        path.write_text(yaml.safe_dump_all(docs))
    # the overlays remove the base's `replicas` from an autoscaled Deployment: set it instead
    # (the patches are inline in each overlay's kustomization.yaml)
    for path in tree.glob("kustomize/overlays/*/kustomization.yaml"):
        kustomization = yaml.safe_load(path.read_text())
        for entry in kustomization.get("patches", []):
            target = entry.get("target") or {}
            name = target.get("name")
            if target.get("kind") != "Deployment" or name not in targets:
                continue
            operations = yaml.safe_load(entry["patch"])
            for operation in operations:
                if operation == {"op": "remove", "path": "/spec/replicas"}:
                    operation.update(op="replace", value=targets[name])
            entry["patch"] = yaml.safe_dump(operations)
        path.write_text(yaml.safe_dump(kustomization))


def break_argocd(tree: Path) -> None:
    """The Applications no longer keep the pipeline's digests: a sync puts the tags back."""
    for path in tree.glob("argocd/applications/*.yaml"):
        docs = documents(path)
        for doc in docs:
            doc["spec"].pop("ignoreDifferences", None)
        path.write_text(yaml.safe_dump_all(docs))


BREAKS: dict[str, Callable[[Path], None]] = {
    "gates-cannot-fail": break_gates,
    "no-abort": break_abort,
    "hpa-replicas": break_replicas,
    "argocd-reverts": break_argocd,
}


# ---- the scenarios ---------------------------------------------------------------------------

def namespace_state(kubectl: Callable[..., str], namespace: str) -> dict[str, str]:
    """What a deploy decides, by object: each Deployment's images and replica count, each
    VirtualService's routes."""
    state: dict[str, str] = {}
    for kind in ("deployments", "virtualservices.networking.istio.io"):
        found = kubectl("-n", namespace, "get", kind, "-o", "json", check=False)
        for item in json.loads(found)["items"] if found.strip() else []:
            spec = item["spec"]
            if kind == "deployments":
                images = [c["image"] for c in spec["template"]["spec"]["containers"]]
                value = f"images {images}, replicas {spec.get('replicas')}"
            else:
                value = json.dumps(spec.get("http"), sort_keys=True)
            state[f"{kind.split('.')[0][:-1]}/{item['metadata']['name']}"] = value
    return state


def deploy(new_flow: Callable[[], Any], environment: str) -> tuple[Any, bool]:
    flow = new_flow()
    ok = all(flow.run_job(job) for job in flow.order(environment))
    return flow, ok


def autoscaled_survives(cluster: Any, new_flow: Callable[[], Any], out: Path,
                        environment: str) -> tuple[bool, str]:
    """Deploy, let the autoscalers choose another replica count (the rig has no metrics API,
    so the rehearsal scales each target as its autoscaler would, within min..max), deploy a new
    version: every target keeps the count its autoscaler chose, and its autoscaler its floor."""
    hpas = autoscalers(out, environment)
    namespace = hpas[0]["metadata"]["namespace"]
    targets = [hpa["spec"]["scaleTargetRef"]["name"] for hpa in hpas]
    if not all(cluster.deployment(namespace, target) for target in targets):
        flow, ok = deploy(new_flow, environment)  # the rollouts before have not deployed it
        if not ok:
            return False, f"the first deploy failed ({'; '.join(flow.failed_steps)})"
    chosen: dict[str, int] = {}
    for hpa in hpas:
        target = hpa["spec"]["scaleTargetRef"]["name"]
        low, high = int(hpa["spec"].get("minReplicas", 1)), int(hpa["spec"]["maxReplicas"])
        current = cluster.replicas(namespace, target)
        track = (cluster.deployment(namespace, target) or {}).get("metadata", {}).get(
            "labels", {}).get("version")
        if track in ("canary", "green") or current == 0 or low == high:
            continue  # a candidate (at rest at 0 pods, its autoscaler off) or nothing to choose
        chosen[target] = current + 1 if current < high else current - 1
        cluster.kubectl("-n", namespace, "scale", f"deployment/{target}",
                        f"--replicas={chosen[target]}")
    if not chosen:
        return False, "no autoscaled Deployment runs pods after the first deploy"
    flow, ok = deploy(new_flow, environment)
    problems, seen = [], []
    if not ok:
        problems.append(f"the second deploy failed ({'; '.join(flow.failed_steps)})")
    for target, count in sorted(chosen.items()):
        replicas = cluster.replicas(namespace, target)
        serving, how = cluster.serving(namespace, target)
        seen.append(f"{target} at {replicas} (the autoscaler chose {count})")
        if replicas != count:
            problems.append(f"the deploy reset {target} from {count} to {replicas} replicas")
        if not serving or not cluster.image(namespace, target).endswith(f"@{flow.digest}"):
            problems.append(f"{target} does not serve this run's digest ({how})")
    for hpa in hpas:
        found = json.loads(cluster.kubectl("-n", namespace, "get", "hpa",
                                           hpa["metadata"]["name"], "-o", "json"))
        if found["spec"].get("minReplicas") != hpa["spec"].get("minReplicas"):
            problems.append(f"hpa/{hpa['metadata']['name']} kept the floor "
                            f"{found['spec'].get('minReplicas')}")
    return not problems, "; ".join(problems or [f"kept: {', '.join(seen)}, new version rolled out"])


def argocd_keeps(cluster: Any, new_flow: Callable[[], Any], commit: Path,
                 environment: str) -> tuple[bool, str]:
    """After the workflow deployed, a sync of the environment's Application (an operator's
    Sync, or an automated one) changes no image, replica count or route."""
    app = application(commit, environment)
    assert app is not None
    namespace = app["spec"]["destination"]["namespace"]
    notes = []
    digest = ""
    if not any(k.startswith("deployment/") for k in namespace_state(cluster.kubectl, namespace)) \
            or not list(commit.glob(f"rollout/{environment}/*.sh")):
        flow, ok = deploy(new_flow, environment)
        if not ok:
            return False, f"the deploy failed ({'; '.join(flow.failed_steps)})"
        digest = flow.digest
        notes.append("deployed")
    before = namespace_state(cluster.kubectl, namespace)
    notes.append(argocd_sync(app, commit, cluster.env, cluster.kubectl))
    after = namespace_state(cluster.kubectl, namespace)
    problems = [f"the sync changed {name}: {before.get(name)} -> {after.get(name)}"
                for name in sorted(set(before) | set(after)) if before.get(name) != after.get(name)]
    if digest and not any(digest in value for value in after.values()):
        problems.append("no Deployment runs this run's digest")
    if "automated" in (app["spec"].get("syncPolicy") or {}):
        notes.append("the Application syncs by itself")
    return not problems, "; ".join(problems or [*notes, "nothing the workflow did changed"])


class ScaleWatch(threading.Thread):
    """Records, the first time the route gives the candidate each weight, how many pods the
    candidate and the live track have: the candidate must be at ceil(weight x live) (at least
    1, at most the autoscaling maximum) before traffic moves, so that traffic that bypasses the
    mesh, which a Service splits by ready pods, follows the weight too."""

    def __init__(self, cluster: Any, rollout: Any):
        super().__init__(daemon=True)
        self.cluster, self.rollout = cluster, rollout
        self.stop = threading.Event()
        self.seen: dict[int, tuple[int, int]] = {}  # weight: (candidate pods, live pods)

    def run(self) -> None:
        rollout = self.rollout
        while not self.stop.is_set():
            weight = self.cluster.weights(rollout.namespace, rollout.service).get("canary", 0)
            if weight and weight not in self.seen:
                self.seen[weight] = (self.cluster.replicas(rollout.namespace, rollout.candidate),
                                     self.cluster.replicas(rollout.namespace, rollout.live))
            time.sleep(0.2)

    def problems(self, output: str) -> list[str]:
        """Checks each step's count against the live count the script read (its log line)."""
        rollout = self.rollout
        ceiling = rollout.settings.get("autoscaling_max") or ""
        claimed = {int(w): (int(p), int(t)) for w, p, t in re.findall(
            rf"{re.escape(rollout.service)}: (\d+)% of the traffic to "
            rf"{re.escape(rollout.candidate)}, on (\d+) pod\(s\) beside (\d+)", output)}
        found = []
        for weight, (pods, live) in sorted(claimed.items()):
            wanted = max(1, -(-live * weight // 100))
            if ceiling:
                wanted = min(wanted, int(ceiling))
            if pods != wanted:
                found.append(f"at {weight}% the script scaled the candidate to {pods} pod(s) "
                             f"beside {live}, not {wanted}")
            seen = self.seen.get(weight)
            if seen is None:
                found.append(f"the route never gave the candidate {weight}% (in a 0.2 s poll)")
            elif seen[0] < pods:
                found.append(f"at {weight}% the candidate had {seen[0]} pod(s) when the route "
                             f"moved, not {pods}")
        if sorted(claimed) != sorted(rollout.steps):
            found.append(f"the script scaled for {sorted(claimed)}%, not {rollout.steps}%")
        return found

    def summary(self) -> str:
        return "pods by weight " + ", ".join(
            f"{w}%: {p}/{live}" for w, (p, live) in sorted(self.seen.items()))
