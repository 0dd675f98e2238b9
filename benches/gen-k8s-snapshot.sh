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
# shellcheck source=benches/etcd-lib.sh
source "$(dirname "$0")/etcd-lib.sh"
start_etcd "$ETCD3530_DIR" 23981 23982
"$K8SFIXTURE" -endpoint "$ep" -bulk "$n" -out "$work/out" 2>/dev/null
mv "$work/out/snapshot.db" "$out"
echo "$out: $n objects, $(stat -c %s "$out") bytes" >&2
