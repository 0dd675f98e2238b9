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
# shellcheck source=benches/etcd-lib.sh
source "$(dirname "$0")/etcd-lib.sh"
start_etcd "$bin" 23991 23992
while :; do
  size=$(stat -c %s "$work/data/member/snap/db")
  echo "backend: $((size / 1000000)) MB" >&2
  [ "$size" -ge $((target_mb * 1000000)) ] && break
  "$bin/etcdctl" --endpoints "$ep" check perf --load=l >/dev/null 2>&1 || true
done
"$bin/etcdctl" --endpoints "$ep" snapshot save "$out" >/dev/null
ls -l "$out" >&2
