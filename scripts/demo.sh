#!/usr/bin/env bash
# The straceback demo: a real runc container with the straceback hooks runs
# an app that reads its config, fails to reach its database and crashes with
# SIGSEGV. Afterwards its last syscalls are fetched from the daemon with one
# curl, as an SQLite file, and shown.
#
# Runs after scripts/setup.sh (root). Idempotent: everything lives under
# $DEMO_DIR (default /tmp/straceback-demo), recreated on each run; the
# daemon it starts is stopped at the end. It does not touch /run/straceback.
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."
REPO=$PWD
DEMO=${DEMO_DIR:-/tmp/straceback-demo}
RUN=$DEMO/run
STATE=$DEMO/state
BUNDLE=$DEMO/bundle
ID=web

say() { printf '\n\033[1m== %s\033[0m\n' "$*"; }
show() { printf '\033[2m$ %s\033[0m\n' "$*"; }

if [ "$(id -u)" != 0 ]; then
  echo "demo: run as root (BPF and runc need it)" >&2
  exit 1
fi

DAEMON_PID=
cleanup() {
  runc --root "$DEMO/runc" delete --force "$ID" >/dev/null 2>&1 || true
  if [ -n "$DAEMON_PID" ] && kill -0 "$DAEMON_PID" 2>/dev/null; then
    kill -TERM "$DAEMON_PID"
    wait "$DAEMON_PID" 2>/dev/null || true
  fi
}
trap cleanup EXIT

if [ -d "$DEMO" ]; then
  runc --root "$DEMO/runc" delete --force "$ID" >/dev/null 2>&1 || true
  if [ -f "$RUN/daemon.pid" ]; then kill -TERM "$(cat "$RUN/daemon.pid")" 2>/dev/null || true; sleep 0.5; fi
fi
rm -rf "$DEMO"
mkdir -p "$DEMO" "$BUNDLE/rootfs"/{bin,etc,tmp,proc,sys,dev}

say "1. the container: a busybox rootfs and an app that will crash (demo/app.c)"
gcc -static -O1 -o "$BUNDLE/rootfs/app" demo/app.c
cp /bin/busybox "$BUNDLE/rootfs/bin/busybox"
for t in sh cat echo ls sleep; do ln -sf busybox "$BUNDLE/rootfs/bin/$t"; done
printf 'db = 10.0.0.7 port = 5432\n' >"$BUNDLE/rootfs/etc/app.conf"
echo web >"$BUNDLE/rootfs/etc/hostname"
(cd "$BUNDLE" && runc spec)
# The OCI config: no terminal, the app as entrypoint, straceback's hooks at prestart and poststop.
node - "$BUNDLE/config.json" "$REPO/bin/straceback-hook" "$RUN" <<'EOF'
const fs = require('fs');
const [file, hook, run] = process.argv.slice(2);
const c = JSON.parse(fs.readFileSync(file, 'utf8'));
c.process.terminal = false;
c.process.args = ['/bin/sh', '-c', 'echo "starting app"; cat /etc/app.conf; exec /app'];
c.hostname = 'web';
c.root.readonly = false;
const h = (stage) => ({ path: hook, args: ['straceback-hook', stage], env: [`STRACEBACK_RUN_DIR=${run}`] });
c.hooks = { prestart: [h('prestart')], poststop: [h('poststop')] };
fs.writeFileSync(file, JSON.stringify(c, null, 2));
EOF
echo "bundle: $BUNDLE (hooks: $REPO/bin/straceback-hook prestart / poststop)"

say "2. the daemon (run dir $RUN, state dir $STATE)"
show "straceback daemon --run-dir $RUN --state-dir $STATE --release-on-exit &"
# --release-on-exit: when the demo stops it, the daemon archives and frees its rings instead of leaving them
# pinned and recording for a next daemon (what a real service does on restart).
"$REPO/bin/straceback" daemon --run-dir "$RUN" --state-dir "$STATE" --no-discover --release-on-exit 2>"$DEMO/daemon.log" &
DAEMON_PID=$!
for _ in $(seq 100); do
  grep -q 'straceback: serving' "$DEMO/daemon.log" 2>/dev/null && break
  kill -0 "$DAEMON_PID" 2>/dev/null || { cat "$DEMO/daemon.log" >&2; exit 1; }
  sleep 0.1
done
grep -q 'straceback: serving' "$DEMO/daemon.log" || { echo "demo: the daemon did not start:" >&2; cat "$DEMO/daemon.log" >&2; exit 1; }
echo "daemon pid $DAEMON_PID is serving $RUN/api.sock"

say "3. runc runs the container; it crashes"
show "runc run --bundle $BUNDLE $ID"
set +e
runc --root "$DEMO/runc" run --bundle "$BUNDLE" "$ID" </dev/null
code=$?
set -e
echo "runc exited with $code$( [ "$code" -gt 128 ] && echo " (the container was killed by signal $((code - 128)))")"

say "4. what did it do before it died? one curl to the daemon"
show "curl --unix-socket $RUN/api.sock -X POST http://localhost/v1/containers/$ID/dump -o $DEMO/$ID.db"
curl -sS --fail-with-body --unix-socket "$RUN/api.sock" -X POST "http://localhost/v1/containers/$ID/dump" -o "$DEMO/$ID.db"
ls -l "$DEMO/$ID.db"

say "5. its last syscalls, as strace would have shown them"
show "straceback show $DEMO/$ID.db | tail -n 25"
"$REPO/bin/straceback" show "$DEMO/$ID.db" | tail -n 25

say "6. the same history in SQL: the failed calls"
Q="SELECT time(ts_ns / 1e9, 'unixepoch') AS time, comm, name, substr(args, 1, 60) AS args, error FROM errors"
show "sqlite3 -column -header $DEMO/$ID.db \"$Q\""
sqlite3 -column -header "$DEMO/$ID.db" "$Q"

say "7. how it ended (from the kernel's record of the container's init)"
Q2="SELECT id, exit_code, ended FROM container"
show "sqlite3 -column -header $DEMO/$ID.db \"$Q2\""
sqlite3 -column -header "$DEMO/$ID.db" "$Q2"

say "done"
echo "The dump stays in $DEMO/$ID.db; the daemon is stopped now (its archive is in $STATE/archives)."
