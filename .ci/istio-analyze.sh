#!/usr/bin/env bash
# istio-analyze.sh DIR...: `istioctl analyze` over each compiled output tree through the
# conformance kit (../shared/conformance/istio/analyze.sh), and fails unless every tree has no
# error and no warning.
#
# The kit runs `istioctl analyze --recursive`; the istioctl it builds (1.30) has removed that
# flag: it prints "The recursive flag has been removed ..." and exits 0 WITHOUT analysing
# anything. So the kit is given a shim (ISTIOCTL) that drops `--recursive` (the directory is
# read recursively anyway), and before the real trees a planted mistake (a route to a subset
# no DestinationRule defines, IST0101) must be reported: an analysis that finds nothing there
# is broken, not clean.
set -euo pipefail
conformance="${SLIPWAY_CONFORMANCE:?set SLIPWAY_CONFORMANCE to the conformance kit}"
work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT

real="$(bash "$conformance/istio/install.sh" --print)"
[ -x "$real" ] || bash "$conformance/istio/install.sh" >/dev/null
cat > "$work/istioctl" <<SHIM
#!/usr/bin/env bash
args=()
for arg in "\$@"; do [ "\$arg" = --recursive ] || args+=("\$arg"); done
exec "$real" "\${args[@]}"
SHIM
chmod +x "$work/istioctl"
export ISTIOCTL="$work/istioctl"

mkdir -p "$work/planted/istio/prod/web"
cat > "$work/planted/istio/prod/web/virtualservice.yaml" <<'YAML'
apiVersion: networking.istio.io/v1
kind: VirtualService
metadata:
  name: web
  namespace: shop-prod
spec:
  hosts: [web]
  http:
  - name: primary
    route:
    - destination: {host: web, subset: missing}
YAML
planted="$(bash "$conformance/istio/analyze.sh" "$work/planted" 2>&1 || true)"
case "$planted" in
  *IST0101*) echo "istioctl analyze reports a planted IST0101: the analysis runs" ;;
  *) echo "$planted"; echo "FAIL: istioctl analyze did not report the planted IST0101"; exit 1 ;;
esac

for tree in "$@"; do
  report="$(bash "$conformance/istio/analyze.sh" "$tree" 2>&1 | tail -1)"
  echo "$report"
  case "$report" in
    *": 0 error(s), 0 warning(s),"*) ;;
    *) bash "$conformance/istio/analyze.sh" "$tree" || true
       echo "FAIL: istioctl analyze found problems in $tree"; exit 1 ;;
  esac
done
