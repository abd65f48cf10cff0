#!/usr/bin/env bash
# Stops the daemons tools/slurm/start-single-node.sh started (by the pid files in its state folder,
# $LETHE_SLURM_STATE, default /tmp/lethe-slurm), waits up to 10 s for them to exit, and leaves the logs for reading.
set -uo pipefail
STATE="${LETHE_SLURM_STATE:-/tmp/lethe-slurm}"
pids=()
for d in slurmd slurmctld munged; do
    f="$STATE/run/$d.pid"
    pid="$(cat "$f" 2>/dev/null || true)"
    if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
        kill "$pid" && echo "stop-single-node: stopped $d ($pid)" >&2 && pids+=("$pid")
    fi
done
for ((i = 0; i < 100; i++)); do
    alive=0
    for pid in "${pids[@]}"; do [ -d "/proc/$pid" ] && ! grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null && alive=1; done
    [ "$alive" -eq 0 ] && exit 0
    sleep 0.1
done
echo "stop-single-node: some daemons are still running after 10 s: ${pids[*]}" >&2
exit 1
