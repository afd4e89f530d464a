#!/usr/bin/env bash
# Smoke test of the rig: start a cluster, check that the controllers and kwok
# behave like a cluster for what delivery does (Deployment -> ReplicaSet -> Pods
# Running/Ready, scale, rollout status, rolling update, apply -k, a Job, CRDs),
# stop it. Exit 0 when everything passed.
#
#   rehearsal/rig/smoke.sh
set -euo pipefail
RIG="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"

if [ "${1:-}" != --inside ]; then
  "$RIG/build.sh" --check || "$RIG/build.sh"
  RUN="$(mktemp -d "${TMPDIR:-/tmp}/slipway-rig-smoke.XXXXXX")"
  rc=0
  "$RIG/cluster.sh" run "$RUN" --crds -- "$0" --inside || rc=$?
  rm -rf "$RUN"
  exit "$rc"
fi

step() { printf '[smoke] %s\n' "$*" >&2; }
t() { local t0=$SECONDS; "$@"; step "  ok ($((SECONDS - t0))s): $*"; }

kubectl get nodes -o wide
t kubectl create deployment smoke --image=nginx:1.27 --replicas=3
t kubectl rollout status deployment/smoke --timeout=60s
kubectl get rs,pods -l app=smoke -o wide
[ "$(kubectl get pods -l app=smoke --field-selector=status.phase=Running -o name | wc -l)" -eq 3 ]
t kubectl scale deployment/smoke --replicas=5
t kubectl rollout status deployment/smoke --timeout=60s
t kubectl set image deployment/smoke nginx=nginx:1.28
t kubectl rollout status deployment/smoke --timeout=60s
[ "$(kubectl get rs -l app=smoke -o name | wc -l)" -eq 2 ]
[ "$(kubectl get deployment smoke -o jsonpath='{.status.updatedReplicas}/{.status.readyReplicas}')" = 5/5 ]
t kubectl rollout undo deployment/smoke
t kubectl rollout status deployment/smoke --timeout=60s
# the node's heartbeat is its Lease, renewed by kwok (without it the node
# lifecycle controller marks the node Unknown after the grace period and every
# pod Ready=False)
holder="$(kubectl -n kube-node-lease get lease rig-node-1 -o jsonpath='{.spec.holderIdentity}')"
[ -n "$holder" ] || { step "node lease rig-node-1 not held"; exit 1; }
step "  ok: lease kube-node-lease/rig-node-1 held by $holder"
# a pod marked Ready=False (as the node lifecycle controller does after a missed
# heartbeat) is made Ready again by kwok, as a kubelet would re-report it
pod="pod/$(kubectl get pods -l app=smoke -o jsonpath='{.items[0].metadata.name}')"
t kubectl patch "$pod" --subresource=status --type=strategic \
  -p '{"status":{"conditions":[{"type":"Ready","status":"False"}]}}'
t kubectl wait --for=condition=Ready "$pod" --timeout=60s
t kubectl rollout status deployment/smoke --timeout=60s
t kubectl scale deployment/smoke --replicas=0
t kubectl rollout status deployment/smoke --timeout=60s
[ "$(kubectl get pods -l app=smoke -o name | wc -l)" -eq 0 ]

k="$(mktemp -d)"
cat >"$k/kustomization.yaml" <<'YAML'
namespace: smoke-k
resources: [ns.yaml, deploy.yaml]
images: [{name: busybox, newTag: "1.37"}]
YAML
cat >"$k/ns.yaml" <<'YAML'
apiVersion: v1
kind: Namespace
metadata: {name: smoke-k}
YAML
cat >"$k/deploy.yaml" <<'YAML'
apiVersion: apps/v1
kind: Deployment
metadata: {name: k}
spec:
  replicas: 2
  selector: {matchLabels: {app: k}}
  template:
    metadata: {labels: {app: k}}
    spec: {containers: [{name: c, image: busybox}]}
YAML
t kubectl apply -k "$k"
t kubectl -n smoke-k rollout status deployment/k --timeout=60s
[ "$(kubectl -n smoke-k get deployment k -o jsonpath='{.spec.template.spec.containers[0].image}')" = busybox:1.37 ]
rm -rf "$k"

t kubectl create job smoke-job --image=busybox -- true
t kubectl wait --for=condition=Complete job/smoke-job --timeout=60s
kubectl get crd -o name | wc -l | sed 's/^/[smoke] CRDs: /' >&2
step "all passed"
