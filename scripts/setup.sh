#!/usr/bin/env bash
# Installs everything straceback needs on Debian 12 and builds it. Idempotent:
# run it as often as you like. Needs root (apt, BPF, mounts).
set -euo pipefail
cd "$(dirname "$(readlink -f "$0")")/.."

log() { printf '\033[1msetup:\033[0m %s\n' "$*" >&2; }

if [ "$(id -u)" != 0 ]; then
  echo "setup: run as root (apt-get, BPF and mounts need it)" >&2
  exit 1
fi

PACKAGES=(
  clang llvm libbpf-dev bpftool libelf-dev zlib1g-dev pkg-config make g++
  runc busybox-static strace sqlite3 hyperfine linux-libc-dev curl
  podman containerd systemd
)
missing=()
for p in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  log "installing ${missing[*]}"
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# The recorder needs tracefs (tracepoints) and bpffs (pinned rings, later).
mountpoint -q /sys/kernel/tracing || mount -t tracefs nodev /sys/kernel/tracing
mountpoint -q /sys/fs/bpf || mount -t bpf bpf /sys/fs/bpf

# Install the pinned dependencies only when the lockfile changed since the last install.
# `npm install` against the committed lockfile, not `npm ci`: npm 11 writes lockfiles without the
# other platforms' optional packages of msgpackr-extract and then its own `npm ci` refuses them;
# `npm install` installs exactly the locked versions and leaves the lockfile as it is.
stamp=node_modules/.straceback-lock
if ! cmp -s package-lock.json "$stamp" 2>/dev/null; then
  log "npm install (locked versions)"
  npm install --no-audit --no-fund --loglevel=error
  cp package-lock.json "$stamp"
fi

log "building (BPF objects, native addon, TypeScript, test helpers)"
npm run --silent build
