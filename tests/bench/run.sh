#!/bin/bash
# run.sh BUILD_DIR: the XML-RPC benchmark behind `make bench`.
#
# Starts a throwaway oned (self-contained ONE_LOCATION in a temp dir, SQLite,
# 127.0.0.1 only), drives it with rpcbench and prints a small report with the
# design targets next to the figures.  Exits non-zero if any call failed or
# oned died.  Environment:
#   BENCH_SECONDS  measured seconds per closed-loop run (default 5, plus 1 s warm-up)
#   BENCH_USERS    users created before the pool measurements (default 10000)
#   BENCH_VMS, BENCH_HOSTS   the compute run (default 10000 VMs on 100 dummy hosts)
#   BENCH_SCALE_VMS, BENCH_SCALE_HOSTS   the restart at scale, on a fresh
#                  database (default 100000 VMs on 10000 hosts; 0 skips it)
#   ONED, RPCBENCH, ACLBENCH override BUILD_DIR/oned/oned and BUILD_DIR/tests/bench/{rpc,acl}bench
#   PLACEBENCH     overrides BUILD_DIR/tests/bench/placebench
#   CEPHBENCH      overrides BUILD_DIR/tests/bench/cephbench (ceph_clones.py)
#   BENCH_SCHED    the scheduler runs, "VMS:HOSTS ..." (default "1000:100 10000:2500")
#   BENCH_MON_INTERVAL, BENCH_MON_CYCLES  see monbench.py (the monitoring history)
# make runs this with $(SHELL), which may be a POSIX sh such as dash.
if [ -z "${BASH_VERSION:-}" ]; then exec bash "$0" "$@"; fi
set -euo pipefail

BUILD=${1:?usage: run.sh BUILD_DIR}
ONED=${ONED:-$BUILD/oned/oned}
RPCBENCH=${RPCBENCH:-$BUILD/tests/bench/rpcbench}
ACLBENCH=${ACLBENCH:-$BUILD/tests/bench/aclbench}
PLACEBENCH=${PLACEBENCH:-$BUILD/tests/bench/placebench}
SECS=${BENCH_SECONDS:-5}
USERS=${BENCH_USERS:-10000}
AUTH=oneadmin:benchpw
# The bench creates thousands of users; at the default PBKDF2 cost each
# one.user.allocate would spend tens of ms hashing and the fill take minutes.
HASH_ITERATIONS=1000

for f in "$ONED" "$RPCBENCH" "$ACLBENCH" "$PLACEBENCH"; do
    [[ -x $f ]] || { echo "run.sh: $f is missing (build it first)" >&2; exit 2; }
done

D=$(mktemp -d "${TMPDIR:-/tmp}/nubes-bench.XXXXXX")
PID=
failures=0

alive() {
    # A zombie is gone too: nothing may reap a daemon in a container.
    kill -0 "$1" 2>/dev/null && ! grep -q '^State:.*Z' "/proc/$1/status" 2>/dev/null
}

stop_oned() {
    local i
    [[ -n $PID ]] && alive "$PID" || return 0
    kill -TERM "$PID"
    for ((i = 0; i < 100; i++)); do
        alive "$PID" || return 0
        sleep 0.1
    done
    echo "run.sh: oned (pid $PID) ignored SIGTERM for 10 s; killing it" >&2
    kill -KILL "$PID" 2>/dev/null || true
    return 1
}

cleanup() {
    local rc=$?
    stop_oned || rc=1
    rm -rf "$D"
    exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# A port nothing listens on; starting from a per-process offset keeps two
# concurrent runs from racing for the same one.
free_port() {
    local i p
    for ((i = 0; i < 1000; i++)); do
        p=$((26000 + ($$ + i) % 1000))
        if ! (exec 3<>"/dev/tcp/127.0.0.1/$p") 2>/dev/null; then
            echo "$p"
            return 0
        fi
    done
    return 1
}

# utime + stime of oned in clock ticks.
oned_ticks() {
    local stat f
    stat=$(cat "/proc/$PID/stat" 2>/dev/null) || { echo 0; return; }
    stat=${stat##*) }               # fields after "(comm) "; utime/stime are 12th/13th
    read -r -a f <<<"$stat"
    echo $((f[11] + f[12]))
}

TCK=$(getconf CLK_TCK)
now_ns() { date +%s%N; }

# Run rpcbench with the given arguments (as oneadmin, or as $BENCH_AUTH),
# print its line and oned's CPU use.
# $1: "rate" (CPU as % of one core) or "percall:N" (CPU ms per call over N calls).
bench() {
    local how=$1 out rc=0 t0 c0 t1 c1
    shift
    t0=$(now_ns) c0=$(oned_ticks)
    out=$("$RPCBENCH" "$@" -p "$PORT" -a "${BENCH_AUTH:-$AUTH}") || rc=$?
    t1=$(now_ns) c1=$(oned_ticks)
    echo "$out"
    if ((rc)); then
        failures=$((failures + 1))
        echo "  *** FAILED (rpcbench exit status $rc) ***"
        return 0
    fi
    case $how in
    rate) awk -v c=$((c1 - c0)) -v t=$((t1 - t0)) -v hz="$TCK" \
              'BEGIN { printf "  oned CPU: %.0f%% of one core over the run\n", 100 * c / hz / (t / 1e9) }' ;;
    percall:*) awk -v c=$((c1 - c0)) -v n="${how#percall:}" -v hz="$TCK" \
              'BEGIN { printf "  oned CPU: %.1f ms per call (clock tick %.0f ms)\n", 1000 * c / hz / n, 1000 / hz }' ;;
    esac
}

# Start oned on $D; it daemonizes and returns once it is serving.
start_oned() {
    ONE_LOCATION=$D ONE_AUTH=$D/one_auth "$ONED" || return 1
    PID=$(<"$D/var/oned.pid")
}

# SIGTERM, then start again on the same state: the time until it serves,
# the last $1 pool load times from its log, and its RSS.
restart_oned() {
    local t0 t1
    stop_oned || return 1
    t0=$(now_ns)
    if ! start_oned; then
        echo "*** oned failed to restart ***"
        return 1
    fi
    t1=$(now_ns)
    awk -v t=$((t1 - t0)) 'BEGIN { printf "restart to serving: %.0f ms\n", t / 1e6 }'
    grep 'Loaded' "$D/var/oned.log" | tail -n "$1" | sed 's/^.*\]: /  /'
    grep -E '^VmRSS:' "/proc/$PID/status" | sed 's/^/  after restart /'
}

PORT=$(free_port) || { echo "run.sh: no free port in 26000-26999" >&2; exit 2; }
mkdir -p "$D/etc"
cat >"$D/etc/oned.conf" <<EOF
PORT = $PORT
LISTEN_ADDRESS = "127.0.0.1"
DB = [ BACKEND = "sqlite", SYNC = "NORMAL" ]
PASSWORD_HASH_ITERATIONS = $HASH_ITERATIONS
LOG = [ SYSTEM = "file", DEBUG_LEVEL = 2 ]
EOF
echo "$AUTH" >"$D/one_auth"
chmod 600 "$D/one_auth"

if ! start_oned; then
    echo "run.sh: oned failed to start; log:" >&2
    tail -n 20 "$D/var/oned.log" >&2 2>/dev/null || true
    exit 1
fi
alive "$PID" || { echo "run.sh: oned (pid $PID) is not running" >&2; exit 1; }

echo "== Nubes XML-RPC benchmark =="
echo "machine: $(nproc) cores, $(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), Linux $(uname -r)"
# Anything else busy on the machine takes cores from oned and rpcbench alike.
echo "         load average before the runs: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "oned:    $ONED (pid $PID, 127.0.0.1:$PORT, SQLite SYNC=NORMAL)"
echo "         PASSWORD_HASH_ITERATIONS=$HASH_ITERATIONS so that creating $USERS users takes seconds, not minutes"
echo "runs:    closed loop, keep-alive, 1 s warm-up + $SECS s measured; rpcbench shares the cores with oned"
echo
echo "-- one.user.info(0)   target: >= 20,000 calls/s at 8 connections"
echo "                      (OpenNebula 6.10.5 on this machine: ~1,100 calls/s for one.vm.info)"
for c in 1 8 32; do
    bench rate call -c "$c" -d "$SECS" -m one.user.info -i 0
done
echo
echo "-- one.system.version: cheapest authenticated call, the ceiling for the API"
echo "                      (a bare libmicrohttpd handler did ~79,000 calls/s at 8 connections here)"
bench rate call -c 8 -d "$SECS" -m one.system.version
echo
echo "-- fill: one.user.allocate x $USERS over 8 connections"
bench percall:"$USERS" fill -n "$USERS" -c 8
echo
echo "-- one.userpool.info with $((USERS + 2)) users, 20 sequential calls on one connection"
echo "                      (for VMs: target one.vmpool.info of 10,000 VMs <= 10 ms wall, <= 5 ms CPU;"
echo "                       OpenNebula 6.10.5 here: 48 ms wall, 23 ms CPU, 6.1 MB)"
bench percall:20 time -n 20 -m one.userpool.info
echo
echo "-- one.user.info(0) with $((USERS + 2)) users in the pool   target: >= 20,000 calls/s"
bench rate call -c 8 -d "$SECS" -m one.user.info -i 0
echo

echo "-- tenancy: $USERS ACL rules, then listings and checks as a member of the users group"
echo "                      (rule k: USE on one user, for the users group or for one user)"
bench percall:"$USERS" fill -k acl -n "$USERS" -c 8
echo "   one.userpool.info as benchuser2 (group users): the view sees $((USERS / 2)) users by rule"
BENCH_AUTH=benchuser2:pw bench percall:20 time -n 20 -m one.userpool.info
echo "   one.user.info(5) as benchuser2, allowed by the rule @1 USER/#5 among $USERS"
BENCH_AUTH=benchuser2:pw bench rate call -c 8 -d "$SECS" -m one.user.info -i 5
echo

echo "-- ACL engine alone, in process (no oned): one check, and a pool listing's filter"
"$ACLBENCH" || failures=$((failures + 1))
echo

echo "-- scheduler: one placement pass alone, in process (no oned)"
"$PLACEBENCH" || failures=$((failures + 1))
echo
echo "-- scheduler expressions alone, in process: one requirement and one rank against a 40-attribute host"
"$BUILD/tests/bench/exprbench" || failures=$((failures + 1))
echo
echo "-- image import (oned/fetch.c), in process: a local HTTP server to a staging file"
"$BUILD/tests/bench/fetchbench" || failures=$((failures + 1))
echo

VMS=${BENCH_VMS:-10000}
HOSTS=${BENCH_HOSTS:-100}
echo "-- compute: $HOSTS dummy hosts, $VMS VMs allocated, then deployed over 8 connections"
bench percall:"$HOSTS" fill -k hosts -n "$HOSTS" -c 8
bench percall:"$VMS" fill -k vms -n "$VMS" -c 8
t0=$(now_ns)
bench percall:"$VMS" fill -k deploy -H "$HOSTS" -n "$VMS" -c 8
# Deploy answers once the move is durable; the dummy driver then boots each
# VM on the workers.  Wait until every VM is RUNNING.
python3 - "$PORT" "$AUTH" "$VMS" <<'PY' || failures=$((failures + 1))
import sys, time, xmlrpc.client
port, auth, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
s = xmlrpc.client.ServerProxy(f"http://127.0.0.1:{port}/RPC2")
end = time.monotonic() + 600
while time.monotonic() < end:
    body = s.one.vmpool.info(auth, -2, -1, -1, 3)[1]
    if body.count("<LCM_STATE>3</LCM_STATE>") >= n:
        break
    time.sleep(0.2)
else:
    sys.exit("VMs did not all reach RUNNING")
PY
t1=$(now_ns)
awk -v t=$((t1 - t0)) -v n="$VMS" 'BEGIN { printf "deploy -> all %d RUNNING: %.2f s (%.0f VMs/s)\n", n, t / 1e9, n / (t / 1e9) }'
echo "   one.vmpool.info, $VMS VMs (short form)   target: <= 10 ms wall, <= 5 ms CPU"
bench percall:20 time -n 20 -m one.vmpool.info -i -2 -i -1 -i -1 -i -1
echo "   one.vm.info(0)   target: >= 25,000 calls/s at 8 keep-alive connections"
bench rate call -c 8 -d "$SECS" -m one.vm.info -i 0
echo "   one.vm.info(0), a new connection per call, as OpenNebula's clients do"
bench rate call -c 8 -d "$SECS" -r 1 -m one.vm.info -i 0
echo

if alive "$PID"; then
    echo "-- oned memory at the end, $VMS running VMs   (target: RSS <= 100 MiB; OpenNebula 6.10.5: 549 MiB)"
    grep -E '^(VmRSS|VmHWM):' "/proc/$PID/status" | sed 's/^/  /'
else
    echo "*** oned (pid $PID) DIED during the benchmark; log tail: ***"
    tail -n 20 "$D/var/oned.log" 2>/dev/null || true
    failures=$((failures + 1))
fi

echo
echo "-- restart with $((USERS + 2)) users: SIGTERM, then start until the API serves"
echo "                      (target for 100,000 VMs and 10,000 hosts: <= 5 s to serving, RSS <= 1 GiB)"
restart_oned 4 || failures=$((failures + 1))

# Wait until $1 VMs are RUNNING.
wait_running() {
    python3 - "$PORT" "$AUTH" "$1" <<'PY'
import sys, time, xmlrpc.client
port, auth, n = sys.argv[1], sys.argv[2], int(sys.argv[3])
s = xmlrpc.client.ServerProxy(f"http://127.0.0.1:{port}/RPC2")
end = time.monotonic() + 1200
while time.monotonic() < end:
    if s.one.vmpool.info(auth, -2, -1, -1, 3)[1].count("<LCM_STATE>3</LCM_STATE>") >= n:
        sys.exit(0)
    time.sleep(2)
sys.exit("VMs did not all reach RUNNING")
PY
}

SVMS=${BENCH_SCALE_VMS:-100000}
SHOSTS=${BENCH_SCALE_HOSTS:-10000}
if ((SVMS > 0)) && stop_oned; then
    echo
    echo "-- scale: a fresh database, $SHOSTS dummy hosts, $SVMS VMs deployed and RUNNING, then a restart"
    echo "                      (target: <= 5 s to serving, RSS <= 1 GiB; OpenNebula 6.10.5 here: 549 MiB with 10,000 VMs)"
    rm -rf "$D/var"
    if start_oned; then
        t0=$(now_ns)
        bench percall:"$SHOSTS" fill -k hosts -n "$SHOSTS" -c 8
        bench percall:"$SVMS" fill -k vms -n "$SVMS" -c 8
        bench percall:"$SVMS" fill -k deploy -H "$SHOSTS" -n "$SVMS" -c 8
        wait_running "$SVMS" || failures=$((failures + 1))
        t1=$(now_ns)
        awk -v t=$((t1 - t0)) 'BEGIN { printf "filled and all RUNNING in %.0f s\n", t / 1e9 }'
        echo "   one.vmpool.info, $SVMS VMs, 5 sequential calls"
        bench percall:5 time -n 5 -m one.vmpool.info -i -2 -i -1 -i -1 -i -1
        grep -E '^(VmRSS|VmHWM):' "/proc/$PID/status" | sed 's/^/  running /'
        ls -l "$D/var/one.db" | awk '{ printf "  database: %.0f MiB\n", $5 / 1048576 }'
        if restart_oned 8; then
            sleep 5     # the first monitoring round of every host
            grep -E '^VmRSS:' "/proc/$PID/status" | sed 's/^/  5 s later /'
        else
            failures=$((failures + 1))
        fi
    else
        echo "*** oned failed to start on a fresh database ***"
        failures=$((failures + 1))
    fi
fi

stop_oned || failures=$((failures + 1))
echo
echo "-- scheduler in oned: allocate -> all RUNNING with no one.vm.deploy, each on a fresh oned"
echo "                      (OpenNebula 6.10.5 here, 1,000 VMs on 100 hosts: 567 s stock, 29 s tuned)"
RPCBENCH=$RPCBENCH python3 "$(dirname "$0")/schedbench.py" "$BUILD" || failures=$((failures + 1))
echo
echo "-- instantiate -> RUNNING on a real TCG guest (private libvirtd) vs libvirt's own start"
python3 "$(dirname "$0")/libvirt_start.py" "$BUILD" || failures=$((failures + 1))
echo
echo "-- fs datastore: VM disks as qcow2 overlays, TM qcow2 (shared) and ssh (upload once per host)"
python3 "$(dirname "$0")/fsbench.py" "$BUILD" || failures=$((failures + 1))
echo "-- Ceph: 100 VM disks cloned from one image through TM_MAD ceph, then removed (private cluster)"
echo "                      (librbd's rbd_clone alone on this machine: 17-33 ms per clone on memstore)"
python3 "$(dirname "$0")/ceph_clones.py" "$BUILD" || failures=$((failures + 1))
# The monitoring history, on a daemon of its own (a short interval); this
# one stops first so that its cycles do not run beside it.
echo
RPCBENCH=$RPCBENCH python3 "$(dirname "$0")/monbench.py" "$BUILD" || failures=$((failures + 1))

if ((failures)); then
    echo
    echo "*** $failures BENCHMARK(S) REPORTED ERRORS: figures above are not valid ***"
    exit 1
fi
