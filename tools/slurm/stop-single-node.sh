#!/usr/bin/env bash
# Stops the daemons tools/slurm/start-single-node.sh started (by the pid files in its state folder) and leaves the
# folder's logs for reading.
set -uo pipefail
STATE="${LETHE_SLURM_STATE:-/tmp/lethe-slurm}"
for d in slurmd slurmctld munged; do
    f="$STATE/run/$d.pid"
    if [ -s "$f" ] && kill -0 "$(cat "$f")" 2>/dev/null; then kill "$(cat "$f")" && echo "stopped $d ($(cat "$f"))" >&2; fi
done
