#!/usr/bin/env python3
"""Server-side dry run of compiled Slipway output trees (driven by ../dryrun.sh).

    dryrun.py WORKDIR TREE...

Needs KUBECTL and KUBECONFIG in the environment (a running rig cluster with the
CRDs applied). For each TREE:
  - every YAML document of every file below it, except under .github/ and
    kustomize/ (k8s/<env>/, istio/, argocd/, prometheus/, rollouts/, ...);
  - every kustomize/overlays/<env>, built with `kubectl kustomize`, and each
    document of the build.
Namespaces that the documents name (metadata.namespace, Namespace objects) are
created for real first. Then each document is sent on its own to
`kubectl apply --dry-run=server --validate=strict -f -`.

Prints `REJECTED <tree>/<file>#<doc> <Kind>/<name>: <message>` per rejected
document, `warning ...` lines (stderr) for accepted documents the server warned
about, and a summary. Exit 0: nothing rejected, 1: something rejected,
2: setup error.
"""
import concurrent.futures
import os
import re
import subprocess
import sys

try:
    import yaml
except ImportError:
    print("dryrun.py: python3 lacks PyYAML (apt-get install python3-yaml)", file=sys.stderr)
    sys.exit(2)

KUBECTL = os.environ.get("KUBECTL", "kubectl")
JOBS = int(os.environ.get("DRYRUN_JOBS", "4"))
YAML_SUFFIXES = (".yaml", ".yml")


class Doc:
    def __init__(self, label, text, obj):
        self.label = label  # tree/file#n (n counts from 1)
        self.text = text
        self.obj = obj

    @property
    def what(self):
        if not isinstance(self.obj, dict):
            return "?/?"
        meta = self.obj.get("metadata") or {}
        name = meta.get("name") if isinstance(meta, dict) else None
        return f"{self.obj.get('kind', '?')}/{name or '?'}"


def split_docs(label, text):
    """The documents of one YAML stream; a document that does not parse is kept
    (obj None) so that the server reports it too."""
    # split on document markers ourselves so each document's own text goes to the server
    parts = re.split(r"^---[ \t]*(?:#.*)?$", text, flags=re.M)
    docs, n = [], 0
    for part in parts:
        body = "\n".join(line for line in part.splitlines() if not line.startswith("%"))
        if not body.strip() or all(not ln.strip() or ln.lstrip().startswith("#") for ln in body.splitlines()):
            continue
        n += 1
        try:
            obj = yaml.safe_load(part)
        except yaml.YAMLError:
            obj = None
        docs.append(Doc(f"{label}#{n}", part.strip("\n") + "\n", obj))
    return docs


def collect(tree, rejected):
    tree = os.path.normpath(tree)
    name = os.path.basename(os.path.abspath(tree))
    docs = []
    if os.path.isfile(tree):
        with open(tree, encoding="utf-8") as f:
            return split_docs(name, f.read())
    for root, dirs, files in os.walk(tree):
        rel_root = os.path.relpath(root, tree)
        if rel_root == ".":
            dirs[:] = [d for d in dirs if d not in (".github", "kustomize")]
        dirs.sort()
        for fn in sorted(files):
            if not fn.endswith(YAML_SUFFIXES):
                continue
            path = os.path.join(root, fn)
            rel = os.path.normpath(os.path.join(name, rel_root, fn))
            with open(path, encoding="utf-8") as f:
                docs.extend(split_docs(rel, f.read()))
    overlays = os.path.join(tree, "kustomize", "overlays")
    if os.path.isdir(overlays):
        for env in sorted(os.listdir(overlays)):
            d = os.path.join(overlays, env)
            if not os.path.isdir(d):
                continue
            label = f"{name}/kustomize/overlays/{env}(built)"
            p = subprocess.run([KUBECTL, "kustomize", d], capture_output=True, text=True)
            if p.returncode != 0:
                rejected.append(f"REJECTED {label}#- Kustomization/{env}: kubectl kustomize: {one_line(p.stderr)}")
                continue
            docs.extend(split_docs(label, p.stdout))
    return docs


def one_line(s):
    return re.sub(r"\s*\n\s*", " | ", s.strip())


def server_message(stderr):
    """kubectl's error output, without the parts that repeat for every document."""
    lines = [ln for ln in stderr.splitlines() if ln.strip() and not ln.startswith("Warning:")]
    msg = " | ".join(ln.strip() for ln in lines)
    msg = re.sub(r'error when (creating|applying patch|retrieving current configuration of)[^:]*?"STDIN": ', "", msg)
    msg = re.sub(r'^Error from server \((\w+)\): ', r"\1: ", msg)
    msg = re.sub(r' from "STDIN"', "", msg)
    return msg


def warnings_of(stderr):
    return [ln[len("Warning:"):].strip() for ln in stderr.splitlines() if ln.startswith("Warning:")]


def kubectl(args, stdin=None):
    return subprocess.run([KUBECTL] + args, input=stdin, capture_output=True, text=True)


def main():
    if len(sys.argv) < 3:
        print(__doc__, file=sys.stderr)
        return 2
    work, trees = sys.argv[1], sys.argv[2:]
    cache = ["--cache-dir", os.path.join(work, "kube-cache")]
    rejected, docs = [], []
    for t in trees:
        docs.extend(collect(t, rejected))

    namespaces = set()
    for d in docs:
        if isinstance(d.obj, dict):
            meta = d.obj.get("metadata") or {}
            if d.obj.get("kind") == "Namespace" and d.obj.get("apiVersion") == "v1" and meta.get("name"):
                namespaces.add(str(meta["name"]))
            elif isinstance(meta, dict) and meta.get("namespace"):
                namespaces.add(str(meta["namespace"]))
    for ns in sorted(namespaces):
        p = kubectl(cache + ["create", "namespace", ns, "--save-config"])
        if p.returncode != 0 and "AlreadyExists" not in p.stderr:
            print(f"note: namespace {ns} could not be created: {one_line(p.stderr)}", file=sys.stderr)

    def dry_run(d):
        return d, kubectl(cache + ["apply", "--dry-run=server", "--validate=strict", "-f", "-"], stdin=d.text)

    warned = 0
    with concurrent.futures.ThreadPoolExecutor(max_workers=JOBS) as pool:
        results = list(pool.map(dry_run, docs))
    for d, p in results:
        if p.returncode != 0:
            rejected.append(f"REJECTED {d.label} {d.what}: {server_message(p.stderr) or one_line(p.stdout)}")
        else:
            for w in warnings_of(p.stderr):
                warned += 1
                print(f"warning {d.label} {d.what}: {w}", file=sys.stderr)
    for line in rejected:
        print(line)
    print(f"dry run: {len(docs)} documents from {len(trees)} tree(s), {len(rejected)} rejected, "
          f"{warned} warning(s), {len(namespaces)} namespace(s) created")
    return 1 if rejected else 0


if __name__ == "__main__":
    sys.exit(main())
