# shellcheck shell=bash
# Process bookkeeping shared by the rig's scripts (sourced; defines functions only). The
# caller defines `log MESSAGE`.
#
#   ours PID RUNDIR          the process is alive and was started for RUNDIR (its command line
#                            names a file in it), so a recycled PID is never mistaken for ours
#   read_pid FILE            the PID recorded in FILE, or nothing
#   stop_pid_file FILE RUNDIR
#                            TERM the recorded process if it is ours, KILL it after 10 s, then
#                            remove FILE; safe when it is already gone
#   free_ports N             N distinct free TCP ports on 127.0.0.1 (bound together)

ours() {
  local pid="$1" rundir="$2"
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "$rundir/"
}

read_pid() {
  if [[ -f "$1" ]]; then cat "$1"; fi
}

stop_pid_file() {
  local pid_file="$1" rundir="$2" pid
  pid="$(read_pid "$pid_file")"
  if [[ -n "$pid" ]] && ours "$pid" "$rundir"; then
    kill -TERM "$pid" 2>/dev/null || true
    for _ in $(seq 1 100); do
      ours "$pid" "$rundir" || break
      sleep 0.1
    done
    if ours "$pid" "$rundir"; then
      log "PID $pid did not stop on TERM, killing it"
      kill -KILL "$pid" 2>/dev/null || true
    fi
  fi
  rm -f "$pid_file"
}

free_ports() {
  python3 - "$1" <<'PY'
import socket, sys
socks = [socket.socket() for _ in range(int(sys.argv[1]))]
for s in socks:
    s.bind(("127.0.0.1", 0))
print(" ".join(str(s.getsockname()[1]) for s in socks))
PY
}
