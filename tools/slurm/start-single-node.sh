#!/usr/bin/env bash
# Starts a throw-away single-node Slurm cluster on this machine for tests: munged, slurmctld and slurmd from
# Debian's packages (apt-get install -y --no-install-recommends slurm-wlm munge; installed here when missing and we
# are root), configured under a private state folder (default /tmp/lethe-slurm) with no cgroups, no accounting and
# one partition "debug" holding this host with all its CPUs. Waits until `sinfo` shows the node idle (at most
# $LETHE_SLURM_WAIT seconds, default 60) and prints the environment to use it:
#   eval "$(tools/slurm/start-single-node.sh)"    # sets SLURM_CONF; then sbatch/squeue/sacct work
#   tools/slurm/stop-single-node.sh                 # stops the daemons it started
# Exit status: 0 when the node is idle, 1 when it could not be started (the reason on stderr; logs in the folder).
set -euo pipefail

STATE="${LETHE_SLURM_STATE:-/tmp/lethe-slurm}"
WAIT="${LETHE_SLURM_WAIT:-60}"
log() { echo "start-single-node: $*" >&2; }

if ! command -v slurmctld >/dev/null 2>&1 || ! command -v munged >/dev/null 2>&1; then
    if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null 2>&1; then
        log "installing slurm-wlm and munge"
        DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends slurm-wlm munge >&2
    else
        log "slurmctld/munged are missing (apt-get install slurm-wlm munge as root)"; exit 1
    fi
fi

mkdir -p "$STATE"/{spool/ctld,spool/d,log,run,munge}
chmod 700 "$STATE/munge"
HOST="$(hostname -s)"
CPUS="$(nproc)"
MEM_MB="$(awk '/MemTotal/ {print int($2 / 1024 * 0.9)}' /proc/meminfo)"
USER_NAME="$(id -un)"

# munge: a key of our own and a socket in the state folder, so a system munged (if any) is left alone
if [ ! -s "$STATE/munge/munge.key" ]; then
    dd if=/dev/urandom of="$STATE/munge/munge.key" bs=1024 count=1 status=none
    chmod 400 "$STATE/munge/munge.key"
fi
SOCKET="$STATE/munge/munge.socket"
if ! [ -S "$SOCKET" ] || ! munge -n -S "$SOCKET" >/dev/null 2>&1; then
    munged --force -S "$SOCKET" --key-file="$STATE/munge/munge.key" --pid-file="$STATE/run/munged.pid" \
        --log-file="$STATE/log/munged.log" --seed-file="$STATE/munge/munge.seed" >&2
fi
munge -n -S "$SOCKET" | unmunge -S "$SOCKET" >/dev/null || { log "munge does not work (see $STATE/log/munged.log)"; exit 1; }

cat > "$STATE/slurm.conf" <<CONF
# Written by tools/slurm/start-single-node.sh: a single-node test cluster.
ClusterName=lethe-test
SlurmctldHost=$HOST
SlurmUser=$USER_NAME
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$SOCKET
StateSaveLocation=$STATE/spool/ctld
SlurmdSpoolDir=$STATE/spool/d
SlurmctldPidFile=$STATE/run/slurmctld.pid
SlurmdPidFile=$STATE/run/slurmd.pid
SlurmctldLogFile=$STATE/log/slurmctld.log
SlurmdLogFile=$STATE/log/slurmd.log
SlurmctldPort=${LETHE_SLURM_CTLD_PORT:-16817}
SlurmdPort=${LETHE_SLURM_D_PORT:-16818}
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SchedulerType=sched/builtin
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
ReturnToService=2
MpiDefault=none
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
MinJobAge=300
KillWait=5
Waittime=0
NodeName=$HOST CPUs=$CPUS RealMemory=$MEM_MB State=UNKNOWN
PartitionName=debug Nodes=$HOST Default=YES MaxTime=INFINITE State=UP OverSubscribe=YES
CONF
export SLURM_CONF="$STATE/slurm.conf"

if ! scontrol ping 2>/dev/null | grep -q "is UP"; then
    slurmctld -f "$SLURM_CONF" >&2 || { log "slurmctld did not start (see $STATE/log/slurmctld.log)"; exit 1; }
fi
if ! [ -s "$STATE/run/slurmd.pid" ] || ! kill -0 "$(cat "$STATE/run/slurmd.pid")" 2>/dev/null; then
    slurmd -f "$SLURM_CONF" >&2 || { log "slurmd did not start (see $STATE/log/slurmd.log)"; exit 1; }
fi

for ((i = 0; i < WAIT; i++)); do
    state="$(sinfo -h -n "$HOST" -o %t 2>/dev/null || true)"
    case "$state" in
        idle|mix|alloc) echo "export SLURM_CONF=$SLURM_CONF"; log "node $HOST is $state after ${i}s"; exit 0 ;;
    esac
    sleep 1
done
log "node $HOST is not idle after ${WAIT}s (state '${state:-none}'); see $STATE/log/slurmctld.log and slurmd.log"
exit 1
