#!/usr/bin/env bash
# Build Nubes, install it self-contained under $NUBES_PREFIX (default
# /opt/nubes) and start oned on its embedded defaults.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PREFIX=${NUBES_PREFIX:-/opt/nubes}

bash "$ROOT/share/scripts/deps.sh" build
cd "$ROOT"
autoreconf -fi >/dev/null 2>&1
mkdir -p build-install
cd build-install
../configure --prefix="$PREFIX" -q
make -j"$(nproc)" -s
make -s install >/dev/null

export ONE_LOCATION="$PREFIX"
if [ -f "$PREFIX/var/oned.pid" ] && kill -0 "$(cat "$PREFIX/var/oned.pid")" 2>/dev/null; then
    echo "oned is already running (pid $(cat "$PREFIX/var/oned.pid")); restarting it"
    kill -TERM "$(cat "$PREFIX/var/oned.pid")"
    for _ in $(seq 50); do kill -0 "$(cat "$PREFIX/var/oned.pid" 2>/dev/null)" 2>/dev/null || break; sleep 0.1; done
fi
"$PREFIX/bin/oned"

AUTH=${ONE_AUTH:-$HOME/.one/one_auth}
PORT=$(sed -n 's/^[[:space:]]*PORT[[:space:]]*=[[:space:]]*\([0-9]*\).*/\1/p' "$PREFIX/etc/oned.conf" | head -1)
cat <<MSG

Nubes oned is running (pid $(cat "$PREFIX/var/oned.pid")).
  XML-RPC endpoint : http://$(hostname -f 2>/dev/null || hostname):${PORT:-2633}/RPC2
                     (from this machine: http://localhost:${PORT:-2633}/RPC2)
  oneadmin login   : $AUTH   (user:password)
  logs             : $PREFIX/var/oned.log, audit trail $PREFIX/var/audit.log
  stop             : kill \$(cat $PREFIX/var/oned.pid)

Try the CLI:
  export PATH=$PREFIX/bin:\$PATH
  oneuser list
  oneuser create alice s3cret && onegroup create dev && oneuser chgrp alice dev
MSG
