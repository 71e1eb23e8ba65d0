#!/bin/bash
# sandbox.sh - run a private, throw-away libvirtd (QEMU driver) without systemd.
# (Adapted from the founders' measured recipe, shared/recipes/libvirt-sandbox.sh; driven by
# tests/integration/libvirt_env.py.)
#
#   libvirt-sandbox.sh start DIR [--tcp PORT] [--addr IP] [--netns NAME] [--cgroups]
#   libvirt-sandbox.sh stop  DIR      # destroys its running domains + networks, then stops libvirtd
#   libvirt-sandbox.sh uri   DIR      # prints the local (unix socket) URI
#
# `start` prints the connection URI on stdout once `virsh` can connect (exit 0), or fails.
# Everything the daemon writes lives under DIR: it runs in a private mount namespace in
# which DIR/etc, DIR/run, DIR/lib, DIR/cache, DIR/log are bind-mounted over
# /etc/libvirt, /run/libvirt, /var/lib/libvirt, /var/cache/libvirt, /var/log/libvirt.
# The sockets are in DIR/sock (keep DIR short: unix socket paths are limited to 107 bytes).
# Several instances with different DIRs can run side by side. Needs root, unshare, gcc.
#
#   --tcp PORT   also listen on plain TCP (no TLS, no auth) -> prints qemu+tcp://ADDR:PORT/system
#   --addr IP    TCP listen address, also used as migration address (default 127.0.0.1)
#   --netns NAME run the daemon (and so its guests) inside network namespace NAME
#   --cgroups    keep libvirt's per-VM cgroups (default: off; the cgroup dirs are named
#                machine/qemu-<id>-<name> and collide between instances on one machine)
set -euo pipefail

die() { echo "libvirt-sandbox: $*" >&2; exit 1; }
[ $# -ge 2 ] || die "usage: $0 start|stop|uri DIR [--tcp PORT] [--addr IP] [--netns NAME] [--cgroups]"
cmd=$1; D=$2; shift 2
mkdir -p "$D"; D=$(cd "$D" && pwd)
SOCK="$D/sock/libvirt-sock"
URI="qemu:///system?socket=$SOCK"

# running PID: process exists and is not a zombie (an orphan's zombie can linger when PID 1 reaps lazily)
running() { local st; st=$(sed 's/.*) //' "/proc/$1/stat" 2>/dev/null | cut -d' ' -f1) && [ -n "$st" ] && [ "$st" != Z ]; }
alive() { [ -f "$D/libvirtd.pid" ] && running "$(cat "$D/libvirtd.pid")"; }

write_reaper() {
    # Tiny subreaper: orphaned qemu processes are reparented to it and reaped at once.
    # (Where PID 1 reaps zombies lazily, `virsh destroy` otherwise takes ~1.5-2 s.)
    cat > "$D/bin/reaper.c" <<'EOF'
#include <errno.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/wait.h>
#include <unistd.h>
static pid_t child;
static void fwd(int s) { if (child > 0) kill(child, s); }
int main(int argc, char **argv) {
    if (argc < 2) return 2;
    prctl(PR_SET_CHILD_SUBREAPER, 1);
    if ((child = fork()) < 0) return 1;
    if (child == 0) { execvp(argv[1], argv + 1); _exit(127); }
    signal(SIGTERM, fwd); signal(SIGINT, fwd); signal(SIGHUP, fwd);
    for (;;) {
        int st; pid_t p = waitpid(-1, &st, 0);
        if (p < 0) { if (errno == EINTR) continue; return 1; }
        if (p == child) return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
    }
}
EOF
    gcc -O2 -o "$D/bin/reaper.tmp" "$D/bin/reaper.c" && mv "$D/bin/reaper.tmp" "$D/bin/reaper"
}

case "$cmd" in
uri) echo "$URI" ;;

start)
    PORT=""; ADDR=127.0.0.1; NETNS=""; CGROUPS=0
    while [ $# -gt 0 ]; do
        case "$1" in
            --tcp) PORT=$2; shift 2 ;;
            --addr) ADDR=$2; shift 2 ;;
            --netns) NETNS=$2; shift 2 ;;
            --cgroups) CGROUPS=1; shift ;;
            *) die "unknown option $1" ;;
        esac
    done
    alive && die "already running in $D (pid $(cat "$D/libvirtd.pid"))"
    [ ${#D} -le 80 ] || die "DIR path too long for unix sockets: $D"
    mkdir -p "$D"/etc/qemu "$D"/run "$D"/lib/dnsmasq "$D"/lib/images "$D"/cache "$D"/log "$D"/sock "$D"/bin
    [ -x "$D/bin/reaper" ] || write_reaper

    {
        echo "unix_sock_dir = \"$D/sock\""
        echo 'unix_sock_rw_perms = "0700"'
        echo 'auth_unix_rw = "none"'
        echo 'auth_unix_ro = "none"'
        echo 'listen_tls = 0'
        if [ -n "$PORT" ]; then
            echo 'listen_tcp = 1'
            echo "tcp_port = \"$PORT\""
            echo "listen_addr = \"$ADDR\""
            echo 'auth_tcp = "none"'
        else
            echo 'listen_tcp = 0'
        fi
        # distinct per instance: migration refuses a destination with the source's host UUID
        echo "host_uuid = \"$(cat /proc/sys/kernel/random/uuid)\""
        echo "log_outputs = \"3:file:$D/libvirtd.log\""
    } > "$D/libvirtd.conf"
    {
        echo 'stdio_handler = "file"'      # no virtlogd needed; qemu log -> DIR/log/qemu/NAME.log
        echo 'user = "root"'
        echo 'group = "root"'
        echo 'security_driver = "none"'
        [ "$CGROUPS" = 1 ] || echo 'cgroup_controllers = [ ]'
        # Incoming-migration listen address and the address the source is told to connect to.
        # libvirt rejects loopback addresses here: with 127.x use `virsh migrate --migrateuri tcp://127.0.0.1`.
        case "$ADDR" in
            127.*) : ;;
            *) echo "migration_address = \"$ADDR\""; echo "migration_host = \"$ADDR\"" ;;
        esac
    } > "$D/etc/qemu.conf"

    LISTEN=""; [ -n "$PORT" ] && LISTEN="--listen"
    WRAP=(); [ -n "$NETNS" ] && WRAP=(nsenter "--net=/run/netns/$NETNS")
    mkdir -p /run/libvirt /var/lib/libvirt /var/cache/libvirt /var/log/libvirt
    # The background job's pid is the reaper's (setsid/nsenter/unshare/sh all exec);
    # libvirtd writes its own pid to DIR/libvirtd.pid.
    setsid "${WRAP[@]}" unshare --mount --propagation private -- /bin/sh -c '
        D=$1; shift
        mount --bind "$D/etc" /etc/libvirt &&
        mount --bind "$D/run" /run/libvirt &&
        mount --bind "$D/lib" /var/lib/libvirt &&
        mount --bind "$D/cache" /var/cache/libvirt &&
        mount --bind "$D/log" /var/log/libvirt &&
        exec "$D/bin/reaper" /usr/sbin/libvirtd -f "$D/libvirtd.conf" -p "$D/libvirtd.pid" "$@"
    ' sh "$D" $LISTEN > "$D/libvirtd.out" 2>&1 < /dev/null &
    echo $! > "$D/reaper.pid"

    for _ in $(seq 1 300); do     # up to 30 s
        if virsh -q -c "$URI" uri > /dev/null 2>&1; then
            if [ -n "$PORT" ]; then echo "qemu+tcp://$ADDR:$PORT/system"; else echo "$URI"; fi
            exit 0
        fi
        if ! running "$(cat "$D/reaper.pid")"; then
            cat "$D/libvirtd.out" >&2; grep -E ' error : ' "$D/libvirtd.log" | tail -3 >&2 || true
            die "libvirtd exited"
        fi
        sleep 0.1
    done
    die "libvirtd did not answer within 30 s (see $D/libvirtd.log)"
    ;;

stop)
    if alive; then
        for dom in $(virsh -q -c "$URI" list --name 2>/dev/null); do
            virsh -q -c "$URI" destroy "$dom" > /dev/null 2>&1 || true
        done
        for net in $(virsh -q -c "$URI" net-list --name 2>/dev/null); do
            virsh -q -c "$URI" net-destroy "$net" > /dev/null 2>&1 || true
        done
        P=$(cat "$D/libvirtd.pid")
        kill -TERM "$P" 2>/dev/null || true
        for _ in $(seq 1 100); do running "$P" || break; sleep 0.05; done
        if running "$P"; then kill -KILL "$P" 2>/dev/null || true; fi
    fi
    # Safety net: qemu processes that outlived the daemon (their pid files are in DIR/run/qemu).
    for f in "$D"/run/qemu/*.pid; do
        [ -f "$f" ] || continue
        P=$(cat "$f" 2>/dev/null || true)
        if [ -n "$P" ] && grep -q qemu-system "/proc/$P/cmdline" 2>/dev/null; then
            kill -KILL "$P" 2>/dev/null || true
        fi
    done
    if [ -f "$D/reaper.pid" ]; then
        R=$(cat "$D/reaper.pid")
        for _ in $(seq 1 100); do running "$R" || break; sleep 0.05; done
        rm -f "$D/reaper.pid"
    fi
    rm -f "$D/libvirtd.pid"
    ;;

*) die "unknown command $cmd" ;;
esac
