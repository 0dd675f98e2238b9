#!/usr/bin/env bash
# Generates a real etcd 3.5.30 snapshot holding N Kubernetes objects of
# the kinds clusters hold most of (pods, configmaps, events, services,
# replicasets, deployments, leases, endpointslices, rolebindings,
# serviceaccounts), filled by apimachinery's fuzzer and stored as
# kube-apiserver stores them (testdata/go/k8sfixture -bulk). Benchmark
# input for `k8s get`; not committed.
# Usage: benches/gen-k8s-snapshot.sh OUT.db [N=100000]
set -euo pipefail
out=${1:?usage: gen-k8s-snapshot.sh OUT.db [N]}
n=${2:-100000}
# shellcheck disable=SC1091
source "${ORACLES_DIR:-/opt/etcdsnap-oracles}/env.sh"
work=$(mktemp -d)
port_c=23981 port_p=23982
ep=http://127.0.0.1:$port_c
cleanup() {
  if [ -n "${pid:-}" ]; then kill "$pid" 2>/dev/null || true; sleep 1; kill -9 "$pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT
"$ETCD3530_DIR/etcd" --name bench --data-dir "$work/data" \
  --listen-client-urls "$ep" --advertise-client-urls "$ep" \
  --listen-peer-urls "http://127.0.0.1:$port_p" --initial-advertise-peer-urls "http://127.0.0.1:$port_p" \
  --initial-cluster "bench=http://127.0.0.1:$port_p" \
  --quota-backend-bytes 8589934592 --log-level error >"$work/etcd.log" 2>&1 &
pid=$!
for _ in $(seq 50); do "$ETCD3530_DIR/etcdctl" --endpoints "$ep" endpoint health >/dev/null 2>&1 && break; sleep 0.2; done
"$K8SFIXTURE" -endpoint "$ep" -bulk "$n" -out "$work/out" 2>/dev/null
mv "$work/out/snapshot.db" "$out"
echo "$out: $n objects, $(stat -c %s "$out") bytes" >&2
