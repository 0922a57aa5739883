#!/usr/bin/env bash
# A throwaway single-node SLURM cluster (munged + slurmctld + slurmd) for tests.
#
#   tests/slurm/cluster.sh start STATE_DIR   install Debian's packages if absent, write the
#                                            config under STATE_DIR, start the daemons, wait
#                                            until the node is idle; prints `export SLURM_CONF=...`
#   tests/slurm/cluster.sh stop STATE_DIR    cancel the cluster's jobs, stop the daemons it
#                                            started (by the ids in STATE_DIR/run/*.pid)
#
# Needs root on Debian, no systemd. Everything (config, munge key and socket, spool,
# logs, pid files) lives in STATE_DIR; daemons started by a package's init scripts are
# neither used nor stopped. Clients find the cluster through SLURM_CONF=STATE_DIR/etc/
# slurm.conf and through a symlink /etc/slurm/slurm.conf -> there, made by start and
# removed by stop: snakemake's slurm-jobstep plugin strips SLURM_* variables, SLURM_CONF
# included, before its `srun` inside a job, so srun only finds the default path.
# start refuses to replace a slurm.conf that is not such a symlink. The node offers one
# fake GPU (gres gpu:fake:1 backed by /dev/null) so that `--gpus=1` jobs are scheduled.
set -euo pipefail

PACKAGES=(slurmctld slurmd slurm-client munge)
DAEMONS=(slurmd slurmctld munged)   # stop order
SYSTEM_CONF=/etc/slurm/slurm.conf
MIN_JOB_AGE=${SLURM_TEST_MIN_JOB_AGE:-600}   # keep finished jobs visible to squeue/scontrol

die() { echo "cluster.sh: $*" >&2; exit 1; }

install_packages() {
    command -v slurmctld >/dev/null && command -v slurmd >/dev/null \
        && command -v sbatch >/dev/null && command -v munged >/dev/null && return 0
    [[ $(id -u) == 0 ]] || die "slurm packages missing and not root"
    command -v apt-get >/dev/null || die "slurm packages missing and no apt-get"
    export DEBIAN_FRONTEND=noninteractive
    local apt=(apt-get install -y -q --no-install-recommends "${PACKAGES[@]}")
    # policy-rc.d 101 keeps the packages' init scripts from starting daemons of their own.
    local policy=/usr/sbin/policy-rc.d made_policy=0
    if [[ ! -e $policy ]]; then printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod +x "$policy"; made_policy=1; fi
    "${apt[@]}" >&2 || { apt-get update -q >&2 && "${apt[@]}" >&2; } || status=$?
    [[ $made_policy == 1 ]] && rm -f "$policy"
    [[ ${status:-0} == 0 ]] || die "apt-get install ${PACKAGES[*]} failed"
}

free_port() {
    python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

write_config() {
    local state=$1 node_line host
    node_line=$(slurmd -C | head -n 1)   # NodeName=<host> CPUs=... RealMemory=...
    host=${node_line#NodeName=}; host=${host%% *}
    cat >"$state/etc/slurm.conf" <<EOF
ClusterName=repscope-test
SlurmctldHost=$host(127.0.0.1)
SlurmctldPort=$(free_port)
SlurmdPort=$(free_port)
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$state/munge/munge.socket
StateSaveLocation=$state/spool/ctld
SlurmdSpoolDir=$state/spool/d
SlurmctldPidFile=$state/run/slurmctld.daemon.pid
SlurmdPidFile=$state/run/slurmd.daemon.pid
SlurmctldLogFile=$state/log/slurmctld.log
SlurmdLogFile=$state/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
JobCompType=jobcomp/none
MpiDefault=none
MailProg=/bin/true
SchedulerType=sched/backfill
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
GresTypes=gpu
MinJobAge=$MIN_JOB_AGE
ReturnToService=2
SlurmdTimeout=60
$node_line NodeAddr=127.0.0.1 Gres=gpu:fake:1 State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
EOF
    echo "NodeName=$host Name=gpu Type=fake File=/dev/null" >"$state/etc/gres.conf"
}

spawn() {  # spawn NAME CMD...: run a daemon in the foreground, in the background; record its pid
    local name=$1; shift
    "$@" >>"$STATE/log/$name.out" 2>&1 </dev/null &
    echo $! >"$STATE/run/$name.pid"
}

wait_for() {  # wait_for SECONDS DAEMON DESCRIPTION CMD...: until CMD succeeds, while DAEMON lives
    local deadline=$((SECONDS + $1)) daemon=$2 what=$3; shift 3
    until "$@" >/dev/null 2>&1; do
        local why=""
        kill -0 "$(cat "$STATE/run/$daemon.pid")" 2>/dev/null || why="$daemon exited"
        ((SECONDS < deadline)) || why="timed out"
        [[ -z $why ]] || { tail -n 20 "$STATE"/log/*.log >&2 || true; die "$why waiting for $what"; }
        sleep 0.5
    done
}

link_system_conf() {  # point SYSTEM_CONF at our config, unless it is a real cluster's
    if [[ -e $SYSTEM_CONF || -L $SYSTEM_CONF ]]; then
        [[ -L $SYSTEM_CONF && ( ! -e $SYSTEM_CONF || $(readlink "$SYSTEM_CONF") == */etc/slurm.conf ) ]] \
            || die "$SYSTEM_CONF exists and is not a test cluster's symlink; not replacing it"
        rm -f "$SYSTEM_CONF"
    fi
    mkdir -p "$(dirname "$SYSTEM_CONF")"
    ln -s "$SLURM_CONF" "$SYSTEM_CONF"
}

node_idle() { [[ $(sinfo -h -o %T) == idle ]]; }

start() {
    [[ $(id -u) == 0 ]] || die "must run as root"
    install_packages
    mkdir -p "$STATE"/{etc,spool/ctld,spool/d,log,run,munge}
    chmod 711 "$STATE/munge"
    dd if=/dev/urandom of="$STATE/munge/munge.key" bs=1024 count=1 status=none
    chmod 400 "$STATE/munge/munge.key"
    write_config "$STATE"
    export SLURM_CONF=$STATE/etc/slurm.conf
    link_system_conf
    spawn munged munged --foreground --force --key-file="$STATE/munge/munge.key" \
        --socket="$STATE/munge/munge.socket" --pid-file="$STATE/munge/munged.pid" \
        --seed-file="$STATE/munge/munged.seed" --log-file="$STATE/log/munged.log"
    wait_for 20 munged munged test -S "$STATE/munge/munge.socket"
    spawn slurmctld slurmctld -D -c -f "$SLURM_CONF"
    wait_for 30 slurmctld slurmctld scontrol ping
    spawn slurmd slurmd -D -f "$SLURM_CONF"
    wait_for 60 slurmd "the node to be idle" node_idle
    echo "export SLURM_CONF=$SLURM_CONF"
}

stop() {
    export SLURM_CONF=$STATE/etc/slurm.conf
    if [[ -s $STATE/run/slurmctld.pid ]] && kill -0 "$(cat "$STATE/run/slurmctld.pid")" 2>/dev/null; then
        scancel --quiet --full --partition=debug 2>/dev/null || true   # this cluster's jobs only
        local deadline=$((SECONDS + 15))
        while [[ -n $(squeue -h -t RUNNING,COMPLETING -o %i 2>/dev/null) ]] && ((SECONDS < deadline)); do sleep 0.5; done
    fi
    local name pid
    for name in "${DAEMONS[@]}"; do
        [[ -s $STATE/run/$name.pid ]] || continue
        pid=$(cat "$STATE/run/$name.pid")
        kill -TERM "$pid" 2>/dev/null || true
        for _ in $(seq 40); do kill -0 "$pid" 2>/dev/null || break; sleep 0.25; done
        kill -KILL "$pid" 2>/dev/null || true
        rm -f "$STATE/run/$name.pid"
    done
    [[ $(readlink "$SYSTEM_CONF" 2>/dev/null) == "$SLURM_CONF" ]] && rm -f "$SYSTEM_CONF"
    return 0
}

[[ $# == 2 ]] || die "usage: $0 start|stop STATE_DIR"
STATE=$(realpath -m "$2")
case $1 in
    start) start ;;
    stop) stop ;;
    *) die "usage: $0 start|stop STATE_DIR" ;;
esac
