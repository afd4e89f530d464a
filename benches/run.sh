#!/usr/bin/env bash
# Whole-process benchmarks of the release binary on the reference workload (benches/gen-spec):
# `check`, `compile --target k8s,istio` (the run comparable with the peers) and a full
# `compile` at N = 10, 100, 1,000 and 10,000 services, a second compile that changes nothing and
# `compile --check` (the pre-commit paths), `check examples/delivery-matrix`, and the direct-write
# floor of both compiles (benches/tools/floor.rs: the same bytes written by a tiny program).
# Wall times are hyperfine medians; peak memory is the maximum resident set size reported by
# /usr/bin/time (median of several runs); files, objects and bytes are counted in the output.
#
#   benches/run.sh                 everything, results in target/bench/results.md
#   SIZES="100 1000" benches/run.sh
#   RUNS=50 OUT_ROOT=/dev/shm/slipway-bench benches/run.sh
#   BIN=/path/to/older/slipway WORK=/tmp/before benches/run.sh    (the same runs of another build)
#
# Compiles write into a fresh directory on every run (hyperfine --prepare removes it), so
# every file is new, as in a first compile. OUT_ROOT (default target/bench/out) chooses the
# file system. Measure on a quiet machine: the script prints the load and, with WAIT_QUIET=1,
# waits until the one-minute load average is below 0.5. Where background work cannot be
# stopped, NICE=-10 runs the measured commands at a higher priority than it (as root).
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${WORK:-$ROOT/target/bench}
OUT_ROOT=${OUT_ROOT:-$WORK/out}
SIZES=${SIZES:-10 100 1000 10000}
RUNS=${RUNS:-30}
BIG_RUNS=${BIG_RUNS:-10}
MEMORY_RUNS=${MEMORY_RUNS:-5}
BIN=${BIN:-$ROOT/target/release/slipway}
FLOOR=$WORK/floor
RESULTS=$WORK/results
PRIORITY=
[ -n "${NICE:-}" ] && PRIORITY="nice -n $NICE"

need() {
    command -v "$1" >/dev/null 2>&1 && return 0
    echo "installing $2 (for $1)" >&2
    if [ "$(id -u)" = 0 ]; then
        apt-get install -y "$2" >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y "$2" >/dev/null; }
    else
        sudo apt-get install -y "$2" >/dev/null
    fi
}
need hyperfine hyperfine
need python3 python3
[ -x /usr/bin/time ] || need /usr/bin/time time

load() { cut -d' ' -f1 /proc/loadavg; }
if [ "${WAIT_QUIET:-0}" = 1 ]; then
    while python3 -c "import sys; sys.exit(0 if float('$(load)') >= 0.5 else 1)"; do
        echo "load $(load): waiting for a quiet machine" >&2
        sleep 30
    done
fi

echo "building the release binary and the floor program" >&2
if [ "$BIN" = "$ROOT/target/release/slipway" ]; then
    (cd "$ROOT" && cargo build --release --quiet)
fi
mkdir -p "$WORK" "$RESULTS" "$OUT_ROOT"
rustc -O --edition 2021 -o "$FLOOR" "$ROOT/benches/tools/floor.rs"

spec_dir() { echo "$WORK/specs/$1"; }
for n in $SIZES; do
    [ -f "$(spec_dir "$n")/app.slip" ] || "$ROOT/benches/gen-spec" "$n" "$(spec_dir "$n")"
done

# hyperfine NAME RUNS COMMAND [PREPARE]
bench() {
    local name=$1 runs=$2 command=$3 prepare=${4:-}
    local args=(-N --warmup 3 --runs "$runs" --export-json "$RESULTS/$name.json" --style basic)
    if [ -n "$prepare" ]; then
        args+=(--prepare "$prepare")
    fi
    echo "== $name (load $(load))" >&2
    $PRIORITY hyperfine "${args[@]}" "$command" >&2
}

# memory NAME COMMAND [PREPARE]: median peak RSS in KiB over MEMORY_RUNS runs.
memory() {
    local name=$1 command=$2 prepare=${3:-} samples=()
    for _ in $(seq "$MEMORY_RUNS"); do
        [ -n "$prepare" ] && sh -c "$prepare"
        samples+=("$($PRIORITY /usr/bin/time -f '%M' sh -c "exec $command" 2>&1 >/dev/null | tail -n1)")
    done
    printf '%s\n' "${samples[@]}" | sort -n | awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }' >"$RESULTS/$name.rss"
}

# phases NAME RUNS COMMAND PREPARE: the median of each phase `--timings` reports, in ms.
phases() {
    local name=$1 runs=$2 command=$3 prepare=$4
    for _ in $(seq "$runs"); do
        sh -c "$prepare"
        $PRIORITY sh -c "exec $command" 2>&1 >/dev/null | grep '^timings:'
    done | python3 -c '
import re, statistics, sys
phases = {}
for line in sys.stdin:
    for name, value in re.findall(r"(\w+) ([0-9.]+) ms", line):
        phases.setdefault(name, []).append(float(value))
print(" ".join(f"{name}={statistics.median(values):.1f}" for name, values in phases.items()))
' >"$RESULTS/$name.phases"
}

# count NAME DIR: files, objects (`kind:` at the start of a line) and bytes written.
count() {
    local name=$1 dir=$2
    python3 - "$dir" >"$RESULTS/$name.count" <<'EOF'
import os, sys
files = objects = size = 0
for base, dirs, names in os.walk(sys.argv[1]):
    for name in names:
        if name.startswith(".slipway"):
            continue
        data = open(os.path.join(base, name), "rb").read()
        files += 1
        size += len(data)
        objects += sum(1 for line in data.split(b"\n") if line.startswith(b"kind:"))
print(files, objects, size)
EOF
}

for n in $SIZES; do
    spec=$(spec_dir "$n")
    runs=$RUNS
    [ "$n" -ge 10000 ] && runs=$BIG_RUNS
    out=$OUT_ROOT/out-$n
    pack=$WORK/pack-$n

    bench "check-$n" "$runs" "$BIN check $spec"
    memory "check-$n" "$BIN check $spec"

    bench "comparable-$n" "$runs" "$BIN compile -q --target k8s,istio $spec --out $out" "rm -rf $out"
    memory "comparable-$n" "$BIN compile -q --target k8s,istio $spec --out $out" "rm -rf $out"
    count "comparable-$n" "$out"

    "$FLOOR" pack "$out" "$pack" >/dev/null
    bench "floor-$n" "$runs" "$FLOOR write $pack $out-floor" "rm -rf $out-floor"
    memory "floor-$n" "$FLOOR write $pack $out-floor" "rm -rf $out-floor"

    bench "full-$n" "$runs" "$BIN compile -q $spec --out $out" "rm -rf $out"
    memory "full-$n" "$BIN compile -q $spec --out $out" "rm -rf $out"
    count "full-$n" "$out"

    "$FLOOR" pack "$out" "$pack" >/dev/null
    bench "floor-full-$n" "$runs" "$FLOOR write $pack $out-floor" "rm -rf $out-floor"

    phases "phases-full-$n" "$runs" "$BIN compile -q --timings $spec --out $out" "rm -rf $out"
    phases "phases-comparable-$n" "$runs" "$BIN compile -q --timings --target k8s,istio $spec --out $out-comparable" "rm -rf $out-comparable"
    rm -rf "$out-comparable"
    "$BIN" compile -q "$spec" --out "$out"

    bench "unchanged-$n" "$runs" "$BIN compile -q $spec --out $out"
    bench "drift-$n" "$runs" "$BIN compile -q --check $spec --out $out"
    rm -rf "$out" "$out-floor" "$pack"
done

bench "check-delivery-matrix" "$RUNS" "$BIN check $ROOT/examples/delivery-matrix"
memory "check-delivery-matrix" "$BIN check $ROOT/examples/delivery-matrix"

python3 - "$RESULTS" "$SIZES" "$(nproc)" "$OUT_ROOT" >"$WORK/results.md" <<'EOF'
import json, os, sys

results, sizes, cores, out_root = sys.argv[1], sys.argv[2].split(), sys.argv[3], sys.argv[4]

def timing(name):
    path = os.path.join(results, name + ".json")
    if not os.path.exists(path):
        return None
    run = json.load(open(path))["results"][0]
    return run

def ms(value):
    return f"{value * 1000:.1f}" if value < 10 else f"{value * 1000:.0f}"

def rss(name):
    path = os.path.join(results, name + ".rss")
    return f"{int(open(path).read()) / 1024:.0f}" if os.path.exists(path) else "-"

def count(name):
    path = os.path.join(results, name + ".count")
    return open(path).read().split() if os.path.exists(path) else ["-", "-", "0"]

print(f"Medians of whole-process wall time on {cores} cores, output under `{out_root}`, "
      f"load average {os.getloadavg()[0]:.2f} at the end.\n")
print("| Run | N | median ms | mean ± σ ms | min ms | runs | peak RSS MB | files | objects | MB written |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
rows = [("check", "check"), ("compile --target k8s,istio", "comparable"),
        ("floor (same bytes)", "floor"), ("compile (all targets)", "full"),
        ("floor (same bytes as all targets)", "floor-full"),
        ("compile, nothing changed", "unchanged"), ("compile --check (drift)", "drift")]
for label, key in rows:
    for n in sizes:
        run = timing(f"{key}-{n}")
        if run is None:
            continue
        counted = {"comparable": "comparable", "floor": "comparable", "full": "full",
                   "floor-full": "full"}.get(key)
        files, objects, size = count(f"{counted}-{n}") if counted else ["-", "-", "0"]
        written = f"{int(size) / 1e6:.1f}" if size != "0" else "-"
        print(f"| {label} | {int(n):,} | {ms(run['median'])} | {ms(run['mean'])} ± {ms(run['stddev'])} | "
              f"{ms(run['min'])} | {len(run['times'])} | {rss(f'{key}-{n}')} | {files} | {objects} | {written} |")
run = timing("check-delivery-matrix")
if run:
    print(f"| check examples/delivery-matrix | - | {ms(run['median'])} | {ms(run['mean'])} ± {ms(run['stddev'])} | "
          f"{ms(run['min'])} | {len(run['times'])} | {rss('check-delivery-matrix')} | - | - | - |")
print("\nMedian phases of `compile --timings` (ms):\n")
for n in sizes:
    for key, label in (("comparable", "k8s,istio"), ("full", "all targets")):
        path = os.path.join(results, f"phases-{key}-{n}.phases")
        if os.path.exists(path):
            print(f"- N = {int(n):,}, {label}: {open(path).read().strip()}")
print()
EOF
cat "$WORK/results.md"
