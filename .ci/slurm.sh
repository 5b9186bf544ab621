#!/usr/bin/env bash
# Run the smoke config through profiles/slurm on a real single-node SLURM (Debian's
# slurm-wlm and munge, no accounting database), and check:
#   1. its numerical tables equal those of a local run of the same config;
#   2. a job cancelled by SLURM (scancel) fails visibly with its log path, and a rerun
#      resumes without recomputing the realizations that had finished.
# Needs root. Stops the daemons it started, by their PIDs, also when a step fails.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
PY="$ROOT/.venv/bin/python"
WORK=$(mktemp -d /tmp/dnpmbl-slurm.XXXXXX)
PIDS=()

cleanup() {
    local pid
    # Put back the machine's own slurm.conf, if it had one.
    if [ -n "${INSTALLED_CONF:-}" ]; then
        rm -f /etc/slurm/slurm.conf
        [ -e "$WORK/slurm.conf.orig" ] && mv "$WORK/slurm.conf.orig" /etc/slurm/slurm.conf
    fi
    for pid in "${PIDS[@]}"; do
        kill "$pid" 2>/dev/null || true
    done
    for pid in "${PIDS[@]}"; do
        timeout 20 tail --pid="$pid" -f /dev/null 2>/dev/null || kill -9 "$pid" 2>/dev/null || true
    done
    echo "slurm.sh: stopped daemons ${PIDS[*]:-none}"
}
trap cleanup EXIT
trap 'exit 143' TERM INT HUP  # a signal becomes a normal exit, so the EXIT trap runs

log() { echo "slurm.sh: $*"; }

if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
    log "installing slurm-wlm and munge"
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null
fi

# munge: a fresh key and a daemon in the foreground, so that we own its PID.
mkdir -p "$WORK/munge" /run/munge
dd if=/dev/urandom bs=1 count=1024 of="$WORK/munge/munge.key" status=none
chmod 400 "$WORK/munge/munge.key"
munged --foreground --force --key-file="$WORK/munge/munge.key" \
    --socket="$WORK/munge/munge.socket" --pid-file="$WORK/munge/munged.pid" \
    --log-file="$WORK/munge/munged.log" --seed-file="$WORK/munge/munged.seed" \
    >"$WORK/munge/munged.out" 2>&1 &
PIDS+=($!)

# slurm.conf for this machine: all its cores, its memory less 1 GB for the system.
HOST=$(hostname -s)
CPUS=$(nproc)
MEM_MB=$(($(awk '/MemTotal/ {print int($2 / 1024)}' /proc/meminfo) - 1024))
mkdir -p "$WORK/state" "$WORK/spool" "$WORK/log"
cat >"$WORK/slurm.conf" <<CONF
ClusterName=dnpmblci
SlurmctldHost=$HOST
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
AuthInfo=socket=$WORK/munge/munge.socket
CredType=cred/munge
StateSaveLocation=$WORK/state
SlurmdSpoolDir=$WORK/spool
SlurmctldPidFile=$WORK/slurmctld.pid
SlurmdPidFile=$WORK/slurmd.pid
SlurmctldLogFile=$WORK/log/slurmctld.log
SlurmdLogFile=$WORK/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
MpiDefault=none
ReturnToService=2
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core_Memory
AccountingStorageType=accounting_storage/none
JobAcctGatherType=jobacct_gather/none
JobCompType=jobcomp/none
SlurmctldTimeout=30
SlurmdTimeout=30
InactiveLimit=0
MinJobAge=300
KillWait=5
NodeName=$HOST CPUs=$CPUS RealMemory=$MEM_MB State=UNKNOWN
PartitionName=ci Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
CONF
# Job steps (srun inside a batch job) look for the configuration at the standard path, not
# at the submitter's SLURM_CONF: install it there, keeping any existing one for cleanup().
mkdir -p /etc/slurm
[ -e /etc/slurm/slurm.conf ] && mv /etc/slurm/slurm.conf "$WORK/slurm.conf.orig"
cp "$WORK/slurm.conf" /etc/slurm/slurm.conf
INSTALLED_CONF=1
export SLURM_CONF=/etc/slurm/slurm.conf

slurmctld -D -f "$SLURM_CONF" >"$WORK/log/slurmctld.out" 2>&1 &
PIDS+=($!)
slurmd -D -f "$SLURM_CONF" >"$WORK/log/slurmd.out" 2>&1 &
PIDS+=($!)

log "waiting for node $HOST ($CPUS CPUs, $MEM_MB MB) to be idle"
for _ in $(seq 1 60); do
    state=$(sinfo -h -n "$HOST" -o %T 2>/dev/null || true)
    [ "$state" = "idle" ] && break
    sleep 1
done
if [ "$state" != "idle" ]; then
    log "node never became idle (state '$state')"
    tail -n 30 "$WORK/log/slurmctld.log" "$WORK/log/slurmd.log" || true
    exit 1
fi
log "node idle"
if [ "${SLURM_SETUP_ONLY:-0}" = 1 ]; then
    sbatch --wrap 'echo hello from $(hostname)' -o "$WORK/hello.out" >/dev/null
    for _ in $(seq 1 30); do [ -s "$WORK/hello.out" ] && break; sleep 1; done
    cat "$WORK/hello.out"
    exit 0
fi

smk() {
    (cd "$ROOT" && OPENBLAS_NUM_THREADS=1 "$ROOT/.venv/bin/snakemake" -s "$ROOT/Snakefile" \
        --configfile "$ROOT/config/smoke.yaml" "$@")
}

log "local reference run"
smk --directory "$WORK/local" --cores 2 -q >"$WORK/local.log" 2>&1

log "SLURM run, cancelling one running job"
# --retries 0: the profile would otherwise resubmit the cancelled job (right on a real
# cluster, where a job killed at its time limit gets a second attempt with more time).
smk --directory "$WORK/cluster" --profile profiles/slurm --slurm-no-account --retries 0 \
    >"$WORK/cluster1.log" 2>&1 &
SMK=$!
cancelled=""
for _ in $(seq 1 300); do
    # (polling: a missing directory or a busy controller is not an error here)
    done_count=$( (find "$WORK/cluster/results/realizations" -name 'r*.states.parquet' 2>/dev/null || true) | wc -l)
    job=$( (squeue -h -t RUNNING -o '%i' 2>/dev/null || true) | head -n 1)
    if [ "$done_count" -ge 2 ] && [ -n "$job" ]; then
        scancel "$job"
        cancelled=$job
        break
    fi
    kill -0 "$SMK" 2>/dev/null || break
    sleep 0.5
done
set +e
wait "$SMK"
first=$?
set -e
if [ -z "$cancelled" ]; then
    log "no running job was seen to cancel"
    tail -n 40 "$WORK/cluster1.log"
    exit 1
fi
log "cancelled SLURM job $cancelled; first run exit code $first"
# What the failed run leaves are the finished realizations: Snakemake removes the outputs of
# a failed job, including those of the other members of a failed group job.
find "$WORK/cluster/results/realizations" -name '*.parquet' -printf '%p %T@\n' | sort >"$WORK/before.txt"
if [ "$first" -eq 0 ]; then
    log "the run with a cancelled job did not fail"
    exit 1
fi
# The failure must be visible: Snakemake reports the failed rules with their log files,
# and the cancelled job's SLURM log (named when it was submitted) is kept and says so.
errors=$(sed -n '/Error in rule/,/check log file/p' "$WORK/cluster1.log")
slurm_log=$(grep -o "SLURM jobid $cancelled (log: [^)]*)" "$WORK/cluster1.log" | head -n 1 | sed 's/.*log: //; s/)$//')
if [ -z "$errors" ] || [ -z "$slurm_log" ] || ! grep -q "CANCELLED" "$slurm_log"; then
    log "the failure is not visible with its logs (SLURM log: '${slurm_log:-none}')"
    tail -n 60 "$WORK/cluster1.log"
    exit 1
fi
log "failure reported; SLURM log of job $cancelled: $slurm_log"
grep -m 1 "CANCELLED" "$slurm_log" | sed 's/^/    /'
grep -m 2 "check log file" "$WORK/cluster1.log" | sed 's/^/    /'

log "rerun through SLURM (resume)"
smk --directory "$WORK/cluster" --profile profiles/slurm --slurm-no-account >"$WORK/cluster2.log" 2>&1 || {
    tail -n 60 "$WORK/cluster2.log"
    exit 1
}

log "checking that finished realizations were not recomputed"
while read -r path stamp; do
    now=$(stat -c '%.Y' "$path" 2>/dev/null || stat -c '%Y' "$path")
    if [ "$(printf '%.3f' "$now")" != "$(printf '%.3f' "$stamp")" ]; then
        log "$path was recomputed"
        exit 1
    fi
done <"$WORK/before.txt"
log "$(wc -l <"$WORK/before.txt") finished realization files untouched"

log "comparing the numerical tables with the local run"
"$PY" "$ROOT/tests/tablecompare.py" "$WORK/local" "$WORK/cluster"
log "OK"
