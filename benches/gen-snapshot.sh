#!/usr/bin/env bash
# Generates a large, real etcd 3.5.1 snapshot for benchmarks (not committed).
# Starts etcd 3.5.1 on loopback, loads it with `etcdctl check perf --load=l`
# until the backend reaches TARGET_MB, then saves a snapshot with etcdctl.
# Usage: benches/gen-snapshot.sh OUT.db [TARGET_MB=1100]
set -euo pipefail
out=${1:?usage: gen-snapshot.sh OUT.db [TARGET_MB]}
target_mb=${2:-1100}
# shellcheck disable=SC1091
source "${ORACLES_DIR:-/opt/etcdsnap-oracles}/env.sh"
bin=$ETCD351_DIR
work=$(mktemp -d)
port_c=23991 port_p=23992
ep=http://127.0.0.1:$port_c
cleanup() {
  if [ -n "${pid:-}" ]; then kill "$pid" 2>/dev/null || true; sleep 1; kill -9 "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
"$bin/etcd" --name bench --data-dir "$work/data" \
  --listen-client-urls "$ep" --advertise-client-urls "$ep" \
  --listen-peer-urls "http://127.0.0.1:$port_p" --initial-advertise-peer-urls "http://127.0.0.1:$port_p" \
  --initial-cluster "bench=http://127.0.0.1:$port_p" \
  --quota-backend-bytes 8589934592 --log-level error >"$work/etcd.log" 2>&1 &
pid=$!
for _ in $(seq 50); do "$bin/etcdctl" --endpoints "$ep" endpoint health >/dev/null 2>&1 && break; sleep 0.2; done
while :; do
  size=$(stat -c %s "$work/data/member/snap/db")
  echo "backend: $((size / 1000000)) MB" >&2
  [ "$size" -ge $((target_mb * 1000000)) ] && break
  "$bin/etcdctl" --endpoints "$ep" check perf --load=l >/dev/null 2>&1 || true
done
"$bin/etcdctl" --endpoints "$ep" snapshot save "$out" >/dev/null
ls -l "$out" >&2
